// Turns the API's error shape ({"error": "...", "detail": "..."}) and network failures into
// sentences a person can act on. The server's own detail is kept where it says something
// only the server knows (how many credits are missing, why a file could not be read).

export class ApiError extends Error {
  constructor(status, code, detail, retryAfter = null) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

export async function errorFromResponse(response) {
  let code = "";
  let detail = "";
  try {
    const body = await response.json();
    code = typeof body.error === "string" ? body.error : "";
    detail = typeof body.detail === "string" ? body.detail : "";
  } catch {
    // A proxy's HTML page or an empty body: the status alone has to speak.
  }
  const retryAfter = Number.parseInt(response.headers.get("Retry-After") || "", 10);
  return new ApiError(response.status, code, detail, Number.isFinite(retryAfter) ? retryAfter : null);
}

function sentence(text) {
  const trimmed = (text || "").trim();
  if (!trimmed) return "";
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function later(error) {
  return error.retryAfter ? `Try again in ${error.retryAfter} seconds.` : "Try again in a moment.";
}

export function describeError(error) {
  if (!(error instanceof ApiError)) {
    return "The server could not be reached. Check your connection and try again.";
  }
  const detail = sentence(error.detail);
  switch (error.status) {
    case 400:
      return `This file could not be read. ${detail}`.trim();
    case 401:
      return "You are signed out: your sign-in has expired or the token is not valid. Please sign in again.";
    case 402:
      return `You do not have enough credits for this book. ${detail}`.trim();
    case 403:
      return "Only administrators may do that.";
    case 404:
      return detail || "That is no longer here.";
    case 409:
      return detail || "That cannot be done to the book as it is now.";
    case 413:
      return `This file is too large for this server. ${detail}`.trim();
    case 415:
      return `This kind of file cannot be made into an audiobook. ${detail}`.trim();
    case 422:
      return `Some of the choices were not accepted. ${detail}`.trim();
    case 429:
      if (error.code === "TooManyActiveJobs") {
        return `You already have as many books in progress as you may. Wait for one to finish, or cancel one. ${detail}`.trim();
      }
      return `Too many requests just now. ${later(error)}`;
    case 503:
      return `The server is busy, or something it needs is down. ${later(error)}`;
    default:
      return "Something went wrong on the server. Please try again later.";
  }
}
