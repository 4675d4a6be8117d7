"""A batch of decisions reads in a number of statements that depends on the organizations its
principals are in, never on how many requests, principals or shares it holds (no statement per
request)."""

from __future__ import annotations

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.decisions import Verdict
from sharekeeper.domain.invitations import InvitationQuery
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import (
    decisions,
    directory,
    invitations,
    organizations,
    service_principals,
    shares,
)
from sharekeeper.services.context import Context
from tests.services.conftest import caller
from tests.services.test_console_reads import statements


def _accepted_share(ctx: Context, owner: Caller, receiver: Caller, urn: str) -> None:
    share = shares.create_resource_share(
        ctx, owner, name="s", principals=[receiver.account_id], resource_urns=[urn]
    )
    (invitation,) = invitations.search_invitations(
        ctx, receiver, InvitationQuery(share_ids=(share.id,)), PageRequest(10)
    ).items
    invitations.accept_invitation(ctx, receiver, invitation.id)


def test_a_batch_reads_in_a_fixed_number_of_statements(ctx: Context, owner: Caller) -> None:
    made, _ = service_principals.create_service(ctx, "vpc", ["vpc"])
    service = Caller(made.id, made.access_key)
    manager = caller(ctx, "manager")
    org = directory.create_organization(ctx, manager).organization

    def batch(count: int) -> list[tuple[str, str, str]]:
        asked = []
        for n in range(count):
            receiver = caller(ctx, f"receiver-{count}-{n}")
            member = caller(ctx, f"member-{count}-{n}")
            organizations.add_account(ctx, member.account_id, org.root_id)
            urn = f"vpc:cn-north-4:{owner.account_id}:subnet:s-{count}-{n}"
            _accepted_share(ctx, owner, receiver, urn)
            asked += [
                (receiver.account_id, "vpc:subnets:get", urn),
                (member.account_id, "vpc:subnets:get", urn),
            ]
        return asked

    small, large = batch(2), batch(40)
    few = statements(lambda: decisions.authorize(ctx, service, small))
    many = statements(lambda: decisions.authorize(ctx, service, large))
    assert len(many) == len(few)
    verdicts = [d.verdict for d in decisions.authorize(ctx, service, large)]
    assert verdicts == [Verdict.ALLOW, Verdict.DENY] * 40
