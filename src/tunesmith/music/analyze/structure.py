"""Sections of an :class:`AudioBuffer`: novelty segmentation of bar-synchronous features.

1. Features per bar (from downbeats of :func:`~tunesmith.music.analyze.meter.estimate_meter`,
   or every 4 beats): chroma (harmony) and log-mel energy profile (timbre and density), each
   row-standardised, plus the bar's RMS level.
2. A self-similarity matrix (cosine) of the bar features; Foote's checkerboard-kernel novelty
   along its diagonal (kernel :data:`KERNEL_BARS` bars); peaks at least :data:`MIN_SECTION_BARS`
   apart above the median are boundaries.
3. Segments are labelled A, B, … by agglomerating segments whose mean features are similar
   (cosine ≥ :data:`SAME_LABEL_SIMILARITY`).
4. A guess of function: the label that repeats most with the highest energy is ``"chorus"``,
   other repeated labels ``"verse"``, a first low-energy segment ``"intro"``, a last one
   ``"outro"``, anything else ``"bridge"``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tunesmith.music.audio import AudioBuffer

KERNEL_BARS = 4
"""Half-width of the checkerboard kernel in bars."""

MIN_SECTION_BARS = 4
"""Shortest section (bars) the segmentation returns, except at the very end."""

SAME_LABEL_SIMILARITY = 0.9
"""Two segments get the same letter when their mean bar features have at least this cosine."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SectionSpan:
    """A section from ``start_s`` to ``end_s`` (seconds). ``label`` is a letter (same letter =
    same material), ``kind`` a guessed function (one of the Score's section kinds: intro,
    verse, chorus, bridge, outro), ``energy`` 0..1 its mean loudness relative to the loudest."""

    start_s: float
    end_s: float
    label: str
    kind: str
    energy: float


def _bar_features(audio: AudioBuffer, bounds_s: FloatArray) -> tuple[FloatArray, FloatArray]:
    import librosa

    rate = 11_025
    y = AudioBuffer.from_array(audio.mono(), audio.sample_rate_hz).resampled(rate).samples[0]
    hop = 512
    power = np.abs(librosa.stft(y, n_fft=2048, hop_length=hop)) ** 2
    chroma = librosa.feature.chroma_stft(S=power, sr=rate, tuning=0.0)
    mel = np.log1p(librosa.feature.melspectrogram(S=power, sr=rate, n_mels=24) * 100.0)
    rms = np.sqrt(power.mean(axis=0))
    frames = power.shape[1]
    idx = np.clip(np.round(bounds_s * rate / hop).astype(int), 0, frames)
    feats, levels = [], []
    for i in range(bounds_s.size - 1):
        lo, hi = idx[i], max(idx[i] + 1, idx[i + 1])
        hi = min(hi, frames)
        lo = min(lo, hi - 1)
        c = chroma[:, lo:hi].mean(axis=1)
        m = mel[:, lo:hi].mean(axis=1)
        c = (c - c.mean()) / (c.std() + 1e-9)
        m = (m - m.mean()) / (m.std() + 1e-9)
        feats.append(np.concatenate([c, 0.7 * m]))
        levels.append(float(rms[lo:hi].mean()))
    return np.asarray(feats), np.asarray(levels)


def _novelty(sim: FloatArray, half: int) -> FloatArray:
    n = sim.shape[0]
    sign = np.ones((2 * half, 2 * half))
    sign[:half, half:] = -1
    sign[half:, :half] = -1
    padded = np.pad(sim, half, mode="edge")
    out = np.zeros(n)
    for i in range(n):
        out[i] = float(np.sum(padded[i : i + 2 * half, i : i + 2 * half] * sign))
    return out


def estimate_sections(audio: AudioBuffer, *, downbeats_s: FloatArray | None = None) -> list[SectionSpan]:
    """Sections covering ``audio`` from 0 to its duration (s), in order, no gaps.

    ``downbeats_s`` (bar starts, s) defaults to :func:`estimate_meter`'s. Clips with fewer than
    ``2 × MIN_SECTION_BARS`` bars are one section ``"A"``. Deterministic.
    """
    duration_s = audio.duration_s
    if duration_s <= 0:
        return []
    if downbeats_s is None:
        from tunesmith.music.analyze.meter import estimate_meter

        downbeats_s = estimate_meter(audio).downbeats_s
    bars = np.asarray(downbeats_s, dtype=np.float64)
    bars = bars[(bars > 0.05) & (bars < duration_s - 0.05)]
    bounds = np.concatenate([[0.0], bars, [duration_s]])
    if bounds.size - 1 < 2 * MIN_SECTION_BARS:
        return [SectionSpan(0.0, duration_s, "A", "verse", 1.0)]
    feats, levels = _bar_features(audio, bounds)
    unit = feats / (np.linalg.norm(feats, axis=1, keepdims=True) + 1e-12)
    sim = unit @ unit.T
    novelty = _novelty(sim, min(KERNEL_BARS, (bounds.size - 1) // 2))
    threshold = float(np.median(novelty))
    order = np.argsort(-novelty, kind="stable")
    cuts: list[int] = []
    n_bars = bounds.size - 1
    for i in order:
        if novelty[i] <= threshold or i < MIN_SECTION_BARS or n_bars - i < MIN_SECTION_BARS:
            continue
        if all(abs(i - c) >= MIN_SECTION_BARS for c in cuts):
            cuts.append(int(i))
    edges = [0, *sorted(cuts), n_bars]
    means = [unit[a:b].mean(axis=0) for a, b in itertools.pairwise(edges)]
    labels: list[int] = []
    prototypes: list[FloatArray] = []
    for m in means:
        m_unit = m / (np.linalg.norm(m) + 1e-12)
        scores = [float(m_unit @ p) for p in prototypes]
        if scores and max(scores) >= SAME_LABEL_SIMILARITY:
            labels.append(int(np.argmax(scores)))
        else:
            labels.append(len(prototypes))
            prototypes.append(m_unit)
    seg_level = np.array([levels[a:b].mean() for a, b in itertools.pairwise(edges)])
    energy = seg_level / max(1e-12, float(seg_level.max()))
    counts = {lab: labels.count(lab) for lab in set(labels)}
    repeated = [lab for lab in counts if counts[lab] > 1]
    chorus = max(
        repeated,
        key=lambda lab: (counts[lab], np.mean(energy[[i for i, x in enumerate(labels) if x == lab]])),
        default=None,
    )
    out: list[SectionSpan] = []
    for i, (a, b) in enumerate(itertools.pairwise(edges)):
        lab = labels[i]
        if lab == chorus:
            kind = "chorus"
        elif lab in repeated:
            kind = "verse"
        elif i == 0 and energy[i] < 0.8:
            kind = "intro"
        elif i == len(labels) - 1 and energy[i] < 0.8:
            kind = "outro"
        else:
            kind = "bridge" if 0 < i < len(labels) - 1 else "verse"
        out.append(
            SectionSpan(
                float(bounds[a]),
                float(bounds[b]),
                chr(ord("A") + min(lab, 25)),
                kind,
                round(float(energy[i]), 4),
            )
        )
    return out
