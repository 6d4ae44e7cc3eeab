"""``imgsim extract`` and ``imgsim list`` through the real command line.

Every input is built inside the test. Feature values are checked against
imagehash on the same pixels; the rest is the contract of DESIGN.md: columns,
formats, exit statuses, one stderr line per unreadable file, atomic ``--out``.
The input folders are built once per module and only read; a command that several
tests read runs once (``cli_once``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
import pytest
from cli_support import (
    RGB,
    csv_header,
    csv_rows,
    pillow_rgb,
    png_header_only,
    run_imgsim,
    save_image,
)
from conftest import CliResult, CliRunnerFn, load_photo
from numpy.typing import NDArray
from PIL import Image

from imgsim.features import FEATURES

Mixed = tuple[Path, list[Path], dict[Path, str]]
"""A folder, its valid images, and its bad files with the start of their expected reason."""


def _photo(width: int = 96, height: int = 72, name: str = "astronaut") -> RGB:
    photo = Image.fromarray(load_photo(name)).resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(photo)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """good/ with three small images: a PNG, a JPEG, and a PNG in a subfolder."""
    folder = tmp_path_factory.mktemp("good")
    save_image(folder / "astronaut.png", _photo())
    save_image(folder / "chelsea.jpg", _photo(name="chelsea"), quality=90)
    save_image(folder / "sub" / "coffee.png", _photo(64, 48, name="coffee"))
    return folder


@pytest.fixture
def good_paths(good: Path) -> list[str]:
    """The images of good/ in the order a run lists them."""
    return [
        str(good / "astronaut.png"),
        str(good / "chelsea.jpg"),
        str(good / "sub" / "coffee.png"),
    ]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files that the module's runs write (each run a name of its own)."""
    return tmp_path_factory.mktemp("scratch")


def _truncated(path: Path, pixels: RGB) -> Path:
    save_image(path, pixels)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Mixed:
    """mixed/ with valid images and every kind of bad file.

    A folder named ``x.png`` is a folder, walked like any other: the image inside
    it is valid, the folder itself is no file at all.
    """
    folder = tmp_path_factory.mktemp("mixed")
    valid = [
        save_image(folder / "a.png", _photo(48, 32)),
        save_image(folder / "b.jpg", _photo(48, 32, name="chelsea")),
        save_image(folder / "x.png" / "inside.png", _photo(40, 30, name="coffee")),
    ]
    junk = np.random.default_rng(3).integers(0, 256, 2048, dtype=np.uint8).tobytes()
    (folder / "empty.png").write_bytes(b"")
    (folder / "junk.png").write_bytes(junk)
    (folder / "notes.jpg").write_text("not a photo\n")
    (folder / "dangling.png").symlink_to(folder / "nowhere.png")
    bad = {
        _truncated(folder / "cut.jpg", _photo(48, 32)): "truncated",
        _truncated(folder / "cut.png", _photo(48, 32)): "truncated",
        folder / "empty.png": "empty file",
        folder / "junk.png": "not an image",
        folder / "notes.jpg": "not an image: looks like text",
        png_header_only(folder / "bomb.png", 60000, 60000): "60000x60000 exceeds --max-pixels",
        folder / "dangling.png": "cannot read",
    }
    return folder, sorted(valid), bad


@pytest.fixture
def mixed_csv(cli_once: CliRunnerFn, mixed: Mixed) -> CliResult:
    return cli_once("extract", mixed[0], "-f", "phash", "--format", "csv")


@pytest.fixture
def mixed_skip_bad(cli_once: CliRunnerFn, mixed: Mixed) -> CliResult:
    return cli_once("extract", mixed[0], "-f", "phash", "--format", "csv", "--skip-bad")


def _reported(stderr: str) -> list[str]:
    """The stderr lines about single files (the summary and notes start with ``imgsim:``)."""
    return [line for line in stderr.splitlines() if not line.startswith("imgsim:")]


# --------------------------------------------------------------------------- good images


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


def test_csv_row_has_the_original_size(cli_once: CliRunnerFn, good: Path) -> None:
    result = cli_once("extract", good / "sub" / "coffee.png", "-f", "phash", "--format", "csv")

    row = csv_rows(result.stdout)[0]
    assert row["width"] == "64"
    assert row["height"] == "48"


def test_csv_row_of_a_readable_image_has_no_error(cli_once: CliRunnerFn, good: Path) -> None:
    result = cli_once("extract", good / "sub" / "coffee.png", "-f", "phash", "--format", "csv")

    assert csv_rows(result.stdout)[0]["error"] == ""


def test_phash_equals_imagehash_on_the_decoded_png(cli_once: CliRunnerFn, good: Path) -> None:
    png = good / "astronaut.png"
    expected = str(imagehash.phash(Image.fromarray(pillow_rgb(png))))

    result = cli_once("extract", png, "-f", "phash", "--format", "csv")

    assert csv_rows(result.stdout)[0]["phash"] == expected


def test_hash_size_16_gives_a_256_bit_phash(cli_once: CliRunnerFn, good: Path) -> None:
    png = good / "astronaut.png"
    expected = str(imagehash.phash(Image.fromarray(pillow_rgb(png)), hash_size=16))

    result = cli_once("extract", png, "-f", "phash", "--hash-size", "16", "--format", "csv")

    assert csv_rows(result.stdout)[0]["phash"] == expected
    assert len(expected) == 64


def _thumb_at_size_32(cli_once: CliRunnerFn, good: Path) -> CliResult:
    args = ("-f", "thumb", "--size", "32", "--format", "csv")
    return cli_once("extract", good / "astronaut.png", *args)


def test_size_for_the_features_exits_0(cli_once: CliRunnerFn, good: Path) -> None:
    assert _thumb_at_size_32(cli_once, good).exit_code == 0


def test_size_resizes_for_the_features_but_reports_the_original_size(
    cli_once: CliRunnerFn, good: Path
) -> None:
    row = csv_rows(_thumb_at_size_32(cli_once, good).stdout)[0]

    assert row["width"] == "96"
    assert row["height"] == "72"


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
        save_image(folder / f"{index}.png", _photo(40, 30, name=name))
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


# --------------------------------------------------------------------------- bad files


def test_mixed_folder_exits_3(mixed_csv: CliResult) -> None:
    assert mixed_csv.exit_code == 3


def test_mixed_folder_every_valid_image_has_a_row(mixed: Mixed, mixed_csv: CliResult) -> None:
    _, valid, _ = mixed

    good_rows = [row["path"] for row in csv_rows(mixed_csv.stdout) if not row["error"]]
    assert good_rows == [str(path) for path in valid]


def test_mixed_folder_every_bad_file_is_reported_with_its_reason(
    mixed: Mixed, mixed_csv: CliResult
) -> None:
    _, _, bad = mixed

    reported = _reported(mixed_csv.stderr)
    matched = [
        path
        for path, reason in bad.items()
        for line in reported
        if line.startswith(f"{path}: {reason}")
    ]
    assert sorted(matched) == sorted(bad)


def test_mixed_folder_reports_one_stderr_line_per_bad_file(
    mixed: Mixed, mixed_csv: CliResult
) -> None:
    _, _, bad = mixed

    assert len(_reported(mixed_csv.stderr)) == len(bad)


def test_mixed_folder_csv_error_rows_have_no_value(mixed: Mixed, mixed_csv: CliResult) -> None:
    _, _, bad = mixed

    values = {row["path"]: row["phash"] for row in csv_rows(mixed_csv.stdout)}
    for path in bad:
        assert values[str(path)] == "", path


def test_mixed_folder_csv_error_rows_say_why(mixed: Mixed, mixed_csv: CliResult) -> None:
    _, _, bad = mixed

    errors = {row["path"]: row["error"] for row in csv_rows(mixed_csv.stdout)}
    for path, reason in bad.items():
        assert errors[str(path)].startswith(reason), path


def _json_error_rows(cli_once: CliRunnerFn, mixed: Mixed) -> dict[str, dict[str, object]]:
    result = cli_once("extract", mixed[0], "-f", "phash", "--format", "json")
    return {row["path"]: row for row in json.loads(result.stdout)["rows"] if row["error"]}


def test_mixed_folder_json_has_an_error_row_for_each_bad_file(
    cli_once: CliRunnerFn, mixed: Mixed
) -> None:
    _, _, bad = mixed

    errors = _json_error_rows(cli_once, mixed)
    assert sorted(errors) == sorted(str(path) for path in bad)


def test_mixed_folder_json_error_rows_hold_null_values(cli_once: CliRunnerFn, mixed: Mixed) -> None:
    rows = _json_error_rows(cli_once, mixed).values()

    assert all(row["phash"] is None for row in rows)
    assert all(row["width"] is None for row in rows)


def test_skip_bad_exits_0(mixed_skip_bad: CliResult) -> None:
    assert mixed_skip_bad.exit_code == 0


def test_skip_bad_prints_the_valid_images(mixed: Mixed, mixed_skip_bad: CliResult) -> None:
    _, valid, _ = mixed

    paths = [row["path"] for row in csv_rows(mixed_skip_bad.stdout)]
    assert paths == [str(path) for path in valid]


def test_skip_bad_prints_no_error_rows(mixed_skip_bad: CliResult) -> None:
    errors = {row["error"] for row in csv_rows(mixed_skip_bad.stdout)}

    assert errors == {""}


def test_skip_bad_still_reports_bad_files_on_stderr(
    mixed: Mixed, mixed_skip_bad: CliResult
) -> None:
    _, _, bad = mixed

    assert all(f"{path}: " in mixed_skip_bad.stderr for path in bad)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "table"])
def test_no_traceback_in_any_output(cli_once: CliRunnerFn, mixed: Mixed, fmt: str) -> None:
    folder, _, _ = mixed

    result = cli_once("extract", folder, "-f", "phash,color_hist", "--format", fmt)

    assert "Traceback" not in result.stdout + result.stderr


@pytest.fixture(scope="module")
def mixed_in_a_process(mixed: Mixed, scratch: Path) -> subprocess.CompletedProcess[str]:
    store = scratch / "mixed_in_a_process.sqlite"
    return run_imgsim("extract", mixed[0], "-f", "phash", "--format", "csv", cache=store)


def test_mixed_folder_in_a_real_process_exits_3(
    mixed_in_a_process: subprocess.CompletedProcess[str],
) -> None:
    assert mixed_in_a_process.returncode == 3


def test_mixed_folder_in_a_real_process_has_no_traceback(
    mixed_in_a_process: subprocess.CompletedProcess[str],
) -> None:
    assert "Traceback" not in mixed_in_a_process.stderr


def test_mixed_folder_in_a_real_process_prints_a_row_per_file(
    mixed: Mixed, mixed_in_a_process: subprocess.CompletedProcess[str]
) -> None:
    _, valid, bad = mixed

    assert len(csv_rows(mixed_in_a_process.stdout)) == len(valid) + len(bad)


# --------------------------------------------------------------------------- usage errors


USAGE_ERRORS: list[tuple[str, ...]] = [
    ("-f", "nope"),
    ("-f", "phash,nope"),
    (),  # no -f at all
    ("-f", "whash", "--hash-size", "3"),
    ("-f", "phash", "--workers", "0"),
    ("-f", "phash", "--format", "xml"),
    ("-f", "phash", "--format", "json", "--out", "x.csv"),
]
"""Options that make ``extract good/ OPTIONS…`` a usage error (exit 2)."""


def test_unknown_feature_lists_the_valid_features(cli_once: CliRunnerFn, good: Path) -> None:
    result = cli_once("extract", good, "-f", "phash,nope")

    assert all(name in result.stderr for name in FEATURES)


def test_unknown_feature_is_named(cli_once: CliRunnerFn, good: Path) -> None:
    result = cli_once("extract", good, "-f", "phash,nope")

    assert "'nope'" in result.stderr


def test_missing_feature_option_lists_the_features(cli_once: CliRunnerFn, good: Path) -> None:
    result = cli_once("extract", good)

    assert all(name in result.stderr for name in FEATURES)


def test_missing_path_exits_2(cli_once: CliRunnerFn, scratch: Path) -> None:
    assert cli_once("extract", scratch / "no-such-folder", "-f", "phash").exit_code == 2


def test_missing_path_is_named(cli_once: CliRunnerFn, scratch: Path) -> None:
    missing = scratch / "no-such-folder"

    result = cli_once("extract", missing, "-f", "phash")

    assert str(missing) in result.stderr


@pytest.fixture(scope="module")
def without_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("without_images")
    (folder / "notes.txt").write_text("no pictures here\n")
    return folder


def test_folder_without_images_exits_2(cli_once: CliRunnerFn, without_images: Path) -> None:
    assert cli_once("extract", without_images, "-f", "phash").exit_code == 2


def test_folder_without_images_says_so(cli_once: CliRunnerFn, without_images: Path) -> None:
    result = cli_once("extract", without_images, "-f", "phash")

    assert "no images found" in result.stderr


def test_out_with_unknown_extension_exits_2(
    cli_once: CliRunnerFn, good: Path, scratch: Path
) -> None:
    assert cli_once("extract", good, "-f", "phash", "--out", scratch / "x.txt").exit_code == 2


def test_out_with_unknown_extension_writes_no_file(
    cli_once: CliRunnerFn, good: Path, scratch: Path
) -> None:
    cli_once("extract", good, "-f", "phash", "--out", scratch / "x.txt")

    assert not (scratch / "x.txt").exists()


def test_whash_with_hash_size_not_a_power_of_2_says_why(cli_once: CliRunnerFn, good: Path) -> None:
    result = cli_once("extract", good, "-f", "whash", "--hash-size", "3")

    assert "power of 2" in result.stderr


@pytest.mark.parametrize(
    "options", USAGE_ERRORS, ids=lambda options: " ".join(options) or "no options"
)
def test_usage_errors_exit_2(cli_once: CliRunnerFn, good: Path, options: tuple[str, ...]) -> None:
    assert cli_once("extract", good, *options).exit_code == 2


@pytest.mark.parametrize(
    "options", USAGE_ERRORS, ids=lambda options: " ".join(options) or "no options"
)
def test_usage_errors_print_no_traceback(
    cli_once: CliRunnerFn, good: Path, options: tuple[str, ...]
) -> None:
    result = cli_once("extract", good, *options)

    assert "Traceback" not in result.stdout + result.stderr


# --------------------------------------------------------------------------- hostile names

_HOSTILE_NAMES = (
    "comma, in name.png",
    'double "quote".png',
    "new\nline.png",
    "ünïcødé 画像.png",
    "=HYPERLINK(1).png",
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of images with hostile names, each a width of its own (24, 25, …)."""
    folder = tmp_path_factory.mktemp("hostile")
    for index, name in enumerate(_HOSTILE_NAMES):
        save_image(folder / name, _photo(24 + index, 16))
    return folder


def test_csv_round_trips_hostile_file_names(
    cli: CliRunnerFn, hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(hostile)  # paths come out as bare names, so "=…" starts a cell

    result = cli("extract", ".", "-f", "ahash", "--format", "csv")

    expected = sorted("'" + name if name.startswith("=") else name for name in _HOSTILE_NAMES)
    assert sorted(row["path"] for row in csv_rows(result.stdout)) == expected


def test_json_keeps_hostile_file_names_exactly(
    cli: CliRunnerFn, hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(hostile)

    result = cli("extract", ".", "-f", "ahash", "--format", "json")

    paths = sorted(row["path"] for row in json.loads(result.stdout)["rows"])
    assert paths == sorted(_HOSTILE_NAMES)


def test_csv_hostile_names_keep_their_own_sizes(
    cli: CliRunnerFn, hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(hostile)

    result = cli("extract", ".", "-f", "ahash", "--format", "csv")

    widths = {row["path"].removeprefix("'"): int(row["width"]) for row in csv_rows(result.stdout)}
    assert widths == {name: 24 + index for index, name in enumerate(_HOSTILE_NAMES)}


def test_stderr_reports_a_bad_file_with_a_newline_on_one_line(
    cli: CliRunnerFn, tmp_path: Path
) -> None:
    save_image(tmp_path / "good.png", _photo(24, 16))
    (tmp_path / "bad\nname.png").write_bytes(b"")

    result = cli("extract", tmp_path, "-f", "ahash", "--format", "csv")

    assert _reported(result.stderr) == [f"{tmp_path}/bad\\nname.png: empty file (0 bytes)"]


# --------------------------------------------------------------------------- --out


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


@pytest.mark.parametrize(
    ("feature", "dtype", "shape"),
    [("phash", np.uint8, (3, 8)), ("color_hist", np.float32, (3, 512))],
)
def test_out_npz_writes_one_array_per_feature(
    cli_once: CliRunnerFn,
    good: Path,
    scratch: Path,
    feature: str,
    dtype: type[np.generic],
    shape: tuple[int, int],
) -> None:
    array = _npz(cli_once, good, scratch)[feature]

    assert array.dtype == np.dtype(dtype)
    assert array.shape == shape


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


# --------------------------------------------------------------------------- list
# Every command's --help (exit 0, an example of the command itself) is checked in
# tests/test_help.py.


def test_list_exits_0(cli_once: CliRunnerFn) -> None:
    assert cli_once("list", "--format", "csv").exit_code == 0


def test_list_names_every_feature(cli_once: CliRunnerFn) -> None:
    result = cli_once("list", "--format", "csv")

    names = {row["name"] for row in csv_rows(result.stdout)}
    assert set(FEATURES) <= names


def test_list_gives_each_feature_its_dimension(cli_once: CliRunnerFn) -> None:
    result = cli_once("list", "--format", "json")

    dims = {row["name"]: row["dim"] for row in json.loads(result.stdout)["rows"]}
    assert {name: dims[name] for name in ("phash", "color_hist", "thumb")} == {
        "phash": 64,
        "color_hist": 8**3,
        "thumb": 32 * 32,
    }
