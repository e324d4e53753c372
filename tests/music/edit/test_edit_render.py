"""render_edit: an edited Score becomes the same bundle produce_song makes."""

from __future__ import annotations

import json

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music import bundle as files
from tunesmith.music.audio import decode_audio
from tunesmith.music.edit import render_edit, replace_section
from tunesmith.music.produce import produce_song
from tunesmith.music.render import RenderedSong
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec

pytestmark = pytest.mark.slow


def test_render_edit_of_a_composed_score_equals_produce_song() -> None:
    produced = produce_song(
        make_spec(tags="house", seed=3, duration_s=10, instrumental=True), with_video=False
    )
    edited = render_edit(produced.score, with_video=False)
    assert set(edited.bundle.files) == set(produced.bundle.files)
    for name in (
        files.SCORE,
        files.MIDI,
        files.MIX_WAV,
        files.ANALYSIS,
        *(p for p in produced.bundle.files if p.startswith("stems/")),
    ):
        assert edited.bundle.files[name] == produced.bundle.files[name], name


def test_render_edit_encodes_spliced_audio_as_given(source: Score, source_render: RenderedSong) -> None:
    replaced = replace_section(
        source, source_render.stems, start_s=2.5, end_s=6.0, seed=4, source_master=source_render.master
    )
    stages: list[str] = []
    out = render_edit(
        replaced.score,
        master=replaced.master,
        stems=replaced.stems,
        with_video=False,
        progress=lambda stage, done, total: stages.append(stage),
    )
    bundle = out.bundle.files
    assert Score.from_json(bundle[files.SCORE]).to_json() == replaced.score.to_json()
    mix = decode_audio(bundle[files.MIX_WAV])
    assert mix.frames == replaced.master.frames
    assert abs(mix.samples - replaced.master.samples).max() < 1e-4  # 16-bit quantisation only
    assert set(out.bundle.stem_names) == set(replaced.stems)
    analysis = json.loads(bundle[files.ANALYSIS])
    assert analysis["score"]["tempo_bpm"] == pytest.approx(source.tempo_bpm, abs=1e-3)
    assert files.LYRICS in bundle and stages[-1] == "done"
    with pytest.raises(InvalidParameter):
        render_edit(replaced.score, master=replaced.master, stems=None)
    with pytest.raises(InvalidParameter):
        render_edit(replaced.score, master=replaced.master.slice_s(0, 3.0), stems=replaced.stems)
