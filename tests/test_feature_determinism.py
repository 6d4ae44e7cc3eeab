"""Every feature gives bit-identical values across runs, worker counts and batch sizes, and
from the command line and the Python API."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from cli_support import run_imgsim, save_image
from conftest import load_photo

import imgsim
from imgsim.engine import ExtractOptions, extract_files
from imgsim.features import FEATURES

ALL = ",".join(FEATURES)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("determinism")
    for index, name in enumerate(("astronaut", "coffee", "chelsea", "camera", "rocket")):
        photo = load_photo(name)
        save_image(root / f"{index}_{name}.jpg", photo, quality=90)
        save_image(root / f"{index}_{name}.png", photo[::2, ::2])
    return root


def _json_rows(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return run_imgsim("extract", folder, "-f", ALL, "--format", "json", "--no-cache", *options)


@pytest.fixture(scope="module")
def one_worker(folder: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(_json_rows(folder, "-j", "1").stdout)["rows"]
    return rows


def test_two_workers_write_the_rows_of_one(
    folder: Path, one_worker: list[dict[str, object]]
) -> None:
    assert json.loads(_json_rows(folder, "-j", "2").stdout)["rows"] == one_worker


def test_a_second_run_writes_the_same_rows(
    folder: Path, one_worker: list[dict[str, object]]
) -> None:
    assert json.loads(_json_rows(folder, "-j", "1").stdout)["rows"] == one_worker


def _engine_values(folder: Path, chunk_size: int) -> dict[str, bytes]:
    files = sorted(folder.iterdir())
    options = ExtractOptions(features=tuple(FEATURES))
    return {
        f"{result.path.name}:{name}": value.tobytes()
        for result in extract_files(files, options, workers=1, chunk_size=chunk_size)
        for name, value in result.features.items()
    }


def test_chunks_of_one_file_give_the_values_of_one_chunk(folder: Path) -> None:
    assert _engine_values(folder, 1) == _engine_values(folder, 100)


@pytest.mark.parametrize("feature", list(FEATURES))
def test_the_api_on_a_batch_equals_it_one_file_at_a_time(folder: Path, feature: str) -> None:
    files = sorted(folder.iterdir())
    together = imgsim.extract(files, feature)
    alone = np.concatenate([imgsim.extract([path], feature) for path in files])
    assert together.tobytes() == alone.tobytes()
