"""The Score: the symbolic source of truth for a song.

Everything the engine knows about a song lives here: tempo map, meter, key, sections, chords, one
track of notes per instrument and the vocal line. Stems, MIDI, BPM, key and the lyrics timeline
are all derived from it, exactly.

Time conventions:

- A **beat** is a quarter note, whatever the meter (MIDI's convention). A bar of 3/4 has 3 beats,
  a bar of 6/8 has 3 beats (six eighths), a bar of 4/4 has 4.
- Note and chord positions are in beats from the start of the song (``start_beat``,
  ``length_beats``); :meth:`Score.seconds_at` and :meth:`Score.beat_at` convert through the tempo
  map. Section boundaries are in bars.
- ``duration_s`` is the length of the rendered audio, which may exceed the last note (ring-out).
"""

from __future__ import annotations

import io
import json
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import mido

from tunesmith.errors import InvalidParameter
from tunesmith.music.theory.keys import Key, parse_key

SCORE_FORMAT_VERSION = 1

StemGroup = Literal[
    "vocals",
    "backing_vocals",
    "drums",
    "bass",
    "guitar",
    "keyboard",
    "strings",
    "brass",
    "woodwinds",
    "percussion",
    "synth",
    "fx",
]
STEM_GROUPS: tuple[StemGroup, ...] = (
    "vocals",
    "backing_vocals",
    "drums",
    "bass",
    "guitar",
    "keyboard",
    "strings",
    "brass",
    "woodwinds",
    "percussion",
    "synth",
    "fx",
)
"""Every stem a bundle can hold, in the contract's order."""

Role = Literal["drums", "percussion", "bass", "chords", "pad", "lead", "arp", "counter", "fx"]
"""What a track does in the arrangement.

- ``drums``/``percussion``: GM drum-kit notes (channel 10).
- ``bass``: the bass line.  ``chords``: rhythmic comping.  ``pad``: sustained harmony.
- ``lead``: the instrumental hook/melody.  ``arp``: broken-chord figures.
- ``counter``: a counter-melody.  ``fx``: risers, impacts, textures.
"""

SectionKind = Literal[
    "intro",
    "verse",
    "pre_chorus",
    "chorus",
    "post_chorus",
    "bridge",
    "breakdown",
    "drop",
    "solo",
    "instrumental",
    "outro",
]
SECTION_KINDS: tuple[SectionKind, ...] = (
    "intro",
    "verse",
    "pre_chorus",
    "chorus",
    "post_chorus",
    "bridge",
    "breakdown",
    "drop",
    "solo",
    "instrumental",
    "outro",
)


@dataclass(frozen=True)
class Note:
    """One note. ``pitch`` is a MIDI number (60 = C4); for drum tracks it is the GM drum key."""

    pitch: int
    start_beat: float
    length_beats: float
    velocity: int

    @property
    def end_beat(self) -> float:
        return self.start_beat + self.length_beats


@dataclass(frozen=True)
class VocalNote:
    """A sung note carrying (part of) a syllable.

    ``syllable`` is the text sung on this note (``""`` for the continuation of a melisma);
    ``word_index`` counts sung words from 0 across the whole song, ``line_index`` counts lyric
    lines, ``word`` is the whole word as written. ``phonemes`` are ARPAbet symbols (with stress
    digits) of the syllable, empty when unknown.
    """

    pitch: int
    start_beat: float
    length_beats: float
    velocity: int
    syllable: str
    word: str
    word_index: int
    line_index: int
    phonemes: tuple[str, ...] = ()
    backing: bool = False

    @property
    def end_beat(self) -> float:
        return self.start_beat + self.length_beats


@dataclass(frozen=True)
class Chord:
    """A chord over ``[start_beat, start_beat + length_beats)``.

    ``root_pc`` is a pitch class, ``quality`` one of ``maj, min, dim, aug, sus2, sus4, 7, maj7,
    min7, m7b5, dim7, 6, min6, 9, maj9, min9, add9, 5``; ``bass_pc`` is the bass note for slash
    chords (else the root). ``symbol`` is the printable name, e.g. ``"Am7"`` or ``"C/E"``;
    ``numeral`` the roman numeral it came from (``"vi"``), if any.
    """

    start_beat: float
    length_beats: float
    root_pc: int
    quality: str
    symbol: str
    bass_pc: int | None = None
    numeral: str = ""

    @property
    def end_beat(self) -> float:
        return self.start_beat + self.length_beats


@dataclass(frozen=True)
class Section:
    """A section of the form. ``kind`` is its function, ``label`` its display name ("Verse 2")."""

    kind: SectionKind
    label: str
    start_bar: int
    bars: int
    energy: float
    """0 (sparsest) … 1 (fullest): drives arrangement density and dynamics."""

    @property
    def end_bar(self) -> int:
        return self.start_bar + self.bars


@dataclass(frozen=True)
class TempoChange:
    """From ``beat`` on, the tempo is ``tempo_bpm`` quarter notes per minute."""

    beat: float
    tempo_bpm: float


@dataclass
class Track:
    """One instrument's notes plus how it is rendered and mixed.

    ``program`` is the General MIDI program 0–127 (for drum tracks: the drum-kit preset of bank
    128, e.g. 0 Standard, 16 Power, 25 TR-808, 40 Brush). ``pan`` is −1 (left) … 1 (right).
    ``reverb_send`` is 0–1. ``effects`` names extra inserts the mixer knows (e.g. ``"drive"``,
    ``"chorus"``, ``"lofi"``, ``"sidechain"``).
    """

    name: str
    role: Role
    group: StemGroup
    program: int
    is_drum: bool = False
    notes: list[Note] = field(default_factory=list)
    gain_db: float = 0.0
    pan: float = 0.0
    reverb_send: float = 0.2
    effects: tuple[str, ...] = ()


@dataclass(frozen=True)
class MixSettings:
    """Per-song mix and master choices taken from the style (all optional to the renderer).

    ``brightness_db`` is a high-shelf gain on the master, ``low_end_db`` a low-shelf gain,
    ``reverb_room`` the reverb room size 0–1, ``reverb_wet`` the reverb return level 0–1,
    ``compression`` the bus-compression amount 0–1, ``width`` the stereo width 0–1.5,
    ``delay_beats`` the delay time of the send delay (0 = no delay).
    """

    brightness_db: float = 0.0
    low_end_db: float = 0.0
    reverb_room: float = 0.4
    reverb_wet: float = 0.25
    compression: float = 0.5
    width: float = 1.0
    delay_beats: float = 0.0
    lofi: float = 0.0


@dataclass
class Score:
    """A whole song, symbolically. See the module docstring for time conventions."""

    title: str
    tags: str
    genre: str
    key: Key
    meter: tuple[int, int]
    tempo_map: list[TempoChange]
    sections: list[Section]
    chords: list[Chord]
    tracks: list[Track]
    duration_s: float
    seed: int
    vocals: list[VocalNote] = field(default_factory=list)
    lyrics: str = ""
    """The lyrics as sung, with section tags; ``""`` for instrumentals."""
    vocal_gender: Literal["f", "m"] | None = None
    swing: float = 0.0
    """0 = straight … 1 = full triplet swing of off-beat eighths (already applied to note times)."""
    mix: MixSettings = field(default_factory=MixSettings)
    moods: tuple[str, ...] = ()
    estimated: bool = False
    """True when the Score was estimated from audio (uploads) rather than composed."""

    # ---- time ---------------------------------------------------------------------------------

    @property
    def tempo_bpm(self) -> float:
        """The song's main tempo: the tempo that covers the most beats."""
        if len(self.tempo_map) == 1:
            return self.tempo_map[0].tempo_bpm
        spans: dict[float, float] = {}
        end = self.total_beats
        for i, change in enumerate(self.tempo_map):
            stop = self.tempo_map[i + 1].beat if i + 1 < len(self.tempo_map) else end
            spans[change.tempo_bpm] = spans.get(change.tempo_bpm, 0.0) + max(0.0, stop - change.beat)
        return max(spans, key=lambda t: spans[t])

    @property
    def beats_per_bar(self) -> float:
        """Quarter-note beats in one bar (4/4 → 4, 3/4 → 3, 6/8 → 3, 7/8 → 3.5)."""
        numerator, denominator = self.meter
        return numerator * 4.0 / denominator

    @property
    def total_bars(self) -> int:
        return self.sections[-1].end_bar if self.sections else 0

    @property
    def total_beats(self) -> float:
        return self.total_bars * self.beats_per_bar

    def seconds_at(self, beat: float) -> float:
        """Absolute time in seconds of ``beat`` (beats before 0 extrapolate the first tempo)."""
        seconds = 0.0
        for i, change in enumerate(self.tempo_map):
            next_beat = self.tempo_map[i + 1].beat if i + 1 < len(self.tempo_map) else float("inf")
            if beat <= next_beat or i == len(self.tempo_map) - 1:
                return seconds + (beat - change.beat) * 60.0 / change.tempo_bpm
            seconds += (next_beat - change.beat) * 60.0 / change.tempo_bpm
        return seconds

    def beat_at(self, seconds: float) -> float:
        """The beat position at ``seconds`` (inverse of :meth:`seconds_at`)."""
        elapsed = 0.0
        for i, change in enumerate(self.tempo_map):
            next_beat = self.tempo_map[i + 1].beat if i + 1 < len(self.tempo_map) else float("inf")
            span_s = (next_beat - change.beat) * 60.0 / change.tempo_bpm
            if seconds <= elapsed + span_s or i == len(self.tempo_map) - 1:
                return change.beat + (seconds - elapsed) * change.tempo_bpm / 60.0
            elapsed += span_s
        return 0.0

    def bar_start_beat(self, bar: int) -> float:
        return bar * self.beats_per_bar

    def section_at_beat(self, beat: float) -> Section | None:
        bar = int(beat // self.beats_per_bar)
        starts = [s.start_bar for s in self.sections]
        i = bisect_right(starts, bar) - 1
        return self.sections[i] if 0 <= i < len(self.sections) and bar < self.sections[i].end_bar else None

    # ---- derived facts ------------------------------------------------------------------------

    @property
    def time_signature(self) -> str:
        return f"{self.meter[0]}/{self.meter[1]}"

    @property
    def stem_groups(self) -> list[StemGroup]:
        """The stem groups that carry notes, in :data:`STEM_GROUPS` order."""
        used = {t.group for t in self.tracks if t.notes}
        if any(not v.backing for v in self.vocals):
            used.add("vocals")
        if any(v.backing for v in self.vocals):
            used.add("backing_vocals")
        return [g for g in STEM_GROUPS if g in used]

    # ---- JSON ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` inverts it exactly."""
        data = asdict(self)
        data["key"] = self.key.name
        data["meter"] = list(self.meter)
        data["format_version"] = SCORE_FORMAT_VERSION
        data["tempo_bpm"] = self.tempo_bpm
        data["time_signature"] = self.time_signature
        data["moods"] = list(self.moods)
        for track in data["tracks"]:
            track["effects"] = list(track["effects"])
            track["notes"] = [
                [n["pitch"], n["start_beat"], n["length_beats"], n["velocity"]] for n in track["notes"]
            ]
        for vocal in data["vocals"]:
            vocal["phonemes"] = list(vocal["phonemes"])
        return data

    def to_json(self) -> bytes:
        """Canonical UTF-8 JSON (sorted keys, no NaN): equal Scores give identical bytes."""
        return json.dumps(
            self.to_dict(), sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        try:
            return cls(
                title=data["title"],
                tags=data["tags"],
                genre=data["genre"],
                key=parse_key(data["key"]),
                meter=(int(data["meter"][0]), int(data["meter"][1])),
                tempo_map=[TempoChange(**t) for t in data["tempo_map"]],
                sections=[Section(**s) for s in data["sections"]],
                chords=[Chord(**c) for c in data["chords"]],
                tracks=[
                    Track(
                        **{k: v for k, v in t.items() if k not in ("notes", "effects")},
                        effects=tuple(t["effects"]),
                        notes=[
                            Note(int(p), float(s), float(length), int(v)) for p, s, length, v in t["notes"]
                        ],
                    )
                    for t in data["tracks"]
                ],
                duration_s=float(data["duration_s"]),
                seed=int(data["seed"]),
                vocals=[VocalNote(**{**v, "phonemes": tuple(v["phonemes"])}) for v in data["vocals"]],
                lyrics=data.get("lyrics", ""),
                vocal_gender=data.get("vocal_gender"),
                swing=float(data.get("swing", 0.0)),
                mix=MixSettings(**data.get("mix", {})),
                moods=tuple(data.get("moods", ())),
                estimated=bool(data.get("estimated", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidParameter(f"Malformed score: {exc}", field="score") from exc

    @classmethod
    def from_json(cls, data: bytes | str) -> Score:
        return cls.from_dict(json.loads(data))

    # ---- MIDI ---------------------------------------------------------------------------------

    def to_midi(self, *, ticks_per_beat: int = 480) -> bytes:
        """Type-1 Standard MIDI File bytes.

        Track 0 holds the tempo map, time signature, key signature and section markers; then one
        track per instrument (named as the Track, program change on its channel; drums on channel
        10), then ``vocals`` and ``backing_vocals`` tracks whose syllables are lyric meta events.
        """
        midi = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)

        def tick(beat: float) -> int:
            return max(0, round(beat * ticks_per_beat))

        conductor: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
        conductor.append((0, 0, mido.MetaMessage("track_name", name=self.title or "tunesmith")))
        numerator, denominator = self.meter
        conductor.append(
            (0, 1, mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator))
        )
        conductor.append((0, 2, mido.MetaMessage("key_signature", key=_midi_key_name(self.key))))
        for change in self.tempo_map:
            conductor.append(
                (tick(change.beat), 3, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(change.tempo_bpm)))
            )
        for section in self.sections:
            conductor.append(
                (
                    tick(self.bar_start_beat(section.start_bar)),
                    4,
                    mido.MetaMessage("marker", text=section.label),
                )
            )
        midi.tracks.append(_to_track(conductor))

        channel = 0
        for track in self.tracks:
            if not track.notes:
                continue
            if track.is_drum:
                ch = 9
            else:
                ch = channel
                channel += 1
                if channel == 9:
                    channel = 10
                ch = min(ch, 15)
            events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
                (0, 0, mido.MetaMessage("track_name", name=track.name)),
                (0, 1, mido.Message("program_change", channel=ch, program=track.program % 128)),
            ]
            for note in track.notes:
                pitch = min(127, max(0, note.pitch))
                events.append(
                    (
                        tick(note.start_beat),
                        3,
                        mido.Message(
                            "note_on", channel=ch, note=pitch, velocity=min(127, max(1, note.velocity))
                        ),
                    )
                )
                events.append(
                    (tick(note.end_beat), 2, mido.Message("note_off", channel=ch, note=pitch, velocity=0))
                )
            midi.tracks.append(_to_track(events))

        for name, backing in (("vocals", False), ("backing_vocals", True)):
            line = [v for v in self.vocals if v.backing == backing]
            if not line:
                continue
            ch = min(channel, 15)
            channel += 1
            events = [
                (0, 0, mido.MetaMessage("track_name", name=name)),
                (0, 1, mido.Message("program_change", channel=ch, program=53 if backing else 54)),
            ]
            for v in line:
                pitch = min(127, max(0, v.pitch))
                if v.syllable:
                    events.append((tick(v.start_beat), 2, mido.MetaMessage("lyrics", text=v.syllable)))
                events.append(
                    (
                        tick(v.start_beat),
                        3,
                        mido.Message(
                            "note_on", channel=ch, note=pitch, velocity=min(127, max(1, v.velocity))
                        ),
                    )
                )
                events.append(
                    (tick(v.end_beat), 1, mido.Message("note_off", channel=ch, note=pitch, velocity=0))
                )
            midi.tracks.append(_to_track(events))

        buffer = io.BytesIO()
        midi.save(file=buffer)
        return buffer.getvalue()


def _midi_key_name(key: Key) -> str:
    """mido's key-signature name: major and minor only, other modes by their relative major."""
    if key.mode in ("minor", "harmonic minor"):
        return key.name.split()[0] + "m"
    if key.mode == "major":
        return key.name.split()[0]
    offsets = {"dorian": 2, "phrygian": 4, "lydian": 5, "mixolydian": 7, "locrian": 11}
    major = Key((key.tonic_pc - offsets[key.mode]) % 12, "major")
    return major.name.split()[0]


def _to_track(events: list[tuple[int, int, mido.Message | mido.MetaMessage]]) -> mido.MidiTrack:
    """Absolute (tick, order, message) events → a delta-timed track; offs sort before ons."""
    track = mido.MidiTrack()
    now = 0
    for at, _order, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=at - now))
        now = at
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track
