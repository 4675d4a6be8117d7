"""The official SDK as users build it beyond the README: every signing algorithm it offers, and
a region without a domain id (the SDK then asks IAM, here ShareKeeper, who the caller is)."""

from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkcore.signer.algorithm import SigningAlgorithm
from huaweicloudsdkram.v1 import (
    CreateResourceShareReqBody,
    CreateResourceShareRequest,
    ListPermissionsRequest,
    RamClient,
    SearchResourceSharesReqBody,
    SearchResourceSharesRequest,
)

from sharekeeper.domain import ids
from tests.sdk.helpers import accept, create_share, invitation_for
from tests.support import Account, LiveServer


def client(account: Account, credentials: Any, **build: Any) -> Any:
    builder = RamClient.new_builder().with_credentials(credentials)
    if "region" in build:
        builder = builder.with_region(build["region"])
    else:
        builder = builder.with_endpoints([account.endpoint])
    config = HttpConfig(timeout=(5, 30))
    if "algorithm" in build:
        config.signing_algorithm = build["algorithm"]
    return builder.with_http_config(config).build()


def my_share_ids(ram: Any) -> list[str]:
    body = SearchResourceSharesReqBody(resource_owner="self")
    reply = ram.search_resource_shares(SearchResourceSharesRequest(body=body))
    return [s.id for s in reply.resource_shares]


@pytest.mark.parametrize("algorithm", list(SigningAlgorithm), ids=lambda a: a.name)
def test_every_signing_algorithm_of_the_sdk_works(
    server: LiveServer, owner: Account, receiver: Account, algorithm: SigningAlgorithm
) -> None:
    mine = GlobalCredentials(owner.access_key, owner.secret_key, owner.account_id)
    ram = client(owner, mine, algorithm=algorithm)
    body = CreateResourceShareReqBody(
        name=f"signed-{algorithm.name.lower()}",
        principals=[receiver.account_id],
        resource_urns=[owner.urn(f"subnet-{algorithm.name.lower()}")],
    )
    created = ram.create_resource_share(CreateResourceShareRequest(body=body)).resource_share
    assert created.id in my_share_ids(ram)
    # A GET with a query signs the canonical query too.
    assert ram.list_permissions(ListPermissionsRequest(limit=1)).permissions
    # The same algorithm with a wrong secret is refused.
    wrong = GlobalCredentials(owner.access_key, "x" * 40, owner.account_id)
    with pytest.raises(ClientRequestException) as caught:
        my_share_ids(client(owner, wrong, algorithm=algorithm))
    assert (caught.value.status_code, caught.value.error_code) == (401, "APIGW.0301")
    # And temporary credentials sign their token with it.
    temporary = server.temporary(owner)
    credentials = GlobalCredentials(temporary.access_key, temporary.secret_key)
    token = credentials.with_security_token(temporary.security_token)
    assert created.id in my_share_ids(client(owner, token, algorithm=algorithm))


def test_a_region_without_a_domain_id_finds_the_account_through_iam(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    share = create_share(owner, "found-by-iam", principals=[receiver.account_id])
    # No domain id: the SDK asks GET /v3/auth/domains at build(), signed with the same key.
    bare = GlobalCredentials(receiver.access_key, receiver.secret_key)
    credentials = bare.with_iam_endpoint(receiver.endpoint)
    ram = client(receiver, credentials, region=Region("cn-north-4", receiver.endpoint))
    assert credentials.domain_id == receiver.account_id
    invitation = invitation_for(receiver, share.id).resource_share_invitation_id
    accepted = accept(ram_account(receiver, ram), invitation)
    assert accepted.status == "accepted"


def test_the_iam_endpoint_from_the_environment(
    server: LiveServer, owner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", owner.endpoint)
    credentials = GlobalCredentials(owner.access_key, owner.secret_key)
    ram = client(owner, credentials, region=Region("ap-southeast-1", owner.endpoint))
    assert credentials.domain_id == owner.account_id
    assert my_share_ids(ram) == my_share_ids(owner.ram)


def test_project_scoped_credentials_find_a_stable_project(owner: Account) -> None:
    """BasicCredentials (regional services) ask GET /v3/projects?name=REGION."""
    http_client = owner.ram.get_http_client()
    found = []
    for _ in range(2):
        credentials = BasicCredentials(owner.access_key, owner.secret_key)
        credentials.with_iam_endpoint(owner.endpoint)
        # A fresh region name each time would hit the SDK's per-AK cache otherwise.
        credentials.process_auth_params(http_client, "cn-east-3")
        found.append(credentials.project_id)
        BasicCredentials._CACHE.clear()
    assert found[0] == found[1] == ids.project_id(owner.account_id, "cn-east-3")


def ram_account(account: Account, ram: Any) -> Account:
    """The account with another client in place of its default one."""
    return Account(
        account.account_id, account.access_key, account.secret_key, account.endpoint, _ram=ram
    )
