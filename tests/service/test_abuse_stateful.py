"""Abuse: stateful schemathesis over the OpenAPI links (tunesmith.api.links), in-process ASGI.

Schemathesis walks the links (submit → poll → clip → file, upload → clip → analysis, batch →
batch poll, list → item), feeding real ids from responses into the next call, with positive and
negative inputs. Every call must answer below 500, and every error must have the contract's body.

The number of API calls is ``TUNESMITH_ABUSE_CASES`` (default :data:`DEFAULT_CASES`, sized for CI
on two shared cores); the issue's full 10,000 is ``TUNESMITH_ABUSE_CASES=10000``.
Submissions queue on the inline queue and are not rendered (nothing here needs a worker).
"""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import schemathesis.specs.openapi.stateful as stateful_openapi
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import FlakyStrategyDefinition
from tests.service.conftest import FakeEngine, make_settings

from tunesmith.api.app import create_app
from tunesmith.auth.keys import create_key
from tunesmith.jobs.context import build_services
from tunesmith.jobs.queue import InlineQueue

pytestmark = pytest.mark.xdist_group("abuse_stateful")

DEFAULT_CASES = 1000
"""API calls at least, in a default run (about a minute here under load); the full run is 10,000
(measured: 16,135 calls in 742 s with zero 5xx, on two shared cores under heavy load)."""

STEPS_PER_SCENARIO = 12

SEEDS: dict[str, dict[str, Any]] = {
    "POST /api/v1/sonic/create": {"mv": "sonic-v5", "prompt": "[Verse]\nla la la"},
    "POST /api/v1/sonic/batch": {"items": [{"mv": "sonic-v5", "prompt": "[Verse]\nla"}]},
    "POST /api/v1/riffusion/create": {"mv": "FUZZ-1.0", "prompt": "a happy song about summer"},
    "POST /api/v1/nuro/create": {"description": "calm piano", "duration": 5},
    "POST /api/v1/studio/create": {"prompt": "ambient", "lyrics_type": "instrumental"},
}
"""Every other generated body of these operations is replaced by a valid one (the rest stay fuzzed),
so that enough submissions succeed for their links (poll, clip, files, analysis) to carry real ids."""


def _cases() -> int:
    raw = os.environ.get("TUNESMITH_ABUSE_CASES", "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_CASES


def _the_librarys_root_rule_without_its_foreign_key_guess(operation: Any, node: Any, produced: Any) -> bool:
    """Schemathesis starts scenarios only at operations it judges likely to succeed; its guess
    that a field such as ``persona_id`` is a foreign key no operation produces would exclude every
    create endpoint. Keep its rule otherwise: POSTs, and GETs without path parameters."""
    return bool(operation.method == "post" or (operation.method == "get" and not operation.path_parameters))


def test_stateful_links_never_5xx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        stateful_openapi, "is_likely_root_transition", _the_librarys_root_rule_without_its_foreign_key_guess
    )
    target = _cases()
    cfg = make_settings(tmp_path / "data", queue={"backend": "inline", "max_pending": 10**9})
    services = build_services(cfg, queue=InlineQueue(), engine_factory=lambda name: FakeEngine())
    try:
        _, key = create_key(services.store, name="abuse", credits=10**9)
        auth = {"Authorization": f"Bearer {key}"}
        app = create_app(services=services)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        schema.config.phases.stateful.inference.algorithms = []  # only the document's own links
        linked = {
            (source, name)
            for item in schema.raw_schema["paths"].values()
            for op in item.values()
            if isinstance(op, dict)
            for name in op.get("responses", {}).get("200", {}).get("links", {})
            for source in [op["operationId"]]
        }
        assert len(linked) >= 40, "the OpenAPI document lost its links"
        statuses: dict[int, int] = {}
        followed: set[str] = set()
        failures: list[str] = []

        class Machine(schema.as_state_machine()):  # type: ignore[misc]
            def setup(self) -> None:
                scenarios[0] += 1

            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return {"headers": auth}

            def before_call(self, case: Any) -> None:
                seed = SEEDS.get(case.operation.label)
                # half the bodies, chosen by their content so a replayed case is seeded alike
                if seed is not None and zlib.crc32(repr(case.body).encode()) % 2 == 0:
                    case.body = dict(seed)

            def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
                status = int(response.status_code)
                statuses[status] = statuses.get(status, 0) + 1
                if status < 400:
                    followed.add(case.operation.label)
                if status >= 500:
                    failures.append(f"{status} {case.as_curl_command()} → {response.text[:300]}")
                assert status < 500, failures[-1]
                if status >= 400 and case.method.upper() != "HEAD":
                    body = response.json()
                    assert body["code"] == status and body["message"] == body["error"], body

        started = time.monotonic()
        generator_errors = 0
        scenarios = [0]
        while sum(statuses.values()) < target:
            remaining = target - sum(statuses.values())
            # scenarios end early at random; size the next run by the calls per scenario so far
            calls_per_scenario = (
                sum(statuses.values()) / scenarios[0] if scenarios[0] else STEPS_PER_SCENARIO / 2
            )
            try:
                Machine.run(
                    settings=settings(
                        max_examples=max(1, int(remaining / calls_per_scenario)),
                        stateful_step_count=STEPS_PER_SCENARIO,
                        deadline=None,
                        database=None,
                        phases=[Phase.generate],
                        suppress_health_check=list(HealthCheck),
                    )
                )
            except ValueError as exc:
                # schemathesis 4.32's negative generator sometimes cannot mutate a binary (file)
                # body ("Unsupported type: 'Binary'"): a failure to make a case, not a response;
                # the calls made so far count and the walk goes on.
                if "Unsupported type" not in str(exc) or generator_errors >= 50:
                    raise
                generator_errors += 1
            except FlakyStrategyDefinition:
                # the walk draws ids from the live server's answers, so a replayed prefix can
                # meet other state and draw differently: hypothesis stops that run as "flaky"
                # generation, which is not a response; the calls made so far count
                if generator_errors >= 50:
                    raise
                generator_errors += 1
        elapsed_s = time.monotonic() - started
        calls = sum(statuses.values())
        print(
            f"stateful schemathesis: {calls} calls in {elapsed_s:.1f} s; statuses {sorted(statuses.items())};"
            f" answered 2xx: {sorted(followed)}; generator errors {generator_errors}"
        )
        assert not failures
        assert calls >= target
        assert not [code for code in statuses if code >= 500]
        # the links were really walked: ids from responses reached polls and clip reads
        assert statuses.get(200, 0) > calls // 20, statuses
        assert any("sonic/task" in label for label in followed), followed
    finally:
        services.close()
