"""``reusable_mp3``: an MP3 that already is what ``encode_mp3`` makes (MPEG-1 Layer III, stereo,
44.1 kHz, 192 kbit/s constant) is recognised frame by frame; anything else is not."""

from __future__ import annotations

import numpy as np

from tunesmith.music.audio import AudioBuffer, decode_audio, encode_mp3, encode_wav, reusable_mp3


def noise(channels: int = 2, rate_hz: int = 44_100, duration_s: float = 2.0) -> AudioBuffer:
    rng = np.random.default_rng(3)
    return AudioBuffer.from_array(0.1 * rng.standard_normal((channels, round(duration_s * rate_hz))), rate_hz)


def test_our_own_mp3_is_reusable_without_its_id3_tag() -> None:
    mp3 = encode_mp3(noise())
    frames = reusable_mp3(mp3)
    assert frames is not None and mp3.startswith(b"ID3") and mp3.endswith(frames)
    assert not frames.startswith(b"ID3") and frames[0] == 0xFF
    assert decode_audio(frames).frames == decode_audio(mp3).frames == noise().frames


def test_other_bit_rates_rates_channels_and_formats_are_not() -> None:
    assert reusable_mp3(encode_mp3(noise(), bitrate_kbps=128)) is None
    assert reusable_mp3(encode_mp3(noise(channels=1))) is None
    assert reusable_mp3(encode_mp3(noise(rate_hz=48_000))) is None
    assert reusable_mp3(encode_wav(noise())) is None
    assert reusable_mp3(b"") is None


def test_a_cut_or_padded_stream_is_not() -> None:
    mp3 = encode_mp3(noise())
    assert reusable_mp3(mp3[:-100]) is None  # the last frame is cut
    assert reusable_mp3(mp3 + b"\0" * 50) is None  # junk after the frames
    assert reusable_mp3(mp3 + b"TAG" + b"\0" * 125) is not None  # an ID3v1 tag is fine
