"""Load benchmark on loopback: paced polls plus paced song submissions against a real deployment,
embedded (``tunesmith run``: SQLite, one API process, its worker pool) or distributed (two
``tunesmith run --no-workers`` API processes and ``tunesmith worker`` processes sharing a real
PostgreSQL, Redis and S3-compatible server started for the run).

    .venv/bin/python bench/bench_load.py --mode embedded    [--seconds 60 --poll-rate 500 --submit-rate 2]
    .venv/bin/python bench/bench_load.py --mode distributed [--workers 2 --song-duration 10]

The generator is bounded (open loop): requests are due at a fixed rate; at most ``--concurrency``
polls (and 4 submissions) are in flight, and a request that finds no free slot when due is counted
as *dropped* rather than queued, so the generator never builds an unbounded backlog. Polls
alternate between the API processes. Each generator is one asyncio loop with a pooled
``httpx.AsyncClient`` per API process; ``--generators N`` splits the polls over N processes when one
loop cannot keep the rate (the report prints achieved against target rates). After the load phase
the run waits (``--drain-s``) for the submitted songs to finish.

Reports: achieved polls/s and submissions/s with p50/p99 latency and error rate (non-2xx or
transport errors), dropped requests, queue wait (task start − submission, p50/p99) and songs per
minute per worker. Numbers are for the machine it runs on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tunesmith.auth.keys import create_key
from tunesmith.store.repos import Store

ROOT = Path(__file__).resolve().parents[1]
CREDITS = 1_000_000


def _servers() -> Any:
    spec = importlib.util.spec_from_file_location(
        "tunesmith_bench_servers", ROOT / "tests/distributed/servers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tunesmith_bench_servers"] = module
    spec.loader.exec_module(module)
    return module


class Proc:
    """A ``tunesmith`` command in its own process group; output collected in ``lines``."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from tunesmith.cli import main; main()", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        stdout = self.proc.stdout
        assert stdout is not None
        threading.Thread(target=lambda: self.lines.extend(stdout), daemon=True).start()

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@dataclass
class Deployment:
    apis: list[str]
    key: str
    store: Store
    workers: int
    procs: list[Proc] = field(default_factory=list)
    cleanup: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()
        self.store.close()
        for action in reversed(self.cleanup):
            action()


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {
        **os.environ,
        "TUNESMITH_ENGINE__VIDEO": "false",
        "TUNESMITH_RATE_LIMITS__SUBMIT_PER_MINUTE": "0",
        "TUNESMITH_RATE_LIMITS__OTHER_PER_MINUTE": "0",
        "TUNESMITH_QUEUE__MAX_PENDING": "100000",
        "TUNESMITH_BILLING__FIRST_KEY_CREDITS": str(CREDITS),
        **extra,
    }
    env.pop("TUNESMITH_PUBLIC_BASE_URL", None)
    return env


def _wait_health(base: str, proc: Proc) -> None:
    deadline = time.monotonic() + 120
    while True:
        if proc.proc.poll() is not None:
            raise RuntimeError("".join(proc.lines[-30:]))
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(base + "/health", timeout=5).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError("".join(proc.lines[-30:]))
        time.sleep(0.1)


def start_embedded(tmp: Path, workers: int) -> Deployment:
    servers = _servers()
    data_dir = tmp / "data"
    port = servers.free_port()
    proc = Proc(
        ["run", "--port", str(port), "--workers", str(workers), "--data-dir", str(data_dir)], _env({})
    )
    base = f"http://127.0.0.1:{port}"
    deployment = Deployment(
        [base], "", Store.open(f"sqlite:///{(data_dir / 'tunesmith.db').resolve()}"), workers
    )
    deployment.procs.append(proc)
    try:
        _wait_health(base, proc)
        deployment.key = next(line.strip() for line in proc.lines if line.strip().startswith("ts_"))
    except BaseException:
        deployment.stop()
        raise
    return deployment


def start_distributed(tmp: Path, workers: int) -> Deployment:
    servers = _servers()
    redis, postgres, s3 = servers.RedisServer(), servers.PostgresServer(), servers.S3Server()
    cleanup: list[Any] = []
    try:
        redis.start()
        cleanup.append(redis.stop)
        postgres.start()
        cleanup.append(postgres.stop)
        s3.start()
        cleanup.append(s3.stop)
        os.environ.update(s3.env())
        env = _env(
            {
                "TUNESMITH_DATABASE__URL": postgres.create_database("bench"),
                "TUNESMITH_QUEUE__REDIS_URL": redis.url,
                "TUNESMITH_BLOBS__URL": s3.create_bucket("bench"),
                "TUNESMITH_FILES__SIGNING_SECRET": "bench",
            }
        )
        store = Store.open(env["TUNESMITH_DATABASE__URL"])
        store.migrate()
        _, key = create_key(store, name="bench", credits=CREDITS)
    except BaseException:
        for action in reversed(cleanup):
            action()
        raise
    deployment = Deployment([], key, store, workers, cleanup=cleanup)
    try:
        api_procs = []
        for i in range(2):
            port = servers.free_port()
            data = str(tmp / f"api{i}")
            api_procs.append(Proc(["run", "--no-workers", "--port", str(port), "--data-dir", data], env))
            deployment.apis.append(f"http://127.0.0.1:{port}")
        deployment.procs += api_procs
        for i in range(workers):
            deployment.procs.append(Proc(["worker", "--workers", "1", "--data-dir", str(tmp / f"w{i}")], env))
        for base, proc in zip(deployment.apis, api_procs, strict=True):
            _wait_health(base, proc)
    except BaseException:
        deployment.stop()
        raise
    return deployment


@dataclass
class Stream:
    """Latencies and outcomes of one paced request stream."""

    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    dropped: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    """What the errors were: ``HTTP <status>`` or the transport exception's class name."""

    def merge(self, other: Stream) -> None:
        self.latencies_s += other.latencies_s
        self.errors += other.errors
        self.dropped += other.dropped
        for kind, count in other.error_kinds.items():
            self.error_kinds[kind] = self.error_kinds.get(kind, 0) + count

    def report(self, name: str, seconds: float, target_per_s: float) -> str:
        done = len(self.latencies_s)
        if not done:
            return f"{name}: nothing completed (errors {self.errors}, dropped {self.dropped})"
        ordered = sorted(self.latencies_s)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(done - 1, int(0.99 * done))] * 1000
        return (
            f"{name}: {done / seconds:8.1f}/s of {target_per_s:g}/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
            f"errors {self.errors / done:6.2%} ({self.errors}/{done})  dropped {self.dropped}"
            + (f"  error kinds {dict(sorted(self.error_kinds.items()))}" if self.error_kinds else "")
        )


async def _paced(
    rate_per_s: float, seconds: float, limit: int, stream: Stream, request: Any, offset: int = 0
) -> None:
    """Start ``request(i)`` at ``rate_per_s`` for ``seconds`` (open loop) with at most ``limit`` in
    flight; a request due while all slots are busy is dropped, never queued."""
    if rate_per_s <= 0:
        return
    in_flight: set[asyncio.Task[None]] = set()

    async def one(i: int) -> None:
        started = time.perf_counter()
        try:
            problem = await request(i)
        except httpx.HTTPError as exc:
            problem = type(exc).__name__
        stream.latencies_s.append(time.perf_counter() - started)
        if problem is not None:
            stream.errors += 1
            stream.error_kinds[problem] = stream.error_kinds.get(problem, 0) + 1

    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for i in range(int(rate_per_s * seconds)):
        delay = t0 + i / rate_per_s - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(in_flight) >= limit:
            stream.dropped += 1
            continue
        task = asyncio.create_task(one(offset + i))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.wait(in_flight)


@dataclass(frozen=True)
class GeneratorJob:
    """What one generator process does: its share of the polls, and (process 0) the submissions."""

    apis: list[str]
    key: str
    poll_task: str
    song: dict[str, Any]
    seconds: float
    poll_rate: float
    submit_rate: float
    concurrency: int
    index: int


def generate(job: GeneratorJob) -> tuple[Stream, Stream, list[str], float]:
    """Run one generator (an asyncio loop, one pooled ``httpx.AsyncClient`` per API process);
    returns its streams, the submitted task ids and the seconds its load phase lasted."""
    return asyncio.run(_generate(job))


async def _generate(job: GeneratorJob) -> tuple[Stream, Stream, list[str], float]:
    auth = {"Authorization": f"Bearer {job.key}"}
    limits = httpx.Limits(max_connections=job.concurrency + 4, max_keepalive_connections=job.concurrency + 4)
    clients = [httpx.AsyncClient(base_url=api, headers=auth, timeout=30, limits=limits) for api in job.apis]
    polls, submits = Stream(), Stream()
    submitted: list[str] = []

    async def poll(i: int) -> str | None:
        """None when the poll succeeded, else what went wrong."""
        answer = await clients[i % len(clients)].get(f"/api/v1/sonic/task/{job.poll_task}")
        ok = answer.status_code == 200 and answer.json().get("code") == 200
        return None if ok else f"HTTP {answer.status_code}"

    async def submit(i: int) -> str | None:
        body = {**job.song, "seed": i + 1}
        answer = await clients[i % len(clients)].post("/api/v1/sonic/create", json=body)
        if answer.status_code == 200 and answer.json().get("task_id"):
            submitted.append(answer.json()["task_id"])
            return None
        return f"HTTP {answer.status_code}"

    started = time.monotonic()
    try:
        await asyncio.gather(
            _paced(job.poll_rate, job.seconds, job.concurrency, polls, poll, offset=job.index),
            # submissions have their own slots: saturated polls never starve them
            _paced(job.submit_rate, job.seconds, 4, submits, submit),
        )
    finally:
        for client in clients:
            await client.aclose()
    return polls, submits, submitted, time.monotonic() - started


def run_load(deployment: Deployment, args: argparse.Namespace) -> None:
    auth = {"Authorization": f"Bearer {deployment.key}"}
    song = {"mv": "sonic-v6-mini", "make_instrumental": True, "tags": "rock", "duration": args.song_duration}
    first = httpx.post(deployment.apis[0] + "/api/v1/sonic/create", json={**song, "seed": 0}, headers=auth)
    assert first.status_code == 200, first.text
    poll_task = first.json()["task_id"]
    submitted: list[str] = [poll_task]
    polls, submits = Stream(), Stream()
    jobs = [
        GeneratorJob(
            apis=deployment.apis,
            key=deployment.key,
            poll_task=poll_task,
            song=song,
            seconds=args.seconds,
            poll_rate=args.poll_rate / args.generators,
            submit_rate=args.submit_rate if index == 0 else 0.0,
            concurrency=max(1, args.concurrency // args.generators),
            index=index,
        )
        for index in range(args.generators)
    ]
    if args.generators == 1:
        results = [generate(jobs[0])]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=args.generators, mp_context=context) as pool:
            results = list(pool.map(generate, jobs))
    load_s = max(result[3] for result in results)  # process start-up excluded
    for job_polls, job_submits, job_submitted, _ in results:
        polls.merge(job_polls)
        submits.merge(job_submits)
        submitted += job_submitted
    print(
        f"mode {args.mode}: {len(deployment.apis)} API process(es), {deployment.workers} worker(s), "
        f"{args.generators} generator process(es), {load_s:.1f} s of load, "
        f"target {args.poll_rate:g}/s polls + {args.submit_rate:g}/s submissions"
    )
    print(polls.report("polls      ", load_s, args.poll_rate))
    print(submits.report("submissions", load_s, args.submit_rate))
    deadline = time.monotonic() + args.drain_s
    tasks: list[Any] = []
    while time.monotonic() < deadline:
        tasks = [deployment.store.get_task(t) for t in submitted]
        if all(t is not None and t.state in ("succeeded", "failed") for t in tasks):
            break
        time.sleep(0.5)
    tasks = [deployment.store.get_task(t) for t in submitted]
    finished = [t for t in tasks if t is not None and t.state in ("succeeded", "failed") and t.finished_at]
    waits = sorted((t.started_at - t.created_at).total_seconds() for t in finished if t.started_at)
    succeeded = [t for t in finished if t.state == "succeeded"]
    unfinished = len(submitted) - len(finished)
    print(
        f"songs: {len(submitted)} submitted, {len(succeeded)} succeeded, "
        f"{len(finished) - len(succeeded)} failed, {unfinished} unfinished after drain"
    )
    if waits:
        p99 = waits[min(len(waits) - 1, int(0.99 * len(waits)))]
        print(f"queue wait (finished tasks): p50 {statistics.median(waits):.1f} s  p99 {p99:.1f} s")
    if succeeded:
        first_at = min(t.created_at for t in tasks if t is not None)
        span_min = (max(t.finished_at for t in succeeded) - first_at).total_seconds() / 60
        per_worker = len(succeeded) / max(span_min, 1e-9) / deployment.workers
        songs = f"{args.song_duration:.0f} s songs, 2 clips each"
        print(f"throughput: {per_worker:.2f} songs/minute per worker ({songs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["embedded", "distributed"], default="embedded")
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the load phase.")
    parser.add_argument("--poll-rate", type=float, default=500.0, help="Polls per second (target).")
    parser.add_argument("--submit-rate", type=float, default=2.0, help="Submissions per second (target).")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="Polls in flight at most (all generators)."
    )
    parser.add_argument(
        "--generators", type=int, default=1, help="Generator processes (asyncio each); polls are split."
    )
    parser.add_argument("--workers", type=int, default=2, help="Worker processes.")
    parser.add_argument("--song-duration", type=float, default=10.0, help="Seconds of each song.")
    parser.add_argument("--drain-s", type=float, default=300.0, help="Wait this long for songs to finish.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tunesmith-bench-load-") as tmp:
        start = start_embedded if args.mode == "embedded" else start_distributed
        deployment = start(Path(tmp), args.workers)
        try:
            run_load(deployment, args)
        finally:
            deployment.stop()


if __name__ == "__main__":
    main()
