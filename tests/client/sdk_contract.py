"""Answers copied from the wire contract (/work/shared/spec/API.md) and a recording fake server.

The fake server is an ``httpx.MockTransport`` (httpx's own transport port): it records every
request and answers from a per-route queue, so tests assert the exact requests the SDK sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

TASK_ID = "468d0e42-6c1f-4a55-9a87-2b1b3d1e6f10"
CLIP_ID = "26c9c592-0566-46cf-bb71-91ac1deaa7b5"
CLIP_ID_2 = "7d3c2a9e-1f0b-4d6a-8e5c-3b2a1f0e9d8c"
BASE = "https://music.example.org"

# §3.2, the succeeded clip example (ellipses in the contract's URLs filled in).
SONIC_CLIP: dict[str, Any] = {
    "clip_id": CLIP_ID,
    "state": "succeeded",
    "title": "Stars",
    "tags": "pop, dreamy",
    "negative_tags": None,
    "lyrics": "[Verse]\nStars they shine above me",
    "gpt_description_prompt": None,
    "mv": "sonic-v5",
    "audio_url": f"{BASE}/files/{CLIP_ID}/audio.mp3",
    "image_url": f"{BASE}/files/{CLIP_ID}/cover.jpg",
    "video_url": f"{BASE}/files/{CLIP_ID}/video.mp4",
    "created_at": "2026-03-02T10:26:46.552Z",
    "duration": 179.42,
    "style_weight": 0.8,
    "weirdness_constraint": None,
    "metadata": {
        "task_id": TASK_ID,
        "task_type": "create_music",
        "origin": "generated",
        "seed": 1234567,
        "tempo_bpm": 96.0,
        "key": "A minor",
        "time_signature": "4/4",
        "engine": "procedural",
        "quality": "standard",
        "estimated": False,
        "source_clip_id": None,
        "wav_url": f"{BASE}/files/{CLIP_ID}/audio.wav",
        "finished_at": "2026-03-02T10:27:31.090Z",
    },
}


def pending_clip(clip_id: str = CLIP_ID_2, state: str = "pending") -> dict[str, Any]:
    """A clip before success: URLs and duration null, texts empty (§3.2)."""
    return {
        "clip_id": clip_id,
        "state": state,
        "title": "",
        "tags": "",
        "negative_tags": None,
        "lyrics": "",
        "gpt_description_prompt": None,
        "mv": "sonic-v5",
        "audio_url": None,
        "image_url": None,
        "video_url": None,
        "created_at": "2026-03-02T10:26:46.552Z",
        "duration": None,
        "style_weight": None,
        "weirdness_constraint": None,
        "metadata": {"task_id": TASK_ID, "task_type": "create_music", "origin": "generated", "seed": 1234568},
    }


def failed_clip(clip_id: str = CLIP_ID_2) -> dict[str, Any]:
    clip = pending_clip(clip_id, "failed")
    clip["error_message"] = "Generation failed."
    return clip


def sonic_poll(*clips: dict[str, Any]) -> dict[str, Any]:
    return {"code": 200, "message": "success", "data": list(clips)}


SUBMITTED = {"code": 200, "message": "success", "task_id": TASK_ID}

# §6
PRODUCER_POLL: dict[str, Any] = {
    "code": 200,
    "status": "SUCCESS",
    "message": "success",
    "data": [
        {
            "clip_id": CLIP_ID,
            "state": "succeeded",
            "title": "Neon",
            "sound": "synthwave",
            "lyrics": "[Verse]\nNeon",
            "audio_url": f"{BASE}/files/{CLIP_ID}/audio.mp3",
            "wav_url": f"{BASE}/files/{CLIP_ID}/audio.wav",
            "image_url": f"{BASE}/files/{CLIP_ID}/cover.jpg",
            "video_url": f"{BASE}/files/{CLIP_ID}/video.mp4",
            "created_at": "2026-03-02T10:26:46.552Z",
            "mv": "FUZZ-2.0",
            "seed": "1234567",
            "duration": 152.3,
            "metadata": {},
        }
    ],
}

# §7
STUDIO_POLL: dict[str, Any] = {
    "code": "success",
    "message": "",
    "data": {
        "task_id": TASK_ID,
        "notify_hook": "",
        "action": "studio-generate",
        "status": "SUCCESS",
        "fail_reason": "",
        "submit_time": 1732240123,
        "start_time": 1732240139,
        "finish_time": 1732240189,
        "progress": "100%",
        "data": {
            "songs": [
                {
                    "id": CLIP_ID,
                    "state": "succeeded",
                    "title": "Samba",
                    "artist": "tunesmith",
                    "tags": ["jazz", "bossa nova"],
                    "lyrics": "[Instrumental]",
                    "audio_url": f"{BASE}/files/{CLIP_ID}/audio.mp3",
                    "image_url": f"{BASE}/files/{CLIP_ID}/cover.jpg",
                    "video_url": f"{BASE}/files/{CLIP_ID}/video.mp4",
                    "duration": 32.0,
                    "created_at": "2026-03-02T10:26:46.552Z",
                    "liked": False,
                    "likes": 0,
                    "plays": 0,
                    "metadata": {},
                }
            ]
        },
    },
}

# §8
NURO_POLL: dict[str, Any] = {
    "task_id": TASK_ID,
    "clip_id": CLIP_ID,
    "status": "succeeded",
    "progress": 100,
    "audio_url": f"{BASE}/files/{CLIP_ID}/audio.wav",
    "image_url": f"{BASE}/files/{CLIP_ID}/cover.jpg",
    "lyrics": "[verse]\nHello",
    "duration": 93.0,
    "genre": "Pop",
    "mood": "Happy",
    "gender": "Female",
    "timbre": "Warm",
    "created_at": "2026-03-02T10:26:46.552Z",
    "metadata": {"mp3_url": f"{BASE}/files/{CLIP_ID}/audio.mp3"},
}

# §10
DELIVERIES: dict[str, Any] = {
    "code": 200,
    "message": "success",
    "next_cursor": None,
    "data": [
        {
            "delivery_id": "0b8f8a54-7c41-4a38-9d55-2f9a3b7f4e21",
            "task_id": TASK_ID,
            "event": "song.completed",
            "url": "https://hooks.example.org/in",
            "status": "delivered",
            "attempt_count": 2,
            "next_attempt_at": None,
            "created_at": "2026-03-02T10:27:31.500Z",
            "attempts": [
                {
                    "attempt": 1,
                    "at": "2026-03-02T10:27:31.600Z",
                    "status_code": 500,
                    "duration_ms": 84,
                    "error": None,
                },
                {
                    "attempt": 2,
                    "at": "2026-03-02T10:27:41.700Z",
                    "status_code": 200,
                    "duration_ms": 61,
                    "error": None,
                },
            ],
        }
    ],
}

# §4.14
BATCH_SUBMITTED: dict[str, Any] = {
    "code": 200,
    "message": "success",
    "batch_id": "5a0e4c1d-2b3f-4e5a-8b6c-7d8e9f0a1b2c",
    "submitted": 1,
    "tasks": [
        {"index": 0, "task_id": TASK_ID},
        {"index": 1, "task_id": None, "error": {"code": 400, "message": "The 'mv' field is required."}},
    ],
}


@dataclass
class FakeServer:
    """Records requests and answers each route from a queue (the last answer repeats)."""

    routes: dict[tuple[str, str], list[Callable[[httpx.Request], httpx.Response]]] = field(
        default_factory=dict
    )
    requests: list[httpx.Request] = field(default_factory=list)

    def add(
        self, method: str, path: str, *answers: httpx.Response | Callable[[httpx.Request], httpx.Response]
    ) -> None:
        queue = self.routes.setdefault((method, path), [])
        for answer in answers:
            if isinstance(answer, httpx.Response):
                queue.append(_replay(answer))
            else:
                queue.append(answer)

    def json(self, method: str, path: str, body: Any, status: int = 200, **headers: str) -> None:
        self.add(method, path, httpx.Response(status, json=body, headers=headers))

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            body = {"code": 404, "message": "Not Found.", "error": "Not Found."}
            return httpx.Response(404, json=body)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self) -> Any:
        return json.loads(self.last.content)


def _replay(response: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(response.status_code, headers=response.headers, content=response.content)

    return answer
