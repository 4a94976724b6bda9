// A job's progress over its server-sent events route, read with fetch(): EventSource cannot
// send an Authorization header. The stream is parsed as text/event-stream and opened again
// when it closes before the job has finished (the server ends every stream after an hour,
// and a proxy may drop one sooner); a new stream starts with the job's current state, so
// nothing is missed and no Last-Event-ID is needed.

const RETRY_SECONDS = [1, 2, 5, 10, 15];

export function parseEventStream(onEvent) {
  let buffer = "";
  let heldReturn = false;
  return (text) => {
    // A chunk may end between the \r and \n of one line end: the \r waits for the next
    // chunk, or it would be read as a line end of its own and end the event early.
    let chunk = (heldReturn ? "\r" : "") + text;
    heldReturn = chunk.endsWith("\r");
    if (heldReturn) chunk = chunk.slice(0, -1);
    buffer += chunk.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = { type: "message", data: [], id: null };
      for (const line of block.split("\n")) {
        if (!line || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") event.type = value;
        else if (field === "data") event.data.push(value);
        else if (field === "id") event.id = value;
      }
      if (event.data.length) onEvent({ type: event.type, id: event.id, data: JSON.parse(event.data.join("\n")) });
    }
  };
}

// Follows job `jobId` until its `end` event or until `stop()` is called. `handlers.progress`
// and `handlers.end` get each event's data; `handlers.gone` is told when the job is missing.
export function followJob(api, jobId, handlers) {
  const controller = new AbortController();
  let attempt = 0;
  let finished = false;

  async function once() {
    const response = await api.fetch(`/jobs/${encodeURIComponent(jobId)}/events`, {
      headers: { Accept: "text/event-stream" },
      signal: controller.signal,
    });
    attempt = 0;
    const feed = parseEventStream((event) => {
      if (event.type === "progress") handlers.progress(event.data);
      if (event.type === "end") {
        finished = true;
        handlers.end(event.data);
      }
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      feed(value);
    }
  }

  async function run() {
    while (!finished && !controller.signal.aborted) {
      let wait = RETRY_SECONDS[Math.min(attempt, RETRY_SECONDS.length - 1)];
      try {
        await once();
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error.status === 404) {
          handlers.gone?.();
          return;
        }
        if (error.status === 401) return;
        if (error.retryAfter) wait = error.retryAfter;
      }
      if (finished || controller.signal.aborted) return;
      attempt += 1;
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  }

  run();
  return {
    stop() {
      controller.abort();
    },
  };
}
