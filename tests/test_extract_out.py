"""``imgsim extract --out FILE`` through the real command line.

``--out`` writes the results to FILE, in the format its extension names (``.csv``,
``.json``, ``.jsonl``, ``.npz``), atomically, and nothing on stdout; the CSV file
holds what stdout would, and the ``.npz`` arrays hold the values of the CSV
(hashes as packed bits, one row per readable image).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_support import csv_rows
from conftest import CliResult, CliRunnerFn
from extract_support import Mixed, build_good, build_mixed, paths_of_good
from numpy.typing import NDArray


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """good/ with three small images: a PNG, a JPEG, and a PNG in a subfolder."""
    return build_good(tmp_path_factory.mktemp("good"))


@pytest.fixture
def good_paths(good: Path) -> list[str]:
    """The images of good/ in the order a run lists them."""
    return paths_of_good(good)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files that the module's runs write (each run a name of its own)."""
    return tmp_path_factory.mktemp("scratch")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Mixed:
    """mixed/ with valid images and every kind of bad file (extract_support.build_mixed)."""
    return build_mixed(tmp_path_factory.mktemp("mixed"))


def _out_folder(scratch: Path, suffix: str) -> Path:
    """A folder of its own for the one file that ``--out`` writes."""
    folder = scratch / f"results{suffix}"
    folder.mkdir(exist_ok=True)
    return folder


OUT_SUFFIXES = [".csv", ".json", ".jsonl", ".npz"]


def _written(cli_once: CliRunnerFn, good: Path, scratch: Path, suffix: str) -> CliResult:
    out = _out_folder(scratch, suffix) / f"features{suffix}"
    return cli_once("extract", good, "-f", "phash,color_hist", "--out", out)


def _printed_csv(cli_once: CliRunnerFn, good: Path) -> CliResult:
    """What ``_written`` writes, printed on stdout instead."""
    return cli_once("extract", good, "-f", "phash,color_hist", "--format", "csv")


@pytest.mark.parametrize("suffix", OUT_SUFFIXES)
def test_out_exits_0(cli_once: CliRunnerFn, good: Path, scratch: Path, suffix: str) -> None:
    assert _written(cli_once, good, scratch, suffix).exit_code == 0


@pytest.mark.parametrize("suffix", OUT_SUFFIXES)
def test_out_prints_nothing_on_stdout(
    cli_once: CliRunnerFn, good: Path, scratch: Path, suffix: str
) -> None:
    assert _written(cli_once, good, scratch, suffix).stdout == ""


@pytest.mark.parametrize("suffix", OUT_SUFFIXES)
def test_out_writes_the_file_and_nothing_else(
    cli_once: CliRunnerFn, good: Path, scratch: Path, suffix: str
) -> None:
    _written(cli_once, good, scratch, suffix)

    assert os.listdir(_out_folder(scratch, suffix)) == [f"features{suffix}"]


def test_out_csv_holds_what_stdout_would(cli_once: CliRunnerFn, good: Path, scratch: Path) -> None:
    printed = _printed_csv(cli_once, good)

    _written(cli_once, good, scratch, ".csv")

    written = _out_folder(scratch, ".csv") / "features.csv"
    assert written.read_text(encoding="utf-8") == printed.stdout


def test_out_json_is_one_object_with_rows(cli_once: CliRunnerFn, good: Path, scratch: Path) -> None:
    _written(cli_once, good, scratch, ".json")

    written = _out_folder(scratch, ".json") / "features.json"
    assert len(json.loads(written.read_text(encoding="utf-8"))["rows"]) == 3


def test_out_jsonl_is_one_object_per_line(
    cli_once: CliRunnerFn, good: Path, scratch: Path, good_paths: list[str]
) -> None:
    _written(cli_once, good, scratch, ".jsonl")

    lines = (_out_folder(scratch, ".jsonl") / "features.jsonl").read_text(encoding="utf-8")
    assert [json.loads(line)["path"] for line in lines.splitlines()] == good_paths


def _npz(cli_once: CliRunnerFn, good: Path, scratch: Path) -> dict[str, NDArray[Any]]:
    _written(cli_once, good, scratch, ".npz")
    with np.load(_out_folder(scratch, ".npz") / "features.npz", allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


@pytest.mark.parametrize(("feature", "dtype"), [("phash", np.uint8), ("color_hist", np.float32)])
def test_out_npz_writes_one_array_per_feature_of_its_type(
    cli_once: CliRunnerFn, good: Path, scratch: Path, feature: str, dtype: type[np.generic]
) -> None:
    assert _npz(cli_once, good, scratch)[feature].dtype == np.dtype(dtype)


@pytest.mark.parametrize(("feature", "shape"), [("phash", (3, 8)), ("color_hist", (3, 512))])
def test_out_npz_writes_one_array_per_feature_with_a_row_per_image(
    cli_once: CliRunnerFn, good: Path, scratch: Path, feature: str, shape: tuple[int, int]
) -> None:
    assert _npz(cli_once, good, scratch)[feature].shape == shape


def test_out_npz_writes_the_paths(cli_once: CliRunnerFn, good: Path, scratch: Path) -> None:
    assert _npz(cli_once, good, scratch)["paths"].shape == (3,)


def test_out_npz_paths_are_those_of_the_csv(
    cli_once: CliRunnerFn, good: Path, scratch: Path
) -> None:
    printed = csv_rows(_printed_csv(cli_once, good).stdout)

    paths = _npz(cli_once, good, scratch)["paths"]

    assert paths.tolist() == [row["path"] for row in printed]


def test_out_npz_hashes_are_those_of_the_csv(
    cli_once: CliRunnerFn, good: Path, scratch: Path
) -> None:
    printed = csv_rows(_printed_csv(cli_once, good).stdout)

    hashes = _npz(cli_once, good, scratch)["phash"]

    assert [bytes(h).hex() for h in hashes] == [row["phash"] for row in printed]


def test_out_npz_histograms_are_those_of_the_csv(
    cli_once: CliRunnerFn, good: Path, scratch: Path
) -> None:
    printed = csv_rows(_printed_csv(cli_once, good).stdout)

    histograms = _npz(cli_once, good, scratch)["color_hist"]

    np.testing.assert_array_equal(
        histograms,
        np.array([row["color_hist"].split() for row in printed], dtype=np.float32),
    )


def test_out_npz_packs_a_256_bit_hash_in_32_bytes(
    cli: CliRunnerFn, good: Path, tmp_path: Path
) -> None:
    cli("extract", good, "-f", "phash", "--hash-size", "16", "--out", tmp_path / "x.npz")

    with np.load(tmp_path / "x.npz", allow_pickle=False) as arrays:
        assert arrays["phash"].shape == (3, 32)


@pytest.fixture(scope="module")
def only_unreadable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose one image is an empty file."""
    folder = tmp_path_factory.mktemp("only_unreadable")
    (folder / "empty.png").write_bytes(b"")
    return folder


@pytest.mark.parametrize(("feature", "width"), [("phash", 8), ("color_hist", 512)])
def test_out_npz_without_readable_images_keeps_the_feature_widths(
    cli_once: CliRunnerFn, only_unreadable: Path, scratch: Path, feature: str, width: int
) -> None:
    out = scratch / "unreadable.npz"

    cli_once("extract", only_unreadable, "-f", "phash,color_hist", "--out", out)

    with np.load(out, allow_pickle=False) as arrays:
        assert arrays[feature].shape == (0, width)


def _npz_of_mixed(cli_once: CliRunnerFn, mixed: Mixed, scratch: Path) -> CliResult:
    return cli_once("extract", mixed[0], "-f", "phash", "--out", scratch / "mixed.npz")


def test_out_npz_of_a_mixed_folder_exits_3(
    cli_once: CliRunnerFn, mixed: Mixed, scratch: Path
) -> None:
    assert _npz_of_mixed(cli_once, mixed, scratch).exit_code == 3


def test_out_npz_leaves_out_unreadable_files(
    cli_once: CliRunnerFn, mixed: Mixed, scratch: Path
) -> None:
    _, valid, _ = mixed

    _npz_of_mixed(cli_once, mixed, scratch)

    with np.load(scratch / "mixed.npz", allow_pickle=False) as arrays:
        assert arrays["paths"].tolist() == [str(path) for path in valid]
