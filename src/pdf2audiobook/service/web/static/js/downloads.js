// Saving audio to disk: the route needs the Authorization header, so the file is fetched
// and handed to the browser as a download of its own.

import { audioSource } from "./api.js";

export async function download(api, path, fallbackName) {
  const source = await audioSource(api, path);
  const link = document.createElement("a");
  link.href = source.url;
  link.download = source.filename || fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has the file once the click is handled; the URL can go after that.
  setTimeout(() => source.revoke(), 60_000);
}
