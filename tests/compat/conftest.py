"""The compat tests reuse the service fixtures (app over ASGI, real SQLite, fake engine)."""

from tests.service.conftest import auth, client, drain, engine, key, services, settings  # noqa: F401
