// Who is signed in, in this tab: a personal API token (kept in sessionStorage, so closing
// the tab forgets it) or Clerk's session, whose short-lived tokens are fetched as needed.

import { ClerkSession } from "./clerk.js";

const KEY = "pdf2audiobook.sign-in";

export class Session {
  constructor(config) {
    this.clerk = config.clerk ? new ClerkSession(config.clerk.frontend_api) : null;
    this.saved = readSaved();
  }

  get kind() {
    return this.saved?.kind ?? null;
  }

  useToken(token) {
    this.saved = { kind: "token", token };
    sessionStorage.setItem(KEY, JSON.stringify(this.saved));
  }

  useClerk() {
    this.saved = { kind: "clerk" };
    sessionStorage.setItem(KEY, JSON.stringify(this.saved));
  }

  async authorization() {
    if (this.saved?.kind === "token") return `Bearer ${this.saved.token}`;
    if (this.saved?.kind === "clerk" && this.clerk) {
      const jwt = await this.clerk.token();
      return jwt ? `Bearer ${jwt}` : null;
    }
    return null;
  }

  async signOut() {
    const wasClerk = this.saved?.kind === "clerk";
    this.saved = null;
    sessionStorage.removeItem(KEY);
    if (wasClerk && this.clerk) await this.clerk.signOut();
  }
}

function readSaved() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return saved && (saved.kind === "token" || saved.kind === "clerk") ? saved : null;
  } catch {
    return null;
  }
}
