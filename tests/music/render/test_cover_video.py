"""Cover art, the MP4 video and the MP3 encoder, checked with Pillow and ffprobe."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import tempfile

import numpy as np
import pytest
from PIL import Image

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer, decode_audio, encode_mp3, encode_wav
from tunesmith.music.render.cover import draw_cover
from tunesmith.music.render.video import make_video

RATE = 44_100


def _ffprobe(data: bytes, suffix: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        result = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "format=duration,bit_rate:stream=codec_name,codec_type,bit_rate",
                "-of",
                "json",
                handle.name,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(result.stdout)


def _song_audio(seconds: float) -> AudioBuffer:
    rng = np.random.default_rng(5)
    t = np.arange(round(seconds * RATE)) / RATE
    chirp = 0.3 * np.sin(2 * np.pi * (200 + 100 * t) * t)
    return AudioBuffer.from_array(np.stack([chirp, chirp + 0.05 * rng.standard_normal(t.size)]), RATE)


def test_cover_is_a_large_square_jpeg_that_depends_on_the_song(make_score) -> None:
    score = make_score()
    first = draw_cover(score)
    image = Image.open(io.BytesIO(first))
    assert image.format == "JPEG"
    assert image.size == (1024, 1024)
    assert draw_cover(score) == first  # deterministic
    other_seed = np.asarray(
        Image.open(io.BytesIO(draw_cover(dataclasses.replace(score, seed=2)))), dtype=np.float32
    )
    difference = np.abs(other_seed - np.asarray(image, dtype=np.float32)).mean()
    assert difference > 10.0
    small = Image.open(io.BytesIO(draw_cover(score, size_px=512)))
    assert small.size == (512, 512)
    with pytest.raises(InvalidParameter):
        draw_cover(score, size_px=100)


def test_cover_palette_follows_genre_and_mood(make_score) -> None:
    def mean_brightness(genre: str, moods: tuple[str, ...]) -> float:
        score = dataclasses.replace(make_score(genre=genre), tags=genre, moods=moods)
        picture = Image.open(io.BytesIO(draw_cover(score, size_px=512, with_title=False))).convert("L")
        return float(np.asarray(picture).mean())

    assert mean_brightness("metal", ("dark",)) < mean_brightness("pop", ("happy",)) - 15


@pytest.mark.parametrize("codec", ["mp3", "wav"])
def test_video_lasts_as_long_as_the_audio(make_score, codec: str) -> None:
    audio = _song_audio(7.37)
    encoded = encode_mp3(audio) if codec == "mp3" else encode_wav(audio)
    video = make_video(draw_cover(make_score(), size_px=512), encoded, duration_s=audio.duration_s)
    info = _ffprobe(video, ".mp4")
    assert {s["codec_name"] for s in info["streams"]} == {"h264", "aac"}
    assert float(info["format"]["duration"]) == pytest.approx(audio.duration_s, abs=0.1)


def test_mp3_is_192_kbps_and_decodes_to_the_exact_duration() -> None:
    audio = _song_audio(9.87)
    mp3 = encode_mp3(audio)
    info = _ffprobe(mp3, ".mp3")
    assert int(info["streams"][0]["bit_rate"]) == 192_000
    decoded = decode_audio(mp3, filename_hint="song.mp3")
    assert decoded.sample_rate_hz == RATE
    assert abs(decoded.duration_s - audio.duration_s) < 0.05
    # gapless: no encoder delay, so the waveform lines up with the original
    lag = (
        np.argmax(np.correlate(decoded.samples[0, 20_000:30_000], audio.samples[0, 21_000:29_000], "valid"))
        - 1000
    )
    assert abs(lag) <= 2
