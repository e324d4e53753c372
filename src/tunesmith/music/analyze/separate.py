"""Source separation by DSP: vocals / accompaniment and drums / bass / other / vocals stems.

No separation model ships offline (``research/audio-stack.md`` §2.5), so this is the best of the
classic tools, all soft time–frequency masks on one STFT of the mix (so the stems always sum to
the mix exactly, up to float rounding):

1. **Harmonic–percussive** split (Fitzgerald median filtering, librosa ``decompose.hpss``):
   the percussive part is the drums stem.
2. **REPET-SIM** on the harmonic part (Rafii & Pardo 2012): each frame's magnitude is compared
   with the median of its most similar frames (cosine, ≥ 2 s apart); what repeats is
   accompaniment, what does not is voice. The voice mask is limited to the vocal band
   (:data:`VOCAL_BAND_HZ`).
3. **Bass** is the harmonic, non-vocal part below :data:`BASS_CUTOFF_HZ` (smooth crossover);
   **other** is the rest.

Quality is "karaoke-ish", not studio stems: measured SDR on our own rendered songs is in the
tests and ``bench/bench_analysis.py``. Masks are computed from the mono mix and applied to every
channel, so stereo is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tunesmith.music.audio import AudioBuffer

N_FFT = 2048
"""STFT size in samples at the input rate (46 ms at 44.1 kHz)."""

HOP = 512
"""STFT hop in samples."""

VOCAL_BAND_HZ = (150.0, 8000.0)
"""The voice mask is faded out below and above this band (Hz)."""

BASS_CUTOFF_HZ = 180.0
"""Crossover (Hz) between the bass stem and the other stem (a raised-cosine over one octave)."""

REPEAT_SPACING_S = 2.0
"""REPET-SIM compares a frame only with frames at least this far away (s)."""

HPSS_KERNEL = 17
"""Median-filter length (frames and bins) of the harmonic–percussive split."""

VOCAL_MARGIN = 2.0
"""Soft-mask margin for the voice: how far above the repeating background a bin must stand."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class VocalSplit:
    """``vocals`` + ``accompaniment`` == the input (same rate, channels and frames)."""

    vocals: AudioBuffer
    accompaniment: AudioBuffer


def _stft(audio: AudioBuffer) -> npt.NDArray[np.complex64]:
    import librosa

    out: npt.NDArray[np.complex64] = librosa.stft(audio.samples, n_fft=N_FFT, hop_length=HOP)
    return out


def _istft(spec: npt.NDArray[np.complex64], like: AudioBuffer) -> AudioBuffer:
    import librosa

    y = librosa.istft(spec, hop_length=HOP, n_fft=N_FFT, length=like.frames)
    return AudioBuffer.from_array(
        np.asarray(y, dtype=np.float32).reshape(like.channels, -1), like.sample_rate_hz
    )


MASK_RATE_HZ = 22_050
"""Masks are computed on a mono downmix at this rate with an STFT of the same duration per frame
(so the bins below its Nyquist line up with the full-rate STFT's); above it they are held at
the top bin's value."""


def _masks(audio: AudioBuffer) -> dict[str, FloatArray]:
    """Soft masks (frequency × frame, 0..1, summing to 1) for vocals, drums, bass and other,
    on the grid of :func:`_stft` of ``audio``."""
    import librosa

    rate = min(MASK_RATE_HZ, audio.sample_rate_hz)
    scale = audio.sample_rate_hz / rate
    n_fft, hop = max(256, round(N_FFT / scale)), max(64, round(HOP / scale))
    mono = AudioBuffer.from_array(audio.mono(), audio.sample_rate_hz).resampled(rate).samples[0]
    spec = np.abs(librosa.stft(mono, n_fft=n_fft, hop_length=hop)).astype(np.float64)
    frames_out = 1 + audio.frames // HOP
    if float(np.max(spec)) <= 0:
        zeros = np.zeros((1 + N_FFT // 2, frames_out))
        return {"vocals": zeros, "drums": zeros, "bass": zeros, "other": np.ones_like(zeros)}
    masks = _masks_of(spec, rate, n_fft, hop)
    out: dict[str, FloatArray] = {}
    for name, mask in masks.items():
        grown = np.empty((1 + N_FFT // 2, mask.shape[1]))
        rows = min(mask.shape[0], grown.shape[0])
        grown[:rows] = mask[:rows]
        grown[rows:] = mask[rows - 1]
        if grown.shape[1] >= frames_out:
            grown = grown[:, :frames_out]
        else:
            grown = np.pad(grown, ((0, 0), (0, frames_out - grown.shape[1])), mode="edge")
        out[name] = grown
    return out


def _masks_of(spec: FloatArray, rate: int, n_fft: int, hop: int) -> dict[str, FloatArray]:
    import librosa

    harmonic, percussive = librosa.decompose.hpss(
        spec.astype(np.float32), kernel_size=HPSS_KERNEL, power=2.0, mask=True, margin=1.0
    )
    harmonic = harmonic.astype(np.float64)
    percussive = percussive.astype(np.float64)
    harm = spec * harmonic
    frames_apart = max(1, round(REPEAT_SPACING_S * rate / hop))
    repeating = _repeating_background(harm, min(frames_apart, max(1, harm.shape[1] // 3)))
    repeating = np.minimum(harm, repeating)
    voice = librosa.util.softmask(harm - repeating, VOCAL_MARGIN * repeating, power=2)
    freqs = librosa.fft_frequencies(sr=rate, n_fft=n_fft)
    lo, hi = VOCAL_BAND_HZ
    band = np.clip(np.log2(np.maximum(freqs, 1.0) / (lo / 2)), 0.0, 1.0) * np.clip(
        np.log2(2 * hi / np.maximum(freqs, 1.0)), 0.0, 1.0
    )
    vocals = harmonic * voice * band[:, None]
    rest_harmonic = harmonic - vocals
    octave = np.log2(np.maximum(freqs, 1.0) / BASS_CUTOFF_HZ)
    low = np.where(
        octave <= -0.5, 1.0, np.where(octave >= 0.5, 0.0, 0.5 + 0.5 * np.cos(np.pi * (octave + 0.5)))
    )
    bass = rest_harmonic * low[:, None]
    other = rest_harmonic - bass
    return {"vocals": vocals, "drums": percussive, "bass": bass, "other": other}


def _repeating_background(spec: FloatArray, spacing: int, *, neighbours: int = 9) -> FloatArray:
    """REPET-SIM's background: per frame, the element-wise median of the ``neighbours`` frames
    most similar to it (cosine similarity of magnitude spectra), excluding frames closer than
    ``spacing``. Rows are processed in blocks, so memory stays O(frames × block)."""
    frames = spec.shape[1]
    unit = spec / (np.linalg.norm(spec, axis=0, keepdims=True) + 1e-12)
    k = max(1, min(neighbours, frames - 2 * spacing - 1))
    if frames - 2 * spacing - 1 < 1:
        return spec.copy()
    out = np.empty_like(spec)
    block = 256
    columns = np.arange(frames)
    for start in range(0, frames, block):
        rows = np.arange(start, min(frames, start + block))
        sim = unit[:, rows].T @ unit
        sim[np.abs(rows[:, None] - columns[None, :]) < spacing] = -np.inf
        idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        out[:, rows] = np.median(spec[:, idx], axis=2)
    return out


def separate_vocals(audio: AudioBuffer) -> VocalSplit:
    """Split ``audio`` into a vocal estimate and the accompaniment (their sum is the input).

    Melody-driven (see :mod:`tunesmith.music.analyze.melody_mask`): the lead voice's f0 is
    tracked on the non-stationary part of the REPET-SIM residual and a harmonic comb, weighted by
    the residual's share and the harmonic (non-drum) share of each bin and faded out where the
    tracked line captures little energy (soft voicing), is the vocal mask. Any rate and channel
    count; deterministic. About 4–6 s per 3 minutes of 44.1 kHz stereo (measured under load on a
    shared 2-core machine, 2026-11-26).
    """
    if audio.frames < N_FFT:
        return VocalSplit(AudioBuffer.from_array(np.zeros_like(audio.samples), audio.sample_rate_hz), audio)
    from tunesmith.music.analyze.melody_mask import vocal_stem

    vocals = vocal_stem(audio)
    accompaniment = AudioBuffer.from_array(audio.samples - vocals.samples, audio.sample_rate_hz)
    return VocalSplit(vocals, accompaniment)


def separate_vocals_repet(audio: AudioBuffer) -> VocalSplit:
    """The previous vocal split (HPSS + REPET-SIM soft mask, no melody), kept as the baseline that
    ``bench/bench_analysis.py`` compares :func:`separate_vocals` with. Sum equals the input."""
    if audio.frames < N_FFT:
        return VocalSplit(AudioBuffer.from_array(np.zeros_like(audio.samples), audio.sample_rate_hz), audio)
    masks = _masks(audio)
    spec = _stft(audio)
    vocals = _istft((spec * masks["vocals"][None, :, :]).astype(np.complex64), audio)
    accompaniment = AudioBuffer.from_array(audio.samples - vocals.samples, audio.sample_rate_hz)
    return VocalSplit(vocals, accompaniment)


STEM_NAMES = ("vocals", "drums", "bass", "other")
"""The stems :func:`separate_stems` returns, in this order."""


def separate_stems(audio: AudioBuffer) -> dict[str, AudioBuffer]:
    """Four stems of ``audio`` — ``vocals``, ``drums``, ``bass``, ``other`` — summing to the input.

    ``vocals`` is :func:`separate_vocals`'s; drums (percussive part), bass (harmonic part below
    :data:`BASS_CUTOFF_HZ`) and other (the rest) split what remains. Each stem has the input's
    rate, channels and frames. Deterministic.
    """
    if audio.frames < N_FFT:
        silent = AudioBuffer.from_array(np.zeros_like(audio.samples), audio.sample_rate_hz)
        return {"vocals": silent, "drums": silent, "bass": silent, "other": audio}
    split = separate_vocals(audio)
    rest = split.accompaniment
    masks = _masks(rest)
    spec = _stft(rest)
    out: dict[str, AudioBuffer] = {"vocals": split.vocals}
    for name in ("drums", "bass"):
        out[name] = _istft((spec * masks[name][None, :, :]).astype(np.complex64), rest)
    remainder = rest.samples - out["drums"].samples - out["bass"].samples
    out["other"] = AudioBuffer.from_array(remainder, audio.sample_rate_hz)
    return {name: out[name] for name in STEM_NAMES}


def sdr_db(reference: AudioBuffer | npt.ArrayLike, estimate: AudioBuffer | npt.ArrayLike) -> float:
    """Signal-to-distortion ratio (dB) of ``estimate`` against ``reference``:
    ``10·log10(Σ ref² / Σ (ref − est)²)`` over all channels (the SDR of the Music Demixing
    challenges, no projection; higher is better, 0 dB = as bad as silence). Equal lengths
    required; a silent reference gives ``-inf`` unless the estimate is silent too (``inf``)."""
    ref = reference.samples if isinstance(reference, AudioBuffer) else np.asarray(reference)
    est = estimate.samples if isinstance(estimate, AudioBuffer) else np.asarray(estimate)
    ref64 = np.asarray(ref, dtype=np.float64)
    est64 = np.asarray(est, dtype=np.float64)
    if ref64.shape != est64.shape:
        from tunesmith.errors import InvalidParameter

        raise InvalidParameter("reference and estimate must have the same shape.", field="estimate")
    signal = float(np.sum(ref64**2))
    noise = float(np.sum((ref64 - est64) ** 2))
    if noise <= 1e-20:
        return float("inf")
    if signal <= 1e-20:
        return float("-inf")
    return float(10.0 * np.log10(signal / noise))
