"""Producer family routes (API.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["producer"])
