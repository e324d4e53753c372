"""Upload benchmark: the latency of a synchronous ``POST /api/v1/sonic/upload`` and the seconds
of each stage inside it, for 10-s, 30-s and 3-min WAVs (44.1 kHz stereo, 16-bit), a 30-s WAV at
48 kHz (resampled) and 30-s MP3s at 192 kbit/s (stored as sent) and 128 kbit/s (encoded again),
sent as multipart and by URL.

    .venv/bin/python bench/bench_upload.py [--repeats 3] [--no-url]

The real app runs under uvicorn in a thread of this process (as in ``bench_api.py``); the URL
uploads are fetched from a plain HTTP server on loopback (private networks allowed). The first
upload of the run is reported on its own: it is the first one a fresh server process sees and
pays the one-time imports. Stage seconds come from timers wrapped around the functions the
upload service calls (whichever of them exist), summed per request; ``other`` is the rest of
the request (HTTP, auth, multipart parsing, hashing); stages that overlap (the MP3 is encoded
while files are written) are each shown whole. ``cpu`` is the CPU seconds the request cost this
process and its children (ffmpeg), client and file server included: an upper bound of what it
takes on an idle machine, where wall-clock seconds on a shared one are not. After the upload
the benchmark polls the clip until its tempo is known (``tempo known``, seconds after the
answer) and then asks ``sonic/bpm``, so the analysis the upload no longer does synchronously is
timed too. Numbers are for the machine it runs on.

To time an older checkout, put its ``src`` first: ``PYTHONPATH=/path/to/old/src``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import serve
from tunesmith.api.app import create_app
from tunesmith.auth.keys import create_key
from tunesmith.jobs.context import Services, build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.audio import AudioBuffer, encode_mp3, encode_wav
from tunesmith.settings import Settings

RATE_HZ = 44_100

STAGES: dict[str, float] = defaultdict(float)
_stage_lock = threading.Lock()

# (module, attribute, stage name): wrapped when the module has the attribute
TIMED = [
    ("tunesmith.api.routes.sonic", "read_form_or_json", "receive+parse"),
    ("tunesmith.jobs.uploads", "_fetch", "fetch"),
    ("tunesmith.jobs.uploads", "decode_upload", "decode"),
    ("tunesmith.jobs.uploads", "_analysis", "analysis (tempo+key)"),
    ("tunesmith.jobs.uploads", "encode_wav", "encode wav"),
    ("tunesmith.jobs.uploads", "encode_mp3", "encode mp3"),
    ("tunesmith.jobs.uploads", "store_upload_files", "encode+store files"),
    ("tunesmith.jobs.uploads", "after_finish", "after_finish"),
]


def song(
    duration_s: float, *, tempo_bpm: float = 100.0, seed: int = 0, rate_hz: int = RATE_HZ
) -> AudioBuffer:
    """A stereo test song: an A minor / F / C / G chord loop with a kick and a hat on the beat
    grid and a little noise, so analysis has real work to do."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(duration_s * rate_hz)) / rate_hz
    beat_s = 60.0 / tempo_bpm
    bar = (t // (4 * beat_s)).astype(int) % 4
    roots = np.array([220.0, 174.61, 261.63, 196.0])[bar]
    chord = sum(np.sin(2 * np.pi * roots * ratio * t) for ratio in (1.0, 1.19, 1.5))
    phase = t % beat_s
    kick = np.sin(2 * np.pi * 55.0 * t) * np.exp(-30.0 * phase)
    hat = rng.standard_normal(t.size) * np.exp(-80.0 * ((t + beat_s / 2) % beat_s))
    mix = 0.12 * chord + 0.5 * kick + 0.08 * hat + 0.01 * rng.standard_normal(t.size)
    left = mix.astype(np.float32)
    right = np.roll(left, 64)
    return AudioBuffer.from_array(np.stack([left, right]), rate_hz)


def timed(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(fn, "_bench_timed", False):
        return fn

    if _is_async(fn):

        @functools.wraps(fn)
        async def awrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                with _stage_lock:
                    STAGES[stage] += time.perf_counter() - started

        awrapper._bench_timed = True  # type: ignore[attr-defined]
        return awrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            if threading.current_thread().name.startswith("tunesmith-upload-analysis"):
                return  # background work: not part of the request  # noqa: B012
            with _stage_lock:
                STAGES[stage] += time.perf_counter() - started

    wrapper._bench_timed = True  # type: ignore[attr-defined]
    return wrapper


def _is_async(fn: Callable[..., Any]) -> bool:
    import inspect

    return inspect.iscoroutinefunction(fn)


def instrument(services: Services) -> list[str]:
    """Wrap the stage functions (and the blob store's ``put``, the store's clip write)."""
    import importlib

    found = []
    for module_name, attr, stage in TIMED:
        module = importlib.import_module(module_name)
        if hasattr(module, attr):
            setattr(module, attr, timed(stage, getattr(module, attr)))
            found.append(stage)
    blobs: Any = services.blobs
    blobs.put = timed("blob put", blobs.put)
    store: Any = services.store
    store.create_finished_clip = timed("db write", store.create_finished_clip)
    return [*found, "blob put", "db write"]


@contextmanager
def file_server(folder: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def one_upload(
    client: httpx.Client, api_url: str, name: str, data: bytes, *, by_url: str | None
) -> tuple[float, dict[str, float], str]:
    STAGES.clear()
    cpu_started = _cpu_s()
    started = time.perf_counter()
    if by_url is None:
        response = client.post(api_url + "/api/v1/sonic/upload", files={"file": (name, data)})
    else:
        response = client.post(api_url + "/api/v1/sonic/upload", json={"url": by_url})
    total = time.perf_counter() - started
    cpu = _cpu_s() - cpu_started
    assert response.status_code == 200, response.text
    with _stage_lock:
        stages = dict(STAGES)
    stages["cpu"] = cpu
    return total, stages, response.json()["clip_id"]


def _cpu_s() -> float:
    """CPU seconds of this process (all threads: client, server, file server) and of its finished
    children (ffmpeg). Per upload this bounds what the upload would take on an idle machine."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def tempo_known_after(client: httpx.Client, api_url: str, clip_id: str, *, limit_s: float = 60.0) -> float:
    """Seconds until the clip's ``metadata.tempo_bpm`` is known (polled every 20 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        meta = client.get(f"{api_url}/api/v1/clips/{clip_id}").json()["data"]["metadata"]
        if meta["tempo_bpm"] is not None:
            return time.perf_counter() - started
        time.sleep(0.02)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-url", action="store_true", help="multipart uploads only")
    args = parser.parse_args()

    cases = {
        "wav 10 s": ("song10.wav", encode_wav(song(10.0, seed=1))),
        "wav 30 s": ("song30.wav", encode_wav(song(30.0, seed=2))),
        "wav 30 s 48k": ("song30-48k.wav", encode_wav(song(30.0, seed=5, rate_hz=48_000))),
        "wav 3 min": ("song180.wav", encode_wav(song(180.0, seed=3))),
        "mp3 30 s 192k": ("song30.mp3", encode_mp3(song(30.0, seed=4))),  # served as sent
        "mp3 30 s 128k": ("song30-128k.mp3", encode_mp3(song(30.0, seed=6), bitrate_kbps=128)),
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        media = root / "media"
        media.mkdir()
        for name, data in cases.values():
            (media / name).write_bytes(data)
        settings = Settings(
            data_dir=root / "data",
            queue={"backend": "inline"},
            rate_limits={"submit_per_minute": 0, "other_per_minute": 0},
            uploads={"allow_private_networks": True},
        )
        services = build_services(settings, queue=InlineQueue())
        stages = instrument(services)
        _, key = create_key(services.store, credits=10**9)
        api, api_url = serve(create_app(services=services))
        with (
            file_server(media) as media_url,
            httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=300.0) as client,
        ):
            modes = ["multipart"] + ([] if args.no_url else ["url"])
            rows: list[tuple[str, float, dict[str, float], float, float]] = []
            first = True
            for label, (name, data) in cases.items():
                for mode in modes:
                    runs = []
                    for _ in range(args.repeats):
                        by_url = None if mode == "multipart" else f"{media_url}/{name}"
                        total, stage_s, clip_id = one_upload(client, api_url, name, data, by_url=by_url)
                        known_s = tempo_known_after(client, api_url, clip_id)
                        started = time.perf_counter()
                        bpm = client.post(api_url + "/api/v1/sonic/bpm", json={"clip_id": clip_id})
                        bpm_s = time.perf_counter() - started
                        assert bpm.status_code == 200, bpm.text
                        if first:
                            rows.append(("FIRST (cold) " + label, total, stage_s, known_s, bpm_s))
                            first = False
                            continue
                        runs.append((total, stage_s, known_s, bpm_s))
                    if not runs:
                        continue
                    best = sorted(runs, key=lambda r: r[0])[len(runs) // 2]  # the median run
                    rows.append((f"{label} {mode} ({len(data) / 1e6:.1f} MB)", *best))
        api.should_exit = True
        time.sleep(0.3)
        services.close()

    shown = [s for s in stages if any(s in r[2] for r in rows)]
    print("seconds per upload (median of the repeats; load on this machine included)")
    header = f"{'case':>30} {'total':>7} " + " ".join(f"{s[:14]:>14}" for s in shown)
    print(header + f" {'other':>7} {'cpu':>6} {'tempo known':>11} {'bpm call':>8}")
    for label, total, stage_s, known_s, bpm_s in rows:
        # encode+store files contains encode wav/mp3 and blob put when they run inside it
        top = sum(v for k, v in stage_s.items() if k not in _nested(stage_s) and k != "cpu")
        other = total - top
        cells = " ".join(f"{stage_s.get(s, 0.0):14.3f}" for s in shown)
        cpu = stage_s["cpu"]
        print(f"{label:>30} {total:7.3f} {cells} {other:7.3f} {cpu:6.3f} {known_s:11.3f} {bpm_s:8.3f}")
    load1 = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"load average (1 min) at the end: {load1}")


def _nested(stage_s: dict[str, float]) -> set[str]:
    """Stages that ran inside another timed stage (not added again to the total)."""
    nested: set[str] = set()
    if "encode+store files" in stage_s:
        nested |= {"encode wav", "encode mp3", "blob put"}
    return nested


if __name__ == "__main__":
    main()
