"""The images that the ``imgsim compare`` tests share, and scikit-image's SSIM as the
reference for imgsim's.

Each test module builds the images in fixtures of its own (so that a module can run
alone); every image is a real photograph, scaled down with OpenCV's area filter.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from cli_support import RGB, csv_rows, save_image
from conftest import CliResult
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

SIZE = (64, 48)
"""Width, height of the small test images."""


def small(photo: RGB, size: tuple[int, int] = SIZE) -> RGB:
    """``photo`` scaled to ``size`` (width, height) with OpenCV's area filter."""
    return np.asarray(cv2.resize(photo, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def build_folders(root: Path, photos: dict[str, RGB]) -> tuple[Path, Path]:
    """gen/ and ref/ under ``root`` with two matching pairs (one in a subfolder) and three
    loners.

    gen/cat.png meets ref/cat.jpg (a JPEG of the same photo); gen/sub/dog.png meets
    ref/sub/dog.png (identical); gen/lonely.png, ref/dog.png and ref/sub/stray.png
    have no partner (ref/dog.png is not gen/sub/dog.png's partner: paths count).
    """
    gen, ref = root / "gen", root / "ref"
    cat, dog = small(photos["astronaut"]), small(photos["chelsea"])
    save_image(gen / "cat.png", cat)
    save_image(ref / "cat.jpg", cat, quality=60)
    save_image(gen / "sub" / "dog.png", dog)
    save_image(ref / "sub" / "dog.png", dog)
    save_image(gen / "lonely.png", small(photos["coffee"]))
    save_image(ref / "dog.png", dog)
    save_image(ref / "sub" / "stray.png", small(photos["rocket"]))
    return gen, ref


def pairs(result: CliResult) -> list[tuple[str, str]]:
    """The (a, b) paths of each CSV row that ``compare`` printed."""
    return [(row["a"], row["b"]) for row in csv_rows(result.stdout)]


def skimage_ssim(a: RGB, b: RGB) -> float:
    """scikit-image's SSIM with the settings of Wang et al. 2004 (Gaussian window,
    sigma 1.5, population covariances), averaged over the colour channels."""
    value = structural_similarity(  # type: ignore[no-untyped-call]
        a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        data_range=255, channel_axis=-1,
    )  # fmt: skip
    return float(value)


def skimage_psnr(a: RGB, b: RGB) -> float:
    """scikit-image's PSNR of 8-bit images (symmetric in ``a`` and ``b``)."""
    return float(peak_signal_noise_ratio(a, b, data_range=255))  # type: ignore[no-untyped-call]
