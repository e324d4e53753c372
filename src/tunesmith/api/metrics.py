"""In-process HTTP metrics plus database-derived task, queue, webhook and credit metrics, rendered
as Prometheus text (API.md §13)."""

from __future__ import annotations

import threading
from collections import defaultdict

from tunesmith.jobs.context import Services

BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


class HttpMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets = [0] * len(BUCKETS_S)
        self.count = 0
        self.total_s = 0.0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            self.count += 1
            self.total_s += seconds
            for i, bound in enumerate(BUCKETS_S):
                if seconds <= bound:
                    self.buckets[i] += 1


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _histogram(
    name: str, values: list[float] | None, buckets: list[int] | None, count: int, total: float
) -> list[str]:
    lines = [f"# TYPE {name} histogram"]
    if values is not None:
        buckets = [sum(1 for v in values if v <= b) for b in BUCKETS_S]
    assert buckets is not None
    for bound, n in zip(BUCKETS_S, buckets, strict=True):
        lines.append(f'{name}_bucket{{le="{bound:g}"}} {n}')
    lines += [f'{name}_bucket{{le="+Inf"}} {count}', f"{name}_sum {total:.6f}", f"{name}_count {count}"]
    return lines


def render(services: Services, http: HttpMetrics) -> str:
    lines = ["# TYPE tunesmith_http_requests_total counter"]
    with http._lock:
        for (method, route, status), n in sorted(http.requests.items()):
            labels = f'method="{method}",route="{_esc(route)}",status="{status}"'
            lines.append(f"tunesmith_http_requests_total{{{labels}}} {n}")
        lines += _histogram(
            "tunesmith_http_request_duration_seconds", None, list(http.buckets), http.count, http.total_s
        )
    store = services.store
    lines.append("# TYPE tunesmith_tasks_total counter")
    pending = 0
    for family, task_type, state, n in store.task_counts():
        lines.append(
            f'tunesmith_tasks_total{{family="{family}",task_type="{task_type}",state="{state}"}} {n}'
        )
        if state == "pending":
            pending += n
    durations = store.finished_task_durations_s()
    lines += _histogram("tunesmith_task_duration_seconds", durations, None, len(durations), sum(durations))
    lines += ["# TYPE tunesmith_queue_depth gauge", f"tunesmith_queue_depth {pending}"]
    lines.append("# TYPE tunesmith_webhook_deliveries_total counter")
    for status, n in store.delivery_counts():
        lines.append(f'tunesmith_webhook_deliveries_total{{result="{status}"}} {n}')
    lines += [
        "# TYPE tunesmith_credits_spent_total counter",
        f"tunesmith_credits_spent_total {store.credits_spent_total()}",
    ]
    return "\n".join(lines) + "\n"
