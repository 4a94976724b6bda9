// The player bar: plays a book chapter by chapter, each as soon as it is finished, and
// remembers where the listener stopped in each book.

import { audioSource } from "./api.js";
import { byId, paintCover } from "./dom.js";
import { clock, spokenClock } from "./format.js";

const SKIP_SECONDS = 30;
const SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
const SPEED_KEY = "pdf2audiobook.speed";
const SAVE_EVERY_SECONDS = 5;

function positionKey(jobId) {
  return `pdf2audiobook.position.${jobId}`;
}

export function savedPosition(jobId) {
  try {
    const saved = JSON.parse(localStorage.getItem(positionKey(jobId)) || "null");
    return saved && Number.isInteger(saved.chapter) ? saved : null;
  } catch {
    return null;
  }
}

export class Player {
  constructor(api, onNotice) {
    this.api = api;
    this.onNotice = onNotice;
    this.audio = byId("player-audio");
    this.bar = byId("player");
    this.book = null;
    this.chapters = [];
    this.current = null;
    this.source = null;
    this.waitingFor = null;
    this.loading = null;
    this.lastSaved = 0;
    this.listeners = new Set();
    this.wire();
    this.setSpeed(Number.parseFloat(localStorage.getItem(SPEED_KEY) || "1") || 1);
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  changed() {
    for (const listener of this.listeners) listener(this);
  }

  wire() {
    const audio = this.audio;
    byId("player-play").addEventListener("click", () => this.toggle());
    byId("player-back").addEventListener("click", () => this.skip(-SKIP_SECONDS));
    byId("player-forward").addEventListener("click", () => this.skip(SKIP_SECONDS));
    byId("player-previous").addEventListener("click", () => this.step(-1));
    byId("player-next").addEventListener("click", () => this.step(1));
    byId("player-speed").addEventListener("change", (event) => this.setSpeed(Number.parseFloat(event.target.value)));
    const position = byId("player-position");
    position.addEventListener("input", () => {
      audio.currentTime = Number(position.value);
    });
    audio.addEventListener("timeupdate", () => this.showTime());
    audio.addEventListener("durationchange", () => this.showTime());
    audio.addEventListener("play", () => this.showPlaying());
    audio.addEventListener("pause", () => {
      this.showPlaying();
      this.save(true);
    });
    audio.addEventListener("ended", () => this.chapterEnded());
    document.addEventListener("keydown", (event) => this.shortcut(event));
    window.addEventListener("pagehide", () => this.save(true));
  }

  get playing() {
    return !this.audio.paused && !this.audio.ended;
  }

  // Shows the player for `book` ({id, title}) with its `chapters`, at the saved place.
  open(book, chapters) {
    if (this.book?.id === book.id) {
      this.showBook(book);
      this.update(chapters);
      return;
    }
    this.unload();
    this.book = book;
    this.chapters = chapters;
    const saved = savedPosition(book.id);
    const ready = chapters.filter((chapter) => chapter.status === "done");
    const start = saved && ready.some((c) => c.number === saved.chapter) ? saved : null;
    this.current = start ? start.chapter : ready[0]?.number ?? null;
    this.bar.hidden = false;
    document.body.classList.add("with-player");
    this.showBook(book);
    if (this.current !== null) this.load(this.current, start ? start.time : 0, false);
    this.showChapter();
    this.changed();
  }

  // The title changes once the book has been read (its own title replaces the file name).
  showBook(book) {
    this.book = book;
    paintCover(byId("player-cover"), book.title);
    const link = byId("player-book");
    link.textContent = book.title;
    link.href = `#/book/${book.id}`;
  }

  // New chapter states from progress: a chapter the listener waits for starts at once.
  update(chapters) {
    this.chapters = chapters;
    if (this.current === null) {
      const first = chapters.find((chapter) => chapter.status === "done");
      if (first) {
        this.current = first.number;
        this.load(first.number, 0, false);
      }
    }
    if (this.waitingFor !== null && this.isReady(this.waitingFor)) {
      const number = this.waitingFor;
      this.waitingFor = null;
      this.play(number);
    }
    this.showChapter();
  }

  isReady(number) {
    return this.chapters.some((chapter) => chapter.number === number && chapter.status === "done");
  }

  chapter(number) {
    return this.chapters.find((chapter) => chapter.number === number) ?? null;
  }

  async load(number, at, autoplay) {
    this.save(true);
    this.current = number;
    this.waitingFor = null;
    this.showChapter();
    this.changed();
    const token = Symbol(number);
    this.loading = token;
    this.setStatus(`Loading chapter ${number}…`);
    try {
      const source = await audioSource(this.api, `/jobs/${encodeURIComponent(this.book.id)}/chapters/${number}/audio`);
      if (this.loading !== token) {
        source.revoke();
        return;
      }
      this.source?.revoke();
      this.source = source;
      this.audio.src = source.url;
      this.audio.dataset.chapter = String(number);
      this.audio.playbackRate = this.speed;
      this.audio.defaultPlaybackRate = this.speed;
      await new Promise((resolve) => this.audio.addEventListener("loadedmetadata", resolve, { once: true }));
      if (at > 0 && at < this.audio.duration) this.audio.currentTime = at;
      this.setStatus(`Chapter ${number} ready`);
      if (autoplay) await this.start();
    } catch (error) {
      if (this.loading === token) this.onNotice(error);
    }
  }

  play(number) {
    if (!this.isReady(number)) {
      this.waitingFor = number;
      this.current = number;
      this.setStatus(`Chapter ${number} is still being read; it will play when it is ready.`);
      this.showChapter();
      this.changed();
      return;
    }
    return this.load(number, 0, true);
  }

  async toggle() {
    if (this.current === null) return;
    if (!this.audio.src) return this.load(this.current, 0, true);
    if (this.playing) this.audio.pause();
    else await this.start();
  }

  // The browser may refuse to start sound it was not asked for by a click or a key (the
  // next chapter arriving while the listener is away): then the play button waits for them.
  async start() {
    try {
      await this.audio.play();
    } catch (error) {
      if (error.name !== "NotAllowedError" && error.name !== "AbortError") throw error;
      this.setStatus("Press play to go on listening.");
    }
  }

  skip(seconds) {
    if (!this.audio.src) return;
    const end = Number.isFinite(this.audio.duration) ? this.audio.duration : this.audio.currentTime;
    this.audio.currentTime = Math.min(Math.max(0, this.audio.currentTime + seconds), end);
  }

  step(direction) {
    if (this.current === null) return;
    const numbers = this.chapters.map((chapter) => chapter.number);
    const index = numbers.indexOf(this.current) + direction;
    if (direction < 0 && this.audio.currentTime > 3) {
      this.audio.currentTime = 0;
      return;
    }
    if (index < 0 || index >= numbers.length) return;
    return this.play(numbers[index]);
  }

  chapterEnded() {
    const numbers = this.chapters.map((chapter) => chapter.number);
    const next = numbers[numbers.indexOf(this.current) + 1];
    if (next === undefined) {
      this.setStatus("The end of the book.");
      this.save(true);
      return;
    }
    this.play(next);
  }

  setSpeed(speed) {
    const nearest = SPEEDS.reduce((best, value) => (Math.abs(value - speed) < Math.abs(best - speed) ? value : best));
    this.speed = nearest;
    this.audio.playbackRate = nearest;
    this.audio.defaultPlaybackRate = nearest;
    byId("player-speed").value = String(nearest);
    localStorage.setItem(SPEED_KEY, String(nearest));
  }

  shortcut(event) {
    if (this.bar.hidden || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest?.("input, select, textarea, [contenteditable]")) return;
    const key = event.key;
    const onButton = target.closest?.("button, a, summary");
    const actions = {
      " ": () => this.toggle(),
      k: () => this.toggle(),
      ArrowLeft: () => this.skip(-SKIP_SECONDS),
      j: () => this.skip(-SKIP_SECONDS),
      ArrowRight: () => this.skip(SKIP_SECONDS),
      l: () => this.skip(SKIP_SECONDS),
      "[": () => this.step(-1),
      "]": () => this.step(1),
      "-": () => this.setSpeed(SPEEDS[Math.max(0, SPEEDS.indexOf(this.speed) - 1)]),
      "+": () => this.setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(this.speed) + 1)]),
      "=": () => this.setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(this.speed) + 1)]),
    };
    const action = actions[key.length === 1 ? key.toLowerCase() : key];
    // Space and Enter on a focused button belong to that button.
    if (!action || (onButton && key === " ")) return;
    event.preventDefault();
    action();
  }

  save(now = false) {
    if (!this.book || this.current === null || !this.audio.src) return;
    const time = this.audio.currentTime;
    if (!now && Math.abs(time - this.lastSaved) < SAVE_EVERY_SECONDS) return;
    this.lastSaved = time;
    localStorage.setItem(positionKey(this.book.id), JSON.stringify({ chapter: this.current, time }));
  }

  showTime() {
    const { currentTime, duration } = this.audio;
    const known = Number.isFinite(duration) ? duration : 0;
    const position = byId("player-position");
    position.max = String(Math.floor(known));
    position.value = String(Math.floor(currentTime));
    position.setAttribute("aria-valuetext", `${spokenClock(currentTime)} of ${spokenClock(known)}`);
    byId("player-time").textContent = clock(currentTime);
    byId("player-duration").textContent = clock(known);
    this.save();
  }

  showPlaying() {
    const button = byId("player-play");
    button.classList.toggle("playing", this.playing);
    button.setAttribute("aria-label", this.playing ? "Pause" : "Play");
    this.changed();
  }

  showChapter() {
    const chapter = this.chapter(this.current);
    byId("player-chapter").textContent = chapter
      ? `${chapter.title} · ${chapter.number} of ${this.chapters.length}`
      : "Waiting for the first chapter";
    const numbers = this.chapters.map((c) => c.number);
    const index = numbers.indexOf(this.current);
    byId("player-previous").disabled = index <= 0 && !this.audio.src;
    byId("player-next").disabled = index === -1 || index >= numbers.length - 1;
  }

  setStatus(text) {
    byId("player-status").textContent = text;
  }

  unload() {
    this.save(true);
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
    this.source?.revoke();
    this.source = null;
    this.loading = null;
  }

  // Closes the player when its book is deleted or the person signs out.
  close(jobId = null) {
    if (jobId !== null && this.book?.id !== jobId) return;
    this.unload();
    this.book = null;
    this.chapters = [];
    this.current = null;
    this.bar.hidden = true;
    document.body.classList.remove("with-player");
    this.changed();
  }
}
