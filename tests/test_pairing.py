"""Complete or partial pairing on purpose, through ``python -m imgsim compare``.

A run-level gate ``unmatched==0`` requires every file of two folders to have a
partner; a pair that one pixel metric cannot score keeps its other metrics, with
the reason for the missing one in ``error``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_support import RGB, csv_rows, run_imgsim, save_image


def _noise(seed: int, width: int = 64, height: int = 48) -> RGB:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.fixture
def one_loner(tmp_path: Path) -> tuple[Path, Path]:
    """gen/ and ref/ with two pairs; gen/lonely.png has no partner."""
    gen, ref = tmp_path / "gen", tmp_path / "ref"
    for seed, name in enumerate(("cat", "dog")):
        save_image(gen / f"{name}.png", _noise(seed))
        save_image(ref / f"{name}.png", _noise(seed))
    save_image(gen / "lonely.png", _noise(9))
    return gen, ref


@pytest.fixture
def all_paired(tmp_path: Path) -> tuple[Path, Path]:
    gen, ref = tmp_path / "gen", tmp_path / "ref"
    for seed, name in enumerate(("cat", "dog")):
        save_image(gen / f"{name}.png", _noise(seed))
        save_image(ref / f"{name}.jpg", _noise(seed))
    return gen, ref


# --------------------------------------------------------------------------- unmatched


def test_unmatched_gate_fails_with_exit_1_when_one_file_lacks_a_partner(
    one_loner: tuple[Path, Path],
) -> None:
    result = run_imgsim("compare", *one_loner, "-m", "ssim", "--gate", "unmatched==0")

    assert result.returncode == 1


def test_a_failed_unmatched_gate_is_reported_on_stderr_with_the_count(
    one_loner: tuple[Path, Path],
) -> None:
    result = run_imgsim("compare", *one_loner, "-m", "ssim", "--gate", "unmatched==0")

    assert "imgsim: gate FAILED: unmatched==0 (unmatched = 1)\n" in result.stderr


def test_unmatched_gate_passes_when_every_file_has_a_partner(
    all_paired: tuple[Path, Path],
) -> None:
    result = run_imgsim("compare", *all_paired, "-m", "ssim", "--gate", "unmatched==0")

    assert result.returncode == 0


@pytest.mark.parametrize(("gate", "exit_code"), [("unmatched<=2", 0), ("unmatched<=1", 1)])
def test_unmatched_counts_the_loners_of_both_folders(
    one_loner: tuple[Path, Path], gate: str, exit_code: int
) -> None:
    gen, ref = one_loner
    save_image(ref / "stray.png", _noise(10))

    result = run_imgsim("compare", gen, ref, "-m", "ssim", "--gate", gate)

    assert result.returncode == exit_code


def test_unmatched_counts_a_file_skipped_for_a_shared_name_stem(
    all_paired: tuple[Path, Path],
) -> None:
    gen, ref = all_paired
    save_image(gen / "cat.bmp", _noise(0))  # gen/cat.bmp and gen/cat.png both claim ref/cat.jpg

    result = run_imgsim("compare", gen, ref, "-m", "ssim", "--gate", "unmatched==0")

    assert result.returncode == 1


def test_a_failed_unmatched_gate_is_in_json_gates_with_its_value(
    one_loner: tuple[Path, Path],
) -> None:
    result = run_imgsim(
        "compare", *one_loner, "-m", "ssim", "--gate", "unmatched==0", "--format", "json"
    )

    assert json.loads(result.stdout)["gates"] == [
        {"gate": "unmatched==0", "passed": False, "value": 1, "failing_rows": []}
    ]


def test_an_aggregate_of_unmatched_is_a_usage_error_that_says_how_to_gate_it(
    one_loner: tuple[Path, Path],
) -> None:
    result = run_imgsim("compare", *one_loner, "-m", "ssim", "--gate", "max(unmatched)==0")

    assert result.stderr.splitlines()[-1] == (
        "imgsim: --gate 'max(unmatched)==0': unmatched is one number for the whole run, "
        'not a column; gate it without an aggregate, e.g. "unmatched==0"'
    )


def test_compare_help_documents_the_unmatched_gate() -> None:
    result = run_imgsim("compare", "--help")

    assert "unmatched==0" in result.stdout


# --------------------------------------------------------------------------- partial rows


@pytest.fixture
def different_sizes(tmp_path: Path) -> tuple[Path, Path]:
    a = save_image(tmp_path / "wide.png", _noise(1, 64, 48))
    b = save_image(tmp_path / "short.png", _noise(2, 64, 40))
    return a, b


def test_a_pair_of_different_sizes_keeps_phash(different_sizes: tuple[Path, Path]) -> None:
    alone = csv_rows(run_imgsim("compare", *different_sizes, "-m", "phash").stdout)[0]

    partial = csv_rows(run_imgsim("compare", *different_sizes, "-m", "ssim,phash").stdout)[0]

    assert partial["phash"] == alone["phash"]


def test_a_pair_of_different_sizes_has_the_ssim_reason_in_error(
    different_sizes: tuple[Path, Path],
) -> None:
    a, b = different_sizes

    row = csv_rows(run_imgsim("compare", a, b, "-m", "ssim,phash").stdout)[0]

    assert row["error"] == (
        f"{a} is 64x48, {b} is 64x40: ssim not computed, "
        "pixel metrics need equal sizes (use --resize to resize B to A's size)"
    )


@pytest.fixture
def small_pair(tmp_path: Path) -> tuple[Path, Path]:
    """64 x 64: too small for iw_ssim (five scales of an 11 x 11 window), fine for psnr."""
    a = _noise(3, 64, 64)
    b = np.clip(a.astype(np.int16) + 9, 0, 255).astype(np.uint8)
    return save_image(tmp_path / "a.png", a), save_image(tmp_path / "b.png", b)


def test_a_pair_too_small_for_iw_ssim_keeps_psnr(small_pair: tuple[Path, Path]) -> None:
    alone = csv_rows(run_imgsim("compare", *small_pair, "-m", "psnr").stdout)[0]

    partial = csv_rows(run_imgsim("compare", *small_pair, "-m", "iw_ssim,psnr").stdout)[0]

    assert partial["psnr"] == alone["psnr"]


@pytest.fixture
def one_odd_size(all_paired: tuple[Path, Path]) -> tuple[Path, Path]:
    """Two identical pairs (phash 0) and gen/odd.png against a different, shorter image."""
    gen, ref = all_paired
    save_image(gen / "odd.png", _noise(5, 64, 48))
    save_image(ref / "odd.png", _noise(6, 64, 40))
    return gen, ref


def test_a_partial_row_is_checked_by_the_gates_of_its_values_only(
    one_odd_size: tuple[Path, Path],
) -> None:
    result = run_imgsim(
        "compare",
        *one_odd_size,
        "-m",
        "ssim,phash",
        "--gate",
        "ssim>=0.5",
        "--gate",
        "max(phash)<=4",
        "--format",
        "json",
    )

    verdicts = [(gate["gate"], gate["passed"]) for gate in json.loads(result.stdout)["gates"]]
    assert verdicts == [("ssim>=0.5", True), ("max(phash)<=4", False)]


def test_a_bare_gate_on_a_value_of_a_partial_row_fails_on_it(
    one_odd_size: tuple[Path, Path],
) -> None:
    result = run_imgsim("compare", *one_odd_size, "-m", "ssim,phash", "--gate", "phash<=4")

    assert result.returncode == 1


# --------------------------------------------------------------------------- small things


def test_an_unknown_aggregate_is_named_with_the_valid_ones(
    all_paired: tuple[Path, Path],
) -> None:
    result = run_imgsim("compare", *all_paired, "-m", "ssim", "--gate", "p10(ssim)>=0.5")

    assert result.stderr == (
        "imgsim: --gate 'p10(ssim)>=0.5': unknown aggregate 'p10'; "
        "use one of mean, min, max, median\n"
    )


def test_one_pair_is_summarised_in_the_singular(all_paired: tuple[Path, Path]) -> None:
    gen, ref = all_paired

    result = run_imgsim("compare", gen / "cat.png", ref / "cat.jpg", "-m", "ssim")

    assert result.stderr.splitlines()[-1] == "imgsim: 1 pair scored, 0 files without a partner"


def test_one_file_without_a_partner_is_summarised_in_the_singular(
    one_loner: tuple[Path, Path],
) -> None:
    result = run_imgsim("compare", *one_loner, "-m", "ssim")

    assert result.stderr.splitlines()[-1] == "imgsim: 2 pairs scored, 1 file without a partner"


def test_a_one_pair_table_has_one_summary_row(all_paired: tuple[Path, Path]) -> None:
    gen, ref = all_paired

    result = run_imgsim(
        "compare", gen / "cat.png", ref / "cat.jpg", "-m", "ssim", "--format", "table"
    )

    lines = result.stdout.rstrip("\n").splitlines()
    rule = next(index for index, line in enumerate(lines) if line.lstrip().startswith("─"))
    assert [line.split()[0] for line in lines[rule + 1 :]] == ["summary"]
