"""Finds a RAM operation by its path segments, ahead of Starlette's router (which tries each
route's pattern in turn); anything it does not know goes on to Starlette, which answers the
operator routes, the admin API, unknown paths (404) and wrong methods (405)."""

from __future__ import annotations

from collections.abc import Iterable

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

    def match(self, method: str, path: str) -> tuple[ASGIApp, dict[str, str]] | None:
        segments = path.strip("/").split("/")
        for template, names, endpoint in self._routes.get((method, len(segments)), ()):
            values = []
            for literal, segment in zip(template, segments, strict=True):
                if literal is None:
                    if not segment:
                        break
                    values.append(segment)
                elif literal != segment:
                    break
            else:
                return endpoint, dict(zip(names, values, strict=True))
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = self.match(scope["method"], scope["path"])
            if found is not None:
                endpoint, params = found
                await endpoint({**scope, "path_params": params}, receive, send)
                return
        await self.app(scope, receive, send)
