// The person's books, newest first, with what can be done to each; their credits, and
// what they can buy when this server sells credits.

import { bookTitle, statusWords } from "./book.js";
import { byId, h, paintCover, show } from "./dom.js";
import { count, duration, money, when } from "./format.js";

const ACTIVE = new Set(["pending", "processing"]);
const REFRESH_SECONDS = 3;

function offerWords(product) {
  const price = money(product.price_minor, product.currency);
  if (product.kind === "subscription") {
    return `Subscribe to ${product.name}: ${count(product.credits)} credits a period for ${price}`;
  }
  return `Buy ${count(product.credits)} credits for ${price}`;
}

export class Library {
  constructor(api, config, { onNotice, onCredits, onDeleted }) {
    this.api = api;
    this.config = config;
    this.onNotice = onNotice;
    this.onCredits = onCredits;
    this.onDeleted = onDeleted;
    this.timer = null;
    this.products = null;
  }

  async open() {
    await Promise.all([this.refresh(), this.showWallet()]);
  }

  close() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  async refresh() {
    clearTimeout(this.timer);
    const page = await this.api.jobs();
    const list = byId("library-list");
    list.replaceChildren(...page.items.map((job) => this.row(job)));
    show(byId("library-empty"), page.items.length === 0);
    // Books in progress change under the list: look again while any is being read.
    if (page.items.some((job) => ACTIVE.has(job.status)) && !byId("view-library").hidden) {
      this.timer = setTimeout(() => this.refresh().catch(this.onNotice), REFRESH_SECONDS * 1000);
    }
  }

  row(job) {
    const title = bookTitle(job);
    const cover = h("div", { class: "cover small", "aria-hidden": "true" });
    paintCover(cover, title);
    const facts = [when(job.created_at)];
    if (job.duration_seconds) facts.push(duration(job.duration_seconds));
    if (ACTIVE.has(job.status)) facts.push(`${job.progress}%`);
    if (job.status === "failed" && job.error_message) facts.push(job.error_message);
    const actions = [];
    if (ACTIVE.has(job.status)) actions.push(this.button("Cancel", `Cancel ${title}`, () => this.act("cancel", job)));
    if (job.status === "failed" || job.status === "cancelled") {
      actions.push(this.button("Try again", `Try ${title} again`, () => this.act("retry", job)));
    }
    if (!ACTIVE.has(job.status)) actions.push(this.button("Delete", `Delete ${title}`, () => this.act("remove", job), "danger"));
    return h(
      "li",
      { class: "library-item", "data-job": job.id, "data-status": job.status },
      cover,
      h(
        "div",
        { class: "library-text" },
        h("a", { class: "library-title", href: `#/book/${job.id}` }, title),
        h("span", { class: "muted" }, job.original_filename),
        h("span", { class: "muted" }, facts.join(" · ")),
      ),
      h("span", { class: "pill", "data-status": job.status }, statusWords(job.status)),
      h("div", { class: "actions" }, actions),
    );
  }

  button(text, label, onclick, kind = "") {
    return h("button", { type: "button", class: `button small ${kind}`, "aria-label": label, onclick }, text);
  }

  async act(action, job) {
    if (action === "remove" && !window.confirm(`Delete “${bookTitle(job)}” and its audio?`)) return;
    try {
      await this.api[action](job.id);
      if (action === "remove") this.onDeleted(job.id);
      await this.refresh();
      this.onCredits();
      // The pressed button is gone with the old row: keep the keyboard where it was.
      const row = document.querySelector(`li[data-job="${job.id}"] .library-title`);
      (row ?? byId("library-title")).focus();
    } catch (error) {
      this.onNotice(error);
    }
  }

  async showWallet() {
    if (!this.config.credits_enabled) return;
    const credits = await this.api.credits();
    byId("wallet").hidden = false;
    byId("wallet-balance").textContent = `${count(credits.balance)} credits`;
    byId("wallet-reserved").textContent = credits.reserved ? `(${count(credits.reserved)} held for books being read)` : "";
    byId("wallet-plan").textContent = `Your plan: ${credits.tier}. A book costs its characters times its voice's rate; the estimate shows it before you start.`;
    if (!this.config.payments_enabled) return;
    this.products ??= (await this.api.products()).products.filter((product) => product.purchasable);
    byId("wallet-products").replaceChildren(
      ...this.products.map((product) =>
        h(
          "button",
          { type: "button", class: "button", onclick: () => this.buy(product) },
          offerWords(product),
        ),
      ),
    );
  }

  async buy(product) {
    try {
      const checkout = await this.api.checkout(product.id);
      window.location.assign(checkout.checkout_url);
    } catch (error) {
      this.onNotice(error);
    }
  }
}
