// Signing in through Clerk's hosted Account Portal, without loading Clerk's own script.
//
// The Account Portal signs the person in on Clerk's Frontend API, which keeps them signed
// in with its own HttpOnly cookie; a production Frontend API lives on a subdomain of this
// site (clerk.example.com), so a credentialed request from here carries that cookie. Its
// session tokens last about a minute, so one is asked for whenever the last is near its end.

const REFRESH_MARGIN_SECONDS = 15;

export function clerkSignInUrl(clerk, returnTo) {
  const url = new URL(clerk.sign_in_url);
  url.searchParams.set("redirect_url", returnTo);
  return url.toString();
}

function expiresAt(jwt) {
  try {
    const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).exp || 0;
  } catch {
    return 0;
  }
}

export class ClerkSession {
  constructor(frontendApi) {
    this.frontendApi = frontendApi.replace(/\/$/, "");
    this.jwt = null;
    this.pending = null;
  }

  async request(path, method) {
    const response = await fetch(`${this.frontendApi}/v1${path}`, { method, credentials: "include" });
    if (!response.ok) return null;
    return response.json();
  }

  async fresh() {
    const client = await this.request("/client", "GET");
    const sessionId = client?.response?.last_active_session_id;
    if (!sessionId) return null;
    const token = await this.request(`/client/sessions/${encodeURIComponent(sessionId)}/tokens`, "POST");
    return token?.jwt || null;
  }

  // A current session token, or null when Clerk has nobody signed in in this browser.
  async token() {
    const now = Date.now() / 1000;
    if (this.jwt && expiresAt(this.jwt) - REFRESH_MARGIN_SECONDS > now) return this.jwt;
    this.pending ??= this.fresh().finally(() => {
      this.pending = null;
    });
    this.jwt = await this.pending;
    return this.jwt;
  }

  async signOut() {
    this.jwt = null;
    const client = await this.request("/client", "GET").catch(() => null);
    const sessionId = client?.response?.last_active_session_id;
    if (sessionId) {
      await this.request(`/client/sessions/${encodeURIComponent(sessionId)}/end`, "POST").catch(() => null);
    }
  }
}
