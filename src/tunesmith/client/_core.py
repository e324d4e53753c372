"""What the sync and async clients share: request descriptions, answer handling, the wait policy.

A :class:`Call` describes one API request and how to parse its answer; ``Client`` and
``AsyncClient`` only differ in how they send it and how they sleep.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from tunesmith import __version__
from tunesmith.client.errors import (
    ConnectionFailed,
    ProtocolError,
    RateLimited,
    ServerBusy,
    ServerError,
    TunesmithClientError,
    WaitTimeout,
    error_for_status,
)
from tunesmith.client.models import Clip, NuroTask, ProducerTask, SonicTask, StudioTask, derive_state
from tunesmith.client.requests import FileInput

T = TypeVar("T")

Family = Literal["sonic", "riffusion", "producer", "studio", "nuro"]
FAMILIES: tuple[Family, ...] = ("sonic", "riffusion", "producer", "studio", "nuro")

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
USER_AGENT = f"tunesmith-python/{__version__}"


def normalize_base_url(base_url: str) -> str:
    """The server root: trailing slashes and a trailing ``/api/v1`` are removed, so both
    ``https://host`` and ``https://host/api/v1`` work."""
    url = base_url.strip().rstrip("/")
    if not url:
        raise ValueError("base_url must not be empty")
    if not urlsplit(url).scheme:
        raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
    if url.endswith("/api/v1"):
        url = url[: -len("/api/v1")]
    return url


def seg(value: str) -> str:
    """One URL path segment, percent-encoded (ids are UUIDs, but never trust input)."""
    return quote(str(value), safe="")


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API request: method, path under the server root, body, and the answer's parser.

    ``parse`` receives the decoded JSON and the HTTP status (200, or 202 for a preparing download).
    """

    method: str
    path: str
    parse: Callable[[Any, int], T]
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    auth: bool = True
    accept: tuple[int, ...] = ()


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_file_input(value: FileInput, filename: str | None) -> tuple[str, bytes, str]:
    """The multipart part for an upload: (file name, bytes, content type)."""
    if isinstance(value, bytes | bytearray):
        content = bytes(value)
        name = filename or "audio"
    elif isinstance(value, str | os.PathLike):
        path = Path(value)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise TunesmithClientError(f"cannot read {path}: {exc.strerror}") from exc
        name = filename or path.name
    else:
        content = value.read()
        if not isinstance(content, bytes):
            raise TypeError("file objects for uploads must be opened in binary mode")
        name = filename or Path(str(getattr(value, "name", "audio"))).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, content, content_type


def body_call(
    path: str,
    fields: Mapping[str, Any],
    parse: Callable[[Any, int], T],
    *,
    multipart: bool = False,
) -> Call[T]:
    """A POST of ``fields`` as JSON, or as multipart form data when ``multipart`` and ``file`` is
    given (API.md §12). None values are dropped; ``filename`` only names the uploaded file."""
    body = {k: v for k, v in fields.items() if v is not None}
    filename = body.pop("filename", None)
    file_value = body.pop("file", None) if multipart else None
    if file_value is None:
        return Call("POST", path, parse, json=body)
    part = read_file_input(file_value, filename)
    data = {k: _form_value(v) for k, v in body.items()}
    return Call("POST", path, parse, data=data, files={"file": part})


def get_call(path: str, parse: Callable[[Any, int], T], params: Mapping[str, Any] | None = None) -> Call[T]:
    clean = {k: v for k, v in (params or {}).items() if v is not None}
    return Call("GET", path, parse, params=clean or None)


def ignore_status(parse: Callable[[Any], T]) -> Callable[[Any, int], T]:
    """Adapt a one-argument ``from_dict`` to the (body, status) parser signature."""

    def parser(body: Any, status: int) -> T:
        return parse(body)

    return parser


def build_request(http: httpx.Client | httpx.AsyncClient, call: Call[Any], api_key: str) -> httpx.Request:
    headers = {"Accept": "application/json"}
    if call.auth:
        headers["Authorization"] = f"Bearer {api_key}"
    return http.build_request(
        call.method,
        call.path,
        json=call.json,
        params=call.params,
        data=call.data,
        files=call.files,
        headers=headers,
    )


def _decode(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def handle_response(response: httpx.Response, call: Call[T]) -> T:
    """Raise the contract's exception for an error answer; otherwise parse the JSON body.

    An answer with HTTP 200 whose body carries an integer ``code`` of 400 or more is treated as
    that error too (some deployments of the original service report errors that way).
    """
    status = response.status_code
    body = _decode(response)
    if (status >= 400 or status < 200) and status not in call.accept:
        raise error_for_status(status, body, headers=response.headers, reason=response.reason_phrase)
    if body is None:
        snippet = response.text[:200]
        raise ProtocolError(f"{call.method} {call.path} answered {status} without JSON: {snippet!r}")
    if isinstance(body, dict) and status not in call.accept:
        code = body.get("code")
        if isinstance(code, int) and not isinstance(code, bool) and code >= 400:
            raise error_for_status(code, body, headers=response.headers)
    return call.parse(body, status)


def transport_error(exc: httpx.HTTPError, base_url: str) -> TunesmithClientError:
    """Wrap an httpx failure (no answer at all) in :class:`ConnectionFailed`."""
    if isinstance(exc, httpx.TimeoutException):
        return ConnectionFailed(f"no answer from {base_url} in time ({type(exc).__name__})")
    return ConnectionFailed(f"cannot reach {base_url}: {exc}")


# --- polling -------------------------------------------------------------------------------------


def poll_call(family: Family, task_id: str) -> Call[Any]:
    """The family's poll (API.md §4.2, §5, §6, §7, §8)."""
    parsers: dict[str, Callable[[Any], Any]] = {
        "sonic": SonicTask.from_dict,
        "riffusion": SonicTask.from_dict,
        "producer": ProducerTask.from_dict,
        "studio": StudioTask.from_dict,
        "nuro": NuroTask.from_dict,
    }
    if family not in parsers:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    return get_call(f"/api/v1/{family}/task/{seg(task_id)}", ignore_status(parsers[family]))


def poll_items(poll: Any) -> list[Any]:
    """The clips of a poll: sonic/riffusion/producer clips, studio songs, or the one nuro task."""
    if isinstance(poll, NuroTask):
        return [poll]
    if isinstance(poll, StudioTask):
        return list(poll.songs)
    return list(poll.clips)


def poll_fraction(poll: Any) -> float:
    """Progress 0..1: the server's own percentage where the family has one, else from clip states
    (pending 0, running ½, terminal 1)."""
    if isinstance(poll, NuroTask):
        return 1.0 if poll.is_terminal else min(poll.progress, 99) / 100.0
    if isinstance(poll, StudioTask):
        return 1.0 if poll.is_terminal else min(poll.progress_percent, 99) / 100.0
    states: list[str] = poll.states
    if not states:
        return 0.0
    score = sum(1.0 if s in ("succeeded", "failed") else 0.5 if s == "running" else 0.0 for s in states)
    return score / len(states)


def poll_states(poll: Any) -> list[str]:
    if isinstance(poll, NuroTask):
        return [poll.status]
    return list(poll.states)


@dataclass(frozen=True)
class WaitProgress:
    """What ``wait_for`` reports after each poll.

    Attributes:
        task_id: the task being waited for.
        family: ``sonic``, ``riffusion``, ``producer``, ``studio`` or ``nuro``.
        states: each clip's state at this poll.
        state: the task state derived from them.
        fraction: progress 0..1 (1 when every clip is terminal).
        elapsed_s: seconds since ``wait_for`` started.
        polls: polls answered so far.
        poll: the parsed poll answer (``SonicTask``, ``ProducerTask``, ``StudioTask`` or ``NuroTask``).
    """

    task_id: str
    family: str
    states: list[str]
    state: str
    fraction: float
    elapsed_s: float
    polls: int
    poll: Any = field(repr=False)


@dataclass
class Waiter:
    """The polling policy of ``wait_for``: exponential backoff from ``poll_interval_s`` by
    ``backoff`` up to ``max_interval_s``; 429/503 wait at least their ``Retry-After``; other 5xx
    answers and connection failures are retried up to ``max_errors`` times in a row; the deadline
    ``timeout_s`` is never overslept."""

    task_id: str
    family: Family
    timeout_s: float
    poll_interval_s: float
    max_interval_s: float
    backoff: float
    clock: Callable[[], float]
    on_progress: Callable[[WaitProgress], None] | None
    max_errors: int = 5
    started: float = 0.0
    interval: float = 0.0
    polls: int = 0
    errors: int = 0
    last_states: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if self.poll_interval_s <= 0 or self.max_interval_s <= 0 or self.backoff < 1:
            raise ValueError("poll_interval_s and max_interval_s must be positive and backoff >= 1")
        self.started = self.clock()
        self.interval = self.poll_interval_s

    def observe(self, poll: Any) -> list[Any] | None:
        """Record a poll; return its clips if every one is terminal, else None."""
        self.polls += 1
        self.errors = 0
        states = poll_states(poll)
        self.last_states = states
        if self.on_progress is not None:
            self.on_progress(
                WaitProgress(
                    task_id=self.task_id,
                    family=self.family,
                    states=states,
                    state=derive_state(states),
                    fraction=poll_fraction(poll),
                    elapsed_s=self.clock() - self.started,
                    polls=self.polls,
                    poll=poll,
                )
            )
        return poll_items(poll) if poll.is_terminal else None

    def next_delay(self, error: TunesmithClientError | None = None) -> float:
        """Seconds to sleep before the next poll; raises ``error`` when it is not retryable (or
        has repeated too often) and :class:`WaitTimeout` once the deadline has passed."""
        floor = 0.0
        if error is not None:
            if isinstance(error, RateLimited | ServerBusy):
                floor = error.retry_after_s or 0.0
            elif isinstance(error, ServerError | ConnectionFailed):
                self.errors += 1
                if self.errors >= self.max_errors:
                    raise error
            else:
                raise error
        remaining = self.started + self.timeout_s - self.clock()
        if remaining <= 0:
            states = ", ".join(self.last_states) or "unknown"
            raise WaitTimeout(
                f"task {self.task_id} did not finish within {self.timeout_s:g} s (clip states: {states})",
                task_id=self.task_id,
                states=list(self.last_states),
            )
        delay = max(self.interval, floor)
        self.interval = min(self.interval * self.backoff, self.max_interval_s)
        return min(delay, remaining)


def download_target(url: str, path: str | os.PathLike[str]) -> Path:
    """Where ``download`` writes: ``path`` itself, or ``path/<last URL segment>`` when ``path`` is
    an existing directory or ends with a separator."""
    target = Path(path)
    as_dir = str(path).endswith(("/", os.sep)) or target.is_dir()
    if not as_dir:
        return target
    name = PurePosixPath(urlsplit(url).path).name or "download"
    return target / name


def absolute_url(base_url: str, url: str) -> str:
    """File URLs are absolute per the contract; a relative one is resolved against the server."""
    if urlsplit(url).scheme:
        return url
    return base_url + ("" if url.startswith("/") else "/") + url


def clip_files(clip: Clip, kinds: Sequence[str]) -> list[tuple[str, str, str]]:
    """(kind, URL, file name) for each of ``kinds`` the clip has a URL for."""
    urls: Mapping[str, tuple[str | None, str]] = {
        "mp3": (clip.audio_url, "audio.mp3"),
        "wav": (clip.wav_url, "audio.wav"),
        "cover": (clip.image_url, "cover.jpg"),
        "video": (clip.video_url, "video.mp4"),
    }
    unknown = [k for k in kinds if k not in urls]
    if unknown:
        raise ValueError(f"unknown file kinds {unknown}; use mp3, wav, cover, video")
    return [(k, urls[k][0] or "", urls[k][1]) for k in kinds if urls[k][0]]
