"""Per-key token buckets (API.md §1): one for submissions, one for everything else.

:class:`MemoryRateLimiter` keeps buckets in this process (embedded mode: one API process);
:class:`RedisRateLimiter` keeps them in Redis, shared by every API process (scaled out). A rate of 0
disables a bucket.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from tunesmith.errors import RateLimited

if TYPE_CHECKING:
    from tunesmith.settings import Settings

log = structlog.get_logger(__name__)


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


_TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate_per_s = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = capacity
  last = now
end
tokens = math.min(capacity, tokens + math.max(0, now - last) * rate_per_s)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate_per_s) + 60)
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter:
    """Token buckets in Redis hashes ``{prefix}{bucket}``, updated atomically by a Lua script that
    reads the Redis server's clock, so every API process (on any machine) shares one bucket per key.
    Idle buckets expire once they would be full again. While Redis cannot be reached the limiter
    lets calls through (fails open, logged) rather than failing every request; it is called on the
    event loop, so its socket timeouts are short (0.5 s)."""

    def __init__(self, url: str, *, prefix: str = "tunesmith:ratelimit:") -> None:
        import redis

        self.prefix = prefix
        self._errors = (redis.RedisError, OSError)
        self.client: Any = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script: Any = self.client.register_script(_TOKEN_BUCKET_LUA)

    def hit(self, bucket: str, *, per_minute: float, burst: int) -> None:
        if per_minute <= 0:
            return
        capacity = float(max(1, burst))
        rate_per_s = per_minute / 60.0
        try:
            allowed, tokens = self._script(keys=[self.prefix + bucket], args=[capacity, rate_per_s])
        except self._errors as exc:
            log.warning("ratelimit.redis_unavailable", error=str(exc)[:200])
            return
        if int(allowed) != 1:
            raise too_many(math.ceil((1.0 - float(tokens)) / rate_per_s))


def make_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis buckets when ``rate_limits.redis_url`` (or ``queue.redis_url``) is set, else memory."""
    url = settings.rate_limits.redis_url or settings.queue.redis_url
    if url:
        return RedisRateLimiter(url)
    return MemoryRateLimiter()
