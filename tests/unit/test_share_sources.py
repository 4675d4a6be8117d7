"""Services as principals and their sources, the domain's rules (domain/share_sources.py)."""

from __future__ import annotations

import pytest

from sharekeeper.domain.errors import InvalidAccountId, InvalidParameter
from sharekeeper.domain.share_sources import (
    SOURCES_MOST,
    check_sources,
    may_act_for,
    service_entity,
    service_name,
)
from sharekeeper.domain.sharing import check_principals

OWNER = "a" * 32
OTHER = "b" * 32


def test_a_service_is_named_by_its_entity_and_read_back() -> None:
    assert service_entity("ec2.application-autoscaling") == "service:ec2.application-autoscaling"
    assert service_name("service:elasticmapreduce") == "elasticmapreduce"
    assert service_name(OWNER) is None
    assert service_name("service:Not_A_Name") is None
    for bad in ("", "Upper", "-lead", "a" * 64, "under_score", "sp ace"):
        with pytest.raises(InvalidParameter):
            service_entity(bad)


def test_principals_sort_services_from_accounts() -> None:
    found = check_principals([OTHER, "service:pca-connector-ad"], OWNER)
    assert (found.accounts, found.services) == ([OTHER], ["service:pca-connector-ad"])
    with pytest.raises(InvalidParameter):
        check_principals(["service:"], OWNER)


def test_sources_are_accounts_each_once_and_bounded() -> None:
    assert check_sources([OWNER, OTHER]) == [OWNER, OTHER]
    with pytest.raises(InvalidParameter):
        check_sources([OWNER, OWNER])
    with pytest.raises(InvalidAccountId):
        check_sources(["o-abcdefghij"])
    with pytest.raises(InvalidParameter):
        check_sources([f"{n:032x}" for n in range(SOURCES_MOST + 1)])


def test_a_service_acts_for_its_sources_or_else_the_owner_alone() -> None:
    assert may_act_for(OWNER, (), OWNER)
    assert not may_act_for(OTHER, (), OWNER)
    assert may_act_for(OTHER, (OTHER,), OWNER)
    assert not may_act_for(OWNER, (OTHER,), OWNER)
