"""Request dependencies: the services, and the authenticated key (auth → rate limit, §2 order)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from tunesmith.auth.keys import authenticate
from tunesmith.jobs.context import Services
from tunesmith.store.repos import ApiKey


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _key(request: Request, *, submit: bool) -> ApiKey:
    services = services_of(request)
    key = await run_in_threadpool(authenticate, services.store, request.headers.get("authorization"))
    limits = services.settings.rate_limits
    if submit:
        services.limiter.hit(
            f"submit:{key.id}", per_minute=limits.submit_per_minute, burst=limits.submit_burst
        )
    else:
        services.limiter.hit(
            f"other:{key.id}", per_minute=limits.other_per_minute, burst=max(1, int(limits.other_per_minute))
        )
    return key


async def read_key(request: Request) -> ApiKey:
    return await _key(request, submit=False)


async def submit_key(request: Request) -> ApiKey:
    return await _key(request, submit=True)


ReadKey = Annotated[ApiKey, Depends(read_key)]
SubmitKey = Annotated[ApiKey, Depends(submit_key)]
ServicesDep = Annotated[Services, Depends(services_of)]
