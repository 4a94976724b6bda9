// One book: its progress while it is read, its chapter plan, what was left out, and the
// actions that fit its state (cancel, retry, delete, download).

import { byId, h, paintCover, show } from "./dom.js";
import { download } from "./downloads.js";
import { followJob } from "./events.js";
import { count, duration, stem, when } from "./format.js";

const ACTIVE = new Set(["pending", "processing"]);
const STATUS_WORDS = {
  pending: "Waiting",
  processing: "Reading",
  completed: "Ready",
  failed: "Failed",
  cancelled: "Cancelled",
};
const REASON_WORDS = {
  header: "Running heads",
  footer: "Page footers",
  page_number: "Page numbers",
  footnote: "Footnotes",
  footnote_marker: "Footnote markers",
  contents: "Table of contents",
  front_matter: "Front matter",
  back_matter: "Back matter",
};

export function bookTitle(job) {
  return job.title || stem(job.original_filename);
}

export function statusWords(status) {
  return STATUS_WORDS[status] ?? status;
}

function stageSentence(event, chapters) {
  if (event.status === "pending") return "Waiting for its turn…";
  if (event.stage === "extracting" || (event.status === "processing" && !event.chapters_total)) {
    return "Reading the file and finding its chapters…";
  }
  if (event.stage === "assembling") return "Putting the chapters together into one book…";
  if (event.stage === "synthesising") {
    const speaking = event.chapters.find((chapter) => chapter.status === "synthesising");
    const title = speaking ? chapters.find((chapter) => chapter.number === speaking.number)?.title : null;
    const where = speaking ? `chapter ${speaking.number}${title ? `, “${title}”` : ""}` : "the chapters";
    return `Reading ${where} aloud: ${event.chapters_done} of ${event.chapters_total} chapters done.`;
  }
  return "";
}

export class BookView {
  constructor(api, player, { onNotice, onDeleted, onChanged }) {
    this.api = api;
    this.player = player;
    this.onNotice = onNotice;
    this.onDeleted = onDeleted;
    this.onChanged = onChanged;
    this.job = null;
    this.chapters = [];
    this.following = null;
    this.lastStage = "";
    player.onChange(() => this.markCurrent());
  }

  async open(jobId) {
    this.close();
    this.job = null;
    this.chapters = [];
    byId("chapter-list").replaceChildren();
    byId("removed").hidden = true;
    const job = await this.api.job(jobId);
    this.job = job;
    this.render();
    await this.refreshChapters();
    if (ACTIVE.has(job.status)) this.follow();
    else this.refreshRemoved();
  }

  close() {
    this.following?.stop();
    this.following = null;
  }

  follow() {
    this.following?.stop();
    this.following = followJob(this.api, this.job.id, {
      progress: (event) => this.progress(event),
      end: () => this.finished(),
      gone: () => this.onDeleted(this.job.id),
    });
  }

  async progress(event) {
    const known = new Map(this.chapters.map((chapter) => [chapter.number, chapter]));
    const planArrived = event.chapters_total > 0 && event.chapters.some((chapter) => !known.has(chapter.number));
    const newlyDone = event.chapters.some(
      (chapter) => chapter.status === "done" && known.get(chapter.number)?.status !== "done",
    );
    this.job = { ...this.job, status: event.status, stage: event.stage, progress: event.progress };
    if (planArrived || newlyDone) await this.refreshChapters();
    else {
      for (const chapter of event.chapters) {
        const shown = known.get(chapter.number);
        if (shown) Object.assign(shown, { status: chapter.status, progress: chapter.progress });
      }
      this.renderChapters();
    }
    this.renderProgress(event);
    this.renderHead();
  }

  async finished() {
    const job = await this.api.job(this.job.id);
    this.job = job;
    this.render();
    await this.refreshChapters();
    this.refreshRemoved();
    this.onChanged();
  }

  async refreshChapters() {
    this.chapters = await this.api.chapters(this.job.id);
    this.renderChapters();
    if (this.player.book?.id === this.job.id) this.player.open({ id: this.job.id, title: bookTitle(this.job) }, this.chapters);
    else if (!this.player.playing && this.chapters.some((chapter) => chapter.status === "done")) {
      this.player.open({ id: this.job.id, title: bookTitle(this.job) }, this.chapters);
    }
  }

  async refreshRemoved() {
    const blocks = await this.api.removed(this.job.id).catch(() => []);
    const reasons = new Map();
    for (const block of blocks) reasons.set(block.reason, (reasons.get(block.reason) ?? 0) + 1);
    byId("removed-summary").textContent = blocks.length
      ? `What was left out (${count(blocks.length)} pieces)`
      : "What was left out (nothing)";
    byId("removed-counts").replaceChildren(
      ...[...reasons].map(([reason, number]) => h("li", {}, `${REASON_WORDS[reason] ?? reason}: ${count(number)}`)),
    );
    byId("removed-list").replaceChildren(
      ...blocks.map((block) =>
        h(
          "li",
          {},
          h("span", { class: "removed-where" }, `Page ${block.page}, ${(REASON_WORDS[block.reason] ?? block.reason).toLowerCase()}`),
          h("q", {}, block.text),
        ),
      ),
    );
    byId("removed").hidden = false;
  }

  render() {
    this.renderHead();
    const active = ACTIVE.has(this.job.status);
    show(byId("progress-card"), active);
    if (active) {
      this.renderProgress({
        status: this.job.status,
        stage: this.job.stage,
        progress: this.job.progress,
        chapters: [],
        chapters_done: 0,
        chapters_total: 0,
        eta_seconds: null,
      });
    }
    const failure = byId("book-failure");
    if (this.job.status === "failed") {
      failure.textContent = `Reading stopped: ${this.job.error_message || "the server gave no reason."}`;
      failure.hidden = false;
    } else if (this.job.status === "cancelled") {
      failure.textContent = "You cancelled this book. Retry to read it again from the start.";
      failure.hidden = false;
    } else {
      failure.hidden = true;
    }
  }

  renderHead() {
    const job = this.job;
    const title = bookTitle(job);
    paintCover(byId("book-cover"), title);
    byId("book-title").textContent = title;
    byId("book-author").textContent = job.author ? `by ${job.author}` : "";
    byId("book-file").textContent = job.original_filename;
    const status = byId("book-status");
    status.textContent = statusWords(job.status);
    status.dataset.status = job.status;
    const meta = [];
    if (job.duration_seconds) meta.push(duration(job.duration_seconds));
    if (job.page_count) meta.push(`${count(job.page_count)} pages`);
    if (job.audio_format) meta.push(job.audio_format.toUpperCase());
    meta.push(`added ${when(job.created_at)}`);
    byId("book-meta").textContent = meta.join(" · ");
    this.renderActions();
  }

  renderActions() {
    const job = this.job;
    const buttons = [];
    if (job.status === "completed") {
      const format = job.audio_format || "m4b";
      buttons.push(
        h(
          "button",
          {
            type: "button",
            class: "button primary",
            id: "download-book",
            onclick: () =>
              download(this.api, `/jobs/${job.id}/audio`, `${stem(job.original_filename)}.${format}`).catch(this.onNotice),
          },
          `Download the book (${format.toUpperCase()})`,
        ),
      );
    }
    if (ACTIVE.has(job.status)) {
      buttons.push(h("button", { type: "button", class: "button", onclick: () => this.act("cancel") }, "Cancel"));
    }
    if (job.status === "failed" || job.status === "cancelled") {
      buttons.push(h("button", { type: "button", class: "button", onclick: () => this.act("retry") }, "Try again"));
    }
    if (!ACTIVE.has(job.status)) {
      buttons.push(h("button", { type: "button", class: "button danger", onclick: () => this.act("remove") }, "Delete"));
    }
    byId("book-actions").replaceChildren(...buttons);
  }

  async act(action) {
    const job = this.job;
    if (action === "remove" && !window.confirm(`Delete “${bookTitle(job)}” and its audio?`)) return;
    try {
      await this.api[action](job.id);
      if (action === "remove") {
        this.close();
        this.player.close(job.id);
        this.onDeleted(job.id);
        return;
      }
      await this.open(job.id);
      this.onChanged();
      byId("book-title").focus();
    } catch (error) {
      this.onNotice(error);
    }
  }

  renderProgress(event) {
    const percent = Math.max(0, Math.min(100, event.progress ?? 0));
    byId("progress-fill").style.width = `${percent}%`;
    byId("progress-percent").textContent = `${percent}%`;
    byId("progress-eta").textContent =
      event.eta_seconds !== null && event.eta_seconds !== undefined ? ` · about ${duration(event.eta_seconds)} left` : "";
    // The live region hears a new sentence only when the stage or a chapter changes, not
    // every percent.
    const sentence = stageSentence(event, this.chapters);
    if (sentence && sentence !== this.lastStage) {
      this.lastStage = sentence;
      byId("progress-stage").textContent = sentence;
    }
    show(byId("progress-card"), ACTIVE.has(event.status));
  }

  renderChapters() {
    show(byId("chapters-empty"), this.chapters.length === 0);
    const list = byId("chapter-list");
    list.replaceChildren(...this.chapters.map((chapter) => this.chapterRow(chapter)));
    this.markCurrent();
  }

  chapterRow(chapter) {
    const ready = chapter.status === "done";
    const facts = [];
    if (chapter.duration_seconds) facts.push(duration(chapter.duration_seconds));
    facts.push(`${count(chapter.word_count)} words`);
    facts.push(chapter.start_page === chapter.end_page ? `page ${chapter.start_page}` : `pages ${chapter.start_page}–${chapter.end_page}`);
    let state = "";
    if (chapter.status === "synthesising") state = `reading, ${chapter.progress}%`;
    else if (chapter.status === "pending") state = "waiting";
    else if (chapter.status === "failed") state = "failed";
    const name = `chapter ${chapter.number}, ${chapter.title}`;
    const job = this.job;
    return h(
      "li",
      { class: `chapter ${chapter.status}`, "data-chapter": chapter.number },
      h(
        "button",
        {
          type: "button",
          class: "chapter-play",
          disabled: !ready,
          "aria-label": ready ? `Play ${name}` : `${name} is not ready yet`,
          onclick: () => {
            this.player.open({ id: job.id, title: bookTitle(job) }, this.chapters);
            this.player.play(chapter.number);
          },
        },
        h("span", { class: "chapter-number", "aria-hidden": "true" }, String(chapter.number)),
      ),
      h(
        "div",
        { class: "chapter-text" },
        h("span", { class: "chapter-title" }, chapter.title),
        h("span", { class: "muted chapter-facts" }, facts.join(" · ")),
        chapter.status === "synthesising"
          ? h("span", { class: "mini-bar", "aria-hidden": "true" }, h("span", { class: "mini-fill", "data-progress": chapter.progress }))
          : null,
      ),
      h("span", { class: "chapter-state muted" }, state),
      ready
        ? h(
            "button",
            {
              type: "button",
              class: "icon-button small",
              "aria-label": `Download ${name}`,
              onclick: () =>
                download(this.api, `/jobs/${job.id}/chapters/${chapter.number}/audio`, `${stem(job.original_filename)} - chapter ${chapter.number}`).catch(
                  this.onNotice,
                ),
            },
            "⤓",
          )
        : null,
    );
  }

  markCurrent() {
    for (const row of byId("chapter-list").children) {
      const current = this.player.book?.id === this.job?.id && Number(row.dataset.chapter) === this.player.current;
      row.classList.toggle("current", current);
      if (current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    }
    for (const fill of byId("chapter-list").querySelectorAll(".mini-fill")) {
      fill.style.width = `${fill.dataset.progress}%`;
    }
  }
}
