"""API benchmark: poll throughput and latency (p50/p99) on loopback next to a bare Starlette
endpoint in the same run, plus submission latency.

    .venv/bin/python bench/bench_api.py [--seconds 5] [--concurrency 16]

Both servers are uvicorn in this process's threads; the load generator is httpx with a thread
pool. The tunesmith poll goes through auth, the SQLite store and the clip view; the bare endpoint
returns a constant JSON body. Numbers are for the machine it runs on.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tunesmith.api.app import create_app
from tunesmith.auth.keys import create_key
from tunesmith.jobs.context import build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.settings import Settings


def serve(app: Any) -> tuple[uvicorn.Server, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}"


def load(url: str, headers: dict[str, str], *, seconds: float, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        mine: list[float] = []
        with httpx.Client(headers=headers) as client:
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = client.get(url)
                mine.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(worker)
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--submissions", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            queue={"backend": "inline"},
            rate_limits={"submit_per_minute": 0, "other_per_minute": 0},
        )
        services = build_services(settings, queue=InlineQueue())  # submissions are stored, never rendered
        _, key = create_key(services.store, credits=10**9)
        auth = {"Authorization": f"Bearer {key}"}
        api, api_url = serve(create_app(services=services))
        bare_app = Starlette(routes=[Route("/ping", lambda request: JSONResponse({"code": 200, "data": []}))])
        bare, bare_url = serve(bare_app)

        body = {"mv": "sonic-v5", "prompt": "[Verse]\nbenchmark me", "tags": "pop"}
        submit_ms: list[float] = []
        with httpx.Client(headers=auth) as client:
            for _ in range(args.submissions):
                started = time.perf_counter()
                task_id = client.post(api_url + "/api/v1/sonic/create", json=body).json()["task_id"]
                submit_ms.append(1000 * (time.perf_counter() - started))
        submit_ms.sort()

        bare_stats = load(bare_url + "/ping", {}, seconds=args.seconds, concurrency=args.concurrency)
        poll_stats = load(
            f"{api_url}/api/v1/sonic/task/{task_id}", auth, seconds=args.seconds, concurrency=args.concurrency
        )
        print(f"concurrency {args.concurrency}, {args.seconds:g} s per endpoint, loopback")
        for name, stats in (("bare starlette", bare_stats), ("sonic poll", poll_stats)):
            print(
                f"{name:>15}: {stats['rps']:8.0f} req/s  p50 {stats['p50_ms']:6.2f} ms  "
                f"p99 {stats['p99_ms']:6.2f} ms  ({stats['requests']:.0f} requests)"
            )
        print(
            f"{'submission':>15}: p50 {statistics.median(submit_ms):6.2f} ms  "
            f"p99 {submit_ms[int(0.99 * (len(submit_ms) - 1))]:6.2f} ms  ({len(submit_ms)} sequential)"
        )
        api.should_exit = True
        bare.should_exit = True
        time.sleep(0.3)
        services.close()


if __name__ == "__main__":
    main()
