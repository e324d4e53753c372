"""The asynchronous client: :mod:`tunesmith.client._sync` method for method, awaitable."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar, Unpack, overload

import httpx

from tunesmith.client import _endpoints as ep
from tunesmith.client._core import (
    USER_AGENT,
    Call,
    Family,
    Waiter,
    WaitProgress,
    absolute_url,
    build_request,
    clip_files,
    download_target,
    handle_response,
    normalize_base_url,
    poll_call,
    transport_error,
)
from tunesmith.client.errors import ConnectionFailed, TunesmithClientError, error_for_status
from tunesmith.client.models import (
    AlignedWord,
    BatchStatus,
    BatchSubmitted,
    Bpm,
    Clip,
    Credits,
    DeliveryPage,
    DownloadUrls,
    Health,
    LyricsCandidate,
    MidiResult,
    NuroTask,
    PersonaCreated,
    ProducerClip,
    ProducerTask,
    SonicTask,
    StudioSong,
    StudioTask,
    TaskDetail,
    TaskPage,
    TaskSubmitted,
    UploadResult,
    Vox,
)
from tunesmith.client.requests import (
    NuroCreate,
    ProducerCreate,
    ProducerUpload,
    RiffusionCreate,
    RiffusionUpload,
    SonicCreate,
    SonicCreateVoice,
    SonicMashup,
    SonicPersona,
    SonicReplaceSection,
    SonicSample,
    SonicUpload,
    SonicUploadCover,
    SonicUploadExtend,
    StudioCreate,
    Webhook,
)

T = TypeVar("T")


class AsyncClient:
    """Asynchronous client for a tunesmith server or the original MusicAPI service.

    Args:
        base_url: the server root, e.g. ``http://127.0.0.1:8000`` (a trailing ``/api/v1`` is
            accepted and removed).
        api_key: sent as ``Authorization: Bearer <api_key>`` on every API call, never on file
            downloads (file URLs need no auth and may live on another host).
        timeout_s: per-request timeout in seconds (connect, read, write and pool).
        transport: an httpx transport, e.g. ``httpx.MockTransport`` in tests.

    Every method raises a :class:`~tunesmith.client.errors.APIError` subclass for an error
    answer and :class:`~tunesmith.client.errors.ConnectionFailed` when no answer came. Use it as
    an async context manager, or call :meth:`aclose`.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.api_key = api_key
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout_s,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _run(self, call: Call[T]) -> T:
        request = build_request(self._http, call, self.api_key)
        try:
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            raise transport_error(exc, self.base_url) from exc
        return handle_response(response, call)

    # --- sonic (§4) ------------------------------------------------------------------------------

    async def sonic_create(self, **fields: Unpack[SonicCreate]) -> TaskSubmitted:
        """``POST /api/v1/sonic/create``: submit any sonic task type (default ``create_music``)."""
        return await self._run(ep.sonic_create(fields))

    async def sonic_task(self, task_id: str) -> SonicTask:
        """``GET /api/v1/sonic/task/{task_id}``: poll a sonic task (always 200 once it exists)."""
        return await self._run(ep.sonic_task(task_id))

    async def get_music(self, task_id: str) -> SonicTask:
        """``GET /get_music/{task_id}``: the root alias of the sonic poll."""
        return await self._run(ep.get_music(task_id))

    async def sonic_upload(self, **fields: Unpack[SonicUpload]) -> UploadResult:
        """``POST /api/v1/sonic/upload``: ``url=`` or ``file=`` (multipart); sync unless a webhook is set."""
        return await self._run(ep.sonic_upload(fields))

    async def sonic_upload_extend(self, **fields: Unpack[SonicUploadExtend]) -> TaskSubmitted:
        """``POST /api/v1/sonic/upload-extend``: extend uploaded audio from ``continue_at`` seconds."""
        return await self._run(ep.sonic_upload_extend(fields))

    async def sonic_upload_cover(self, **fields: Unpack[SonicUploadCover]) -> TaskSubmitted:
        """``POST /api/v1/sonic/upload-cover``: cover uploaded audio in the ``tags`` style."""
        return await self._run(ep.sonic_upload_cover(fields))

    async def sonic_persona(self, **fields: Unpack[SonicPersona]) -> PersonaCreated:
        """``POST /api/v1/sonic/persona`` (sync): learn a voice persona from a clip."""
        return await self._run(ep.sonic_persona(fields))

    async def sonic_create_voice(self, **fields: Unpack[SonicCreateVoice]) -> TaskSubmitted:
        """``POST /api/v1/sonic/create-voice``: a persona from ≥10 s of one voice."""
        return await self._run(ep.sonic_create_voice(fields))

    async def sonic_sample(self, **fields: Unpack[SonicSample]) -> TaskSubmitted:
        """``POST /api/v1/sonic/sample``: a new song built on an excerpt (6..60 s) as its hook."""
        return await self._run(ep.sonic_sample(fields))

    async def sonic_mashup(self, **fields: Unpack[SonicMashup]) -> TaskSubmitted:
        """``POST /api/v1/sonic/mashup``: one song from exactly 2 ``mashup_clip_ids``."""
        return await self._run(ep.sonic_mashup(fields))

    async def sonic_replace_section(self, **fields: Unpack[SonicReplaceSection]) -> TaskSubmitted:
        """``POST /api/v1/sonic/replace-section``: re-compose ``infill_start_s``..``infill_end_s``."""
        return await self._run(ep.sonic_replace_section(fields))

    async def sonic_stems_basic(self, clip_id: str, **webhook: Unpack[Webhook]) -> TaskSubmitted:
        """``POST /api/v1/sonic/stems/basic``: vocals + instrumental, one clip per stem."""
        return await self._run(ep.sonic_stems("basic", clip_id, webhook))

    async def sonic_stems_full(self, clip_id: str, **webhook: Unpack[Webhook]) -> TaskSubmitted:
        """``POST /api/v1/sonic/stems/full``: one clip per non-silent track group."""
        return await self._run(ep.sonic_stems("full", clip_id, webhook))

    async def sonic_bpm(self, clip_id: str) -> Bpm:
        """``POST /api/v1/sonic/bpm``: average, max and min tempo in BPM."""
        return await self._run(ep.sonic_bpm(clip_id))

    async def sonic_vox(
        self, clip_id: str, *, vocal_start_s: float | None = None, vocal_end_s: float | None = None
    ) -> Vox:
        """``POST /api/v1/sonic/vox``: isolate up to 30 s of the lead vocal."""
        return await self._run(ep.sonic_vox(clip_id, vocal_start_s, vocal_end_s))

    async def sonic_wav(self, clip_id: str) -> str:
        """``POST /api/v1/sonic/wav``: the URL of the 16-bit 44.1 kHz WAV."""
        return await self._run(ep.sonic_wav(clip_id))

    async def sonic_midi(self, clip_id: str) -> MidiResult:
        """``POST /api/v1/sonic/midi``: the MIDI file URL and its notes per instrument."""
        return await self._run(ep.sonic_midi(clip_id))

    async def sonic_aligned_lyrics(self, clip_id: str) -> list[AlignedWord]:
        """``POST /api/v1/sonic/aligned-lyrics``: word timings in seconds (``[]`` without lyrics)."""
        return await self._run(ep.sonic_aligned_lyrics(clip_id))

    async def sonic_download(self, clip_id: str, *, formats: Sequence[str] | None = None) -> DownloadUrls:
        """``POST /api/v1/sonic/download``: URLs per format (``mp3``, ``m4a``, ``wav``); a 202 answer
        comes back with ``preparing=True`` and no URLs (call again)."""
        return await self._run(ep.sonic_download(clip_id, formats))

    async def sonic_batch(self, items: Sequence[SonicCreate], **webhook: Unpack[Webhook]) -> BatchSubmitted:
        """``POST /api/v1/sonic/batch``: 1–10 create bodies, each validated and charged alone."""
        return await self._run(ep.sonic_batch(items, webhook))

    async def sonic_batch_status(self, batch_id: str) -> BatchStatus:
        """``GET /api/v1/sonic/batch?batch_id=…``: each item's task state and clips."""
        return await self._run(ep.sonic_batch_status(batch_id))

    async def sonic_lyrics(self, description: str, *, seed: int | None = None) -> list[LyricsCandidate]:
        """``POST /api/v1/sonic/lyrics``: two (title, lyrics) candidates for a ≤120-char description."""
        return await self._run(ep.sonic_lyrics(description, seed))

    async def sonic_upsample_tags(self, tags: str) -> str:
        """``POST /api/v1/sonic/upsample-tags``: richer style tags, deterministic."""
        return await self._run(ep.sonic_upsample_tags(tags))

    # --- riffusion, producer, studio, nuro (§5–§8) ---------------------------------------------------

    async def riffusion_create(self, **fields: Unpack[RiffusionCreate]) -> TaskSubmitted:
        """``POST /api/v1/riffusion/create``."""
        return await self._run(ep.riffusion_create(fields))

    async def riffusion_upload(self, **fields: Unpack[RiffusionUpload]) -> UploadResult:
        """``POST /api/v1/riffusion/upload``."""
        return await self._run(ep.riffusion_upload(fields))

    async def riffusion_task(self, task_id: str) -> SonicTask:
        """``GET /api/v1/riffusion/task/{task_id}``: clips with ``timestamp.lines``."""
        return await self._run(ep.riffusion_task(task_id))

    async def producer_create(self, task_type: str, **fields: Unpack[ProducerCreate]) -> TaskSubmitted:
        """``POST /api/v1/producer/create`` with the required ``task_type``."""
        return await self._run(ep.producer_create(task_type, fields))

    async def producer_upload(self, **fields: Unpack[ProducerUpload]) -> TaskSubmitted:
        """``POST /api/v1/producer/upload`` (async, one clip)."""
        return await self._run(ep.producer_upload(fields))

    async def producer_download(
        self, clip_id: str, *, format: str | None = None, **webhook: Unpack[Webhook]
    ) -> TaskSubmitted:
        """``POST /api/v1/producer/download`` (async): ``format`` is ``mp3`` or ``wav``."""
        return await self._run(ep.producer_download(clip_id, format, webhook))

    async def producer_task(self, task_id: str) -> ProducerTask:
        """``GET /api/v1/producer/task/{task_id}``: uppercase ``status``, string ``seed``."""
        return await self._run(ep.producer_task(task_id))

    async def studio_create(self, **fields: Unpack[StudioCreate]) -> TaskSubmitted:
        """``POST /api/v1/studio/create`` (2 songs of 32 or 130 s)."""
        return await self._run(ep.studio_create(fields))

    async def studio_task(self, task_id: str) -> StudioTask:
        """``GET /api/v1/studio/task/{task_id}``: ``progress`` ``"N%"``, unix-second times."""
        return await self._run(ep.studio_task(task_id))

    async def nuro_create(self, **fields: Unpack[NuroCreate]) -> TaskSubmitted:
        """``POST /api/v1/nuro/create``: ``lyrics`` (vocal) or ``description`` (bgm)."""
        return await self._run(ep.nuro_create(fields))

    async def nuro_task(self, task_id: str) -> NuroTask:
        """``GET /api/v1/nuro/task/{task_id}``: the flat object; 404 for an unknown task."""
        return await self._run(ep.nuro_task(task_id))

    # --- account and tunesmith additions (§9, §10, §13) -----------------------------------------------

    async def get_credits(self) -> Credits:
        """``GET /api/v1/get-credits``."""
        return await self._run(ep.get_credits())

    async def get_clip(self, clip_id: str) -> Clip:
        """``GET /api/v1/clips/{clip_id}`` (tunesmith only); 404 ``clip not found.``."""
        return await self._run(ep.get_clip(clip_id))

    async def list_tasks(
        self,
        *,
        limit: int | None = None,
        cursor: str | None = None,
        family: str | None = None,
        state: str | None = None,
    ) -> TaskPage:
        """``GET /api/v1/tasks`` (tunesmith only): newest first; pass ``next_cursor`` to page."""
        return await self._run(ep.list_tasks(limit, cursor, family, state))

    async def get_task(self, task_id: str) -> TaskDetail:
        """``GET /api/v1/tasks/{task_id}`` (tunesmith only): any family's task with its request."""
        return await self._run(ep.get_task(task_id))

    async def webhook_deliveries(
        self, *, task_id: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> DeliveryPage:
        """``GET /api/v1/webhooks/deliveries`` (tunesmith only): the delivery log, newest first."""
        return await self._run(ep.webhook_deliveries(task_id, limit, cursor))

    async def health(self) -> Health:
        """``GET /health`` (no auth): ``ok`` or ``degraded`` (the 503 answer is returned, not raised)."""
        return await self._run(ep.health())

    # --- waiting and files ------------------------------------------------------------------------

    @overload
    async def wait_for(
        self,
        task_id: str,
        *,
        family: Literal["sonic", "riffusion"] = ...,
        timeout_s: float = ...,
        on_progress: Callable[[WaitProgress], None] | None = ...,
        poll_interval_s: float = ...,
        max_interval_s: float = ...,
        backoff: float = ...,
        sleep: Callable[[float], Awaitable[None]] | None = ...,
        clock: Callable[[], float] | None = ...,
    ) -> list[Clip]: ...

    @overload
    async def wait_for(
        self,
        task_id: str,
        *,
        family: Literal["producer"],
        timeout_s: float = ...,
        on_progress: Callable[[WaitProgress], None] | None = ...,
        poll_interval_s: float = ...,
        max_interval_s: float = ...,
        backoff: float = ...,
        sleep: Callable[[float], Awaitable[None]] | None = ...,
        clock: Callable[[], float] | None = ...,
    ) -> list[ProducerClip]: ...

    @overload
    async def wait_for(
        self,
        task_id: str,
        *,
        family: Literal["studio"],
        timeout_s: float = ...,
        on_progress: Callable[[WaitProgress], None] | None = ...,
        poll_interval_s: float = ...,
        max_interval_s: float = ...,
        backoff: float = ...,
        sleep: Callable[[float], Awaitable[None]] | None = ...,
        clock: Callable[[], float] | None = ...,
    ) -> list[StudioSong]: ...

    @overload
    async def wait_for(
        self,
        task_id: str,
        *,
        family: Literal["nuro"],
        timeout_s: float = ...,
        on_progress: Callable[[WaitProgress], None] | None = ...,
        poll_interval_s: float = ...,
        max_interval_s: float = ...,
        backoff: float = ...,
        sleep: Callable[[float], Awaitable[None]] | None = ...,
        clock: Callable[[], float] | None = ...,
    ) -> list[NuroTask]: ...

    async def wait_for(
        self,
        task_id: str,
        *,
        family: Family = "sonic",
        timeout_s: float = 600.0,
        on_progress: Callable[[WaitProgress], None] | None = None,
        poll_interval_s: float = 1.0,
        max_interval_s: float = 10.0,
        backoff: float = 1.5,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> list[Clip] | list[ProducerClip] | list[StudioSong] | list[NuroTask]:
        """Poll the family's task endpoint until every clip is terminal; return the clips.

        Waits ``poll_interval_s`` seconds after the first poll, growing by ``backoff`` up to
        ``max_interval_s``. A 429 or 503 answer waits at least its ``Retry-After``; other 5xx and
        connection failures are retried (5 in a row at most); other errors are raised. Failed
        clips are returned too (check ``clip.state`` / ``error_message``).

        Args:
            task_id: the submitted task.
            family: whose poll to use; it fixes the clip type returned.
            timeout_s: overall deadline in seconds; :class:`WaitTimeout` after it.
            on_progress: called with a :class:`WaitProgress` after every answered poll.
            sleep, clock: injectable ``time.sleep`` and ``time.monotonic`` (for tests).
        """
        clock_fn = clock or time.monotonic
        sleep_fn = sleep or asyncio.sleep
        waiter = Waiter(
            task_id=task_id,
            family=family,
            timeout_s=timeout_s,
            poll_interval_s=poll_interval_s,
            max_interval_s=max_interval_s,
            backoff=backoff,
            clock=clock_fn,
            on_progress=on_progress,
        )
        call = poll_call(family, task_id)
        while True:
            try:
                poll = await self._run(call)
            except TunesmithClientError as exc:
                delay = waiter.next_delay(exc)
            else:
                done = waiter.observe(poll)
                if done is not None:
                    return done
                delay = waiter.next_delay()
            await sleep_fn(delay)

    async def download(self, url: str, path: str | os.PathLike[str], *, chunk_size: int = 1 << 16) -> Path:
        """Stream ``url`` to ``path`` (a file, or a directory to keep the URL's file name).

        The file appears complete or not at all (written to ``<name>.part``, then renamed).
        No API key is sent. Returns the path written.
        """
        target = download_target(url, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        full_url = absolute_url(self.base_url, url)
        try:
            async with self._http.stream("GET", full_url, follow_redirects=True) as response:
                if response.status_code >= 400:
                    await response.aread()
                    body: Any
                    try:
                        body = response.json()
                    except ValueError:
                        body = None
                    raise error_for_status(
                        response.status_code, body, headers=response.headers, reason=response.reason_phrase
                    )
                with partial.open("wb") as out:
                    async for chunk in response.aiter_bytes(chunk_size):
                        out.write(chunk)
        except httpx.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise ConnectionFailed(f"download of {full_url} failed: {exc}") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        return target

    async def download_clip(
        self,
        clip: Clip,
        directory: str | os.PathLike[str],
        *,
        kinds: Sequence[str] = ("mp3", "wav", "cover", "video"),
    ) -> dict[str, Path]:
        """Download a succeeded clip's files into ``directory`` as ``audio.mp3``, ``audio.wav``,
        ``cover.jpg`` and ``video.mp4`` (those that exist among ``kinds``). Returns kind → path."""
        written: dict[str, Path] = {}
        for kind, url, name in clip_files(clip, kinds):
            written[kind] = await self.download(url, Path(directory) / name)
        return written
