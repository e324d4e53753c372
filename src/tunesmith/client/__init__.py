"""tunesmith's Python SDK: a typed client for the tunesmith / MusicAPI HTTP API (API.md).

It depends on httpx and the standard library only, never on the server's code, and works
against the original commercial service too (the base URL and key are parameters)::

    from tunesmith.client import Client

    with Client("http://127.0.0.1:8000", "ts_live_…") as client:
        task = client.sonic_create(mv="sonic-v5", custom_mode=True, prompt="[Verse]\\n…", tags="pop")
        clips = client.wait_for(task.task_id, on_progress=print)
        client.download_clip(clips[0], "out/")

:class:`AsyncClient` has the same methods as coroutines. Errors are the
:mod:`tunesmith.client.errors` tree; :func:`verify_webhook` checks webhook signatures (§10).
"""

from __future__ import annotations

from tunesmith.client._async import AsyncClient
from tunesmith.client._core import DEFAULT_BASE_URL, FAMILIES, Family, WaitProgress
from tunesmith.client._sync import Client
from tunesmith.client.errors import (
    APIError,
    BadRequest,
    ConnectionFailed,
    Forbidden,
    InsufficientCredits,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ProtocolError,
    RateLimited,
    ServerBusy,
    ServerError,
    TunesmithClientError,
    Unauthorized,
    WaitTimeout,
    WebhookVerificationError,
)
from tunesmith.client.models import (
    AlignedWord,
    BatchStatus,
    BatchSubmitted,
    Bpm,
    Clip,
    ClipMetadata,
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
    TaskSummary,
    UploadResult,
    Vox,
    WebhookDelivery,
)
from tunesmith.client.webhooks import sign_webhook, verify_webhook

__all__ = [
    "DEFAULT_BASE_URL",
    "FAMILIES",
    "APIError",
    "AlignedWord",
    "AsyncClient",
    "BadRequest",
    "BatchStatus",
    "BatchSubmitted",
    "Bpm",
    "Client",
    "Clip",
    "ClipMetadata",
    "ConnectionFailed",
    "Credits",
    "DeliveryPage",
    "DownloadUrls",
    "Family",
    "Forbidden",
    "Health",
    "InsufficientCredits",
    "LyricsCandidate",
    "MethodNotAllowed",
    "MidiResult",
    "NotFound",
    "NuroTask",
    "PayloadTooLarge",
    "PersonaCreated",
    "ProducerClip",
    "ProducerTask",
    "ProtocolError",
    "RateLimited",
    "ServerBusy",
    "ServerError",
    "SonicTask",
    "StudioSong",
    "StudioTask",
    "TaskDetail",
    "TaskPage",
    "TaskSubmitted",
    "TaskSummary",
    "TunesmithClientError",
    "Unauthorized",
    "UploadResult",
    "Vox",
    "WaitProgress",
    "WaitTimeout",
    "WebhookDelivery",
    "WebhookVerificationError",
    "sign_webhook",
    "verify_webhook",
]
