"""Finds a RAM operation by its path segments, ahead of Starlette's router (which tries each
route's pattern in turn); anything it does not know goes on to Starlette, which answers the
operator routes, the admin API, unknown paths (404) and wrong methods (405). Consulted by the
front layer (``api/http/front.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote

from starlette.types import ASGIApp

# A template's segments: a literal, or None for a {parameter} (the name kept aside).
Template = tuple[str | None, ...]


def _template(path: str) -> tuple[Template, tuple[str, ...]]:
    segments = path.strip("/").split("/")
    literal = tuple(None if s.startswith("{") else s for s in segments)
    names = tuple(s[1:-1] for s in segments if s.startswith("{"))
    return literal, names


class Dispatch:
    """The table: a literal path (most operations) found by one dict lookup of its segments;
    a templated one (an id in it) by its segments, among the templates of its method and
    length."""

    def __init__(self, routes: Iterable[tuple[str, str, ASGIApp]]) -> None:
        self._literal: dict[tuple[str, tuple[str, ...]], ASGIApp] = {}
        self._routes: dict[tuple[str, int], list[tuple[Template, tuple[str, ...], ASGIApp]]] = {}
        for method, path, endpoint in routes:
            template, names = _template(path)
            if names:
                self._routes.setdefault((method, len(template)), []).append(
                    (template, names, endpoint)
                )
            else:
                self._literal.setdefault((method, tuple(s or "" for s in template)), endpoint)
        for (method, _), templates in self._routes.items():
            for template, _, _ in templates:
                for literal in self._literal:
                    if literal[0] == method and _fits(template, literal[1]):
                        # Which of the two answers would hang on the order of the table.
                        raise ValueError(f"{method} {'/'.join(literal[1])} fits a template")

    def match(self, method: str, raw_path: str) -> tuple[ASGIApp, dict[str, str]] | None:
        """The operation for a path as sent, and its parameters. An id is one segment of
        the path as sent, decoded after splitting: ``%2F`` in an id is a character of that id
        (which its check refuses), never a separator, and an empty id (``/v1/permissions//``)
        is an id of its own, so neither can reach an operation with fewer segments."""
        segments = _segments(raw_path)
        if "%" in raw_path:
            segments = [unquote(s) for s in segments]
        literal = self._literal.get((method, tuple(segments)))
        if literal is not None:
            return literal, {}
        for template, names, endpoint in self._routes.get((method, len(segments)), ()):
            values = []
            for part, segment in zip(template, segments, strict=True):
                if part is None:
                    values.append(segment)
                elif part != segment:
                    break
            else:
                return endpoint, dict(zip(names, values, strict=True))
        return None


def _fits(template: Template, segments: tuple[str, ...]) -> bool:
    return len(template) == len(segments) and all(
        part is None or part == segment for part, segment in zip(template, segments, strict=True)
    )


def _segments(raw_path: str) -> list[str]:
    """The segments of a path as sent: one leading slash and one trailing slash are not
    segments (``/x/`` is ``/x``, as the front layer has it); any other slash is."""
    path = raw_path.split("?", 1)[0]
    path = path[1:] if path.startswith("/") else path
    return (path[:-1] if path.endswith("/") else path).split("/")
