// The tunesmith playground: key, create form, live task list, clip players, uploads.
import { Api, ApiError, serverConfig, storedKey, storeKey } from "./api.js";
import { attachWaveform, formatTime } from "./waveform.js";

const $ = (selector, root = document) => root.querySelector(selector);
const POLL_MS = 1500;
const POLL_MAX_MS = 8000;
const DEFAULT_MODEL = "sonic-v5";
const FAVOURITE_TAGS = [
  "pop", "rock", "jazz", "lo-fi", "synthwave", "ambient", "folk", "funk", "happy", "sad", "dreamy",
  "epic", "piano", "acoustic guitar", "strings", "808",
];

const state = {
  config: { operations: {}, tags: [], task_types: ["create_music"] },
  api: null,
  tasks: new Map(), // task_id → {el, clips: Map(clip_id → card), timer, started, done}
};

// ---------------------------------------------------------------------------------------- utilities

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function say(text, kind = "") {
  const box = $("#status");
  box.textContent = text;
  box.className = `status ${kind}`;
}

function errorText(err) {
  return err instanceof ApiError ? err.message : String(err && err.message ? err.message : err);
}

const ops = () => state.config.operations || {};

// ---------------------------------------------------------------------------------------- API key

async function useKey(key) {
  const api = new Api(key);
  try {
    await refreshCredits(api);
  } catch (err) {
    say(errorText(err), "error");
    return false;
  }
  state.api = api;
  storeKey(key);
  $("#api-key").value = key;
  $("#key-forget").hidden = false;
  $("#create-submit").disabled = false;
  say("Key saved in this browser.", "ok");
  await restoreTasks();
  return true;
}

async function refreshCredits(api = state.api) {
  if (!api) return;
  const data = await api.credits();
  const total = (data.credits || 0) + (data.extra_credits || 0);
  $("#credits").textContent = `${total.toLocaleString()} credits`;
}

function forgetKey() {
  storeKey("");
  state.api = null;
  for (const task of state.tasks.values()) clearTimeout(task.timer);
  state.tasks.clear();
  $("#tasks").replaceChildren();
  $("#tasks-empty").hidden = false;
  $("#api-key").value = "";
  $("#credits").textContent = "";
  $("#key-forget").hidden = true;
  say("Key forgotten.");
}

function needKey() {
  if (state.api) return true;
  say("Enter your API key first.", "error");
  $("#api-key").focus();
  return false;
}

// ---------------------------------------------------------------------------------------- create form

function currentMode() {
  return $('input[name="mode"]:checked').value;
}

function syncForm() {
  const custom = currentMode() === "custom";
  const instrumental = $("#instrumental").checked;
  $("#lyrics-field").hidden = !custom;
  $("#description-field").hidden = custom;
  $("#lyrics").disabled = custom && instrumental;
  $("#gender").disabled = instrumental;
}

function tagSegments() {
  return $("#tags").value.split(",").map((s) => s.trim());
}

function renderSuggestions() {
  const box = $("#tag-suggestions");
  const all = state.config.tags || [];
  const segments = tagSegments();
  const current = (segments[segments.length - 1] || "").toLowerCase();
  const chosen = new Set(segments.slice(0, -1).map((s) => s.toLowerCase()));
  let words;
  if (!current) {
    const known = new Set(all);
    words = FAVOURITE_TAGS.filter((w) => known.has(w));
  } else {
    const starts = all.filter((w) => w.startsWith(current) && w !== current);
    const within = all.filter((w) => !w.startsWith(current) && w.includes(current));
    words = starts.concat(within);
  }
  words = words.filter((w) => !chosen.has(w)).slice(0, 10);
  box.replaceChildren(
    ...words.map((word) =>
      el("button", { type: "button", text: word, "aria-label": `Add tag ${word}`, onclick: () => addTag(word) }),
    ),
  );
}

function addTag(word) {
  const segments = tagSegments();
  segments[segments.length - 1] = word;
  $("#tags").value = segments.filter(Boolean).join(", ") + ", ";
  $("#tags").focus();
  renderSuggestions();
}

async function upsample() {
  if (!needKey()) return;
  const tags = $("#tags").value.replace(/[,\s]+$/, "");
  if (!tags) {
    say("Type a few tags to upsample.", "error");
    return;
  }
  try {
    const answer = await state.api.post("/api/v1/sonic/upsample-tags", { tags });
    $("#tags").value = answer.data.upsampled_tags;
    say("Tags upsampled.", "ok");
    refreshCredits().catch(() => {});
  } catch (err) {
    say(errorText(err), "error");
  }
}

function createBody() {
  const custom = currentMode() === "custom";
  const instrumental = $("#instrumental").checked;
  const body = {
    task_type: "create_music",
    mv: $("#model").value || DEFAULT_MODEL,
    custom_mode: custom,
    make_instrumental: instrumental,
  };
  const lyrics = $("#lyrics").value.trim();
  const description = $("#description").value.trim();
  if (custom && !instrumental) {
    if (!lyrics) throw new Error("Write some lyrics, or tick Instrumental.");
    body.prompt = lyrics;
  }
  if (!custom) {
    if (!description) throw new Error("Describe the song you want.");
    body.gpt_description_prompt = description;
  }
  const title = $("#title").value.trim();
  if (title) body.title = title;
  const tags = $("#tags").value.trim().replace(/,$/, "").trim();
  if (tags) body.tags = tags;
  const duration = $("#duration").value.trim();
  if (duration) {
    const n = Number(duration);
    if (!Number.isFinite(n) || n < 10 || n > 360) throw new Error("Duration should be between 10 and 360 seconds.");
    body.duration = n;
  }
  const seed = $("#seed").value.trim();
  if (seed) {
    const n = Number(seed);
    if (!Number.isInteger(n) || n < 0 || n > 4294967295) throw new Error("Seed should be a whole number from 0.");
    body.seed = n;
  }
  const gender = $("#gender").value;
  if (gender && !instrumental) body.vocal_gender = gender;
  return body;
}

async function submitCreate(event) {
  event.preventDefault();
  if (!needKey()) return;
  let body;
  try {
    body = createBody();
  } catch (err) {
    say(err.message, "error");
    return;
  }
  const button = $("#create-submit");
  button.disabled = true;
  try {
    const answer = await state.api.create(body);
    const label = body.title || (body.tags ? body.tags.split(",")[0] : "") || (body.make_instrumental ? "Instrumental" : "Song");
    addTask(answer.task_id, { label, kind: body.make_instrumental ? "instrumental" : "song" });
    say("Submitted — it will appear below as it renders.", "ok");
    refreshCredits().catch(() => {});
  } catch (err) {
    say(errorText(err), "error");
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------- tasks

async function restoreTasks() {
  if (!ops().tasks) return;
  try {
    const answer = await state.api.tasks(8);
    for (const item of answer.data.slice().reverse()) {
      if (state.tasks.has(item.task_id) || !item.clip_ids || item.clip_ids.length === 0) continue;
      addTask(item.task_id, { label: item.task_type.replace(/_/g, " "), kind: item.task_type, created: item.created_at });
    }
  } catch (err) {
    say(errorText(err), "error");
  }
}

function addTask(taskId, { label, kind, created }) {
  $("#tasks-empty").hidden = true;
  const heading = el("h3", { text: label });
  const stateText = el("span", { class: "badge pending", text: "pending" });
  const when = el("span", { class: "when", text: created ? new Date(created).toLocaleString() : "just now" });
  const clips = el("div", { class: "clips" });
  const li = el(
    "li",
    { class: "task", "data-task-id": taskId, "data-kind": kind || "", "aria-busy": "true" },
    el("div", { class: "task-head" }, heading, stateText, when),
    clips,
  );
  $("#tasks").prepend(li);
  const task = { id: taskId, el: li, clipsEl: clips, stateEl: stateText, whenEl: when, cards: new Map(), timer: 0, started: Date.now(), delay: POLL_MS };
  state.tasks.set(taskId, task);
  pollTask(task);
  return task;
}

function taskState(clips) {
  if (clips.length === 0) return "pending";
  const terminal = clips.every((c) => c.state === "succeeded" || c.state === "failed");
  if (terminal) return clips.some((c) => c.state === "succeeded") ? "succeeded" : "failed";
  return clips.some((c) => c.state !== "pending") ? "running" : "pending";
}

async function pollTask(task) {
  if (!state.api || state.tasks.get(task.id) !== task) return;
  let clips;
  try {
    clips = (await state.api.poll(task.id)).data || [];
    task.delay = POLL_MS;
  } catch (err) {
    task.delay = Math.min(POLL_MAX_MS, task.delay * 2);
    if (err instanceof ApiError && err.status === 400) {
      task.stateEl.textContent = err.message;
      task.el.setAttribute("aria-busy", "false");
      return;
    }
    task.timer = setTimeout(() => pollTask(task), task.delay);
    return;
  }
  for (const clip of clips) {
    let card = task.cards.get(clip.clip_id);
    if (!card) {
      card = new ClipCard();
      task.cards.set(clip.clip_id, card);
      task.clipsEl.append(card.root);
    }
    card.update(clip);
  }
  const now = taskState(clips);
  task.stateEl.className = `badge ${now}`;
  const seconds = Math.round((Date.now() - task.started) / 1000);
  task.stateEl.textContent = now === "running" || now === "pending" ? `${now} · ${seconds}s` : now;
  task.el.dataset.state = now;
  if (now === "succeeded" || now === "failed") {
    task.el.setAttribute("aria-busy", "false");
    refreshCredits().catch(() => {});
    return;
  }
  task.timer = setTimeout(() => pollTask(task), task.delay);
}

// ---------------------------------------------------------------------------------------- clips

class ClipCard {
  constructor() {
    this.root = $("#clip-template").content.firstElementChild.cloneNode(true);
    this.playerReady = false;
    this.clip = null;
  }

  update(clip) {
    this.clip = clip;
    const r = this.root;
    const meta = clip.metadata || {};
    r.dataset.clipId = clip.clip_id;
    r.dataset.state = clip.state;
    if (meta.stem) r.dataset.stem = meta.stem;
    r.setAttribute("aria-label", `${clip.title || "Untitled"} (${clip.state})`);
    $(".clip-title", r).textContent = clip.title || (clip.state === "succeeded" ? "Untitled" : "Composing…");
    $(".clip-tags", r).textContent = clip.tags || "";
    this.renderFacts(clip, meta);
    const badge = $(".badge", r);
    badge.className = `badge ${clip.state}`;
    badge.textContent = clip.state;
    const busy = clip.state === "pending" || clip.state === "running";
    $(".progress", r).hidden = !busy;
    const error = $(".clip-error", r);
    error.hidden = clip.state !== "failed";
    error.textContent = clip.error_message || "";
    if (clip.state === "succeeded" && !this.playerReady) {
      this.playerReady = true;
      this.renderPlayer(clip);
    }
  }

  renderFacts(clip, meta) {
    const facts = $(".clip-facts", this.root);
    const parts = [];
    if (meta.tempo_bpm) parts.push(["bpm", `${Math.round(meta.tempo_bpm * 10) / 10}`, " BPM"]);
    if (meta.key) parts.push(["key", meta.key, ""]);
    if (meta.time_signature) parts.push(["meter", meta.time_signature, ""]);
    if (clip.duration) parts.push(["duration", formatTime(clip.duration), ""]);
    if (meta.estimated) parts.push(["estimated", "estimated", ""]);
    facts.replaceChildren();
    parts.forEach(([name, value, unit], i) => {
      if (i) facts.append(" · ");
      facts.append(el("b", { class: name, text: value }), unit);
    });
    if (meta.tempo_bpm) this.root.dataset.bpm = String(meta.tempo_bpm);
    if (meta.key) this.root.dataset.key = meta.key;
  }

  renderPlayer(clip) {
    const r = this.root;
    const meta = clip.metadata || {};
    const title = clip.title || "Untitled";
    if (clip.image_url) {
      const img = $("img.cover", r);
      img.src = clip.image_url;
      img.alt = `Cover art of ${title}`;
      img.hidden = false;
      $(".cover.placeholder", r).remove();
    }
    if (clip.audio_url) {
      const audio = $("audio", r);
      const canvas = $("canvas.wave", r);
      audio.src = clip.audio_url;
      audio.setAttribute("aria-label", `Play ${title}`);
      canvas.setAttribute("aria-label", `Waveform and position of ${title}; arrow keys seek`);
      $(".player", r).hidden = false;
      attachWaveform(canvas, audio, clip.audio_url);
      this.renderLyrics(clip, audio);
    }
    this.renderDownloads(clip, meta, title);
    this.renderActions(clip, meta);
  }

  renderLyrics(clip, audio) {
    const box = $(".lyrics", this.root);
    const text = (clip.lyrics || "").trim();
    if (!text || text === "[Instrumental]") return;
    box.hidden = false;
    box.setAttribute("aria-label", "Lyrics");
    const plain = (note) => {
      box.replaceChildren(el("span", { class: "note", text: note }), text);
      box.dataset.timed = "false";
    };
    if (!ops().aligned_lyrics) {
      plain("Word timing will light up here once this server offers aligned lyrics.");
      return;
    }
    plain("Loading the word timing…");
    state.api
      .post("/api/v1/sonic/aligned-lyrics", { clip_id: clip.clip_id })
      .then((answer) => {
        const words = (answer.data && answer.data.alignment) || [];
        if (words.length === 0) {
          plain("No word timing for this clip.");
          return;
        }
        this.renderTimedLyrics(box, words, audio);
      })
      .catch(() => plain("Word timing is unavailable for this clip."));
  }

  renderTimedLyrics(box, words, audio) {
    box.classList.add("timed");
    box.dataset.timed = "true";
    const spans = words.map((w) => el("span", { class: "w", text: w.word }));
    box.replaceChildren(...spans);
    let current = -1;
    let frame = 0;
    const highlight = () => {
      const t = audio.currentTime;
      let index = -1;
      for (let i = 0; i < words.length; i++) {
        if (words[i].start_s <= t) index = i;
        else break;
      }
      if (index !== current) {
        if (current >= 0) {
          spans[current].classList.remove("on");
          spans[current].removeAttribute("aria-current");
        }
        spans.forEach((s, i) => s.classList.toggle("sung", i <= index));
        if (index >= 0 && t <= words[index].end_s + 0.75) {
          spans[index].classList.add("on");
          spans[index].setAttribute("aria-current", "true");
          const top = spans[index].offsetTop - box.offsetTop;
          if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - 24) box.scrollTop = top - 24;
        }
        current = index;
        box.dataset.word = index >= 0 ? String(index) : "";
      }
      frame = audio.paused ? 0 : requestAnimationFrame(highlight);
    };
    audio.addEventListener("play", () => {
      if (!frame) frame = requestAnimationFrame(highlight);
    });
    // timeupdate keeps the highlight moving where animation frames are throttled (background tabs)
    for (const name of ["seeked", "timeupdate", "pause"]) {
      audio.addEventListener(name, () => {
        if (!frame) highlight();
      });
    }
  }

  renderDownloads(clip, meta, title) {
    const nav = $(".downloads", this.root);
    const links = [];
    const seen = new Set();
    const add = (label, url, kind) => {
      if (!url || seen.has(url)) return;
      seen.add(url);
      links.push(el("a", { href: url, download: "", "data-kind": kind, "aria-label": `Download ${label} of ${title}`, text: label }));
    };
    add("MP3", clip.audio_url, "mp3");
    add("WAV", meta.wav_url, "wav");
    add("MIDI", meta.midi_url, "midi");
    add("Video", clip.video_url, "video");
    add("Cover", clip.image_url, "cover");
    for (const [name, value] of Object.entries(meta)) {
      if (typeof value === "string" && name.endsWith("_url") && /^https?:/.test(value)) {
        add(name.replace(/_url$/, "").replace(/_/g, " ").toUpperCase(), value, name);
      } else if (name === "stems" && value && typeof value === "object") {
        for (const [stem, url] of Object.entries(value)) if (typeof url === "string") add(`Stem: ${stem}`, url, `stem-${stem}`);
      }
    }
    nav.replaceChildren(...links);
    nav.hidden = links.length === 0;
    this.downloads = nav;
  }

  renderActions(clip, meta) {
    const box = $(".actions", this.root);
    const o = ops();
    const mv = clip.mv || DEFAULT_MODEL;
    const title = clip.title || "Untitled";
    const buttons = [];
    const action = (name, label, run) => {
      buttons.push(
        el("button", {
          type: "button",
          "data-action": name,
          "aria-label": `${label}: ${title}`,
          text: label,
          onclick: async (event) => {
            const button = event.currentTarget;
            button.disabled = true;
            try {
              await run();
            } catch (err) {
              say(errorText(err), "error");
            } finally {
              button.disabled = false;
            }
          },
        }),
      );
    };
    const submit = async (label, kind, promise) => {
      const answer = await promise;
      addTask(answer.task_id, { label: `${label}: ${title}`, kind });
      say(`${label} submitted.`, "ok");
      refreshCredits().catch(() => {});
    };
    const duration = clip.duration || 0;
    if (o.extend && duration > 0) {
      action("extend", "Extend", () =>
        submit("Extension", "extend", state.api.create({ task_type: "extend_music", mv, continue_clip_id: clip.clip_id, continue_at: duration })),
      );
    }
    if (o.cover) {
      action("cover", "Cover", () => {
        const tags = $("#tags").value.trim().replace(/,$/, "") || clip.tags || undefined;
        return submit("Cover", "cover", state.api.create({ task_type: "cover_music", mv, continue_clip_id: clip.clip_id, tags }));
      });
    }
    if (o.remaster) {
      action("remaster", "Remaster", () =>
        submit("Remaster", "remaster", state.api.create({ task_type: "remaster", mv, continue_clip_id: clip.clip_id })),
      );
    }
    if (meta.origin !== "stem") {
      if (o.stems_basic) {
        action("stems-basic", "Vocals + instrumental", () =>
          submit("Stems (basic)", "stems-basic", state.api.post("/api/v1/sonic/stems/basic", { clip_id: clip.clip_id })),
        );
      }
      if (o.stems) {
        action("stems", "All stems", () => submit("Stems", "stems", state.api.post("/api/v1/sonic/stems/full", { clip_id: clip.clip_id })));
      }
    }
    if (o.replace_section && duration >= 4) {
      action("replace-section", "Replace 10 s here", () => {
        const audio = $("audio", this.root);
        const length = Math.min(10, duration);
        const start = Math.max(0, Math.min(audio.currentTime || 0, duration - length));
        const body = { clip_id: clip.clip_id, infill_start_s: Math.round(start * 100) / 100, infill_end_s: Math.round((start + length) * 100) / 100 };
        return submit("Replaced section", "replace", state.api.post("/api/v1/sonic/replace-section", body));
      });
    }
    if (o.midi && !meta.midi_url) {
      action("midi", "Get MIDI", async () => {
        const answer = await state.api.post("/api/v1/sonic/midi", { clip_id: clip.clip_id });
        const url = answer.data && answer.data.midi_url;
        if (url) {
          this.renderDownloads(clip, { ...meta, midi_url: url }, title);
          box.querySelector('[data-action="midi"]')?.remove();
        }
        refreshCredits().catch(() => {});
      });
    }
    box.replaceChildren(...buttons);
    box.hidden = buttons.length === 0;
  }
}

// ---------------------------------------------------------------------------------------- uploads

async function uploadFile(file) {
  if (!needKey() || !file) return;
  const drop = $("#drop");
  drop.classList.add("busy");
  drop.setAttribute("aria-busy", "true");
  say(`Uploading and analysing ${file.name}…`);
  try {
    const answer = await state.api.upload(file);
    let clip = (await state.api.clip(answer.clip_id)).data;
    const card = new ClipCard();
    card.root.classList.add("upload");
    $("#uploads").prepend(card.root);
    card.update(clip);
    // the server measures tempo and key just after it answers (API.md §4.3): wait for them
    const measured = (c) => (c.metadata || {}).tempo_bpm != null || (c.metadata || {}).key != null;
    for (let tries = 0; tries < 120 && !measured(clip); tries += 1) {
      say(`${file.name} uploaded; measuring its tempo and key…`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      clip = (await state.api.clip(answer.clip_id)).data;
    }
    card.update(clip);
    const meta = clip.metadata || {};
    const facts = [meta.tempo_bpm ? `${Math.round(meta.tempo_bpm)} BPM` : null, meta.key].filter(Boolean).join(", ");
    say(`${file.name} analysed${facts ? `: ${facts}` : ""}.`, "ok");
    refreshCredits().catch(() => {});
  } catch (err) {
    say(errorText(err), "error");
  } finally {
    drop.classList.remove("busy");
    drop.removeAttribute("aria-busy");
    $("#file").value = "";
  }
}

function wireUploads() {
  const drop = $("#drop");
  const input = $("#file");
  drop.addEventListener("click", () => input.click());
  drop.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      input.click();
    }
  });
  input.addEventListener("change", () => uploadFile(input.files[0]));
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) uploadFile(file);
  });
  // Dropping a file elsewhere on the page must not navigate away from it.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
}

// ---------------------------------------------------------------------------------------- start

async function start() {
  try {
    state.config = await serverConfig();
  } catch (err) {
    say(errorText(err), "error");
  }
  $("#upsample").hidden = !ops().upsample_tags;
  $("#upload-title").closest("section").hidden = ops().upload === false;

  $("#key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("#api-key").value.trim();
    if (key) useKey(key);
  });
  $("#key-forget").addEventListener("click", forgetKey);
  $("#create-form").addEventListener("submit", submitCreate);
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener("change", syncForm);
  $("#instrumental").addEventListener("change", syncForm);
  $("#tags").addEventListener("input", renderSuggestions);
  $("#upsample").addEventListener("click", upsample);
  wireUploads();
  syncForm();
  renderSuggestions();

  const key = storedKey();
  if (key) await useKey(key);
  else $("#api-key").focus();
  document.body.dataset.ready = "true";
}

start();
