"""The set-up a new user runs: `make demo` installs only what imgsim needs to run, and
the README says where the installed command is."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import REPO


def _dry_run(target: str, tmp_path: Path) -> str:
    """What `make TARGET` would run in a clone without a virtual environment yet."""
    result = subprocess.run(
        ["make", "-n", "-C", str(REPO), target, f"VENV={tmp_path / 'venv'}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def _installs(target: str, tmp_path: Path) -> list[str]:
    return [line for line in _dry_run(target, tmp_path).splitlines() if "pip install" in line]


def test_make_demo_installs_imgsim_without_any_extra(tmp_path: Path) -> None:
    assert [line.split()[-1] for line in _installs("demo", tmp_path)] == ["pip", "."]


def test_make_test_installs_the_test_extra(tmp_path: Path) -> None:
    assert _installs("test", tmp_path)[-1].endswith("-e '.[test]'")


def test_make_lint_installs_the_dev_extra(tmp_path: Path) -> None:
    assert _installs("lint", tmp_path)[-1].endswith("-e '.[dev]'")


def test_the_readme_says_where_make_demo_puts_the_command() -> None:
    assert ".venv/bin/imgsim" in (REPO / "README.md").read_text()
