"""The feature store from the user's side: hits, misses, commands, and the engine's order."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgsim.engine import ExtractOptions, extract_files
from imgsim.features import FeatureParams
from imgsim.store import COMMIT_EVERY_IMAGES, FeatureStore
from tests.conftest import CliRunnerFn

FEATURES = "phash,dhash,ahash,whash,color_hist,thumb"


@pytest.fixture
def folder(tmp_path: Path, photos: dict[str, np.ndarray]) -> Path:
    """A few real photographs, as PNG and JPEG, in nested folders."""
    root = tmp_path / "images"
    (root / "nested").mkdir(parents=True)
    for index, (name, pixels) in enumerate(sorted(photos.items())):
        image = Image.fromarray(pixels[:300, :300])
        if index % 2:
            image.save(root / "nested" / f"{name}.jpg", quality=90)
        else:
            image.save(root / f"{name}.png")
    return root


def _summary(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_a_rerun_takes_everything_from_the_store_and_prints_the_same(
    cli: CliRunnerFn, folder: Path
) -> None:
    first = cli("extract", folder, "-f", FEATURES, "--format", "csv")
    second = cli("extract", folder, "-f", FEATURES, "--format", "csv")
    count = len(first.stdout.splitlines()) - 1
    assert (second.stdout, _summary(second.stderr)) == (
        first.stdout,
        f"imgsim: {count} images: 0 computed, {count} from the store, 0 unreadable",
    )


def test_results_with_the_store_equal_results_without_it(cli: CliRunnerFn, folder: Path) -> None:
    cli("extract", folder, "-f", FEATURES, "--format", "csv")
    stored = cli("extract", folder, "-f", FEATURES, "--format", "json")
    fresh = cli("extract", folder, "-f", FEATURES, "--format", "json", "--no-cache")
    assert json.loads(stored.stdout) == json.loads(fresh.stdout)


def test_a_copied_folder_is_found_by_content(
    cli: CliRunnerFn, folder: Path, tmp_path: Path
) -> None:
    cli("extract", folder, "-f", "phash,color_hist", "--format", "csv")
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    result = cli("extract", copy, "-f", "phash,color_hist", "--format", "csv")
    count = len(result.stdout.splitlines()) - 1
    assert f"0 computed, {count} from the store" in _summary(result.stderr)


def test_a_changed_file_is_computed_again(cli: CliRunnerFn, folder: Path) -> None:
    cli("extract", folder, "-f", "phash", "--format", "csv")
    changed = next(folder.glob("*.png"))
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(changed)
    result = cli("extract", folder, "-f", "phash", "--format", "csv")
    row = next(line for line in result.stdout.splitlines() if line.startswith(str(changed)))
    assert ("1 computed" in _summary(result.stderr), row.split(",")[3]) == (True, "0" * 16)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("-f", "phash"), ("-f", "phash", "--hash-size", "16")),
        (("-f", "color_hist"), ("-f", "color_hist", "--bins", "4")),
        (("-f", "phash"), ("-f", "dhash")),
        (("-f", "thumb"), ("-f", "thumb", "--size", "64")),
    ],
)
def test_another_option_or_feature_is_computed_never_served_stale(
    cli: CliRunnerFn, folder: Path, first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    cli("extract", folder, *first, "--format", "csv")
    stored = cli("extract", folder, *second, "--format", "csv")
    fresh = cli("extract", folder, *second, "--format", "csv", "--no-cache")
    assert (" 0 from the store" in _summary(stored.stderr), stored.stdout) == (True, fresh.stdout)


def test_unreadable_files_are_not_stored_and_are_reported_again(
    cli: CliRunnerFn, folder: Path
) -> None:
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    first = cli("extract", folder, "-f", "phash", "--format", "csv")
    second = cli("extract", folder, "-f", "phash", "--format", "csv")
    assert (first.exit_code, second.exit_code, "broken.png" in second.stderr) == (3, 3, True)
    assert _summary(second.stderr).endswith("0 computed, 9 from the store, 1 unreadable")


# --------------------------------------------------------------------------- engine


def _results(
    paths: list[Path], store: FeatureStore | None, workers: int, chunk: int
) -> list[tuple[str, int | None, int | None, dict[str, list[float]]]]:
    options = ExtractOptions(("phash", "color_hist", "thumb"), FeatureParams())
    results = extract_files(paths, options, workers=workers, chunk_size=chunk, store=store)
    return [
        (str(r.path), r.width, r.height, {k: v.tolist() for k, v in r.features.items()})
        for r in results
    ]


def test_results_do_not_depend_on_workers_chunks_or_the_store(folder: Path, tmp_path: Path) -> None:
    paths = sorted(folder.rglob("*.*"))
    expected = _results(paths, None, 1, 4)
    outcomes = []
    for workers, chunk in ((1, 1), (2, 1), (2, 3), (1, 100)):
        with FeatureStore(tmp_path / f"store-{workers}-{chunk}.sqlite") as store:
            cold = _results(paths, store, workers, chunk)
        with FeatureStore(tmp_path / f"store-{workers}-{chunk}.sqlite") as store:
            warm = _results(paths, store, workers, chunk)
        outcomes += [cold, warm]
    assert outcomes == [expected] * 8


def test_a_hundred_images_are_committed_before_the_run_ends(tmp_path: Path) -> None:
    images = tmp_path / "many"
    images.mkdir()
    rng = np.random.default_rng(0)
    for index in range(COMMIT_EVERY_IMAGES + 20):
        Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)).save(
            images / f"{index:03d}.png"
        )
    paths = sorted(images.iterdir())
    store = FeatureStore(tmp_path / "store.sqlite")
    results = extract_files(paths, ExtractOptions(("phash",)), workers=1, store=store)
    for _ in range(COMMIT_EVERY_IMAGES + 1):
        next(results)
    connection = sqlite3.connect(tmp_path / "store.sqlite")
    committed = connection.execute("SELECT count(*) FROM features").fetchone()[0]
    connection.close()
    store.close()
    assert committed >= COMMIT_EVERY_IMAGES


def test_a_pending_entry_is_committed_once_it_is_a_second_old(folder: Path, tmp_path: Path) -> None:
    store = FeatureStore(tmp_path / "store.sqlite")
    paths = sorted(folder.rglob("*.png"))[:1]
    list(extract_files(paths, ExtractOptions(("phash",)), workers=1, store=store))
    before = _count(tmp_path / "store.sqlite")
    time.sleep(1.05)
    store.flush_if_due()
    after = _count(tmp_path / "store.sqlite")
    store.close()
    assert (before, after) == (0, 1)


def _count(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT count(*) FROM features").fetchone()[0])
    finally:
        connection.close()


# --------------------------------------------------------------------------- cache commands


def test_cache_info_counts_entries_per_feature(
    cli: CliRunnerFn, folder: Path, isolated_store: Path
) -> None:
    cli("extract", folder, "-f", "phash,color_hist", "--format", "csv")
    info = json.loads(cli("cache", "info", "--format", "json").stdout)
    count = len(list(folder.rglob("*.*")))
    assert (info["location"], info["files"], info["features"]["phash"]["entries"]) == (
        str(isolated_store),
        count,
        count,
    )


def test_cache_clear_of_one_feature_keeps_the_others(cli: CliRunnerFn, folder: Path) -> None:
    cli("extract", folder, "-f", "phash,color_hist", "--format", "csv")
    cli("cache", "clear", "-f", "color_hist")
    info = json.loads(cli("cache", "info", "--format", "json").stdout)
    assert list(info["features"]) == ["phash"]


def test_cache_clear_deletes_the_database_files(
    cli: CliRunnerFn, folder: Path, isolated_store: Path
) -> None:
    cli("extract", folder, "-f", "phash", "--format", "csv")
    result = cli("cache", "clear")
    left = list(isolated_store.parent.glob(isolated_store.name + "*"))
    assert (result.exit_code, left) == (0, [])


def test_cache_prune_forgets_deleted_files_and_their_features(
    cli: CliRunnerFn, folder: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    Image.fromarray(np.full((32, 32, 3), 7, np.uint8)).save(other / "kept.png")
    cli("extract", folder, other, "-f", "phash", "--format", "csv")
    gone = next(folder.glob("*.png"))
    gone.unlink()
    result = cli("cache", "prune", folder)
    info = json.loads(cli("cache", "info", "--format", "json").stdout)
    count = len(list(folder.rglob("*.*"))) + 1
    assert (result.exit_code, "1 files forgotten, 1 feature entries removed" in result.stderr) == (
        0,
        True,
    )
    assert (info["files"], info["features"]["phash"]["entries"]) == (count, count)


def test_cache_info_without_a_store_names_the_path(cli: CliRunnerFn, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite"
    result = cli("cache", "info", "--cache", missing)
    assert (result.exit_code, result.stderr) == (2, f"imgsim: no feature store at {missing}\n")


def test_no_cache_leaves_no_store_behind(
    cli: CliRunnerFn, folder: Path, isolated_store: Path
) -> None:
    cli("extract", folder, "-f", "phash", "--format", "csv", "--no-cache")
    assert not isolated_store.exists()
