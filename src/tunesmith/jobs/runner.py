"""Execute tasks and webhook deliveries (idempotent: safe to run twice or after a crash).

``run_task``: claim with a lease → for each open clip run the engine with a progress callback
(throttled writes of progress to the task, lease renewal, deadline check) → write the bundle to
blobs → mark the clip succeeded/failed → end the task, settle credits, create and enqueue the
webhook delivery. Clips already succeeded are never re-rendered.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import traceback
from typing import Any

import structlog

from tunesmith.engines.base import EngineResult
from tunesmith.errors import Cancelled, TunesmithError
from tunesmith.jobs.context import Services
from tunesmith.jobs.handlers import handler_for
from tunesmith.jobs.views import webhook_body
from tunesmith.music.lyrics.describe import Description, read_description
from tunesmith.music.lyrics.write import write_lyrics
from tunesmith.music.spec import SongSpec, make_spec
from tunesmith.store.repos import Clip, Task, utcnow
from tunesmith.webhooks.delivery import attempt

log = structlog.get_logger(__name__)

TIMEOUT_MESSAGE = "Task failed due to timeout. Credits were previously refunded."
ENGINE_FAILED = "Generation failed."
CANCELLED_MESSAGE = "Task was cancelled."


class LeaseLost(Exception):
    """Another worker took the task over (this worker's lease expired)."""


class TaskTimeout(Exception):
    """The task passed its deadline (``jobs.timeout_s``)."""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _number(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) else default


def spec_for(task: Task, clip: Clip) -> SongSpec:
    """The SongSpec of one clip of a create task (seed = request seed + clip index).

    In description mode (no lyrics sent, a ``gpt_description_prompt``) and with ``auto_lyrics``
    (a brief in ``prompt``) the lyrics, title and tags are written from the description or brief
    with the clip's seed (``tunesmith.music.lyrics.write``); a sent title or tags wins.
    """
    req = task.request
    seed = int(clip.seed or 0)
    instrumental = bool(req.get("make_instrumental"))
    lyrics = "" if instrumental else str(req.get("lyrics") or "")
    tags = str(req.get("tags") or "")
    title = str(req.get("title") or "")
    brief = req.get("auto_lyrics_brief")
    description: Description | None = None
    if brief:
        description = read_description(str(brief), field="prompt", max_chars=len(str(brief)))
    elif req.get("lyrics") is None and req.get("gpt_description_prompt"):
        description = read_description(str(req["gpt_description_prompt"]))
    if description is not None:
        written = write_lyrics(
            description, duration_s=req.get("duration"), seed=seed, vocal_gender=req.get("vocal_gender")
        )
        tags = tags or written.tags
        title = title or written.title
        if not instrumental:
            lyrics = written.lyrics_text
    return make_spec(
        tags=tags,
        seed=seed,
        negative_tags=str(req.get("negative_tags") or ""),
        title=title,
        lyrics=lyrics,
        instrumental=instrumental,
        duration_s=req.get("duration"),
        vocal_gender=req.get("vocal_gender"),
        style_weight=_number(req.get("style_weight"), 0.5),
        weirdness=_number(req.get("weirdness_constraint"), 0.3),
        quality=clip.quality,
    )


def _store_result(services: Services, task: Task, clip: Clip, result: EngineResult) -> None:
    names = sorted(result.bundle.files)
    written: list[str] = []
    try:
        for name in names:
            written.append(f"clips/{clip.id}/{name}")
            services.blobs.put(written[-1], result.bundle.files[name])
    except Exception:
        # a failed write (disk full, S3 down) leaves no partial bundle behind: best effort
        for key in written:
            with contextlib.suppress(Exception):
                services.blobs.delete(key)
        raise
    facts = result.facts
    sent = task.request
    values: dict[str, Any] = {
        "title": sent["title"] if sent.get("title") is not None else facts.title,
        "tags": sent["tags"] if sent.get("tags") is not None else facts.tags,
        "lyrics": facts.lyrics,
        "duration_s": round(facts.duration_s, 2),
        "tempo_bpm": facts.tempo_bpm,
        "key": facts.key,
        "time_signature": facts.time_signature,
        "estimated": facts.estimated,
        "files": names,
    }
    services.store.finish_clip(clip.id, state="succeeded", values=values)


def run_task(services: Services, task_id: str) -> Task | None:
    """Run (or resume) one task; returns the task if this call finished it."""
    store, settings = services.store, services.settings
    owner = worker_id()
    claimed = store.claim_task(
        task_id, owner=owner, lease_s=settings.queue.lease_s, max_attempts=settings.jobs.max_attempts
    )
    if claimed is None:
        # Not claimable: finished, owned by a live worker, or out of attempts. A crash between the
        # last clip and the task's end is repaired here.
        finished = store.finish_task(task_id)
        if finished is not None:
            after_finish(services, finished)
        return finished
    log.info("task.start", task_id=task_id, attempt=claimed.attempts)
    last_write = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if claimed.deadline_at is not None and utcnow() > claimed.deadline_at:
            raise TaskTimeout()
        if now - last_write[0] < settings.jobs.progress_interval_s:
            return
        last_write[0] = now
        if not store.heartbeat(
            task_id, owner=owner, lease_s=settings.queue.lease_s, stage=stage, done=done, total=total
        ):
            raise LeaseLost()

    for clip in store.task_clips(task_id):
        if clip.state in ("succeeded", "failed"):
            continue
        try:
            result = handler_for(claimed.task_type)(services, claimed, clip, progress)
            progress("store", 0, 1)
            _store_result(services, claimed, clip, result)
        except TaskTimeout:
            store.fail_open_clips(task_id, TIMEOUT_MESSAGE)
            break
        except LeaseLost:
            log.warning("task.lease_lost", task_id=task_id)
            return None
        except Cancelled:
            store.fail_open_clips(task_id, CANCELLED_MESSAGE)
            break
        except (TunesmithError, Exception) as exc:  # an engine bug must not kill the worker
            log.error(
                "clip.failed",
                task_id=task_id,
                clip_id=clip.id,
                error=str(exc),
                traceback=traceback.format_exc(),
            )
            store.finish_clip(clip.id, state="failed", error_message=ENGINE_FAILED)
    finished = store.finish_task(task_id)
    if finished is not None:
        log.info("task.end", task_id=task_id, state=finished.state)
        after_finish(services, finished)
    return finished


def after_finish(services: Services, task: Task) -> None:
    """Create and enqueue the task's one webhook delivery, if it asked for one."""
    if not task.webhook_url:
        return
    key = services.store.get_key(task.key_id)
    secret = task.webhook_secret or (key.webhook_secret if key else "")
    event, body = webhook_body(services.settings, task, services.store.task_clips(task.id))
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    delivery = services.store.create_delivery(
        key_id=task.key_id, task_id=task.id, event=event, url=task.webhook_url, secret=secret, body=raw
    )
    if delivery is not None:
        services.queue.enqueue_delivery(delivery.id)


def deliver(services: Services, delivery_id: str) -> None:
    """Attempt a delivery; schedule the next attempt on failure."""
    _, delay = attempt(services.store, delivery_id, settings=services.settings.webhooks)
    if delay is not None:
        services.queue.enqueue_delivery(delivery_id, delay_s=delay)
