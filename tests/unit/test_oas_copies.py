"""The OpenAPI copies the conformance tests use are Huawei's files, unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oas import OAS_DIR

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "oas"


def test_the_repository_holds_one_file_per_operation() -> None:
    assert len(list(OAS_DIR.glob("*.json"))) == 30


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="no reference material beside this checkout")
def test_the_copies_equal_the_reference() -> None:
    ours = {path.name: path.read_bytes() for path in OAS_DIR.glob("*.json")}
    theirs = {path.name: path.read_bytes() for path in REFERENCE.glob("*.json")}
    assert ours == theirs
