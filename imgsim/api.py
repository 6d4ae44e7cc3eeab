"""In-memory entry points of the public API (re-exported by :mod:`imgsim`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imgsim.features import FeatureParams, check_params, extract_one, get_feature
from imgsim.images import as_rgb_uint8, decode_upright_rgb
from imgsim.metrics import DEFAULT_COMPARE_METRICS, parse_pair_metrics
from imgsim.pairs import SizeMismatch, score_images

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
    check_params([spec], params)
    if isinstance(images, (str, Path)):
        raise ValueError(
            f"images must be a list of paths or arrays, got the single path {images!r}"
        )
    if isinstance(images, np.ndarray) and images.ndim == 4:
        batch: Sequence[ImageLike] = list(images)
    elif isinstance(images, np.ndarray):
        raise ValueError(f"images must be a sequence or an (N, H, W, 3) array, got {images.shape}")
    else:
        batch = images
    vectors = [
        extract_one(_pixels(image, f"images[{index}]"), [spec], params)[spec.name]
        for index, image in enumerate(batch)
    ]
    if not vectors:
        return np.zeros((0, spec.stored_width(params)), dtype=spec.stored_dtype)
    return np.stack(vectors).astype(spec.stored_dtype, copy=False)


def compare(
    a: ImageLike,
    b: ImageLike,
    metrics: Sequence[str] = DEFAULT_COMPARE_METRICS,
    *,
    resize: bool = False,
    params: FeatureParams | None = None,
) -> dict[str, float | int]:
    """Score image ``a`` against reference ``b``: ``{metric: value}``, names as on the CLI.

    ``a`` and ``b`` are paths or H x W x 3 ``uint8`` arrays. Pixel metrics need
    equal sizes unless ``resize`` (``b`` is then resized to ``a``'s size).
    """
    if isinstance(metrics, str):
        raise ValueError(f"metrics must be a list of names, got the string {metrics!r}")
    resolved = parse_pair_metrics(metrics)
    image_a = _pixels(a, "a")
    image_b = _pixels(b, "b")
    try:
        values, _ = score_images(image_a, image_b, resolved, params or FeatureParams(), resize)
    except SizeMismatch as mismatch:
        raise ValueError(
            f"a and b must have the same size for pixel metrics (or pass resize=True), "
            f"got {mismatch.size_a} and {mismatch.size_b}"
        ) from None
    return {key: value for key, value in values.items() if value is not None}


def _pixels(image: ImageLike, name: str) -> NDArray[np.uint8]:
    if isinstance(image, (str, Path)):
        return decode_upright_rgb(image).pixels
    return as_rgb_uint8(image, name)
