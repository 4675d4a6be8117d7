"""ShareKeeper builds as users install it: an sdist and a wheel that twine accepts, the wheel
holding the package data (catalogue, migrations, type marker) and both entry points."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_and_sdist_build_and_pass_twine(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = tmp_path.glob("sharekeeper-*.whl")
    (sdist,) = tmp_path.glob("sharekeeper-*.tar.gz")
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        points = archive.read(entry_points).decode()
    for needed in (
        "sharekeeper/domain/catalogue.json",
        "sharekeeper/py.typed",
        "sharekeeper/store/migrations/env.py",
        "sharekeeper/store/migrations/script.py.mako",
    ):
        assert needed in names, needed
    assert any(n.startswith("sharekeeper/store/migrations/versions/0001") for n in names)
    assert "sharekeeper = sharekeeper.cli.main:main" in points
    assert "sharekeeper = sharekeeper.testing" in points
