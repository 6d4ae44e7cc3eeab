"""Score images against their references, pair by pair.

Inputs pair up as in DESIGN.md: two files are one pair; two folders pair by
relative path without extension (``gen/cat.png`` meets ``ref/cat.jpg``); a file
and a folder pair the file with every image of the folder. Each pair is decoded
once and every requested metric computed from that decode.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imgsim.engine import ProgressCallback, ordered_map
from imgsim.errors import BadImage, UsageError
from imgsim.features import FeatureParams, check_params, decode_side, get_feature
from imgsim.images import DEFAULT_MAX_PIXELS, decode_upright_rgb, resize_antialiased, walk_images
from imgsim.metrics import PairMetric, pixel_function

Value = float | int | None


@dataclass(frozen=True)
class Pairing:
    """Which images meet which, and which found no partner."""

    pairs: list[tuple[Path, Path]]
    unmatched_a: list[Path] = field(default_factory=list)
    unmatched_b: list[Path] = field(default_factory=list)
    ambiguous: list[Path] = field(default_factory=list)
    """Files left out because another file in the same folder has the same stem."""


@dataclass(frozen=True)
class CompareOptions:
    """What to compute for each pair, and how to decode it."""

    metrics: tuple[PairMetric, ...]
    params: FeatureParams = field(default_factory=FeatureParams)
    resize: bool = False
    """Resize B to A's size (anti-aliased) when they differ, for pixel metrics."""
    max_pixels: int = DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class PairResult:
    """The scores of one pair, or why there are none."""

    a: Path
    b: Path
    values: dict[str, Value] = field(default_factory=dict)
    error: str | None = None
    unreadable: bool = False
    """An input could not be decoded (exit status 3)."""
    size_mismatch: bool = False
    """Pixel metrics were asked of images of different sizes without ``resize``, or of
    images too small for them (status 2)."""
    notes: tuple[str, ...] = ()


def pair_inputs(a: Path, b: Path) -> Pairing:
    """Pair two inputs (files or folders) as the ``compare`` command does."""
    for path in (a, b):
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    if a.is_dir() and b.is_dir():
        return _pair_folders(a, b)
    if a.is_dir():
        return Pairing([(image, b) for image in _images_in(a)])
    if b.is_dir():
        return Pairing([(a, image) for image in _images_in(b)])
    return Pairing([(a, b)])


def _images_in(folder: Path) -> list[Path]:
    images, ignored = walk_images(folder)
    if not images:
        note = f" ({ignored} other files ignored)" if ignored else ""
        raise UsageError(f"no images found in {folder}{note}")
    return images


def _by_stem(folder: Path) -> tuple[dict[str, Path], list[Path]]:
    keyed: dict[str, Path] = {}
    ambiguous: list[Path] = []
    for image in _images_in(folder):
        key = image.relative_to(folder).with_suffix("").as_posix()
        if key in keyed:
            ambiguous.append(image)
        else:
            keyed[key] = image
    return keyed, ambiguous


def _pair_folders(a: Path, b: Path) -> Pairing:
    keyed_a, ambiguous_a = _by_stem(a)
    keyed_b, ambiguous_b = _by_stem(b)
    return Pairing(
        pairs=[(keyed_a[key], keyed_b[key]) for key in keyed_a if key in keyed_b],
        unmatched_a=[path for key, path in keyed_a.items() if key not in keyed_b],
        unmatched_b=[path for key, path in keyed_b.items() if key not in keyed_a],
        ambiguous=ambiguous_a + ambiguous_b,
    )


def _needs_full_resolution(metrics: Sequence[PairMetric]) -> bool:
    return any(metric.kind != "feature" for metric in metrics)


def score_pair(a: Path, b: Path, options: CompareOptions) -> PairResult:
    """Decode both images once and compute every metric."""
    metrics = options.metrics
    side = None
    if not _needs_full_resolution(metrics):
        specs = [get_feature(m.name) for m in metrics]
        side = decode_side(specs, options.params)
    try:
        image_a = decode_upright_rgb(a, max_pixels=options.max_pixels, min_side=side).pixels
        image_b = decode_upright_rgb(b, max_pixels=options.max_pixels, min_side=side).pixels
    except BadImage as error:
        return PairResult(a, b, error=str(error), unreadable=True)
    try:
        values, notes = score_images(image_a, image_b, metrics, options.params, options.resize)
    except SizeMismatch as mismatch:
        message = f"{a} is {mismatch.size_a}, {b} is {mismatch.size_b}: {mismatch.advice}"
        return PairResult(a, b, error=message, size_mismatch=True)
    except ImagesTooSmall as error:
        return PairResult(a, b, error=f"{a} vs {b}: {error}", size_mismatch=True)
    return PairResult(a, b, values=values, notes=tuple(f"{a} vs {b}: {n}" for n in notes))


class SizeMismatch(Exception):
    """Pixel metrics were asked of images of different sizes."""

    advice = "pixel metrics need equal sizes (use --resize to resize B to A's size)"

    def __init__(self, size_a: str, size_b: str) -> None:
        super().__init__(f"sizes differ: {size_a} and {size_b}")
        self.size_a = size_a
        self.size_b = size_b


class ImagesTooSmall(ValueError):
    """A pixel metric's window does not fit in the images (ssim: 11 px a side, ms_ssim: 176)."""


def score_images(
    image_a: NDArray[np.uint8],
    image_b: NDArray[np.uint8],
    metrics: Sequence[PairMetric],
    params: FeatureParams,
    resize: bool,
) -> tuple[dict[str, Value], list[str]]:
    """Every metric of one pair of decoded images, and notes about values that are 0 by default."""
    from imgsim.metrics.distances import pairwise

    values: dict[str, Value] = {}
    notes: list[str] = []
    pixel_b = image_b
    if image_a.shape != image_b.shape and any(m.kind == "pixels" for m in metrics):
        if not resize:
            raise SizeMismatch(_size_text(image_a), _size_text(image_b))
        pixel_b = resize_antialiased(image_b, (image_a.shape[1], image_a.shape[0]))
    features: dict[str, tuple[NDArray[np.generic], NDArray[np.generic]]] = {}
    for metric in metrics:
        if metric.kind == "pixels":
            try:
                values[metric.column] = pixel_function(metric.name)(image_a, pixel_b)
            except ValueError as error:  # decoded images are valid: only their size can be wrong
                raise ImagesTooSmall(str(error)) from None
        elif metric.kind == "keypoints":
            from imgsim.features.keypoints import sift_match

            match = sift_match(image_a, image_b)
            values[metric.column] = match.score
            if match.note:
                notes.append(f"{metric.column} = 0: {match.note}")
        else:
            spec = get_feature(metric.name)
            if metric.name not in features:
                features[metric.name] = (
                    spec.extract(image_a, params),
                    spec.extract(image_b, params),
                )
            u, v = features[metric.name]
            if spec.kind == "hash" and metric.distance != "hamming":
                u, v = np.unpackbits(u), np.unpackbits(v)  # type: ignore[arg-type]
            score = float(pairwise(str(metric.distance), u, v)[0, 0])
            values[metric.column] = int(score) if metric.distance == "hamming" else score
    return values, notes


def _size_text(image: NDArray[np.uint8]) -> str:
    return f"{image.shape[1]}x{image.shape[0]}"


def compare_pairs(
    pairs: Sequence[tuple[Path, Path]],
    options: CompareOptions,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[PairResult]:
    """Scores of every pair, in order, computed in parallel."""
    specs = [get_feature(m.name) for m in options.metrics if m.kind == "feature"]
    check_params(specs, options.params)
    return ordered_map(_score_chunk, pairs, options, workers=workers, progress=progress)


def _score_chunk(pairs: list[tuple[Path, Path]], options: CompareOptions) -> list[PairResult]:
    return [score_pair(a, b, options) for a, b in pairs]
