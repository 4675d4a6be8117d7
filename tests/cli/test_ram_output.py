"""Every `sharekeeper ram` listing in an 80-column terminal, against a server holding long
names, long URNs and many rows: no line wider than 80 columns (but an id wider than the terminal,
alone on its line), every record's id whole and copyable, a closing line saying how to see
everything; and `--output json|yaml` reading back as the same records."""

from __future__ import annotations

import json
import unicodedata
import uuid
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from sharekeeper.cli.main import app, hoist
from tests.sdk.helpers import accept, create_share, invitation_for
from tests.support import Account, LiveServer

ROWS = 24  # shares, each with an invitation
LONG = "payments-platform-production-subnets-shared-with-the-analytics-team"[:64]
WIDE = "生产环境共享子网" * 8  # 64 characters, 128 columns


def columns(line: str) -> int:
    """Terminal columns of a line, counted apart from the code under test."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def fits(lines: list[str], ids: set[str]) -> bool:
    """Every line is at most 80 columns, but a line that ends with an id starting within the
    80 (a URN of a resource with a UUID, vpc:cn-north-4:ACCOUNT:subnet:UUID, is 91 characters):
    only that id runs past the edge, whole, and the terminal soft-wraps it and copies it as one
    word."""
    return all(columns(line) <= 80 or _overflows_by_an_id(line, ids) for line in lines)


def _overflows_by_an_id(line: str, ids: set[str]) -> bool:
    before = next((line[: -len(i)] for i in ids if line == i or line.endswith(f" {i}")), None)
    return before is not None and columns(before) < 80


def ram(account: Account, *args: str, width: int = 80, undomained: bool = False) -> str:
    signed = ["--endpoint", account.endpoint, "--ak", account.access_key]
    signed += ["--sk", account.secret_key]
    signed += [] if undomained else ["--domain-id", account.account_id]
    result = CliRunner().invoke(app, hoist(["ram", *signed, *args]), env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stderr or result.stdout
    return result.stdout


@pytest.fixture(scope="module")
def crowded(server: LiveServer) -> dict[str, Any]:
    """An owner with many long-named shares of long-pathed resources, each offered to one
    receiver, who accepted the first."""
    owner, receiver = server.account("crowded-owner"), server.account("crowded-receiver")
    shares = []
    for n in range(ROWS):
        name = WIDE if n % 5 == 0 else f"{LONG[:60]}-{n:03d}"
        path = f"subnet-of-the-payments-platform-{n:03d}"
        share = create_share(
            owner,
            name,
            principals=[receiver.account_id],
            resource_urns=[owner.urn(path)],
            tags=[{"key": f"cost-centre-of-the-analytics-department-{n}", "value": LONG}],
        )
        shares.append(share)
    accept(receiver, invitation_for(receiver, shares[0].id).resource_share_invitation_id)
    catalogue = json.loads(
        ram(owner, "permissions", "list", "--resource-type", "vpc:subnet", "-o", "json")
    )
    (permission,) = [p for p in catalogue["permissions"] if p["name"] == "default-vpc-subnet"]
    return {
        "owner": owner,
        "receiver": receiver,
        "share": shares[0].id,
        "permission": permission["id"],
    }


SHARES = ("resource_shares", "id")
INVITATIONS = ("resource_share_invitations", "resource_share_invitation_id")
ASSOCIATIONS = ("resource_share_associations", "associated_entity")
RESOURCES = ("shared_resources", "resource_urn")


def listings(crowded: dict[str, Any]) -> list[tuple[Account, list[str], tuple[str, str]]]:
    """(who runs it, the command, (the JSON list's key, each record's id field))."""
    owner, receiver, share = crowded["owner"], crowded["receiver"], crowded["share"]
    other = ["--owner", "other-accounts"]
    associate = ["shares", "associate", share, "--principal", receiver.account_id]
    return [
        (owner, ["shares", "list"], SHARES),
        (receiver, ["shares", "list", *other], SHARES),
        (receiver, ["invitations", "list"], INVITATIONS),
        (owner, ["invitations", "list"], INVITATIONS),
        (owner, ["associations", "list", "--type", "principal"], ASSOCIATIONS),
        (owner, ["associations", "list", "--type", "resource"], ASSOCIATIONS),
        (owner, associate, ASSOCIATIONS),
        (owner, ["resources", "list"], RESOURCES),
        (receiver, ["resources", "list", *other], RESOURCES),
        (owner, ["principals", "list"], ("shared_principals", "id")),
        (receiver, ["principals", "list", *other], ("shared_principals", "resource_share_id")),
        (owner, ["permissions", "list"], ("permissions", "id")),
        (owner, ["permissions", "versions", crowded["permission"]], ("permissions", "id")),
        (owner, ["resource-types"], ("resource_types", "resource_type")),
        (owner, ["tags", "list"], ("tags", "key")),
    ]


def test_every_listing_fits_80_columns_with_every_id_whole(crowded: dict[str, Any]) -> None:
    for account, command, (items, id_field) in listings(crowded):
        what = " ".join(command)
        records = json.loads(ram(account, *command, "--json"))[items]
        assert records, what
        table = ram(account, *command)
        lines = table.splitlines()
        ids = {r[id_field] for r in records} if id_field != "key" else set()  # keys are text
        assert fits(lines, ids), (what, lines)
        assert ids <= set(table.split()), what
        assert lines[-1].endswith("all fields: -o json"), what
        assert lines[-1].startswith(f"{len(records)} "), what


def test_the_invitation_id_to_copy_is_on_the_line_of_its_share(crowded: dict[str, Any]) -> None:
    receiver = crowded["receiver"]
    pending = ram(receiver, "invitations", "list", "--status", "pending").splitlines()
    assert pending[0].split() == ["INVITATION_ID", "SHARE", "STATUS", "DIRECTION"]
    assert len(pending) == 1 + ROWS - 1 + 1
    for line in pending[1:-1]:
        invitation_id, name, status, direction = line.split()
        assert len(invitation_id) == 36 and (status, direction) == ("pending", "received")
        assert name.endswith("…") or name.startswith(LONG[:20])
    hidden = "hidden: sender, receiver, share_id, updated"
    assert pending[-1] == f"{ROWS - 1} invitations; {hidden}; all fields: -o json"
    # A wider terminal shows who sent it.
    wide = ram(receiver, "invitations", "list", "--status", "pending", width=160)
    assert wide.splitlines()[0].split()[:5] == [
        "INVITATION_ID",
        "SHARE",
        "STATUS",
        "DIRECTION",
        "SENDER",
    ]
    assert crowded["owner"].account_id in wide


def test_an_invitation_says_whether_it_was_sent_or_received(
    crowded: dict[str, Any], server: LiveServer
) -> None:
    """At 80 columns neither the sender's nor the receiver's id fits: an account that both
    sends and receives tells them apart by the direction, known from --domain-id or, without
    it, from the endpoint (GET /v3/auth/domains, as the SDK asks)."""
    owner, receiver = crowded["owner"], crowded["receiver"]
    back = create_share(receiver, "sent-back", principals=[owner.account_id])
    for undomained in (False, True):
        lines = ram(owner, "invitations", "list", undomained=undomained).splitlines()
        assert lines[0].split()[3] == "DIRECTION"
        directions = {line.split()[0]: line.split()[3] for line in lines[1:-1]}
        received = invitation_for(owner, back.id).resource_share_invitation_id
        assert directions.pop(received) == "received"
        assert set(directions.values()) == {"sent"} and len(directions) == ROWS


def test_listings_of_91_character_urns_stay_tables(server: LiveServer) -> None:
    """A subnet's URN with a UUID is 91 characters: the URN goes last, unpadded, and only that
    cell runs past the edge, rather than every record turning into `field: value` lines."""
    owner, receiver = server.account("uuid-owner"), server.account("uuid-receiver")
    urns = {owner.urn(str(uuid.uuid4())) for _ in range(3)}
    assert {len(urn) for urn in urns} == {91}
    create_share(owner, "uuids", principals=[receiver.account_id], resource_urns=sorted(urns))
    commands = {
        ("associations", "list", "--type", "resource"): ["STATUS", "ENTITY"],
        ("resources", "list"): ["STATUS", "URN"],
    }
    for command, header in commands.items():
        lines = ram(owner, *command).splitlines()
        assert lines[0].split() == header, command
        rows, closing = lines[1 : 1 + len(urns)], " ".join(lines[1 + len(urns) :])
        assert {row.split()[-1] for row in rows} == urns and not rows[0].endswith(" "), rows
        assert fits(lines, urns) and not fits(lines, set()), lines
        assert "hidden: " in closing and closing.endswith("all fields: -o json")


def test_a_permission_document_is_indented_and_no_action_is_split(
    crowded: dict[str, Any],
) -> None:
    """It used to be wrapped as text, breaking in the middle of an action name."""
    owner, permission = crowded["owner"], crowded["permission"]
    content = json.loads(ram(owner, "permissions", "show", permission, "--json"))["permission"][
        "content"
    ]
    actions = json.loads(content)["Statement"][0]["Action"]
    lines = ram(owner, "permissions", "show", permission, width=40).splitlines()
    start = lines.index("content:")
    document = [line for line in lines[start + 1 :] if line.startswith("  ")]
    assert json.loads("\n".join(document)) == json.loads(content)
    words = {word.strip('",') for line in lines for word in line.split()}
    assert actions and set(actions) <= words


@pytest.mark.parametrize("show", ["shares", "permissions", "org-sharing"])
def test_shown_records_fit_too(crowded: dict[str, Any], show: str) -> None:
    owner, share = crowded["owner"], crowded["share"]
    command = {
        "shares": ["shares", "show", share],
        "permissions": ["permissions", "show", crowded["permission"]],
        "org-sharing": ["org-sharing", "show"],
    }[show]
    lines = ram(owner, *command).splitlines()
    urns = {owner.urn(f"subnet-of-the-payments-platform-{n:03d}") for n in range(ROWS)}
    assert lines and fits(lines, urns), lines
    if show == "shares":
        assert f"id: {share}" in [" ".join(line.split()) for line in lines]
        assert owner.urn("subnet-of-the-payments-platform-000") in {
            line.split()[-1] for line in lines if line
        }


def test_json_and_yaml_read_back_as_the_same_records(crowded: dict[str, Any]) -> None:
    owner, share = crowded["owner"], crowded["share"]
    commands = [command for _, command, _ in listings(crowded)[:1]]
    commands += [["shares", "show", share], ["permissions", "show", crowded["permission"]]]
    commands += [["shares", "list", "--name", WIDE], ["tags", "list"]]
    for command in commands:
        as_json = json.loads(ram(owner, *command, "--output", "json"))
        assert json.loads(ram(owner, *command, "--json")) == as_json
        assert yaml.safe_load(ram(owner, *command, "--output", "yaml")) == as_json, command


def test_json_contradicting_output_is_refused_before_any_change(server: LiveServer) -> None:
    owner = server.account("contradicted")
    signed = ["--endpoint", owner.endpoint, "--ak", owner.access_key, "--sk", owner.secret_key]
    args = ["shares", "create", "--name", "never", "--json", "--output", "yaml"]
    result = CliRunner().invoke(app, hoist(["ram", *signed, *args]))
    assert result.exit_code == 2 and "--json contradicts --output yaml" in result.stderr
    assert json.loads(ram(owner, "shares", "list", "--json")) == {"resource_shares": []}
