"""The README's SDK example and its `sharekeeper ram` commands, run as written against a live
server."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support import LiveServer

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")
# Where a command of the docs writes an account's keys: `... --name NAME --json > PATH`.
KEYS_WRITTEN = re.compile(r"--name (\w+) --json > (\S+)")


def _block(marker: str, language: str) -> str:
    (block,) = re.findall(rf"<!-- {marker} -->\n```{language}\n(.*?)```", README, re.DOTALL)
    return str(block)


def _write_keys(server: LiveServer, folder: Path) -> None:
    """Alice's and Bob's keys where the README's account commands write them, as they do."""
    written = KEYS_WRITTEN.findall(_block("account-commands", "bash"))
    assert [name for name, _ in written] == ["alice", "bob"]
    for name, path in written:
        account = server.account(name)
        keys = {
            "account_id": account.account_id,
            "name": name,
            "access_key": account.access_key,
            "secret_key": account.secret_key,
        }
        (folder / path).parent.mkdir(exist_ok=True)
        (folder / path).write_text(json.dumps(keys))


def test_the_readme_sdk_example_runs(server: LiveServer, tmp_path: Path) -> None:
    block = _block("sdk-example", "python")
    _write_keys(server, tmp_path)
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


def test_the_readme_cli_example_runs_with_no_secret_on_a_command_line(
    server: LiveServer, tmp_path: Path
) -> None:
    """The block in bash, as written, but for the server's address, the virtualenv's place, and
    INVITATION_ID: what a reader copies, the first column of the pending invitations' table."""
    block = _block("cli-example", "bash")
    assert "--sk" not in block and "--ak" not in block
    _write_keys(server, tmp_path)
    bin_dir = f"{Path(sys.executable).parent}/"
    listed = ".venv/bin/sharekeeper ram invitations list --status pending"
    assert listed in block
    copied = f"\"$({listed} | awk 'NR == 2 {{print $1}}')\""
    script = block.replace("INVITATION_ID", copied).replace(
        "http://127.0.0.1:9460", server.endpoint
    )
    script = "set -euo pipefail\n" + script.replace(".venv/bin/", bin_dir)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "SHAREKEEPER_"))
    }
    env.update(COLUMNS="80", NO_PROXY="127.0.0.1,localhost")
    ran = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    table = lines.index(next(line for line in lines if line.startswith("INVITATION_ID")))
    assert lines[table].split() == ["INVITATION_ID", "SHARE", "STATUS", "DIRECTION"]
    assert lines[table + 1].split()[1:] == ["cli-share", "pending", "received"]
    assert "status: accepted" in [" ".join(line.split()) for line in lines[table + 2 :]]
