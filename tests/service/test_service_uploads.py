"""sonic/upload: multipart and URL, and each error case with the contract's message."""

from __future__ import annotations

import io
from typing import Any

import httpx
import soundfile as sf

from tunesmith.jobs.context import Services

NOT_ACCESSIBLE = "Audio URL is not accessible. Please provide a public direct audio file URL."


def err(response: Any) -> tuple[int, str]:
    body = response.json()
    assert body["message"] == body["error"] and body["code"] == response.status_code
    return response.status_code, body["message"]


def test_multipart_wav_becomes_a_clip(client: httpx.Client, auth: dict[str, str], make_wav: Any) -> None:
    response = client.post(
        "/api/v1/sonic/upload", headers=auth, files={"file": ("my song.wav", make_wav(2.5))}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"code", "message", "clip_id"}
    clip = client.get(f"/api/v1/clips/{answer['clip_id']}", headers=auth).json()["data"]
    assert (
        clip["state"] == "succeeded"
        and clip["title"] == "my song"
        and clip["lyrics"] == ""
        and clip["mv"] is None
    )
    assert clip["duration"] == 2.5
    meta = clip["metadata"]
    assert meta["origin"] == "upload" and meta["estimated"] is True and meta["engine"] == "analysis"
    assert meta["seed"] is None and meta["task_type"] == "upload"
    mp3 = client.get(clip["audio_url"].removeprefix("http://testserver"))
    assert mp3.headers["content-type"] == "audio/mpeg"
    wav = client.get(meta["wav_url"].removeprefix("http://testserver")).content
    data, rate = sf.read(io.BytesIO(wav))
    assert rate == 44_100 and data.shape[1] == 2 and abs(len(data) / rate - 2.5) < 0.01
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 998


def test_url_upload_and_errors(
    client: httpx.Client, auth: dict[str, str], make_wav: Any, receiver: Any, services: Services
) -> None:
    files = {
        "/a.wav": make_wav(1.5),
        "/junk.wav": b"this is not audio at all" * 10,
        "/long.wav": make_wav(9.0, rate=8000),
        "/short.wav": make_wav(0.3),
    }
    services.settings.uploads.max_duration_s = 8.0
    with receiver(files=files) as server:
        ok = client.post(
            "/api/v1/sonic/upload", json={"url": server.url + "/a.wav", "title": "T"}, headers=auth
        )
        assert ok.status_code == 200, ok.text
        clip = client.get(f"/api/v1/clips/{ok.json()['clip_id']}", headers=auth).json()["data"]
        assert clip["title"] == "T" and clip["duration"] == 1.5
        cases = {
            "/missing.wav": (400, NOT_ACCESSIBLE),
            "/junk.wav": (
                400,
                "The audio file could not be decoded. Supported formats: MP3, WAV, FLAC, OGG, M4A.",
            ),
            "/long.wav": (400, "The audio duration should be less than 8 seconds."),
            "/short.wav": (400, "The audio duration should be more than 1 seconds."),
        }
        for path, expected in cases.items():
            assert (
                err(client.post("/api/v1/sonic/upload", json={"url": server.url + path}, headers=auth))
                == expected
            )
        services.settings.uploads.max_bytes = 1000
        assert err(
            client.post("/api/v1/sonic/upload", json={"url": server.url + "/a.wav"}, headers=auth)
        ) == (413, f"The audio file should be less than {1000 / 1048576:g} MB.")
        services.settings.uploads.max_bytes = 10_000_000
        services.settings.uploads.allow_private_networks = False
        assert err(
            client.post("/api/v1/sonic/upload", json={"url": server.url + "/a.wav"}, headers=auth)
        ) == (400, NOT_ACCESSIBLE)
    for bad in ("ftp://example.org/a.mp3", "file:///etc/passwd"):
        assert err(client.post("/api/v1/sonic/upload", json={"url": bad}, headers=auth)) == (
            400,
            "The 'url' field should be an http or https URL.",
        )
    for private in (
        "http://169.254.169.254/x.wav",
        "http://10.0.0.1/x.wav",
        "http://[::1]/x.wav",
        "http://100.64.1.1/x.wav",
        "http://localhost/x.wav",
    ):
        assert err(client.post("/api/v1/sonic/upload", json={"url": private}, headers=auth)) == (
            400,
            NOT_ACCESSIBLE,
        )
    assert err(client.post("/api/v1/sonic/upload", json={}, headers=auth)) == (
        400,
        "The 'url' or 'file' field is required.",
    )
    # only the one good upload was charged
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 998


def test_multipart_too_large(
    client: httpx.Client, auth: dict[str, str], services: Services, make_wav: Any
) -> None:
    services.settings.uploads.max_bytes = 2 * 1024 * 1024
    big = make_wav(60.0, rate=44_100)
    assert len(big) > 2 * 1024 * 1024
    response = client.post("/api/v1/sonic/upload", headers=auth, files={"file": ("big.wav", big)})
    assert err(response) == (413, "The audio file should be less than 2 MB.")


def test_own_file_url_and_async_upload_with_webhook(
    client: httpx.Client, auth: dict[str, str], make_wav: Any, receiver: Any, drain: Any
) -> None:
    first = client.post("/api/v1/sonic/upload", headers=auth, files={"file": ("a.wav", make_wav(1.2))}).json()
    url = client.get(f"/api/v1/clips/{first['clip_id']}", headers=auth).json()["data"]["audio_url"]
    with receiver() as hook:
        answer = client.post(
            "/api/v1/sonic/upload", json={"url": url, "webhook_url": hook.url}, headers=auth
        ).json()
        drain()
        assert set(answer) == {"code", "message", "task_id", "clip_id"}
        assert len(hook.requests) == 1
    poll = client.get(f"/api/v1/sonic/task/{answer['task_id']}", headers=auth).json()
    assert [c["clip_id"] for c in poll["data"]] == [answer["clip_id"]]
    assert poll["data"][0]["state"] == "succeeded"


def beat_wav() -> bytes:
    """8 s of an A minor triad struck every 0.5 s (120 BPM) with a click, at 22.05 kHz mono."""
    import numpy as np

    from tunesmith.music.audio import AudioBuffer, encode_wav

    rate = 22_050
    t = np.arange(8 * rate) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 261.63, 329.63))  # A minor triad
    envelope = np.exp(-8.0 * (t % 0.5))  # a hit every 0.5 s: 120 BPM
    clicks = np.where((t % 0.5) < 0.01, 1.0, 0.0)
    signal = (0.2 * chord * envelope + 0.3 * clicks).astype(np.float32)
    return encode_wav(AudioBuffer.from_array(signal[None, :], rate))


class Deferred:
    """Stands in for the background analyser: keeps the jobs until the test runs them."""

    def __init__(self) -> None:
        self.jobs: list[Any] = []

    def submit(self, fn: Any) -> None:
        self.jobs.append(fn)


def test_upload_answers_before_analysis_and_measures_once_when_needed(
    client: httpx.Client, auth: dict[str, str], monkeypatch: Any
) -> None:
    from tunesmith.jobs import analysis, uploads

    uploads._analyser.submit(lambda: None).result()  # earlier tests' measurements are done
    deferred = Deferred()
    monkeypatch.setattr(uploads, "_analyser", deferred)
    before = analysis.COMPUTATIONS[uploads.FACTS]
    clip_id = client.post(
        "/api/v1/sonic/upload", headers=auth, files={"file": ("beat.wav", beat_wav())}
    ).json()["clip_id"]
    # answered without measuring; the measurement was handed to the background
    assert len(deferred.jobs) == 1 and analysis.COMPUTATIONS[uploads.FACTS] == before
    meta = client.get(f"/api/v1/clips/{clip_id}", headers=auth).json()["data"]["metadata"]
    assert meta["tempo_bpm"] is None and meta["key"] is None
    # the first operation that needs the tempo measures it (tempo and key together, once)
    bpm = client.post("/api/v1/sonic/bpm", json={"clip_id": clip_id}, headers=auth).json()["data"]
    assert abs(bpm["avg_bpm"] - 120.0) / 120.0 < 0.02
    assert bpm["min_bpm"] <= bpm["avg_bpm"] <= bpm["max_bpm"]
    assert analysis.COMPUTATIONS[uploads.FACTS] == before + 1
    meta = client.get(f"/api/v1/clips/{clip_id}", headers=auth).json()["data"]["metadata"]
    assert meta["tempo_bpm"] == bpm["avg_bpm"] and meta["key"] in {"A minor", "C major"}
    # the background job, run late, finds it measured
    deferred.jobs[0]()
    assert analysis.COMPUTATIONS[uploads.FACTS] == before + 1
    assert client.post("/api/v1/sonic/bpm", json={"clip_id": clip_id}, headers=auth).json()["data"] == bpm


def test_upload_is_measured_in_the_background(client: httpx.Client, auth: dict[str, str]) -> None:
    import time

    from tunesmith.jobs import analysis, uploads

    uploads._analyser.submit(lambda: None).result()  # earlier tests' measurements are done
    before = analysis.COMPUTATIONS[uploads.FACTS]
    clip_id = client.post(
        "/api/v1/sonic/upload", headers=auth, files={"file": ("beat.wav", beat_wav())}
    ).json()["clip_id"]
    deadline = time.monotonic() + 120.0  # the first measurement in a process compiles numba code
    while True:
        meta = client.get(f"/api/v1/clips/{clip_id}", headers=auth).json()["data"]["metadata"]
        if meta["tempo_bpm"] is not None or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert abs(meta["tempo_bpm"] - 120.0) / 120.0 < 0.02
    assert meta["key"] in {"A minor", "C major"}
    assert analysis.COMPUTATIONS[uploads.FACTS] == before + 1
    bpm = client.post("/api/v1/sonic/bpm", json={"clip_id": clip_id}, headers=auth).json()["data"]
    assert bpm["avg_bpm"] == meta["tempo_bpm"] and analysis.COMPUTATIONS[uploads.FACTS] == before + 1


def test_a_contract_mp3_is_served_as_sent_and_others_are_encoded(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    import numpy as np

    from tunesmith.music.audio import AudioBuffer, decode_audio, encode_mp3, reusable_mp3

    rng = np.random.default_rng(5)
    song = AudioBuffer.from_array(0.1 * rng.standard_normal((2, 3 * 44_100)), 44_100)
    sent = {kbps: encode_mp3(song, bitrate_kbps=kbps) for kbps in (192, 128)}
    served: dict[int, bytes] = {}
    for kbps in (192, 128):
        files = {"file": (f"{kbps}.mp3", sent[kbps])}
        answer = client.post("/api/v1/sonic/upload", headers=auth, files=files)
        clip = client.get(f"/api/v1/clips/{answer.json()['clip_id']}", headers=auth).json()["data"]
        served[kbps] = client.get(clip["audio_url"].removeprefix("http://testserver")).content
        wav = client.get(clip["metadata"]["wav_url"].removeprefix("http://testserver")).content
        assert decode_audio(wav).frames == decode_audio(served[kbps]).frames == song.frames
    assert served[192] == reusable_mp3(sent[192])  # the same frames, not encoded again
    assert reusable_mp3(served[128]) is not None  # encoded to the contract's 192 kbit/s
