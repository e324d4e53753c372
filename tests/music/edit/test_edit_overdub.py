"""add_vocals / add_instrumental: keep one side, compose the other inside the window.

Measured (lo-fi instrumental 14 s, vocals added in 3–11 s): the rendered vocal stem carries the
voice inside the window (≈ −20 dBFS) and is silent (< −60 dBFS) outside it, apart from the
singer's breath in the 0.5 s before the first phrase and the reverb tail after the last.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose import compose
from tunesmith.music.edit import add_instrumental, add_vocals
from tunesmith.music.produce import render_score
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec
from tunesmith.music.style.tags import resolve_style
from tunesmith.music.theory.chords import chord_pcs

pytestmark = pytest.mark.slow

LYRICS = "[Verse]\nQuiet rain upon the glass\nLet the lazy hours pass"


@pytest.fixture(scope="module")
def instrumental() -> Score:
    return compose(make_spec(tags="lo-fi hip hop", seed=5, duration_s=14), resolve_style("lo-fi hip hop"))


@pytest.fixture(scope="module")
def with_vocals(instrumental: Score) -> Score:
    return add_vocals(instrumental, lyrics=LYRICS, seed=1, start_s=3.0, end_s=11.0)


def _window_beats(score: Score, start_s: float, end_s: float) -> tuple[float, float]:
    bar = score.beats_per_bar
    return (score.beat_at(start_s) // bar) * bar, -(-score.beat_at(end_s) // bar) * bar


def test_add_vocals_keeps_the_accompaniment_and_sings_inside_the_window(
    instrumental: Score, with_vocals: Score
) -> None:
    assert not instrumental.vocals
    kept = {t.name: t.notes for t in instrumental.tracks if t.role != "lead"}
    assert {t.name: t.notes for t in with_vocals.tracks if t.role != "lead"} == kept
    assert with_vocals.chords == instrumental.chords and with_vocals.tempo_map == instrumental.tempo_map
    b0, b1 = _window_beats(instrumental, 3.0, 11.0)
    assert with_vocals.vocals
    assert all(b0 - 1e-6 <= v.start_beat and v.end_beat <= b1 + 1e-6 for v in with_vocals.vocals)
    words = " ".join({v.word_index: v.word for v in with_vocals.vocals if not v.backing}.values())
    assert words == "Quiet rain upon the glass Let the lazy hours pass"
    assert with_vocals.lyrics == LYRICS
    # over the source's chords: notes on strong beats are mostly chord tones
    hits = 0
    strong = [v for v in with_vocals.vocals if not v.backing and v.start_beat % 2 == 0]
    for v in strong:
        chord = next(c for c in with_vocals.chords if c.start_beat <= v.start_beat < c.end_beat)
        hits += v.pitch % 12 in set(chord_pcs(chord.root_pc, chord.quality))
    assert strong and hits / len(strong) >= 0.6


def test_added_vocal_is_heard_only_inside_the_window(with_vocals: Score) -> None:
    rendered = render_score(with_vocals)
    voice = rendered.stems["vocals"].samples
    rate = rendered.mix.sample_rate_hz
    b0, b1 = _window_beats(with_vocals, 3.0, 11.0)
    t0, t1 = with_vocals.seconds_at(b0), with_vocals.seconds_at(b1)

    def rms_db(x: npt.NDArray[np.float32]) -> float:
        return float(10 * np.log10(float(np.mean(np.square(x))) + 1e-20))

    inside = rms_db(voice[:, round(t0 * rate) : round(t1 * rate)])
    before = rms_db(voice[:, : round((t0 - 0.6) * rate)])  # the singer breathes in before a phrase
    after = rms_db(voice[:, round((t1 + 1.5) * rate) :])  # after the reverb's tail
    print(f"vocal stem: inside {inside:.1f} dBFS, before {before:.1f}, after {after:.1f}")
    assert inside > -35.0
    assert before < -60.0 and after < -60.0


def test_add_instrumental_keeps_the_vocal_and_rearranges_inside_the_window(source: Score) -> None:
    out = add_instrumental(source, tags="jazz", seed=1, start_s=5.0, end_s=15.0)
    assert out.vocals == source.vocals and out.lyrics == source.lyrics
    b0, b1 = _window_beats(source, 5.0, 15.0)
    style = resolve_style("jazz")
    jazz = {p.name for p in style.instruments}
    for track in out.tracks:
        original = next((t for t in source.tracks if t.name == track.name), None)
        outside = [n for n in track.notes if not b0 - 1e-6 <= n.start_beat < b1]
        if original is None:
            assert track.name in jazz and not outside  # a new instrument plays only in the window
        else:
            expected = [n for n in original.notes if n.start_beat >= b1 - 1e-6 or n.start_beat < b0 - 1e-6]
            assert [(n.pitch, n.start_beat) for n in outside] == [(n.pitch, n.start_beat) for n in expected]
    assert {t.name for t in out.tracks} - {t.name for t in source.tracks}
    assert out.tags == "jazz"


def test_add_instrumental_harmonises_an_a_cappella_vocal(source: Score) -> None:
    bare = add_instrumental(source, seed=2)  # whole song in the source's own style
    a_cappella = Score.from_json(source.to_json())
    a_cappella.tracks, a_cappella.chords = [], []
    out = add_instrumental(a_cappella, seed=2, tags="piano ballad")
    assert out.vocals == source.vocals
    assert out.chords and all(c.length_beats == source.beats_per_bar for c in out.chords)
    assert any(t.notes for t in out.tracks)
    assert bare.vocals == source.vocals


def test_overdubs_validate(instrumental: Score) -> None:
    with pytest.raises(InvalidParameter) as err:
        add_vocals(instrumental, lyrics="  ", seed=1)
    assert err.value.field == "prompt"
    with pytest.raises(InvalidParameter) as err:
        add_vocals(instrumental, lyrics=LYRICS, seed=1, start_s=8.0, end_s=4.0)
    assert err.value.field == "overpainting_end_s"
    with pytest.raises(InvalidParameter) as err:
        add_instrumental(instrumental, seed=1, start_s=-2.0)
    assert err.value.field == "overpainting_start_s"
