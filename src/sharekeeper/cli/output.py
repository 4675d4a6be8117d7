"""How the command line prints what it got: ``--output table`` (the default) fits the terminal,
``--output json`` is the API's own JSON (``--json`` says the same), ``--output yaml`` the same
records as YAML.

A table never splits or cuts an id: it narrows the text columns (a share's name, cut with ``…``)
and leaves out the optional columns that do not fit; when even the ids and the required columns
do not fit side by side, each record is printed as ``field: value`` lines instead. A long URN
(a ``tail`` column) is drawn last and unpadded, so only its cell runs past the edge, whole.
Every listing ends with a line naming the columns left out and how to get every field."""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import typer


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


OutputOption = Annotated[
    Format | None,
    typer.Option(
        "--output",
        "-o",
        help="table (fits the terminal), json (the API's JSON) or yaml. [default: table]",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="The same as --output json.")]


def chosen(output: Format | None, as_json: bool) -> Format:
    """The format that ``--output`` and its synonym ``--json`` ask for."""
    if as_json and output not in (None, Format.JSON):
        raise typer.BadParameter(f"--json contradicts --output {output}")
    return Format.JSON if as_json else output or Format.TABLE


@dataclass(frozen=True, slots=True)
class Column:
    """A field of a table. An id (``whole``) is never cut; an ``optional`` column is left out
    when the terminal is too narrow for it. A ``tail`` column (an id of any length: a URN) is
    drawn last and may run past the terminal's edge rather than turn the table into records:
    the terminal soft-wraps that one cell, and it is still copied as one word."""

    field: str
    header: str = ""
    whole: bool = False
    optional: bool = False
    tail: bool = False

    @property
    def title(self) -> str:
        return self.header or self.field


GAP = 2  # spaces between two columns
# Fields holding a person's words: wrapped anywhere in a record. Every other field (ids, URNs,
# times, states) is kept whole.
TEXT_FIELDS = frozenset(
    ("name", "description", "resource_share_name", "status_message", "tags", "key")
)
# Fields holding a JSON document (a permission's content): pretty-printed below the field's
# name, one token per line as json.dumps(indent=2) lays it out, never broken inside a token.
DOCUMENT_FIELDS = frozenset(("content",))
SHORTEST_TEXT = 8  # a cut text column keeps at least this many characters
WANTED_TEXT = 30  # ... and gets this many before an optional column is shown


def terminal_width() -> int:
    """COLUMNS, else the width of the terminal standard output is, else 80 (a pipe, a file)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if sys.stdout.isatty():
            return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):  # no file descriptor (a captured stream)
        pass
    return 80


def emit_data(data: Any, fmt: Format) -> bool:
    """Writes ``data`` as JSON or YAML and says so; False for a table, the caller's to draw."""
    if fmt is Format.JSON:
        sys.stdout.write(json.dumps(data) + "\n")
    elif fmt is Format.YAML:
        import yaml

        # YAML 1.1 as PyYAML writes it: strings that would read back as another type
        # (yes, 0x10, 2026-01-01) are quoted, control characters escaped.
        sys.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    else:
        return False
    return True


def listing(
    data: Any, fmt: Format, rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], noun: str
) -> None:
    """A list of records: the API's reply as JSON or YAML, or a table with a closing hint."""
    if emit_data(data, fmt):
        return
    for line in table_lines(rows, columns, terminal_width(), noun):
        typer.echo(line)


def record(data: Any, fmt: Format, row: Mapping[str, Any]) -> None:
    """One record: the API's reply as JSON or YAML, or each of the record's fields on its line."""
    if emit_data(data, fmt):
        return
    for line in record_lines(row, list(row), terminal_width()):
        typer.echo(line)


def cell(value: Any) -> str:
    """A value as one line of terminal-safe text: a caller's control characters written out."""
    from sharekeeper.logs import printable  # here: `--help` does not pay for logging's imports

    if isinstance(value, list):
        return ", ".join(
            f"{t['key']}={t['value']}" if isinstance(t, dict) and "key" in t else cell(t)
            for t in value
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else printable(str(value))


def width(text: str) -> int:
    """Terminal columns ``text`` takes: two for a wide character, none for a combining one."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _take(text: str, room: int) -> str:
    """The longest start of ``text`` at most ``room`` columns wide (at least one character)."""
    taken = 0
    end = 0
    for end, c in enumerate(text):
        taken += width(c)
        if taken > room:
            return text[: max(end, 1)]
    return text


def _cut(text: str, room: int) -> str:
    """``text`` in exactly ``room`` columns: padded, or cut with an ellipsis."""
    if width(text) > room:
        text = _take(text, room - 1) + "…"
    return text + " " * (room - width(text))


def _layout(natural: list[int], columns: Sequence[Column], room: int) -> dict[int, int] | None:
    """The width of each column shown, by index, or None when the required ones cannot fit:
    the required columns first (a text column up to ``WANTED_TEXT`` wide, a tail column
    whatever is left), then the optional ones that fit, then whatever is left to the text
    columns, left to right."""

    def total(widths: Mapping[int, int]) -> int:
        return sum(widths.values()) + GAP * (len(widths) - 1)

    def grow(upto: Callable[[int], int]) -> None:
        for i in sorted(shown):
            shown[i] += max(0, min(room - total(shown), upto(i) - shown[i]))

    # A tail column (drawn last) needs only its header's room: it grows into whatever the
    # columns before it leave, and past the edge when that is too little.
    least = [
        width(c.title) if c.tail else n if c.whole else min(n, SHORTEST_TEXT)
        for n, c in zip(natural, columns, strict=True)
    ]
    shown = {i: least[i] for i, c in enumerate(columns) if not c.optional}
    if total(shown) > room:
        return None
    grow(lambda i: natural[i] if columns[i].tail else min(natural[i], WANTED_TEXT))
    for i, column in enumerate(columns):
        if column.optional and total({**shown, i: least[i]}) <= room:
            shown[i] = least[i]
    grow(lambda i: natural[i])
    return dict(sorted(shown.items()))


def table_lines(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], room: int, noun: str
) -> list[str]:
    """The rows as a table at most ``room`` columns wide (or as records, when the ids alone do
    not fit), closed by a line saying how to see every field."""
    if not rows:
        return [f"no {noun}"]
    columns = sorted(columns, key=lambda c: c.tail)  # stable: a tail column goes last
    cells = [[cell(row.get(c.field)) for c in columns] for row in rows]
    natural = [
        max(width(c.title), *(width(line[i]) for line in cells)) for i, c in enumerate(columns)
    ]
    shown = _layout(natural, columns, room)
    if shown is None:
        lines: list[str] = []
        for row in rows:
            text = [c.field for c in columns if not c.whole]
            lines += [*record_lines(row, [c.field for c in columns], room, text), ""]
        return [*lines, *_hint(len(rows), noun, [], room)]
    out = [_join([_cut(columns[i].title.upper(), w) for i, w in shown.items()])]
    out += [
        _join([line[i] if columns[i].tail else _cut(line[i], w) for i, w in shown.items()])
        for line in cells
    ]
    hidden = [c.title for i, c in enumerate(columns) if i not in shown]
    return [*out, *_hint(len(rows), noun, hidden, room)]


def _join(parts: list[str]) -> str:
    return (" " * GAP).join(parts).rstrip()


def _hint(count: int, noun: str, hidden: list[str], room: int) -> list[str]:
    """The closing line: how many, which columns were left out (by their headers), and how to
    get every field; the left-out columns go on lines of their own when that is too wide."""
    counted = f"{count} {noun if count != 1 else noun.removesuffix('s')}"
    full = "all fields: -o json"
    if not hidden:
        return [f"{counted}; {full}"]
    named = f"hidden: {', '.join(hidden)}"
    line = f"{counted}; {named}; {full}"
    return [line] if width(line) <= room else [*_wrap(named, room, False), f"{counted}; {full}"]


def record_lines(
    row: Mapping[str, Any], fields: Sequence[str], room: int, text: Collection[str] = TEXT_FIELDS
) -> list[str]:
    """``field: value`` lines. A long value is wrapped at its spaces under the field's name;
    only a ``text`` field's words are broken, never an id (one too long to stand beside its
    field's name goes on its own line)."""
    label = max((width(f) for f in fields), default=0) + 2
    lines: list[str] = []
    for field in fields:
        document = _document(row.get(field)) if field in DOCUMENT_FIELDS else None
        if document is not None:
            lines += [f"{field}:", *(f"  {cell(line)}" for line in document)]
            continue
        value = cell(row.get(field))
        beside = _wrap(value, room - label, field in text)
        if all(width(line) <= room - label for line in beside):
            head = f"{field}:".ljust(label)
            lines += [(head + beside[0]) if beside else head.rstrip()]
            lines += [" " * label + line for line in beside[1:]]
        else:
            lines += [f"{field}:", *_wrap(value, room, False)]
    return lines


def _document(value: Any) -> list[str] | None:
    """A JSON document (or its text) as indented lines; None for anything else."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict | list):
        return None
    return json.dumps(value, indent=2, ensure_ascii=False).splitlines()


def _wrap(text: str, room: int, breakable: bool) -> list[str]:
    """``text`` in lines of at most ``room`` columns, broken at spaces (and inside a word too
    long for a line only when ``breakable``)."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        joined = f"{line} {word}" if line else word
        if width(joined) <= room:
            line = joined
            continue
        if line:
            lines.append(line)
        while breakable and width(word) > room:
            head = _take(word, room)
            lines.append(head)
            word = word[len(head) :]
        line = word
    return [*lines, line] if line else lines
