"""The engine with a store (library calls): results do not depend on workers, chunk
size or the store, and new features are committed while the run goes on."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from store_support import (
    committed_images,
    committed_so_far,
    nine_photos,
)

from imgsim.engine import ExtractOptions, ImageResult, extract_files
from imgsim.errors import worded
from imgsim.store import COMMIT_EVERY_IMAGES, FeatureStore
from imgsim.store_maintenance import clear_store


@pytest.fixture
def images(tmp_path: Path, photos: dict[str, np.ndarray]) -> Path:
    """Nine small real photographs: PNGs at the top, JPEGs in a subfolder."""
    return nine_photos(tmp_path / "images", photos)


Snapshot = tuple[str, int | None, int | None, str | None, dict[str, tuple[str, bytes]]]


def _snapshot(results: Iterable[ImageResult]) -> list[Snapshot]:
    """Everything a result says, vectors to the byte (dtype and shape included)."""
    return [
        (
            str(result.path),
            result.width,
            result.height,
            result.error,
            {
                name: (f"{value.dtype.str}{value.shape}", np.ascontiguousarray(value).tobytes())
                for name, value in result.features.items()
            },
        )
        for result in results
    ]


# --------------------------------------------------------------------------- the engine


ENGINE_OPTIONS = ExtractOptions(("phash", "whash", "color_hist", "thumb"))


def _image_paths(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.mark.parametrize(("workers", "chunk_size"), [(1, 1), (1, 4), (2, 1), (2, 3)])
def test_results_do_not_depend_on_workers_chunk_size_or_the_store(
    images: Path, tmp_path: Path, workers: int, chunk_size: int
) -> None:
    paths = _image_paths(images)
    expected = _snapshot(extract_files(paths, ENGINE_OPTIONS, workers=1, chunk_size=1))
    store_path = tmp_path / "store.sqlite"

    with FeatureStore(store_path) as store:
        cold = _snapshot(
            extract_files(
                paths, ENGINE_OPTIONS, workers=workers, chunk_size=chunk_size, store=store
            )
        )
    with FeatureStore(store_path) as store:
        warm = _snapshot(
            extract_files(
                paths, ENGINE_OPTIONS, workers=workers, chunk_size=chunk_size, store=store
            )
        )

    assert cold == expected
    assert warm == expected


def test_a_batch_of_a_hundred_is_committed_while_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(COMMIT_EVERY_IMAGES + 30):
        pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{index:03d}.png")
    store_path = tmp_path / "store.sqlite"
    store = FeatureStore(store_path)
    results = extract_files(
        _image_paths(folder), ExtractOptions(("phash",)), workers=1, store=store
    )

    try:
        for _ in range(COMMIT_EVERY_IMAGES + 1):
            next(results)
        committed = committed_images(store_path)
        list(results)  # the run ends before its store is closed
    finally:
        store.close()

    assert committed >= COMMIT_EVERY_IMAGES


def _release_when_committed(
    fifo: Path, store: Path, count: int, data: bytes, seen: list[int]
) -> None:
    """Wait (up to 30 s) until ``count`` images are committed, note what was committed,
    then feed ``data`` to the worker that is blocked reading ``fifo``."""
    deadline = time.monotonic() + 30
    committed = committed_so_far(store)
    while committed < count and time.monotonic() < deadline:
        time.sleep(0.05)
        committed = committed_so_far(store)
    seen.append(committed)
    while True:
        try:  # succeeds once the reader has the FIFO open
            descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:
            if time.monotonic() > deadline + 30:
                raise
            time.sleep(0.05)
    os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)


def test_results_already_in_are_committed_within_seconds_while_a_worker_is_busy(
    images: Path, tmp_path: Path
) -> None:
    """The third file is a FIFO, so its worker blocks until the test writes to it: the
    two results before it must reach the store meanwhile, with the run still going."""
    first_two = sorted(images.glob("*.png"))[:2]
    fifo = tmp_path / "slow.png"
    os.mkfifo(fifo)
    store_path = tmp_path / "store.sqlite"
    seen: list[int] = []
    feeder = threading.Thread(
        target=_release_when_committed,
        args=(fifo, store_path, 2, first_two[0].read_bytes(), seen),
        daemon=True,
    )
    feeder.start()

    with FeatureStore(store_path) as store:
        results = list(
            extract_files(
                [*first_two, fifo], ExtractOptions(("phash",)), workers=2, chunk_size=1, store=store
            )
        )

    feeder.join(timeout=60)
    assert seen == [2]
    assert [result.error for result in results] == [None, None, None]


def test_a_run_after_clearing_the_store_computes_everything_again(
    images: Path, tmp_path: Path
) -> None:
    paths = _image_paths(images)
    store_path = tmp_path / "store.sqlite"
    options = ExtractOptions(("phash",))
    with FeatureStore(store_path) as store:
        list(extract_files(paths, options, workers=1, store=store))
    clear_store(store_path)

    with FeatureStore(store_path) as store:
        stored = [result.stored for result in extract_files(paths, options, workers=1, store=store)]

    assert stored == [False] * len(paths)


def test_a_reason_from_a_worker_keeps_its_argument_for_other_interfaces(images: Path) -> None:
    options = ExtractOptions(features=("phash",), max_pixels=100)

    results = list(extract_files(_image_paths(images), options, workers=2, chunk_size=1))
    flagged = worded(results[-1].error or "", lambda argument: "--max-pixels")

    assert flagged.endswith(" exceeds --max-pixels 100")
