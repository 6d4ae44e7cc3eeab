"""``imgsim extract`` of files it cannot read, and of usage errors, through the real
command line.

A bad file is never fatal: it is a row with an ``error`` (no values), one stderr
line with its path and reason, and exit status 3 (0 with ``--skip-bad``); no output
ever holds a traceback. Usage errors exit 2 and say what was wrong. Hostile file
names (commas, quotes, newlines, a leading ``=``) survive CSV and JSON.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_support import csv_rows, run_imgsim, save_image
from conftest import CliResult, CliRunnerFn
from extract_support import Mixed, build_good, build_mixed, photo, reported

from imgsim.features import FEATURES


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """good/ with three small readable images, for the usage errors."""
    return build_good(tmp_path_factory.mktemp("good"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files that the module's runs write (each run a name of its own)."""
    return tmp_path_factory.mktemp("scratch")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Mixed:
    """mixed/ with valid images and every kind of bad file (extract_support.build_mixed)."""
    return build_mixed(tmp_path_factory.mktemp("mixed"))


@pytest.fixture
def mixed_csv(cli_once: CliRunnerFn, mixed: Mixed) -> CliResult:
    return cli_once("extract", mixed[0], "-f", "phash", "--format", "csv")


@pytest.fixture
def mixed_skip_bad(cli_once: CliRunnerFn, mixed: Mixed) -> CliResult:
    return cli_once("extract", mixed[0], "-f", "phash", "--format", "csv", "--skip-bad")


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

    lines = reported(mixed_csv.stderr)
    matched = [
        path
        for path, reason in bad.items()
        for line in lines
        if line.startswith(f"{path}: {reason}")
    ]
    assert sorted(matched) == sorted(bad)


def test_mixed_folder_reports_one_stderr_line_per_bad_file(
    mixed: Mixed, mixed_csv: CliResult
) -> None:
    _, _, bad = mixed

    assert len(reported(mixed_csv.stderr)) == len(bad)


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


@pytest.mark.parametrize("column", ["phash", "width"])
def test_mixed_folder_json_error_rows_hold_null_values(
    cli_once: CliRunnerFn, mixed: Mixed, column: str
) -> None:
    rows = _json_error_rows(cli_once, mixed).values()

    assert all(row[column] is None for row in rows)


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
        save_image(folder / name, photo(24 + index, 16))
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
    save_image(tmp_path / "good.png", photo(24, 16))
    (tmp_path / "bad\nname.png").write_bytes(b"")

    result = cli("extract", tmp_path, "-f", "ahash", "--format", "csv")

    assert reported(result.stderr) == [f"{tmp_path}/bad\\nname.png: empty file (0 bytes)"]
