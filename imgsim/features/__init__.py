"""The registry of feature extractors.

A feature turns one upright RGB ``uint8`` image into a fixed-length vector: packed
bits for perceptual hashes, an L1-normalised histogram, or a float32 vector. Each
family module lists its features in ``SPECS`` (:mod:`~imgsim.features.spec` says what
a feature is); :data:`FEATURES` gathers them, and the CLI choices, ``imgsim list`` and
the docs all derive from it. Adding a feature is adding one entry to its family.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import UsageError
from imgsim.features import color, hand, hashes, keypoints, pixels, segments, shape, texture
from imgsim.features.spec import FeatureKind, FeatureParams, FeatureSpec

FAMILIES = (hashes, segments, color, texture, shape, keypoints, pixels, hand)
"""The family modules, in the order ``imgsim list`` shows their features."""

FEATURES: dict[str, FeatureSpec] = {spec.name: spec for family in FAMILIES for spec in family.SPECS}

PARAM_NAMES = tuple(f.name for f in fields(FeatureParams))

DEFAULT_FEATURE = "hand"
"""The feature of the set metrics, ``rank``, ``diversity`` and ``duplicates`` when none
is given: the composition that met every target of ``bench/choose_default.py`` (fd and
kid rise at every level of five disturbances; top-1 retrieval among hard negatives),
as the README's "The default feature" shows."""


MODEL_FEATURE = "onnx:PATH[#OUTPUT]"
"""How a model feature is named: the user's ONNX file (:mod:`imgsim.features.onnx_feature`)."""


def is_model_feature(name: str) -> bool:
    """Whether ``name`` names a model feature (``onnx:PATH[#OUTPUT]``)."""
    return name.startswith("onnx:")


def get_feature(name: str) -> FeatureSpec:
    """The spec of a feature by name; an unknown name lists the valid ones."""
    if is_model_feature(name):
        from imgsim.features.onnx_feature import onnx_spec

        return onnx_spec(name)
    try:
        return FEATURES[name]
    except KeyError:
        raise UsageError(
            f"unknown feature {name!r}; valid features: {', '.join(FEATURES)}, {MODEL_FEATURE}"
        ) from None


def resolve_features(names: Iterable[str]) -> list[FeatureSpec]:
    """Specs for the names given, in order, without repeats."""
    specs: list[FeatureSpec] = []
    for name in names:
        spec = get_feature(name)
        if spec not in specs:
            specs.append(spec)
    if not specs:
        raise UsageError(
            f"no feature given; valid features: {', '.join(FEATURES)}, {MODEL_FEATURE}"
        )
    return specs


def check_params(
    specs: Iterable[FeatureSpec], params: FeatureParams, *, threads: int | None = None
) -> None:
    """Refuse option values a requested feature cannot use, and model files that cannot
    be used, before any work starts; models are loaded with ``threads`` runtime threads
    (``None``: any loaded already)."""
    for spec in specs:
        if spec.name == "whash":
            hashes.check_params(params)
        if spec.model is not None:
            spec.model.load(params, threads)


def hash_to_hex(packed: NDArray[np.uint8], bits: int) -> str:
    """Hex string of a packed hash, as ``str(imagehash.ImageHash)`` writes it."""
    value = int.from_bytes(packed.tobytes(), "big") >> (packed.size * 8 - bits)
    return f"{value:0{(bits + 3) // 4}x}"


def output_value(spec: FeatureSpec, value: NDArray[np.generic], params: FeatureParams) -> Any:
    """A feature value for output: the spec's own text (:attr:`FeatureSpec.to_text`), else
    a hex string for hashes, a list of floats otherwise.

    Floats are written with the shortest decimal that gives back the same float32.
    """
    if spec.to_text is not None:
        return spec.to_text(value.astype(np.uint8, copy=False), params)
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
    "MODEL_FEATURE",
    "FeatureKind",
    "FeatureParams",
    "FeatureSpec",
    "check_params",
    "extract_one",
    "get_feature",
    "hash_to_hex",
    "is_model_feature",
    "output_value",
    "resolve_features",
]
