"""Finds a RAM operation by its path segments, ahead of Starlette's router (which tries each
route's pattern in turn); anything it does not know goes on to Starlette, which answers the
operator routes, the admin API, unknown paths (404) and wrong methods (405)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

# A template's segments: a literal, or None for a {parameter} (the name kept aside).
Template = tuple[str | None, ...]


def _template(path: str) -> tuple[Template, tuple[str, ...]]:
    segments = path.strip("/").split("/")
    literal = tuple(None if s.startswith("{") else s for s in segments)
    names = tuple(s[1:-1] for s in segments if s.startswith("{"))
    return literal, names


class Dispatch:
    def __init__(self, app: ASGIApp, routes: Iterable[tuple[str, str, ASGIApp]]) -> None:
        self.app = app
        self._routes: dict[tuple[str, int], list[tuple[Template, tuple[str, ...], ASGIApp]]] = {}
        for method, path, endpoint in routes:
            template, names = _template(path)
            self._routes.setdefault((method, len(template)), []).append((template, names, endpoint))

    def match(self, method: str, raw_path: str) -> tuple[ASGIApp, dict[str, str]] | None:
        """The operation for a path as sent, and its parameters. An id is one segment of
        the path as sent, decoded after splitting: ``%2F`` in an id is a character of that id
        (which its check refuses), never a separator, and an empty id (``/v1/permissions//``)
        is an id of its own, so neither can reach an operation with fewer segments."""
        segments = _segments(raw_path)
        if "%" in raw_path:
            segments = [unquote(s) for s in segments]
        for template, names, endpoint in self._routes.get((method, len(segments)), ()):
            values = []
            for literal, segment in zip(template, segments, strict=True):
                if literal is None:
                    values.append(segment)
                elif literal != segment:
                    break
            else:
                return endpoint, dict(zip(names, values, strict=True))
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path")
            found = self.match(scope["method"], raw.decode("latin-1") if raw else scope["path"])
            if found is not None:
                endpoint, params = found
                await endpoint({**scope, "path_params": params}, receive, send)
                return
        await self.app(scope, receive, send)


def _segments(raw_path: str) -> list[str]:
    """The segments of a path as sent: one leading slash and one trailing slash are not
    segments (``/x/`` is ``/x``, as IgnoreTrailingSlash has it); any other slash is."""
    path = raw_path.split("?", 1)[0]
    path = path[1:] if path.startswith("/") else path
    return (path[:-1] if path.endswith("/") else path).split("/")


class IgnoreTrailingSlash:
    """``/x/`` is ``/x``: both sign alike, and the SDK reports a redirect as an empty success.
    One slash only: ``/x//`` ends in an empty segment, which is not ``/x``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path[:-1]}
        await self.app(scope, receive, send)
