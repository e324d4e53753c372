"""Accuracy and speed of tunesmith's own analysis.

One command: ``.venv/bin/python bench/bench_analysis.py [--separation] [--speed] [--all]``.

- default (and ``--all``): tempo and key accuracy on the synthetic evaluation set (below);
- ``--separation``: vocal SDR of :func:`separate_vocals` (and of the melody mask with the
  basic-pitch contour guide, ``vocal_stem(..., guided=True)``, and of the previous HPSS +
  REPET-SIM mask, :func:`separate_vocals_repet`) on :data:`SEPARATION_SONGS`, six 25 s songs with lyrics
  rendered by the engine and re-uploaded as plain audio (the mastered mix). The reference is the
  lead + backing vocal stems scaled by the least-squares gain that maps the sum of all stems
  onto the master (mastering gain); SDR = 10·log10(Σ ref² / Σ (ref − est)²) with no further
  gain (:func:`sdr_db`). The SDR against the lead stem alone is printed too (backing vocals
  are not separated: they count as lost in the first, as leakage where they share the lead's
  harmonics in the second). ``--heldout`` measures :data:`HELDOUT_SEPARATION_SONGS` instead
  (other genres and seeds, never tuned on);
- ``--speed``: wall time per stage of the upload analyses on a 3-minute rendered song (decode
  a WAV, BPM, key, basic stems, MIDI), each in this process after a warm-up.

Tempo and key: builds every clip of
:func:`tunesmith.music.analyze.evalset.tempo_cases` and :func:`~...key_cases` (numpy drums and
SoundFont renders, deterministic), runs :func:`estimate_tempo`, :func:`librosa_tempo` and
:func:`estimate_key`, and prints per-clip results, accuracies (exact within 2 %, octave errors
separately) and the analysis time per minute of audio. librosa's JIT warm-up is excluded.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np

from tunesmith.music.analyze.evalset import drum_pattern, key_cases, render_song, tempo_cases
from tunesmith.music.analyze.key import estimate_key, key_matches
from tunesmith.music.analyze.tempo import estimate_tempo, librosa_tempo, tempo_matches
from tunesmith.music.audio import AudioBuffer

SEPARATION_LYRICS = (
    "[Verse]\nWalking down the empty road tonight\nStars are shining oh so bright\n"
    "[Chorus]\nSing it loud and sing it clear\nEvery heart is gathered here",
    "[Verse]\nMorning light across the bay\nI will find my way today\n"
    "[Chorus]\nHold me close and let it go\nRiver running soft and slow",
    "[Verse]\nCity lights are burning low\nNowhere else I want to go\n"
    "[Chorus]\nDance with me until the dawn\nWe keep moving on and on",
)

SEPARATION_SONGS: tuple[tuple[str, int, str, str], ...] = (
    # (tags, seed, vocal_gender, lyrics): three female, three male voices, six genres, 25 s.
    ("pop", 1, "f", SEPARATION_LYRICS[0]),
    ("rock", 2, "m", SEPARATION_LYRICS[1]),
    ("folk acoustic", 3, "f", SEPARATION_LYRICS[2]),
    ("rnb soul", 4, "m", SEPARATION_LYRICS[0]),
    ("country", 5, "f", SEPARATION_LYRICS[1]),
    ("synthpop", 6, "m", SEPARATION_LYRICS[2]),
)


HELDOUT_SEPARATION_SONGS: tuple[tuple[str, int, str, str], ...] = (
    # Held out when the melody mask was tuned (2026-11-26): other genres and seeds, 25 s.
    ("indie rock", 21, "f", SEPARATION_LYRICS[0]),
    ("hard rock", 22, "m", SEPARATION_LYRICS[1]),
    ("blues", 23, "m", SEPARATION_LYRICS[2]),
    ("disco", 24, "f", SEPARATION_LYRICS[0]),
    ("reggae", 25, "m", SEPARATION_LYRICS[1]),
    ("jazz", 26, "f", SEPARATION_LYRICS[2]),
)


def render_with_vocals(
    tags: str, seed: int, gender: str, lyrics: str, duration_s: float
) -> tuple[AudioBuffer, AudioBuffer]:
    """(master, reference vocals) of one engine song: the reference is lead + backing vocal
    stems times the least-squares gain from the sum of all stems to the master."""
    master, lead, backing = render_with_vocal_stems(tags, seed, gender, lyrics, duration_s)
    vocals = lead.samples + backing.samples
    return master, AudioBuffer.from_array(vocals, 44_100)


def render_with_vocal_stems(
    tags: str, seed: int, gender: str, lyrics: str, duration_s: float
) -> tuple[AudioBuffer, AudioBuffer, AudioBuffer]:
    """(master, lead vocal, backing vocals) of one engine song, the stems times the least-squares
    gain from the sum of all stems to the master (the backing stem is silent where there is none)."""
    from tunesmith.music.compose import compose
    from tunesmith.music.render import render_song
    from tunesmith.music.render.voice import render_vocals
    from tunesmith.music.spec import make_spec
    from tunesmith.music.style.tags import resolve_style

    spec = make_spec(tags=tags, seed=seed, duration_s=duration_s, lyrics=lyrics, vocal_gender=gender)
    score = compose(spec, resolve_style(spec.tags, spec.negative_tags))
    extra = render_vocals(score, sample_rate_hz=44_100)
    song = render_song(score, sample_rate_hz=44_100, quality=spec.quality, extra_stems=extra)
    stems = {str(k): v.samples.astype(np.float64) for k, v in song.stems.items()}
    master = song.master.samples.astype(np.float64)
    total = sum(stems.values(), np.zeros_like(master))
    gain = float(np.sum(total * master) / max(1e-12, float(np.sum(total * total))))
    silent = np.zeros_like(master)
    lead, backing = (gain * stems.get(name, silent) for name in ("vocals", "backing_vocals"))
    return (
        song.master,
        AudioBuffer.from_array(lead.astype(np.float32), 44_100),
        AudioBuffer.from_array(backing.astype(np.float32), 44_100),
    )


def bench_separation(songs: tuple[tuple[str, int, str, str], ...] = SEPARATION_SONGS) -> None:
    from tunesmith.music.analyze.melody_mask import vocal_stem
    from tunesmith.music.analyze.separate import sdr_db, separate_vocals, separate_vocals_repet

    print("== vocal separation (SDR dB, reference = lead + backing vocals) ==")
    rows: list[tuple[str, float, float, float, float]] = []
    for tags, seed, gender, lyrics in songs:
        master, lead, backing = render_with_vocal_stems(tags, seed, gender, lyrics, 25.0)
        reference = AudioBuffer.from_array(lead.samples + backing.samples, 44_100)
        start = time.perf_counter()
        estimate = separate_vocals(master).vocals
        new_s = time.perf_counter() - start
        new = sdr_db(reference, estimate)
        new_lead = sdr_db(lead, estimate)
        start = time.perf_counter()
        guided = sdr_db(reference, vocal_stem(master, guided=True))
        guided_s = time.perf_counter() - start
        old = sdr_db(reference, separate_vocals_repet(master).vocals)
        silence = sdr_db(reference, np.zeros_like(reference.samples))
        mix = sdr_db(reference, master)
        rows.append((gender, new, guided, old, new_lead))
        print(
            f"{tags:14s} {gender}  melody-mask {new:6.2f} (lead only {new_lead:6.2f}; {new_s:.1f} s)"
            f"  guided {guided:6.2f} ({guided_s:.1f} s)  repet {old:6.2f}"
            f"  (mix as estimate {mix:6.2f}, silence {silence:.2f})"
        )
    for label, keep in (("female", "f"), ("male", "m"), ("all", "")):
        sel = [r for r in rows if not keep or r[0] == keep]
        print(
            f"mean {label:6s}: melody-mask {np.mean([r[1] for r in sel]):.2f} dB"
            f" (lead only {np.mean([r[4] for r in sel]):.2f}),"
            f" guided {np.mean([r[2] for r in sel]):.2f} dB, repet {np.mean([r[3] for r in sel]):.2f} dB"
        )


def bench_speed() -> None:
    from tunesmith.music.analyze.separate import separate_vocals
    from tunesmith.music.analyze.transcribe import transcribe_notes
    from tunesmith.music.audio import decode_audio, encode_wav

    print("== speed: 3-minute upload (rendered song, 44.1 kHz stereo WAV) ==")
    lyrics = "\n".join(SEPARATION_LYRICS)
    master, _ = render_with_vocals("pop rock", 11, "f", lyrics, 180.0)
    wav = encode_wav(master)
    warm = AudioBuffer.from_array(master.samples[:, : 6 * 44_100], 44_100)
    estimate_tempo(warm)
    estimate_key(warm)
    separate_vocals(warm)
    transcribe_notes(warm)

    def timed(label: str, fn: Callable[[], object]) -> object:
        start = time.perf_counter()
        out = fn()
        print(f"{label:28s} {time.perf_counter() - start:6.2f} s")
        return out

    audio = timed("decode WAV", lambda: decode_audio(wav, filename_hint="x.wav"))
    assert isinstance(audio, AudioBuffer)
    start = time.perf_counter()
    timed("BPM (estimate_tempo)", lambda: estimate_tempo(audio))
    timed("key (estimate_key)", lambda: estimate_key(audio))
    print(f"{'BPM + key':28s} {time.perf_counter() - start:6.2f} s")
    timed("basic stems (separate_vocals)", lambda: separate_vocals(audio))
    timed("MIDI (transcribe_notes)", lambda: transcribe_notes(audio))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--separation", action="store_true", help="vocal SDR on engine songs")
    parser.add_argument(
        "--heldout", action="store_true", help="with --separation: the held-out songs instead"
    )
    parser.add_argument("--speed", action="store_true", help="per-stage time on a 3-minute upload")
    parser.add_argument("--all", action="store_true", help="accuracy, separation and speed")
    args = parser.parse_args()
    if args.separation or args.all:
        bench_separation(HELDOUT_SEPARATION_SONGS if args.heldout else SEPARATION_SONGS)
    if args.speed or args.all:
        bench_speed()
    if (args.separation or args.speed) and not args.all:
        return 0
    return bench_accuracy()


def bench_accuracy() -> int:
    warm = drum_pattern(120.0, "backbeat", duration_s=4.0)
    estimate_tempo(warm)
    librosa_tempo(warm)
    estimate_key(warm)

    print("== tempo ==")
    ours: dict[str, int] = {"exact": 0, "octave": 0, "wrong": 0}
    ref: dict[str, int] = {"exact": 0, "octave": 0, "wrong": 0}
    errors: list[float] = []
    audio_s = tempo_s = 0.0
    for case in tempo_cases():
        audio = case.audio()
        start = time.perf_counter()
        est = estimate_tempo(audio)
        tempo_s += time.perf_counter() - start
        audio_s += audio.duration_s
        lib = librosa_tempo(audio)
        m_ours, m_ref = tempo_matches(est.tempo_bpm, case.tempo_bpm), tempo_matches(lib, case.tempo_bpm)
        ours[m_ours] += 1
        ref[m_ref] += 1
        if m_ours == "exact":
            errors.append(abs(est.tempo_bpm / case.tempo_bpm - 1))
        print(
            f"{case.name:34s} truth {case.tempo_bpm:6.1f}  ours {est.tempo_bpm:7.2f} {m_ours:6s}"
            f" (conf {est.confidence:.2f}, {est.min_bpm:.1f}-{est.max_bpm:.1f})"
            f"  librosa {lib:7.2f} {m_ref}"
        )
    n = len(tempo_cases())
    print(
        f"ours:    exact {ours['exact']}/{n}, octave {ours['octave']}, wrong {ours['wrong']};"
        f" median |error| of exact {100 * float(np.median(errors)) if errors else 0:.3f} %"
    )
    print(f"librosa: exact {ref['exact']}/{n}, octave {ref['octave']}, wrong {ref['wrong']}")
    print(f"estimate_tempo: {60 * tempo_s / audio_s:.2f} s per minute of audio")

    print("== key ==")
    counts: dict[str, int] = {}
    audio_s = key_s = 0.0
    for song in key_cases():
        audio = render_song(song)
        start = time.perf_counter()
        key = estimate_key(audio)
        key_s += time.perf_counter() - start
        audio_s += audio.duration_s
        match = key_matches(key, song.key)
        counts[match] = counts.get(match, 0) + 1
        print(f"{song.name:18s} -> {key.name:10s} {match:8s} conf {key.confidence:.2f}")
    total = len(key_cases())
    good = counts.get("exact", 0) + counts.get("relative", 0)
    print(f"key: exact {counts.get('exact', 0)}/{total}, exact-or-relative {good}/{total}; {counts}")
    print(f"estimate_key: {60 * key_s / audio_s:.2f} s per minute of audio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
