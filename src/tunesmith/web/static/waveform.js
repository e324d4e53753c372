// Waveforms: peaks from the clip's audio (decoded with WebAudio), drawn on a canvas that also
// works as a keyboard- and pointer-operable seek slider.

const cache = new Map();

/** Peak magnitudes (0..1) of `count` equal slices of the audio at `url`. */
export async function peaksOf(url, count = 600) {
  const cacheKey = `${url}#${count}`;
  if (cache.has(cacheKey)) return cache.get(cacheKey);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`audio ${response.status}`);
  const bytes = await response.arrayBuffer();
  // An OfflineAudioContext decodes without needing a user gesture.
  const ctx = new OfflineAudioContext(1, 1, 44100);
  const buffer = await ctx.decodeAudioData(bytes);
  const peaks = computePeaks(buffer, count);
  cache.set(cacheKey, peaks);
  return peaks;
}

export function computePeaks(buffer, count) {
  const channels = [];
  for (let c = 0; c < buffer.numberOfChannels; c++) channels.push(buffer.getChannelData(c));
  const frames = buffer.length;
  const step = Math.max(1, Math.floor(frames / count));
  const peaks = new Float32Array(count);
  let top = 0;
  for (let i = 0; i < count; i++) {
    const start = i * step;
    const end = Math.min(frames, start + step);
    let peak = 0;
    for (const data of channels) {
      for (let j = start; j < end; j += 4) {
        const v = Math.abs(data[j]);
        if (v > peak) peak = v;
      }
    }
    peaks[i] = peak;
    if (peak > top) top = peak;
  }
  if (top > 0) for (let i = 0; i < count; i++) peaks[i] /= top;
  return peaks;
}

function cssVar(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** Draw `peaks` on `canvas`, with the part before `fraction` (0..1) in the accent colour. */
export function draw(canvas, peaks, fraction) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.floor(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.floor(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, width, height);
  if (!peaks || peaks.length === 0) return;
  const bar = Math.max(1, Math.floor(2 * ratio));
  const gap = Math.max(1, Math.floor(ratio));
  const bars = Math.floor(width / (bar + gap));
  const played = cssVar("--accent", "#5b3df5");
  const rest = cssVar("--wave", "#c9c3de");
  const mid = height / 2;
  for (let i = 0; i < bars; i++) {
    const from = Math.floor((i / bars) * peaks.length);
    const to = Math.max(from + 1, Math.floor(((i + 1) / bars) * peaks.length));
    let peak = 0;
    for (let j = from; j < to && j < peaks.length; j++) peak = Math.max(peak, peaks[j]);
    const h = Math.max(ratio, peak * (height - 4 * ratio));
    g.fillStyle = i / bars < fraction ? played : rest;
    g.fillRect(i * (bar + gap), mid - h / 2, bar, h);
  }
}

/** Attach a waveform to `audio`: draws while playing, seeks on click, drag and arrow keys. */
export function attachWaveform(canvas, audio, url) {
  let peaks = null;
  const fraction = () => (audio.duration > 0 ? audio.currentTime / audio.duration : 0);
  const redraw = () => {
    draw(canvas, peaks, fraction());
    canvas.setAttribute("aria-valuenow", String(Math.round(audio.currentTime)));
    canvas.setAttribute("aria-valuetext", `${formatTime(audio.currentTime)} of ${formatTime(audio.duration || 0)}`);
  };
  let frame = 0;
  const loop = () => {
    redraw();
    frame = audio.paused ? 0 : requestAnimationFrame(loop);
  };
  audio.addEventListener("play", () => {
    if (!frame) frame = requestAnimationFrame(loop);
  });
  audio.addEventListener("timeupdate", () => {
    if (!frame) redraw();
  });
  audio.addEventListener("loadedmetadata", () => {
    canvas.setAttribute("aria-valuemax", String(Math.round(audio.duration)));
    redraw();
  });
  const seekTo = (clientX) => {
    const rect = canvas.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
    if (audio.duration > 0) audio.currentTime = f * audio.duration;
    redraw();
  };
  canvas.addEventListener("pointerdown", (event) => {
    seekTo(event.clientX);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (canvas.hasPointerCapture(event.pointerId)) seekTo(event.clientX);
  });
  canvas.addEventListener("keydown", (event) => {
    const steps = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5, PageUp: 15, PageDown: -15 };
    if (event.key in steps) {
      audio.currentTime = Math.min(audio.duration || 0, Math.max(0, audio.currentTime + steps[event.key]));
    } else if (event.key === "Home") {
      audio.currentTime = 0;
    } else if (event.key === "End") {
      audio.currentTime = audio.duration || 0;
    } else if (event.key === " " || event.key === "Enter") {
      if (audio.paused) audio.play().catch(() => {});
      else audio.pause();
    } else {
      return;
    }
    event.preventDefault();
    redraw();
  });
  new ResizeObserver(() => redraw()).observe(canvas);
  canvas.dataset.state = "loading";
  return peaksOf(url)
    .then((p) => {
      peaks = p;
      canvas.dataset.state = "drawn";
      redraw();
    })
    .catch(() => {
      canvas.dataset.state = "unavailable";
      canvas.setAttribute("aria-description", "waveform unavailable");
    });
}

export function formatTime(seconds) {
  if (!Number.isFinite(seconds)) return "0:00";
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
