"""``imgsim cache info|clear|prune`` on real stores."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CliRunnerFn
from store_support import (
    FEATURES,
    count_images,
    expected_summary,
    nine_photos,
    small_photo,
    summary,
    wal_and_shm,
)


@pytest.fixture
def images(tmp_path: Path, photos: dict[str, np.ndarray]) -> Path:
    """Nine small real photographs: PNGs at the top, JPEGs in a subfolder."""
    return nine_photos(tmp_path / "images", photos)


# --------------------------------------------------------------------------- cache commands


def _bytes_on_disk(store: Path) -> int:
    return sum(path.stat().st_size for path in [store, *wal_and_shm(store)] if path.exists())


def test_cache_info_json_is_the_common_object_with_a_row_per_feature_and_the_store(
    cli: CliRunnerFn, images: Path, isolated_store: Path
) -> None:
    count = count_images(images)
    cli("extract", images, "-f", FEATURES, "--format", "csv")

    result = cli("cache", "info", "--format", "json")

    assert json.loads(result.stdout) == {
        "rows": [
            {"feature": "color_hist", "entries": count, "bytes": count * 8**3 * 4},  # float32
            {"feature": "phash", "entries": count, "bytes": count * 64 // 8},  # 64 bits
        ],
        "summary": {},
        "gates": [],
        "store": {
            "location": str(isolated_store),
            "bytes": _bytes_on_disk(isolated_store),
            "files": count,
            "images": count,
        },
    }


def test_cache_clear_of_one_feature_keeps_the_others(
    cli: CliRunnerFn, images: Path, isolated_store: Path
) -> None:
    count = count_images(images)
    cli("extract", images, "-f", FEATURES, "--format", "csv")

    cleared = cli("cache", "clear", "-f", "color_hist")

    info = json.loads(cli("cache", "info", "--format", "json").stdout)
    assert cleared.stderr == (
        f"imgsim: cleared color_hist entries at {isolated_store}: {count} feature entries removed\n"
    )
    assert info["rows"] == [{"feature": "phash", "entries": count, "bytes": count * 8}]


def test_cache_clear_deletes_the_database_with_its_wal_and_shm(
    cli: CliRunnerFn, images: Path, isolated_store: Path
) -> None:
    cli("extract", images, "-f", "phash", "--format", "csv")
    # A process that dies with the store open leaves -wal and -shm behind.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sqlite3, sys\n"
            "sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM features').fetchone()\n"
            "os._exit(0)",
            str(isolated_store),
        ],
        check=True,
        timeout=60,
    )
    files = [isolated_store, *wal_and_shm(isolated_store)]
    before = [path.name for path in files if path.exists()]

    result = cli("cache", "clear")

    after = [path.name for path in files if path.exists()]
    assert result.exit_code == 0
    assert before == [path.name for path in files]
    assert after == []


def test_cache_prune_forgets_deleted_files_but_keeps_content_still_in_use(
    cli: CliRunnerFn, tmp_path: Path, photos: dict[str, np.ndarray], isolated_store: Path
) -> None:
    pruned, kept = tmp_path / "pruned", tmp_path / "kept"
    pruned.mkdir()
    kept.mkdir()
    small_photo(photos["astronaut"]).save(pruned / "shared.png")
    small_photo(photos["chelsea"]).save(pruned / "only-here.png")
    small_photo(photos["coffee"]).save(kept / "other.png")
    shutil.copy(pruned / "shared.png", kept / "copy-of-shared.png")
    cli("extract", pruned, kept, "-f", "phash", "--format", "csv")
    for path in pruned.iterdir():
        path.unlink()

    result = cli("cache", "prune", pruned)

    info = json.loads(cli("cache", "info", "--format", "json").stdout)
    assert result.stderr == (
        f"imgsim: pruned {isolated_store}: 2 files forgotten, 1 feature entries removed\n"
    )
    assert info["store"]["files"] == 2
    assert info["store"]["images"] == 2
    assert info["rows"] == [{"feature": "phash", "entries": 2, "bytes": 16}]


def test_cache_prune_keeps_the_unchanged_files_of_the_pruned_folder(
    cli: CliRunnerFn, images: Path
) -> None:
    count = count_images(images)
    cli("extract", images, "-f", "phash", "--format", "csv")
    cli("cache", "prune", images)

    result = cli("extract", images, "-f", "phash", "--format", "csv")

    assert summary(result.stderr) == expected_summary(count, 0, count)


def test_cache_info_without_a_store_exits_2_naming_the_path(
    cli: CliRunnerFn, isolated_store: Path
) -> None:
    result = cli("cache", "info")

    assert result.exit_code == 2
    assert result.stderr == f"imgsim: no feature store at {isolated_store}\n"
