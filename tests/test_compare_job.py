"""The library call behind ``imgsim compare`` (pairs): imgsim.jobs.compare."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgsim.errors import UsageError
from imgsim.jobs.compare import PairComparison, compare_inputs, parse_compare_gates
from imgsim.metrics import parse_pair_metrics
from imgsim.pairs import CompareOptions, Pairing, PairResult


def _save(path: Path, seed: int, size: tuple[int, int] = (48, 40)) -> Path:
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """gen/ and ref/ with two pairs (cat, dog) and one file without a partner (gen/owl)."""
    gen, ref = tmp_path / "gen", tmp_path / "ref"
    for seed, name in enumerate(("cat", "dog")):
        _save(gen / f"{name}.png", seed)
        _save(ref / f"{name}.png", seed + 10)
    _save(gen / "owl.png", 99)
    return gen, ref


def _options(*names: str) -> CompareOptions:
    return CompareOptions(metrics=tuple(parse_pair_metrics(list(names))))


def _comparison(folders: tuple[Path, Path], *gates: str) -> PairComparison:
    options = _options("ssim", "phash")
    return compare_inputs(*folders, options, parse_compare_gates(list(gates), options))


def test_rows_name_each_pair_in_path_order(folders: tuple[Path, Path]) -> None:
    rows = list(_comparison(folders).rows())
    assert [Path(row["a"]).name for row in rows] == ["cat.png", "dog.png"]


def test_a_row_has_the_pair_each_score_and_error_as_columns(folders: tuple[Path, Path]) -> None:
    row = next(_comparison(folders).rows())
    assert list(row) == ["a", "b", "ssim", "phash", "error"]


def test_the_row_columns_are_the_pair_the_scores_and_error(folders: tuple[Path, Path]) -> None:
    assert _comparison(folders).row_columns == ["a", "b", "ssim", "phash", "error"]


def test_on_pairing_sees_the_file_without_a_partner(folders: tuple[Path, Path]) -> None:
    seen: list[Pairing] = []
    compare_inputs(*folders, _options("ssim"), on_pairing=seen.append)
    assert [path.name for path in seen[0].unmatched_a] == ["owl.png"]


def test_inputs_without_a_single_pair_raise_a_usage_error(tmp_path: Path) -> None:
    gen = _save(tmp_path / "gen" / "cat.png", 0).parent
    ref = _save(tmp_path / "ref" / "dog.png", 1).parent
    with pytest.raises(UsageError, match="no pairs"):
        compare_inputs(gen, ref, _options("ssim"))


def test_on_result_sees_each_pair_as_its_row_is_drawn(folders: tuple[Path, Path]) -> None:
    seen: list[PairResult] = []
    rows = _comparison(folders).rows(on_result=seen.append)
    next(rows)
    assert len(seen) == 1


def test_the_summary_holds_the_mean_of_each_column(folders: tuple[Path, Path]) -> None:
    comparison = _comparison(folders)
    rows = list(comparison.rows())
    assert comparison.summary()["phash"]["mean"] == np.mean([row["phash"] for row in rows])


def test_the_unmatched_gate_fails_on_a_file_without_a_partner(
    folders: tuple[Path, Path],
) -> None:
    comparison = _comparison(folders, "unmatched==0")
    list(comparison.rows())
    assert comparison.verdicts()[0].value == 1


def test_a_bare_gate_lists_the_rows_that_break_it(folders: tuple[Path, Path]) -> None:
    comparison = _comparison(folders, "ssim>=2")
    list(comparison.rows())
    assert len(comparison.verdicts()[0].failing_rows) == 2


def test_pairs_with_every_metric_are_counted_as_scored(folders: tuple[Path, Path]) -> None:
    comparison = _comparison(folders)
    list(comparison.rows())
    assert comparison.counts.scored == 2


def test_a_pair_of_different_sizes_is_counted_as_partial(tmp_path: Path) -> None:
    a = _save(tmp_path / "a.png", 0, (48, 40))
    b = _save(tmp_path / "b.png", 1, (40, 48))
    comparison = compare_inputs(a, b, _options("ssim", "phash"))
    list(comparison.rows())
    assert comparison.counts.partial == 1


@pytest.fixture
def unreadable_pair(tmp_path: Path) -> tuple[Path, Path]:
    broken = tmp_path / "broken.png"
    broken.write_text("not an image")
    return broken, _save(tmp_path / "b.png", 1)


def test_an_unreadable_pair_is_counted(unreadable_pair: tuple[Path, Path]) -> None:
    comparison = compare_inputs(*unreadable_pair, _options("ssim"))
    list(comparison.rows())
    assert comparison.counts.unreadable == 1


def test_an_unreadable_pair_has_its_reason_in_error(unreadable_pair: tuple[Path, Path]) -> None:
    row = next(compare_inputs(*unreadable_pair, _options("ssim")).rows())
    assert "broken.png" in row["error"]


def test_skip_bad_leaves_out_the_row_of_an_unreadable_pair(
    unreadable_pair: tuple[Path, Path],
) -> None:
    comparison = compare_inputs(*unreadable_pair, _options("ssim"))
    assert list(comparison.rows(skip_bad=True)) == []
