"""The record of one metric in the registry (:mod:`imgsim.metrics.registry`).

Importing this module imports no numpy: the command line builds its help text from
the registry when it starts, and the functions are imported on first use.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

from imgsim.errors import UsageError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from imgsim.features import FeatureKind, FeatureSpec

MetricKind = Literal["pixels", "no-reference", "keypoints", "distance", "set", "diversity"]
Direction = Literal["higher", "lower", "neither"]
"""Which values are better; ``neither`` for a level whose best lies between its ends
(``brightness``)."""

SQRT_LN2 = math.sqrt(math.log(2.0))
_NAMED_BOUNDS = {math.inf: "inf", -math.inf: "-inf", SQRT_LN2: "sqrt(ln 2)"}
"""Bounds written by name in ranges: their decimals would say less."""


class Deferred:
    """A function imported on its first call, so that the registry imports no numpy or
    OpenCV before a metric is computed."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._function: Callable[..., Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._function is None:
            self._function = getattr(importlib.import_module(self.module), self.name)
        return self._function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"


def bound_text(value: float) -> str:
    """A range bound as ``imgsim list`` writes it: ``inf``, ``sqrt(ln 2)``, ``65025``."""
    return _NAMED_BOUNDS.get(value, f"{value:g}")


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One metric: what it is called, what it scores, which way is better, where its
    values lie, when to use it, and the function that computes it.

    The function's arguments depend on the kind: two ``uint8`` images (``pixels``,
    ``keypoints``), two float64 matrices to an (n, m) matrix (``distance``), the
    :class:`~imgsim.metrics.set_scoring.SetInputs` of two sets (``set``).
    """

    name: str
    kind: MetricKind
    direction: Direction
    """Which values are better (for a distance: closer)."""
    low: float
    high: float
    """The bounds of every value (``inf`` where there is none)."""
    summary: str
    """What it measures and when to use it."""
    function: Callable[..., Any]
    aliases: tuple[str, ...] = ()
    range_note: str = ""
    """What the bounds do not say: a unit (`` dB``), a typical value."""
    use_when: str = ""
    """When to pick it over the others."""
    reference: str = ""
    """The paper that defines it, and the authors' code imgsim follows."""
    symmetric: bool = True
    """Whether swapping the two inputs leaves the value unchanged (a full-reference
    metric's first image is the one judged, the second its reference)."""
    options: tuple[str, ...] = ()
    """Keyword arguments of :attr:`function` beyond the two inputs (``crop_border``)."""
    columns: tuple[str, ...] = ()
    """The values a no-reference metric gives, each an output column, when it gives more
    than one (``brightness``: mean and percentiles); empty: one value, named :attr:`name`."""

    @property
    def outputs(self) -> tuple[str, ...]:
        """The names of the values the metric gives: :attr:`columns`, or its name alone."""
        return self.columns or (self.name,)

    @property
    def higher_is_better(self) -> bool:
        """Whether higher values are better (for a distance: closer)."""
        return self.direction == "higher"

    @property
    def direction_text(self) -> str:
        """``higher is better``; ``lower is closer`` for a distance."""
        if self.direction == "neither":
            return "neither end is better"
        return f"{self.direction} is {'closer' if self.kind == 'distance' else 'better'}"

    @property
    def range(self) -> str:
        """The bounds as an interval (``[0, inf)``), with :attr:`range_note`."""
        opening = "(" if math.isinf(self.low) else "["
        closing = ")" if math.isinf(self.high) else "]"
        interval = f"{opening}{bound_text(self.low)}, {bound_text(self.high)}{closing}"
        return interval + self.range_note


@dataclass(frozen=True)
class Span:
    """The scale of a distance on feature values in [0, 1]: the largest value it can take
    (for a similarity: its value on identical vectors), ``None`` where it has none.

    ``histogram`` is the span on histograms that sum to 1; ``box`` gives the span on d
    values in [0, 1] (hash bits, thumbnails) as a function of d. Only features whose
    values lie there (the hashes, ``color_hist``, ``thumb``) take their default
    near-duplicate thresholds from it; features of other scales (lbp's two histograms
    sum to 2, glcm's contrast reaches (levels - 1)^2, hu and sift_vlad are signed) have
    thresholds measured on photographs instead (:mod:`imgsim.metrics.near_duplicates`).
    """

    histogram: float | None
    box: Callable[[int], float] | None

    def on(self, kind: FeatureKind, dim: int) -> float | None:
        """The span on a feature of this kind and dimension."""
        if kind == "histogram":
            return self.histogram
        return self.box(dim) if self.box is not None else None


@dataclass(frozen=True)
class NearDuplicate:
    """Fractions of the span within which two images are near-duplicates, per kind of
    feature: a distance of at most ``fraction * span``, or a similarity of at least
    ``(1 - fraction) * span``."""

    histogram: float
    hash: float
    vector: float

    def fraction(self, kind: FeatureKind) -> float:
        """The fraction on a feature of this kind."""
        return {"histogram": self.histogram, "hash": self.hash, "vector": self.vector}[kind]


@dataclass(frozen=True, kw_only=True)
class Distance(Metric):
    """A distance or similarity between feature vectors; :attr:`function` is its
    pairwise form, (n, d) and (m, d) float64 to (n, m)."""

    kind: MetricKind = "distance"
    span: Span
    """Largest value on feature values (similarities: value on identical vectors)."""
    near_duplicate: NearDuplicate
    """Where near-duplicates end, as fractions of :attr:`span`."""
    needs_bits: bool = False
    """Works on packed hash bytes (``hamming``) instead of float vectors."""
    range_on_histograms: bool = False
    """The bounds hold on histograms only (vectors that sum to 1)."""
    feature: str | None = None
    """The one feature whose values the distance reads (``segments``: ``crop_resistant``);
    ``None``: any feature of the right kind."""
    distributions: bool = False
    """Compares distributions (square roots or logarithms of the values): it refuses
    features whose values may be negative (:attr:`FeatureSpec.signed`)."""

    @property
    def higher_is_closer(self) -> bool:
        """Whether higher values mean closer (a similarity)."""
        return self.direction == "higher"

    @property
    def pairwise(self) -> Callable[..., Any]:
        """(n, d) and (m, d) float64 → (n, m)."""
        return self.function

    @property
    def range(self) -> str:
        """The bounds as an interval, ``on histograms`` where they hold only there."""
        return super().range + (" on histograms" if self.range_on_histograms else "")

    def require_hash(self, spec: FeatureSpec, argument: str = "distance") -> None:
        """Raise a :class:`UsageError` when this distance cannot read ``spec``'s values: it
        needs hash bits and ``spec`` is not a hash, or it reads one other feature only;
        ``argument`` names the distance in the message."""
        if self.needs_bits and spec.kind != "hash":
            raise UsageError(f"{argument} {self.name} works on hashes, not on {spec.name}")
        if self.feature is not None and spec.name != self.feature:
            raise UsageError(
                f"{argument} {self.name} works on {self.feature} only, not on {spec.name}"
            )
        refusal = self.signed_refusal(spec)
        if refusal:
            raise UsageError(f"{argument} {refusal}")

    def signed_refusal(self, spec: FeatureSpec) -> str | None:
        """Why this distance cannot compare ``spec``'s values as distributions, if it cannot."""
        if self.distributions and spec.signed:
            return (
                f"{self.name} compares distributions, and {spec.name} has negative values: "
                "use euclidean or cosine"
            )
        return None

    @overload
    def is_within(self, values: float, threshold: float) -> bool: ...
    @overload
    def is_within(self, values: NDArray[np.float64], threshold: float) -> NDArray[np.bool_]: ...

    def is_within(
        self, values: float | NDArray[np.float64], threshold: float
    ) -> bool | NDArray[np.bool_]:
        """Whether ``values`` (a float or an array) are within ``threshold``: at most it
        for a distance, at least it for a similarity."""
        if isinstance(values, int | float):
            return bool(values >= threshold if self.higher_is_closer else values <= threshold)
        return values >= threshold if self.higher_is_closer else values <= threshold
