"""``imgsim.compare`` in Python: the scores of arrays and of files, against
scikit-image, and the errors that name the arguments.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cli_support import RGB, pillow_rgb
from compare_support import build_folders, skimage_psnr, skimage_ssim, small

import imgsim


@pytest.fixture
def cat_pair(tmp_path: Path, photos: dict[str, RGB]) -> tuple[Path, Path]:
    """gen/cat.png and its partner ref/cat.jpg, a JPEG of the same photograph."""
    gen, ref = build_folders(tmp_path, photos)
    return gen / "cat.png", ref / "cat.jpg"


_COMPARE_AFTER_EXTRACT = """
import numpy as np

import imgsim

image = np.zeros((32, 32, 3), dtype=np.uint8)
imgsim.extract([image], "phash")
print(imgsim.compare(image, image, metrics=["psnr"]))
"""


def test_imgsim_compare_stays_the_function_after_extract() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _COMPARE_AFTER_EXTRACT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout == "{'psnr': inf}\n"


SCIKIT_IMAGE: dict[str, Callable[[RGB, RGB], float]] = {"ssim": skimage_ssim, "psnr": skimage_psnr}


@pytest.mark.parametrize("metric", list(SCIKIT_IMAGE))
def test_python_compare_on_arrays_matches_scikit_image(photos: dict[str, RGB], metric: str) -> None:
    a = small(photos["coffee"])
    b = np.clip(a + np.random.default_rng(0).normal(0, 8, a.shape), 0, 255).astype(np.uint8)

    values = imgsim.compare(a, b, metrics=["ssim", "psnr"])

    assert values[metric] == pytest.approx(SCIKIT_IMAGE[metric](a, b), abs=1e-4)


def test_python_compare_on_paths_equals_compare_on_the_decoded_arrays(
    cat_pair: tuple[Path, Path],
) -> None:
    a, b = cat_pair
    metrics = ["ssim", "psnr", "phash", "color_hist:intersection"]

    from_paths = imgsim.compare(a, b, metrics=metrics)

    assert from_paths == imgsim.compare(pillow_rgb(a), pillow_rgb(b), metrics=metrics)


def test_python_compare_of_identical_arrays_has_infinite_psnr(photos: dict[str, RGB]) -> None:
    a = small(photos["coffee"])

    assert imgsim.compare(a, a.copy(), metrics=["psnr"]) == {"psnr": float("inf")}


def test_python_compare_refuses_different_sizes_naming_both(photos: dict[str, RGB]) -> None:
    a, b = small(photos["coffee"], (64, 48)), small(photos["coffee"], (64, 40))

    with pytest.raises(ValueError, match="got 64x48 and 64x40"):
        imgsim.compare(a, b, metrics=["ssim"])


def test_python_compare_refuses_images_too_small_for_a_metric(photos: dict[str, RGB]) -> None:
    a = small(photos["coffee"])

    with pytest.raises(ValueError, match="iw_ssim needs images of at least"):
        imgsim.compare(a, a, metrics=["iw_ssim"])


def test_python_compare_warns_when_ms_ssim_uses_fewer_scales(photos: dict[str, RGB]) -> None:
    a = small(photos["coffee"])

    with pytest.warns(imgsim.FewerScales, match="ms_ssim used"):
        imgsim.compare(a, a, metrics=["ms_ssim"])
