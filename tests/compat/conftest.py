"""The compat tests reuse the service fixtures (real SQLite, fake engine, the shared live server)."""

from tests.service.conftest import (  # noqa: F401
    auth,
    client,
    drain,
    engine,
    key,
    live_server,
    serve,
    services,
    settings,
)
