"""``imgsim quality``: the no-reference metrics of every image, through the command line.

Planted failures among real photographs are flagged by the README's gates and nothing
else is; each column is the metric's function on the pixels Pillow decodes (the
functions are tested against their references in tests/test_noref_*.py and
tests/test_piqe.py); the store, workers, formats and exit codes behave as for the other
commands.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from cli_support import RGB, csv_rows, pillow_rgb, save_image
from conftest import CliRunnerFn

from imgsim.metrics.noref_entries import BROKEN_GATES, DEFAULT_QUALITY_METRICS
from imgsim.metrics.registry import NO_REFERENCE_METRICS

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_images"
PLANTED = ("black", "white", "gray", "blurred", "noise")


def _failing_paths(result_stdout: str) -> set[str]:
    """The paths of the rows that some gate failed on, from JSON output."""
    gates = json.loads(result_stdout)["gates"]
    return {row["path"] for gate in gates for row in gate["failing_rows"]}


def _gate_arguments() -> list[str]:
    return [argument for gate in BROKEN_GATES for argument in ("--gate", gate)]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, photos: dict[str, RGB]) -> Path:
    """The nine test photographs as PNGs, and five broken frames among them."""
    folder = tmp_path_factory.mktemp("planted")
    for name, photo in photos.items():
        save_image(folder / f"{name}.png", photo)
    side = (384, 512, 3)
    save_image(folder / "black.png", np.zeros(side, np.uint8))
    save_image(folder / "white.png", np.full(side, 255, np.uint8))
    save_image(folder / "gray.png", np.full(side, 128, np.uint8))
    save_image(folder / "blurred.png", cv2.GaussianBlur(photos["coffee"], (0, 0), 8.0))
    noise = np.random.default_rng(0).integers(0, 256, side, dtype=np.uint8)
    save_image(folder / "noise.png", noise)
    return folder


def test_the_readme_gates_flag_exactly_the_planted_failures(
    cli_once: CliRunnerFn, planted: Path
) -> None:
    result = cli_once("quality", planted, "--format", "json", *_gate_arguments())

    assert _failing_paths(result.stdout) == {str(planted / f"{name}.png") for name in PLANTED}


def test_the_readme_gates_fail_the_run_with_planted_failures(
    cli_once: CliRunnerFn, planted: Path
) -> None:
    result = cli_once("quality", planted, "--format", "json", *_gate_arguments())

    assert result.exit_code == 1


def test_the_readme_gates_flag_exactly_the_broken_sample_images(cli_once: CliRunnerFn) -> None:
    folders = [SAMPLES / name for name in ("reference", "generated", "broken")]

    result = cli_once("quality", *folders, "--format", "json", *_gate_arguments())

    broken = {str(path) for path in (SAMPLES / "broken").glob("*.png")}
    assert _failing_paths(result.stdout) == broken


def test_the_readme_gates_pass_photographs(cli_once: CliRunnerFn, planted: Path) -> None:
    photographs = [path for path in planted.glob("*.png") if path.stem not in PLANTED]

    result = cli_once("quality", *sorted(photographs), *_gate_arguments())

    assert result.exit_code == 0


@pytest.fixture(scope="module")
def measured(cli_once: CliRunnerFn, planted: Path) -> dict[str, dict[str, str]]:
    """Every metric, piqe included, of the planted folder's images, by file name."""
    names = ",".join(NO_REFERENCE_METRICS)
    result = cli_once("quality", planted, "-m", names, "--format", "csv")
    return {Path(row["path"]).name: row for row in csv_rows(result.stdout)}


def _expected(name: str, pixels: RGB) -> dict[str, float]:
    value = NO_REFERENCE_METRICS[name].function(pixels)
    values = tuple(value) if isinstance(value, tuple) else (value,)
    return dict(zip(NO_REFERENCE_METRICS[name].outputs, map(float, values), strict=True))


@pytest.mark.parametrize("file", ["coffee.png", "camera.png", "noise.png", "black.png"])
@pytest.mark.parametrize("name", list(NO_REFERENCE_METRICS))
def test_each_column_is_the_metric_of_the_decoded_image(
    name: str, file: str, measured: dict[str, dict[str, str]], planted: Path
) -> None:
    expected = _expected(name, pillow_rgb(planted / file))

    printed = {column: float(measured[file][column]) for column in expected}

    assert printed == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_brightness_gives_its_mean_and_percentiles(cli_once: CliRunnerFn, planted: Path) -> None:
    result = cli_once("quality", planted / "coffee.png", "-m", "brightness", "--format", "csv")

    columns = list(csv_rows(result.stdout)[0])
    assert columns == [
        "path",
        "width",
        "height",
        *NO_REFERENCE_METRICS["brightness"].outputs,
        "error",
    ]


def test_without_metrics_every_cheap_metric_is_computed(
    cli_once: CliRunnerFn, planted: Path
) -> None:
    result = cli_once("quality", planted / "coffee.png", "--format", "csv")

    columns = list(csv_rows(result.stdout)[0])
    expected = [c for name in DEFAULT_QUALITY_METRICS for c in NO_REFERENCE_METRICS[name].outputs]
    assert columns == ["path", "width", "height", *expected, "error"]


def test_a_second_run_takes_the_values_from_the_store(cli: CliRunnerFn, planted: Path) -> None:
    cli("quality", planted / "coffee.png", planted / "noise.png")

    again = cli("quality", planted / "coffee.png", planted / "noise.png")

    assert "2 from the store" in again.stderr


def test_two_workers_give_the_rows_of_one(cli: CliRunnerFn, planted: Path) -> None:
    one = cli("quality", planted, "--workers", "1", "--no-cache", "--format", "csv")

    two = cli("quality", planted, "--workers", "2", "--no-cache", "--format", "csv")

    assert two.stdout == one.stdout


def test_an_unknown_metric_is_a_usage_error_naming_the_valid_ones(
    cli: CliRunnerFn, planted: Path
) -> None:
    result = cli("quality", planted, "-m", "crispness")

    assert "valid metrics: brightness, contrast" in result.stderr


def test_a_gate_on_a_column_not_computed_exits_2(cli: CliRunnerFn, planted: Path) -> None:
    result = cli("quality", planted, "-m", "contrast", "--gate", "sharpness>=4")

    assert result.exit_code == 2


@pytest.fixture
def with_a_broken_file(tmp_path: Path, photos: dict[str, RGB]) -> Path:
    save_image(tmp_path / "photo.png", photos["chelsea"])
    (tmp_path / "truncated.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return tmp_path


def test_an_unreadable_file_exits_3(cli: CliRunnerFn, with_a_broken_file: Path) -> None:
    result = cli("quality", with_a_broken_file, "-m", "contrast")

    assert result.exit_code == 3


def test_an_unreadable_file_keeps_its_row_with_the_reason(
    cli: CliRunnerFn, with_a_broken_file: Path
) -> None:
    result = cli("quality", with_a_broken_file, "-m", "contrast", "--format", "csv")

    rows = {Path(row["path"]).name: row for row in csv_rows(result.stdout)}
    assert rows["truncated.png"]["error"]


def test_skip_bad_leaves_the_unreadable_file_out(
    cli: CliRunnerFn, with_a_broken_file: Path
) -> None:
    result = cli("quality", with_a_broken_file, "-m", "contrast", "--skip-bad", "--format", "csv")

    assert [Path(row["path"]).name for row in csv_rows(result.stdout)] == ["photo.png"]


def test_json_output_summarises_each_column(cli_once: CliRunnerFn, planted: Path) -> None:
    result = cli_once("quality", planted, "--format", "json", *_gate_arguments())

    summary = json.loads(result.stdout)["summary"]
    assert summary["contrast"]["min"] == 0


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, photos: dict[str, RGB]) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pair")
    a = save_image(folder / "a.png", cv2.GaussianBlur(photos["astronaut"], (0, 0), 3.0))
    return a, save_image(folder / "b.png", photos["astronaut"])


@pytest.mark.parametrize("side", ["a", "b"])
def test_compare_reports_a_no_reference_metric_for_each_side(
    side: str, cli_once: CliRunnerFn, pair: tuple[Path, Path]
) -> None:
    result = cli_once("compare", *pair, "-m", "ssim,sharpness", "--format", "csv")

    image = pillow_rgb(pair[0] if side == "a" else pair[1])
    expected = NO_REFERENCE_METRICS["sharpness"].function(image)
    assert float(csv_rows(result.stdout)[0][f"{side}:sharpness"]) == pytest.approx(
        expected, rel=1e-6
    )


def test_compare_gates_on_one_side_of_a_no_reference_metric(
    cli: CliRunnerFn, pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *pair, "-m", "sharpness", "--gate", "a:sharpness>=1000000")

    assert result.exit_code == 1


@pytest.mark.parametrize("gate", BROKEN_GATES)
def test_the_readme_example_uses_the_tested_gates(gate: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    assert f'--gate "{gate}"' in readme.split("### Catching broken generations", 1)[1]
