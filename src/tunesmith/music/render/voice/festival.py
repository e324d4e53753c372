"""Festival speech synthesis of phrases whose syllables we dictate, with segment timings.

Every sung word gets a private lexicon entry (a made-up token such as ``zqab``) carrying *our*
syllables and phonemes, so Festival speaks exactly the syllables the melody was fitted to and
reports, per syllable, each phone's start and end. One Festival process renders all phrases of a
call. Voices (Debian, licence-clean): ``cmu_us_slt_arctic_hts`` (female, 32 kHz, HTS) and
``kal_diphone`` (male, 16 kHz, diphone).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from tunesmith.errors import JobFailed

__all__ = ["FESTIVAL_VOICES", "Phone", "SpokenPhrase", "festival_available", "speak_phrases"]

DURATION_STRETCH = 1.15
"""Festival speaks this much slower than its default (sung syllables are long)."""

FESTIVAL_VOICES = {"f": "cmu_us_slt_arctic_hts", "m": "kal_diphone"}
"""The Festival voice for each vocal gender."""

FESTIVAL_HEAP_CELLS = 2_000_000
"""Festival's Lisp heap (cells; its default is 10 000 000). Allocating and touching the default
heap costs ≈ 0.13 CPU s per process start — more than synthesising a line with ``kal``; 2 M cells
cost ≈ 0.03 s. Measured: identical waves and labels for the 3-minute benchmark song, and for 30
utterances of 80 words each (garbage collection reclaims each utterance) down to 400 000 cells."""

_VOWELS = frozenset(
    [
        "aa",
        "ae",
        "ah",
        "ao",
        "aw",
        "ax",
        "axr",
        "ay",
        "eh",
        "el",
        "em",
        "en",
        "er",
        "ey",
        "ih",
        "iy",
        "ow",
        "oy",
        "uh",
        "uw",
    ]
)


@dataclass(frozen=True)
class Phone:
    name: str
    start_s: float
    end_s: float

    @property
    def is_vowel(self) -> bool:
        return self.name in _VOWELS


@dataclass(frozen=True)
class SpokenPhrase:
    """Festival's rendering of one phrase: mono samples and the phones of each syllable."""

    samples: npt.NDArray[np.float64]
    sample_rate_hz: int
    syllables: list[list[Phone]]


@functools.cache
def festival_available() -> bool:
    """True when the ``festival`` binary is installed."""
    return shutil.which("festival") is not None


def _arpabet_to_festival(phone: str) -> str:
    base = phone.rstrip("012").lower()
    if base == "ah" and phone.endswith("0"):
        return "ax"
    return base


def _token(n: int) -> str:
    letters = "abcdefghijklmnoprstuvw"
    out = ""
    n += len(letters)
    while n:
        n, r = divmod(n, len(letters))
        out = letters[r] + out
    return "zq" + out


_SCHEME_DUMP = """
(define (tsdump utt fname)
  (utt.save.wave utt fname 'riff)
  (format t "U %s\\n" fname)
  (mapcar (lambda (w)
     (mapcar (lambda (s)
        (format t "S\\n")
        (mapcar (lambda (p) (format t "P %s %f %f\\n" (item.name p) (item.feat p "segment_start")
                                    (item.feat p "end")))
                (item.daughters s)))
       (item.daughters (item.relation w 'SylStructure))))
   (utt.relation.items utt 'Word))
  (format t "END\\n"))
"""


def speak_phrases(phrases: list[list[list[tuple[str, ...]]]], *, gender: str) -> list[SpokenPhrase]:
    """Speak each phrase: a phrase is a list of words, a word a list of syllables (ARPAbet phones).

    Returns one :class:`SpokenPhrase` per phrase, in order. Raises :class:`JobFailed` when Festival
    is missing or fails.
    """
    exe = shutil.which("festival")
    if exe is None:
        raise JobFailed("The singer needs Festival (Debian package 'festival' and its voices).")
    voice = FESTIVAL_VOICES["m" if gender == "m" else "f"]
    entries: dict[tuple[tuple[str, ...], ...], str] = {}
    with tempfile.TemporaryDirectory(prefix="tunesmith-voice-") as tmp:
        header = [f"(voice_{voice})", f"(Parameter.set 'Duration_Stretch {DURATION_STRETCH})", _SCHEME_DUMP]
        texts = []
        for phrase in phrases:
            tokens = []
            for word in phrase:
                key = tuple(tuple(_arpabet_to_festival(p) for p in syl) or ("ax",) for syl in word)
                if key not in entries:
                    entries[key] = _token(len(entries))
                    sylls = " ".join(
                        f"(({' '.join(s)}) {1 if any(p.endswith(('1', '2')) for p in orig) else 0})"
                        for s, orig in zip(key, word or [("AH0",)], strict=False)
                    )
                    header.append(f'(lex.add.entry \'("{entries[key]}" nil ({sylls})))')
                tokens.append(entries[key])
            texts.append(" ".join(tokens) or "zqzz")
        # two Festival processes (the machine's two cores) share the phrases, interleaved
        workers = 2 if len(texts) >= 4 else 1
        procs: list[tuple[list[int], subprocess.Popen[bytes]]] = []
        try:
            for w in range(workers):
                mine = list(range(w, len(texts), workers))
                lines = [*header]
                for i in mine:
                    lines.append(f'(tsdump (utt.synth (Utterance Text "{texts[i]}")) "{tmp}/p{i}.wav")')
                script = Path(tmp) / f"song{w}.scm"
                script.write_text("\n".join(lines) + "\n", encoding="utf-8")
                # output goes to files, not pipes: a full pipe would stall the other process
                with (
                    (Path(tmp) / f"out{w}.txt").open("wb") as out,
                    (Path(tmp) / f"err{w}.txt").open("wb") as err,
                ):
                    command = [exe, "--heap", str(FESTIVAL_HEAP_CELLS), "-b", str(script)]
                    procs.append((mine, subprocess.Popen(command, stdout=out, stderr=err)))
            results: dict[int, SpokenPhrase] = {}
            errors = ""
            for w, (mine, proc) in enumerate(procs):
                proc.wait(timeout=600)
                errors += (Path(tmp) / f"err{w}.txt").read_text("utf-8", "replace")[-300:]
                stdout = (Path(tmp) / f"out{w}.txt").read_text("utf-8", "replace")
                for i, said in zip(mine, _parse(stdout), strict=False):
                    results[i] = said
        except (OSError, subprocess.SubprocessError) as exc:
            for _mine, proc in procs:
                proc.kill()
            raise JobFailed(f"Festival failed: {exc}") from exc
        if len(results) != len(phrases):
            raise JobFailed(f"Festival rendered {len(results)} of {len(phrases)} phrases: {errors}")
        return [results[i] for i in range(len(phrases))]


def _parse(stdout: str) -> list[SpokenPhrase]:
    out: list[SpokenPhrase] = []
    current: list[list[Phone]] = []
    wav = ""
    for raw in stdout.splitlines():
        parts = raw.split()
        if not parts:
            continue
        if parts[0] == "U":
            wav, current = parts[1], []
        elif parts[0] == "S":
            current.append([])
        elif parts[0] == "P" and current:
            current[-1].append(Phone(parts[1], float(parts[2]), float(parts[3])))
        elif parts[0] == "END":
            data, rate = sf.read(wav, dtype="float64", always_2d=False)
            out.append(SpokenPhrase(np.asarray(data, dtype=np.float64), int(rate), current))
    return out
