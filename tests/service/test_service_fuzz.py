"""No request body can produce a 500 on sonic/create (hypothesis over arbitrary JSON objects)."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIELDS = [
    "task_type",
    "custom_mode",
    "mv",
    "prompt",
    "gpt_description_prompt",
    "title",
    "tags",
    "negative_tags",
    "make_instrumental",
    "auto_lyrics",
    "vocal_gender",
    "style_weight",
    "weirdness_constraint",
    "continue_clip_id",
    "continue_at",
    "duration",
    "seed",
    "webhook_url",
    "callback_url",
    "webhook_secret",
]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(
        ["sonic-v5", "chirp-v6-mini", "create_music", "concat_music", "[Verse]\nla", "http://x"]
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=8))
def test_create_never_500(client: httpx.Client, auth: dict[str, str], body: dict[str, Any]) -> None:
    response = client.post("/api/v1/sonic/create", json=body, headers=auth)
    assert response.status_code in (200, 400, 403), (body, response.text)
    answer = response.json()
    if response.status_code != 200:
        assert answer["message"] == answer["error"] and answer["code"] == response.status_code
