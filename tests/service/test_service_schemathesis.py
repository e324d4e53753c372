"""Schemathesis against the OpenAPI document of the real app (in-process ASGI): every operation,
valid and invalid inputs generated from the schema, with and without a key — no 5xx, and every
error in the contract's shape. Examples are bounded so this stays a few seconds."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tunesmith.api.app import create_app
from tunesmith.jobs.context import Services

EXAMPLES_PER_OPERATION = 25


def test_openapi_operations_never_5xx(services: Services, auth: dict[str, str]) -> None:
    app = create_app(services=services)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {"/api/v1/sonic/create", "/api/v1/sonic/task/{task_id}", "/api/v1/sonic/upload"} <= paths
    assert {"/api/v1/get-credits", "/health", "/metrics", "/files/{clip_id}/{name}"} <= paths
    calls = 0
    for operation in operations:
        strategy = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy, with_key=st.booleans())
        def check(case: Any, with_key: bool) -> None:
            nonlocal calls
            response = case.call(headers=auth if with_key else {})
            calls += 1
            assert response.status_code < 500, (case.as_curl_command(), response.text)
            if response.status_code >= 400 and case.method.upper() != "HEAD":
                body = response.json()
                assert body["code"] == response.status_code and body["message"] == body["error"], body

        for attempt in range(5):
            try:
                check()
                break
            except ValueError as exc:
                # schemathesis 4.32's negative generator sometimes cannot mutate a binary (file)
                # body ("Unsupported type: 'Binary'"): a failure to make a case, not a response
                if "Unsupported type" not in str(exc) or attempt == 4:
                    raise
    assert calls >= 5 * len(operations)
