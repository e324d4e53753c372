"""Wire views of stored records (API.md §3.2, §10, §13), shared by the API and webhook bodies."""

from __future__ import annotations

from typing import Any

from tunesmith.blobs.urls import WIRE_FILES, file_url
from tunesmith.settings import Settings
from tunesmith.store.repos import Clip, Delivery, Task, iso_ms

_URL_FIELDS = {"audio_url": "audio.mp3", "image_url": "cover.jpg", "video_url": "video.mp4"}


def _url(settings: Settings, clip: Clip, wire_name: str) -> str | None:
    if WIRE_FILES[wire_name] not in clip.files or clip.state != "succeeded":
        return None
    return file_url(
        settings.base_url,
        clip.id,
        wire_name,
        ttl_s=settings.files.signed_url_ttl_s,
        secret=settings.file_signing_secret() if settings.files.signed_url_ttl_s else "",
    )


def clip_view(settings: Settings, clip: Clip) -> dict[str, Any]:
    """The sonic clip object, field for field (URLs re-signed on every call)."""
    done = clip.state == "succeeded"
    metadata: dict[str, Any] = {
        "task_id": clip.task_id,
        "task_type": clip.task_type,
        "origin": clip.origin,
        "seed": clip.seed,
        "tempo_bpm": clip.tempo_bpm if done else None,
        "key": clip.key if done else None,
        "time_signature": clip.time_signature if done else None,
        "engine": clip.engine,
        "quality": clip.quality,
        "estimated": clip.estimated,
        "source_clip_id": clip.source_clip_id,
        "wav_url": _url(settings, clip, "audio.wav"),
        "finished_at": iso_ms(clip.finished_at) if clip.finished_at and done else None,
    }
    metadata.update(clip.extra)
    view: dict[str, Any] = {
        "clip_id": clip.id,
        "state": clip.state,
        "title": clip.title,
        "tags": clip.tags,
        "negative_tags": clip.negative_tags,
        "lyrics": clip.lyrics,
        "gpt_description_prompt": clip.gpt_description_prompt,
        "mv": clip.mv,
        "audio_url": _url(settings, clip, "audio.mp3"),
        "image_url": _url(settings, clip, "cover.jpg"),
        "video_url": _url(settings, clip, "video.mp4"),
        "created_at": iso_ms(clip.created_at),
        "duration": round(clip.duration_s, 2) if done and clip.duration_s is not None else None,
        "style_weight": clip.style_weight,
        "weirdness_constraint": clip.weirdness_constraint,
    }
    if clip.state == "failed":
        view["error_message"] = clip.error_message or "Generation failed."
    if clip.task_type == "create_voice" and done and "persona_id" in clip.extra:
        view["persona_id"] = clip.extra["persona_id"]  # API.md §3.2, §4.7
    view["metadata"] = metadata
    return view


def poll_view(settings: Settings, clips: list[Clip]) -> dict[str, Any]:
    data = [clip_view(settings, c) for c in clips]
    body: dict[str, Any] = {"code": 200, "message": "success", "data": data}
    for view in body["data"]:
        if "persona_id" in view:  # a succeeded create-voice task (API.md §4.2)
            body["persona_id"] = view["persona_id"]
    return body


def task_item(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "family": task.family,
        "task_type": task.task_type,
        "state": task.state,
        "created_at": iso_ms(task.created_at),
        "finished_at": iso_ms(task.finished_at) if task.finished_at else None,
        "credits": task.price,
        "clip_ids": list(task.clip_ids),
    }


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": delivery.id,
        "task_id": delivery.task_id,
        "event": delivery.event,
        "url": delivery.url,
        "status": delivery.status,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": iso_ms(delivery.next_attempt_at)
        if delivery.next_attempt_at and delivery.status in ("pending", "retrying")
        else None,
        "created_at": iso_ms(delivery.created_at),
        "attempts": list(delivery.attempts),
    }


FAMILY_PLATFORM = {
    "sonic": "suno",
    "riffusion": "riffusion",
    "producer": "producer",
    "studio": "studio",
    "nuro": "nuro",
}


def webhook_body(settings: Settings, task: Task, clips: list[Clip]) -> tuple[str, dict[str, Any]]:
    """The event name and body of a terminal task's webhook."""
    event = "song.completed" if any(c.state == "succeeded" for c in clips) else "song.failed"
    from tunesmith.jobs.families import family_poll_body  # the family's own poll shape (§10)

    body = family_poll_body(settings, task, clips) or poll_view(settings, clips)
    body["task_id"] = task.id
    body["platform"] = FAMILY_PLATFORM.get(task.family, task.family)
    body["event"] = event
    if event == "song.failed" and clips:
        body["error"] = clips[0].error_message or "Generation failed."
    return event, body
