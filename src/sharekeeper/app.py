"""The app factory: ``create_app(settings)`` composes the whole server from its parts, none of
which knows another: the RAM and Organizations API, its operator routes, the admin API and the
change feed (``api/``), the web console (``console/``), and the process's background work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sharekeeper.api.admin import admin_routes
from sharekeeper.api.events import events_routes
from sharekeeper.api.http import guessing
from sharekeeper.api.http.dispatch import Dispatch
from sharekeeper.api.http.endpoint import Edge, Endpoint
from sharekeeper.api.http.fallback import RenderErrors, not_dispatched, unknown_route
from sharekeeper.api.http.front import Front
from sharekeeper.api.http.limits import BodyLimits
from sharekeeper.api.metrics import Metrics
from sharekeeper.api.operator import operator_routes
from sharekeeper.api.routes import DECISION_OPERATIONS, OPERATIONS
from sharekeeper.aws.edge import AwsWire
from sharekeeper.bootstrap import Runtime, Serving, build_runtime
from sharekeeper.config import Settings, SettingsError
from sharekeeper.console.app import console_routes
from sharekeeper.domain.clock import Clock
from sharekeeper.domain.ratelimit import RateLimiter
from sharekeeper.events import NATS_MISSING, nats_client_installed
from sharekeeper.events.webhooks import Deliveries
from sharekeeper.logs import configure_logging
from sharekeeper.services.housekeeping import purge_expired_records

log = logging.getLogger("sharekeeper.app")
PURGE_INTERVAL_SECONDS = 3600


async def _purge_periodically(serving: Serving) -> None:
    while True:
        try:
            purged = await serving.run(purge_expired_records, serving.context)
            if purged:
                log.info("purged %d resource shares deleted more than 48 hours ago", purged)
        except Exception:
            log.exception("purge failed; will retry")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)


def _background(settings: Settings, serving: Serving) -> list[Any]:
    """The coroutines a server process runs beside its requests: the webhooks' deliveries, and
    NATS's relay when set."""
    background = [Deliveries(serving, settings.webhooks).run()]
    if settings.nats_url is None:
        return background
    # Imported only here: nats-py is an optional extra (checked in create_app).
    from sharekeeper.events.nats_relay import NatsRelay, Target

    target = Target(settings.nats_url, settings.nats_stream, settings.nats_subject_prefix)
    return [*background, NatsRelay(serving, target).run()]


class App(Starlette):
    """Starlette behind the front layer (``api/http/front.py``), which every HTTP request
    passes first and which hands Starlette only what none of the API's operations take."""

    front: Front | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.front is None or scope["type"] != "http":
            await super().__call__(scope, receive, send)
        else:
            await self.front(scope, receive, send)

    async def starlette(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings, clock: Clock | None = None, runtime: Runtime | None = None
) -> App:
    if settings.nats_url is not None and not nats_client_installed():
        raise SettingsError(NATS_MISSING)
    runtime = runtime or build_runtime(settings, clock)
    limiter = None
    if settings.rate_limit > 0:
        burst = settings.rate_burst or max(1, int(settings.rate_limit * 2))
        limiter = RateLimiter(settings.rate_limit, burst)
    serving = runtime.serving()
    edge = Edge(serving, limiter)
    metrics = Metrics()
    every = (*OPERATIONS, *DECISION_OPERATIONS)
    endpoints = [(op.method, op.path, Endpoint(edge, op)) for op in every]
    # Starlette still knows the RAM routes, to answer 405 for a known path and wrong method;
    # it never runs one (Dispatch does, from the path as sent).
    routes = [Route(path, not_dispatched, methods=[method]) for method, path, _ in endpoints]
    routes += operator_routes(edge, metrics)
    routes += admin_routes(edge, settings.admin_token)
    routes += events_routes(edge, settings.admin_token)
    routes += console_routes(edge, settings.admin_token)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if runtime.context.group_commit is not None:
            # Opening a SQLite connection sets its pragmas, which may wait for a lock: done in a
            # thread at start-up, never on the event loop at a first write.
            await asyncio.to_thread(runtime.context.group_commit.connect)
        await serving.start()
        purger = asyncio.create_task(_purge_periodically(serving))
        sweeper = asyncio.create_task(guessing.sweep_periodically(edge))
        tasks = [purger, sweeper, *map(asyncio.create_task, _background(settings, serving))]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            # Awaited: a sweep cancelled in its write puts its records back for the last one;
            # a relay gives its lease up.
            await asyncio.gather(*tasks, return_exceptions=True)
            await guessing.sweep(edge, everything=True)  # refusals counted but not yet written
            await serving.close()
            runtime.close()
            log.info("ShareKeeper stopped (pid %d)", os.getpid())

    app = App(
        routes=routes,
        middleware=[
            # What the front layer hands on only: the RAM operations answer their own errors.
            Middleware(RenderErrors),
        ],
        exception_handlers={HTTPException: unknown_route},
        lifespan=lifespan,
    )
    app.front = Front(
        app.starlette,
        metrics,
        BodyLimits(settings.max_body_bytes, settings.body_timeout_seconds),
        # AWS's wire API (SigV4-signed requests) on the same port (docs/aws.md).
        AwsWire(edge),
        Dispatch(endpoints),
    )
    app.router.redirect_slashes = False
    app.state.runtime = runtime
    app.state.edge = edge  # what the endpoints share, for the pytest plugin to empty (forget)
    app.state.metrics = metrics  # the HTTP protocol counts its refusals there too
    return app


def app_from_environment() -> Starlette:
    """The app of one worker of ``sharekeeper serve --workers N``: settings from the
    environment the parent process prepared."""
    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)
