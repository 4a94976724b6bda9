// Builds elements from data without ever parsing it as HTML, so a book's title or a line
// of its text can never become markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element;
}

export function show(element, visible) {
  element.hidden = !visible;
}

// A cover for a book without one: its initials on a colour picked from its title.
export function paintCover(element, title) {
  let hash = 0;
  for (const character of title) hash = (hash * 31 + character.codePointAt(0)) >>> 0;
  element.style.setProperty("--cover-hue", String(hash % 360));
  const initials = title
    .split(/\s+/)
    .filter((word) => /\p{L}/u.test(word))
    .slice(0, 2)
    .map((word) => word.match(/\p{L}/u)[0].toUpperCase())
    .join("");
  element.textContent = initials || "♪";
}
