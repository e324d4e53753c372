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
