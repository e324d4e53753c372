"""Session fixtures: a real Redis, a real PostgreSQL cluster and a real S3-compatible server (moto),
started on loopback for the distributed suite and stopped at its end (see ``servers.py``).

Every test module here marks itself ``xdist_group("distributed")`` so that under
``pytest -n 2 --dist loadgroup`` one xdist worker runs them all and the servers start only once.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_SERVERS = Path(__file__).with_name("servers.py")
_spec = importlib.util.spec_from_file_location("tunesmith_test_servers", _SERVERS)
assert _spec is not None and _spec.loader is not None
servers: Any = importlib.util.module_from_spec(_spec)
sys.modules["tunesmith_test_servers"] = servers
_spec.loader.exec_module(servers)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Any]:
    server = servers.RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    server = servers.PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[Any]:
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    saved = {k: os.environ.get(k) for k in names}
    server = servers.S3Server().start()
    os.environ.update(server.env())
    try:
        yield server
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def bucket_url(s3_server: Any) -> str:
    """A fresh bucket's ``blobs.url``."""
    return str(s3_server.create_bucket(f"t-{uuid.uuid4().hex[:12]}"))


@pytest.fixture
def database_url(postgres_server: Any) -> str:
    """A fresh PostgreSQL database's SQLAlchemy URL."""
    return str(postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}"))


@pytest.fixture
def redis_url(redis_server: Any) -> Iterator[str]:
    """The Redis URL, flushed after the test."""
    import redis

    yield str(redis_server.url)
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.flushall()
    finally:
        client.close()
