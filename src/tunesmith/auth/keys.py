"""API keys: ``ts_`` + 43 random base62 characters; only the SHA-256 is stored.

:func:`authenticate` turns an ``Authorization`` header into the key's record, raising the
contract's 401/403 errors (API.md §1) in its order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

from tunesmith.errors import Forbidden, Unauthorized
from tunesmith.store.repos import ApiKey, Store

KEY_PREFIX = "ts_"
_ALPHABET = string.ascii_letters + string.digits

MISSING = "Authorization header is missing."
BAD_FORMAT = "Invalid authorization format."
INVALID = "Invalid API key."
SUSPENDED = "You do not have an active subscription. Please check whether your renewal was successful."


def generate_key() -> str:
    """A new random key (about 256 bits of entropy)."""
    return KEY_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(43))


def hash_key(key: str) -> str:
    """Lowercase hex SHA-256 of the key's UTF-8 bytes (what the database stores)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def display_prefix(key: str) -> str:
    """The first characters of a key, safe to show in listings."""
    return key[:10]


def generate_webhook_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes (API.md §10)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def create_key(
    store: Store, *, name: str = "", credits: int = 0, extra_credits: int = 0
) -> tuple[ApiKey, str]:
    """Create and store a key; returns its record and the plaintext (shown once)."""
    plaintext = generate_key()
    record = store.create_key(
        name=name,
        prefix=display_prefix(plaintext),
        key_hash=hash_key(plaintext),
        webhook_secret=generate_webhook_secret(),
        credits=credits,
        extra_credits=extra_credits,
    )
    return record, plaintext


def parse_authorization(header: str | None) -> str:
    """The bearer token of an ``Authorization`` header, or the contract's 401."""
    if header is None or not header.strip():
        raise Unauthorized(MISSING)
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise Unauthorized(BAD_FORMAT)
    return parts[1]


def authenticate(store: Store, header: str | None) -> ApiKey:
    """The active key named by ``header``; Unauthorized (401) or Forbidden (403 suspended)."""
    token = parse_authorization(header)
    digest = hash_key(token)
    found = store.key_by_hash(digest)
    if found is None:
        raise Unauthorized(INVALID)
    record, stored = found
    if not hmac.compare_digest(stored, digest) or record.revoked:
        raise Unauthorized(INVALID)
    if record.suspended:
        raise Forbidden(SUSPENDED)
    return record
