"""Starting with SHAREKEEPER_NATS_URL: settings checked with their names, and one line to act
on when nats-py (the extra sharekeeper[nats]) is missing, through the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sharekeeper.app import create_app
from sharekeeper.config import Settings, SettingsError
from sharekeeper.events import NATS_MISSING

# The entry point with nats-py hidden, as on an install without the extra.
WITHOUT_NATS = (
    "import sys; sys.modules['nats'] = None; "
    "from sharekeeper.cli.main import main; main(sys.argv[1:])"
)


def serve(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SHAREKEEPER_DATA_DIR": str(data_dir), **env}
    environment.pop("SHAREKEEPER_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_NATS, "serve", "--port", "0"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_serve_without_nats_py_says_what_to_install(tmp_path: Path) -> None:
    result = serve(tmp_path, SHAREKEEPER_NATS_URL="nats://127.0.0.1:4222")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [f"error: {NATS_MISSING}"]
    assert "sharekeeper[nats]" in NATS_MISSING


def test_a_bad_nats_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    result = serve(tmp_path, SHAREKEEPER_NATS_URL="http://127.0.0.1:4222")
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: SHAREKEEPER_NATS_URL must be a nats://")


def test_create_app_refuses_a_nats_url_without_nats_py(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "nats", None)
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db'}")
    with pytest.raises(SettingsError, match="sharekeeper\\[nats\\]"):
        create_app(settings.with_overrides(nats_url="nats://127.0.0.1:4222"))


def test_nats_settings_defaults_and_bad_values() -> None:
    settings = Settings.from_env({})
    assert (settings.nats_url, settings.nats_stream, settings.nats_subject_prefix) == (
        None,
        "SHAREKEEPER_EVENTS",
        "sharekeeper",
    )
    given = Settings.from_env(
        {
            "SHAREKEEPER_NATS_URL": "nats://relay:secret@10.0.0.5:4222",
            "SHAREKEEPER_NATS_STREAM": "RAM_EVENTS",
            "SHAREKEEPER_NATS_SUBJECT_PREFIX": "cloud.ram",
        }
    )
    assert (given.nats_stream, given.nats_subject_prefix) == ("RAM_EVENTS", "cloud.ram")
    assert "secret" not in repr(given)
    for name, value in [
        ("SHAREKEEPER_NATS_URL", "127.0.0.1:4222"),
        ("SHAREKEEPER_NATS_STREAM", "has.dot"),
        ("SHAREKEEPER_NATS_STREAM", "a b"),
        ("SHAREKEEPER_NATS_SUBJECT_PREFIX", "cloud.*"),
        ("SHAREKEEPER_NATS_SUBJECT_PREFIX", "cloud..ram"),
        ("SHAREKEEPER_NATS_SUBJECT_PREFIX", "ram.>"),
    ]:
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: value})
