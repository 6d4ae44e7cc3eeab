"""Reference statistics of an image set, and scoring a generated set against them.

:class:`ReferenceStats` holds what the set metrics need from the reference set: its
feature vectors, their mean and covariance, and which feature (name, parameters,
version) made them. It is saved as a small ``.npz`` so that a CI job compares
against a file instead of the reference images, and it refuses to be compared with
vectors of another feature. Features wider than
:data:`~imgsim.metrics.sets.COVARIANCE_MAX_DIMENSION` get no covariance: fd is then
refused, while kid and the k-NN metrics, which need none, still work.
:class:`SetScorer` scores batches of generated images in memory, for training loops;
:func:`score_sets` is what both it and ``imgsim compare --set`` run, so the numbers
are the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from imgsim.defaults import DEFAULT_SEED
from imgsim.errors import Argument, StatisticsMismatch, UsageError, literal
from imgsim.features import (
    DEFAULT_FEATURE,
    FeatureParams,
    FeatureSpec,
    check_params,
    get_feature,
    is_model_feature,
)
from imgsim.features.spec import ONNX_OPTIONS, ParamValue, key_name
from imgsim.metrics import sets

if TYPE_CHECKING:
    from imgsim.npzfile import ImgsimNpz

Matrix = NDArray[np.float64]
DEFAULT_SET_METRICS = ("fd", "kid", "precision", "recall", "density", "coverage")
MIN_REFERENCE_IMAGES = 2
"""A statistics file of fewer images would serve no set metric (see ``sets.min_set_size``)."""


@dataclass(frozen=True)
class SetOptions:
    """The knobs of the set metrics."""

    k: int = sets.DEFAULT_K
    """Neighbours of precision, recall, density and coverage."""
    subsets: int = sets.DEFAULT_SUBSETS
    subset_size: int = sets.DEFAULT_SUBSET_SIZE
    seed: int = DEFAULT_SEED


def feature_matrix(spec: FeatureSpec, stored: NDArray[np.generic]) -> Matrix:
    """Stored feature values (N, width) as float64 vectors: hash bits unpacked to 0/1."""
    return spec.vectors(stored)


@dataclass(frozen=True)
class ReferenceStats:
    """Feature vectors of a reference set and their Gaussian, with the feature that made them."""

    feature: str
    params: dict[str, ParamValue]
    """The options the feature depends on (``hash_size``, ``bins``)."""
    version: int
    """The feature's version: vectors of another version are not comparable."""
    features: Matrix
    gaussian: sets.Gaussian | None
    """Mean and covariance for fd; ``None`` for a single vector, or for features wider
    than :data:`~imgsim.metrics.sets.COVARIANCE_MAX_DIMENSION`."""
    imgsim_version: str = field(default="")

    @classmethod
    def from_features(
        cls,
        features: NDArray[np.generic],
        feature: str = DEFAULT_FEATURE,
        params: FeatureParams | None = None,
    ) -> ReferenceStats:
        """Statistics of vectors already extracted with ``feature`` (as :func:`imgsim.extract`
        returns them: packed bits for hashes)."""
        from imgsim import __version__

        spec = get_feature(feature)
        params = params or FeatureParams()
        matrix = feature_matrix(spec, np.atleast_2d(features))
        if len(matrix) == 0:
            raise UsageError("features is empty: statistics need at least one vector")
        wide = matrix.shape[1] > sets.COVARIANCE_MAX_DIMENSION
        return cls(
            feature=spec.name,
            params=spec.param_values(params),
            version=spec.version,
            features=matrix,
            gaussian=None if wide or len(matrix) < 2 else sets.Gaussian.fit(matrix),
            imgsim_version=__version__,
        )

    @classmethod
    def from_folder(
        cls,
        paths: str | Path | Sequence[str | Path],
        feature: str = DEFAULT_FEATURE,
        params: FeatureParams | None = None,
        *,
        workers: int | None = None,
    ) -> ReferenceStats:
        """Statistics of every image under ``paths``, extracted as ``imgsim extract`` does
        (through the feature store). An unreadable file raises :class:`imgsim.BadImage`."""
        from imgsim.jobs.features import features_of, find_images, refuse_unreadable
        from imgsim.store import FeatureStore, default_location

        params = params or FeatureParams()
        inputs = [paths] if isinstance(paths, (str, Path)) else list(paths)
        files = find_images(inputs)
        with FeatureStore(default_location()) as store:
            found = features_of(
                files, feature, params, store=store, workers=workers, on_result=refuse_unreadable
            )
        return cls.from_features(found.values, feature, params)

    @property
    def count(self) -> int:
        """Number of reference images."""
        return len(self.features)

    @property
    def dimension(self) -> int:
        """Length of the feature vectors."""
        return int(self.features.shape[1])

    @property
    def mean(self) -> NDArray[np.float64]:
        """Mean feature vector."""
        if self.gaussian is not None:
            return self.gaussian.mean
        return np.asarray(self.features.mean(axis=0), dtype=np.float64)

    def check_compatible(self, feature: str, params: FeatureParams) -> None:
        """Refuse vectors of another feature, other options or another feature version."""
        spec = get_feature(feature)
        wanted = (spec.key_name, spec.param_values(params), spec.version)
        recorded = self._recorded_values(spec)
        if wanted != (key_name(self.feature), recorded, self.version):
            values = self.params if recorded is None else recorded
            made_text, made = _described(self.feature, values)
            asked_text, asked = _described(spec.name, wanted[1])
            options = asked if spec.model is None else _model_options(params)
            raise StatisticsMismatch(
                f"the reference statistics were made with {made_text} version {self.version}, "
                f"not {asked_text} version {spec.version}",
                *made,
                *asked,
                feature=spec.name,
                options=tuple(options),
            )

    def _recorded_values(self, spec: FeatureSpec) -> dict[str, ParamValue] | None:
        """The recorded options as ``spec`` reads them now: an option recorded before it
        existed (``space`` of color_hist) counts as its default; ``None`` when the
        recorded ones are no options of ``spec`` or no valid values."""
        if spec.key_name != key_name(self.feature):
            return None
        return spec.recorded_values(self.params)

    def save(self, path: str | Path) -> None:
        """Write an ``.npz`` (atomically) that :meth:`load` reads back exactly: features and
        mean, and the covariance when there is one."""
        from imgsim.npzfile import STATISTICS
        from imgsim.output import write_npz

        if self.count < MIN_REFERENCE_IMAGES:
            raise UsageError(
                f"statistics need at least {MIN_REFERENCE_IMAGES} images, got {self.count}: "
                "fd and kid need 2 in each set, precision, recall, density and coverage "
                "more than k"
            )
        meta = {
            "kind": STATISTICS.kind,
            "feature": self.feature,
            "params": self.params,
            "version": self.version,
            "imgsim_version": self.imgsim_version,
            "count": self.count,
        }
        arrays = {"features": self.features, "mean": self.mean, "_meta": np.array(json.dumps(meta))}
        if self.gaussian is not None:
            arrays["covariance"] = self.gaussian.covariance
        write_npz(Path(path), arrays)

    @classmethod
    def load(cls, path: str | Path) -> ReferenceStats:
        """Read statistics written by :meth:`save` (``imgsim stats``); any other file, or
        one whose arrays disagree, raises a :class:`UsageError` naming it."""
        from imgsim.npzfile import STATISTICS, read_npz

        with read_npz(path, STATISTICS) as npz:
            feature, params, version = _identity(npz)
            features = npz.array("features", 2).astype(np.float64)
            mean = npz.array("mean", 1).astype(np.float64)
            covariance = (
                npz.array("covariance", 2).astype(np.float64) if "covariance" in npz.names else None
            )
            _check_shapes(npz, features, mean, covariance)
            imgsim_version = str(npz.meta.get("imgsim_version", ""))
        return cls(
            feature=feature,
            params=params,
            version=version,
            features=features,
            gaussian=None if covariance is None else sets.Gaussian(mean, covariance, len(features)),
            imgsim_version=imgsim_version,
        )


def _identity(npz: ImgsimNpz) -> tuple[str, dict[str, ParamValue], int]:
    """The feature, its options and its version, as a statistics file's ``_meta`` names them."""
    feature, params, version = (npz.meta.get(key) for key in ("feature", "params", "version"))
    if (
        not isinstance(feature, str)
        or not isinstance(params, dict)
        or not all(type(value) in (int, str) for value in params.values())
        or type(version) is not int
    ):
        raise npz.damaged("its _meta does not name the feature, its options and its version")
    return feature, {str(name): value for name, value in params.items()}, version


def _check_shapes(
    npz: ImgsimNpz, features: Matrix, mean: Matrix, covariance: Matrix | None
) -> None:
    """The arrays of a statistics file agree with each other and with its ``_meta``."""
    rows, dimension = features.shape
    count = npz.meta.get("count", rows)
    if rows == 0:
        raise npz.damaged("it holds no feature vectors")
    if count != rows:
        raise npz.damaged(f"its _meta counts {count} images, but features has {rows} rows")
    if mean.shape != (dimension,):
        raise npz.damaged(f"mean has {mean.size} values for features of {dimension} dimensions")
    if covariance is None:
        if rows >= 2 and dimension <= sets.COVARIANCE_MAX_DIMENSION:
            raise npz.damaged(f"it has no covariance for features of {dimension} dimensions")
    elif covariance.shape != (dimension, dimension):
        shape = "x".join(map(str, covariance.shape))
        raise npz.damaged(f"covariance is {shape} for features of {dimension} dimensions")


@dataclass(frozen=True)
class SetScores:
    """Set metric values and what the user should know about them."""

    values: dict[str, float]
    notes: tuple[str, ...] = ()


def score_sets(
    reference: ReferenceStats,
    generated: Matrix,
    metrics: Sequence[str] = DEFAULT_SET_METRICS,
    options: SetOptions | None = None,
) -> SetScores:
    """The set metrics of generated vectors (float64, as :func:`feature_matrix`) against
    a reference, in the order of ``metrics``; each is the function of its registry entry."""
    from imgsim.metrics.set_scoring import SetInputs

    options = options or SetOptions()
    chosen = [sets.get_set_metric(name) for name in metrics]
    check_sets(reference, [metric.name for metric in chosen], options, generated)
    inputs = SetInputs(
        reference.features,
        generated,
        reference.gaussian,
        k=options.k,
        subsets=options.subsets,
        subset_size=options.subset_size,
        seed=options.seed,
    )
    values: dict[str, float] = {}
    notes: list[str] = []
    try:
        for metric in chosen:
            values[metric.name], metric_notes = metric.function(inputs)
            notes.extend(f"{metric.name}: {note}" for note in metric_notes)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return SetScores(values, tuple(notes))


def check_sets(
    reference: ReferenceStats,
    metrics: Sequence[str],
    options: SetOptions,
    generated: Matrix | None = None,
) -> None:
    """Refuse, before any computation, sets too small for one of ``metrics``, fd on
    features too wide for a covariance, and generated vectors of another dimension."""
    counts = [("reference", reference.count)]
    if generated is not None:
        if generated.ndim != 2 or generated.shape[1] != reference.dimension:
            raise UsageError(
                f"the generated features have shape {generated.shape}, but the reference "
                f"features have {reference.dimension} dimensions"
            )
        counts.append(("generated", len(generated)))
    limit = sets.COVARIANCE_MAX_DIMENSION
    for name in metrics:  # in the order asked for, so the first problem is the one reported
        need = sets.min_set_size(name, options.k)
        for label, count in counts:
            if count < need:
                raise UsageError(_too_few(name, need, label, count, options.k))
        if name == "fd" and reference.dimension > limit:
            raise UsageError(
                f"fd needs the covariance of each set, and {_plain(reference)} has "
                f"{reference.dimension:,} dimensions, more than the {limit:,} imgsim computes "
                f"a covariance for ({sets.covariance_mebibytes(limit)} MiB); use "
                f"{_narrower(reference)}, or kid, precision, recall, density or coverage, "
                "which need no covariance"
            )


def _too_few(metric: str, need: int, label: str, count: int, k: int) -> str:
    images = "image" if count == 1 else "images"
    if metric in sets.PRDC:
        return (
            f"{metric} needs more than k={k} images in each set (k neighbours of each); "
            f"the {label} set has {count} {images}: use a smaller k or more images"
        )
    why = " (for a covariance)" if metric == "fd" else ""
    return f"{metric} needs at least {need} images in each set{why}; the {label} set has {count}"


def _plain(reference: ReferenceStats) -> str:
    options = ", ".join(f"{name} {value}" for name, value in reference.params.items())
    return f"{reference.feature} ({options})" if options else reference.feature


def _narrower(reference: ReferenceStats) -> str:
    if "bins" in reference.params:
        return "fewer bins"
    if "hash_size" in reference.params:
        return "a smaller hash_size"
    return "a narrower feature"


class SetScorer:
    """Score a generated set against reference statistics, batch by batch, in memory.

    >>> scorer = SetScorer(ReferenceStats.load("ref.npz"), metrics=["fd", "kid"])
    >>> for batch in batches:          # (B, H, W, 3) uint8 arrays
    ...     scorer.update(batch)
    >>> scorer.compute()               # {"fd": …, "kid": …}

    Features are computed with the reference's feature and options; nothing is
    read from or written to disk.
    """

    def __init__(
        self,
        reference: ReferenceStats,
        feature: str | None = None,
        metrics: Sequence[str] = DEFAULT_SET_METRICS,
        *,
        params: FeatureParams | None = None,
        options: SetOptions | None = None,
    ) -> None:
        self.reference = reference
        self.spec = get_feature(feature or reference.feature)
        self.params = params or self.spec.params_from(reference.params)
        check_params([self.spec], self.params)
        reference.check_compatible(self.spec.name, self.params)
        self.metrics = [sets.get_set_metric(name).name for name in metrics]
        self.options = options or SetOptions()
        check_sets(reference, self.metrics, self.options)
        self._rows: list[NDArray[np.generic]] = []

    def update(self, batch: NDArray[np.uint8] | Iterable[NDArray[np.uint8]]) -> None:
        """Add a batch of generated images: (B, H, W, 3) ``uint8`` (or a list of H x W x 3)."""
        from imgsim.decoding import features_of_arrays
        from imgsim.images import as_rgb_uint8

        images = list(batch) if not isinstance(batch, np.ndarray) or batch.ndim == 4 else [batch]
        pixels = [as_rgb_uint8(image, f"batch[{index}]") for index, image in enumerate(images)]
        for row in features_of_arrays(pixels, [self.spec], self.params):
            self._rows.append(row[self.spec.name])

    @property
    def count(self) -> int:
        """Generated images seen so far."""
        return len(self._rows)

    def compute(self) -> dict[str, float]:
        """The metrics of every image seen so far against the reference."""
        if not self._rows:
            raise ValueError("no generated images yet: call update() first")
        generated = feature_matrix(self.spec, np.stack(self._rows))
        return score_sets(self.reference, generated, self.metrics, self.options).values

    def reset(self) -> None:
        """Forget the images seen so far (e.g. at the next checkpoint)."""
        self._rows.clear()


def _described(feature: str, values: Mapping[str, ParamValue]) -> tuple[str, list[Argument]]:
    """A feature and what its values depend on, for :class:`StatisticsMismatch`: a
    ``{}`` for each option, or for a model feature (whose values are the model's digest
    and preprocessing, not options) the values as text."""
    if is_model_feature(feature):
        text = ", ".join(f"{name} {value}" for name, value in values.items())
        return literal(f"{feature} ({text})"), []
    arguments = [Argument(name, value) for name, value in values.items()]
    if not arguments:
        return feature, []
    return f"{feature} ({', '.join('{}' for _ in arguments)})", arguments


def _model_options(params: FeatureParams) -> list[Argument]:
    """The options given for a model feature, which rebuild its statistics."""
    return [
        Argument(name, getattr(params, name))
        for name in ONNX_OPTIONS
        if getattr(params, name) is not None
    ]
