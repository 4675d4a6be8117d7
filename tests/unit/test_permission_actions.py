"""A permission's actions, read from its document as the console shows them."""

from __future__ import annotations

import json

from sharekeeper.domain.permissions import Catalogue, allowed_actions


def _document(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "5.0", "Statement": list(statements)})


def test_the_allowed_actions_in_order_each_once() -> None:
    content = _document(
        {"Effect": "Allow", "Action": ["vpc:subnets:get", "vpc:subnets:list"]},
        {"Effect": "Deny", "Action": ["vpc:subnets:delete"]},
        {"Effect": "Allow", "Action": "vpc:subnets:get"},
        {"Effect": "Allow", "Action": "vpc:ports:get"},
    )
    assert allowed_actions(content) == ("vpc:subnets:get", "vpc:subnets:list", "vpc:ports:get")


def test_a_document_of_another_shape_names_no_actions() -> None:
    for content in ("", "not json", "[]", '{"Statement": {}}', _document({"Action": 3})):
        assert allowed_actions(content) == (), content
    assert allowed_actions(_document({"Effect": "Allow", "Action": [1, "a:b"]})) == ("a:b",)


def test_every_packaged_permission_names_its_actions() -> None:
    catalogue = Catalogue.packaged()
    for permission in catalogue.permissions():
        for version in catalogue.versions(permission.id):
            assert version.actions, (permission.name, version.version)
    for resource_type in catalogue.types.values():
        assert resource_type.service == resource_type.name.split(":")[0]
