"""Regenerates the console's screenshots in docs/console/ (``docs/console.md`` shows them):

    .venv/bin/python -m tests.browser.screenshots

A server of its own on a temporary SQLite database, a little sharing between three accounts
and an organization, then every console page in the system's Chromium at 1200x800."""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path
from typing import Any

from huaweicloudsdkram.v1 import EnableOrganizationShareRequest, Tag

from sharekeeper.domain.permissions import Catalogue
from sharekeeper.domain.webhooks import DeadLetter, new_dead_letter_id
from sharekeeper.services import webhooks
from sharekeeper.testing import Server, start_server
from tests.browser.chromium import chromium
from tests.browser.console import Person
from tests.sdk.helpers import accept, create_share, invitation_for

ADMIN_TOKEN = "screenshots-admin-token-of-32-characters"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "console"
# (file name, who looks, path): every page of the console, for docs/console.md.
PAGES = (
    ("sign-in", None, "/console/sign-in"),
    ("invitations", "bob", "/console/invitations"),
    ("shares", "alice", "/console/shares"),
    ("share-new", "alice", "/console/shares/new"),
    ("share", "alice", "/console/shares/{share}"),
    ("share-edit", "alice", "/console/shares/{share}/edit"),
    ("share-delete", "alice", "/console/shares/{share}/delete"),
    ("shared-with-me", "bob", "/console/shared-with-me"),
    ("invitation", "bob", "/console/invitations/{invitation}"),
    ("received-share", "bob", "/console/shares/{share}"),
    ("shared-with-me-resources", "bob", "/console/shared-with-me/resources"),
    ("shared-with-me-principals", "bob", "/console/shared-with-me/principals"),
    ("shared-by-me-resources", "alice", "/console/shared-by-me/resources"),
    ("shared-by-me-principals", "alice", "/console/shared-by-me/principals"),
    ("permissions", "alice", "/console/permissions"),
    ("permission", "alice", "/console/permissions/{permission}"),
    ("resource-types", "alice", "/console/resource-types"),
    ("organization", "alice", "/console/organization"),
    ("operator-sign-in", None, "/console/operator/sign-in"),
    ("operator-accounts", "operator", "/console/operator/accounts"),
    ("operator-revoke", "operator", "/console/operator/keys/{key}/revoke"),
    ("operator-directory", "operator", "/console/operator/directory"),
    ("operator-audit", "operator", "/console/operator/audit"),
    ("operator-graph", "operator", "/console/operator/graph"),
    ("operator-webhooks", "operator", "/console/operator/webhooks"),
)


def _scene(server: Server, word: str = "") -> dict[str, Any]:
    """Alice manages an organization with Carol in an OU; she shares subnets with Bob and the
    OU (accepted) and a DNS zone with Bob (pending). With ``word``, a long unbroken word, every
    name, description, tag and resource id another account sets ends with it (the 360 px test:
    the owner's text must not widen the receiver's pages)."""
    alice, bob, carol = (server.account(n + word) for n in ("alice", "bob", "carol"))
    org = server.organization(alice)
    ou, ou_urn = org.ou("engineering" + word)
    org.add(carol, ou)
    alice.ram.enable_organization_share(EnableOrganizationShareRequest())
    tags = [Tag(key="team" + word, value="infra" + word)] if word else None
    build = create_share(
        alice,
        "build-subnet" + word,
        description="the build farm's subnet" + (f" {word * 2}" if word else ""),
        principals=[bob.account_id, ou_urn],
        resource_urns=[alice.urn("subnet-build" + word), alice.urn("subnet-cache")],
        tags=tags,
    )
    zone = create_share(
        alice,
        "dns-zone" + word,
        description=word * 2 or None,
        principals=[bob.account_id],
        resource_urns=[alice.urn("zone-1" + word, "dns:zone")],
        tags=tags,
    )
    accept(bob, invitation_for(bob, build.id).resource_share_invitation_id)
    pending = invitation_for(bob, zone.id).resource_share_invitation_id
    _webhook_with_a_dead_letter(server, word)
    # The permission page shows the one with two versions.
    permission = next(p.id for p in Catalogue.packaged().permissions() if p.version > 1)
    return {
        "alice": alice,
        "bob": bob,
        "share": build.id,
        "invitation": pending,
        "permission": permission,
        "key": carol.access_key,
    }


def _webhook_with_a_dead_letter(server: Server, word: str) -> None:
    """A webhook to a receiver on the host (refused without an allow-list, so no server of the
    run sends anything anywhere), and a dead letter as its deliveries leave one."""
    ctx = server.runtime.context
    hook, _ = webhooks.add_webhook(
        ctx, f"http://127.0.0.1:8081/sharekeeper-events{word}", ["sharekeeper.ram.invitation.*"]
    )
    letter = DeadLetter(
        id=new_dead_letter_id(),
        webhook_id=hook.id,
        cursor=1,
        event_id=str(uuid.uuid4()),
        event_type="sharekeeper.ram.invitation.created",
        body="{}",
        attempts=8,
        last_error="answered HTTP 503",
        failed_at=ctx.clock(),
    )
    with ctx.writing() as uow:
        uow.webhooks.add_dead_letter(letter)
        uow.commit()


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    server = start_server(
        Path(tempfile.mkdtemp(prefix="sharekeeper-shots-")), admin_token=ADMIN_TOKEN
    )
    written = []
    try:
        scene = _scene(server)
        with chromium() as browser:
            people: dict[str | None, Person] = {}
            for name, who, path in PAGES:
                if who not in people:
                    person = people[who] = Person(
                        browser, server.endpoint, viewport={"width": 1200, "height": 800}
                    )
                    if who == "operator":
                        person.sign_in_as_operator(ADMIN_TOKEN)
                    elif who is not None:
                        person.sign_in(scene[who])
                people[who].open(path.format(**scene))
                target = out / f"{name}.png"
                people[who].page.screenshot(path=str(target), full_page=True)
                written.append(target)
            for person in people.values():
                person.close()
    finally:
        server.stop()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="where the PNG files go")
    for path in take(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
