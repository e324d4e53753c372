"""The service container: settings, store, blobs, queue, engines and rate limiter, built once per
process by :func:`build_services` (the API's lifespan, the worker, the CLI)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tunesmith.auth.ratelimit import MemoryRateLimiter, RateLimiter, make_rate_limiter
from tunesmith.blobs.store import BlobStore, make_blob_store
from tunesmith.engines.base import Engine
from tunesmith.jobs.queue import HueyQueue, InlineQueue, JobQueue
from tunesmith.settings import Settings
from tunesmith.store.repos import Store

EngineFactory = Callable[[str], Engine]


def default_engine_factory(settings: Settings) -> EngineFactory:
    def factory(name: str) -> Engine:
        from tunesmith.engines.registry import get_engine

        return get_engine(name, with_video=settings.engine.video)

    return factory


@dataclass
class Services:
    settings: Settings
    store: Store
    blobs: BlobStore
    queue: JobQueue
    engine_factory: EngineFactory
    limiter: RateLimiter = field(default_factory=MemoryRateLimiter)
    _engines: dict[str, Engine] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def engine_name(self, mv: str | None) -> str:
        """The engine serving model name ``mv`` (``engine.models`` override, else the default)."""
        if mv and mv in self.settings.engine.models:
            return self.settings.engine.models[mv]
        return self.settings.engine.default

    def engine(self, name: str) -> Engine:
        with self._lock:
            if name not in self._engines:
                self._engines[name] = self.engine_factory(name)
            return self._engines[name]

    def close(self) -> None:
        self.store.close()


def build_services(
    settings: Settings,
    *,
    queue: JobQueue | None = None,
    engine_factory: EngineFactory | None = None,
    migrate: bool = True,
) -> Services:
    """Open the store (migrating it), the blob directory and the queue for ``settings``."""
    from tunesmith.jobs import runner

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store.open(settings.database_url, busy_timeout_ms=settings.database.busy_timeout_ms)
    if migrate:
        store.migrate()
    blobs = make_blob_store(settings)
    factory = engine_factory or default_engine_factory(settings)
    if queue is None:
        if settings.queue.backend == "inline":
            queue = InlineQueue()
        else:
            queue = HueyQueue(
                settings,
                run_task=lambda task_id: runner.run_task(worker_services(settings), task_id),
                deliver=lambda d_id: runner.deliver(worker_services(settings), d_id),
            )
    services = Services(
        settings=settings,
        store=store,
        blobs=blobs,
        queue=queue,
        engine_factory=factory,
        limiter=make_rate_limiter(settings),
    )
    if isinstance(queue, InlineQueue):
        queue.bind(
            run_task=lambda task_id: runner.run_task(services, task_id),
            deliver=lambda d_id: runner.deliver(services, d_id),
        )
    return services


_worker: dict[tuple[int, str], Services] = {}
_worker_lock = threading.Lock()
_worker_engine_factory: list[EngineFactory] = []


def set_worker_engine_factory(factory: EngineFactory | None) -> None:
    """Override the engines used by queue consumers in this process tree (tests, plugins)."""
    _worker_engine_factory.clear()
    if factory is not None:
        _worker_engine_factory.append(factory)


def worker_services(settings: Settings) -> Services:
    """The services of the current worker process (rebuilt after a fork)."""
    slot = (os.getpid(), settings.database_url)
    with _worker_lock:
        if slot not in _worker:
            factory = _worker_engine_factory[0] if _worker_engine_factory else None
            _worker[slot] = build_services(settings, engine_factory=factory, migrate=False)
        return _worker[slot]
