"""Service principals and their sources through boto3: a service is associated at once (no
invitation), listed as AWS lists it, and constrained to source accounts that Create, Associate
and Disassociate add and remove and ListSourceAssociations lists; every answer checked against
botocore's model (docs/aws.md "Service principals and sources")."""

from __future__ import annotations

from typing import Any

from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, subnet_arn
from tests.sdk.helpers import associations as huawei_associations
from tests.sdk.helpers import create_share
from tests.support import Account

SERVICE = "pca-connector-ad.amazonaws.com"


def service_share(owner: Account, *sources: str, principal: str = SERVICE) -> str:
    answer = owner.aws("ram").create_resource_share(
        name="for-a-service",
        resourceArns=[subnet_arn(owner)],
        principals=[principal],
        sources=list(sources),
    )
    return str(valid("ram", "CreateResourceShare", answer)["resourceShare"]["resourceShareArn"])


def sources(account: Account, **filters: Any) -> list[dict[str, Any]]:
    answer = account.aws("ram").list_source_associations(**filters)
    return list(valid("ram", "ListSourceAssociations", answer)["sourceAssociations"])


def principal_associations(account: Account) -> list[dict[str, Any]]:
    answer = account.aws("ram").get_resource_share_associations(associationType="PRINCIPAL")
    return list(valid("ram", "GetResourceShareAssociations", answer)["resourceShareAssociations"])


def test_a_service_principal_is_associated_at_once_and_listed_as_aws_names_it(
    owner: Account, receiver: Account
) -> None:
    arn = service_share(owner)
    (principal,) = principal_associations(owner)
    assert principal["associatedEntity"] == SERVICE
    assert (principal["status"], principal["external"]) == ("ASSOCIATED", False)
    listed = valid("ram", "ListPrincipals", owner.aws("ram").list_principals(resourceOwner="SELF"))
    assert [(p["id"], p["resourceShareArn"]) for p in listed["principals"]] == [(SERVICE, arn)]
    by_name = owner.aws("ram").list_principals(resourceOwner="SELF", principals=[SERVICE])
    assert len(valid("ram", "ListPrincipals", by_name)["principals"]) == 1
    invitations = receiver.aws("ram").get_resource_share_invitations()
    assert (
        valid("ram", "GetResourceShareInvitations", invitations)["resourceShareInvitations"] == []
    )
    # Huawei's API reads the same principal in the core's spelling.
    (huawei,) = huawei_associations(owner, "principal")
    assert (huawei.associated_entity, huawei.status) == ("service:pca-connector-ad", "associated")


def test_sources_are_added_listed_filtered_and_removed(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    arn = service_share(owner, receiver.aws_account_id)
    ram = owner.aws("ram")
    (first,) = sources(owner)
    assert first["resourceShareArn"] == arn
    assert (first["sourceId"], first["sourceType"], first["status"]) == (
        receiver.aws_account_id,
        "ACCOUNT",
        "ASSOCIATED",
    )
    added = ram.associate_resource_share(resourceShareArn=arn, sources=[outsider.aws_account_id])
    (association,) = valid("ram", "AssociateResourceShare", added)["resourceShareAssociations"]
    assert association["associationType"] == "SOURCE"
    assert association["associatedEntity"] == outsider.aws_account_id
    assert [s["sourceId"] for s in sources(owner)] == [
        receiver.aws_account_id,
        outsider.aws_account_id,
    ]
    assert [s["sourceId"] for s in sources(owner, sourceId=outsider.aws_account_id)] == [
        outsider.aws_account_id
    ]
    assert len(sources(owner, resourceShareArns=[arn], sourceType="ACCOUNT")) == 2
    assert sources(owner, sourceType="ORGANIZATION") == []
    assert sources(owner, sourceId="o-abcdefghij") == []
    removed = ram.disassociate_resource_share(
        resourceShareArn=arn, sources=[receiver.aws_account_id]
    )
    (ended,) = valid("ram", "DisassociateResourceShare", removed)["resourceShareAssociations"]
    assert (ended["associationType"], ended["status"]) == ("SOURCE", "DISASSOCIATED")
    assert [s["sourceId"] for s in sources(owner, associationStatus="ASSOCIATED")] == [
        outsider.aws_account_id
    ]
    assert [s["sourceId"] for s in sources(owner, associationStatus="DISASSOCIATED")] == [
        receiver.aws_account_id
    ]
    answer = ram.get_resource_share_associations(associationType="SOURCE")
    listed = valid("ram", "GetResourceShareAssociations", answer)["resourceShareAssociations"]
    assert {(a["associatedEntity"], a["status"]) for a in listed} == {
        (receiver.aws_account_id, "DISASSOCIATED"),
        (outsider.aws_account_id, "ASSOCIATED"),
    }
    # Added again: the same source, associated once more.
    ram.associate_resource_share(resourceShareArn=arn, sources=[receiver.aws_account_id])
    assert len(sources(owner, associationStatus="ASSOCIATED")) == 2


def test_the_last_source_of_a_share_with_a_service_stays(owner: Account, receiver: Account) -> None:
    arn = service_share(owner, receiver.aws_account_id)
    ram = owner.aws("ram")
    last = code_of(
        ram.disassociate_resource_share, resourceShareArn=arn, sources=[receiver.aws_account_id]
    )
    assert last == "InvalidParameterException"
    assert [s["status"] for s in sources(owner)] == ["ASSOCIATED"]  # nothing half-applied
    # Without the service, the source may go.
    ram.disassociate_resource_share(
        resourceShareArn=arn, principals=[SERVICE], sources=[receiver.aws_account_id]
    )
    assert [s["status"] for s in sources(owner)] == ["DISASSOCIATED"]


def test_sources_are_the_owners_alone(owner: Account, receiver: Account, outsider: Account) -> None:
    arn = service_share(owner, receiver.aws_account_id)
    assert sources(outsider) == []
    assert sources(outsider, resourceShareArns=[arn]) == []
    theirs = outsider.aws("ram")
    assert (
        code_of(theirs.associate_resource_share, resourceShareArn=arn, sources=["123456789012"])
        == "UnknownResourceException"
    )
    assert (
        code_of(
            theirs.disassociate_resource_share,
            resourceShareArn=arn,
            sources=[receiver.aws_account_id],
        )
        == "UnknownResourceException"
    )
    assert [s["status"] for s in sources(owner)] == ["ASSOCIATED"]


def test_a_deleted_shares_sources_end_with_it(owner: Account, receiver: Account) -> None:
    arn = service_share(owner, receiver.aws_account_id)
    owner.aws("ram").delete_resource_share(resourceShareArn=arn)
    (ended,) = sources(owner)
    assert ended["status"] == "DISASSOCIATED"


def test_bad_sources_and_service_principals_are_refused_whole(
    owner: Account, receiver: Account
) -> None:
    ram = owner.aws("ram")

    def create(**members: Any) -> str:
        return code_of(ram.create_resource_share, name="refused", **members)

    assert create(principals=[SERVICE], sources=["o-abcdefghij"]) == "InvalidParameterException"
    assert create(sources=[receiver.aws_account_id] * 2) == "InvalidParameterException"
    assert create(sources=["1" * 12] * 101) == "InvalidParameterException"
    assert create(principals=["Bad_Name.amazonaws.com"]) == "InvalidParameterException"
    assert create(principals=[".amazonaws.com"]) == "InvalidParameterException"
    assert create(principals=[SERVICE, SERVICE]) == "InvalidParameterException"
    shared = ram.get_resource_shares(resourceOwner="SELF")
    assert valid("ram", "GetResourceShares", shared)["resourceShares"] == []
    arn = service_share(owner)
    assert (
        code_of(ram.disassociate_resource_share, resourceShareArn=arn, sources=["123456789012"])
        == "InvalidStateTransitionException"
    )
    assert (
        code_of(
            ram.get_resource_share_associations,
            associationType="SOURCE",
            resourceArn=subnet_arn(owner),
        )
        == "InvalidParameterException"
    )


def test_sources_page_with_next_token(owner: Account) -> None:
    ids = [f"{n:012d}" for n in range(1, 6)]
    service_share(owner, *ids)
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        answer = owner.aws("ram").list_source_associations(maxResults=2, **token)
        page = valid("ram", "ListSourceAssociations", answer)
        assert len(page["sourceAssociations"]) <= 2
        seen += [s["sourceId"] for s in page["sourceAssociations"]]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}
    assert seen == ids


def test_a_replayed_associate_answers_its_sources_and_changes_nothing(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    arn = service_share(owner, receiver.aws_account_id)
    ram = owner.aws("ram")
    members = {"resourceShareArn": arn, "sources": [outsider.aws_account_id], "clientToken": "s"}
    first = valid("ram", "AssociateResourceShare", ram.associate_resource_share(**members))
    again = valid("ram", "AssociateResourceShare", ram.associate_resource_share(**members))
    assert again["resourceShareAssociations"] == first["resourceShareAssociations"]
    assert len(sources(owner)) == 2
    changed = {**members, "sources": [receiver.aws_account_id]}
    assert (
        code_of(ram.associate_resource_share, **changed) == "IdempotentParameterMismatchException"
    )


def test_a_service_named_through_huaweis_api_reads_as_aws_names_it(owner: Account) -> None:
    create_share(owner, "huawei-made", principals=["service:elasticmapreduce"])
    (principal,) = principal_associations(owner)
    assert (principal["associatedEntity"], principal["status"]) == (
        "elasticmapreduce.amazonaws.com",
        "ASSOCIATED",
    )
    assert sources(owner) == []  # Huawei's API has no sources: the owner's account is implied


def test_a_share_holds_at_most_a_hundred_sources(owner: Account) -> None:
    arn = service_share(owner, *(f"{n:012d}" for n in range(1, 101)))
    ram = owner.aws("ram")
    assert (
        code_of(ram.associate_resource_share, resourceShareArn=arn, sources=["000000000101"])
        == "ResourceShareLimitExceededException"
    )
    assert len(sources(owner, maxResults=500)) == 100
