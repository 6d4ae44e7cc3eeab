"""``imgsim extract`` and ``imgsim list`` through the real command line.

Every input is built inside the test. Feature values are checked against
imagehash on the same pixels; the rest is the contract of DESIGN.md: columns,
formats, exit statuses, one stderr line per unreadable file, atomic ``--out``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import imagehash
import numpy as np
import pytest
import typer.main
from conftest import CliRunnerFn, load_photo
from numpy.typing import NDArray
from PIL import Image

from imgsim.cli import app
from imgsim.features import FEATURES

RGB = NDArray[np.uint8]
Mixed = tuple[Path, list[Path], dict[Path, str]]
"""A folder, its valid images, and its bad files with the start of their expected reason."""


def _photo(width: int = 96, height: int = 72, name: str = "astronaut") -> RGB:
    photo = Image.fromarray(load_photo(name)).resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(photo)


def _save(path: Path, pixels: RGB, **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, **options)
    return path


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose IHDR claims ``width`` x ``height`` and that holds almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """good/ with three small images: a PNG, a JPEG, and a PNG in a subfolder."""
    folder = tmp_path / "good"
    _save(folder / "astronaut.png", _photo())
    _save(folder / "chelsea.jpg", _photo(name="chelsea"), quality=90)
    _save(folder / "sub" / "coffee.png", _photo(64, 48, name="coffee"))
    return folder


def _truncated(path: Path, pixels: RGB) -> Path:
    _save(path, pixels)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture
def mixed(tmp_path: Path) -> Mixed:
    """mixed/ with valid images and every kind of bad file.

    A folder named ``x.png`` is a folder, walked like any other: the image inside
    it is valid, the folder itself is no file at all.
    """
    folder = tmp_path / "mixed"
    valid = [
        _save(folder / "a.png", _photo(48, 32)),
        _save(folder / "b.jpg", _photo(48, 32, name="chelsea")),
        _save(folder / "x.png" / "inside.png", _photo(40, 30, name="coffee")),
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
        _png_header_only(folder / "bomb.png", 60000, 60000): "60000x60000 exceeds --max-pixels",
        folder / "dangling.png": "cannot read",
    }
    return folder, sorted(valid), bad


def _decoded(path: Path) -> RGB:
    """The pixels as Pillow decodes them: the independent side of the comparison."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


# --------------------------------------------------------------------------- good images


def test_extract_prints_one_csv_row_per_image(cli: CliRunnerFn, good: Path) -> None:
    result = cli("extract", good, "-f", "phash", "--format", "csv")

    assert (result.exit_code, [row["path"] for row in _rows(result.stdout)]) == (
        0,
        [str(good / "astronaut.png"), str(good / "chelsea.jpg"), str(good / "sub" / "coffee.png")],
    )


def test_csv_columns_are_path_width_height_features_error(cli: CliRunnerFn, good: Path) -> None:
    result = cli("extract", good, "-f", "phash,color_hist", "-f", "dhash", "--format", "csv")

    assert _header(result.stdout) == [
        "path",
        "width",
        "height",
        "phash",
        "color_hist",
        "dhash",
        "error",
    ]


def test_csv_row_has_the_original_size(cli: CliRunnerFn, good: Path) -> None:
    result = cli("extract", good / "sub" / "coffee.png", "-f", "phash", "--format", "csv")

    row = _rows(result.stdout)[0]
    assert (row["width"], row["height"], row["error"]) == ("64", "48", "")


def test_phash_equals_imagehash_on_the_decoded_png(cli: CliRunnerFn, good: Path) -> None:
    png = good / "astronaut.png"
    expected = str(imagehash.phash(Image.fromarray(_decoded(png))))

    result = cli("extract", png, "-f", "phash", "--format", "csv")

    assert _rows(result.stdout)[0]["phash"] == expected


def test_hash_size_16_gives_a_256_bit_phash(cli: CliRunnerFn, good: Path) -> None:
    png = good / "astronaut.png"
    expected = str(imagehash.phash(Image.fromarray(_decoded(png)), hash_size=16))

    result = cli("extract", png, "-f", "phash", "--hash-size", "16", "--format", "csv")

    assert _rows(result.stdout)[0]["phash"] == expected
    assert len(expected) == 64


def test_size_resizes_for_the_features_but_reports_the_original_size(
    cli: CliRunnerFn, good: Path
) -> None:
    result = cli(
        "extract", good / "astronaut.png", "-f", "thumb", "--size", "32", "--format", "csv"
    )

    row = _rows(result.stdout)[0]
    assert (result.exit_code, row["width"], row["height"]) == (0, "96", "72")


def test_json_is_one_object_with_rows(cli: CliRunnerFn, good: Path) -> None:
    result = cli("extract", good, "-f", "phash,color_hist", "--format", "json")

    document = json.loads(result.stdout)
    assert [row["path"] for row in document["rows"]] == [
        str(good / "astronaut.png"),
        str(good / "chelsea.jpg"),
        str(good / "sub" / "coffee.png"),
    ]


def test_json_hash_is_hex_and_histogram_is_floats_summing_to_1(
    cli: CliRunnerFn, good: Path
) -> None:
    result = cli("extract", good / "astronaut.png", "-f", "phash,color_hist", "--format", "json")

    row = json.loads(result.stdout)["rows"][0]
    hex_digits = set("0123456789abcdef")
    assert (len(row["phash"]), set(row["phash"]) <= hex_digits) == (16, True)
    assert len(row["color_hist"]) == 512
    assert sum(row["color_hist"]) == pytest.approx(1.0, abs=1e-5)


def test_jsonl_is_one_object_per_line(cli: CliRunnerFn, good: Path) -> None:
    result = cli("extract", good, "-f", "ahash", "--format", "jsonl")

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["path"], len(row["ahash"])) for row in rows] == [
        (str(good / "astronaut.png"), 16),
        (str(good / "chelsea.jpg"), 16),
        (str(good / "sub" / "coffee.png"), 16),
    ]


def test_table_shows_every_image_and_its_hash(cli: CliRunnerFn, good: Path) -> None:
    png = good / "astronaut.png"
    expected = str(imagehash.phash(Image.fromarray(_decoded(png))))

    result = cli("extract", png, "-f", "phash", "--format", "table")

    assert (result.exit_code, expected in result.stdout) == (0, True)


def test_workers_1_and_2_give_identical_output(cli: CliRunnerFn, tmp_path: Path) -> None:
    for index, name in enumerate(["astronaut", "chelsea", "coffee", "rocket", "camera"]):
        _save(tmp_path / "set" / f"{index}.png", _photo(40, 30, name=name))
    args = ("extract", tmp_path / "set", "-f", "phash,color_hist,thumb", "--format", "csv")

    one, two = cli(*args, "--workers", "1"), cli(*args, "--workers", "2")

    assert (one.exit_code, two.exit_code, one.stdout) == (0, 0, two.stdout)


def test_python_dash_m_runs_the_same_command(good: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "imgsim", "extract", str(good), "-f", "phash", "--format", "csv"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (completed.returncode, len(_rows(completed.stdout))) == (0, 3)


# --------------------------------------------------------------------------- bad files


def test_mixed_folder_exits_3(cli: CliRunnerFn, mixed: Mixed) -> None:
    folder, _, _ = mixed

    result = cli("extract", folder, "-f", "phash", "--format", "csv")

    assert result.exit_code == 3


def test_mixed_folder_every_valid_image_has_a_row(cli: CliRunnerFn, mixed: Mixed) -> None:
    folder, valid, _ = mixed

    result = cli("extract", folder, "-f", "phash", "--format", "csv")

    good_rows = [row["path"] for row in _rows(result.stdout) if not row["error"]]
    assert good_rows == [str(path) for path in valid]


def test_mixed_folder_every_bad_file_has_one_stderr_line(cli: CliRunnerFn, mixed: Mixed) -> None:
    folder, _, bad = mixed

    result = cli("extract", folder, "-f", "phash", "--format", "csv")

    reported = [line for line in result.stderr.splitlines() if not line.startswith("imgsim:")]
    matched = [
        path
        for path, reason in bad.items()
        for line in reported
        if line.startswith(f"{path}: {reason}")
    ]
    assert (len(reported), sorted(matched)) == (len(bad), sorted(bad))


def test_mixed_folder_csv_error_rows_say_why(cli: CliRunnerFn, mixed: Mixed) -> None:
    folder, _, bad = mixed

    result = cli("extract", folder, "-f", "phash", "--format", "csv")

    errors = {row["path"]: (row["phash"], row["error"]) for row in _rows(result.stdout)}
    for path, reason in bad.items():
        assert errors[str(path)][0] == ""
        assert errors[str(path)][1].startswith(reason), path


def test_mixed_folder_json_error_rows_say_why(cli: CliRunnerFn, mixed: Mixed) -> None:
    folder, _, bad = mixed

    result = cli("extract", folder, "-f", "phash", "--format", "json")

    errors = {row["path"]: row for row in json.loads(result.stdout)["rows"] if row["error"]}
    assert sorted(errors) == sorted(str(path) for path in bad)
    assert all(row["phash"] is None and row["width"] is None for row in errors.values())


def test_skip_bad_exits_0_without_error_rows(cli: CliRunnerFn, mixed: Mixed) -> None:
    folder, valid, _ = mixed

    result = cli("extract", folder, "-f", "phash", "--format", "csv", "--skip-bad")

    rows = _rows(result.stdout)
    assert (result.exit_code, [row["path"] for row in rows], {row["error"] for row in rows}) == (
        0,
        [str(path) for path in valid],
        {""},
    )


def test_skip_bad_still_reports_bad_files_on_stderr(cli: CliRunnerFn, mixed: Mixed) -> None:
    folder, _, bad = mixed

    result = cli("extract", folder, "-f", "phash", "--format", "csv", "--skip-bad")

    assert all(f"{path}: " in result.stderr for path in bad)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "table"])
def test_no_traceback_in_any_output(cli: CliRunnerFn, mixed: Mixed, fmt: str) -> None:
    folder, _, _ = mixed

    result = cli("extract", folder, "-f", "phash,color_hist", "--format", fmt)

    assert "Traceback" not in result.stdout + result.stderr


def test_mixed_folder_through_a_real_process(
    mixed: Mixed,
) -> None:
    folder, valid, bad = mixed

    completed = subprocess.run(
        [sys.executable, "-m", "imgsim", "extract", str(folder), "-f", "phash", "--format", "csv"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (
        completed.returncode,
        "Traceback" in completed.stderr,
        len(_rows(completed.stdout)),
    ) == (
        3,
        False,
        len(valid) + len(bad),
    )


# --------------------------------------------------------------------------- usage errors


def test_unknown_feature_exits_2_listing_valid_features(cli: CliRunnerFn, good: Path) -> None:
    result = cli("extract", good, "-f", "phash,nope")

    assert (result.exit_code, all(name in result.stderr for name in FEATURES)) == (2, True)
    assert "'nope'" in result.stderr


def test_missing_feature_option_exits_2_listing_features(cli: CliRunnerFn, good: Path) -> None:
    result = cli("extract", good)

    assert (result.exit_code, all(name in result.stderr for name in FEATURES)) == (2, True)


def test_missing_path_exits_2_naming_it(cli: CliRunnerFn, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"

    result = cli("extract", missing, "-f", "phash")

    assert (result.exit_code, str(missing) in result.stderr) == (2, True)


def test_folder_without_images_exits_2(cli: CliRunnerFn, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no pictures here\n")

    result = cli("extract", tmp_path, "-f", "phash")

    assert (result.exit_code, "no images found" in result.stderr) == (2, True)


def test_out_with_unknown_extension_exits_2(cli: CliRunnerFn, good: Path, tmp_path: Path) -> None:
    result = cli("extract", good, "-f", "phash", "--out", tmp_path / "x.txt")

    assert (result.exit_code, (tmp_path / "x.txt").exists()) == (2, False)


def test_whash_with_hash_size_not_a_power_of_2_is_a_usage_error(
    cli: CliRunnerFn, good: Path
) -> None:
    result = cli("extract", good, "-f", "whash", "--hash-size", "3")

    assert (result.exit_code, "power of 2" in result.stderr) == (2, True)


@pytest.mark.parametrize(
    "options",
    [
        ("-f", "nope"),
        ("-f", "phash", "--workers", "0"),
        ("-f", "phash", "--format", "xml"),
        ("-f", "phash", "--format", "json", "--out", "x.csv"),
    ],
)
def test_usage_errors_exit_2_without_traceback(
    cli: CliRunnerFn, good: Path, options: tuple[str, ...]
) -> None:
    result = cli("extract", good, *options)

    assert (result.exit_code, "Traceback" in result.stdout + result.stderr) == (2, False)


# --------------------------------------------------------------------------- hostile names

_HOSTILE_NAMES = (
    "comma, in name.png",
    'double "quote".png',
    "new\nline.png",
    "ünïcødé 画像.png",
    "=HYPERLINK(1).png",
)


def test_csv_round_trips_hostile_file_names(
    cli: CliRunnerFn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index, name in enumerate(_HOSTILE_NAMES):
        _save(tmp_path / name, _photo(24 + index, 16))
    monkeypatch.chdir(tmp_path)  # paths come out as bare names, so "=…" starts a cell

    result = cli("extract", ".", "-f", "ahash", "--format", "csv")

    expected = sorted("'" + name if name.startswith("=") else name for name in _HOSTILE_NAMES)
    assert sorted(row["path"] for row in _rows(result.stdout)) == expected


def test_json_keeps_hostile_file_names_exactly(
    cli: CliRunnerFn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index, name in enumerate(_HOSTILE_NAMES):
        _save(tmp_path / name, _photo(24 + index, 16))
    monkeypatch.chdir(tmp_path)

    result = cli("extract", ".", "-f", "ahash", "--format", "json")

    paths = sorted(row["path"] for row in json.loads(result.stdout)["rows"])
    assert paths == sorted(_HOSTILE_NAMES)


def test_csv_hostile_names_keep_their_own_sizes(
    cli: CliRunnerFn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index, name in enumerate(_HOSTILE_NAMES):
        _save(tmp_path / name, _photo(24 + index, 16))
    monkeypatch.chdir(tmp_path)

    result = cli("extract", ".", "-f", "ahash", "--format", "csv")

    widths = {row["path"].removeprefix("'"): int(row["width"]) for row in _rows(result.stdout)}
    assert widths == {name: 24 + index for index, name in enumerate(_HOSTILE_NAMES)}


def test_stderr_reports_a_bad_file_with_a_newline_on_one_line(
    cli: CliRunnerFn, tmp_path: Path
) -> None:
    _save(tmp_path / "good.png", _photo(24, 16))
    (tmp_path / "bad\nname.png").write_bytes(b"")

    result = cli("extract", tmp_path, "-f", "ahash", "--format", "csv")

    reported = [line for line in result.stderr.splitlines() if not line.startswith("imgsim:")]
    assert reported == [f"{tmp_path}/bad\\nname.png: empty file (0 bytes)"]


# --------------------------------------------------------------------------- --out


@pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl"])
def test_out_writes_the_file_and_nothing_on_stdout(
    cli: CliRunnerFn, good: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / "results" / f"features{suffix}"
    out.parent.mkdir()

    result = cli("extract", good, "-f", "phash", "--out", out)

    assert (result.exit_code, result.stdout, os.listdir(out.parent)) == (0, "", [out.name])


def test_out_csv_holds_what_stdout_would(cli: CliRunnerFn, good: Path, tmp_path: Path) -> None:
    printed = cli("extract", good, "-f", "phash,color_hist", "--format", "csv")

    cli("extract", good, "-f", "phash,color_hist", "--out", tmp_path / "x.csv")

    assert (tmp_path / "x.csv").read_text(encoding="utf-8") == printed.stdout


def test_out_json_is_one_object_with_rows(cli: CliRunnerFn, good: Path, tmp_path: Path) -> None:
    cli("extract", good, "-f", "phash", "--out", tmp_path / "x.json")

    document = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert len(document["rows"]) == 3


def test_out_jsonl_is_one_object_per_line(cli: CliRunnerFn, good: Path, tmp_path: Path) -> None:
    cli("extract", good, "-f", "phash", "--out", tmp_path / "x.jsonl")

    lines = (tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["path"] for line in lines] == [
        str(good / "astronaut.png"),
        str(good / "chelsea.jpg"),
        str(good / "sub" / "coffee.png"),
    ]


def test_out_npz_writes_paths_and_one_array_per_feature(
    cli: CliRunnerFn, good: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results" / "features.npz"
    out.parent.mkdir()

    result = cli("extract", good, "-f", "phash,color_hist", "--out", out)

    with np.load(out, allow_pickle=False) as arrays:
        shapes = {name: (arrays[name].dtype, arrays[name].shape) for name in arrays.files}
    assert (result.exit_code, result.stdout, os.listdir(out.parent)) == (0, "", [out.name])
    assert {name: shapes[name] for name in ("phash", "color_hist")} == {
        "phash": (np.dtype(np.uint8), (3, 8)),
        "color_hist": (np.dtype(np.float32), (3, 512)),
    }
    assert shapes["paths"][1] == (3,)


def test_out_npz_matches_the_csv_values(cli: CliRunnerFn, good: Path, tmp_path: Path) -> None:
    printed = _rows(cli("extract", good, "-f", "phash,color_hist", "--format", "csv").stdout)

    cli("extract", good, "-f", "phash,color_hist", "--out", tmp_path / "x.npz")

    with np.load(tmp_path / "x.npz", allow_pickle=False) as arrays:
        paths, hashes, histograms = arrays["paths"], arrays["phash"], arrays["color_hist"]
    assert paths.tolist() == [row["path"] for row in printed]
    assert [bytes(h).hex() for h in hashes] == [row["phash"] for row in printed]
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


def test_out_npz_without_readable_images_keeps_the_feature_widths(
    cli: CliRunnerFn, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.png").write_bytes(b"")

    cli("extract", tmp_path / "in", "-f", "phash,color_hist", "--out", tmp_path / "x.npz")

    with np.load(tmp_path / "x.npz", allow_pickle=False) as arrays:
        shapes = (arrays["phash"].shape, arrays["color_hist"].shape)
    assert shapes == ((0, 8), (0, 512))


def test_out_npz_leaves_out_unreadable_files(
    cli: CliRunnerFn, mixed: Mixed, tmp_path: Path
) -> None:
    folder, valid, _ = mixed

    result = cli("extract", folder, "-f", "phash", "--out", tmp_path / "x.npz")

    with np.load(tmp_path / "x.npz", allow_pickle=False) as arrays:
        paths = arrays["paths"].tolist()
    assert (result.exit_code, paths) == (3, [str(path) for path in valid])


# --------------------------------------------------------------------------- help and list


def _command_names() -> list[str]:
    group = typer.main.get_command(app)
    assert hasattr(group, "commands")
    return sorted(group.commands)


@pytest.mark.parametrize("command", _command_names())
def test_help_of_every_command_has_an_example(cli: CliRunnerFn, command: str) -> None:
    result = cli(command, "--help")

    assert (result.exit_code, "Example" in result.stdout) == (0, True)


def test_list_names_every_feature(cli: CliRunnerFn) -> None:
    result = cli("list", "--format", "csv")

    names = {row["name"] for row in _rows(result.stdout)}
    assert (result.exit_code, set(FEATURES) <= names) == (0, True)


def test_list_gives_each_feature_its_dimension(cli: CliRunnerFn) -> None:
    result = cli("list", "--format", "json")

    dims = {row["name"]: row["dim"] for row in json.loads(result.stdout)["rows"]}
    assert (dims["phash"], dims["color_hist"], dims["thumb"]) == (64, 8**3, 32 * 32)
