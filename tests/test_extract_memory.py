"""Memory of ``extract --out``: bounded by a constant, not by the number of images.

A gallery is streamed to disk as results arrive (:meth:`imgsim.neighbours.Gallery.save`):
rows are buffered a batch at a time, and an ``.npz`` is copied member by member from a
temporary gallery index in chunks of a few MB. So the peak of the Python allocations
while saving (tracemalloc, which NumPy arrays report to) must not grow with the number
of images: 10,000 results of phash and color_hist (20 MB of vectors) are saved with
the same peak, within a small constant, as 1,000 (with batches and chunks made small,
so that 1,000 images fill them).
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from imgsim import gallery_writer, neighbours
from imgsim.engine import ImageResult
from imgsim.features import FeatureParams, get_feature
from imgsim.neighbours import Gallery

PARAMS = FeatureParams()
SPECS = [get_feature("phash"), get_feature("color_hist")]
SMALL, LARGE = 1_000, 10_000
GROWTH_LIMIT = 512 * 1024
"""Bytes the peak may grow by from SMALL to LARGE images: 58 bytes an image (the
vectors alone are 2,056 bytes an image, 18.5 MB in all)."""


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 256 rows and 64 kB chunks, so that SMALL images already fill them."""
    monkeypatch.setattr(gallery_writer, "BATCH_ROWS", 256)
    monkeypatch.setattr(neighbours, "_NPZ_CHUNK_BYTES", 64 * 1024)


def _paths(count: int) -> list[Path]:
    """The files of a run, as discovery lists them before the run starts (each one's
    text made: a Path keeps it once asked, which is the list's memory, not the writer's)."""
    paths = [Path(f"images/{number // 1000:04d}/{number:07d}.png") for number in range(count)]
    for path in paths:
        str(path)
    return paths


def _results(paths: list[Path]) -> Iterator[ImageResult]:
    """A readable result of seeded values for each of ``paths``, made one at a time as
    an engine streams them (so that only what the writer keeps is alive)."""
    generator = np.random.default_rng(0)
    for path in paths:
        yield ImageResult(
            path=path,
            width=32,
            height=32,
            features={
                "phash": generator.integers(0, 256, 8, dtype=np.uint8),
                "color_hist": generator.random(512, dtype=np.float32),
            },
        )


def _peak_of_saving(path: Path, count: int) -> int:
    """The peak of traced allocations while ``count`` results are saved to ``path``."""
    results = _results(_paths(count))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        Gallery.save(path, results, SPECS, PARAMS)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("suffix", [".npz", ".imgidx"])
def test_saving_ten_times_the_images_does_not_raise_the_peak(tmp_path: Path, suffix: str) -> None:
    _peak_of_saving(tmp_path / f"first{suffix}", 10)  # what a first save allocates once
    small = _peak_of_saving(tmp_path / f"small{suffix}", SMALL)

    large = _peak_of_saving(tmp_path / f"large{suffix}", LARGE)

    assert large - small < GROWTH_LIMIT


@pytest.mark.parametrize("suffix", [".npz", ".imgidx"])
def test_saving_ten_thousand_images_holds_less_than_their_vectors(
    tmp_path: Path, suffix: str
) -> None:
    vectors = LARGE * sum(spec.stored_width(PARAMS) * 4 for spec in SPECS[1:])

    assert _peak_of_saving(tmp_path / f"large{suffix}", LARGE) < vectors / 2


def test_a_streamed_npz_holds_every_image(tmp_path: Path) -> None:
    Gallery.save(tmp_path / "all.npz", _results(_paths(LARGE)), SPECS, PARAMS)

    with np.load(tmp_path / "all.npz", allow_pickle=False) as arrays:
        assert arrays["color_hist"].shape == (LARGE, 512)


def test_a_streamed_npz_holds_the_values_in_order(tmp_path: Path) -> None:
    paths = _paths(SMALL)
    expected = np.stack([result.features["color_hist"] for result in _results(paths)])

    Gallery.save(tmp_path / "all.npz", _results(paths), SPECS, PARAMS)

    with np.load(tmp_path / "all.npz", allow_pickle=False) as arrays:
        np.testing.assert_array_equal(arrays["color_hist"], expected)
