"""In-memory entry points of the public API (re-exported by :mod:`imgsim`).

Arrays are prepared as a decoded file is (longer side at most ``size``, the working
image of the texture and shape features, ``crop``), so a PNG of an array gives the
array's values. Paths are decoded as the command line decodes them, so that
``imgsim.compare("a.jpg", "b.jpg")`` and ``imgsim compare a.jpg b.jpg`` give the same
numbers bit for bit: features from the decode the engine gives each feature (a JPEG
may be DCT-scaled, or read as its luma), pixel metrics from one full decode of each
file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imgsim.decoding import features_of_pixels
from imgsim.embedding import embedded
from imgsim.engine import ExtractOptions, extract_file
from imgsim.errors import BadImage
from imgsim.features import FeatureParams, check_params, get_feature
from imgsim.images import as_rgb_uint8, decode_upright_rgb
from imgsim.metrics import DEFAULT_COMPARE_METRICS, PairMetric, parse_pair_metrics
from imgsim.pair_scores import SizeMismatch, check_crop_border, feature_values, score_images

ImageLike = NDArray[np.uint8] | str | Path
Features = Mapping[str, NDArray[np.generic]]


def extract(
    images: Sequence[ImageLike] | NDArray[np.uint8],
    feature: str,
    *,
    params: FeatureParams | None = None,
) -> NDArray[np.generic]:
    """The feature of each image, stacked: ``(N, D)`` float32, or ``(N, bytes)`` packed uint8 bits.

    ``images`` are paths, H x W x 3 ``uint8`` arrays, or one (N, H, W, 3) batch.
    Paths are decoded as ``imgsim extract`` decodes them, so the values are the
    ones it writes. An unreadable path raises :class:`imgsim.BadImage`.
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
        _features(image, f"images[{index}]", (spec.name,), params)[spec.name]
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
    crop_border: int = 0,
) -> dict[str, float | int]:
    """Score image ``a`` against reference ``b``: ``{metric: value}``, names as on the CLI.

    ``a`` and ``b`` are paths or H x W x 3 ``uint8`` arrays; paths give the values
    ``imgsim compare`` prints for them. Pixel metrics need equal sizes unless
    ``resize`` (``b`` is then resized to ``a``'s size). ``crop_border`` pixels are
    removed from each side by the metrics that take it (``ssim_y``, ``psnr_y``).
    A multi-scale metric that used fewer scales on a small image says so with a
    :class:`~imgsim.metrics.pair_inputs.FewerScales` warning.
    """
    if isinstance(metrics, str):
        raise ValueError(f"metrics must be a list of names, got the string {metrics!r}")
    resolved = parse_pair_metrics(metrics)
    params = params or FeatureParams()
    names = tuple(dict.fromkeys(m.name for m in resolved if m.kind == "feature"))
    check_params([get_feature(name) for name in names], params)
    features = [
        _features(image, label, names, params) if names else {}
        for image, label in ((a, "a"), (b, "b"))
    ]
    check_crop_border(crop_border, resolved)
    pixel_metrics = [m for m in resolved if m.kind != "feature"]  # and one-image metrics
    values = _pixel_values(a, b, pixel_metrics, params, resize, crop_border)
    feature_metrics = [m for m in resolved if m.kind == "feature"]
    values.update(feature_values(features[0], features[1], feature_metrics))
    ordered = [(column, values.get(column)) for metric in resolved for column in metric.columns]
    return {column: value for column, value in ordered if value is not None}


def _pixel_values(
    a: ImageLike,
    b: ImageLike,
    metrics: Sequence[PairMetric],
    params: FeatureParams,
    resize: bool,
    crop_border: int,
) -> dict[str, float | int | None]:
    """The pixel and keypoint metrics, from one full decode of each path (as the command
    line's ``compare`` reads them)."""
    if not metrics:
        return {}
    try:
        values, _ = score_images(
            _pixels(a, "a"), _pixels(b, "b"), metrics, params, resize, crop_border
        )
    except SizeMismatch as mismatch:
        raise ValueError(
            f"a and b must have the same size for pixel metrics (or pass resize=True), "
            f"got {mismatch.size_a} and {mismatch.size_b}"
        ) from None
    return values


def _features(
    image: ImageLike, name: str, features: tuple[str, ...], params: FeatureParams
) -> Features:
    """The features of one image: of the array as given, or of the file as the engine
    decodes it for each feature."""
    if not isinstance(image, (str, Path)):
        pixels = as_rgb_uint8(image, name)
        return features_of_pixels(pixels, [get_feature(feature) for feature in features], params)
    result = extract_file(Path(image), ExtractOptions(features=features, params=params))
    if result.error is not None:
        raise BadImage(image, result.error)
    specs = [get_feature(feature) for feature in features]
    return embedded([result], specs, params, threads=None)[0].features


def _pixels(image: ImageLike, name: str) -> NDArray[np.uint8]:
    if isinstance(image, (str, Path)):
        return decode_upright_rgb(image).pixels
    return as_rgb_uint8(image, name)
