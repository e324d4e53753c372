"""Helpers shared by the routers: documented error responses, body docs, query parsing."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tunesmith.api.schemas.sonic import ErrorOut
from tunesmith.errors import InvalidParameter
from tunesmith.store.repos import decode_cursor

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in (
        (400, "Validation"),
        (401, "Authentication"),
        (403, "Credits or suspended key"),
        (429, "Rate limited"),
        (500, "Internal Server Error."),
    )
}


def body_doc(model: type[BaseModel], *, multipart: bool = False) -> dict[str, Any]:
    schema = model.model_json_schema()
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if multipart:
        form = dict(schema)
        form["properties"] = {**schema.get("properties", {}), "file": {"type": "string", "format": "binary"}}
        content["multipart/form-data"] = {"schema": form}
    return {"requestBody": {"required": False, "content": content}}


def query_limit(value: str | None) -> int:
    if value is None or value == "":
        return 20
    try:
        number = int(value)
    except ValueError as exc:
        raise InvalidParameter("The 'limit' field should be an integer.", field="limit") from exc
    if not 1 <= number <= 100:
        raise InvalidParameter("The 'limit' field should be between 1 and 100.", field="limit")
    return number


def query_cursor(value: str | None) -> Any:
    if not value:
        return None
    cursor = decode_cursor(value)
    if cursor is None:
        raise InvalidParameter("The 'cursor' field is invalid.", field="cursor")
    return cursor
