"""Domain rules without a database: invitation moves, URNs, principals, tags, paging."""

from __future__ import annotations

import uuid

import pytest

from sharekeeper.domain import errors
from sharekeeper.domain.ids import ResourceUrn, new_uuid
from sharekeeper.domain.invitations import Invitation, InvitationStatus
from sharekeeper.domain.paging import PageRequest, decode_position, page_of_sequence
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.domain.shares import Association, AssociationStatus, AssociationType
from sharekeeper.domain.sharing import check_principals, check_resources, choose_permissions
from sharekeeper.domain.tags import Tag, TagFilter, matches, unique_tags

OWNER = "a" * 32
OTHER = "b" * 32


def invitation(status: InvitationStatus, expires_at: int = 1000) -> Invitation:
    return Invitation("i", "s", "n", OWNER, OTHER, status, 0, 0, expires_at)


@pytest.mark.parametrize(
    ("status", "now", "error"),
    [
        (InvitationStatus.ACCEPTED, 0, errors.InvitationAlreadyAccepted),
        (InvitationStatus.REJECTED, 0, errors.InvitationAlreadyRejected),
        (InvitationStatus.WITHDRAWN, 0, errors.InvitationWithdrawn),
        (InvitationStatus.EXPIRED, 0, errors.InvitationExpired),
        (InvitationStatus.PENDING, 1000, errors.InvitationExpired),
    ],
)
def test_only_an_unexpired_pending_invitation_can_be_answered(
    status: InvitationStatus, now: int, error: type[Exception]
) -> None:
    with pytest.raises(error):
        invitation(status).require_pending(now)


def test_expiry_is_read_not_written() -> None:
    pending = invitation(InvitationStatus.PENDING)
    pending.require_pending(999)
    seen = pending.seen_at(1000)
    assert (seen.status, seen.updated_at) == (InvitationStatus.EXPIRED, 1000)
    assert pending.seen_at(999) is pending


def test_an_unanswered_association_ends_with_its_invitation() -> None:
    waiting = Association(
        "s",
        "n",
        AssociationType.PRINCIPAL,
        OTHER,
        AssociationStatus.ASSOCIATING,
        0,
        0,
        expires_at=1000,
    )
    assert waiting.seen_at(999).status is AssociationStatus.ASSOCIATING
    ended = waiting.seen_at(1000)
    assert ended.status is AssociationStatus.DISASSOCIATED and not ended.is_live


def test_new_ids_are_random_version_4_uuids_as_uuid_writes_them() -> None:
    made = [new_uuid() for _ in range(2000)]
    for made_id in made:
        parsed = uuid.UUID(made_id)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == made_id
    assert len(set(made)) == len(made)
    # Every bit but the six fixed ones varies: none is stuck at 0 or 1 across 2,000 ids.
    bits = [uuid.UUID(made_id).int for made_id in made]
    fixed = (0xF000 << 64) | (0xC000 << 48)
    varying = ~fixed & (2**128 - 1)
    anded, ored = varying, 0
    for value in bits:
        anded &= value
        ored |= value
    assert anded & varying == 0 and ored & varying == varying


def test_urns_parse_into_their_parts() -> None:
    urn = ResourceUrn.parse(f"vpc:cn-north-4:{OWNER}:subnet:path/with:colon/sn-1")
    assert (urn.resource_type, urn.region, urn.account_id) == ("vpc:subnet", "cn-north-4", OWNER)
    assert urn.resource_id == "sn-1"
    assert ResourceUrn.parse(f"dns::{OWNER}:zone:z").region == ""
    for bad in ("", "a:b:c:d", f"vpc:cn:{OWNER}:subnet:", "v pc:r:a:t:p", "x" * 1501):
        with pytest.raises(errors.InvalidResourceUrn):
            ResourceUrn.parse(bad)


@pytest.mark.parametrize(
    ("tail", "shown", "code"),
    [
        (" ", "\\u0020", "U+0020"),
        ("\t", "\\u0009", "U+0009"),
        ("\r", "\\u000d", "U+000D"),
        ("\n", "\\u000a", "U+000A"),
        ("\x00", "\\u0000", "U+0000"),
        ("\u200b", "\\u200b", "U+200B"),
        ("\u00a0", "\\u00a0", "U+00A0"),
        ("\u2028", "\\u2028", "U+2028"),
    ],
)
def test_a_urn_holds_no_space_nor_control_character(tail: str, shown: str, code: str) -> None:
    """The path, which the pattern leaves open (``.+``), too: a typo or a pasted line end."""
    for value in (
        f"vpc:cn-north-4:{OWNER}:subnet:sn-1{tail}",
        f"vpc:cn-north-4:{OWNER}:sub{tail}net:s",
    ):
        with pytest.raises(errors.InvalidResourceUrn) as refused:
            ResourceUrn.parse(value)
        assert shown in refused.value.message and code in refused.value.message
        if tail != " ":  # the message's own words have spaces
            assert tail not in refused.value.message  # written out, never sent as it is


def test_a_urn_names_a_region_of_its_type() -> None:
    catalogue = Catalogue.packaged()
    regions = catalogue.types["vpc:subnet"].regions
    assert {"cn-north-4", "cn-east-2", "eu-west-0", "ap-southeast-1"} <= set(regions)
    assert len(regions) == len(set(regions)) == 32  # huaweicloudsdkvpc's VpcRegion
    for region in regions:
        (urn,) = check_resources([f"vpc:{region}:{OWNER}:subnet:s"], OWNER, catalogue)
        assert urn.region == region
    for region, says in (
        ("cn-nort-4", "cn-nort-4 is not a region where vpc:subnet is shared"),
        ("CN-NORTH-4", "CN-NORTH-4 is not a region"),
        ("", "vpc:subnet resources are regional"),
        ("*", "vpc:subnet resources are regional"),
    ):
        with pytest.raises(errors.InvalidResourceUrn, match=says):
            check_resources([f"vpc:{region}:{OWNER}:subnet:s"], OWNER, catalogue)


def test_a_type_names_regions_only_from_the_catalogues_list() -> None:
    types = [{"resource_type": "x:y", "allows_leaving": False, "regions": ["r-2"]}]
    with pytest.raises(ValueError, match="x:y names regions"):
        Catalogue.from_mapping({"regions": ["r-1"], "resource_types": types, "permissions": []})
    types[0]["regions"] = ["r-1"]
    listed = Catalogue.from_mapping(
        {"regions": ["r-1", "r-3"], "resource_types": types, "permissions": []}
    )
    assert listed.type_regions == [("r-1", "x:y")]


def test_principal_and_resource_rules() -> None:
    catalogue = Catalogue.packaged()
    assert check_principals([OTHER], OWNER).accounts == [OTHER]
    org_urn = f"organizations::{OWNER}:root:o-{'a' * 32}/r-{'b' * 32}"
    (org,) = check_principals([org_urn], OWNER).organizations
    assert (org.organization_id, org.node_id) == ("o-" + "a" * 32, "r-" + "b" * 32)
    (bare,) = check_principals(["ou-" + "c" * 32], OWNER).organizations
    assert (bare.organization_id, bare.node_id) == (None, "ou-" + "c" * 32)
    for malformed in (f"organizations::{OWNER}:ou:o-{'a' * 32}/r-{'b' * 32}", "o-short"):
        with pytest.raises(errors.InvalidAccountId):
            check_principals([malformed], OWNER)
    with pytest.raises(errors.InvalidAccountId):
        check_principals([OTHER.upper()], OWNER)
    with pytest.raises(errors.PrincipalIsOwner):
        check_principals([OWNER], OWNER)
    with pytest.raises(errors.ResourceNotOwned):
        check_resources([f"vpc:cn-north-4:{OTHER}:subnet:s"], OWNER, catalogue)
    with pytest.raises(errors.ResourceTypeNotShareable):
        check_resources([f"vpc:cn-north-4:{OWNER}:network:s"], OWNER, catalogue)
    # An alias names the catalogue's type; the URN itself is kept as written.
    (alias,) = check_resources([f"vpc:cn-north-4:{OWNER}:subnets:s"], OWNER, catalogue)
    assert (alias.resource_type, alias.value) == ("vpc:subnet", f"vpc:cn-north-4:{OWNER}:subnets:s")


def test_default_permissions_fill_the_types_not_chosen() -> None:
    catalogue = Catalogue.packaged()
    readonly = "6b640602-9e2c-5ef5-86d3-68febb8f125d"
    chosen = choose_permissions(catalogue, [catalogue.get(readonly)], ["vpc:subnet", "dns:zone"])
    assert {(p.resource_type, p.is_resource_type_default) for p in chosen} == {
        ("vpc:subnet", False),
        ("dns:zone", True),
    }
    assert choose_permissions(catalogue, [], ["vpc:subnet"], already_bound=["vpc:subnet"]) == []


def test_tag_rules_and_matching() -> None:
    Tag("环境 env-1.0:=+@_", "a/b c")
    for key in ("", " lead", "trail ", "_sys_x", "k" * 129, "bad!"):
        with pytest.raises(errors.InvalidParameter):
            Tag(key, "")
    with pytest.raises(errors.InvalidParameter):
        Tag("k", "v" * 256)
    with pytest.raises(errors.InvalidParameter):
        unique_tags([Tag("k", "1"), Tag("k", "2")])
    tags = {"team": "net", "env": "prod"}
    assert matches([TagFilter("team"), TagFilter("env", ("prod", "dev"))], tags)
    assert not matches([TagFilter("team", ("dns",))], tags)
    assert not matches([TagFilter("owner")], tags)


def test_markers() -> None:
    assert decode_position(None) == 0
    assert decode_position("17") == 17
    for bad in ("", "-1", "1.0", "٣", "9" * 19):
        with pytest.raises(errors.InvalidParameter):
            decode_position(bad)
    page = page_of_sequence(list(range(5)), PageRequest(2, "2"))
    assert (list(page.items), page.next_marker) == ([2, 3], "4")
    last = page_of_sequence(list(range(5)), PageRequest(2, "4"))
    assert (list(last.items), last.next_marker) == ([4], None)
    with pytest.raises(errors.InvalidParameter):
        PageRequest(0)


def test_a_type_without_a_default_permission_is_refused() -> None:
    catalogue = Catalogue.from_mapping(
        {
            "resource_types": [{"resource_type": "x:y", "allows_leaving": False, "regions": []}],
            "permissions": [],
        }
    )
    with pytest.raises(errors.ResourceTypeWithoutPermission, match="x:y"):
        choose_permissions(catalogue, [], ["x:y"])
