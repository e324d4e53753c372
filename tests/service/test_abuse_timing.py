"""Abuse: secrets are never compared with ``==``.

API keys are stored only as SHA-256 and looked up by that hash; the stored hash, the metrics
token, signed file URLs and webhook signatures are compared with ``hmac.compare_digest``. The
tests are structural (a spy on ``hmac.compare_digest`` must see each comparison, with the secret
side on it) rather than statistical timing measurements, which are too noisy to be a test.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tunesmith.auth.keys import authenticate, create_key, hash_key
from tunesmith.blobs.urls import file_url, verify
from tunesmith.client.webhooks import verify_webhook
from tunesmith.errors import Unauthorized
from tunesmith.jobs.context import Services
from tunesmith.webhooks.signing import signed_headers


class Spy:
    """Wraps ``hmac.compare_digest``; records every pair it compares."""

    def __init__(self) -> None:
        self.real = hmac.compare_digest
        self.calls: list[tuple[Any, Any]] = []

    def __call__(self, a: Any, b: Any) -> bool:
        self.calls.append((a, b))
        return self.real(a, b)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    recorder = Spy()
    monkeypatch.setattr(hmac, "compare_digest", recorder)
    return recorder


def test_keys_are_stored_as_sha256_only(services: Services) -> None:
    _, plaintext = create_key(services.store, name="k", credits=5)
    db_files = [p for p in Path(services.settings.data_dir).rglob("*.db*") if p.is_file()]
    assert db_files
    stored = b"".join(p.read_bytes() for p in db_files)
    assert plaintext.encode() not in stored
    assert hash_key(plaintext).encode() in stored
    assert hash_key(plaintext) == hashlib.sha256(plaintext.encode()).hexdigest()


def test_key_lookup_is_by_hash_and_the_compare_is_constant_time(
    services: Services, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    record, plaintext = create_key(services.store, name="k", credits=5)
    looked_up: list[str] = []
    real_lookup = services.store.key_by_hash

    def lookup(digest: str) -> Any:
        looked_up.append(digest)
        return real_lookup(digest)

    monkeypatch.setattr(services.store, "key_by_hash", lookup)
    assert authenticate(services.store, f"Bearer {plaintext}").id == record.id
    assert looked_up == [hash_key(plaintext)]
    assert spy.calls == [(hash_key(plaintext), hash_key(plaintext))]
    wrong = plaintext[:-1] + ("a" if plaintext[-1] != "a" else "b")
    with pytest.raises(Unauthorized):
        authenticate(services.store, f"Bearer {wrong}")
    assert looked_up[-1] == hash_key(wrong)  # the plaintext never reaches the database


def test_metrics_token_is_compared_in_constant_time(
    client: httpx.Client, services: Services, spy: Spy
) -> None:
    services.settings.metrics.token = "metrics-token-123"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer metrics-token-123"}).status_code == 200
    secret_side = [pair for pair in spy.calls if b"Bearer metrics-token-123" in pair]
    assert len(secret_side) == 3, spy.calls


def test_signed_file_urls_are_compared_in_constant_time_and_never_raise(
    client: httpx.Client, auth: dict[str, str], services: Services, make_wav: Any, spy: Spy
) -> None:
    services.settings.files.signed_url_ttl_s = 600
    clip_id = client.post(
        "/api/v1/sonic/upload", headers=auth, files={"file": ("a.wav", make_wav(1.2))}
    ).json()["clip_id"]
    url = client.get(f"/api/v1/clips/{clip_id}", headers=auth).json()["data"]["audio_url"]
    assert "sig=" in url and "exp=" in url
    spy.calls.clear()
    assert client.get(url).status_code == 200
    assert len(spy.calls) == 1
    path, query = url.removeprefix("http://testserver").split("?")
    exp = query.split("exp=")[1].split("&")[0]
    sig = query.split("sig=")[1]
    for bad in (
        f"{path}?exp={exp}&sig={sig[:-1]}0" if sig[-1] != "0" else f"{path}?exp={exp}&sig={sig[:-1]}1",
        f"{path}?exp={exp}&sig=%C3%A9%C3%A9",
        f"{path}?exp=%C2%B2%C2%B3&sig={sig}",
        f"{path}?exp={int(exp) + 1}&sig={sig}",
        f"{path}?exp={exp}",
        path,
    ):
        response = client.get(bad)
        assert response.status_code == 404, (bad, response.status_code)
    secret = services.settings.file_signing_secret()
    assert verify(path, exp, "\u00e9" * 64, secret) is False
    assert verify(path, "\u00b2", sig, secret) is False
    signed = file_url("http://x", clip_id, "audio.mp3", ttl_s=60, secret=secret)
    fresh_exp, fresh_sig = signed.split("exp=")[1].split("&sig=")
    spy.calls.clear()
    assert verify(f"/files/{clip_id}/audio.mp3", fresh_exp, fresh_sig, secret) is True
    assert spy.calls and all(isinstance(a, bytes) and isinstance(b, bytes) for a, b in spy.calls)


def test_webhook_signatures_are_verified_in_constant_time(spy: Spy) -> None:
    secret = "whsec_" + "A" * 43 + "="
    body = b'{"code":200,"event":"song.completed"}'
    now = int(time.time())
    headers = signed_headers(
        secret=secret,
        msg_id="11111111-1111-4111-8111-111111111111",
        event="song.completed",
        timestamp=now,
        body=body,
    )
    verify_webhook(body, headers, secret)
    assert len(spy.calls) == 2  # the X-Webhook-Signature and the Standard Webhooks signature
