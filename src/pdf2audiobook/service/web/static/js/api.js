// The page's only way to the server: the public API, with the signed-in person's token.

import { ApiError, errorFromResponse } from "./errors.js";

const BASE = "/api/v1";

export class Api {
  // `authorization` gives the current "Bearer …" value, or null when nobody is signed in.
  // `onUnauthorized` is told when the server refuses the token, so the page can sign out.
  constructor(authorization, onUnauthorized) {
    this.authorization = authorization;
    this.onUnauthorized = onUnauthorized;
  }

  async fetch(path, { method = "GET", json, form, headers = {}, signal } = {}) {
    const sent = { ...headers };
    const value = await this.authorization();
    if (value) sent.Authorization = value;
    let body;
    if (json !== undefined) {
      sent["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form;
    }
    let response;
    try {
      response = await fetch(`${BASE}${path}`, { method, headers: sent, body, signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new Error("network");
    }
    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (error.status === 401 && value) this.onUnauthorized(error);
      throw error;
    }
    return response;
  }

  async json(path, options) {
    const response = await this.fetch(path, options);
    return response.status === 204 ? null : response.json();
  }

  me() {
    return this.json("/auth/me");
  }
  credits() {
    return this.json("/credits?limit=1");
  }
  products() {
    return this.json("/products");
  }
  voices() {
    return this.json("/voices");
  }
  estimate(form, signal) {
    return this.json("/jobs/estimate", { method: "POST", form, signal });
  }
  submit(form, idempotencyKey) {
    return this.json("/jobs", { method: "POST", form, headers: { "Idempotency-Key": idempotencyKey } });
  }
  jobs(limit = 50) {
    return this.json(`/jobs?limit=${limit}`);
  }
  job(id) {
    return this.json(`/jobs/${encodeURIComponent(id)}`);
  }
  chapters(id) {
    return this.json(`/jobs/${encodeURIComponent(id)}/chapters`);
  }
  removed(id) {
    return this.json(`/jobs/${encodeURIComponent(id)}/removed`);
  }
  cancel(id) {
    return this.json(`/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" });
  }
  retry(id) {
    return this.json(`/jobs/${encodeURIComponent(id)}/retry`, { method: "POST" });
  }
  remove(id) {
    return this.json(`/jobs/${encodeURIComponent(id)}`, { method: "DELETE" });
  }
  checkout(productId) {
    return this.json("/payments/checkout", {
      method: "POST",
      json: { product_id: productId },
      headers: { "Idempotency-Key": crypto.randomUUID() },
    });
  }
}

export function configFromServer() {
  return fetch(`${BASE}/config`).then((response) => {
    if (!response.ok) throw new ApiError(response.status, "", "");
    return response.json();
  });
}

// Audio as the media element can play it: the audio element cannot send an Authorization
// header, so the bytes are fetched here. On S3 the route answers a short-lived link
// instead, which the element plays directly.
export async function audioSource(api, path, signal) {
  const response = await api.fetch(path, { signal });
  const type = response.headers.get("Content-Type") || "";
  if (type.startsWith("application/json")) {
    const link = await response.json();
    return { url: link.url, filename: null, revoke() {} };
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  return {
    url,
    filename: filenameOf(response.headers.get("Content-Disposition")),
    revoke() {
      URL.revokeObjectURL(url);
    },
  };
}

function filenameOf(disposition) {
  if (!disposition) return null;
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : null;
}
