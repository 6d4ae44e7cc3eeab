"""What a feature is: :class:`FeatureSpec`, and the options it reads, :class:`FeatureParams`.

A feature turns one upright RGB ``uint8`` image into a fixed-length vector: packed
bits for perceptual hashes, an L1-normalised histogram, or a float32 vector. Each
family module (:mod:`~imgsim.features.color`, ``texture``, ``gabor``, ``shape``,
``keypoints``, ``hashes``, ``segments``, ``pixels``) lists its features in ``SPECS``;
:mod:`imgsim.features` gathers them into the one registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from imgsim.defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BINS,
    DEFAULT_CROP,
    DEFAULT_GLCM_LEVELS,
    DEFAULT_HASH_SIZE,
    DEFAULT_SEGMENTS,
    DEFAULT_SPACE,
    DEFAULT_WORK_SIZE,
)
from imgsim.errors import Argument, ArgumentError

FeatureKind = Literal["hash", "histogram", "vector"]
Crop = Literal["none", "center"]
ColourSpace = Literal["hsv", "rgb", "lab"]
CROPS: tuple[Crop, ...] = ("none", "center")
SPACES: tuple[ColourSpace, ...] = ("hsv", "rgb", "lab")
GLCM_LEVELS = (32, 64)
ParamValue = int | str
"""The value of one :class:`FeatureParams` option as stores and statistics files record it."""


@dataclass(frozen=True)
class FeatureParams:
    """The options that change what features compute (part of every cache key)."""

    hash_size: int = DEFAULT_HASH_SIZE
    """Side of the bit grid of the perceptual hashes: ``hash_size**2`` bits."""
    bins: int = DEFAULT_BINS
    """Bins per channel of ``color_hist``: ``bins**3`` values."""
    space: ColourSpace = DEFAULT_SPACE  # type: ignore[assignment]
    """Colour space of ``color_hist``: ``hsv``, ``rgb`` or ``lab``."""
    size: int | None = None
    """Working size: the features of the working image (texture, shape, keypoints, colour
    moments) read the image scaled to ``size`` x ``size``
    (:data:`~imgsim.defaults.DEFAULT_WORK_SIZE` when ``None``); every other feature reads
    the image with its longer side scaled down to at most ``size`` (``None``: its own
    working size)."""
    crop: Crop = DEFAULT_CROP  # type: ignore[assignment]
    """``center``: every feature reads the central square of the image; ``none``: all of it."""
    glcm_levels: int = DEFAULT_GLCM_LEVELS
    """Grey levels of the co-occurrence matrices of ``glcm``: 32 or 64."""
    segments: int = DEFAULT_SEGMENTS
    """Most segments (the largest) that ``crop_resistant`` hashes."""
    onnx_size: tuple[int, int] | None = None
    """Input (height, width) of ``onnx:`` models; ``None``: the model's metadata, else
    its fixed input size (see :mod:`imgsim.features.onnx_prep`, as every ``onnx_``
    option)."""
    onnx_layout: str | None = None
    """``NCHW`` or ``NHWC``; ``None``: the model's metadata, else ``NCHW``."""
    onnx_range: tuple[float, float] | None = None
    """What 0 and 255 become; ``None``: the model's metadata, else ``(0, 1)``."""
    onnx_mean: tuple[float, float, float] | None = None
    """Per-channel mean subtracted; ``None``: the model's metadata, else none."""
    onnx_std: tuple[float, float, float] | None = None
    """Per-channel std divided by; ``None``: the model's metadata, else none."""
    onnx_resize: str | None = None
    """``bicubic``, ``bilinear`` or ``area``; ``None``: the model's metadata, else
    ``bicubic`` (clean-fid's "clean" resize)."""
    batch_size: int = DEFAULT_BATCH_SIZE
    """Images per run of an ``onnx:`` model: changes the speed, not the values."""

    def __post_init__(self) -> None:
        if self.hash_size < 2:
            raise ArgumentError(
                f"{{}} must be at least 2, got {self.hash_size}", Argument("hash_size")
            )
        if self.bins < 1 or self.bins > 64:
            raise ArgumentError(f"{{}} must be between 1 and 64, got {self.bins}", Argument("bins"))
        _one_of("space", self.space, SPACES)
        _one_of("crop", self.crop, CROPS)
        _one_of("glcm_levels", self.glcm_levels, GLCM_LEVELS)
        if self.size is not None and self.size < 8:
            raise ArgumentError(f"{{}} must be at least 8, got {self.size}", Argument("size"))
        if self.segments < 1:
            raise ArgumentError(
                f"{{}} must be at least 1, got {self.segments}", Argument("segments")
            )
        if self.batch_size < 1:
            raise ArgumentError(
                f"{{}} must be at least 1, got {self.batch_size}", Argument("batch_size")
            )
        if isinstance(self.onnx_size, int):
            object.__setattr__(self, "onnx_size", (self.onnx_size, self.onnx_size))
        if any(getattr(self, name) is not None for name in ONNX_OPTIONS):
            from imgsim.features.onnx_feature import check_options

            check_options(self)

    @classmethod
    def from_values(cls, values: Mapping[str, ParamValue]) -> FeatureParams:
        """The options that :meth:`FeatureSpec.param_values` recorded (e.g. in a statistics
        file), the others at their defaults; values are checked as on construction."""
        known = {field.name for field in fields(cls)}
        for name in values:
            if name not in known:
                raise ArgumentError("unknown feature option {}", Argument(name))
        options: dict[str, Any] = dict(values)
        return cls(**options)

    @property
    def work_size(self) -> int:
        """Side of the square working image: ``size``, or the default working size."""
        return self.size if self.size is not None else DEFAULT_WORK_SIZE


def key_name(feature: str) -> str:
    """What :attr:`FeatureSpec.key_name` is for the feature named ``feature``."""
    return "onnx" if feature.startswith("onnx:") else feature


ONNX_OPTIONS = ("onnx_size", "onnx_layout", "onnx_range", "onnx_mean", "onnx_std", "onnx_resize")
"""The :class:`FeatureParams` fields that set the preprocessing of ``onnx:`` models."""


def _one_of(name: str, value: object, valid: tuple[object, ...]) -> None:
    if value not in valid:
        choices = ", ".join(map(str, valid))
        raise ArgumentError(f"{{}} must be one of {choices}, got {value!r}", Argument(name))


Compute = Callable[[NDArray[np.uint8], FeatureParams, bool], NDArray[np.generic]]


class Model(Protocol):
    """A feature computed by a model in batches (``onnx:``): :attr:`FeatureSpec.compute`
    gives one image's model input, and the engine runs the model on full batches of
    them, across chunks of files, in the process that reads the results."""

    def values(self, params: FeatureParams) -> dict[str, ParamValue]:
        """Everything the feature's values depend on (the model file's digest, the output,
        the resolved preprocessing): its store key and statistics files hold them."""
        ...

    def params_of(self, values: Mapping[str, ParamValue]) -> FeatureParams:
        """Options that give back recorded :meth:`values` (a statistics file's)."""
        ...

    def load(self, params: FeatureParams, threads: int | None) -> None:
        """Load the model now, on a runtime with ``threads`` threads (``None``: any
        loaded already, else the runtime's default), so that a bad model file or option
        fails before any work starts."""
        ...

    def dimension(self, params: FeatureParams) -> int:
        """Length of each embedding."""
        ...

    def embed(
        self, inputs: NDArray[np.float32], params: FeatureParams, threads: int | None
    ) -> NDArray[np.float32]:
        """The ``(n, dimension)`` embeddings of ``n`` stacked model inputs, on a runtime
        with ``threads`` threads (``None``: its default)."""
        ...


@dataclass(frozen=True)
class FeatureSpec:
    """One feature extractor and what a user needs to know about it."""

    name: str
    kind: FeatureKind
    version: int
    """Bumped whenever the values change, so stored values are never reused stale."""
    default_distance: str
    summary: str
    """What the feature captures."""
    use_when: str
    """When to use it, in one line."""
    uses: tuple[str, ...]
    """The :class:`FeatureParams` fields this feature depends on."""
    dim: Callable[[FeatureParams], int]
    """Length of the vector (number of bits for hashes)."""
    work_side: Callable[[FeatureParams], int | None]
    """Pixels per side the feature needs; ``None`` when it needs the full resolution.
    Ignored for features of the working image (:attr:`working`)."""
    needs_color: bool
    """``False`` when the feature reads only the luma: it is then computed from an H x W
    luma array, and files are decoded to their luma for it."""
    compute: Compute
    """``(image, params, reduced)`` to the feature; see :meth:`extract`."""
    signed: bool = False
    """Values may be negative: distances between distributions refuse the feature."""
    working: bool = False
    """The feature reads the square working image (``params.work_size`` per side, RGB),
    which every such feature of a run shares: one decode, one resize."""
    to_text: Callable[[NDArray[np.uint8], FeatureParams], str] | None = None
    """How a stored hash is written in the output, where its hex would mislead
    (``crop_resistant``: its segments' hashes, as imagehash writes them); ``None``: the
    hex of its bits."""
    model: Model | None = None
    """For a feature that a model computes in batches (``onnx:``): the model; then
    :attr:`compute` gives the model's input for one image, not the feature."""

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

    @property
    def key_name(self) -> str:
        """The name its values are stored and recorded under: its name, or ``onnx`` for a
        model feature, which :meth:`param_values` identifies by the model's digest, not
        by the path it was named with."""
        return key_name(self.name)

    def param_values(self, params: FeatureParams) -> dict[str, ParamValue]:
        """The options this feature depends on, with their values (``size``: the side of
        the working image it reads, whatever the default); for a :attr:`model`, all that
        its values depend on."""
        if self.model is not None:
            return self.model.values(params)
        return {
            name: params.work_size if name == "size" else getattr(params, name)
            for name in self.uses
        }

    def params_from(self, values: Mapping[str, ParamValue]) -> FeatureParams:
        """Options that give back recorded :meth:`param_values` (a statistics file's),
        the others at their defaults; values are checked as on construction."""
        if self.model is not None:
            return self.model.params_of(values)
        return FeatureParams.from_values(values)

    def recorded_values(self, values: Mapping[str, ParamValue]) -> dict[str, ParamValue] | None:
        """Recorded :meth:`param_values` as this feature reads them now (an option recorded
        before it existed counts as its default); ``None`` when they are not valid values
        of its options."""
        if self.model is not None:
            return dict(values)
        try:
            return self.param_values(FeatureParams.from_values(values))
        except ValueError:
            return None
