"""The registry of feature extractors.

A feature turns one upright RGB ``uint8`` image into a fixed-length vector:
packed bits for perceptual hashes, an L1-normalised histogram, or a float32
vector. Every feature is one :class:`FeatureSpec` in :data:`FEATURES`; the CLI
choices, ``imgsim list`` and the docs all derive from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from imgsim.defaults import DEFAULT_BINS, DEFAULT_HASH_SIZE
from imgsim.errors import Argument, ArgumentError, UsageError
from imgsim.features import color, hashes, pixels

FeatureKind = Literal["hash", "histogram", "vector"]
RGBArray = NDArray[np.uint8]


@dataclass(frozen=True)
class FeatureParams:
    """The options that change what features compute (part of every cache key)."""

    hash_size: int = DEFAULT_HASH_SIZE
    """Side of the bit grid of the perceptual hashes: ``hash_size**2`` bits."""
    bins: int = DEFAULT_BINS
    """Bins per channel of ``color_hist``: ``bins**3`` values."""

    def __post_init__(self) -> None:
        if self.hash_size < 2:
            raise ArgumentError(
                f"{{}} must be at least 2, got {self.hash_size}", Argument("hash_size")
            )
        if self.bins < 1 or self.bins > 64:
            raise ArgumentError(f"{{}} must be between 1 and 64, got {self.bins}", Argument("bins"))


@dataclass(frozen=True)
class FeatureSpec:
    """One feature extractor and what a user needs to know about it."""

    name: str
    kind: FeatureKind
    version: int
    """Bumped whenever the values change, so stored values are never reused stale."""
    default_distance: str
    summary: str
    """What the feature captures and when to use it."""
    uses: tuple[str, ...]
    """The :class:`FeatureParams` fields this feature depends on."""
    dim: Callable[[FeatureParams], int]
    """Length of the vector (number of bits for hashes)."""
    work_side: Callable[[FeatureParams], int | None]
    """Pixels per side the feature needs; ``None`` when it needs the full resolution."""
    needs_color: bool
    """``False`` when the feature reads only the luma: it is then computed from an H x W
    luma array, and files are decoded to their luma for it."""
    compute: Callable[[NDArray[np.uint8], FeatureParams, bool], NDArray[np.generic]]
    """``(image, params, reduced)`` to the feature; see :meth:`extract`."""

    def extract(
        self, image: NDArray[np.uint8], params: FeatureParams, *, reduced: bool = False
    ) -> NDArray[np.generic]:
        """The feature of one image (RGB, or luma if not :attr:`needs_color`): packed
        ``uint8`` bits for hashes, ``float32`` otherwise.

        ``reduced`` says that ``image`` is a reduced decode of a larger file (DCT-scaled
        or resized to ``--size``), so that no full-size reference can be matched bit for
        bit; the hashes then resample faster (see :mod:`imgsim.features.hashes`).
        """
        return self.compute(image, params, reduced)

    def vectors(self, stored: NDArray[np.generic]) -> NDArray[np.float64]:
        """Stored values (N, width) as float64 vectors: hash bits unpacked to 0/1."""
        values = np.asarray(stored)
        if self.kind == "hash":
            bits = np.unpackbits(values.astype(np.uint8, copy=False), axis=1)
            return bits[:, : values.shape[1] * 8].astype(np.float64)
        return values.astype(np.float64)

    @property
    def stored_dtype(self) -> type[np.generic]:
        """``uint8`` for packed hash bits, ``float32`` for every other feature."""
        return np.uint8 if self.kind == "hash" else np.float32

    def stored_width(self, params: FeatureParams) -> int:
        """Values per image as stored: bytes of packed bits for hashes, else :attr:`dim`."""
        return (self.dim(params) + 7) // 8 if self.kind == "hash" else self.dim(params)

    def param_values(self, params: FeatureParams) -> dict[str, int]:
        """The options this feature depends on, with their values."""
        return {name: getattr(params, name) for name in self.uses}


def _hash_spec(name: str, summary: str) -> FeatureSpec:
    return FeatureSpec(
        name=name,
        kind="hash",
        version=2,
        default_distance="hamming",
        summary=summary,
        uses=("hash_size",),
        dim=lambda p: p.hash_size * p.hash_size,
        work_side=lambda p: hashes.work_side(name, p.hash_size),
        needs_color=False,
        compute=lambda image, p, reduced: hashes.HASHERS[name](image, p.hash_size, reduced),
    )


FEATURES: dict[str, FeatureSpec] = {
    spec.name: spec
    for spec in (
        _hash_spec(
            "phash",
            "Perceptual hash (DCT of a 32x32 gray thumbnail): near-duplicates, "
            "robust to resizing and re-encoding.",
        ),
        _hash_spec(
            "dhash",
            "Difference hash (gradients of a 9x8 gray thumbnail): fast near-duplicate check.",
        ),
        _hash_spec(
            "ahash",
            "Average hash (8x8 gray thumbnail above its mean): the crudest, exact copies.",
        ),
        _hash_spec(
            "whash",
            "Wavelet hash (Haar low band): near-duplicates, a little more robust to noise.",
        ),
        FeatureSpec(
            name="color_hist",
            kind="histogram",
            version=1,
            default_distance="chi2",
            summary="Joint HSV colour histogram, L1-normalised: palette and colour balance, "
            "blind to layout.",
            uses=("bins",),
            dim=lambda p: p.bins**3,
            work_side=lambda p: color.WORK_SIDE,
            needs_color=True,
            compute=lambda image, p, reduced: color.hsv_histogram(image, p.bins),
        ),
        FeatureSpec(
            name="thumb",
            kind="vector",
            version=2,
            default_distance="cosine",
            summary="32x32 gray thumbnail (area-averaged) scaled to [0, 1]: raw layout, "
            "the 'pixels' baseline.",
            uses=(),
            dim=lambda p: pixels.THUMB_SIDE * pixels.THUMB_SIDE,
            work_side=lambda p: pixels.WORK_SIDE,
            needs_color=False,
            compute=lambda image, p, reduced: pixels.gray_thumbnail(image),
        ),
    )
}

PARAM_NAMES = tuple(f.name for f in fields(FeatureParams))

DEFAULT_FEATURE = "color_hist"
"""The feature of the set metrics, ``rank``, ``diversity`` and ``duplicates`` when none
is given: of the existing features, the one whose Fréchet distance and KID respond to
the most disturbances of the sensitivity report (``bench/sensitivity.py``,
``docs/sensitivity.md``): noise, black rectangles and salt-and-pepper, where the
hashes respond to rectangles only and ``thumb`` to noise and rectangles."""


def get_feature(name: str) -> FeatureSpec:
    """The spec of a feature by name; an unknown name lists the valid ones."""
    try:
        return FEATURES[name]
    except KeyError:
        raise UsageError(
            f"unknown feature {name!r}; valid features: {', '.join(FEATURES)}"
        ) from None


def resolve_features(names: Iterable[str]) -> list[FeatureSpec]:
    """Specs for the names given, in order, without repeats."""
    specs: list[FeatureSpec] = []
    for name in names:
        spec = get_feature(name)
        if spec not in specs:
            specs.append(spec)
    if not specs:
        raise UsageError(f"no feature given; valid features: {', '.join(FEATURES)}")
    return specs


def check_params(specs: Iterable[FeatureSpec], params: FeatureParams) -> None:
    """Refuse option values a requested feature cannot use, before any work starts."""
    size = params.hash_size
    if any(spec.name == "whash" for spec in specs) and size & (size - 1):
        raise ArgumentError(
            f"{{}} must be a power of 2 for whash, got {size}", Argument("hash_size")
        )


def hash_to_hex(packed: NDArray[np.uint8], bits: int) -> str:
    """Hex string of a packed hash, as ``str(imagehash.ImageHash)`` writes it."""
    value = int.from_bytes(packed.tobytes(), "big") >> (packed.size * 8 - bits)
    return f"{value:0{(bits + 3) // 4}x}"


def output_value(spec: FeatureSpec, value: NDArray[np.generic], params: FeatureParams) -> Any:
    """A feature value for output: a hex string for hashes, a list of floats otherwise.

    Floats are written with the shortest decimal that gives back the same float32.
    """
    if spec.kind == "hash":
        return hash_to_hex(value.astype(np.uint8, copy=False), spec.dim(params))
    # The shortest text is found once per distinct value (histograms repeat a few dozen
    # values); distinct by bit pattern, so -0.0 and NaN payloads are kept.
    bits = value.astype(np.float32).view(np.uint32)
    distinct = np.unique(bits)
    floats = np.array(
        list(map(float, distinct.view(np.float32).astype(str).tolist())), dtype=object
    )
    values: list[float] = floats[np.searchsorted(distinct, bits)].tolist()
    return values


def extract_one(
    image: NDArray[np.uint8],
    specs: Iterable[FeatureSpec],
    params: FeatureParams,
    *,
    reduced: bool = False,
) -> dict[str, NDArray[np.generic]]:
    """All requested features of one image, from the one decoded array (``reduced``:
    see :meth:`FeatureSpec.extract`)."""
    return {spec.name: spec.extract(image, params, reduced=reduced) for spec in specs}


__all__ = [
    "DEFAULT_FEATURE",
    "FEATURES",
    "FeatureKind",
    "FeatureParams",
    "FeatureSpec",
    "check_params",
    "extract_one",
    "get_feature",
    "hash_to_hex",
    "output_value",
    "resolve_features",
]
