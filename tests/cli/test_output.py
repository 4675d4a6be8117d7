"""The command line's tables and records, drawn for a given width: ids whole, text cut or
wrapped, nothing wider than the room (tests/cli/test_ram_output.py drives every listing)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer

from sharekeeper.cli.output import (
    Column,
    Format,
    chosen,
    record_lines,
    table_lines,
    terminal_width,
    width,
)
from sharekeeper.cli.ram import SHARE_COLUMNS

ID = "0f8b7c3e-5d2a-4c1b-9e6f-1a2b3c4d5e6f"
ACCOUNT = "0123456789abcdef0123456789abcdef"
COLUMNS = (
    Column("id", whole=True),
    Column("name"),
    Column("status"),
    Column("owner", whole=True, optional=True),
    Column("tags", optional=True),
)


def rows(name: str) -> list[dict[str, object]]:
    return [
        {"id": ID, "name": name, "status": "active", "owner": ACCOUNT, "tags": []},
        {"id": ID[::-1], "name": "short", "status": "deleted", "owner": ACCOUNT, "tags": []},
    ]


def test_a_table_that_fits_shows_every_column_and_a_closing_hint() -> None:
    lines = table_lines(rows("web"), COLUMNS, 120, "shares")
    assert lines[0].split() == ["ID", "NAME", "STATUS", "OWNER", "TAGS"]
    assert lines[1].split() == [ID, "web", "active", ACCOUNT]
    assert lines[-1] == "2 shares; all fields: -o json"


def test_a_narrow_table_drops_optional_columns_and_cuts_text_never_an_id() -> None:
    long_name = "payments-platform-production-subnets-shared-with-analytics"
    lines = table_lines(rows(long_name), COLUMNS, 80, "shares")
    assert all(width(line) <= 80 for line in lines)
    assert lines[0].split() == ["ID", "NAME", "STATUS"]
    assert lines[1].split()[0] == ID and lines[1].split()[1].endswith("…")
    assert long_name.startswith(lines[1].split()[1][:-1])
    assert lines[-1] == "2 shares; hidden: owner, tags; all fields: -o json"
    # With room for the required columns whole, the optional ones that fit come back.
    assert table_lines(rows("web"), COLUMNS, 80, "shares")[0].split() == [
        "ID",
        "NAME",
        "STATUS",
        "TAGS",
    ]


def test_wide_characters_count_twice() -> None:
    lines = table_lines(rows("共享子网" * 16), COLUMNS, 80, "shares")
    assert max(width(line) for line in lines) <= 80
    assert ID in lines[1]


def test_ids_too_wide_to_stand_side_by_side_become_records() -> None:
    urn = f"vpc:cn-north-4:{ACCOUNT}:subnet:subnet-with-a-rather-long-path"
    columns = (Column("urn", whole=True), Column("share", whole=True))
    lines = table_lines([{"urn": urn, "share": ID}], columns, 80, "shared resources")
    assert lines == [
        "urn:",
        urn,
        f"share: {ID}",
        "",
        "1 shared resource; all fields: -o json",
    ]


def test_a_record_wraps_text_at_spaces_and_keeps_ids_whole() -> None:
    row = {"id": ID, "description": "word " * 30, "resource_urn": "x" * 75}
    lines = record_lines(row, list(row), 60)
    assert lines[0] == f"id:           {ID}"
    assert all(width(line) <= 60 for line in lines if not line.startswith("x"))
    assert " ".join(" ".join(lines[1:-2]).split()[1:]) == " ".join(["word"] * 30)
    assert lines[-2:] == ["resource_urn:", "x" * 75]


def test_no_rows() -> None:
    assert table_lines([], COLUMNS, 80, "invitations") == ["no invitations"]


def test_json_is_a_synonym_that_cannot_contradict_output() -> None:
    assert chosen(None, False) is Format.TABLE
    assert chosen(None, True) is Format.JSON
    assert chosen(Format.YAML, False) is Format.YAML
    with pytest.raises(typer.BadParameter, match="--json contradicts --output yaml"):
        chosen(Format.YAML, True)


def test_the_width_is_columns_else_the_terminals_else_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "132")
    assert terminal_width() == 132
    monkeypatch.delenv("COLUMNS")
    assert terminal_width() == 80  # pytest captures standard output: not a terminal


def test_the_closing_line_names_the_hidden_columns_at_80() -> None:
    """The closing line used to drop the hidden columns whenever naming them made it wider
    than the terminal: at 80 columns, for shares, invitations and permissions alike."""
    share = SHARE_COLUMNS
    row: dict[str, Any] = {
        "id": ID,
        "name": "n" * 40,
        "status": "active",
        "owning_account_id": ACCOUNT,
    }
    row |= {"allow_external_principals": True, "tags": [{"key": "k" * 30, "value": "v" * 30}]}
    lines = table_lines([row] * 5, share, 80, "shares")
    assert lines[-1] == "5 shares; hidden: owner, external, tags; all fields: -o json"
    # Too many to name on the closing line: they go on a line (or lines) of their own.
    many = tuple(Column(f"column_{n:02d}", whole=True, optional=True) for n in range(12))
    wide = {f"column_{n:02d}": "x" * 40 for n in range(12)}
    lines = table_lines([{**row, **wide}] * 500, (*share, *many), 80, "shares")
    assert all(width(line) <= 80 for line in lines)
    assert lines[-1] == "500 shares; all fields: -o json"
    named = " ".join(lines[1 + 500 : -1])
    assert named.startswith("hidden: owner, external, tags, column_00,")
    assert named.endswith("column_11")


def test_a_tail_column_goes_last_and_only_its_cell_overflows() -> None:
    urn = f"vpc:cn-north-4:{ACCOUNT}:subnet:{ID}"  # 91 characters
    assert len(urn) == 91
    columns = (
        Column("urn", whole=True, tail=True),
        Column("status"),
        Column("share", whole=True, optional=True),
    )
    rows = [{"urn": urn, "status": "associated", "share": ID}] * 3
    lines = table_lines(rows, columns, 80, "shared resources")
    assert lines[0].split() == ["STATUS", "URN"]
    assert lines[1:4] == [f"associated  {urn}"] * 3
    assert lines[-1] == "3 shared resources; hidden: share; all fields: -o json"
    # With room for it, the URN is padded as any column, and the optional ones come back.
    assert table_lines(rows, columns, 160, "x")[1].split() == ["associated", ID, urn]


def test_a_json_document_is_pretty_printed_and_never_broken_inside_a_token() -> None:
    actions = [f"vpc:ports:{verb}" for verb in ("create", "delete", "get", "list", "update")]
    content = json.dumps({"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": actions}]})
    lines = record_lines({"id": ID, "content": content}, ["id", "content"], 60)
    assert lines[1] == "content:"
    assert json.loads("\n".join(lines[2:])) == json.loads(content)
    assert all(width(line) <= 60 for line in lines)
    for action in actions:
        assert f'"{action}"' in " ".join(lines), action
    # Text that is not a document is wrapped as text, not lost.
    assert record_lines({"content": "not json"}, ["content"], 40) == ["content: not json"]
