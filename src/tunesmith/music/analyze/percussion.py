"""Hand and auxiliary percussion (shakers, tambourine, congas, bongos, claves, cowbell …) split
from the drum kit.

:func:`split_percussion` takes a drums stem (the percussive part of a mix, e.g.
``separate_stems(audio)["drums"]``) and returns ``(kit, percussion)`` with ``kit + percussion ==
drums`` (float32 rounding), or ``(drums, None)`` when no percussion is found.

Method: **supervised NMF**. A fixed dictionary of magnitude-spectrum templates, two per General
MIDI drum key (the attack and the decay of the note), is rendered once per process from the
installed GM SoundFont (:func:`tunesmith.music.render.synth.find_soundfont`): kit keys (kicks,
snares, claps, toms, hats, cymbals, GM 35–53, 55, 57, 59) and percussion keys (tambourine 54,
cowbell 56, bongos, congas, timbales, agogo, cabasa, maracas/shaker, whistles, guiro, claves,
woodblocks, cuica, triangle, GM2 jingle bell … surdo; GM 58, 60–87). The drums' mono
magnitude spectrogram is explained by that dictionary plus a few learned components
(KL-divergence multiplicative updates; the dictionary stays fixed), and the percussion part is
the Wiener mask ``P² / (P² + K² + F²)`` of the percussion, kit and free sub-models applied to
every channel's STFT; the kit is the input minus it. Percussion is reported only when the masked
part carries at least :data:`PRESENCE_SHARE` of the drums' energy. :data:`FREE_COMPONENTS`
learned components beside the fixed dictionary take up pitched leakage from other instruments
(a separated drums stem carries some), which would otherwise be read as cowbell or agogo.

Caveat: the templates come from the same SoundFont our engine renders with, so the numbers on
our own songs (see ``tests/music/analyze/test_percussion.py``) are optimistic for real
recordings, whose kits and hand drums sound different.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from tunesmith.music.audio import AudioBuffer

TEMPLATE_RATE_HZ = 22_050
"""The dictionary and the decomposition run at this rate (Hz); masks are interpolated in
frequency for other input rates."""

N_FFT = 2048
"""STFT size at :data:`TEMPLATE_RATE_HZ` (93 ms)."""

HOP = 512
"""STFT hop at :data:`TEMPLATE_RATE_HZ` (23 ms)."""

KIT_KEYS = (*range(35, 54), 55, 57, 59)
"""GM drum keys of the kit (kicks … ride bell, splash, crash 2, ride 2)."""

PERCUSSION_KEYS = (54, 56, 58, *range(60, 88))
"""GM drum keys of hand and auxiliary percussion (tambourine, cowbell, vibraslap, 60–87: GM and
the GM2 shaker, jingle bell, bell tree, castanets, surdo keys)."""

PRESENCE_SHARE = 0.2
"""Share of the drums' energy (0..1) the percussion part must carry to be reported. Tuned on
drums stems from :func:`~tunesmith.music.analyze.separate.separate_stems` of 27 rendered songs
(they carry leakage from other instruments, which raises every share): hand-percussion songs
0.23–0.30, songs without any percussion 0.06–0.18 except one with a glockenspiel (0.22). On a
clean kit + percussion recording shares run lower (0.13–0.18 with percussion, ≤ 0.04 without):
pass ``presence_share=0.1`` there."""

FREE_COMPONENTS = 8
"""Learned components beside the fixed dictionary (they absorb non-drum leakage)."""

ITERATIONS = 40
"""Multiplicative-update iterations of the activations."""

FloatArray = npt.NDArray[np.float64]


def _render_key(synth: object, key: int, velocity: int, frames: int) -> npt.NDArray[np.float32]:
    synth.noteon(9, key, velocity)  # type: ignore[attr-defined]
    first = np.frombuffer(synth.generate(frames // 4), dtype=np.float32)  # type: ignore[attr-defined]
    synth.noteoff(9, key)  # type: ignore[attr-defined]
    rest = np.frombuffer(synth.generate(frames - frames // 4), dtype=np.float32)  # type: ignore[attr-defined]
    stereo = np.concatenate([first, rest]).reshape(-1, 2)
    out: npt.NDArray[np.float32] = stereo.mean(axis=1).astype(np.float32)
    return out


@lru_cache(maxsize=1)
def _dictionary() -> tuple[FloatArray, int]:
    """(templates [freq, k], number of kit templates): unit-sum magnitude spectra, kit first."""
    import librosa
    import tinysoundfont

    from tunesmith.music.render.synth import find_soundfont

    synth = tinysoundfont.Synth(samplerate=TEMPLATE_RATE_HZ)
    sfid = synth.sfload(find_soundfont())
    synth.program_select(9, sfid, 128, 0, is_drums=True)
    frames = int(0.6 * TEMPLATE_RATE_HZ)
    columns: list[FloatArray] = []
    for key in (*KIT_KEYS, *PERCUSSION_KEYS):
        y = _render_key(synth, key, 100, frames)
        synth.generate(TEMPLATE_RATE_HZ // 2)  # let the note ring out before the next
        mag = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP)).astype(np.float64)
        energy = mag.sum(axis=0)
        if float(energy.max()) <= 1e-9:
            mag = np.ones((mag.shape[0], 1))
            energy = np.ones(1)
        peak = int(np.argmax(energy))
        attack = mag[:, peak : peak + 2].mean(axis=1)
        decay = mag[:, peak + 2 :].mean(axis=1) if mag.shape[1] > peak + 3 else attack
        for column in (attack, decay):
            columns.append(column / max(1e-12, float(column.sum())))
    return np.stack(columns, axis=1), 2 * len(KIT_KEYS)


def _decompose(spec: FloatArray, templates: FloatArray, kit_count: int) -> tuple[FloatArray, ...]:
    """KL-NMF of ``spec`` with the fixed ``templates`` plus :data:`FREE_COMPONENTS` learned ones
    (which take up what neither kit nor percussion explains: pitched leakage from other
    instruments). Returns the kit, percussion and free models (magnitude spectrograms)."""
    rng = np.random.default_rng(0)
    fixed = templates.shape[1]
    w = np.concatenate([templates, rng.uniform(0.5, 1.5, (templates.shape[0], FREE_COMPONENTS))], axis=1)
    w[:, fixed:] /= w[:, fixed:].sum(axis=0, keepdims=True)
    h = rng.uniform(0.5, 1.5, (w.shape[1], spec.shape[1])) * (spec.sum(axis=0, keepdims=True) + 1e-9)
    for _ in range(ITERATIONS):
        approx = w @ h + 1e-12
        h *= (w.T @ (spec / approx)) / (w.sum(axis=0)[:, None] + 1e-12)
        if FREE_COMPONENTS:
            approx = w @ h + 1e-12
            free = w[:, fixed:] * ((spec / approx) @ h[fixed:].T) / (h[fixed:].sum(axis=1)[None, :] + 1e-12)
            scale = free.sum(axis=0, keepdims=True) + 1e-12
            w[:, fixed:] = free / scale
            h[fixed:] *= scale.T
    return (
        w[:, :kit_count] @ h[:kit_count],
        w[:, kit_count:fixed] @ h[kit_count:fixed],
        w[:, fixed:] @ h[fixed:],
    )


def percussion_share(drums: AudioBuffer) -> float:
    """Share (0..1) of the energy of ``drums`` that :func:`split_percussion` assigns to
    percussion (before the :data:`PRESENCE_SHARE` decision)."""
    perc = _percussion_part(drums)
    total = float(np.sum(drums.samples.astype(np.float64) ** 2))
    return float(np.sum(perc.astype(np.float64) ** 2)) / total if total > 0 else 0.0


def _percussion_part(drums: AudioBuffer) -> npt.NDArray[np.float32]:
    import librosa

    from tunesmith.music.analyze.downmix import mono_at

    templates, kit_count = _dictionary()
    mono = mono_at(drums, TEMPLATE_RATE_HZ)
    spec = np.abs(librosa.stft(np.asarray(mono), n_fft=N_FFT, hop_length=HOP)).astype(np.float64)
    kit_model, perc_model, free_model = _decompose(spec, templates, kit_count)
    mask = perc_model**2 / (perc_model**2 + kit_model**2 + free_model**2 + 1e-18)
    # Map the mask onto the input's own STFT grid (same duration per frame, rate-scaled sizes).
    scale = drums.sample_rate_hz / TEMPLATE_RATE_HZ
    n_fft, hop = max(256, round(N_FFT * scale)), max(64, round(HOP * scale))
    full = librosa.stft(drums.samples.astype(np.float32), n_fft=n_fft, hop_length=hop)
    freqs_in = librosa.fft_frequencies(sr=drums.sample_rate_hz, n_fft=n_fft)
    freqs_mask = librosa.fft_frequencies(sr=TEMPLATE_RATE_HZ, n_fft=N_FFT)
    frame_idx = np.minimum(np.arange(full.shape[-1]), mask.shape[1] - 1)
    mapped = np.stack([np.interp(freqs_in, freqs_mask, mask[:, t]) for t in frame_idx], axis=1)
    perc = librosa.istft(full * mapped[None, :, :], hop_length=hop, n_fft=n_fft, length=drums.frames)
    out: npt.NDArray[np.float32] = np.asarray(perc, dtype=np.float32).reshape(drums.samples.shape)
    return out


def split_percussion(
    drums: AudioBuffer, *, presence_share: float = PRESENCE_SHARE
) -> tuple[AudioBuffer, AudioBuffer | None]:
    """``(kit, percussion)`` of a drums stem, or ``(drums, None)`` when no percussion is found.

    Any rate and channel count; outputs have the input's rate, channels and frames and
    ``kit + percussion`` equals ``drums`` (to float32 rounding). ``presence_share`` (0..1, see
    :data:`PRESENCE_SHARE`) decides whether percussion was found. Deterministic. Costs about
    1 s per 20 s of audio (under load) after a one-off ~1 s dictionary render.
    """
    if drums.frames < N_FFT or float(np.max(np.abs(drums.samples))) <= 1e-9:
        return drums, None
    perc32 = _percussion_part(drums)
    total = float(np.sum(drums.samples.astype(np.float64) ** 2))
    share = float(np.sum(perc32.astype(np.float64) ** 2)) / total if total > 0 else 0.0
    if share < presence_share:
        return drums, None
    kit = (drums.samples - perc32).astype(np.float32)
    return (
        AudioBuffer.from_array(kit, drums.sample_rate_hz),
        AudioBuffer.from_array(perc32, drums.sample_rate_hz),
    )
