"""Unsigned routes for operators and tools: the API document, liveness, readiness and metrics.
They reveal no tenant data (invitation counts only). A failure of one leaves through
``render_error`` (api/http/fallback.py), as JSON like every other error of the API."""

from __future__ import annotations

import os
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sharekeeper.api.http.endpoint import Edge, new_request_id
from sharekeeper.api.metrics import Metrics
from sharekeeper.api.openapi import document
from sharekeeper.services import operations

_encode_json = msgspec.json.Encoder().encode


def _json(data: Any, status: int = 200) -> Response:
    headers = {"X-Request-Id": new_request_id()}
    return Response(_encode_json(data), status, headers=headers, media_type="application/json")


def operator_routes(edge: Edge, counters: Metrics) -> list[Route]:
    async def openapi(request: Request) -> Response:
        return _json(document())

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok", "pid": os.getpid()})

    async def readyz(request: Request) -> Response:
        ready, reason = await edge.serving.run(operations.readiness, edge.ctx)
        return _json(
            {"status": "ready" if ready else "not ready", "reason": reason}, 200 if ready else 503
        )

    async def metrics(request: Request) -> Response:
        counts = await edge.serving.run(operations.invitation_counts, edge.ctx)
        text = counters.render(counts)
        headers = {"X-Request-Id": new_request_id()}
        return Response(text, headers=headers, media_type="text/plain; version=0.0.4")

    return [
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
