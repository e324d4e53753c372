"""The mixer: per-track gain staging, EQ, inserts, pan and sends → one stem per group.

Each stem holds its own tracks *and* its own reverb/delay returns, and the unmastered mix is
exactly the sum of the stems (any bus processing belongs to :mod:`.master`). That is what lets a
user mute, solo or remix stems and get the song back.

Per track, in order:

1. **Gain staging**: the track is scaled so its active-part RMS sits at a level chosen by its role
   (drums and bass forward, pads behind), minus headroom that grows with the number of tracks,
   plus ``Track.gain_db``. Velocity dynamics inside a track are kept (one gain per track).
2. **EQ**: high-pass everything that is not bass or kick (cut-off by role) so the low end stays
   clean; bass gets a gentle low-pass above 5 kHz.
3. **Inserts** named in ``Track.effects``: ``drive`` (distortion + cabinet low-pass),
   ``chorus``, ``lofi`` (low-pass, bit reduction, saturation and tape wow), ``sidechain``
   (ducking from the kick onsets in the Score).
4. **Pan** (constant power, centre at unity) and the **reverb send** (``Track.reverb_send``).

Per group, the summed sends go through a reverb (``Score.mix.reverb_room`` 0–1 maps to room sizes
0.5–0.95, returned at 2.5 × ``Score.mix.reverb_wet``) and, when ``Score.mix.delay_beats`` > 0,
a tempo-synced delay for the lead-ish roles. Groups run in a small thread pool (pedalboard releases the GIL).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pedalboard as pb

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.score import STEM_GROUPS, Score, StemGroup, Track

KNOWN_EFFECTS = ("drive", "chorus", "lofi", "sidechain")

ROLE_LEVEL_DBFS: dict[str, float] = {
    "drums": -17.0,
    "percussion": -24.0,
    "bass": -18.0,
    "chords": -22.0,
    "pad": -25.0,
    "lead": -20.0,
    "arp": -24.0,
    "counter": -23.0,
    "fx": -26.0,
}
"""Target RMS (over the track's active frames) per role, before headroom and ``gain_db``."""

ROLE_HIGHPASS_HZ: dict[str, float] = {
    "drums": 0.0,
    "percussion": 200.0,
    "bass": 0.0,
    "chords": 120.0,
    "pad": 150.0,
    "lead": 150.0,
    "arp": 180.0,
    "counter": 150.0,
    "fx": 100.0,
}
"""High-pass cut-off per role (0 = none): only bass and the kit own the low end."""

VOCAL_LEVEL_DBFS = -17.0
_KICK_PITCHES = (35, 36)
_DELAY_ROLES = ("lead", "counter", "arp")
_ACTIVE_FLOOR_DB = -50.0
_REVERB_RETURN_GAIN = 2.5
"""Return level per unit of ``MixSettings.reverb_wet``: 0.25 → 0.625, a clearly audible room."""


@dataclass
class MixResult:
    """``stems``: one unmastered stereo buffer per stem group used, in :data:`STEM_GROUPS` order.
    ``mix``: their exact sum (unmastered)."""

    stems: dict[StemGroup, AudioBuffer]
    mix: AudioBuffer
    track_gains_db: dict[str, float] = field(default_factory=dict)


def mix_tracks(
    score: Score,
    track_audio: dict[str, AudioBuffer],
    extra_stems: dict[str, AudioBuffer] | None = None,
    *,
    quality: str = "standard",
) -> MixResult:
    """Mix dry per-track audio (from :func:`.synth.render_tracks`) into stems and a mix.

    ``extra_stems`` may carry ``"vocals"`` and/or ``"backing_vocals"`` dry audio from the singer;
    they get the vocal chain (high-pass, compression, level, reverb) and become their own stems.
    Every output has the frame count of the track audio (``round(score.duration_s * rate)``).
    ``quality="draft"`` skips the reverb and delay returns.
    """
    extra_stems = dict(extra_stems or {})
    for name in extra_stems:
        if name not in ("vocals", "backing_vocals"):
            raise InvalidParameter(
                "extra_stems may only hold 'vocals' and 'backing_vocals'.", field="extra_stems"
            )
    rate, frames = _shape(score, track_audio, extra_stems)
    tracks = [t for t in score.tracks if t.notes and t.name in track_audio]
    for track in score.tracks:
        if track.notes and track.name not in track_audio:
            raise InvalidParameter(f"No audio for track {track.name!r}.", field="track_audio")
    headroom_db = 10 * math.log10(max(1.0, (len(tracks) + len(extra_stems)) / 4.0))
    kick_times_s = _kick_times(score)

    groups: dict[StemGroup, list[tuple[Track | None, AudioBuffer]]] = {}
    for track in tracks:
        groups.setdefault(track.group, []).append((track, track_audio[track.name]))
    for name, audio in extra_stems.items():
        group: StemGroup = "vocals" if name == "vocals" else "backing_vocals"
        groups.setdefault(group, []).append((None, audio))

    def run_group(
        item: tuple[StemGroup, list[tuple[Track | None, AudioBuffer]]],
    ) -> tuple[StemGroup, Any, dict[str, float]]:
        group, members = item
        return (group, *_mix_group(score, members, rate, frames, headroom_db, kick_times_s, quality))

    ordered = [(g, groups[g]) for g in STEM_GROUPS if g in groups]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run_group, ordered))

    stems: dict[StemGroup, AudioBuffer] = {}
    gains: dict[str, float] = {}
    total = np.zeros((2, frames), dtype=np.float32)
    for group, samples, group_gains in results:
        stems[group] = AudioBuffer(samples, rate)
        total += samples
        gains.update(group_gains)
    return MixResult(stems=stems, mix=AudioBuffer(total, rate), track_gains_db=gains)


def _shape(
    score: Score, track_audio: dict[str, AudioBuffer], extra: dict[str, AudioBuffer]
) -> tuple[int, int]:
    buffers = list(track_audio.values()) + list(extra.values())
    if not buffers:
        raise InvalidParameter("Nothing to mix: no track audio.", field="track_audio")
    rate = buffers[0].sample_rate_hz
    frames = round(score.duration_s * rate)
    for audio in track_audio.values():
        if audio.sample_rate_hz != rate:
            raise InvalidParameter("All track audio must share one sample rate.", field="track_audio")
    for audio in extra.values():
        if audio.sample_rate_hz != rate:
            raise InvalidParameter("extra_stems must have the tracks' sample rate.", field="extra_stems")
    return rate, frames


def _stereo(audio: AudioBuffer, frames: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.array(audio.to_stereo().with_frames(frames).samples, dtype=np.float32, copy=True)


def _active_rms_db(samples: np.ndarray[Any, Any], rate: int) -> float:
    """RMS in dBFS over the 50 ms windows that are within 50 dB of the loudest one."""
    hop = max(1, rate // 20)
    usable = samples.shape[1] // hop * hop
    if usable == 0:
        return -120.0
    power = np.square(samples[:, :usable], dtype=np.float32).mean(axis=0).reshape(-1, hop).mean(axis=1)
    peak = float(power.max())
    if peak <= 1e-12:
        return -120.0
    active = power[power >= peak * 10 ** (_ACTIVE_FLOOR_DB / 10)]
    return 10 * math.log10(float(active.mean()))


def _mix_group(
    score: Score,
    members: Sequence[tuple[Track | None, AudioBuffer]],
    rate: int,
    frames: int,
    headroom_db: float,
    kick_times_s: np.ndarray[Any, np.dtype[np.float64]],
    quality: str,
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], dict[str, float]]:
    dry = np.zeros((2, frames), dtype=np.float32)
    reverb_send = np.zeros((2, frames), dtype=np.float32)
    delay_send = np.zeros((2, frames), dtype=np.float32)
    any_reverb = any_delay = False
    gains: dict[str, float] = {}
    for track, audio in members:
        x = _stereo(audio, frames)
        if track is None:
            level, send, role, name = VOCAL_LEVEL_DBFS, 0.18, "vocal", "vocals"
            x = _chain([pb.HighpassFilter(90.0), pb.Compressor(-20.0, 3.0, 5.0, 120.0)])(x, rate)
            pan = 0.0
        else:
            level, send, role, name = (
                ROLE_LEVEL_DBFS.get(track.role, -22.0),
                track.reverb_send,
                track.role,
                track.name,
            )
            x = _track_chain(score, track, x, rate, kick_times_s)
            pan = track.pan
        rms_db = _active_rms_db(x, rate)
        gain_db = 0.0 if rms_db <= -100 else level - headroom_db - rms_db + (track.gain_db if track else 0.0)
        gain_db = float(np.clip(gain_db, -40.0, 40.0))
        gains[name] = gain_db
        left, right = _pan_gains(pan)
        x[0] *= np.float32(10 ** (gain_db / 20) * left)
        x[1] *= np.float32(10 ** (gain_db / 20) * right)
        dry += x
        if send > 0.005:
            reverb_send += x * np.float32(min(1.0, send))
            any_reverb = True
        if role in _DELAY_ROLES or role == "vocal":
            delay_send += x * np.float32(0.35)
            any_delay = True
    stem = dry
    if quality != "draft":
        if any_reverb and score.mix.reverb_wet > 0:
            room = 0.5 + 0.45 * float(np.clip(score.mix.reverb_room, 0.0, 1.0))
            wet = _reverb(reverb_send, rate, room, quality)
            stem += wet * np.float32(_REVERB_RETURN_GAIN * np.clip(score.mix.reverb_wet, 0.0, 1.0))
        if any_delay and score.mix.delay_beats > 0:
            delay_s = float(np.clip(score.mix.delay_beats * 60.0 / score.tempo_bpm, 0.02, 2.0))
            delay = _chain([pb.Delay(delay_seconds=delay_s, feedback=0.3, mix=1.0), pb.LowpassFilter(4000.0)])
            stem += delay(delay_send, rate) * np.float32(0.5)
    return np.ascontiguousarray(stem, dtype=np.float32), gains


def _reverb(send: np.ndarray[Any, Any], rate: int, room: float, quality: str) -> np.ndarray[Any, Any]:
    """The reverb return of ``send`` (100 % wet).

    ``standard`` runs the reverb at half the sample rate (pairs of frames averaged on the way down,
    linear interpolation on the way up): a reverb tail has little above 10 kHz and this halves
    the mixer's biggest cost. ``high`` runs it at the full rate.
    """
    reverb = pb.Reverb(room_size=room, damping=0.5, wet_level=1.0, dry_level=0.0, width=1.0)
    frames = send.shape[1]
    if quality == "high" or frames < 4:
        result: np.ndarray[Any, Any] = reverb(send, rate)
        return result
    even = frames // 2 * 2
    half = send[:, 0:even:2] + send[:, 1:even:2]
    half *= np.float32(0.5)
    wet = reverb(half, rate // 2)
    full = np.zeros_like(send)
    full[:, 0:even:2] = wet
    full[:, 1 : even - 1 : 2] = wet[:, :-1]
    full[:, 1 : even - 1 : 2] += wet[:, 1:]
    full[:, 1 : even - 1 : 2] *= np.float32(0.5)
    return full


def _pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan with unity gain at the centre."""
    angle = (float(np.clip(pan, -1.0, 1.0)) + 1.0) * math.pi / 4
    return math.cos(angle) * math.sqrt(2), math.sin(angle) * math.sqrt(2)


def _track_chain(
    score: Score,
    track: Track,
    x: np.ndarray[Any, np.dtype[np.float32]],
    rate: int,
    kick_times_s: np.ndarray[Any, np.dtype[np.float64]],
) -> np.ndarray[Any, np.dtype[np.float32]]:
    """EQ and inserts of one track (before gain staging and pan)."""
    plugins: list[Any] = []
    highpass = ROLE_HIGHPASS_HZ.get(track.role, 120.0)
    if highpass > 0:
        plugins.append(pb.HighpassFilter(highpass))
    if track.role == "bass":
        plugins.append(pb.LowpassFilter(5000.0))
    effects = set(track.effects) | ({"lofi"} if score.mix.lofi > 0.5 and track.role != "drums" else set())
    if "drive" in effects:
        if plugins:
            x = _chain(plugins)(x, rate)
        x = _drive(x, rate)
        plugins = []
    if "chorus" in effects:
        plugins.append(pb.Chorus(rate_hz=0.8, depth=0.25, centre_delay_ms=7.0, feedback=0.0, mix=0.5))
    if "lofi" in effects:
        plugins += [
            pb.LowpassFilter(3800.0),
            pb.Distortion(drive_db=6.0),
            pb.Bitcrush(bit_depth=10.0),
            pb.Chorus(rate_hz=0.4, depth=0.15, centre_delay_ms=4.0, feedback=0.0, mix=1.0),  # tape wow
        ]
    if plugins:
        x = _chain(plugins)(x, rate)
    if "sidechain" in effects and kick_times_s.size:
        x = x * _duck_envelope(kick_times_s, x.shape[1], rate)[np.newaxis, :]
    return np.ascontiguousarray(x, dtype=np.float32)


def _drive(x: np.ndarray[Any, Any], rate: int, *, drive_db: float = 30.0) -> np.ndarray[Any, Any]:
    """Amp-style distortion: tighten (HPF 90 Hz), tanh saturation, cabinet low-pass 5.5 kHz."""
    tight = _chain([pb.HighpassFilter(90.0)])(x, rate)
    rms_db = _active_rms_db(tight, rate)
    if rms_db <= -100:
        return tight
    pre_gain = 10 ** ((drive_db - 20.0 - rms_db) / 20)  # active RMS driven to drive_db − 20 dBFS
    driven = np.tanh(tight * np.float32(pre_gain)).astype(np.float32)
    result: np.ndarray[Any, Any] = _chain([pb.LowpassFilter(5500.0)])(driven, rate)
    return result


def _kick_times(score: Score) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Onset times (s) of the kick drum in every drum track of the Score."""
    beats = sorted(
        {n.start_beat for t in score.tracks if t.is_drum for n in t.notes if n.pitch in _KICK_PITCHES}
    )
    return np.array([score.seconds_at(b) for b in beats], dtype=np.float64)


def _duck_envelope(
    kick_times_s: np.ndarray[Any, Any],
    frames: int,
    rate: int,
    *,
    depth_db: float = -9.0,
    release_s: float = 0.18,
) -> np.ndarray[Any, np.dtype[np.float32]]:
    """A gain curve that dips by ``depth_db`` at each kick and recovers exponentially."""
    floor = 10 ** (depth_db / 20)
    length = int(release_s * 2.5 * rate)
    t = np.arange(length) / rate
    dip = (1 - floor) * np.exp(-t / release_s) * np.minimum(1.0, t / 0.004)
    reduction = np.zeros(frames + length, dtype=np.float64)
    for start in np.round(kick_times_s * rate).astype(np.int64):
        if 0 <= start < frames:
            segment = reduction[start : start + length]
            np.maximum(segment, dip[: segment.shape[0]], out=segment)
    return (1.0 - reduction[:frames]).astype(np.float32)


def _chain(plugins: list[Any]) -> Callable[[np.ndarray[Any, Any], int], np.ndarray[Any, Any]]:
    """Apply pedalboard plugins in order (what ``pedalboard.Pedalboard`` does)."""

    def run(x: np.ndarray[Any, Any], rate: int) -> np.ndarray[Any, Any]:
        for plugin in plugins:
            x = np.asarray(plugin(x, rate), dtype=np.float32)
        return x

    return run
