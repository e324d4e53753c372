"""The append-only credit ledger: grant, reserve, commit, refund.

Balances live on the key row (``credits``, ``extra_credits``: what is available, reserved credits
excluded); every movement also appends a :class:`~tunesmith.store.models.LedgerRow`. Reservation is
atomic and never drives a balance negative: the key row is write-locked first (a no-op UPDATE takes
SQLite's write lock or PostgreSQL's row lock), then read, checked and updated in one transaction.
``extra_credits`` are spent first; a refund returns each part to its bucket. Commit and refund are
each applied at most once per task (guarded by the task's ``billing_state``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tunesmith.errors import InsufficientCredits
from tunesmith.store.models import ApiKeyRow, LedgerRow, TaskRow

INSUFFICIENT = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."


def _lock_key(session: Session, key_id: str) -> ApiKeyRow:
    session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(credits=ApiKeyRow.credits))
    row = session.execute(
        select(ApiKeyRow).where(ApiKeyRow.id == key_id).execution_options(populate_existing=True)
    ).scalar_one()
    return row


def grant(session: Session, key_id: str, amount: int, *, extra: bool, now: datetime) -> None:
    """Add ``amount`` credits (to ``extra_credits`` when ``extra``); negative amounts never go below 0."""
    row = _lock_key(session, key_id)
    if extra:
        delta = max(amount, -row.extra_credits)
        row.extra_credits += delta
        session.add(LedgerRow(key_id=key_id, kind="grant", extra_delta=delta, amount=delta, created_at=now))
    else:
        delta = max(amount, -row.credits)
        row.credits += delta
        session.add(LedgerRow(key_id=key_id, kind="grant", credits_delta=delta, amount=delta, created_at=now))


def reserve(session: Session, key_id: str, amount: int, *, task_id: str | None, now: datetime) -> None:
    """Take ``amount`` from the key (extra first) or raise InsufficientCredits; nothing changes then."""
    if amount <= 0:
        return
    row = _lock_key(session, key_id)
    if row.credits + row.extra_credits < amount:
        raise InsufficientCredits(INSUFFICIENT)
    from_extra = min(row.extra_credits, amount)
    from_credits = amount - from_extra
    row.extra_credits -= from_extra
    row.credits -= from_credits
    session.add(
        LedgerRow(
            key_id=key_id,
            task_id=task_id,
            kind="reserve",
            credits_delta=-from_credits,
            extra_delta=-from_extra,
            amount=amount,
            created_at=now,
        )
    )


def _transition(session: Session, task_id: str, to: str) -> bool:
    result = session.execute(
        update(TaskRow)
        .where(TaskRow.id == task_id, TaskRow.billing_state == "reserved")
        .values(billing_state=to)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def commit(session: Session, task_id: str, *, now: datetime) -> bool:
    """Make the task's reservation final (once). True when this call committed it."""
    if not _transition(session, task_id, "committed"):
        return False
    task = session.get(TaskRow, task_id)
    assert task is not None
    session.add(
        LedgerRow(key_id=task.key_id, task_id=task_id, kind="commit", amount=task.price, created_at=now)
    )
    return True


def refund(session: Session, task_id: str, *, now: datetime) -> bool:
    """Return the task's reservation to its buckets (once). True when this call refunded it."""
    if not _transition(session, task_id, "refunded"):
        return False
    task = session.get(TaskRow, task_id)
    assert task is not None
    reserved = session.execute(
        select(LedgerRow).where(LedgerRow.task_id == task_id, LedgerRow.kind == "reserve")
    ).scalar_one_or_none()
    if reserved is None:
        return True
    key = _lock_key(session, task.key_id)
    key.credits -= reserved.credits_delta
    key.extra_credits -= reserved.extra_delta
    session.add(
        LedgerRow(
            key_id=task.key_id,
            task_id=task_id,
            kind="refund",
            credits_delta=-reserved.credits_delta,
            extra_delta=-reserved.extra_delta,
            amount=reserved.amount,
            created_at=now,
        )
    )
    return True
