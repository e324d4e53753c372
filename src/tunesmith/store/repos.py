"""Repositories: every read and write of the metadata database, returning plain dataclasses.

Callers (jobs, auth, webhooks, cli) never see ORM rows. Each method runs in its own transaction
unless documented otherwise. Times are naive UTC datetimes.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from tunesmith.billing import ledger
from tunesmith.store.db import make_engine, migrate
from tunesmith.store.models import (
    ApiKeyRow,
    Base,
    ClipRow,
    LedgerRow,
    PersonaRow,
    TaskRow,
    UploadRow,
    WebhookDeliveryRow,
)

TERMINAL = ("succeeded", "failed")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def iso_ms(value: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z`` (API.md §1), from a naive UTC datetime."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    prefix: str
    webhook_secret: str
    credits: int
    extra_credits: int
    revoked: bool
    suspended: bool
    created_at: datetime


@dataclass(frozen=True)
class Clip:
    id: str
    key_id: str
    task_id: str | None
    idx: int
    state: str
    title: str
    tags: str
    negative_tags: str | None
    lyrics: str
    gpt_description_prompt: str | None
    mv: str | None
    style_weight: float | None
    weirdness_constraint: float | None
    duration_s: float | None
    error_message: str | None
    task_type: str
    origin: str
    seed: int | None
    tempo_bpm: float | None
    key: str | None
    time_signature: str | None
    engine: str
    quality: str
    estimated: bool
    source_clip_id: str | None
    files: list[str]
    extra: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Task:
    id: str
    key_id: str
    family: str
    task_type: str
    state: str
    request: dict[str, Any]
    webhook_url: str | None
    webhook_secret: str | None
    price: int
    billing_state: str
    engine: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    deadline_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    attempts: int
    progress_stage: str
    progress_done: int
    progress_total: int
    clip_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Delivery:
    id: str
    key_id: str
    task_id: str
    event: str
    url: str
    secret: str
    body: bytes
    status: str
    attempt_count: int
    next_attempt_at: datetime | None
    attempts: list[dict[str, Any]]
    created_at: datetime


@dataclass(frozen=True)
class NewClip:
    """What a submission knows about each clip before it runs."""

    id: str
    idx: int
    title: str
    tags: str
    negative_tags: str | None
    lyrics: str
    gpt_description_prompt: str | None
    mv: str | None
    style_weight: float | None
    weirdness_constraint: float | None
    task_type: str
    origin: str
    seed: int | None
    engine: str
    quality: str
    source_clip_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        row.id,
        row.name,
        row.prefix,
        row.webhook_secret,
        row.credits,
        row.extra_credits,
        row.revoked,
        row.suspended,
        row.created_at,
    )


def _clip(row: ClipRow) -> Clip:
    return Clip(
        id=row.id,
        key_id=row.key_id,
        task_id=row.task_id,
        idx=row.idx,
        state=row.state,
        title=row.title,
        tags=row.tags,
        negative_tags=row.negative_tags,
        lyrics=row.lyrics,
        gpt_description_prompt=row.gpt_description_prompt,
        mv=row.mv,
        style_weight=row.style_weight,
        weirdness_constraint=row.weirdness_constraint,
        duration_s=row.duration_s,
        error_message=row.error_message,
        task_type=row.task_type,
        origin=row.origin,
        seed=row.seed,
        tempo_bpm=row.tempo_bpm,
        key=row.key,
        time_signature=row.time_signature,
        engine=row.engine,
        quality=row.quality,
        estimated=row.estimated,
        source_clip_id=row.source_clip_id,
        files=list(row.files or []),
        extra=dict(row.extra or {}),
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def _task(row: TaskRow, clip_ids: Sequence[str] = ()) -> Task:
    return Task(
        id=row.id,
        key_id=row.key_id,
        family=row.family,
        task_type=row.task_type,
        state=row.state,
        request=dict(row.request),
        webhook_url=row.webhook_url,
        webhook_secret=row.webhook_secret,
        price=row.price,
        billing_state=row.billing_state,
        engine=row.engine,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        deadline_at=row.deadline_at,
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
        attempts=row.attempts,
        progress_stage=row.progress_stage,
        progress_done=row.progress_done,
        progress_total=row.progress_total,
        clip_ids=list(clip_ids),
    )


def _delivery(row: WebhookDeliveryRow) -> Delivery:
    return Delivery(
        row.id,
        row.key_id,
        row.task_id,
        row.event,
        row.url,
        row.secret,
        bytes(row.body),
        row.status,
        row.attempt_count,
        row.next_attempt_at,
        list(row.attempts or []),
        row.created_at,
    )


def encode_cursor(at: datetime, item_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{item_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, item_id = raw.split("|", 1)
        return datetime.fromisoformat(at), item_id
    except (ValueError, UnicodeDecodeError):
        return None


class Store:
    """The metadata database. ``Store.open(url)`` connects; :meth:`migrate` creates the schema."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, busy_timeout_ms: int = 10_000) -> Store:
        return cls(make_engine(url, busy_timeout_ms=busy_timeout_ms))

    def migrate(self) -> None:
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any exception."""
        with self._sessions.begin() as session:
            yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def table_names(self) -> list[str]:
        return sorted(Base.metadata.tables)

    # ----- keys -----------------------------------------------------------------------------------

    def create_key(
        self,
        *,
        name: str,
        prefix: str,
        key_hash: str,
        webhook_secret: str,
        credits: int,
        extra_credits: int = 0,
    ) -> ApiKey:
        now = utcnow()
        with self.session() as s:
            row = ApiKeyRow(
                id=new_id(),
                name=name,
                prefix=prefix,
                key_hash=key_hash,
                webhook_secret=webhook_secret,
                credits=0,
                extra_credits=0,
                revoked=False,
                suspended=False,
                created_at=now,
            )
            s.add(row)
            s.flush()
            if credits:
                ledger.grant(s, row.id, credits, extra=False, now=now)
            if extra_credits:
                ledger.grant(s, row.id, extra_credits, extra=True, now=now)
            s.flush()
            return _key(row)

    def key_by_hash(self, key_hash: str) -> tuple[ApiKey, str] | None:
        """The key with this hash and its stored hash (for a constant-time re-check)."""
        with self.session() as s:
            row = s.execute(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash)).scalar_one_or_none()
            return None if row is None else (_key(row), row.key_hash)

    def get_key(self, key_id: str) -> ApiKey | None:
        with self.session() as s:
            row = s.get(ApiKeyRow, key_id)
            return None if row is None else _key(row)

    def find_keys(self, ref: str) -> list[ApiKey]:
        """Keys whose id, display prefix or name equals ``ref``."""
        with self.session() as s:
            rows = s.execute(
                select(ApiKeyRow).where(
                    or_(ApiKeyRow.id == ref, ApiKeyRow.prefix == ref, ApiKeyRow.name == ref)
                )
            ).scalars()
            return [_key(r) for r in rows]

    def list_keys(self) -> list[ApiKey]:
        with self.session() as s:
            return [_key(r) for r in s.execute(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).scalars()]

    def count_keys(self) -> int:
        with self.session() as s:
            return int(s.execute(select(func.count()).select_from(ApiKeyRow)).scalar_one())

    def set_key_flags(
        self, key_id: str, *, revoked: bool | None = None, suspended: bool | None = None
    ) -> None:
        values: dict[str, Any] = {}
        if revoked is not None:
            values["revoked"] = revoked
        if suspended is not None:
            values["suspended"] = suspended
        with self.session() as s:
            s.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(**values))

    def grant_credits(self, key_id: str, amount: int, *, extra: bool = False) -> ApiKey:
        with self.session() as s:
            ledger.grant(s, key_id, amount, extra=extra, now=utcnow())
            row = s.get(ApiKeyRow, key_id)
            assert row is not None
            return _key(row)

    def ledger_entries(self, key_id: str) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.execute(
                select(LedgerRow).where(LedgerRow.key_id == key_id).order_by(LedgerRow.id)
            ).scalars()
            return [
                {
                    "kind": r.kind,
                    "task_id": r.task_id,
                    "credits_delta": r.credits_delta,
                    "extra_delta": r.extra_delta,
                    "amount": r.amount,
                }
                for r in rows
            ]

    def credits_spent_total(self) -> int:
        with self.session() as s:
            value = s.execute(
                select(func.coalesce(func.sum(LedgerRow.amount), 0)).where(
                    LedgerRow.kind.in_(("commit", "charge"))
                )
            ).scalar_one()
            return int(value)

    # ----- tasks and clips ------------------------------------------------------------------------

    def create_task(
        self,
        *,
        key_id: str,
        family: str,
        task_type: str,
        request: dict[str, Any],
        webhook_url: str | None,
        webhook_secret: str | None,
        price: int,
        engine: str,
        timeout_s: float,
        clips: Sequence[NewClip],
        task_id: str | None = None,
    ) -> Task:
        """Reserve ``price`` and persist the task with its pending clips, atomically.

        Raises InsufficientCredits (and stores nothing) when the balance is short.
        """
        now = utcnow()
        task_id = task_id or new_id()
        with self.session() as s:
            ledger.reserve(s, key_id, price, task_id=task_id, now=now)
            row = TaskRow(
                id=task_id,
                key_id=key_id,
                family=family,
                task_type=task_type,
                state="pending",
                request=request,
                webhook_url=webhook_url,
                webhook_secret=webhook_secret,
                price=price,
                billing_state="reserved" if price > 0 else "none",
                engine=engine,
                created_at=now,
                deadline_at=now + timedelta(seconds=timeout_s),
                attempts=0,
                progress_stage="",
                progress_done=0,
                progress_total=0,
            )
            s.add(row)
            s.flush()
            for c in clips:
                s.add(self._clip_row(c, key_id=key_id, task_id=task_id, state="pending", now=now))
            s.flush()
            return _task(row, [c.id for c in clips])

    @staticmethod
    def _clip_row(c: NewClip, *, key_id: str, task_id: str | None, state: str, now: datetime) -> ClipRow:
        return ClipRow(
            id=c.id,
            key_id=key_id,
            task_id=task_id,
            idx=c.idx,
            state=state,
            title=c.title,
            tags=c.tags,
            negative_tags=c.negative_tags,
            lyrics=c.lyrics,
            gpt_description_prompt=c.gpt_description_prompt,
            mv=c.mv,
            style_weight=c.style_weight,
            weirdness_constraint=c.weirdness_constraint,
            duration_s=None,
            error_message=None,
            task_type=c.task_type,
            origin=c.origin,
            seed=c.seed,
            engine=c.engine,
            quality=c.quality,
            estimated=False,
            source_clip_id=c.source_clip_id,
            files=[],
            extra=dict(c.extra),
            created_at=now,
        )

    def create_finished_clip(
        self,
        *,
        key_id: str,
        clip: NewClip,
        duration_s: float,
        files: list[str],
        tempo_bpm: float | None,
        key: str | None,
        time_signature: str | None,
        upload: dict[str, Any] | None,
        charge: int,
        task: dict[str, Any] | None = None,
    ) -> tuple[Clip, Task | None]:
        """Store an already-succeeded clip (an upload), optionally inside a terminal task, and charge it."""
        now = utcnow()
        with self.session() as s:
            task_row: TaskRow | None = None
            task_id = None
            if task is not None:
                task_id = task["id"]
                task_row = TaskRow(
                    id=task_id,
                    key_id=key_id,
                    family=task["family"],
                    task_type=task["task_type"],
                    state="succeeded",
                    request=task["request"],
                    webhook_url=task.get("webhook_url"),
                    webhook_secret=task.get("webhook_secret"),
                    price=charge,
                    billing_state="reserved" if charge > 0 else "none",
                    engine=clip.engine,
                    created_at=now,
                    started_at=now,
                    finished_at=now,
                    deadline_at=now,
                    attempts=1,
                    progress_stage="done",
                    progress_done=1,
                    progress_total=1,
                )
            ledger.reserve(s, key_id, charge, task_id=task_id, now=now)
            if task_row is not None:
                s.add(task_row)
                s.flush()
            row = self._clip_row(clip, key_id=key_id, task_id=task_id, state="succeeded", now=now)
            row.duration_s = round(duration_s, 2)
            row.files = files
            row.tempo_bpm = tempo_bpm
            row.key = key
            row.time_signature = time_signature
            row.estimated = True
            row.finished_at = now
            s.add(row)
            s.flush()
            if task_row is not None:
                ledger.commit(s, task_row.id, now=now)
            elif charge > 0:
                s.add(LedgerRow(key_id=key_id, kind="charge", amount=charge, created_at=now))
            if upload is not None:
                s.add(
                    UploadRow(
                        id=new_id(),
                        key_id=key_id,
                        clip_id=clip.id,
                        source_url=upload.get("source_url"),
                        filename=upload.get("filename", ""),
                        size_bytes=upload["size_bytes"],
                        sha256=upload["sha256"],
                        created_at=now,
                    )
                )
            s.flush()
            return _clip(row), (None if task_row is None else _task(task_row, [clip.id]))

    def charge(self, key_id: str, amount: int) -> None:
        """Take ``amount`` credits for a synchronous call that succeeded (extra credits first), in one
        transaction; raises InsufficientCredits (nothing taken) when the balance is short."""
        if amount <= 0:
            return
        now = utcnow()
        with self.session() as s:
            ledger.reserve(s, key_id, amount, task_id=None, now=now)
            s.add(LedgerRow(key_id=key_id, kind="charge", amount=amount, created_at=now))

    def get_task(self, task_id: str, *, key_id: str | None = None) -> Task | None:
        with self.session() as s:
            row = s.get(TaskRow, task_id)
            if row is None or (key_id is not None and row.key_id != key_id):
                return None
            ids = s.execute(
                select(ClipRow.id).where(ClipRow.task_id == task_id).order_by(ClipRow.idx)
            ).scalars()
            return _task(row, list(ids))

    def task_clips(self, task_id: str) -> list[Clip]:
        with self.session() as s:
            rows = s.execute(
                select(ClipRow).where(ClipRow.task_id == task_id).order_by(ClipRow.idx)
            ).scalars()
            return [_clip(r) for r in rows]

    def get_clip(self, clip_id: str, *, key_id: str | None = None) -> Clip | None:
        with self.session() as s:
            row = s.get(ClipRow, clip_id)
            if row is None or (key_id is not None and row.key_id != key_id):
                return None
            return _clip(row)

    def list_tasks(
        self,
        key_id: str,
        *,
        limit: int,
        cursor: tuple[datetime, str] | None = None,
        family: str | None = None,
        state: str | None = None,
    ) -> tuple[list[Task], str | None]:
        with self.session() as s:
            q = select(TaskRow).where(TaskRow.key_id == key_id)
            if family:
                q = q.where(TaskRow.family == family)
            if state:
                q = q.where(TaskRow.state == state)
            if cursor is not None:
                at, tid = cursor
                q = q.where(or_(TaskRow.created_at < at, (TaskRow.created_at == at) & (TaskRow.id < tid)))
            rows = list(
                s.execute(q.order_by(TaskRow.created_at.desc(), TaskRow.id.desc()).limit(limit + 1)).scalars()
            )
            page = rows[:limit]
            ids: dict[str, list[str]] = {r.id: [] for r in page}
            if page:
                for cid, owner in s.execute(
                    select(ClipRow.id, ClipRow.task_id)
                    .where(ClipRow.task_id.in_(list(ids)))
                    .order_by(ClipRow.idx)
                ):
                    if owner is not None:
                        ids[owner].append(cid)
            nxt = encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
            return [_task(r, ids[r.id]) for r in page], nxt

    def count_pending(self) -> int:
        with self.session() as s:
            return int(
                s.execute(
                    select(func.count()).select_from(TaskRow).where(TaskRow.state == "pending")
                ).scalar_one()
            )

    def task_counts(self) -> list[tuple[str, str, str, int]]:
        with self.session() as s:
            rows = s.execute(
                select(TaskRow.family, TaskRow.task_type, TaskRow.state, func.count()).group_by(
                    TaskRow.family, TaskRow.task_type, TaskRow.state
                )
            )
            return [(f, t, st, int(n)) for f, t, st, n in rows]

    def finished_task_durations_s(self, limit: int = 1000) -> list[float]:
        with self.session() as s:
            rows = s.execute(
                select(TaskRow.created_at, TaskRow.finished_at)
                .where(TaskRow.finished_at.is_not(None))
                .order_by(TaskRow.finished_at.desc())
                .limit(limit)
            )
            return [(f - c).total_seconds() for c, f in rows if f is not None]

    def claim_task(self, task_id: str, *, owner: str, lease_s: float, max_attempts: int) -> Task | None:
        """Atomically take a pending task, or a running one whose lease expired. None if not claimable."""
        now = utcnow()
        with self.session() as s:
            result = s.execute(
                update(TaskRow)
                .where(
                    TaskRow.id == task_id,
                    TaskRow.attempts < max_attempts,
                    or_(
                        TaskRow.state == "pending",
                        (TaskRow.state == "running") & (TaskRow.lease_expires_at < now),
                    ),
                )
                .values(
                    state="running",
                    lease_owner=owner,
                    lease_expires_at=now + timedelta(seconds=lease_s),
                    attempts=TaskRow.attempts + 1,
                    started_at=func.coalesce(TaskRow.started_at, now),
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            s.execute(
                update(ClipRow)
                .where(ClipRow.task_id == task_id, ClipRow.state == "pending")
                .values(state="running")
            )
            row = s.get(TaskRow, task_id)
            assert row is not None
            return _task(row)

    def heartbeat(
        self, task_id: str, *, owner: str, lease_s: float, stage: str, done: int, total: int
    ) -> bool:
        """Record progress and renew the lease; False when this worker no longer owns the task."""
        now = utcnow()
        with self.session() as s:
            result = s.execute(
                update(TaskRow)
                .where(TaskRow.id == task_id, TaskRow.lease_owner == owner, TaskRow.state == "running")
                .values(
                    lease_expires_at=now + timedelta(seconds=lease_s),
                    progress_stage=stage[:32],
                    progress_done=done,
                    progress_total=total,
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def finish_clip(
        self,
        clip_id: str,
        *,
        state: str,
        error_message: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> bool:
        """Move a non-terminal clip to ``state``; False if it was already terminal."""
        fields: dict[str, Any] = {"state": state, "error_message": error_message, "finished_at": utcnow()}
        fields.update(values or {})
        with self.session() as s:
            result = s.execute(
                update(ClipRow).where(ClipRow.id == clip_id, ClipRow.state.not_in(TERMINAL)).values(**fields)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def set_clip_facts(self, clip_id: str, *, tempo_bpm: float | None, key: str | None) -> bool:
        """Record the measured tempo (BPM) and key of an estimated clip (an upload, analysed after
        it was stored) where they are still unknown; False when the clip is unknown or had them."""
        with self.session() as s:
            result = s.execute(
                update(ClipRow)
                .where(ClipRow.id == clip_id, ClipRow.estimated.is_(True), ClipRow.tempo_bpm.is_(None))
                .values(tempo_bpm=tempo_bpm, key=key)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def drop_clip(self, clip_id: str) -> bool:
        """Remove a clip that is still open from its task (a silent stem, API.md §3.1 and §4.11);
        False when it is terminal or unknown."""
        with self.session() as s:
            row = s.get(ClipRow, clip_id)
            if row is None or row.state in TERMINAL:
                return False
            s.delete(row)
            return True

    def fail_open_clips(self, task_id: str, error_message: str) -> None:
        with self.session() as s:
            s.execute(
                update(ClipRow)
                .where(ClipRow.task_id == task_id, ClipRow.state.not_in(TERMINAL))
                .values(state="failed", error_message=error_message, finished_at=utcnow())
            )

    def finish_task(self, task_id: str) -> Task | None:
        """If every clip is terminal, end the task (succeeded if any clip did), settle credits, and
        return it; None when clips are still open or the task was already finished by someone else."""
        now = utcnow()
        with self.session() as s:
            states = list(s.execute(select(ClipRow.state).where(ClipRow.task_id == task_id)).scalars())
            if any(st not in TERMINAL for st in states):
                return None
            final = "succeeded" if "succeeded" in states else "failed"
            result = s.execute(
                update(TaskRow)
                .where(TaskRow.id == task_id, TaskRow.state.not_in(TERMINAL))
                .values(
                    state=final,
                    finished_at=now,
                    lease_owner=None,
                    lease_expires_at=None,
                    progress_stage="done" if final == "succeeded" else "failed",
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            if final == "succeeded":
                ledger.commit(s, task_id, now=now)
            else:
                ledger.refund(s, task_id, now=now)
            row = s.get(TaskRow, task_id)
            assert row is not None
            return _task(row)

    def expired_tasks(self) -> list[Task]:
        """Running tasks whose lease expired, and unfinished tasks past their deadline."""
        now = utcnow()
        with self.session() as s:
            rows = s.execute(
                select(TaskRow).where(
                    TaskRow.state.in_(("pending", "running")),
                    or_(
                        (TaskRow.state == "running") & (TaskRow.lease_expires_at < now),
                        TaskRow.deadline_at < now,
                    ),
                )
            )
            return [_task(r) for r in rows.scalars()]

    def pending_task_ids(self) -> list[str]:
        with self.session() as s:
            return list(
                s.execute(
                    select(TaskRow.id).where(TaskRow.state == "pending").order_by(TaskRow.created_at)
                ).scalars()
            )

    def running_leases(self) -> list[tuple[str, str]]:
        """``(task_id, lease_owner)`` of every running task."""
        with self.session() as s:
            rows = s.execute(
                select(TaskRow.id, TaskRow.lease_owner).where(
                    TaskRow.state == "running", TaskRow.lease_owner.is_not(None)
                )
            )
            return [(str(task_id), str(owner)) for task_id, owner in rows]

    def expire_lease(self, task_id: str, *, owner: str) -> bool:
        """End ``owner``'s lease on a running task now (its worker is known to be dead)."""
        past = utcnow() - timedelta(seconds=1)
        with self.session() as s:
            result = s.execute(
                update(TaskRow)
                .where(TaskRow.id == task_id, TaskRow.lease_owner == owner, TaskRow.state == "running")
                .values(lease_expires_at=past)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def reset_for_retry(self, task_id: str) -> None:
        with self.session() as s:
            s.execute(
                update(TaskRow)
                .where(TaskRow.id == task_id, TaskRow.state == "running")
                .values(state="pending", lease_owner=None, lease_expires_at=None)
            )
            s.execute(
                update(ClipRow)
                .where(ClipRow.task_id == task_id, ClipRow.state == "running")
                .values(state="pending")
            )

    # ----- personas -------------------------------------------------------------------------------

    def persona_exists(self, persona_id: str, *, key_id: str) -> bool:
        with self.session() as s:
            row = s.get(PersonaRow, persona_id)
            return row is not None and row.key_id == key_id

    # ----- webhook deliveries ---------------------------------------------------------------------

    def create_delivery(
        self, *, key_id: str, task_id: str, event: str, url: str, secret: str, body: bytes
    ) -> Delivery | None:
        """Record the one delivery of a task; None if the task already has one."""
        now = utcnow()
        with self.session() as s:
            existing = s.execute(select(WebhookDeliveryRow).where(WebhookDeliveryRow.task_id == task_id))
            if existing.scalar_one_or_none() is not None:
                return None
            row = WebhookDeliveryRow(
                id=new_id(),
                key_id=key_id,
                task_id=task_id,
                event=event,
                url=url,
                secret=secret,
                body=body,
                status="pending",
                attempt_count=0,
                next_attempt_at=now,
                attempts=[],
                created_at=now,
            )
            s.add(row)
            s.flush()
            return _delivery(row)

    def get_delivery(self, delivery_id: str) -> Delivery | None:
        with self.session() as s:
            row = s.get(WebhookDeliveryRow, delivery_id)
            return None if row is None else _delivery(row)

    def record_attempt(
        self, delivery_id: str, attempt: dict[str, Any], *, status: str, next_attempt_at: datetime | None
    ) -> Delivery:
        with self.session() as s:
            row = s.get(WebhookDeliveryRow, delivery_id)
            assert row is not None
            row.attempts = [*list(row.attempts or []), attempt]
            row.attempt_count = len(row.attempts)
            row.status = status
            row.next_attempt_at = next_attempt_at
            s.flush()
            return _delivery(row)

    def list_deliveries(
        self,
        key_id: str,
        *,
        limit: int,
        cursor: tuple[datetime, str] | None = None,
        task_id: str | None = None,
    ) -> tuple[list[Delivery], str | None]:
        with self.session() as s:
            q = select(WebhookDeliveryRow).where(WebhookDeliveryRow.key_id == key_id)
            if task_id:
                q = q.where(WebhookDeliveryRow.task_id == task_id)
            if cursor is not None:
                at, did = cursor
                q = q.where(
                    or_(
                        WebhookDeliveryRow.created_at < at,
                        (WebhookDeliveryRow.created_at == at) & (WebhookDeliveryRow.id < did),
                    )
                )
            rows = list(
                s.execute(
                    q.order_by(WebhookDeliveryRow.created_at.desc(), WebhookDeliveryRow.id.desc()).limit(
                        limit + 1
                    )
                ).scalars()
            )
            page = rows[:limit]
            nxt = encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
            return [_delivery(r) for r in page], nxt

    def due_deliveries(self) -> list[str]:
        now = utcnow()
        with self.session() as s:
            return list(
                s.execute(
                    select(WebhookDeliveryRow.id).where(
                        WebhookDeliveryRow.status.in_(("pending", "retrying")),
                        WebhookDeliveryRow.next_attempt_at < now - timedelta(seconds=30),
                    )
                ).scalars()
            )

    def delivery_counts(self) -> list[tuple[str, int]]:
        with self.session() as s:
            rows = s.execute(
                select(WebhookDeliveryRow.status, func.count()).group_by(WebhookDeliveryRow.status)
            )
            return [(st, int(n)) for st, n in rows]
