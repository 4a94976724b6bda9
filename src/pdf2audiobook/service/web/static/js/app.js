// Starts the page: learns how this server signs people in, then shows the view the
// address asks for (#/new, #/library, #/book/<id>).

import { Api, configFromServer } from "./api.js";
import { BookView } from "./book.js";
import { clerkSignInUrl } from "./clerk.js";
import { byId, show } from "./dom.js";
import { describeError } from "./errors.js";
import { count } from "./format.js";
import { Library } from "./library.js";
import { Player } from "./player.js";
import { Session } from "./session.js";
import { UploadForm } from "./upload.js";

const VIEWS = ["loading", "signin", "new", "book", "library"];

class App {
  constructor(config) {
    this.config = config;
    this.session = new Session(config);
    this.api = new Api(
      () => this.session.authorization(),
      () => this.signOut("You were signed out: your sign-in has expired or was revoked. Please sign in again."),
    );
    this.me = null;
    this.balance = null;
    const notice = (error) => this.notice(typeof error === "string" ? error : describeError(error));
    this.player = new Player(this.api, notice);
    this.upload = new UploadForm(this.api, {
      onSubmitted: (job) => {
        this.refreshCredits();
        location.hash = `#/book/${job.id}`;
      },
      onNotice: notice,
      balance: () => (this.config.credits_enabled ? this.balance : null),
      maxUploadBytes: config.max_upload_bytes,
    });
    this.book = new BookView(this.api, this.player, {
      onNotice: notice,
      onDeleted: (jobId) => {
        this.player.close(jobId);
        if (location.hash.startsWith("#/book/")) location.hash = "#/library";
      },
      onChanged: () => this.refreshCredits(),
    });
    this.library = new Library(this.api, config, {
      onNotice: notice,
      onCredits: () => this.refreshCredits(),
      onDeleted: (jobId) => this.player.close(jobId),
    });
  }

  async start() {
    byId("notice-close").addEventListener("click", () => (byId("notice").hidden = true));
    byId("sign-out").addEventListener("click", () => this.signOut());
    byId("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.signInWithToken();
    });
    if (this.config.clerk) {
      byId("clerk-sign-in").hidden = false;
      byId("clerk-sign-in-link").addEventListener("click", (event) => {
        event.preventDefault();
        this.session.useClerk();
        const back = new URL(location.href);
        back.hash = "#/library";
        location.assign(clerkSignInUrl(this.config.clerk, back.toString()));
      });
    }
    // The address holds the view (#/library); the skip link moves focus without changing it.
    document.querySelector(".skip-link").addEventListener("click", (event) => {
      event.preventDefault();
      byId("main").focus();
    });
    window.addEventListener("hashchange", () => {
      if (location.hash.startsWith("#/")) this.route();
    });
    if (this.session.kind && (await this.loadMe())) {
      this.signedIn();
    }
    await this.route();
  }

  async loadMe() {
    try {
      this.me = await this.api.me();
      this.balance = this.me.credit_balance;
      return true;
    } catch (error) {
      if (error.status !== 401) this.notice(describeError(error));
      await this.session.signOut();
      return false;
    }
  }

  signedIn() {
    for (const element of document.querySelectorAll("[data-signed-in]")) element.hidden = false;
    const name = [this.me.first_name, this.me.last_name].filter(Boolean).join(" ");
    byId("who").textContent = name || this.me.email || "Signed in";
    this.showCredits();
  }

  showCredits() {
    const badge = byId("credits-badge");
    badge.hidden = !this.config.credits_enabled || this.balance === null;
    badge.textContent = `${count(this.balance ?? 0)} credits`;
  }

  async refreshCredits() {
    if (!this.config.credits_enabled || !this.me) return;
    try {
      this.balance = (await this.api.credits()).balance;
      this.showCredits();
    } catch {
      // The badge keeps its last value; the next refresh will catch up.
    }
  }

  async signInWithToken() {
    const input = byId("token-input");
    const error = byId("token-error");
    const token = input.value.trim();
    error.hidden = true;
    if (!token) {
      error.textContent = "Paste your personal API token first.";
      error.hidden = false;
      input.focus();
      return;
    }
    this.session.useToken(token);
    try {
      this.me = await this.api.me();
      this.balance = this.me.credit_balance;
    } catch (failure) {
      await this.session.signOut();
      error.textContent =
        failure.status === 401
          ? "That token was not accepted. Check that you copied all of it, and that it has not expired or been revoked."
          : describeError(failure);
      error.hidden = false;
      input.focus();
      return;
    }
    input.value = "";
    this.signedIn();
    location.hash = "#/library";
    await this.route();
  }

  async signOut(message = "") {
    this.book.close();
    this.library.close();
    this.player.close();
    await this.session.signOut();
    this.me = null;
    for (const element of document.querySelectorAll("[data-signed-in]")) element.hidden = true;
    if (message) this.notice(message);
    await this.route();
  }

  show(name) {
    for (const view of VIEWS) show(byId(`view-${view}`), view === name);
    for (const link of document.querySelectorAll("[data-nav]")) {
      if (link.dataset.nav === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  async route() {
    this.book.close();
    this.library.close();
    if (!this.me) {
      this.show("signin");
      document.title = "Sign in · pdf2audiobook";
      return;
    }
    const hash = location.hash.startsWith("#/") ? location.hash : "#/library";
    const book = /^#\/book\/([\w-]+)$/.exec(hash);
    try {
      if (hash === "#/new") {
        this.show("new");
        document.title = "New audiobook · pdf2audiobook";
        await this.upload.prepare();
      } else if (book) {
        this.show("book");
        await this.book.open(book[1]);
        document.title = `${byId("book-title").textContent} · pdf2audiobook`;
      } else {
        this.show("library");
        document.title = "Library · pdf2audiobook";
        await this.library.open();
      }
    } catch (error) {
      this.notice(describeError(error));
    }
    byId("main").focus({ preventScroll: true });
  }

  notice(text) {
    byId("notice-text").textContent = text;
    byId("notice").hidden = false;
  }
}

async function boot() {
  let config;
  try {
    config = await configFromServer();
  } catch {
    byId("view-loading").replaceChildren("The server could not be reached. Reload the page to try again.");
    return;
  }
  await new App(config).start();
}

boot();
