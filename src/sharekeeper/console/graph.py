"""The operator's picture of who shares with whom, laid out in four columns: owners, their
shares, the principals (accounts, OUs, organizations) each share names, and the member accounts
an OU or organization reaches. Pure: positions only; the template draws them as SVG."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sharekeeper.domain.shares import AssociationStatus
from sharekeeper.services.console import SharingPicture

NODE_WIDTH = 230
NODE_HEIGHT = 30
ROW = 44
COLUMNS = (10, 300, 590, 880)
_LAST_PART = re.compile(r"[^/:]+$")


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    label: str
    kind: str  # "owner", "share", "principal" or "member"
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Link:
    x1: int
    y1: int
    x2: int
    y2: int
    kind: str  # "owns", "associated", "associating" or "member"


@dataclass(frozen=True, slots=True)
class Graph:
    nodes: list[Node]
    links: list[Link]
    width: int
    height: int


def principal_label(entity: str, names: dict[str, str]) -> str:
    """An account's or OU's name where known; otherwise the id an URN ends with."""
    if entity in names:
        return names[entity]
    found = _LAST_PART.search(entity)
    tail = found.group(0) if found else entity
    return names.get(tail, tail)


def _short(text: str, room: int = 30) -> str:
    return text if len(text) <= room else text[: room - 1] + "…"


def layout(picture: SharingPicture) -> Graph:
    share_names: dict[str, str] = {}
    for a in picture.principals:
        share_names[a.resource_share_id] = a.resource_share_name
    shares = sorted(share_names, key=lambda s: (picture.owners.get(s, ""), share_names[s]))
    owners = sorted({picture.owners[s] for s in shares if s in picture.owners})
    principals = sorted({a.entity for a in picture.principals})
    members = sorted({m for reached in picture.reached.values() for m in reached})
    at: dict[str, tuple[int, int]] = {}
    nodes: list[Node] = []
    for column, kind, keys in (
        (0, "owner", [f"owner:{o}" for o in owners]),
        (1, "share", [f"share:{s}" for s in shares]),
        (2, "principal", [f"principal:{p}" for p in principals]),
        (3, "member", [f"member:{m}" for m in members]),
    ):
        for row, key in enumerate(keys):
            x, y = COLUMNS[column], 10 + row * ROW
            at[key] = (x, y)
            ident = key.split(":", 1)[1]
            label = {
                "owner": picture.names.get(ident, ident),
                "share": share_names.get(ident, ident),
                "principal": principal_label(ident, picture.names),
                "member": picture.names.get(ident, ident),
            }[kind]
            nodes.append(Node(key, _short(label), kind, x, y))
    links: list[Link] = []

    def link(source: str, target: str, kind: str) -> None:
        (x1, y1), (x2, y2) = at[source], at[target]
        half = NODE_HEIGHT // 2
        links.append(Link(x1 + NODE_WIDTH, y1 + half, x2, y2 + half, kind))

    for share in shares:
        if share in picture.owners:
            link(f"owner:{picture.owners[share]}", f"share:{share}", "owns")
    for a in picture.principals:
        kind = "associated" if a.status is AssociationStatus.ASSOCIATED else "associating"
        link(f"share:{a.resource_share_id}", f"principal:{a.entity}", kind)
    for principal, reached in picture.reached.items():
        for member in reached:
            link(f"principal:{principal}", f"member:{member}", "member")
    rows = max(len(owners), len(shares), len(principals), len(members), 1)
    return Graph(nodes, links, COLUMNS[-1] + NODE_WIDTH + 10, 20 + rows * ROW)
