"""Shared fixtures: the real CLI entry point, and real photographs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from photos import PHOTOS
from typer.testing import CliRunner

from imgsim.cli import app

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_images"


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


CliRunnerFn = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def isolated_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets a feature store of its own (never the user's cache directory)."""
    path = tmp_path_factory.mktemp("store") / "features.sqlite"
    monkeypatch.setenv("IMGSIM_CACHE", str(path))
    return path


@pytest.fixture
def cli() -> CliRunnerFn:
    """Run ``imgsim ARGS…`` through the real Typer app; stdout and stderr kept apart."""
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})

    def run(*args: str | Path) -> CliResult:
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture(scope="module")
def cli_once(tmp_path_factory: pytest.TempPathFactory) -> CliRunnerFn:
    """``cli`` that runs each distinct command once per module: the tests of one run's
    exit code, rows and messages read the same result. Each run has a fresh store of
    its own, so no run is served from another's."""
    results: dict[tuple[str, ...], CliResult] = {}

    def run(*args: str | Path) -> CliResult:
        key = tuple(str(a) for a in args)
        if key not in results:
            store = tmp_path_factory.mktemp("store") / "features.sqlite"
            env = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", "IMGSIM_CACHE": str(store)}
            result = CliRunner(env=env).invoke(app, list(key), catch_exceptions=False)
            results[key] = CliResult(result.exit_code, result.stdout, result.stderr)
        return results[key]

    return run


def load_photo(name: str) -> np.ndarray:
    """A photograph bundled with scikit-image, as H x W x 3 uint8."""
    from skimage import data

    pixels = np.asarray(getattr(data, name)())
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, :3]).astype(np.uint8)


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    """Real photographs (scikit-image's bundled data) by name."""
    return {name: load_photo(name) for name in PHOTOS}
