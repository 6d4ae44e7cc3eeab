"""``imgsim extract`` of readable images through the real command line.

Every input is built inside the test. Feature values are checked against
imagehash on the same pixels (decoded by Pillow); the rest is the contract of
DESIGN.md: one row per image, the columns and the sizes, each output format, the
same output with any number of workers, and ``python -m imgsim`` as the command.
The input folders are built once per module and only read; a command that several
tests read runs once (``cli_once``).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import imagehash
import pytest
from cli_support import csv_header, csv_rows, pillow_rgb, run_imgsim, save_image
from conftest import CliResult, CliRunnerFn
from extract_support import build_good, paths_of_good, photo
from PIL import Image


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


def test_extract_of_readable_images_exits_0(cli_once: CliRunnerFn, good: Path) -> None:
    result = cli_once("extract", good, "-f", "phash", "--format", "csv")

    assert result.exit_code == 0


def test_extract_prints_one_csv_row_per_image(
    cli_once: CliRunnerFn, good: Path, good_paths: list[str]
) -> None:
    result = cli_once("extract", good, "-f", "phash", "--format", "csv")

    assert [row["path"] for row in csv_rows(result.stdout)] == good_paths


def test_csv_columns_are_path_width_height_features_error(
    cli_once: CliRunnerFn, good: Path
) -> None:
    result = cli_once("extract", good, "-f", "phash,color_hist", "-f", "dhash", "--format", "csv")

    assert csv_header(result.stdout) == [
        "path",
        "width",
        "height",
        "phash",
        "color_hist",
        "dhash",
        "error",
    ]


@pytest.mark.parametrize(("column", "size"), [("width", "64"), ("height", "48")])
def test_csv_row_has_the_original_size(
    cli_once: CliRunnerFn, good: Path, column: str, size: str
) -> None:
    result = cli_once("extract", good / "sub" / "coffee.png", "-f", "phash", "--format", "csv")

    assert csv_rows(result.stdout)[0][column] == size


def test_csv_row_of_a_readable_image_has_no_error(cli_once: CliRunnerFn, good: Path) -> None:
    result = cli_once("extract", good / "sub" / "coffee.png", "-f", "phash", "--format", "csv")

    assert csv_rows(result.stdout)[0]["error"] == ""


def test_phash_equals_imagehash_on_the_decoded_png(cli_once: CliRunnerFn, good: Path) -> None:
    png = good / "astronaut.png"
    expected = str(imagehash.phash(Image.fromarray(pillow_rgb(png))))

    result = cli_once("extract", png, "-f", "phash", "--format", "csv")

    assert csv_rows(result.stdout)[0]["phash"] == expected


def _phash_of_size_16(cli_once: CliRunnerFn, good: Path) -> str:
    args = ("-f", "phash", "--hash-size", "16", "--format", "csv")
    return csv_rows(cli_once("extract", good / "astronaut.png", *args).stdout)[0]["phash"]


def test_hash_size_16_gives_the_phash_imagehash_gives(cli_once: CliRunnerFn, good: Path) -> None:
    png = good / "astronaut.png"
    expected = str(imagehash.phash(Image.fromarray(pillow_rgb(png)), hash_size=16))

    assert _phash_of_size_16(cli_once, good) == expected


def test_hash_size_16_gives_a_256_bit_phash(cli_once: CliRunnerFn, good: Path) -> None:
    assert len(_phash_of_size_16(cli_once, good)) == 64


def _thumb_at_size_32(cli_once: CliRunnerFn, good: Path) -> CliResult:
    args = ("-f", "thumb", "--size", "32", "--format", "csv")
    return cli_once("extract", good / "astronaut.png", *args)


def test_size_for_the_features_exits_0(cli_once: CliRunnerFn, good: Path) -> None:
    assert _thumb_at_size_32(cli_once, good).exit_code == 0


@pytest.mark.parametrize(("column", "size"), [("width", "96"), ("height", "72")])
def test_size_resizes_for_the_features_but_reports_the_original_size(
    cli_once: CliRunnerFn, good: Path, column: str, size: str
) -> None:
    row = csv_rows(_thumb_at_size_32(cli_once, good).stdout)[0]

    assert row[column] == size


def test_json_is_one_object_with_rows(
    cli_once: CliRunnerFn, good: Path, good_paths: list[str]
) -> None:
    result = cli_once("extract", good, "-f", "phash,color_hist", "--format", "json")

    document = json.loads(result.stdout)
    assert [row["path"] for row in document["rows"]] == good_paths


def _json_row_of_astronaut(cli_once: CliRunnerFn, good: Path) -> dict[str, object]:
    args = ("-f", "phash,color_hist", "--format", "json")
    document = json.loads(cli_once("extract", good / "astronaut.png", *args).stdout)
    row: dict[str, object] = document["rows"][0]
    return row


def test_json_hash_is_16_hex_digits(cli_once: CliRunnerFn, good: Path) -> None:
    row = _json_row_of_astronaut(cli_once, good)

    assert re.fullmatch("[0-9a-f]{16}", str(row["phash"]))


def test_json_histogram_is_512_values(cli_once: CliRunnerFn, good: Path) -> None:
    histogram = _json_row_of_astronaut(cli_once, good)["color_hist"]

    assert isinstance(histogram, list)
    assert len(histogram) == 512


def test_json_histogram_is_floats_summing_to_1(cli_once: CliRunnerFn, good: Path) -> None:
    histogram = _json_row_of_astronaut(cli_once, good)["color_hist"]

    assert isinstance(histogram, list)
    assert sum(histogram) == pytest.approx(1.0, abs=1e-5)


def test_jsonl_is_one_object_per_line(
    cli_once: CliRunnerFn, good: Path, good_paths: list[str]
) -> None:
    result = cli_once("extract", good, "-f", "ahash", "--format", "jsonl")

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["path"] for row in rows] == good_paths


def test_jsonl_rows_hold_the_hash_as_16_hex_digits(cli_once: CliRunnerFn, good: Path) -> None:
    result = cli_once("extract", good, "-f", "ahash", "--format", "jsonl")

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [len(row["ahash"]) for row in rows] == [16, 16, 16]


def _table_of_astronaut(cli_once: CliRunnerFn, good: Path) -> CliResult:
    return cli_once("extract", good / "astronaut.png", "-f", "phash", "--format", "table")


def test_table_exits_0(cli_once: CliRunnerFn, good: Path) -> None:
    assert _table_of_astronaut(cli_once, good).exit_code == 0


def test_table_shows_every_image_and_its_hash(cli_once: CliRunnerFn, good: Path) -> None:
    expected = str(imagehash.phash(Image.fromarray(pillow_rgb(good / "astronaut.png"))))

    result = _table_of_astronaut(cli_once, good)

    assert expected in result.stdout


@pytest.fixture(scope="module")
def five_photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("set")
    for index, name in enumerate(["astronaut", "chelsea", "coffee", "rocket", "camera"]):
        save_image(folder / f"{index}.png", photo(40, 30, name=name))
    return folder


def _with_workers(cli_once: CliRunnerFn, folder: Path, workers: str) -> CliResult:
    args = ("-f", "phash,color_hist,thumb", "--format", "csv", "--workers", workers)
    return cli_once("extract", folder, *args)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_workers_n_exits_0(cli_once: CliRunnerFn, five_photos: Path, workers: str) -> None:
    assert _with_workers(cli_once, five_photos, workers).exit_code == 0


def test_workers_1_and_2_give_identical_output(cli_once: CliRunnerFn, five_photos: Path) -> None:
    one = _with_workers(cli_once, five_photos, "1")
    two = _with_workers(cli_once, five_photos, "2")

    assert one.stdout == two.stdout


@pytest.fixture(scope="module")
def python_dash_m(good: Path, scratch: Path) -> subprocess.CompletedProcess[str]:
    """``python -m imgsim extract good/``: the same command as the ``imgsim`` script."""
    store = scratch / "python_dash_m.sqlite"
    return run_imgsim("extract", good, "-f", "phash", "--format", "csv", cache=store)


def test_python_dash_m_exits_0(python_dash_m: subprocess.CompletedProcess[str]) -> None:
    assert python_dash_m.returncode == 0


def test_python_dash_m_runs_the_same_command(
    python_dash_m: subprocess.CompletedProcess[str],
) -> None:
    assert len(csv_rows(python_dash_m.stdout)) == 3
