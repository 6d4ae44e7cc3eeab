"""Score images against their references, pair by pair.

Inputs pair up as in DESIGN.md: two files are one pair; two folders pair by
relative path without extension (``gen/cat.png`` meets ``ref/cat.jpg``); a file
and a folder pair the file with every image of the folder. Each pair is decoded
once for the pixel metrics; feature metrics use the features ``extract`` computes,
taken from the feature store when it has them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from imgsim.discovery import walk_images
from imgsim.embedding import embedded
from imgsim.engine import (
    WORKERS,
    ExtractOptions,
    ImageResult,
    ProgressCallback,
    extract_file,
    feature_keys,
    feature_specs,
    record,
)
from imgsim.errors import BadImage, UsageError, Wording, message_of
from imgsim.features import FeatureParams, check_params, get_feature
from imgsim.images import DEFAULT_MAX_PIXELS, decode_upright_rgb
from imgsim.metrics import PairMetric
from imgsim.metrics.pair_inputs import FewerScales
from imgsim.pair_scores import (
    ImagesTooSmall,
    PixelProblem,
    SizeMismatch,
    Value,
    check_crop_border,
    feature_values,
    pixel_scores,
)
from imgsim.parallel import ordered_map

if TYPE_CHECKING:
    from imgsim.store import FeatureStore, StoreReader

FROM_ENGINE = ("feature", "no-reference")
"""The kinds of metric whose values the engine computes from each file (and stores)."""


@dataclass(frozen=True)
class Pairing:
    """Which images meet which, and which found no partner."""

    pairs: list[tuple[Path, Path]]
    unmatched_a: list[Path] = field(default_factory=list)
    unmatched_b: list[Path] = field(default_factory=list)
    ambiguous: list[Path] = field(default_factory=list)
    """Files left out because another file in the same folder has the same stem."""
    unreadable_folders: list[tuple[Path, str]] = field(default_factory=list)
    """Folders below the inputs that could not be listed, with the reason."""

    @property
    def unmatched(self) -> int:
        """Files that are in no pair: without a partner on either side, or left out for
        their stem (the run-level value ``unmatched`` of gates)."""
        return len(self.unmatched_a) + len(self.unmatched_b) + len(self.ambiguous)


@dataclass(frozen=True)
class CompareOptions:
    """What to compute for each pair, and how to decode it."""

    metrics: tuple[PairMetric, ...]
    params: FeatureParams = field(default_factory=FeatureParams)
    resize: bool = False
    """Resize B to A's size (anti-aliased) when they differ, for pixel metrics."""
    max_pixels: int = DEFAULT_MAX_PIXELS
    crop_border: int = 0
    """Pixels removed from each side by the metrics that take ``crop_border`` (``psnr_y``,
    ``ssim_y``) before they score."""

    def __post_init__(self) -> None:
        check_crop_border(self.crop_border, self.metrics)


@dataclass(frozen=True)
class PairResult:
    """The scores of one pair, and why any of them are missing.

    A pixel metric that cannot be computed (sizes differ, images too small) leaves
    its value ``None`` and its reason in ``error``; the other metrics keep theirs.
    An unreadable input leaves no value at all.
    """

    a: Path
    b: Path
    values: dict[str, Value] = field(default_factory=dict)
    error: str | None = None
    unreadable: bool = False
    """An input could not be decoded (exit status 3)."""
    size_mismatch: bool = False
    """Some pixel metrics were asked of images of different sizes without ``resize``, or
    of images too small for them, and are missing (status 2)."""
    notes: tuple[str, ...] = ()
    files: tuple[ImageResult, ...] = ()
    """The features of A and B as extracted (for the store), when feature metrics were asked."""


def pair_inputs(a: Path, b: Path) -> Pairing:
    """Pair two inputs (files or folders) as the ``compare`` command does."""
    for path in (a, b):
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    unreadable: list[tuple[Path, str]] = []
    if a.is_dir() and b.is_dir():
        return _pair_folders(a, b, unreadable)
    if a.is_dir():
        return Pairing([(image, b) for image in _images_in(a, unreadable)], [], [], [], unreadable)
    if b.is_dir():
        return Pairing([(a, image) for image in _images_in(b, unreadable)], [], [], [], unreadable)
    return Pairing([(a, b)])


def _images_in(folder: Path, unreadable: list[tuple[Path, str]]) -> Sequence[Path]:
    images, ignored = walk_images(folder, unreadable)
    if not images:
        note = f" ({ignored} other files ignored)" if ignored else ""
        raise UsageError(f"no images found in {folder}{note}")
    return images


def _by_stem(
    folder: Path, unreadable: list[tuple[Path, str]]
) -> tuple[dict[str, Path], list[Path]]:
    keyed: dict[str, Path] = {}
    ambiguous: list[Path] = []
    for image in _images_in(folder, unreadable):
        key = image.relative_to(folder).with_suffix("").as_posix()
        if key in keyed:
            ambiguous.append(image)
        else:
            keyed[key] = image
    return keyed, ambiguous


def _pair_folders(a: Path, b: Path, unreadable: list[tuple[Path, str]]) -> Pairing:
    keyed_a, ambiguous_a = _by_stem(a, unreadable)
    keyed_b, ambiguous_b = _by_stem(b, unreadable)
    return Pairing(
        pairs=[(keyed_a[key], keyed_b[key]) for key in keyed_a if key in keyed_b],
        unmatched_a=[path for key, path in keyed_a.items() if key not in keyed_b],
        unmatched_b=[path for key, path in keyed_b.items() if key not in keyed_a],
        ambiguous=ambiguous_a + ambiguous_b,
        unreadable_folders=unreadable,
    )


def score_pair(
    a: Path, b: Path, options: CompareOptions, reader: StoreReader | None = None
) -> PairResult:
    """Every metric of one pair: features as ``extract`` computes them (from the store
    when ``reader`` has them), pixel metrics from one full decode of each image."""
    features = _feature_options(options)
    files: tuple[ImageResult, ...] = ()
    if features is not None:
        stamped = reader is not None
        read = [extract_file(path, features, reader=reader, stamped=stamped) for path in (a, b)]
        # Model features of a pair: one batch of two, on a runtime thread of this worker.
        files = tuple(embedded(read, feature_specs(features), features.params, 1))
        broken = [
            Wording.concat(str(result.path), ": ", result.error) for result in files if result.error
        ]
        if broken:
            error = Wording.joined("; ", broken)
            return PairResult(a, b, error=error, unreadable=True, files=files)
    values: dict[str, Value] = {}
    notes: list[str] = []
    missing: dict[str, PixelProblem] = {}
    if any(metric.kind in ("pixels", "keypoints") for metric in options.metrics):
        try:
            image_a = decode_upright_rgb(a, max_pixels=options.max_pixels).pixels
            image_b = decode_upright_rgb(b, max_pixels=options.max_pixels).pixels
        except BadImage as error:
            return PairResult(a, b, error=message_of(error), unreadable=True, files=files)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FewerScales)
            values, notes, missing = pixel_scores(
                image_a, image_b, options.metrics, options.resize, options.crop_border
            )
        notes += [str(w.message) for w in caught if issubclass(w.category, FewerScales)]
    if files:
        values.update(feature_values(files[0].features, files[1].features, options.metrics))
    return PairResult(
        a,
        b,
        values={column: values.get(column) for m in options.metrics for column in m.columns},
        error=Wording.joined("; ", _reasons(a, b, missing)) or None,
        size_mismatch=bool(missing),
        notes=tuple(f"{a} vs {b}: {note}" for note in notes),
        files=files,
    )


def _reasons(a: Path, b: Path, missing: Mapping[str, PixelProblem]) -> list[str]:
    """Why each missing pixel metric is missing: one reason for all those that need equal
    sizes, one per metric the images are too small for."""
    reasons = [f"{a} vs {b}: {p}" for p in missing.values() if isinstance(p, ImagesTooSmall)]
    mismatched = {c: p for c, p in missing.items() if isinstance(p, SizeMismatch)}
    if mismatched:
        mismatch = next(iter(mismatched.values()))
        reasons.insert(
            0,
            Wording.concat(
                f"{a} is {mismatch.size_a}, {b} is {mismatch.size_b}: "
                f"{', '.join(mismatched)} not computed, ",
                mismatch.advice,
            ),
        )
    return reasons


def _feature_options(options: CompareOptions) -> ExtractOptions | None:
    """How ``extract`` would compute the features the metrics need (``None``: no features)."""
    names = tuple(dict.fromkeys(m.name for m in options.metrics if m.kind in FROM_ENGINE))
    if not names:
        return None
    return ExtractOptions(features=names, params=options.params, max_pixels=options.max_pixels)


@dataclass(frozen=True)
class _PairContext:
    options: CompareOptions
    store: Path | None
    """The store workers may read features from, or ``None`` without a store."""


def compare_pairs(
    pairs: Sequence[tuple[Path, Path]],
    options: CompareOptions,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    store: FeatureStore | None = None,
) -> Iterator[PairResult]:
    """Scores of every pair, in order, computed in parallel.

    With a ``store``, features are taken from it when present and new ones written.
    """
    specs = [get_feature(m.name) for m in options.metrics if m.kind == "feature"]
    check_params(specs, options.params)
    context = _PairContext(options, store.path if store is not None and store.usable else None)
    done = None if progress is None else lambda pairs_done: progress(pairs_done, 0)
    results = ordered_map(
        _score_chunk, pairs, context, workers=workers, progress=done, setup=WORKERS
    )
    features = _feature_options(options)
    if store is None or features is None:
        return results
    return _recorded(results, store, feature_keys(features))


def _recorded(
    results: Iterator[PairResult], store: FeatureStore, keys: dict[str, str]
) -> Iterator[PairResult]:
    try:
        for result in results:
            for file in result.files:
                if not file.stored:
                    record(store, file, keys)
            store.flush_if_due()
            yield result
    finally:
        from imgsim.store_connections import release_reader

        release_reader(store.path)


def _score_chunk(pairs: list[tuple[Path, Path]], context: _PairContext) -> list[PairResult]:
    reader = None
    if context.store is not None:
        from imgsim.store_connections import store_reader

        reader = store_reader(context.store)
    return [score_pair(a, b, context.options, reader) for a, b in pairs]
