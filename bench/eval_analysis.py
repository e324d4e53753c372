"""Evaluation harness of the listening functions on music nobody on this project wrote (issue 6).

One command, prints a table:

    .venv/bin/python bench/eval_analysis.py --quick     # a few minutes on 2 cores
    .venv/bin/python bench/eval_analysis.py             # the fuller corpus
    .venv/bin/python bench/eval_analysis.py --json out.json   # also write every per-item number
    .venv/bin/python bench/eval_analysis.py --songs     # only our sung songs (SDR, alignment)

The corpus is generated, never stored (see :mod:`tunesmith.music.analyze.evalset`):

- **Bach chorales from the music21 corpus** (it ships inside the music21 wheel; ``pip install
  -e '.[dev]'``), rendered through our SoundFont renderer (tinysoundfont + FluidR3 GM) at seeded
  random tempi (70–140 BPM by default, ``--tempo-range``), transpositions (−5…+6 semitones) and
  GM programs. Truth: the tempo they are rendered at, music21's key analysis of the score
  (transposed), and the score's notes.
- **MIDI files that ship inside installed packages** (music21's test files), rendered the same way,
  for note F1 only.
- **Our own songs** (:data:`~tunesmith.music.analyze.evalset.SUNG_CASES`): composed, sung and
  rendered by the engine, so the true vocal stem and the word timeline are known; 15 s, one verse.
- **Our own longer songs** with a verse and a chorus, some with a second verse and chorus (30–55
  s; the chorus has backing harmonies and often follows an instrumental fill), their lyrics
  uploaded with section tags: reported separately, from
  :data:`~tunesmith.music.analyze.evalset.CHORUS_REPORTED_CASES` (``--chorus-set tuning`` runs the
  set the aligner was tuned on instead, :data:`~tunesmith.music.analyze.evalset.CHORUS_TUNING_CASES`).

Metrics (mir_eval where it has one):

- tempo Acc1 (within 4 % of the truth) and Acc2 (also at ×2, ×3, ×½, ×⅓) of ``estimate_tempo``;
- key: ``mir_eval.key.weighted_score`` of ``estimate_key`` (1 exact, 0.5 fifth, 0.3 relative,
  0.2 parallel), and the share exactly right;
- note F1 of ``transcribe_notes`` on solo-instrument (piano) renders: ``mir_eval.transcription``
  onset-only (±50 ms) and with offsets (offset ratio 0.2);
- vocal SDR of ``separate_vocals`` on our mixes (the plain sum of the stems) against the true vocal
  stem: the MDX/museval-style SDR (``sdr_db``) and mir_eval's BSS-eval SDR (16 kHz mono);
- lyric alignment: mean absolute word-start error of ``align_lyrics_in_mix`` on the mastered mix
  re-encoded as WAV (an upload), and of ``align_lyrics`` on the isolated vocal stem.

Everything is deterministic (``--seed``); timings are wall-clock on this machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from tunesmith.music.analyze import evalset
from tunesmith.music.analyze.align import align_lyrics, align_lyrics_in_mix, mean_start_error_s
from tunesmith.music.analyze.key import estimate_key
from tunesmith.music.analyze.separate import sdr_db, separate_vocals
from tunesmith.music.analyze.tempo import estimate_tempo
from tunesmith.music.analyze.transcribe import transcribe_notes
from tunesmith.music.audio import AudioBuffer, decode_audio, encode_wav

T = TypeVar("T")

GOALS = {"tempo Acc1": (0.90, 0.95), "key weighted": (0.80, 0.85), "note F1": (0.70, 0.75)}


@dataclass
class Section:
    """Rows of one metric family: per-item values plus the time spent in the analysis calls."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    audio_s: float = 0.0


def timed(function: Callable[[], T], section: Section) -> T:
    started = time.perf_counter()
    result = function()
    section.seconds += time.perf_counter() - started
    return result


def _midi_hz(pitches: Sequence[int]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return 440.0 * 2.0 ** ((np.asarray(pitches, dtype=np.float64) - 69.0) / 12.0)


def note_scores(reference: Sequence[tuple[int, float, float]], audio: AudioBuffer) -> dict[str, float]:
    """mir_eval note precision/recall/F1 of ``transcribe_notes(audio)`` against ``reference``."""
    import mir_eval

    est = transcribe_notes(audio)
    ref_iv = np.array([[s, e] for _, s, e in reference], dtype=np.float64).reshape(-1, 2)
    est_iv = np.array([[n.start_s, n.end_s] for n in est], dtype=np.float64).reshape(-1, 2)
    ref_p = _midi_hz([p for p, _, _ in reference])
    est_p = _midi_hz([n.pitch for n in est])
    out: dict[str, float] = {"ref_notes": float(len(reference)), "est_notes": float(len(est))}
    if not len(est):
        return {**out, "p": 0.0, "r": 0.0, "f1": 0.0, "f1_offset": 0.0}
    p, r, f1, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref_iv, ref_p, est_iv, est_p, offset_ratio=None
    )
    _, _, f1_off, _ = mir_eval.transcription.precision_recall_f1_overlap(ref_iv, ref_p, est_iv, est_p)
    return {**out, "p": float(p), "r": float(r), "f1": float(f1), "f1_offset": float(f1_off)}


def tempo_accuracy(estimate_bpm: float, truth_bpm: float) -> tuple[bool, bool]:
    """(Acc1, Acc2): within 4 % of the truth; or of ×2, ×3, ×½, ×⅓ the truth."""
    if estimate_bpm <= 0:
        return False, False
    acc1 = abs(estimate_bpm / truth_bpm - 1.0) <= 0.04
    acc2 = any(abs(estimate_bpm / (truth_bpm * m) - 1.0) <= 0.04 for m in (1.0, 2.0, 3.0, 0.5, 1.0 / 3.0))
    return acc1, acc2


def bss_sdr_db(reference: AudioBuffer, estimate: AudioBuffer, accompaniment: AudioBuffer) -> float:
    """mir_eval BSS-eval SDR (dB) of the vocal estimate (mono, 16 kHz; sources vocal +
    accompaniment, the estimate's complement as the second estimated source)."""
    import mir_eval

    def mono16(buffer: AudioBuffer) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.asarray(buffer.resampled(16_000).mono(), dtype=np.float64)

    ref = np.stack([mono16(reference), mono16(accompaniment)])
    mix_minus = mono16(
        AudioBuffer.from_array(reference.samples + accompaniment.samples - estimate.samples, 44_100)
    )
    est = np.stack([mono16(estimate), mix_minus])
    n = min(ref.shape[1], est.shape[1])
    with warnings.catch_warnings():  # mir_eval 0.8 marks its separation module deprecated
        warnings.simplefilter("ignore", FutureWarning)
        sdr, _sir, _sar, _perm = mir_eval.separation.bss_eval_sources(
            ref[:, :n], est[:, :n], compute_permutation=False
        )
    return float(sdr[0])


# ----- the sections -----------------------------------------------------------------------------


def eval_tempo_key(pieces: Sequence[evalset.CorpusPiece], verbose: bool) -> tuple[Section, Section]:
    import mir_eval

    tempo, key = Section(), Section()
    for piece in pieces:
        audio = evalset.render_corpus_piece(piece)
        tempo.audio_s += audio.duration_s
        key.audio_s += audio.duration_s
        est = timed(lambda a=audio: estimate_tempo(a), tempo)  # type: ignore[misc]
        acc1, acc2 = tempo_accuracy(est.tempo_bpm, piece.tempo_bpm)
        tempo.rows.append(
            {
                "item": piece.name,
                "truth": piece.tempo_bpm,
                "estimate": round(est.tempo_bpm, 2),
                "acc1": acc1,
                "acc2": acc2,
            }
        )
        k = timed(lambda a=audio: estimate_key(a), key)  # type: ignore[misc]
        weighted = float(mir_eval.key.weighted_score(piece.key.name, k.name))
        verdict = "ok " if acc1 else ("x2 " if acc2 else "BAD")
        key.rows.append(
            {"item": piece.name, "truth": piece.key.name, "estimate": k.name, "weighted": weighted}
        )
        if verbose:
            print(
                f"  {piece.name:44s} tempo {piece.tempo_bpm:6.1f} -> {est.tempo_bpm:6.1f} {verdict}"
                f"  key {piece.key.name:9s} -> {k.name:9s} {weighted:.1f}",
                flush=True,
            )
    return tempo, key


def eval_notes(
    pieces: Sequence[evalset.CorpusPiece], midi_files: Sequence[Path], verbose: bool
) -> dict[str, Section]:
    import pretty_midi

    out = {
        "chorale (4 voices, piano)": Section(),
        "soprano line (piano)": Section(),
        "package MIDI files": Section(),
    }
    for piece in pieces:
        for label, part in (("chorale (4 voices, piano)", None), ("soprano line (piano)", 0)):
            section = out[label]
            reference = evalset.corpus_notes(piece, part=part)
            audio = evalset.render_corpus_piece(piece, program=0, part=part)
            section.audio_s += audio.duration_s
            scores = timed(lambda r=reference, a=audio: note_scores(r, a), section)  # type: ignore[misc]
            section.rows.append({"item": f"{piece.name} {label}", **scores})
            if verbose:
                print(
                    f"  {piece.name:44s} {label:26s} F1 {scores['f1']:.3f}"
                    f" (offsets {scores['f1_offset']:.3f})",
                    flush=True,
                )
    section = out["package MIDI files"]
    for path in midi_files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pm = pretty_midi.PrettyMIDI(str(path))
        pm.instruments = [i for i in pm.instruments if not i.is_drum and i.notes]
        for inst in pm.instruments:
            inst.program = 0  # a solo piano render of every pitched part
        reference = sorted(
            (int(n.pitch), float(n.start), float(n.end)) for i in pm.instruments for n in i.notes
        )
        audio = evalset.render_midi(pm)
        section.audio_s += audio.duration_s
        scores = timed(lambda r=reference, a=audio: note_scores(r, a), section)  # type: ignore[misc]
        section.rows.append({"item": f"{path.parent.name}/{path.name}", **scores})
        if verbose:
            print(
                f"  {path.parent.name + '/' + path.name:44s} {'package MIDI':26s} F1 {scores['f1']:.3f}",
                flush=True,
            )
    return out


def eval_songs(
    cases: Sequence[tuple[str, int, str]], duration_s: float, verbose: bool, bss: bool
) -> tuple[Section, Section]:
    sdr, align = Section(), Section()
    for tags, seed, lyrics in cases:
        song = evalset.sung_mix(tags, seed, lyrics, duration_s=duration_s)
        eval_song(song, sdr, align, verbose, bss)
    return sdr, align


def eval_chorus_songs(
    cases: Sequence[evalset.SongCaseWithSections], verbose: bool, bss: bool
) -> tuple[Section, Section]:
    """:func:`eval_song` on the longer songs with a verse and a chorus (lyrics with section tags)."""
    sdr, align = Section(), Section()
    for case in cases:
        eval_song(evalset.chorus_song(case), sdr, align, verbose, bss)
    return sdr, align


def eval_song(song: evalset.SungMix, sdr: Section, align: Section, verbose: bool, bss: bool) -> None:
    """Vocal SDR of the separation of ``song``'s mix, and lyric alignment of its mastered mix
    uploaded as WAV (and of its isolated vocal stem); one row each in ``sdr`` and ``align``."""
    true_vocal = song.stems["vocals"]
    accompaniment = AudioBuffer.from_array(song.mix.samples - true_vocal.samples, song.mix.sample_rate_hz)
    split = timed(lambda m=song.mix: separate_vocals(m), sdr)  # type: ignore[misc]
    sdr.audio_s += song.mix.duration_s
    row: dict[str, Any] = {
        "item": song.name,
        "sdr_db": round(sdr_db(true_vocal, split.vocals), 2),
        "sdr_accompaniment_db": round(sdr_db(accompaniment, split.accompaniment), 2),
    }
    if bss:
        row["bss_sdr_db"] = round(bss_sdr_db(true_vocal, split.vocals, accompaniment), 2)
    sdr.rows.append(row)
    upload = decode_audio(encode_wav(song.master), filename_hint="upload.wav")
    truth = [(word, start_s) for word, start_s, _ in song.words]
    in_mix = timed(lambda u=upload, s=song: align_lyrics_in_mix(u, s.lyrics), align)  # type: ignore[misc]
    align.audio_s += upload.duration_s
    isolated = align_lyrics(true_vocal, song.lyrics)
    arow = {
        "item": song.name,
        "duration_s": round(upload.duration_s, 1),
        "words": len(truth),
        "mae_mix_s": round(mean_start_error_s(in_mix, truth), 3),
        "mae_vocal_s": round(mean_start_error_s(isolated, truth), 3),
        "success_share": round(float(np.mean([w.success for w in in_mix])), 3),
    }
    align.rows.append(arow)
    if verbose:
        print(
            f"  {song.name:40s} vocal SDR {row['sdr_db']:6.2f} dB"
            + (f" (BSS {row['bss_sdr_db']:6.2f})" if bss else "")
            + f"  align MAE mix {arow['mae_mix_s']:.3f} s, vocal {arow['mae_vocal_s']:.3f} s",
            flush=True,
        )


# ----- the report -------------------------------------------------------------------------------


def _mean(rows: Sequence[dict[str, Any]], name: str) -> float:
    values = [float(r[name]) for r in rows if name in r]
    return float(np.mean(values)) if values else float("nan")


def _speed(section: Section) -> str:
    return f"{60 * section.seconds / section.audio_s:.2f} s/min" if section.audio_s else "-"


def listening_rows(sections: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Table rows of tempo, key and notes."""
    table: list[tuple[str, str, str, str, str]] = []
    tempo, key = sections["tempo"], sections["key"]
    n = len(tempo.rows)
    table.append(
        ("tempo Acc1 (±4 %)", f"{_mean(tempo.rows, 'acc1'):.3f}", str(n), "≥0.90 / 0.95", _speed(tempo))
    )
    table.append(("tempo Acc2 (octaves ok)", f"{_mean(tempo.rows, 'acc2'):.3f}", str(n), "", ""))
    table.append(
        ("key MIREX weighted", f"{_mean(key.rows, 'weighted'):.3f}", str(n), "≥0.80 / 0.85", _speed(key))
    )
    exact = float(np.mean([r["weighted"] == 1.0 for r in key.rows])) if key.rows else float("nan")
    table.append(("key exact", f"{exact:.3f}", str(n), "", ""))
    for label, section in sections["notes"].items():
        if not section.rows:
            continue
        m = len(section.rows)
        table.append(
            (
                f"note F1 onset: {label}",
                f"{_mean(section.rows, 'f1'):.3f}",
                str(m),
                "≥0.70 / 0.75",
                _speed(section),
            )
        )
        table.append((f"note F1 +offset: {label}", f"{_mean(section.rows, 'f1_offset'):.3f}", str(m), "", ""))
    return table


def song_rows(sdr: Section, align: Section, label: str) -> list[tuple[str, str, str, str, str]]:
    """Table rows of vocal separation and lyric alignment of one set of songs (``label`` prefixes
    the metric names)."""
    table: list[tuple[str, str, str, str, str]] = []
    k = len(sdr.rows)
    table.append(
        (f"{label}vocal SDR (MDX, dB)", f"{_mean(sdr.rows, 'sdr_db'):.2f}", str(k), "≥4 / 5 dB", _speed(sdr))
    )
    if any("bss_sdr_db" in r for r in sdr.rows):
        table.append(
            (f"{label}vocal SDR (BSS-eval, dB)", f"{_mean(sdr.rows, 'bss_sdr_db'):.2f}", str(k), "", "")
        )
    table.append(
        (
            f"{label}accompaniment SDR (MDX, dB)",
            f"{_mean(sdr.rows, 'sdr_accompaniment_db'):.2f}",
            str(k),
            "",
            "",
        )
    )
    table.append(
        (
            f"{label}align MAE, uploaded mix (s)",
            f"{_mean(align.rows, 'mae_mix_s'):.3f}",
            str(k),
            "≤0.5 / 0.3 s",
            _speed(align),
        )
    )
    worst = max((float(r["mae_mix_s"]) for r in align.rows), default=float("nan"))
    table.append((f"{label}align MAE, worst song (s)", f"{worst:.3f}", str(k), "≤0.5 s" if label else "", ""))
    table.append(
        (f"{label}align MAE, isolated vocal (s)", f"{_mean(align.rows, 'mae_vocal_s'):.3f}", str(k), "", "")
    )
    table.append(
        (f"{label}align words placed (success)", f"{_mean(align.rows, 'success_share'):.3f}", str(k), "", "")
    )
    return table


def report(sections: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Table rows: (metric, value, items, acceptance / goal, speed)."""
    table: list[tuple[str, str, str, str, str]] = []
    if "tempo" in sections:
        table += listening_rows(sections)
    if "sdr" in sections:
        table += song_rows(sections["sdr"], sections["align"], "")
    if "chorus_sdr" in sections:
        table += song_rows(sections["chorus_sdr"], sections["chorus_align"], sections["chorus_label"])
    return table


def print_table(table: Sequence[tuple[str, str, str, str, str]]) -> None:
    header = ("metric", "value", "n", "accept / goal", "analysis speed")
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(5)]
    line = "  ".join("-" * w for w in widths)
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(line)


def eval_listening(
    args: argparse.Namespace, verbose: bool, n_tempo: int, n_notes: int, max_s: float
) -> dict[str, Any]:
    """Tempo, key and notes on the music21 corpus and package MIDI files."""
    # Warm-up (numba JIT, the ONNX model, PocketSphinx) outside the timings.
    warm = evalset.drum_pattern(120.0, "backbeat", duration_s=4.0)
    estimate_tempo(warm), estimate_key(warm), transcribe_notes(warm)

    tempo_range = (float(args.tempo_range[0]), float(args.tempo_range[1]))
    pieces = evalset.corpus_pieces(n_tempo, seed=args.seed, max_duration_s=max_s, tempo_range_bpm=tempo_range)
    print(
        f"== tempo and key: {len(pieces)} Bach chorales (music21 corpus), random tempo/transposition/program",
        flush=True,
    )
    tempo, key = eval_tempo_key(pieces, verbose)
    print(f"== notes: {n_notes} chorales and their soprano lines on piano, package MIDI files", flush=True)
    midi_files = evalset.package_midi_files()[: (4 if args.quick else None)]
    note_pieces = evalset.corpus_pieces(
        n_notes, seed=args.seed + 1, max_duration_s=max_s, tempo_range_bpm=tempo_range
    )
    notes = eval_notes(note_pieces, midi_files, verbose)
    return {"tempo": tempo, "key": key, "notes": notes}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a small corpus (a few minutes on 2 cores)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (tempi, transpositions, programs)")
    parser.add_argument(
        "--tempo-range",
        type=float,
        nargs=2,
        default=(70.0, 140.0),
        metavar=("MIN_BPM", "MAX_BPM"),
        help="quarter-note tempi of the chorales (default 70 140, as in research/audio-stack.md)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write every per-item number here")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    parser.add_argument(
        "--songs", action="store_true", help="only our own sung songs (vocal SDR, lyric alignment)"
    )
    parser.add_argument(
        "--chorus-set",
        choices=("reported", "tuning", "none"),
        default="reported",
        help="the longer verse + chorus songs: the reported set (default), the set the aligner was"
        " tuned on, or none",
    )
    args = parser.parse_args(argv)
    verbose = not args.quiet
    n_tempo, n_notes, n_songs, n_chorus, max_s = (
        (8, 3, 2, 2, 20.0)
        if args.quick
        else (40, 12, len(evalset.SUNG_CASES), len(evalset.CHORUS_REPORTED_CASES), 30.0)
    )
    started = time.perf_counter()
    sections: dict[str, Any] = {}
    if not args.songs:
        sections.update(eval_listening(args, verbose, n_tempo, n_notes, max_s))
    print(f"== our own sung songs: {n_songs} of 15 s, one verse (vocal SDR, lyric alignment)", flush=True)
    sections["sdr"], sections["align"] = eval_songs(evalset.SUNG_CASES[:n_songs], 15.0, verbose, bss=True)
    if args.chorus_set != "none":
        chorus = (
            evalset.CHORUS_TUNING_CASES if args.chorus_set == "tuning" else evalset.CHORUS_REPORTED_CASES
        )[:n_chorus]
        print(
            f"== our own sung songs: {len(chorus)} of 30–55 s with a verse and a chorus"
            f" ({args.chorus_set} set; vocal SDR, lyric alignment)",
            flush=True,
        )
        sections["chorus_sdr"], sections["chorus_align"] = eval_chorus_songs(chorus, verbose, bss=True)
        sections["chorus_label"] = "chorus songs: "
    table = report(sections)
    print(
        f"\n== results ({'quick' if args.quick else 'full'}, seed {args.seed};"
        f" {time.perf_counter() - started:.0f} s in all)"
    )
    print_table(table)
    if args.json is not None:
        dump = {
            "table": table,
            **{k: v.rows for k, v in sections.items() if isinstance(v, Section)},
            "notes": {k: v.rows for k, v in sections.get("notes", {}).items()},
        }
        args.json.write_text(json.dumps(dump, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
