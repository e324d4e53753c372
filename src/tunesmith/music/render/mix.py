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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pedalboard as pb
from pedalboard import Pedalboard  # type: ignore[attr-defined]
from scipy.signal import butter, sosfilt

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
_MIX_PEAK_LIMIT = 10 ** (-1.0 / 20)
"""Stems and the unmastered mix are scaled down together when either would peak above −1 dBFS."""
_REVERB_RETURN_GAIN = 2.5
"""Return level per unit of ``MixSettings.reverb_wet``: 0.25 → 0.625, a clearly audible room."""


@dataclass
class MixResult:
    """``stems``: one unmastered stereo buffer per stem group used, in :data:`STEM_GROUPS` order.
    ``mix``: their exact sum (unmastered). Neither peaks above −1 dBFS (so 24-bit files of them
    never clip). ``track_gains_db``: the gain applied to each track (and vocal stem)."""

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

    ``extra_stems`` may carry ``"vocals"`` and/or ``"backing_vocals"`` from the singer, already
    processed (EQ, compression, reverb): they are only levelled (lead at −17 dBFS active RMS,
    backing 5 dB lower, less the headroom) and become their own stems.
    Every output has ``round(score.duration_s * rate)`` frames. ``quality="draft"`` skips the
    reverb and delay returns.
    """
    buffers = list(track_audio.values()) + list((extra_stems or {}).values())
    if not buffers:
        raise InvalidParameter("Nothing to mix: no track audio.", field="track_audio")
    mixer = StreamingMix(
        score, sample_rate_hz=buffers[0].sample_rate_hz, extra_stems=extra_stems, quality=quality
    )
    try:
        for name, audio in track_audio.items():
            mixer.add(name, audio)
        return mixer.result()
    finally:
        mixer.close()


class StreamingMix:
    """Mixes tracks as they arrive: a group is mixed (in a 2-thread pool) as soon as all of its
    tracks are in, so :func:`.song.render_song` overlaps synthesis with mixing.

    The result is identical to :func:`mix_tracks` whatever the arrival order. Call
    :meth:`result` once every track with notes has been added; :meth:`close` always.
    """

    def __init__(
        self,
        score: Score,
        *,
        sample_rate_hz: int,
        extra_stems: dict[str, AudioBuffer] | None = None,
        quality: str = "standard",
    ) -> None:
        extra_stems = dict(extra_stems or {})
        for name, audio in extra_stems.items():
            if name not in ("vocals", "backing_vocals"):
                raise InvalidParameter(
                    "extra_stems may only hold 'vocals' and 'backing_vocals'.", field="extra_stems"
                )
            if audio.sample_rate_hz != sample_rate_hz:
                raise InvalidParameter("extra_stems must have the tracks' sample rate.", field="extra_stems")
        self.score = score
        self.rate = sample_rate_hz
        self.frames = round(score.duration_s * sample_rate_hz)
        self.quality = quality
        self.tracks = {t.name: t for t in score.tracks if t.notes}
        self.headroom_db = 10 * math.log10(max(1.0, (len(self.tracks) + len(extra_stems)) / 4.0))
        self.kick_times_s = _kick_times(score)
        self.waiting: dict[StemGroup, set[str]] = {}
        for track in self.tracks.values():
            self.waiting.setdefault(track.group, set()).add(track.name)
        self.members: dict[StemGroup, dict[str, tuple[Track | None, AudioBuffer]]] = {}
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tunesmith-mix")
        self.futures: dict[
            StemGroup, Future[tuple[np.ndarray[Any, np.dtype[np.float32]], dict[str, float]]]
        ] = {}
        for name, audio in extra_stems.items():
            group: StemGroup = "vocals" if name == "vocals" else "backing_vocals"
            self.members[group] = {name: (None, audio)}
            self._submit(group)

    def add(self, name: str, audio: AudioBuffer) -> None:
        """Add one track's dry audio (tracks without notes are ignored)."""
        if audio.sample_rate_hz != self.rate:
            raise InvalidParameter("All track audio must share one sample rate.", field="track_audio")
        track = self.tracks.get(name)
        if track is None:
            return
        self.members.setdefault(track.group, {})[name] = (track, audio)
        waiting = self.waiting[track.group]
        waiting.discard(name)
        if not waiting and track.group not in self.futures:
            self._submit(track.group)

    def _submit(self, group: StemGroup) -> None:
        # members in Score order, so the float sums do not depend on arrival order
        order = {name: i for i, name in enumerate(self.tracks)}
        members = [
            self.members[group][n] for n in sorted(self.members[group], key=lambda n: order.get(n, -1))
        ]
        del self.members[group]  # the dry tracks live only as long as their group's job needs them
        self.futures[group] = self.pool.submit(
            _mix_group,
            self.score,
            group,
            members,
            self.rate,
            self.frames,
            self.headroom_db,
            self.kick_times_s,
            self.quality,
        )

    def result(self) -> MixResult:
        """Wait for every group and return stems (in :data:`STEM_GROUPS` order) and their sum."""
        missing = sorted(name for names in self.waiting.values() for name in names)
        if missing:
            raise InvalidParameter(f"No audio for track {missing[0]!r}.", field="track_audio")
        stems: dict[StemGroup, AudioBuffer] = {}
        gains: dict[str, float] = {}
        total = np.zeros((2, self.frames), dtype=np.float32)
        for group in STEM_GROUPS:
            if group in self.futures:
                samples, group_gains = self.futures[group].result()
                stems[group] = AudioBuffer(samples, self.rate)
                total += samples
                gains.update(group_gains)
        peak = max([_peak(total)] + [_peak(stem.samples) for stem in stems.values()])
        if peak > _MIX_PEAK_LIMIT:
            # leave headroom so 24-bit stems and the unmastered mix never clip; one common scale
            # keeps "the stems sum to the mix"
            scale = np.float32(_MIX_PEAK_LIMIT / peak)
            for stem in stems.values():
                stem.samples[...] *= scale
            total *= scale
            gains = {name: gain + 20 * math.log10(float(scale)) for name, gain in gains.items()}
        return MixResult(stems=stems, mix=AudioBuffer(total, self.rate), track_gains_db=gains)

    def close(self) -> None:
        """Release the worker threads (waits for groups already running)."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def _peak(samples: np.ndarray[Any, Any]) -> float:
    return max(float(samples.max(initial=0.0)), -float(samples.min(initial=0.0)))


def _active_rms_db(samples: np.ndarray[Any, Any], rate: int) -> float:
    """RMS in dBFS over the 50 ms windows that are within 50 dB of the loudest one.

    Power is estimated from every 4th frame (an unbiased estimate, four times less work).
    """
    hop = max(1, rate // 80)  # 50 ms of every-4th-frame samples
    sparse = samples[:, ::4]
    usable = sparse.shape[1] // hop * hop
    if usable == 0:
        return -120.0
    power = np.square(sparse[:, :usable], dtype=np.float32).mean(axis=0).reshape(-1, hop).mean(axis=1)
    peak = float(power.max())
    if peak <= 1e-12:
        return -120.0
    active = power[power >= peak * 10 ** (_ACTIVE_FLOOR_DB / 10)]
    return 10 * math.log10(float(active.mean()))


def _mix_group(
    score: Score,
    group: StemGroup,
    members: Sequence[tuple[Track | None, AudioBuffer]],
    rate: int,
    frames: int,
    headroom_db: float,
    kick_times_s: np.ndarray[Any, np.dtype[np.float64]],
    quality: str,
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], dict[str, float]]:
    if frames == 0:
        return np.zeros((2, 0), dtype=np.float32), {}
    dry: np.ndarray[Any, np.dtype[np.float32]] | None = None
    reverb_send: np.ndarray[Any, np.dtype[np.float32]] | None = None  # mono
    delay_send: np.ndarray[Any, np.dtype[np.float32]] | None = None
    wants_reverb = quality != "draft" and score.mix.reverb_wet > 0
    wants_delay = quality != "draft" and score.mix.delay_beats > 0
    gains: dict[str, float] = {}
    for track, audio in members:
        source = audio.to_stereo().with_frames(frames).samples
        if track is None:
            # the singer delivers finished stems (EQ, compression, their own reverb): level only
            backing = group == "backing_vocals"
            name = str(group)
            level, send, role, x, pan = (
                VOCAL_LEVEL_DBFS - (5.0 if backing else 0.0),
                0.0,
                "vocal",
                source,
                0.0,
            )
        else:
            level, send, role, name = (
                ROLE_LEVEL_DBFS.get(track.role, -22.0),
                track.reverb_send,
                track.role,
                track.name,
            )
            x = _track_chain(score, track, source, rate, kick_times_s)
            pan = track.pan
        if x is source or np.shares_memory(x, source):
            x = np.array(x, dtype=np.float32, copy=True)  # never scale the caller's buffer in place
        rms_db = _active_rms_db(x, rate)
        gain_db = 0.0 if rms_db <= -100 else level - headroom_db - rms_db + (track.gain_db if track else 0.0)
        gain_db = float(np.clip(gain_db, -40.0, 40.0))
        gains[name] = gain_db
        left, right = _pan_gains(pan)
        x[0] *= np.float32(10 ** (gain_db / 20) * left)
        x[1] *= np.float32(10 ** (gain_db / 20) * right)
        if dry is None:
            dry = x
        else:
            dry += x
        if wants_reverb and send > 0.005:
            # the reverb sums its input channels (Freeverb feeds L+R to both comb banks), so the
            # send bus is mono: half the work, identical output
            if reverb_send is None:
                reverb_send = np.zeros(frames, dtype=np.float32)
            reverb_send += (x[0] + x[1]) * np.float32(min(1.0, send))
        if wants_delay and role in _DELAY_ROLES:
            if delay_send is None:
                delay_send = np.zeros((2, frames), dtype=np.float32)
            x *= np.float32(0.35)  # x is ours and already summed into the dry bus
            delay_send += x
    stem: np.ndarray[Any, Any] = dry if dry is not None else np.zeros((2, frames), dtype=np.float32)
    if reverb_send is not None:
        room = 0.5 + 0.45 * float(np.clip(score.mix.reverb_room, 0.0, 1.0))
        decimation = 1 if quality == "high" else 2 if group in ("drums", "percussion") else 3
        wet = _reverb(reverb_send, rate, room, decimation)
        wet *= np.float32(_REVERB_RETURN_GAIN * float(np.clip(score.mix.reverb_wet, 0.0, 1.0)))
        stem += wet
    if delay_send is not None:
        delay_s = float(np.clip(score.mix.delay_beats * 60.0 / score.tempo_bpm, 0.02, 2.0))
        delay = _chain([pb.Delay(delay_seconds=delay_s, feedback=0.3, mix=1.0), pb.LowpassFilter(4000.0)])
        echoes = delay(delay_send, rate)
        echoes *= np.float32(0.5)
        stem += echoes
    return np.ascontiguousarray(stem, dtype=np.float32), gains


def _reverb(send: np.ndarray[Any, Any], rate: int, room: float, decimation: int) -> np.ndarray[Any, Any]:
    """The stereo reverb return (100 % wet) of the mono ``send`` bus, high-passed at 180 Hz.

    With ``decimation`` > 1 the reverb runs at ``rate / decimation`` (frames averaged in groups
    on the way down, linear interpolation on the way up). A reverb return carries little energy
    high up (measured on rendered songs: −21 to −63 dB above 5.5 kHz for pitched parts, −12 dB
    above 8 kHz for a drum kit), so the mixer uses 3 for pitched groups and 2 for drums and
    percussion in ``standard`` quality and 1 (full rate) in ``high``.
    """
    reverb = pb.Reverb(room_size=room, damping=0.5, wet_level=1.0, dry_level=0.0, width=1.0)
    frames = send.shape[0]
    if decimation <= 1 or frames < 4 * decimation:
        stereo = np.zeros((2, frames), dtype=np.float32)
        stereo[0] = sosfilt(_send_highpass(rate), _undenormal(send))
        result: np.ndarray[Any, Any] = reverb(stereo, rate)
        return result
    low_rate = rate // decimation
    count = frames // decimation
    low = np.zeros((2, count), dtype=np.float32)
    low[0] = send[: count * decimation].reshape(count, decimation).mean(axis=1, dtype=np.float32)
    low[0] = sosfilt(_send_highpass(low_rate), _undenormal(low[0]))
    wet = reverb(low, low_rate)
    steps = np.arange(decimation, dtype=np.float32) / np.float32(decimation)
    full = np.empty((2, frames), dtype=np.float32)
    for channel in range(2):
        w = wet[channel]
        slope = np.empty_like(w)
        slope[:-1] = w[1:] - w[:-1]
        slope[-1] = 0.0
        body = full[channel, : count * decimation].reshape(count, decimation)
        np.multiply.outer(slope, steps, out=body)
        body += w[:, np.newaxis]
        full[channel, count * decimation :] = w[-1]
    return full


def _undenormal(signal: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float32]]:
    """``signal`` plus a −220 dBFS tone at the Nyquist frequency.

    Recursive filters (the send high-pass, the reverb's combs) fed with digital silence decay
    into denormal floats, which the CPU processes up to 100× slower; this inaudible signal keeps
    their state normal. Deterministic.
    """
    dither = np.full(signal.shape[0], 1e-11, dtype=np.float32)
    dither[1::2] = -1e-11
    result: np.ndarray[Any, np.dtype[np.float32]] = signal + dither
    return result


@lru_cache(maxsize=8)
def _send_highpass(rate: int) -> np.ndarray[Any, Any]:
    """2nd-order 180 Hz high-pass for the reverb send: the room gets no bass (no mud)."""
    sos: np.ndarray[Any, Any] = butter(2, 180.0, "highpass", fs=rate, output="sos").astype(np.float32)
    return sos


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
    effects = set(track.effects)  # the song-wide MixSettings.lofi belongs to mastering
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
    """A ``pedalboard.Pedalboard`` of ``plugins`` (processes block by block: cache friendly)."""
    board = Pedalboard(plugins)

    def run(x: np.ndarray[Any, Any], rate: int) -> np.ndarray[Any, Any]:
        return np.asarray(board(x, rate), dtype=np.float32)

    return run
