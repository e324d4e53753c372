"""Strict, ordered checks of a JSON body with the contract's messages (API.md §1, §2.2).

A field set to ``null`` counts as absent; a field beats its alias; booleans must be JSON booleans;
numbers must be JSON numbers (not booleans); integer fields accept integral floats like ``30.0``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from tunesmith.errors import InvalidParameter, PayloadTooLarge

MAX_BODY_BYTES = 1024 * 1024
INVALID_JSON = "Invalid JSON body."


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a dict: empty → ``{}``; not JSON or not an object → 400; over 1 MB → 413."""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge("Request body is too large.")
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidParameter(INVALID_JSON) from exc
    if not isinstance(value, dict):
        raise InvalidParameter(INVALID_JSON)
    return value


def _fmt(value: float) -> str:
    return f"{value:g}" if not float(value).is_integer() else str(int(value))


def enum_message(field: str, allowed: list[str], *, noun: str = "value") -> str:
    quoted = [f"'{a}'" for a in allowed]
    listed = quoted[0] if len(quoted) == 1 else ",".join(quoted[:-1]) + " or " + quoted[-1]
    return f"The '{field}' field is invalid. The {noun} should be {listed}."


class Body:
    """Typed access to one request body; each accessor raises InvalidParameter on the first fault."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def raw(self, name: str, *aliases: str) -> tuple[str, Any]:
        for key in (name, *aliases):
            if self.data.get(key) is not None:
                return key, self.data[key]
        return name, None

    def string(
        self,
        name: str,
        *aliases: str,
        max_len: int | None = None,
        len_message: str | None = None,
        required: bool = False,
    ) -> str | None:
        sent, value = self.raw(name, *aliases)
        if value is None:
            if required:
                raise InvalidParameter(f"The '{name}' field is required.", field=name)
            return None
        if not isinstance(value, str):
            raise InvalidParameter(f"The '{sent}' field should be a string.", field=sent)
        if max_len is not None and len(value) > max_len:
            raise InvalidParameter(
                len_message or f"The '{sent}' character length should be less than {max_len}.", field=sent
            )
        return value

    def boolean(self, name: str) -> bool | None:
        sent, value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise InvalidParameter(f"The '{sent}' field should be boolean.", field=sent)
        return value

    def number(
        self, name: str, *aliases: str, lo: float | None = None, hi: float | None = None
    ) -> float | None:
        sent, value = self.raw(name, *aliases)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidParameter(f"The '{sent}' field should be a number.", field=sent)
        self._range(sent, float(value), lo, hi)
        return float(value)

    def integer(self, name: str, *aliases: str, lo: int | None = None, hi: int | None = None) -> int | None:
        sent, value = self.raw(name, *aliases)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidParameter(f"The '{sent}' field should be an integer.", field=sent)
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise InvalidParameter(f"The '{sent}' field should be an integer.", field=sent)
        self._range(sent, float(value), lo, hi)
        return int(value)

    def enum(self, name: str, allowed: list[str], *, message: str | None = None) -> str | None:
        value = self.string(name)
        if value is None:
            return None
        if value not in allowed:
            raise InvalidParameter(message or enum_message(name, allowed), field=name)
        return value

    def url(self, name: str, *aliases: str, max_len: int = 1024) -> str | None:
        value = self.string(name, *aliases, max_len=max_len)
        if value is None:
            return None
        if not value.lower().startswith(("http://", "https://")) or len(value.split("://", 1)[1]) == 0:
            sent, _ = self.raw(name, *aliases)
            raise InvalidParameter(f"The '{sent}' field should be an http or https URL.", field=sent)
        return value

    @staticmethod
    def _range(field: str, value: float, lo: float | None, hi: float | None) -> None:
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            low = _fmt(lo) if lo is not None else "-inf"
            high = _fmt(hi) if hi is not None else "inf"
            raise InvalidParameter(f"The '{field}' field should be between {low} and {high}.", field=field)
