"""Real infrastructure servers on loopback for the distributed tests: Redis (Debian ``redis-server``),
PostgreSQL (a private cluster made with ``initdb`` and run with ``pg_ctl``) and an S3-compatible
server (moto's standalone ``ThreadedMotoServer``).

Each server lives in its own temporary directory on a free port and is stopped (and the directory
removed) by :meth:`stop`. PostgreSQL refuses to run as root, so as root the cluster is made and run
as the ``postgres`` system user (installed by the Debian package) through ``runuser``.

Run ``python tests/distributed/servers.py`` to start all three and print their URLs until Ctrl-C.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, *, timeout_s: float = 20.0) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:``port`` (RuntimeError on timeout)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")


class RedisServer:
    """``redis-server`` on a free loopback port with an append-only file (survives a restart)."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (Debian package redis-server)")
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix="tunesmith-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir)]
        command += ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"]
        command += ["--protected-mode", "no", "--logfile", str(self.dir / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        return self

    def stop(self, *, keep_data: bool = False) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if not keep_data:
            shutil.rmtree(self.dir, ignore_errors=True)

    def restart(self) -> None:
        """Stop (keeping the append-only file) and start again on the same port."""
        self.stop(keep_data=True)
        self.start()


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if found is None:
        raise RuntimeError(f"{name} is not installed (Debian package postgresql)")
    return found


class PostgresServer:
    """A private PostgreSQL cluster (trust auth, loopback only) in a temporary directory."""

    USER = "tunesmith"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="tunesmith-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, user="postgres", group="postgres")
        self.url = f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.as_user, *args], capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.decode(errors='replace')[-2000:]}")

    def start(self) -> PostgresServer:
        if not (self.data / "PG_VERSION").exists():
            self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", self.USER, "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
        options += " -c fsync=off -c max_connections=200"
        log = str(self.dir / "pg.log")
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start")
        wait_port(self.port)
        return self

    def stop(self, *, keep_data: bool = False) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        if not keep_data:
            shutil.rmtree(self.dir, ignore_errors=True)

    def restart(self) -> None:
        self.stop(keep_data=True)
        self.start()

    def create_database(self, name: str) -> str:
        """Create database ``name``; returns its SQLAlchemy URL."""
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user={self.USER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/{name}"


class S3Server:
    """moto's standalone S3-compatible server in a thread of this process."""

    ACCESS_KEY = "testing"
    SECRET_KEY = "testing"
    REGION = "us-east-1"

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server: object | None = None

    def start(self) -> S3Server:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        server.start()
        self._server = server
        wait_port(self.port)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()  # type: ignore[attr-defined]
            self._server = None

    def env(self) -> dict[str, str]:
        """Credentials for boto3 clients of this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY,
            "AWS_DEFAULT_REGION": self.REGION,
        }

    def create_bucket(self, name: str) -> str:
        """Create bucket ``name``; returns the ``s3://`` blob URL for the settings."""
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
            region_name=self.REGION,
        )
        client.create_bucket(Bucket=name)
        return f"s3://{name}?endpoint={self.endpoint}&region={self.REGION}"


def main() -> None:
    redis, pg, s3 = RedisServer().start(), PostgresServer().start(), S3Server().start()
    print(f"redis    {redis.url}\npostgres {pg.url}\ns3       {s3.endpoint}", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        s3.stop()
        pg.stop()
        redis.stop()


if __name__ == "__main__":
    main()
