"""In-memory entry points of the public API (re-exported by :mod:`imgsim`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import BadImage
from imgsim.features import FeatureParams, extract_one, get_feature
from imgsim.images import as_rgb_uint8, decode_upright_rgb

ImageLike = NDArray[np.uint8] | str | Path


def extract(
    images: Sequence[ImageLike] | NDArray[np.uint8],
    feature: str,
    *,
    params: FeatureParams | None = None,
) -> NDArray[np.generic]:
    """The feature of each image, stacked: ``(N, D)`` float32, or ``(N, bytes)`` packed uint8 bits.

    ``images`` are paths, H x W x 3 ``uint8`` arrays, or one (N, H, W, 3) batch.
    Paths are decoded at full resolution (the same pixels as :func:`imgsim.load_image`).
    An unreadable path raises :class:`imgsim.BadImage`.
    """
    spec = get_feature(feature)
    params = params or FeatureParams()
    if isinstance(images, np.ndarray) and images.ndim == 4:
        batch: Sequence[ImageLike] = list(images)
    elif isinstance(images, np.ndarray):
        raise ValueError(f"images must be a sequence or an (N, H, W, 3) array, got {images.shape}")
    else:
        batch = images
    vectors = [
        extract_one(_pixels(image, index), [spec], params)[spec.name]
        for index, image in enumerate(batch)
    ]
    dtype = np.uint8 if spec.kind == "hash" else np.float32
    if not vectors:
        return np.zeros((0, 0), dtype=dtype)
    return np.stack(vectors).astype(dtype, copy=False)


def _pixels(image: ImageLike, index: int) -> NDArray[np.uint8]:
    if isinstance(image, (str, Path)):
        decoded = decode_upright_rgb(image)
        return decoded.pixels
    return as_rgb_uint8(image, f"images[{index}]")


__all__ = ["BadImage", "extract"]
