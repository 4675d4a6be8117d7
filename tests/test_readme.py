"""The README's SDK example, run as written against a live server."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path

from tests.support import LiveServer

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_the_readme_sdk_example_runs(server: LiveServer, tmp_path: Path) -> None:
    (block,) = re.findall(r"<!-- sdk-example -->\n```python\n(.*?)```", README, re.DOTALL)
    for name in ("alice", "bob"):
        account = server.account(name)
        keys = {
            "account_id": account.account_id,
            "name": name,
            "access_key": account.access_key,
            "secret_key": account.secret_key,
        }
        (tmp_path / f"{name}.json").write_text(json.dumps(keys))
    code = block.replace("http://127.0.0.1:9460", server.endpoint)
    output = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(output):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert output.getvalue().strip() == "accepted"
