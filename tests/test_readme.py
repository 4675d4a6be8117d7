"""The README's SDK example, run as written against a live server."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from pathlib import Path

from tests.support import LiveServer

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")
# Where a command of the docs writes an account's keys: `... --name NAME --json > PATH`.
KEYS_WRITTEN = re.compile(r"--name (\w+) --json > (\S+)")


def _block(marker: str, language: str) -> str:
    (block,) = re.findall(rf"<!-- {marker} -->\n```{language}\n(.*?)```", README, re.DOTALL)
    return str(block)


def test_the_readme_sdk_example_runs(server: LiveServer, tmp_path: Path) -> None:
    block = _block("sdk-example", "python")
    written = KEYS_WRITTEN.findall(_block("account-commands", "bash"))
    assert [name for name, _ in written] == ["alice", "bob"]
    for name, path in written:  # where the README's commands put them
        account = server.account(name)
        keys = {
            "account_id": account.account_id,
            "name": name,
            "access_key": account.access_key,
            "secret_key": account.secret_key,
        }
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).write_text(json.dumps(keys))
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


def test_the_docs_write_secrets_only_into_a_folder_git_ignores() -> None:
    """A clone's root is where `git add .` looks: keys written there end up committed."""
    ignored = {line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()}
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    written = [
        (page.name, path) for page in pages for _, path in KEYS_WRITTEN.findall(page.read_text())
    ]
    assert written, "the README's account commands are no longer found"
    for page, path in written:
        folder, _, name = path.partition("/")
        assert name and f"{folder}/" in ignored, (page, path)
