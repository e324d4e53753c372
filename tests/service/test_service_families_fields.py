"""Family fields that used to be accepted without effect, each given a measured meaning
(API.md §6–§8):

- nuro bgm ``description`` and ``theme``: the words reach the composer's style (tempo range,
  mode, instrumentation change as the words say), measured on the SongSpec the engine receives;
- producer ``music_variation`` ``sound``: the variation is re-instrumented from the sound text;
- producer ``extend`` ``length`` under 10 s: the new part lasts exactly ``length``;
- studio ``clarity_strength``, ``lyrics_strength``, ``lyrics_placement_*``, ``song_section_*``,
  ``config.context_length`` and continuation lyrics: measured on the composed Score.
"""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest
from tests.service.test_service_families_ops import Real, drain, score_of, stored_song, wav_of
from tests.service.test_service_families_ops import real as real  # the fixture

from tunesmith.music.edit.context import context_bars
from tunesmith.music.edit.extend import snap_continue_at
from tunesmith.music.spec import SongSpec
from tunesmith.music.style.model import Style
from tunesmith.music.style.tags import resolve_style


def _bgm_spec(client: httpx.Client, auth: dict[str, str], drain: Any, engine: Any, **fields: Any) -> SongSpec:
    body = {"type": "bgm", "genre": ["corporate"], "mood": ["positive"], "duration": 12, "seed": 5, **fields}
    r = client.post("/api/v1/nuro/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    drain()
    spec: SongSpec = engine.calls[-1]
    return spec


def test_nuro_bgm_description_and_theme_reach_the_style(
    client: httpx.Client, auth: dict[str, str], drain: Any, engine: Any
) -> None:
    def style(**fields: Any) -> Style:
        return resolve_style(_bgm_spec(client, auth, drain, engine, **fields).tags)

    plain = style(description="music")
    slow = style(description="a slow, calm and soft piece for a yoga video")
    fast = style(description="a fast energetic anthem for a race")
    # the description's tempo words move the tempo range the composer draws from
    assert slow.tempo_range_bpm[1] < plain.tempo_range_bpm[0]
    assert plain.tempo_range_bpm[1] < fast.tempo_range_bpm[0]
    assert {"peaceful"} <= {m.key for m in slow.moods} and "energetic" in {m.key for m in fast.moods}
    # a theme adds its moods and instruments: meditation → slow, pads and a drone
    med = style(description="music", theme=["meditation"])
    assert med.tempo_range_bpm[1] < plain.tempo_range_bpm[0]
    names = {p.name for p in med.instruments} - {p.name for p in plain.instruments}
    assert "pad" in names
    sad = style(description="a sad, melancholy piece")
    assert "sad" in {m.key for m in sad.moods}
    assert sad.mode_weights.get("major", 0.0) < plain.mode_weights.get("major", 0.0)


@pytest.mark.xdist_group("families_ops")
def test_producer_extend_shorter_than_ten_seconds_is_exact(real: Real) -> None:
    client, auth, svc = real
    source_id = stored_song(svc)
    join_s = snap_continue_at(score_of(svc, source_id), 6.0)
    body = {"task_type": "extend_music", "clip_id": source_id, "starts_at": 6, "length": 6,
            "instruction": "pop, piano", "seed": 2}  # fmt: skip
    r = client.post("/api/v1/producer/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    drain(svc)
    done = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()
    assert done["status"] == "SUCCESS", done
    item = done["data"][0]
    # the full song: the source to the join, then exactly 6 s of new material (not 10 s)
    assert item["duration"] == pytest.approx(join_s + 6.0, abs=0.011)
    audio = wav_of(svc, item["clip_id"])
    assert audio.frames == round(score_of(svc, item["clip_id"]).duration_s * audio.sample_rate_hz)
    assert abs(audio.duration_s - (join_s + 6.0)) < 0.011
    # new material sounds after the join and fades out at the cut (no click at the end)
    rate = audio.sample_rate_hz
    body_rms = float(
        np.sqrt(np.mean(audio.samples[:, round((join_s + 1) * rate) : round((join_s + 4) * rate)] ** 2))
    )
    tail = float(np.abs(audio.samples[:, -round(0.01 * rate) :]).max())
    assert body_rms > 0.01 and tail < 0.1 * body_rms, (body_rms, tail)


@pytest.mark.xdist_group("families_ops")
def test_producer_variation_takes_its_instruments_from_sound(real: Real) -> None:
    client, auth, svc = real
    source_id = stored_song(svc)
    source = score_of(svc, source_id)
    sound = "orchestral, strings, cello"
    body = {"task_type": "music_variation", "clip_id": source_id, "strength": 0.2, "sound": sound, "seed": 4}
    r = client.post("/api/v1/producer/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    drain(svc)
    done = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()
    assert done["status"] == "SUCCESS" and len(done["data"]) == 2, done
    wanted: dict[str, Any] = {}
    for part in resolve_style(sound).instruments:
        wanted.setdefault(part.role, part)  # a role's first track takes the style's first part
    for item in done["data"]:
        assert item["sound"] == sound
        varied = score_of(svc, item["clip_id"])
        # the same song and words: the vocal line is the source's
        assert [(v.pitch, v.start_beat, v.syllable) for v in varied.vocals] == [
            (v.pitch, v.start_beat, v.syllable) for v in source.vocals
        ]
        by_role = {t.role: t for t in varied.tracks}
        src_roles = {t.role: t for t in source.tracks}
        # the pad and the bass are now the sound's instruments (strings), not the source's
        for role in ("pad", "bass"):
            assert by_role[role].program == wanted[role].program != src_roles[role].program
            assert by_role[role].group == "strings"
        # and the strings are heard: a strings stem the source does not have
        stem = wav_of(svc, item["clip_id"], "stems/strings.flac")
        assert float(np.sqrt(np.mean(stem.samples**2))) > 1e-3
        assert not any(t.group == "strings" for t in source.tracks)


SONG_LYRICS = "\n".join(
    [
        "[Verse]", "Stars they shine above me", "Light the road ahead",
        "[Chorus]", "Hold on hold on", "We are going home",
        "[Verse]", "Rivers running under", "Bridges made of gold",
        "[Chorus]", "Hold on hold on", "We are going home",
        "[Bridge]", "Every mile is lighter", "Every night is warm",
        "[Chorus]", "Hold on hold on", "We are going home",
    ]
)  # fmt: skip
"""A whole song's lyrics: its middle (song_section 0.5..0.8) sings."""


@pytest.mark.xdist_group("families_ops")
def test_studio_shaping_fields_shape_the_songs(real: Real) -> None:
    client, auth, svc = real
    body = {"prompt": "pop, piano", "lyrics_type": "user", "lyrics": SONG_LYRICS, "seed": 8,
            "generation_quality": 0.2, "song_section_start": 0.5, "song_section_end": 0.8,
            "lyrics_placement_start": 0.0, "lyrics_placement_end": 0.5, "clarity_strength": 1.0,
            "lyrics_strength": 1.0, "bypass_prompt_optimization": True}  # fmt: skip
    r = client.post("/api/v1/studio/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    drain(svc)
    done = client.get(f"/api/v1/studio/task/{r.json()['task_id']}", headers=auth).json()
    assert done["data"]["status"] == "SUCCESS", done
    plain = resolve_style("pop, piano")
    for song in done["data"]["data"]["songs"]:
        score = score_of(svc, song["id"])
        assert song["duration"] == 32.0 and score.duration_s == 32.0
        # song_section 0.5..0.8: the middle of a whole song (no intro, no outro), faded out at its end
        assert score.sections[0].kind != "intro" and score.sections[-1].kind != "outro"
        audio = wav_of(svc, song["id"])
        rate = audio.sample_rate_hz
        body_rms = float(np.sqrt(np.mean(audio.samples[:, 10 * rate : 20 * rate] ** 2)))
        assert float(np.abs(audio.samples[:, -round(0.01 * rate) :]).max()) < 0.05 * body_rms
        # lyrics_placement 0..0.5: the middle of the song sings, every syllable in the first 16 s
        assert len(score.vocals) >= 10 and song["lyrics"] != "[Instrumental]"
        assert all(score.seconds_at(v.end_beat) <= 16.0 + 1e-6 for v in score.vocals)
        # clarity 1: only the essential layers and the harmony, turned down 6 dB
        assert len(score.tracks) < len(plain.instruments)
        assert all(t.gain_db <= -6.0 + max(p.gain_db for p in plain.instruments) + 1e-6 for t in score.tracks)
        # lyrics_strength 1: syllables on the eighth-note grid
        on_grid = [abs(v.start_beat * 2 - round(v.start_beat * 2)) < 1e-6 for v in score.vocals]
        assert on_grid and sum(on_grid) >= 0.9 * len(on_grid)


@pytest.mark.xdist_group("families_ops")
def test_studio_continuation_writes_lyrics_and_carries_on_the_context(real: Real) -> None:
    client, auth, svc = real
    source_id = stored_song(svc, duration_s=12)
    source = score_of(svc, source_id)
    body = {"prompt": "a hopeful song about sailing home across the sea", "lyrics_type": "generate",
            "seed": 6, "generation_quality": 0.2, "bypass_prompt_optimization": True,
            "config": {"mode": "continuation", "source": {"song_id": source_id},
                       "context_length": 3}}  # fmt: skip
    r = client.post("/api/v1/studio/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    drain(svc)
    done = client.get(f"/api/v1/studio/task/{r.json()['task_id']}", headers=auth).json()
    assert done["data"]["status"] == "SUCCESS", done
    first, end = context_bars(source, 3.0)
    period = [chord_at(source, bar) for bar in range(first, end)]
    source_lines = {line.strip() for line in source.lyrics.splitlines() if line.strip()}
    for song in done["data"]["data"]["songs"]:
        full = score_of(svc, song["id"])
        join_bar = source.total_bars
        # new words, written from the prompt: lines the source does not sing
        new_lines = [
            line for line in song["lyrics"].splitlines() if line.strip() and line not in source_lines
        ]
        assert len([line for line in new_lines if not line.startswith("[")]) >= 2, song["lyrics"]
        # the new part carries on the chords of the source's last 3 s, bar by bar
        bars = full.total_bars - join_bar
        assert bars >= 4
        played = [chord_at(full, join_bar + i) for i in range(bars - 1)]
        assert played == [period[i % len(period)] for i in range(bars - 1)]


def chord_at(score: Any, bar: int) -> str:
    beat = score.bar_start_beat(bar)
    return str(next(c.symbol for c in score.chords if c.start_beat - 1e-6 <= beat < c.end_beat - 1e-6))


@pytest.mark.xdist_group("families_ops")
def test_producer_variation_of_an_upload_takes_its_accompaniment_from_sound(real: Real) -> None:
    client, auth, svc = real
    mix = svc.blobs.get(f"clips/{stored_song(svc)}/mix.wav")
    r = client.post("/api/v1/producer/upload", files={"file": ("take.wav", mix)}, headers=auth)
    assert r.status_code == 200, r.text
    upload_id = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()["data"][0]
    sound = "orchestral, strings, cello"
    body = {"task_type": "music_variation", "clip_id": upload_id["clip_id"], "sound": sound, "seed": 4}
    r = client.post("/api/v1/producer/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    drain(svc)
    done = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()
    assert done["status"] == "SUCCESS", done
    wanted = {p.program for p in resolve_style(sound).instruments if p.group == "strings"}
    for item in done["data"]:
        assert item["sound"] == sound
        score = score_of(svc, item["clip_id"])
        # the new accompaniment is the sound's: string programs play in it
        assert any(t.program in wanted and t.group == "strings" and t.notes for t in score.tracks)
