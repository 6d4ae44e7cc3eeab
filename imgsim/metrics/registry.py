"""The one registry of metrics: one :class:`~imgsim.metrics.records.Metric` per metric.

``imgsim list``, the metric names the command line accepts, its help text, gate
validation and the property tests all read :data:`REGISTRY`; adding a metric is adding
one entry (or calling :func:`register`). :data:`PIXEL_METRICS`, :data:`DISTANCES` and
:data:`SET_METRICS` are live views of one kind of entry.

Kinds: ``pixels`` (full-reference, on two equal-size ``uint8`` images; their entries are
in :mod:`imgsim.metrics.pixel_entries`), ``no-reference`` (of one image,
:mod:`imgsim.metrics.noref_entries`), ``keypoints``
(``sift``), ``distance`` (between feature vectors, ``FEATURE:DISTANCE``), ``set`` (a
generated set against a reference set, ``compare --set``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

from imgsim.errors import UsageError
from imgsim.metrics.records import (
    SQRT_LN2,
    Deferred,
    Direction,
    Distance,
    Metric,
    MetricKind,
    NearDuplicate,
    Span,
)

INF = math.inf
DEFAULT_COMPARE_METRICS = ("ssim", "psnr", "phash", "color_hist")

REGISTRY: dict[str, Metric] = {}
"""Every metric by name, in the order of ``imgsim list``."""
_ALIASES: dict[str, str] = {}

_M = TypeVar("_M", bound=Metric)


def register(metric: _M) -> _M:
    """Add ``metric`` to the registry; a name or alias already taken is refused."""
    for name in (metric.name, *metric.aliases):
        if name in REGISTRY or name in _ALIASES:
            raise ValueError(f"metric name {name!r} is already registered")
    REGISTRY[metric.name] = metric
    _ALIASES.update(dict.fromkeys(metric.aliases, metric.name))
    return metric


class KindView(Mapping[str, _M], Generic[_M]):
    """The registry's entries of one kind, by name, as they are now (entries registered
    later appear too)."""

    def __init__(self, kind: MetricKind, record: type[_M]) -> None:
        self.kind = kind
        self.record = record

    def _entries(self) -> dict[str, _M]:
        return {
            name: metric
            for name, metric in REGISTRY.items()
            if metric.kind == self.kind and isinstance(metric, self.record)
        }

    def __getitem__(self, name: str) -> _M:
        return self._entries()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def __len__(self) -> int:
        return len(self._entries())

    def lookup(self, name: str, label: str) -> _M:
        """An entry by name or alias; an unknown name lists the valid ones (the names,
        then the aliases), ``label`` saying what they are (``distance``)."""
        entries = self._entries()
        key = _ALIASES.get(name, name)
        if key not in entries:
            aliases = [alias for alias, target in _ALIASES.items() if target in entries]
            valid = ", ".join([*entries, *aliases])
            raise UsageError(f"unknown {label} {name!r}; valid {label}s: {valid}")
        return entries[key]


PIXEL_METRICS: KindView[Metric] = KindView("pixels", Metric)
NO_REFERENCE_METRICS: KindView[Metric] = KindView("no-reference", Metric)
KEYPOINT_METRICS: KindView[Metric] = KindView("keypoints", Metric)
DISTANCES: KindView[Distance] = KindView("distance", Distance)
SET_METRICS: KindView[Metric] = KindView("set", Metric)


def get_distance(name: str) -> Distance:
    """A distance by name or alias; an unknown name lists the valid ones."""
    return DISTANCES.lookup(name, "distance")


def get_set_metric(name: str) -> Metric:
    """A set metric by name; an unknown name lists the valid ones."""
    return SET_METRICS.lookup(name, "set metric")


def option_readers(option: str) -> list[str]:
    """The pixel metrics whose functions take the keyword ``option`` (``crop_border``)."""
    return [name for name, metric in PIXEL_METRICS.items() if option in metric.options]


def pair_metric_help() -> str:
    """The help of ``compare -m``: the metrics of a pair, as registered now."""
    names = ", ".join([*PIXEL_METRICS, *KEYPOINT_METRICS, "FEATURE[:DISTANCE]"])
    default = ",".join(DEFAULT_COMPARE_METRICS)
    one_image = ", ".join(NO_REFERENCE_METRICS)
    return (
        f"Metric(s): {names}; of each image, as a: and b: columns: {one_image}; "
        f"repeatable or comma-separated [default: {default}]."
    )


def _set(
    name: str, direction: Direction, low: float, high: float, summary: str, note: str = ""
) -> Metric:
    return _scored("set", "imgsim.metrics.set_scoring", name, direction, (low, high), summary, note)


def _scored(
    kind: MetricKind,
    module: str,
    name: str,
    direction: Direction,
    bounds: tuple[float, float],
    summary: str,
    note: str,
) -> Metric:
    """A metric of ``kind`` computed by the function ``name`` of ``module``."""
    return Metric(
        name=name, kind=kind, direction=direction, low=bounds[0], high=bounds[1],
        summary=summary, function=Deferred(module, name), range_note=note,
    )  # fmt: skip


def _distance(
    name: str,
    direction: Direction,
    bounds: tuple[float, float],
    summary: str,
    span: Span,
    near_duplicate: NearDuplicate,
    *,
    aliases: tuple[str, ...] = (),
    on_histograms: bool = False,
    needs_bits: bool = False,
    note: str = "",
    module: str = "imgsim.metrics.distances",
    feature: str | None = None,
    distributions: bool = False,
) -> Distance:
    return Distance(
        name=name, direction=direction, low=bounds[0], high=bounds[1], summary=summary,
        function=Deferred(module, f"pairwise_{name}"), span=span,
        near_duplicate=near_duplicate, aliases=aliases, range_on_histograms=on_histograms,
        needs_bits=needs_bits, range_note=note, feature=feature, distributions=distributions,
    )  # fmt: skip


def _everywhere(fraction: float) -> NearDuplicate:
    return NearDuplicate(fraction, fraction, fraction)


register(
    Metric(
        name="sift",
        kind="keypoints",
        direction="higher",
        low=0,
        high=1,
        summary="SIFT keypoints matched (Lowe ratio 0.75) and verified by a RANSAC "
        "homography: inliers / min(keypoints); robust to crops, rotation and scale.",
        function=Deferred("imgsim.features.keypoints", "sift_match"),
    )
)

for _metric in (
    _set(
        "fd", "lower", 0, INF,
        "Fréchet distance between Gaussians fitted to the two feature sets "
        "(the FID formula on this feature).",
    ),
    _set(
        "kid", "lower", -INF, INF,
        "Kernel distance: unbiased MMD² with the cubic polynomial kernel, mean over "
        "subsets; unbiased, so usable with few images.",
        ", 0 for equal distributions",
    ),
    _set("kid_std", "lower", 0, INF, "Standard deviation of kid over its subsets."),
    _set(
        "precision", "higher", 0, 1,
        "Share of generated images inside the k-NN balls of the reference set: fidelity.",
    ),
    _set(
        "recall", "higher", 0, 1,
        "Share of reference images inside the k-NN balls of the generated set: "
        "how much of the reference is reached.",
    ),
    _set(
        "density", "higher", 0, INF,
        "Mean number of reference k-NN balls holding each generated image, over k.",
        ", about 1 when the sets match",
    ),
    _set(
        "coverage", "higher", 0, 1,
        "Share of reference images whose k-NN ball holds a generated image.",
    ),
    _set(
        "mifid", "lower", 0, INF,
        "Memorisation-informed FD (Bai et al. 2021, the Kaggle GAN competition): fd over the "
        "memorisation distance, so that copying the reference is penalised.",
    ),
    _set(
        "memorization", "higher", 0, 1,
        "Mean nearest cosine distance 1 - abs(cos) of generated to reference images, 1 from "
        "0.1 up (the competition's threshold): low when the generator copies.",
    ),
    _set(
        "nn_accuracy", "neither", 0, 1,
        "Leave-one-out 1-NN accuracy telling the sets apart (Lopez-Paz & Oquab 2017): 0.5 "
        "when they match (equal sizes), 1 when disjoint, under 0.5 for copies.",
    ),
    _set(
        "nn_accuracy_reference", "neither", 0, 1,
        "nn_accuracy of the reference images alone: share whose nearest other image is a "
        "reference image.",
    ),
    _set(
        "nn_accuracy_generated", "neither", 0, 1,
        "nn_accuracy of the generated images alone: share whose nearest other image is a "
        "generated image.",
    ),
    _set(
        "swd", "lower", 0, INF,
        "Sliced Wasserstein-2 distance over 256 seeded random directions: a distribution "
        "distance with no covariance, for any feature width.",
    ),
    _set(
        "alpha_precision", "higher", 0, 1,
        "Integrated α-precision (Alaa et al. 2022): do generated images land where the "
        "reference is dense? Fidelity, weighted by typicality.",
    ),
    _set(
        "beta_recall", "higher", 0, 1,
        "Integrated β-recall (Alaa et al. 2022): how much of the reference the generated set "
        "covers; about 0.5 for a matching generator, so compare runs.",
    ),
    _set(
        "authenticity", "higher", 0, 1,
        "Share of generated images not closer to a reference image than its nearest "
        "neighbour (Alaa et al. 2022): 0 when every image is a copy.",
    ),
):  # fmt: skip
    register(_metric)

# Spans of the distances on feature values in [0, 1] (histograms summing to 1): the
# hashes, color_hist and thumb. Features of other scales have measured thresholds in
# imgsim/metrics/near_duplicates.py instead.
_SQRT2 = math.sqrt(2.0)
_UNIT = Span(1.0, lambda d: 1.0)
_LENGTH = Span(2.0, float)  # manhattan, sqeuclidean: disjoint histograms; 0s against 1s

# Near-duplicate fractions: 1/16 (hamming's 4 of 64 bits) unless real photographs said
# otherwise. Calibrated on the 9 photographs of tests/conftest.py PHOTO_NAMES, each
# re-encoded as JPEG quality 75 and resized to half (18 copies, to be found; the 72
# ordered pairs of different photographs, to be left apart), and on 120 random 128 px
# tiles of 13 photographs, re-encoded, resized to 102 and 64 px and cropped to 90 % (480
# copies) against the tiles of other photographs (bench/near_duplicates.py). "c/18, p":
# copies within, pairs of different photographs within; "tiles c, p": the same as shares.
#
# color_hist (histograms): hubble_deep_field is nearly black, so a JPEG moves a large
# share of its pixels to other hue bins (chi2 0.175 after JPEG, 0.112 at half size); the
# other photographs' copies are within chi2 0.025 and different photographs at least
# 0.294 apart (chelsea and immunohistochemistry). Most close tiles of different
# photographs are pairs of grayscale textures (grass, gravel, brick, coins): a colour
# histogram sees only their brightness distribution.
# - chi2 1/8: 17/18, 0; tiles 0.95, 0.009 (1/16: 16/18, 0.92). 1/5 would take in all 18,
#   but also sample_images' unrelated pair of grayscale photographs (generated/clock.png,
#   which is gravel, against reference/clock.png: 0.1995).
# - hellinger, bhattacharyya 1/3: 18/18, 0; tiles 0.98, 0.014 (1/16: 12/18); hellinger^2
#   lies between chi2/2 and chi2, so hellinger 1/3 is chi2 between 1/9 and 2/9.
# - jensenshannon 1/3: 17/18, 0; tiles 0.96, 0.010 (1/16: 12/18).
# - manhattan, intersection (= 1 - manhattan/2 on histograms) 1/4: 17/18, 0; tiles 0.94,
#   0.008 (1/16: 14/18).
# - euclidean 1/16: 17/18, 0; tiles 0.95, 0.003 (1/5 takes hubble in, and 12 pairs).
#   sqeuclidean (1/16)^2 = 1/256: the same pairs.
# - chebyshev 1/20: 17/18, 0; tiles 0.95, 0.001 (1/16 takes chelsea and
#   immunohistochemistry together).
# - cosine, correlation 0.95: 16/18, 0; tiles 0.91, 0.007.
# thumb (1024 values in [0, 1]): every copy of a whole photograph is within all of the
# fractions below, no two photographs are; the fractions keep tiles of different
# photographs apart. The largest values (d/2 for chi2) are far from what real thumbnails
# reach, and bhattacharyya and jensenshannon compare the thumbnails as distributions,
# which differ little: chi2 1/256 (tiles 0.85, 0.001; 1/16: 31 % of the tile pairs);
# bhattacharyya, jensenshannon 1/64 (tiles 0.78 and 0.72, 0.001 and 0); hellinger 1/20
# (0.86, 0.002); manhattan 1/20 (0.93, 0.003; 1/16: 0.013); euclidean 1/16 (0.88, 0.002)
# and sqeuclidean 1/256; chebyshev 1/20 (0.79, 0). cosine 0.95 takes 35 % of the tile
# pairs in: thumbnails of photographs all point in much the same direction.
# Hashes (bits 0/1): manhattan, sqeuclidean and 2 chi2 are the Hamming distance, so 1/16
# is hamming's bits/16; euclidean and hellinger are square roots of it, so 1/4; and
# bhattacharyya and jensenshannon behave the same way (1/4: 18/18, 0). chebyshev is 0 or
# 1 on bits: its 1/16 means identical hashes.
for _metric in (
    _distance(
        "euclidean", "lower", (0, INF), "L2 distance.",
        Span(_SQRT2, math.sqrt), NearDuplicate(1 / 16, 1 / 4, 1 / 16),
    ),
    _distance(
        "sqeuclidean", "lower", (0, INF), "Squared L2 distance.",
        _LENGTH, NearDuplicate(1 / 256, 1 / 16, 1 / 256),
    ),
    _distance(
        "manhattan", "lower", (0, INF), "L1 distance.",
        _LENGTH, NearDuplicate(1 / 4, 1 / 16, 1 / 20), aliases=("cityblock",),
    ),
    _distance(
        "chebyshev", "lower", (0, INF), "Largest coordinate difference.",
        _UNIT, NearDuplicate(1 / 20, 1 / 16, 1 / 20),
    ),
    _distance(
        "cosine", "higher", (-1, 1), "Cosine similarity (1: same direction).",
        _UNIT, _everywhere(1 / 20),
    ),
    _distance(
        "correlation", "higher", (-1, 1), "Pearson correlation (OpenCV HISTCMP_CORREL).",
        _UNIT, _everywhere(1 / 20),
    ),
    _distance(
        "chi2", "lower", (0, 1), "Chi-square: ½Σ(a−b)²/(a+b).",
        Span(1.0, lambda d: d / 2), NearDuplicate(1 / 8, 1 / 16, 1 / 256), on_histograms=True,
    ),
    _distance(
        "intersection", "higher", (0, 1), "Histogram intersection Σmin(a,b).",
        # Identical vectors that are not histograms score their own sum: no fixed scale.
        Span(1.0, None), _everywhere(1 / 4), on_histograms=True,
    ),
    _distance(
        "bhattacharyya", "lower", (0, 1),
        "Bhattacharyya (OpenCV HISTCMP_BHATTACHARYYA); NaN on negative values.",
        _UNIT, NearDuplicate(1 / 3, 1 / 4, 1 / 64), distributions=True,
    ),
    _distance(
        "hellinger", "lower", (0, 1), "Hellinger distance; NaN on negative values.",
        Span(1.0, lambda d: math.sqrt(d / 2)), NearDuplicate(1 / 3, 1 / 4, 1 / 20),
        on_histograms=True, distributions=True,
    ),
    _distance(
        "jensenshannon", "lower", (0, SQRT_LN2),
        "Jensen-Shannon distance (SciPy); NaN on negative values.",
        Span(SQRT_LN2, lambda d: SQRT_LN2), NearDuplicate(1 / 3, 1 / 4, 1 / 64),
        distributions=True,
    ),
    _distance(
        "hamming", "lower", (0, INF), "Differing bits of perceptual hashes.",
        Span(None, float), _everywhere(1 / 16), needs_bits=True, note=", at most the bits",
    ),
):  # fmt: skip
    register(_metric)

# imagehash's matching of crop-resistant hashes. It reads the segment hashes from the
# bits of crop_resistant's values (unpacked, as every distance but hamming gets a
# hash), so needs_bits is False. No span: its largest value is the number of segments
# of the first image, which differs from image to image; pass a threshold.
register(
    _distance(
        "segments", "lower", (0, INF),
        "Crop-resistant hash matching (imagehash's ImageMultiHash a - b): segments of a "
        "without a match in b within 1/4 of the bits, less the matches' closeness; not "
        "symmetric.",
        Span(None, None), _everywhere(1 / 16), module="imgsim.metrics.multihash",
        feature="crop_resistant", note=", at most the segments of a",
    )
)  # fmt: skip

# The full-reference pixel metrics, with their papers and conventions, and the
# no-reference metrics of one image.
from imgsim.metrics import pixel_entries as _pixel_entries  # noqa: E402, F401, I001
from imgsim.metrics import noref_entries as _noref_entries  # noqa: E402, F401
