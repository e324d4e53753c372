"""sample_song: a new song around a chop of the shared 20 s pop source.

Measured: the chop is cut on the source's beat grid in whole bars; the conformed chop lasts exactly
its beats at the new tempo; the loop copies start on the new song's bar grid (onset energy right
after each loop point); the looped chop is a loud part of the mix (normalised correlation of the
unmastered mix with the loop); below audio_weight 0.7 no chop audio is mixed and the chop's melody
comes back as a ``hook`` track; bad windows are refused naming the field.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.edit.sample import SAMPLE_STEM, chop_window, conform_chop, loop_audio, sample_song
from tunesmith.music.render import RenderedSong
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sampled(source: Score, source_render: RenderedSong) -> object:
    spec = make_spec(tags="hip hop, 84 bpm", seed=5, duration_s=16, instrumental=True, quality="draft")
    return sample_song(source, source_render.master, spec, start_s=2.0, end_s=11.0)


def _corr(a: np.ndarray, b: np.ndarray) -> float:  # type: ignore[type-arg]
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def test_chop_is_cut_on_the_beat_grid_in_whole_bars(source: Score, source_render: RenderedSong) -> None:
    chop = chop_window(source, source_render.master, start_s=2.1, end_s=11.0)
    beat_s = 60.0 / source.tempo_bpm
    assert chop.start_s / beat_s == pytest.approx(round(chop.start_s / beat_s), abs=1e-6)
    assert abs(chop.start_s - 2.1) <= beat_s / 2
    assert chop.beats % round(source.beats_per_bar) == 0 and chop.end_s <= 11.0 + beat_s / 4
    assert chop.tempo_bpm == pytest.approx(source.tempo_bpm, rel=1e-6)
    assert chop.audio.frames == round(chop.end_s * 44_100) - round(chop.start_s * 44_100)
    assert chop.chords and all(0 <= c.start_beat < chop.beats for c in chop.chords)


def test_conformed_chop_lasts_its_beats_at_the_new_tempo(source: Score, source_render: RenderedSong) -> None:
    chop = chop_window(source, source_render.master, start_s=0.0, end_s=9.0)
    out = conform_chop(chop, tempo_bpm=90.0, semitones=-2)
    assert out.frames == round(chop.beats * 60.0 / 90.0 * 44_100)


def test_loop_copies_sit_on_the_grid_without_clicks() -> None:
    rate = 44_100
    t = np.arange(rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    from tunesmith.music.audio import AudioBuffer

    piece = AudioBuffer.from_array(np.stack([tone, tone]), rate)
    looped = loop_audio(piece, period_s=0.75, until_s=3.0, total_frames=4 * rate)
    x = looped.samples[0]
    assert np.max(np.abs(np.diff(x))) < 0.05  # no step at the loop points (1 ms / 5 ms fades)
    assert np.all(x[3 * rate + 1 :] == 0)  # stops at until_s
    for k in range(1, 4):
        start = round(k * 0.75 * rate)
        assert abs(x[start + 60]) > 0 and np.max(np.abs(x[start + 200 : start + 400])) > 0.4


def test_sample_song_beat_matches_and_mixes_the_chop(sampled: object, source: Score) -> None:
    from tunesmith.music.edit.sample import SampledSong

    assert isinstance(sampled, SampledSong)
    score = sampled.score
    assert score.duration_s == 16.0 and abs(score.tempo_bpm / 84 - 1) < 0.02
    assert sampled.semitones == 0 and score.key == source.key  # no key in the tags: the source's
    assert sampled.beats_per_chop_beat == 1.0
    assert sampled.stretch == pytest.approx(score.tempo_bpm / source.tempo_bpm, rel=1e-3)
    assert {t.role for t in score.tracks} <= {"drums", "percussion", "bass"}
    period_s = sampled.chop.beats * 60.0 / score.tempo_bpm
    bar_s = score.beats_per_bar * 60.0 / score.tempo_bpm
    assert (period_s / bar_s) == pytest.approx(round(period_s / bar_s), abs=1e-6)  # whole bars
    # the chop's chords are the song's, looped
    first = [(c.root_pc, c.quality) for c in sampled.chop.chords]
    assert [(c.root_pc, c.quality) for c in score.chords[: len(first)]] == first
    # the loop is a loud part of the mix
    mix, loop = sampled.mix.mono(), sampled.stems[SAMPLE_STEM].mono()
    assert _corr(mix, loop) > 0.5  # −3 dB re the band: 0.71 / sqrt(1 + 0.5) ≈ 0.58 when uncorrelated
    assert sampled.sample_gain_db is not None and math.isclose(sampled.sample_gain_db, -3.0)


def test_low_audio_weight_revoices_only(source: Score, source_render: RenderedSong) -> None:
    spec = make_spec(tags="lofi, 80 bpm", seed=6, duration_s=14, instrumental=True, quality="draft")
    out = sample_song(source, source_render.master, spec, start_s=4.0, end_s=12.0, audio_weight=0.3)
    assert out.sample_gain_db is None and not np.any(out.loop.samples)
    hook = [t for t in out.score.tracks if t.name == "hook"]
    assert hook and len(hook[0].notes) >= 4
    melody = {n.pitch % 12 for n in out.chop.melody}
    assert {n.pitch % 12 for n in hook[0].notes} <= {(p + out.semitones) % 12 for p in melody}


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(-1.0, 8.0, "chop_sample_end_s"), (5.0, 4.0, "chop_sample_end_s"), (0.0, 25.0, "chop_sample_end_s")],
)
def test_bad_windows(
    source: Score, source_render: RenderedSong, start: float, end: float, field: str
) -> None:
    with pytest.raises(InvalidParameter) as info:
        chop_window(source, source_render.master, start_s=start, end_s=end)
    assert info.value.field == field


def test_the_chorus_sings_the_chop_melody(source: Score, source_render: RenderedSong) -> None:
    lyrics = "[Verse]\nWalking down the avenue\n[Chorus]\nSing it back to me\nSing it back again"
    spec = make_spec(tags="pop, 100 bpm", seed=8, duration_s=40, lyrics=lyrics, quality="draft")
    out = sample_song(source, source_render.master, spec, start_s=2.0, end_s=12.0)
    score, chop = out.score, out.chop
    assert chop.melody  # the source sings in the window
    period = chop.beats * out.beats_per_chop_beat
    chorus = [s for s in score.sections if s.kind == "chorus"]
    assert chorus
    spans = [(score.bar_start_beat(s.start_bar), score.bar_start_beat(s.end_bar)) for s in chorus]
    sung = [v for v in score.vocals if not v.backing and any(a <= v.start_beat < b for a, b in spans)]
    assert len(sung) >= 4
    hook_pcs = {(n.pitch + out.semitones) % 12 for n in chop.melody}
    assert {v.pitch % 12 for v in sung} <= hook_pcs
    # note for note: the pitch class the chop melody has at the same point of the loop (the note
    # sounding there, else the last one begun, else the loop's last note held over)
    matched = 0
    for v in sung:
        at = (v.start_beat % period) / out.beats_per_chop_beat
        sounding = [n for n in chop.melody if n.start_beat <= at + 1e-6 < n.end_beat]
        begun = [n for n in chop.melody if n.start_beat <= at + 1e-6]
        held = sounding[-1] if sounding else begun[-1] if begun else chop.melody[-1]
        matched += bool(sounding)
        assert v.pitch % 12 == (held.pitch + out.semitones) % 12
    assert matched >= 1
    assert all(57 - 12 <= v.pitch <= 76 for v in score.vocals)
