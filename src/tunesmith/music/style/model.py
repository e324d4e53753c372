"""The schema of the style knowledge base, shared by the data files, tag parsing and the composer.

The knowledge base is data (``style/data/*.toml``) that a musician can read and extend. This module
declares its shape and the closed vocabularies that connect it to the composer: every groove,
bass style and comping pattern a genre names must be one the composer implements
(:data:`GROOVES`, :data:`BASS_STYLES`, :data:`COMP_PATTERNS`). A test checks every data file
against these lists.

Units: tempos in BPM (quarter notes per minute), gains in dB, pans −1…1, sends and densities 0…1,
registers as MIDI note numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tunesmith.music.score import MixSettings, Role, StemGroup

Groove = Literal[
    "none",  # no drums at all (ambient, solo piano, classical)
    "pop_basic",  # kick 1 & 3 (+ syncopation), snare 2 & 4, 8th hats
    "pop_driving",  # chorus lift: kick on every beat-ish, open hats/ride 8ths, snare 2 & 4
    "ballad",  # sparse kick, cross-stick/soft snare on 3 or 2 & 4, quarter hats
    "four_on_floor",  # house/edm: kick every beat, open hat on off-beats, clap 2 & 4
    "disco",  # four on the floor + 16th hats with open hat on the off-beats
    "techno",  # four on the floor, 16th closed hats, rim/clap accents
    "rock_eighths",  # rock: kick 1 & 3 (+ & of 3), snare 2 & 4, 8th hats
    "rock_driving",  # chorus rock: 8th ride/crash, kick doubles, snare 2 & 4
    "punk_fast",  # fast alternating kick/snare 8ths, crash-ride 8ths
    "metal_double_kick",  # 16th double kick, snare 2 & 4, china/crash
    "half_time",  # snare on beat 3 only, heavy kick
    "boom_bap",  # hip hop: kick 1 and & of 2, snare 2 & 4, swung 8th hats
    "trap",  # half-time clap/snare on 3, sparse 808 kick, 16th/32nd hat rolls
    "rnb_slow",  # laid-back R&B: syncopated kick, snare 2 & 4, 16th hats with gaps
    "funk_sixteenths",  # funk: syncopated kick, ghosted snare, 16th hats
    "dnb_two_step",  # drum and bass at ~174: kick 1 and & of 3, snare 2 & 4, fast hats
    "breakbeat",  # an amen-style broken beat
    "dubstep_half",  # ~140 half-time: kick 1, snare 3, sparse hats
    "reggae_one_drop",  # kick + rim on beat 3, hats on off-beats
    "dembow",  # reggaeton: kick 4-on-floor, snare on the 3-3-2 dembow figure
    "afrobeat",  # afrobeats/afrobeat: syncopated kick, rim/shaker patterns
    "bossa_nova",  # bossa: rim-click clave, brushed 8ths, kick on 1 and & of 2
    "jazz_swing",  # ride spang-a-lang, hat on 2 & 4, feathered kick
    "brush_ballad",  # brushes: swirl-like quarter/8th snare, soft kick
    "shuffle",  # blues/rock shuffle: triplet hats, snare 2 & 4
    "country_train",  # train beat: 16th snare with accents, kick 1 & 3
    "waltz",  # 3/4: kick on 1, snare/hat on 2 and 3
    "six_eight",  # 6/8 ballad feel: kick on 1, snare on 4 (of 6 eighths), 8th hats
    "lofi",  # swung, soft boom-bap with rim and dusty hats
    "synthwave",  # gated-reverb snare 2 & 4, driving 8th/16th hats, kick 1 & 3 or 4-floor
    "chiptune",  # 8-bit style: noise-hat 8ths, kick/snare alternate
    "gospel",  # gospel/soul: heavy backbeat with ghost notes and tom fills
    "latin",  # salsa/latin: cascara/cowbell, kick on & of 2 and 4 (tumbao feel)
    "cinematic",  # orchestral: timpani/taiko hits and toms on strong beats, builds
    "kpop",  # tight pop/edm hybrid: 4-floor chorus, syncopated verse kicks, claps
]
"""Every drum groove the composer implements. A genre names one per section kind."""

BassStyle = Literal[
    "none",
    "root_whole",  # one long root per chord
    "root_eighths",  # driving root 8ths (pop-punk, rock)
    "root_fifth",  # root on 1, fifth on 3 (country, folk, two-beat)
    "octave_eighths",  # disco/funk octaves on the 8ths
    "walking",  # jazz walking quarters with chromatic approach notes
    "funk_syncopated",  # 16th syncopation, ghost notes, octave pops
    "sub_808",  # trap 808: long sub notes following the kick, with glides
    "reggae",  # one-drop melodic bass, rest on beat 1
    "tumbao",  # latin: anticipations on & of 2 and 4
    "rock_pedal",  # 8th root pedal following the kick
    "arpeggiated",  # synth arpeggio bass through chord tones (synthwave, trance)
    "pedal_long",  # sustained root/pedal notes (ambient, cinematic)
    "bossa",  # root-fifth dotted figure
    "boom_bap",  # follows the kick, short notes with slides
    "reese",  # dnb/dubstep long detuned sub notes, half-time movement
    "waltz",  # root on 1 of each 3/4 bar, fifth on the next bar
    "pop_syncopated",  # modern pop: root with syncopated pushes on & of 2 / & of 4
]
"""Every bass-line style the composer implements."""

CompPattern = Literal[
    "sustain",  # hold each chord for its whole length
    "block_quarters",  # chord on every beat
    "block_eighths",  # chord on every 8th
    "offbeat_skank",  # reggae/ska: short chords on the off-beats
    "strum_folk",  # acoustic strum pattern down-down-up-up-down-up
    "power_chords",  # root + fifth (+ octave) 8ths, palm-muted feel
    "arpeggio_up",  # broken chord upwards in 8ths
    "arpeggio_updown",  # broken chord up and down in 8ths or 16ths
    "broken_ballad",  # piano ballad: bass note then broken chord
    "stabs",  # house/edm off-beat stabs
    "funk_chops",  # short syncopated 16th chops
    "bossa_comp",  # bossa nova syncopated guitar comping
    "jazz_comp",  # shell voicings, syncopated (Charleston) comping
    "waltz_oompah",  # 3/4: chord on beats 2 and 3
    "tremolo",  # string tremolo: repeated 16ths
    "pulse_eighths",  # synthwave/pop 8th-note pulses
    "chiptune_arp",  # very fast 16th/32nd arpeggios
    "gospel_stride",  # gospel/stride piano: bass-chord alternation with passing chords
]
"""Every comping (accompaniment) pattern the composer implements, for roles chords/pad/arp."""

GROOVES: tuple[str, ...] = Groove.__args__  # type: ignore[attr-defined]
BASS_STYLES: tuple[str, ...] = BassStyle.__args__  # type: ignore[attr-defined]
COMP_PATTERNS: tuple[str, ...] = CompPattern.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class InstrumentPart:
    """An instrument a genre uses.

    ``name`` becomes the track name (unique within the genre, e.g. ``"piano"``, ``"lead_synth"``).
    ``program`` is the GM program (for role drums/percussion: the bank-128 drum-kit preset).
    ``comp`` is the comping pattern for roles chords/pad/arp (ignored otherwise).
    ``register`` is the (lowest, highest) MIDI note the part plays.
    ``enter_energy``: the part plays in sections whose energy is at least this (0 = always).
    ``effects`` are mixer inserts (``"drive"`` for distorted guitars, ``"chorus"``, ``"lofi"``,
    ``"sidechain"``).
    """

    name: str
    role: Role
    group: StemGroup
    program: int
    comp: CompPattern = "sustain"
    register: tuple[int, int] = (48, 72)
    enter_energy: float = 0.0
    gain_db: float = 0.0
    pan: float = 0.0
    reverb_send: float = 0.2
    effects: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    """Tag words that name this instrument ("keys", "rhodes" …)."""


@dataclass(frozen=True)
class Genre:
    """A genre or sub-genre, as a musician would describe how to play it.

    - ``tempo_bpm``: the (low, high) range the composer picks from.
    - ``meter``: (numerator, denominator), e.g. (4, 4), (3, 4), (6, 8), (12, 8).
    - ``swing``: 0 straight … 1 full triplet swing of the off-beat ``swing_unit_beats`` notes.
    - ``modes``: relative weights of modes (keys of ``theory.keys.MODE_INTERVALS``).
    - ``progressions``: per section kind (plus ``"default"``), candidate chord loops in roman
      numerals relative to the chosen mode (upper case major, lower case minor; suffixes like
      ``7``, ``maj7``, ``sus4``, ``°``, ``/3``; ``bVII`` style borrowed chords).
    - ``harmonic_rhythm_beats``: how long each chord lasts by default (4 = one per 4/4 bar).
    - ``grooves``: the drum groove per section kind (plus ``"default"``); ``fill``: the groove
      family's fill style at section ends (``"toms"``, ``"snare_roll"``, ``"none"``, ``"build"``).
    - ``drum_kit``: the bank-128 kit preset (0 Standard, 8 Room, 16 Power, 24 Electronic,
      25 TR-808, 32 Jazz, 40 Brush, 48 Orchestra).
    - ``bass``: the bass style; ``instruments``: the arrangement's parts.
    - ``energy``: the default energy (0–1) per section kind, shaping density and dynamics.
    - ``mix``: the mix profile; ``vocal_register``: default (low, high) MIDI range of a lead vocal
      for "f" and "m".
    """

    key: str
    name: str
    family: str
    tempo_bpm: tuple[float, float]
    meter: tuple[int, int]
    modes: dict[str, float]
    progressions: dict[str, tuple[tuple[str, ...], ...]]
    grooves: dict[str, Groove]
    bass: BassStyle
    instruments: tuple[InstrumentPart, ...]
    aliases: tuple[str, ...] = ()
    swing: float = 0.0
    swing_unit_beats: float = 0.5
    harmonic_rhythm_beats: float = 4.0
    fill: str = "toms"
    drum_kit: int = 0
    energy: dict[str, float] = field(default_factory=dict)
    mix: MixSettings = field(default_factory=MixSettings)
    default_vocal_gender: Literal["f", "m"] = "f"
    description: str = ""
    """One line a musician would write about the genre; used by tag upsampling."""
    progressions_by_family: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = field(default_factory=dict)
    """The progression families for both mode families, keyed ``"major"`` (major, lydian,
    mixolydian) and ``"minor"`` (minor, dorian, phrygian, harmonic minor, locrian).
    ``progressions`` is the family of the genre's home mode; in a resolved :class:`Style` it is
    the family of the modes in ``Style.mode_weights``. A composer whose key comes from elsewhere
    (an explicit ``key`` field) picks ``progressions_by_family["minor" if key.is_minor else
    "major"]``."""


@dataclass(frozen=True)
class Mood:
    """A mood word and how it shifts a genre.

    ``mode_weights`` multiply the genre's mode weights (e.g. sad: minor ×3, major ×0.3);
    ``tempo_scale`` multiplies the tempo (0.85 = slower); ``register_shift`` moves parts in
    semitones; ``energy_shift`` adds to every section's energy (−0.3…0.3); ``brightness_db``
    adds to the mix's high shelf; ``reverb_shift`` adds to the reverb wet level.
    """

    key: str
    name: str
    aliases: tuple[str, ...] = ()
    mode_weights: dict[str, float] = field(default_factory=dict)
    tempo_scale: float = 1.0
    register_shift: int = 0
    energy_shift: float = 0.0
    brightness_db: float = 0.0
    reverb_shift: float = 0.0


@dataclass(frozen=True)
class Style:
    """A request's tags resolved against the knowledge base; what the composer reads.

    ``genre`` is the primary genre (the one the tags weigh most), already blended: where several
    genres were named, ``blend`` lists them with weights and ``genre`` carries the primary one's
    patterns with instruments merged from the others. Explicit tags win over genre defaults:
    ``tempo_bpm``, ``key``/``mode``, ``meter`` are set only when the tags say so.
    ``instruments`` is the final arrangement (tag-named instruments added, negative tags removed;
    ``solo`` means the tags asked for only the named instruments). ``groups_excluded`` are stem
    groups the negative tags forbid (e.g. ``{"drums"}``). ``recognised`` and ``unknown`` list
    the tag phrases understood and ignored.
    """

    genre: Genre
    blend: tuple[tuple[str, float], ...]
    moods: tuple[Mood, ...]
    instruments: tuple[InstrumentPart, ...]
    tempo_range_bpm: tuple[float, float]
    mode_weights: dict[str, float]
    energy_shift: float
    register_shift: int
    mix: MixSettings
    swing: float
    tempo_bpm: float | None = None
    key_name: str | None = None
    meter: tuple[int, int] | None = None
    vocal_gender: Literal["f", "m"] | None = None
    solo: bool = False
    groups_excluded: frozenset[str] = frozenset()
    recognised: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
