"""Lyric alignment (PocketSphinx forced alignment) on our own singer, re-uploaded as plain audio.

The song is composed, sung and mastered by the engine; the mastered mix goes through a WAV
encode/decode (what an upload is), and the aligned word starts are compared with the Score's exact
timeline. Acceptance (issue 6): mean absolute error ≤ 0.5 s; goal 0.3 s. Measured on this 15-s
pop song on 2026-11-26: 0.11–0.13 s on the mix with the three-view vote (0.19–0.80 s when the
more confident of two views was kept whole; it moves with the singer and the separation), about
0.1 s on the isolated vocal stem; bench/eval_analysis.py reports six songs.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.analyze.align import (
    AGREEMENT_S,
    MIN_VOICE_SHIFT_S,
    WordAlignment,
    _voice_presence,
    _vote,
    align_lyrics,
    align_lyrics_in_mix,
    lyric_tokens,
    mean_start_error_s,
)
from tunesmith.music.analyze.evalset import CHORUS_TUNING_CASES, SUNG_CASES, SungMix, chorus_song, sung_mix
from tunesmith.music.analyze.line_fit import fit_lines_to_phrases, fit_lines_to_voice, in_order
from tunesmith.music.audio import AudioBuffer, decode_audio, encode_wav

pytest.importorskip("pocketsphinx")


@pytest.fixture(scope="module")
def song() -> SungMix:
    tags, seed, lyrics = SUNG_CASES[0]
    return sung_mix(tags, seed, lyrics, duration_s=15.0)


@pytest.fixture(scope="module")
def uploaded(song: SungMix) -> AudioBuffer:
    """The mastered mix as an upload: encoded to WAV bytes and decoded again."""
    return decode_audio(encode_wav(song.master), filename_hint="upload.wav")


def _truth(song: SungMix) -> list[tuple[str, float]]:
    return [(word, start_s) for word, start_s, _ in song.words]


def test_uploaded_mix_aligns_within_acceptance(song: SungMix, uploaded: AudioBuffer) -> None:
    alignment = align_lyrics_in_mix(uploaded, song.lyrics)
    assert [w.word.strip() for w in alignment] == [w for w, _, _ in song.words]
    error = mean_start_error_s(alignment, _truth(song))
    print(f"mean |start error| on the uploaded mix: {error:.3f} s")
    assert error <= 0.5
    # Words are in order, inside the audio, and mostly confident.
    starts = [w.start_s for w in alignment]
    assert starts == sorted(starts)
    assert all(0.0 <= w.start_s <= w.end_s <= uploaded.duration_s for w in alignment)
    assert sum(w.success for w in alignment) >= 0.75 * len(alignment)


def test_isolated_vocal_aligns_closely(song: SungMix) -> None:
    alignment = align_lyrics(song.stems["vocals"], song.lyrics)
    error = mean_start_error_s(alignment, _truth(song))
    assert error <= 0.25
    assert all(0.0 < w.p_align <= 1.0 for w in alignment)


def test_wrong_lyrics_are_less_confident(song: SungMix) -> None:
    right = align_lyrics(song.stems["vocals"], song.lyrics)
    wrong = align_lyrics(
        song.stems["vocals"], "Purple elephants juggle quietly\nUnder seventeen moons of cheese"
    )
    assert np.mean([w.p_align for w in wrong]) < np.mean([w.p_align for w in right])


def test_alignment_is_deterministic(song: SungMix) -> None:
    clip = AudioBuffer.from_array(song.stems["vocals"].samples[:, : 6 * 44_100], 44_100)
    assert align_lyrics(clip, song.lyrics) == align_lyrics(clip, song.lyrics)


def test_words_keep_their_written_form_and_line_ends() -> None:
    tokens = lyric_tokens("[Verse]\nHello, world!\n\n24/7 Blorptastic 🎵\n[Chorus]\n")
    assert [t[0] for t in tokens] == ["Hello, ", "world!\n", "24/7 ", "Blorptastic ", "🎵\n"]
    assert tokens[2][1] == ["twenty", "four", "seven"]
    assert tokens[4][1] == []
    assert lyric_tokens("[Instrumental]") == []
    assert lyric_tokens("") == []


def test_unknown_words_and_emoji_do_not_break_alignment(song: SungMix) -> None:
    # An invented word (G2P from the phonemes module) and an emoji token inside real lyrics.
    lyrics = song.lyrics.replace("empty", "Blorptastic", 1) + " 🎶"
    alignment = align_lyrics(song.stems["vocals"], lyrics)
    assert len(alignment) == len(lyric_tokens(lyrics))
    assert alignment[-1].word == "🎶\n" and alignment[-1].success is False
    placed = [w for w in alignment[:-1] if w.success]
    assert len(placed) >= len(alignment) - 3


def test_empty_silent_and_foreign_inputs_never_crash() -> None:
    silence = AudioBuffer.from_array(np.zeros((2, 44_100 * 3), dtype=np.float32), 44_100)
    assert align_lyrics(silence, "") == []
    assert align_lyrics(silence, "[Verse]\n\n[Instrumental]") == []
    result = align_lyrics(silence, "Привет мир\nこんにちは 世界")
    assert len(result) == 4
    assert all(isinstance(w, WordAlignment) and w.success is False for w in result)
    assert align_lyrics(silence, "🎵 🎶") == [
        WordAlignment("🎵 ", 0.0, 0.0, 0.0, False),
        WordAlignment("🎶\n", 0.0, 0.0, 0.0, False),
    ]
    short = AudioBuffer.from_array(np.ones((1, 100), dtype=np.float32) * 0.1, 44_100)
    assert [w.success for w in align_lyrics(short, "la la")] == [False, False]


def test_bad_lyrics_raise_invalid_parameter() -> None:
    audio = AudioBuffer.from_array(np.zeros((1, 44_100), dtype=np.float32), 44_100)
    with pytest.raises(InvalidParameter) as info:
        align_lyrics(audio, 42)  # type: ignore[arg-type]
    assert info.value.field == "lyrics"
    with pytest.raises(InvalidParameter):
        align_lyrics(audio, "la " * 10_000)


def test_mean_start_error_checks_words() -> None:
    words = [WordAlignment("a ", 1.0, 1.5, 1.0, True), WordAlignment("b\n", 2.0, 2.5, 1.0, True)]
    assert mean_start_error_s(words, [("a", 1.5), ("b", 2.0)]) == pytest.approx(0.25)
    with pytest.raises(InvalidParameter):
        mean_start_error_s(words, [("a", 1.0), ("c", 2.0)])
    assert words[0].to_json() == {"word": "a ", "start_s": 1.0, "end_s": 1.5, "p_align": 1.0, "success": True}


def _view(starts: list[float], p_align: float = 0.9) -> list[WordAlignment]:
    words = ["one ", "two ", "three\n"]
    return [WordAlignment(w, s, s + 0.3, p_align, p_align >= 0.3) for w, s in zip(words, starts, strict=True)]


def test_vote_takes_the_majority_word_by_word() -> None:
    # Each view is confidently wrong on a different word; the vote is right on every word.
    truth = [1.0, 2.0, 3.0]
    views = [_view([1.0, 2.0, 6.0], 0.95), _view([1.1, 4.5, 3.0], 0.9), _view([0.0, 2.1, 3.1], 0.6)]
    voted = _vote(views)
    assert [w.word for w in voted] == ["one ", "two ", "three\n"]
    assert all(abs(w.start_s - t) <= 0.15 for w, t in zip(voted, truth, strict=True))
    assert all(w.success for w in voted)
    # A word only one view places where the median lies gets a third of that view's confidence.
    lone = _vote([_view([1.0, 2.0, 3.0]), _view([1.0, 2.0 + 3 * AGREEMENT_S, 3.0]), _view([1.0, 9.0, 3.0])])
    assert lone[1].p_align == pytest.approx(0.3)
    assert lone[0].p_align == pytest.approx(0.9)


def test_vote_keeps_order_and_skips_failed_views() -> None:
    crossed = _vote([_view([1.0, 1.5, 3.0]), _view([2.0, 1.6, 3.0]), _view([1.9, 1.2, 3.0])])
    starts = [w.start_s for w in crossed]
    assert starts == sorted(starts)
    assert all(w.start_s <= w.end_s for w in crossed)
    failed = [WordAlignment(w.word, 0.0, 0.0, 0.0, False) for w in _view([0.0, 0.0, 0.0])]
    # With a failed view left out, two views remain: the more confident one is kept whole.
    confident, unsure = _view([1.0, 2.0, 3.0], 0.9), _view([5.0, 6.0, 7.0], 0.5)
    assert _vote([failed, unsure, confident]) == confident
    assert _vote([failed, failed]) == failed


def test_voice_presence_ignores_accompaniment_leaking_into_the_separation() -> None:
    rate_hz = 22_050
    t = np.arange(4 * rate_hz) / rate_hz
    sung = ((t >= 0.5) & (t < 1.5)) | ((t >= 2.5) & (t < 3.5))
    voice = sum(np.sin(2 * np.pi * 220.0 * k * t) / k for k in range(1, 6)) * sung
    band = np.random.default_rng(1).standard_normal(t.size)
    guitar = 0.5 * np.convolve(band, np.ones(8) / 8, mode="same")  # loud everywhere in the mix
    vocal = voice + 0.05 * guitar  # the separation lets a little of it through (-20 dB)
    mix = voice + guitar
    voiced, hop_s = _voice_presence(
        AudioBuffer.from_array(vocal[None, :].astype(np.float32), rate_hz),
        AudioBuffer.from_array(mix[None, :].astype(np.float32), rate_hz),
    )
    at = lambda s: bool(voiced[int(s / hop_s)])  # noqa: E731
    assert at(1.0) and at(3.0)
    assert not at(0.2) and not at(2.0) and not at(3.8)


def _line_words(starts: list[float], last: str) -> list[WordAlignment]:
    words = [f"w{i} " for i in range(len(starts) - 1)] + [last]
    return [WordAlignment(w, s, s + 0.3, 0.8, True) for w, s in zip(words, starts, strict=True)]


def test_lines_aligned_into_an_instrumental_gap_move_onto_the_voice() -> None:
    hop_s = 0.016
    times = np.arange(round(12 / hop_s)) * hop_s
    voiced = ((times >= 1.0) & (times < 3.0)) | ((times >= 6.0) & (times < 8.0))
    verse = _line_words([1.0, 1.6, 2.2, 2.6], "end\n")
    # The chorus's first words were pulled into the gap before it (voice starts at 6.0 s), and
    # its last word stretched past the voice into the outro (voice ends at 8.0 s).
    chorus = _line_words([4.2, 4.6, 5.0, 6.6, 7.1, 9.5], "sky\n")
    fitted = fit_lines_to_voice(verse + chorus, voiced, hop_s)
    assert fitted[:4] == verse  # sung where voice is: untouched
    starts = [w.start_s for w in fitted[4:]]
    assert starts == sorted(starts)
    assert all(6.0 - hop_s <= s <= 8.0 for s in starts)
    assert starts[3] == pytest.approx(6.6) and starts[4] == pytest.approx(7.1)  # already in voice
    assert fitted[-1].end_s <= 8.0 + hop_s
    assert [w.word for w in fitted] == [w.word for w in verse + chorus]
    # A line starting just before the voice (an unvoiced consonant) is left alone.
    early = _line_words([6.0 - MIN_VOICE_SHIFT_S / 2, 6.5, 7.0], "x\n")
    assert fit_lines_to_voice(early, voiced, hop_s) == early


def test_a_chorus_after_a_fill_aligns_within_acceptance() -> None:
    # 30 s, a verse and a chorus sung with backing harmonies after an instrumental fill, uploaded
    # as WAV. With the three-view vote and the local fit of lines to voice alone, the chorus's
    # first line was pulled into the fill: 0.91 s mean error (0.67 s with an earlier singer);
    # with lines fitted to the voice's phrases and re-recognised one by one about 0.08 s
    # (measured 2026-11-26; it moves with the singer and the separation).
    song = chorus_song(CHORUS_TUNING_CASES[2])
    assert "[Chorus]" in song.lyrics
    upload = decode_audio(encode_wav(song.master), filename_hint="upload.wav")
    alignment = align_lyrics_in_mix(upload, song.lyrics)
    error = mean_start_error_s(alignment, _truth(song))
    print(f"mean |start error| on the 30-s chorus song: {error:.3f} s")
    assert error <= 0.4
    assert all(0.0 <= w.start_s <= w.end_s <= upload.duration_s for w in alignment)
    assert all(a.end_s <= b.start_s for a, b in pairwise(alignment))


def test_lines_placed_far_from_their_voice_move_onto_its_phrasesin_order() -> None:
    hop_s = 0.016
    times = np.arange(round(24 / hop_s)) * hop_s
    phrases = [(2.0, 4.0), (6.0, 8.0), (14.0, 16.0), (19.0, 21.0)]  # a fill from 8 to 14 s
    voiced = np.zeros(times.size, dtype=bool)
    for a, b in phrases:
        voiced |= (times >= a) & (times < b)
    line = lambda start: _line_words([start + 0.5 * k for k in range(3)], "end\n")  # noqa: E731
    # The recogniser put line 3 into the fill, five seconds before its voice, and could not
    # place line 4 at all.
    unplaced = [WordAlignment(w.word, 10.3, 10.3, 0.0, False) for w in line(0.0)]
    words = [*line(2.0), *line(6.0), *line(9.0), *unplaced]
    fitted = fit_lines_to_phrases(words, [1] * len(words), voiced, hop_s)
    assert fitted[:6] == words[:6]  # already on their voice: untouched
    for n, (a, b) in enumerate(phrases[2:], start=2):
        starts = [w.start_s for w in fitted[3 * n : 3 * n + 3]]
        assert starts == sorted(starts)
        assert a - hop_s <= starts[0] <= a + 0.3 and starts[-1] < b
    assert [w.word for w in fitted] == [w.word for w in words]


def test_words_end_inside_the_audio_in_order_without_overlap() -> None:
    words = [
        WordAlignment("a ", 1.0, 2.5, 0.9, True),
        WordAlignment("b ", 0.8, 1.2, 0.9, True),  # starts before its predecessor
        WordAlignment("c\n", 9.0, 12.0, 0.9, True),  # runs past the end
    ]
    tidy = in_order(words, 10.0)
    assert [w.start_s for w in tidy] == [1.0, 1.0, 9.0]
    assert all(a.end_s <= b.start_s for a, b in pairwise(tidy))
    assert tidy[-1].end_s == 10.0


def test_a_line_squeezed_into_a_fill_takes_the_rest_of_its_phrase() -> None:
    # The case of 2026-11-26 (a 30-s indie folk upload): the recogniser squeezed the first chorus
    # line into the guitar fill before it, ending it inside the line's own phrase; the leaked fill
    # joins that phrase, so no phrase lay wholly between the lines and the 1.8 s of voice after
    # the line's end counted nowhere: the line kept its early end (came back 1.2 s early).
    hop_s = 0.016
    times = np.arange(round(24 / hop_s)) * hop_s
    runs = [(2.0, 4.5), (6.0, 8.0), (9.4, 9.8), (10.0, 11.4), (11.5, 11.8), (11.9, 13.3), (15.0, 17.5)]
    voiced = np.zeros(times.size, dtype=bool)
    for a, b in runs:
        voiced |= (times >= a) & (times < b)
    squeezed = _line_words([8.0, 8.8, 9.6, 10.3, 11.1], "c\n")  # sung from 10.0 s to 13.3 s
    words = [
        *_line_words([2.0, 2.8, 3.6, 4.2], "a\n"),
        *_line_words([6.0, 6.6, 7.2, 7.7], "b\n"),
        *squeezed,
        *_line_words([11.5, 13.0, 14.5, 16.0, 17.2], "d\n"),
    ]
    fitted = fit_lines_to_phrases(words, [1] * len(words), voiced, hop_s)
    assert fitted[:8] == words[:8]  # already on their voice: untouched
    assert fitted[12].end_s >= 13.3 - 0.2  # the squeezed line takes the rest of its phrase
    assert 15.0 - hop_s <= fitted[13].start_s <= 15.3  # the next line starts on its own voice
    starts = [w.start_s for w in fitted]
    assert starts == sorted(starts)
