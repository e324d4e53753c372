"""Redis rate limits, the Redis priority queue and the PostgreSQL store against real servers."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from tunesmith.auth.keys import authenticate, create_key
from tunesmith.auth.ratelimit import MemoryRateLimiter, RedisRateLimiter, make_rate_limiter
from tunesmith.errors import RateLimited
from tunesmith.jobs.queue import DELIVERY_PRIORITY, TASK_PRIORITY, HueyQueue, make_huey
from tunesmith.settings import Settings
from tunesmith.store.repos import Store

pytestmark = pytest.mark.xdist_group("distributed")


def test_redis_bucket_is_shared_between_limiters(redis_url: str) -> None:
    api_one, api_two = RedisRateLimiter(redis_url), RedisRateLimiter(redis_url)
    for i in range(4):  # burst 4 taken alternately through two "API processes"
        (api_one if i % 2 else api_two).hit("submit:k1", per_minute=6, burst=4)
    with pytest.raises(RateLimited) as caught:
        api_one.hit("submit:k1", per_minute=6, burst=4)
    assert 1 <= caught.value.retry_after_s <= 10  # one token per 10 s
    with pytest.raises(RateLimited):
        api_two.hit("submit:k1", per_minute=6, burst=4)
    api_two.hit("submit:k2", per_minute=6, burst=4)  # another key has its own bucket
    api_two.hit("other:k1", per_minute=0, burst=1)  # rate 0 = off


def test_redis_bucket_refills(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url)
    limiter.hit("b", per_minute=600, burst=1)  # 10 tokens/s
    with pytest.raises(RateLimited):
        limiter.hit("b", per_minute=600, burst=1)
    time.sleep(0.15)
    limiter.hit("b", per_minute=600, burst=1)


def test_redis_bucket_is_atomic_under_concurrency(redis_url: str) -> None:
    allowed: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        limiter = RedisRateLimiter(redis_url)
        for _ in range(20):
            try:
                limiter.hit("race", per_minute=0.001, burst=25)
                with lock:
                    allowed.append(1)
            except RateLimited:
                pass

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 25  # 80 attempts, exactly the burst let through


def test_limiter_fails_open_when_redis_is_down() -> None:
    from tunesmith_test_servers import free_port

    limiter = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    limiter.hit("x", per_minute=1, burst=1)
    limiter.hit("x", per_minute=1, burst=1)
    assert time.monotonic() - started < 3


def test_settings_select_the_limiter(tmp_path: Path, redis_url: str) -> None:
    assert isinstance(make_rate_limiter(Settings(data_dir=tmp_path)), MemoryRateLimiter)
    by_queue = make_rate_limiter(Settings(data_dir=tmp_path, queue={"redis_url": redis_url}))
    by_own = make_rate_limiter(Settings(data_dir=tmp_path, rate_limits={"redis_url": redis_url}))
    assert isinstance(by_queue, RedisRateLimiter) and isinstance(by_own, RedisRateLimiter)


def test_redis_queue_orders_by_priority_and_survives_a_restart(
    tmp_path: Path, redis_url: str, redis_server: Any
) -> None:
    settings = Settings(data_dir=tmp_path, queue={"redis_url": redis_url})
    ran: list[str] = []
    queue = HueyQueue(
        settings, run_task=lambda t: ran.append(f"task:{t}"), deliver=lambda d: ran.append(f"d:{d}")
    )
    assert type(queue.huey).__name__ == "PriorityRedisHuey"
    assert TASK_PRIORITY < DELIVERY_PRIORITY
    for i in range(3):
        queue.enqueue_task(f"t{i}")
    queue.enqueue_delivery("d0")
    assert queue.pending() == 4
    redis_server.restart()  # append-only file: nothing queued is lost
    queue.ping()
    assert queue.pending() == 4
    huey = queue.huey
    while (message := huey.dequeue()) is not None:
        huey.execute(message)
    assert ran[0] == "d:d0"
    assert sorted(ran[1:]) == ["task:t0", "task:t1", "task:t2"]
    assert make_huey(Settings(data_dir=tmp_path)).__class__.__name__ == "SqliteHuey"


def test_postgres_store_migrates_and_keeps_keys(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        store.migrate()
        store.migrate()  # idempotent
        store.ping()
        key, plaintext = create_key(store, name="pg", credits=50)
        assert authenticate(store, f"Bearer {plaintext}").id == key.id
        assert store.count_keys() == 1
        tables = set(sqlalchemy.inspect(store.engine).get_table_names())
        assert "alembic_version" in tables and len(tables) > 3
    finally:
        store.close()


def test_postgres_migrations_from_many_processes_at_once(database_url: str) -> None:
    """API and worker processes start together and each migrates: the advisory lock serialises
    them, so none fails on a half-made schema."""
    errors: list[BaseException] = []

    def migrate() -> None:
        store = Store.open(database_url)
        try:
            store.migrate()
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=migrate, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)  # without the lock, concurrent migrations deadlock or fail
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    store = Store.open(database_url)
    try:
        store.ping()
        assert store.count_keys() == 0
    finally:
        store.close()
