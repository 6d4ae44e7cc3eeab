"""``imgsim compare --gate`` and the exit statuses of ``imgsim compare``, through the
real command line.

A gate on each row (``ssim>=0.9``) or on an aggregate (``mean(ssim)>=0.92``) that
fails exits 1 and names the failing rows; a malformed gate, or one on a metric not
computed, is a usage error (exit 2) that prints no rows; a file that cannot be read
is a row with an error and exit 3, unless a gate failed (1) or ``--skip-bad``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import RGB, csv_rows
from compare_support import build_folders
from conftest import CliRunnerFn


@pytest.fixture
def folders(tmp_path: Path, photos: dict[str, RGB]) -> tuple[Path, Path]:
    """gen/ and ref/: two pairs and three loners (compare_support.build_folders)."""
    return build_folders(tmp_path, photos)


@pytest.fixture
def cat_pair(folders: tuple[Path, Path]) -> tuple[Path, Path]:
    """gen/cat.png and its partner ref/cat.jpg, a JPEG of the same photograph."""
    gen, ref = folders
    return gen / "cat.png", ref / "cat.jpg"


@pytest.fixture
def identical_pair(folders: tuple[Path, Path]) -> tuple[Path, Path]:
    """gen/sub/dog.png and its identical partner ref/sub/dog.png."""
    gen, ref = folders
    return gen / "sub" / "dog.png", ref / "sub" / "dog.png"


@pytest.fixture
def unreadable(tmp_path: Path) -> Path:
    """A text file named like a PNG."""
    path = tmp_path / "broken.png"
    path.write_text("this is not an image")
    return path


# --------------------------------------------------------------------------- gates


def test_a_bare_gate_that_holds_on_every_row_exits_0(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    result = cli("compare", *folders, "-m", "ssim", "--gate", "ssim>=0.5")

    assert result.exit_code == 0


def test_a_bare_gate_that_fails_exits_1(cli: CliRunnerFn, folders: tuple[Path, Path]) -> None:
    result = cli("compare", *folders, "-m", "ssim", "--gate", "ssim>=0.999")

    assert result.exit_code == 1


def test_a_bare_gate_that_fails_lists_the_failing_rows(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders

    result = cli("compare", gen, ref, "-m", "ssim", "--gate", "ssim>=0.999")

    failing = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    pairs = [line.split(": ssim")[0] for line in failing]
    assert pairs == [f"{gen / 'cat.png'} vs {ref / 'cat.jpg'}"]


@pytest.mark.parametrize(
    ("gate", "exit_code"),
    [
        ("mean(ssim)>=0.999", 1),  # one pair is identical (1.0), the other a JPEG copy
        ("mean(ssim)>=0.5", 0),
        ("max(ssim)>=0.999", 0),
        ("max(psnr)<=1000", 1),  # identical images: psnr = inf
        ("min(phash)<=0", 0),
        ("min(psnr)<inf", 0),
        ("median(psnr)==inf", 0),
    ],
)
def test_aggregate_gates(
    cli: CliRunnerFn, folders: tuple[Path, Path], gate: str, exit_code: int
) -> None:
    result = cli("compare", *folders, "-m", "ssim,psnr,phash", "--gate", gate)

    assert result.exit_code == exit_code


def test_psnr_of_identical_images_passes_any_finite_lower_bound(
    cli: CliRunnerFn, identical_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *identical_pair, "-m", "psnr", "--gate", "psnr>=1000")

    assert result.exit_code == 0


def test_json_lists_the_rows_that_broke_a_gate(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders

    result = cli("compare", gen, ref, "-m", "ssim", "--gate", "ssim>=0.999", "--format", "json")

    gate = json.loads(result.stdout)["gates"][0]
    assert [(row["a"], row["b"]) for row in gate["failing_rows"]] == [
        (str(gen / "cat.png"), str(ref / "cat.jpg"))
    ]


def test_a_gate_on_a_metric_not_computed_is_a_usage_error(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,psnr", "--gate", "mean(phash)<=4")

    assert result.exit_code == 2


def test_a_gate_on_a_metric_not_computed_lists_the_computed_ones(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,psnr", "--gate", "mean(phash)<=4")

    assert "computed: ssim, psnr" in result.stderr


MALFORMED_GATES = (
    "ssim",
    "ssim=>0.9",
    "ssim=0.9",
    "ssim>=high",
    "avg(ssim)>=0.9",
    "mean(ssim>=0.9",
    "ssim>=nan",
)


@pytest.mark.parametrize("gate", MALFORMED_GATES)
def test_a_malformed_gate_is_a_usage_error(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], gate: str
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim", "--gate", gate)

    assert result.exit_code == 2


@pytest.mark.parametrize("gate", MALFORMED_GATES)
def test_a_malformed_gate_prints_no_rows(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], gate: str
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim", "--gate", gate)

    assert result.stdout == ""


def test_a_failing_gate_wins_over_an_unreadable_input(
    cli: CliRunnerFn, folders: tuple[Path, Path], unreadable: Path
) -> None:
    gen, ref = folders
    (gen / "cat.png").write_bytes(unreadable.read_bytes())

    result = cli("compare", gen, ref, "-m", "ssim", "--gate", "ssim>=1.5")

    assert result.exit_code == 1


def test_an_unreadable_input_exits_3(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim")

    assert result.exit_code == 3


def test_an_unreadable_input_is_named_on_stderr(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim")

    assert f"{unreadable}: not an image" in result.stderr


def test_an_unreadable_input_is_a_row_without_scores(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim")

    assert csv_rows(result.stdout)[0]["ssim"] == ""


def test_an_unreadable_input_is_a_row_with_an_error_naming_the_file(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim")

    assert csv_rows(result.stdout)[0]["error"].startswith(f"{unreadable}: ")


def test_skip_bad_turns_an_unreadable_input_into_exit_0(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim", "--skip-bad")

    assert result.exit_code == 0


@pytest.mark.parametrize(("gate", "exit_code"), [("ssim>=0.5", 0), ("ssim>=0.999", 1)])
def test_gates_on_folders_with_unmatched_files_judge_only_the_pairs(
    cli: CliRunnerFn, folders: tuple[Path, Path], gate: str, exit_code: int
) -> None:
    result = cli("compare", *folders, "-m", "ssim", "--gate", gate)

    assert result.exit_code == exit_code
