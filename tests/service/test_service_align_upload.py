"""``sonic/aligned-lyrics`` on an UPLOADED clip over real HTTP: our own sung song, mastered, uploaded
as a plain WAV; the lyrics come in the request's ``lyrics`` field [+] and are force-aligned
(PocketSphinx). The words' starts are compared with the Score's exact timeline (acceptance: mean
absolute error ≤ 0.5 s), the result is cached in the bundle (a repeat is free and computes
nothing), and bad or unpronounceable lyrics get the contract's answers."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from tunesmith.jobs import analysis
from tunesmith.music.analyze.evalset import SUNG_CASES, SungMix, sung_mix
from tunesmith.music.audio import encode_wav

pytest.importorskip("pocketsphinx")


@pytest.fixture(scope="module")
def sung() -> SungMix:
    tags, seed, lyrics = SUNG_CASES[0]
    return sung_mix(tags, seed, lyrics, duration_s=15.0)


def post(client: httpx.Client, auth: dict[str, str], path: str, body: dict[str, Any]) -> httpx.Response:
    return client.post(f"/api/v1/sonic/{path}", json=body, headers=auth)


def credits(client: httpx.Client, auth: dict[str, str]) -> int:
    return int(client.get("/api/v1/get-credits", headers=auth).json()["credits"])


def aligned_computations() -> int:
    return sum(n for name, n in analysis.COMPUTATIONS.items() if name.startswith("aligned-lyrics"))


def test_uploaded_song_lyrics_are_aligned(client: httpx.Client, auth: dict[str, str], sung: SungMix) -> None:
    files = {"file": ("song.wav", encode_wav(sung.master), "audio/wav")}
    upload = client.post("/api/v1/sonic/upload", files=files, headers=auth)
    assert upload.status_code == 200, upload.text
    clip_id = upload.json()["clip_id"]

    # The upload has no lyrics of its own: the contract's empty alignment.
    assert post(client, auth, "aligned-lyrics", {"clip_id": clip_id}).json()["data"] == {"alignment": []}

    before, computed = credits(client, auth), aligned_computations()
    answer = post(client, auth, "aligned-lyrics", {"clip_id": clip_id, "lyrics": "[Verse]\n" + sung.lyrics})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["code"] == 200 and body["message"] == "success"
    alignment = body["data"]["alignment"]
    assert [a["word"].rstrip() for a in alignment] == [w for w, _, _ in sung.words]
    assert [a["word"][-1] for a in alignment] == [" "] * 5 + ["\n"] + [" "] * 5 + ["\n"]
    assert all(set(a) == {"word", "start_s", "end_s", "p_align", "success"} for a in alignment)
    error = float(
        np.mean([abs(a["start_s"] - s) for a, (_, s, _) in zip(alignment, sung.words, strict=True)])
    )
    print(f"aligned-lyrics on the uploaded mix: mean |start error| {error:.3f} s")
    assert error <= 0.5
    assert sum(a["success"] for a in alignment) >= 9
    assert all(0.0 <= a["p_align"] <= 1.0 and a["start_s"] <= a["end_s"] for a in alignment)
    assert credits(client, auth) == before - 1 and aligned_computations() == computed + 1

    # Asked again: the cached answer, free, nothing computed.
    again = post(client, auth, "aligned-lyrics", {"clip_id": clip_id, "lyrics": "[Verse]\n" + sung.lyrics})
    assert again.json()["data"]["alignment"] == alignment
    assert credits(client, auth) == before - 1 and aligned_computations() == computed + 1

    # Unpronounceable lyrics: every word is reported, none placed.
    emoji = post(client, auth, "aligned-lyrics", {"clip_id": clip_id, "lyrics": "🎵 🎶"}).json()["data"]
    assert emoji["alignment"] == [
        {"word": "🎵 ", "start_s": 0.0, "end_s": 0.0, "p_align": 0.0, "success": False},
        {"word": "🎶\n", "start_s": 0.0, "end_s": 0.0, "p_align": 0.0, "success": False},
    ]

    # A lyrics field that is not a string: the contract's 400, nothing charged.
    spent = credits(client, auth)
    bad = post(client, auth, "aligned-lyrics", {"clip_id": clip_id, "lyrics": ["la"]})
    assert bad.status_code == 400 and bad.json()["message"] == "The 'lyrics' field should be a string."
    assert credits(client, auth) == spent
