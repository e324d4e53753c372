"""The offline music tools on the command line: lyrics, tags, analyze, stems, midi."""

from __future__ import annotations

import io
import json
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from tunesmith.cli import app
from tunesmith.music.analyze.evalset import drum_pattern
from tunesmith.music.audio import decode_audio
from tunesmith.music.style.tags import resolve_style

runner = CliRunner()


@pytest.fixture(scope="module")
def groove_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 s of a synthesised 120 bpm drum pattern over an A-minor arpeggio (known tempo and key)."""
    rate = 22_050
    drums = drum_pattern(120.0, "backbeat", duration_s=8.0, sample_rate_hz=rate).mono()
    t = np.arange(drums.size) / rate
    pitches = [57, 60, 64, 69]  # A3 C4 E4 A4
    step = np.floor(t / 0.25).astype(int) % len(pitches)
    freq = 440.0 * 2 ** ((np.array(pitches)[step] - 69) / 12)
    tone = 0.2 * np.sin(2 * np.pi * np.cumsum(freq) / rate) * np.exp(-((t % 0.25) * 6))
    path = tmp_path_factory.mktemp("audio") / "groove.wav"
    sf.write(path, (drums + tone) * 0.5, rate)
    return path


def test_tags_upsamples_into_words_the_composer_understands() -> None:
    result = runner.invoke(app, ["tags", "pop, happy"])
    assert result.exit_code == 0, result.output
    upsampled = result.output.strip()
    assert upsampled.startswith("pop, happy")
    assert len(upsampled.split(",")) >= 6
    assert resolve_style(upsampled).unknown == ()


def test_lyrics_writes_two_titled_sets_deterministically() -> None:
    first = runner.invoke(app, ["lyrics", "a road trip in summer", "--seed", "4", "--json"])
    again = runner.invoke(app, ["lyrics", "a road trip in summer", "--seed", "4", "--json"])
    assert first.exit_code == 0, first.output
    assert first.output == again.output
    pair = json.loads(first.output)
    assert len(pair) == 2 and pair[0]["title"] != pair[1]["title"]
    assert all("[Chorus]" in item["lyrics"] for item in pair)


def test_lyrics_bad_input_is_a_clear_error() -> None:
    result = runner.invoke(app, ["lyrics", "   "])
    assert result.exit_code == 2
    assert "required" in result.output
    assert "Traceback" not in result.output


def test_analyze_measures_tempo_and_loudness(groove_wav: Path) -> None:
    result = runner.invoke(app, ["analyze", str(groove_wav), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert abs(summary["tempo_bpm"] - 120.0) / 120.0 < 0.02
    assert summary["meter"] == "4/4"
    assert summary["duration_s"] == pytest.approx(8.0, abs=0.01)
    assert summary["loudness_lufs"] < 0 and summary["sections"]
    text = runner.invoke(app, ["analyze", str(groove_wav)])
    assert "tempo:" in text.output and "key:" in text.output


def test_stems_write_flac_files_that_sum_to_the_input(groove_wav: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["stems", str(groove_wav), "-o", str(tmp_path), "--basic"])
    assert result.exit_code == 0, result.output
    vocals = decode_audio((tmp_path / "vocals.flac").read_bytes())
    rest = decode_audio((tmp_path / "instrumental.flac").read_bytes())
    original = decode_audio(groove_wav.read_bytes())
    total = vocals.samples + rest.samples
    assert np.max(np.abs(total.mean(axis=0) - original.samples.mean(axis=0))) < 1e-3


def test_midi_transcribes_the_arpeggio(groove_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mid"
    result = runner.invoke(app, ["midi", str(groove_wav), "-o", str(out)])
    assert result.exit_code == 0, result.output
    midi = mido.MidiFile(file=io.BytesIO(out.read_bytes()))
    pitches = {m.note % 12 for track in midi.tracks for m in track if m.type == "note_on" and m.velocity > 0}
    assert {9, 0, 4} <= pitches  # A, C, E


def test_unreadable_and_undecodable_files_fail_cleanly(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["analyze", str(tmp_path / "nope.wav")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not audio at all" * 100)
    bad = runner.invoke(app, ["analyze", str(junk)])
    assert bad.exit_code == 2 and "could not be decoded" in bad.output
