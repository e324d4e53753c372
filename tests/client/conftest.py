"""Fixtures for the SDK and CLI-client tests; ``sdk_contract`` holds the contract's example answers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sdk_contract import FakeServer


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()
