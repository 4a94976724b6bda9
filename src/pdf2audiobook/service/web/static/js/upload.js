// The new-book form: a file picked or dropped, plain-language choices, the estimate of
// listening time, characters and credits before anything is submitted.

import { byId, h } from "./dom.js";
import { describeError } from "./errors.js";
import { bytes, count, duration } from "./format.js";

const PROVIDER_NAMES = {
  local: "Built-in voice (runs on this server)",
  openai: "OpenAI",
  "openai-compatible": "OpenAI-compatible service",
  elevenlabs: "ElevenLabs",
  google: "Google Cloud",
  azure: "Microsoft Azure",
  polly: "Amazon Polly",
  tone: "Test tones",
};

function creditsFor(characters, creditsPerMillion) {
  return Math.ceil((characters * creditsPerMillion) / 1_000_000);
}

export class UploadForm {
  constructor(api, { onSubmitted, onNotice, balance, maxUploadBytes }) {
    this.api = api;
    this.maxUploadBytes = maxUploadBytes;
    this.onSubmitted = onSubmitted;
    this.onNotice = onNotice;
    this.balance = balance;
    this.form = byId("upload-form");
    this.file = null;
    this.providers = [];
    this.rates = new Map();
    this.estimates = null;
    this.estimating = null;
    this.idempotencyKey = crypto.randomUUID();
    this.wire();
  }

  wire() {
    const input = byId("file-input");
    input.addEventListener("change", () => this.choose(input.files[0] ?? null));
    const zone = byId("dropzone");
    for (const name of ["dragenter", "dragover"]) {
      zone.addEventListener(name, (event) => {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    }
    for (const name of ["dragleave", "drop"]) {
      zone.addEventListener(name, () => zone.classList.remove("dragging"));
    }
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      const dropped = event.dataTransfer?.files?.[0];
      if (dropped) this.choose(dropped);
    });
    byId("provider").addEventListener("change", () => {
      this.fillVoices();
      this.showEstimate();
    });
    byId("voice").addEventListener("change", () => this.describeVoice());
    const speed = byId("speed");
    speed.addEventListener("input", () => {
      byId("speed-value").textContent = `${Number(speed.value).toFixed(2).replace(/0$/, "")}×`;
    });
    speed.addEventListener("change", () => this.estimate());
    for (const radio of this.form.querySelectorAll('input[name="footnotes"]')) {
      radio.addEventListener("change", () => this.estimate());
    }
    byId("password").addEventListener("change", () => this.estimate());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  // Voices and what each costs: loaded once when the form is first shown.
  async prepare() {
    if (this.providers.length) return;
    const [voices, catalogue] = await Promise.all([this.api.voices(), this.api.products().catch(() => null)]);
    this.providers = voices;
    for (const rate of catalogue?.voice_rates ?? []) this.rates.set(rate.provider, rate.credits_per_million);
    const select = byId("provider");
    select.replaceChildren(
      ...voices.map((provider) =>
        h(
          "option",
          { value: provider.name, disabled: !provider.available },
          this.providerLabel(provider),
        ),
      ),
    );
    const first = voices.find((provider) => provider.available);
    if (first) select.value = first.name;
    this.fillVoices();
  }

  providerLabel(provider) {
    const name = PROVIDER_NAMES[provider.name] ?? provider.name;
    if (!provider.available) return `${name}: not available here`;
    const rate = this.rates.get(provider.name);
    if (rate === undefined) return name;
    return rate === 0 ? `${name}, free` : `${name}, ${count(rate)} credits per million characters`;
  }

  provider() {
    return this.providers.find((provider) => provider.name === byId("provider").value) ?? null;
  }

  fillVoices() {
    const provider = this.provider();
    const select = byId("voice");
    const voices = provider?.voices ?? [];
    select.replaceChildren(
      ...voices.map((voice) =>
        h("option", { value: voice.name, disabled: !voice.available }, `${voice.name} (${voice.voice_type}, ${voice.language})`),
      ),
    );
    const first = voices.find((voice) => voice.available);
    if (first) select.value = first.name;
    const rate = provider ? this.rates.get(provider.name) : undefined;
    byId("provider-help").textContent = provider?.available
      ? rate === undefined
        ? ""
        : "A novel is about half a million characters."
      : provider?.reason ?? "";
    this.describeVoice();
  }

  describeVoice() {
    const voice = this.provider()?.voices.find((candidate) => candidate.name === byId("voice").value);
    byId("voice-help").textContent = voice ? voice.description : "";
  }

  choose(file) {
    this.file = file;
    this.idempotencyKey = crypto.randomUUID();
    byId("file-title").textContent = file ? `${file.name} (${bytes(file.size)})` : "Drop a book here, or choose a file";
    byId("dropzone").classList.toggle("chosen", Boolean(file));
    this.estimates = null;
    this.estimate();
  }

  fields() {
    const data = new FormData();
    data.append("file", this.file);
    data.append("reading_speed", byId("speed").value);
    data.append("footnotes", this.form.querySelector('input[name="footnotes"]:checked').value);
    const password = byId("password").value;
    if (password) data.append("password", password);
    return data;
  }

  async estimate() {
    byId("submit-book").disabled = !this.file;
    if (!this.file) {
      this.renderEstimate(h("p", { class: "muted" }, "Choose a file to see how long it will be and what it costs."));
      return;
    }
    this.estimating?.abort();
    if (this.maxUploadBytes && this.file.size > this.maxUploadBytes) {
      // Sending it would only end in a 413 after the whole upload.
      this.renderEstimate(
        h("p", { class: "field-error" }, `This file is ${bytes(this.file.size)}; this server takes files up to ${bytes(this.maxUploadBytes)}.`),
      );
      byId("submit-book").disabled = true;
      return;
    }
    const controller = new AbortController();
    this.estimating = controller;
    this.renderEstimate(h("p", { class: "muted", role: "status" }, "Reading the file to estimate it…"));
    try {
      this.estimates = await this.api.estimate(this.fields(), controller.signal);
      this.showEstimate();
    } catch (error) {
      if (error.name === "AbortError") return;
      this.estimates = null;
      this.renderEstimate(h("p", { class: "field-error" }, describeError(error)));
    }
  }

  showEstimate() {
    if (!this.estimates) return;
    const provider = this.provider();
    const row = this.estimates.find((estimate) => estimate.provider === provider?.name) ?? this.estimates[0];
    if (!row) return;
    const rate = this.rates.get(row.provider);
    const credits = rate === undefined ? null : creditsFor(row.characters, rate);
    const balance = this.balance();
    const facts = [
      ["Listening time", `about ${duration(row.duration_seconds)}`],
      ["Characters", count(row.characters)],
    ];
    if (credits !== null && balance !== null) {
      facts.push(["Credits", credits === 0 ? "free" : `${count(credits)} of your ${count(balance)}`]);
    }
    const list = h(
      "dl",
      { class: "facts", id: "estimate-facts" },
      facts.map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value))),
    );
    const short = credits !== null && balance !== null && credits > balance;
    this.renderEstimate(
      list,
      short
        ? h("p", { class: "field-error" }, `That is ${count(credits - balance)} credits more than you have.`)
        : null,
    );
  }

  renderEstimate(...children) {
    byId("estimate").replaceChildren(...children.filter(Boolean));
  }

  async submit() {
    if (!this.file) return;
    const button = byId("submit-book");
    const data = this.fields();
    const provider = this.provider();
    if (provider) data.append("provider", provider.name);
    const voice = byId("voice").value;
    if (voice) data.append("voice", voice);
    data.append("output_format", this.form.querySelector('input[name="output_format"]:checked').value);
    for (const name of ["include_summary", "chapter_recaps"]) {
      data.append(name, this.form.querySelector(`input[name="${name}"]`).checked ? "true" : "false");
    }
    button.disabled = true;
    button.textContent = "Uploading…";
    try {
      const job = await this.api.submit(data, this.idempotencyKey);
      this.reset();
      this.onSubmitted(job);
    } catch (error) {
      this.onNotice(error);
    } finally {
      button.textContent = "Make the audiobook";
      button.disabled = !this.file || (this.maxUploadBytes && this.file.size > this.maxUploadBytes);
    }
  }

  reset() {
    byId("file-input").value = "";
    byId("password").value = "";
    this.choose(null);
  }
}
