"""Per-key token buckets (API.md §1): one for submissions, one for everything else.

:class:`MemoryRateLimiter` keeps buckets in this process (embedded mode: one API process). A rate
of 0 disables a bucket.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

from tunesmith.errors import RateLimited


def too_many(retry_after_s: int) -> RateLimited:
    seconds = max(1, retry_after_s)
    return RateLimited(f"Too many requests. Retry after {seconds} seconds.", retry_after_s=seconds)


class RateLimiter(Protocol):
    def hit(self, bucket: str, *, per_minute: float, burst: int) -> None:
        """Take one token from ``bucket`` or raise RateLimited with the wait in whole seconds."""
        ...


class MemoryRateLimiter:
    """Token buckets in a dict guarded by a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def hit(self, bucket: str, *, per_minute: float, burst: int) -> None:
        if per_minute <= 0:
            return
        capacity = float(max(1, burst))
        rate_per_s = per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(bucket, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate_per_s)
            if tokens < 1.0:
                self._buckets[bucket] = (tokens, now)
                raise too_many(math.ceil((1.0 - tokens) / rate_per_s))
            self._buckets[bucket] = (tokens - 1.0, now)
