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


# Where a template's parameters stand among its segments, and the table of its templates of
# one method, length and such positions: their literal segments -> (names, endpoint).
Shape = tuple[int, ...]
ByLiterals = dict[tuple[str, ...], tuple[tuple[str, ...], ASGIApp]]


class Dispatch:
    """The table, a dict lookup either way: a literal path (most operations) by its segments;
    a templated one (an id in it) by its literal segments, for each place its parameters
    may stand among those of its method and length (one or two), then its parameters read
    off the other segments. Starlette's router tried each route's pattern in turn, and so
    did this table, comparing segment by segment."""

    def __init__(self, routes: Iterable[tuple[str, str, ASGIApp]]) -> None:
        self._literal: dict[tuple[str, tuple[str, ...]], ASGIApp] = {}
        self._templated: dict[tuple[str, int], dict[Shape, ByLiterals]] = {}
        templates: list[tuple[str, Template]] = []
        for method, path, endpoint in routes:
            template, names = _template(path)
            if not names:
                self._literal.setdefault((method, tuple(s or "" for s in template)), endpoint)
                continue
            templates.append((method, template))
            shape = tuple(i for i, part in enumerate(template) if part is None)
            literals = tuple(part for part in template if part is not None)
            shapes = self._templated.setdefault((method, len(template)), {})
            shapes.setdefault(shape, {}).setdefault(literals, (names, endpoint))
        # Looked up by table, a path that two entries fit would be answered by whichever is
        # looked at first, where the routes' order decided before: none may be so.
        for method, template in templates:
            for literal in self._literal:
                if literal[0] == method and _fits(template, literal[1]):
                    raise ValueError(f"{method} {'/'.join(literal[1])} fits a template")
            for other_method, other in templates:
                if other_method == method and other != template and _overlap(template, other):
                    raise ValueError(f"{method}: two templates fit one path: {template}, {other}")

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
        shapes = self._templated.get((method, len(segments)))
        if shapes is None:
            return None
        for shape, by_literals in shapes.items():
            parameters = [segments[i] for i in shape]
            rest = segments.copy()
            for i in reversed(shape):
                del rest[i]
            found = by_literals.get(tuple(rest))
            if found is not None:
                names, endpoint = found
                return endpoint, dict(zip(names, parameters, strict=True))
        return None


def _fits(template: Template, segments: tuple[str, ...]) -> bool:
    return len(template) == len(segments) and all(
        part is None or part == segment for part, segment in zip(template, segments, strict=True)
    )


def _overlap(one: Template, other: Template) -> bool:
    """Some path fits both: at each segment, either is a parameter or they are equal."""
    return len(one) == len(other) and all(
        a is None or b is None or a == b for a, b in zip(one, other, strict=True)
    )


def _segments(raw_path: str) -> list[str]:
    """The segments of a path as sent: one leading slash and one trailing slash are not
    segments (``/x/`` is ``/x``, as the front layer has it); any other slash is."""
    path = raw_path.split("?", 1)[0]
    path = path[1:] if path.startswith("/") else path
    return (path[:-1] if path.endswith("/") else path).split("/")
