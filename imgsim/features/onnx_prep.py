"""How images become the input batch of an ONNX image model: :class:`OnnxPreprocessing`.

An embedder exported from PyTorch or JAX expects its input at one size, in one memory
layout, with values in one range and normalised by per-channel mean and std (ImageNet
models: ``(0, 1)`` then mean ``0.485, 0.456, 0.406``, std ``0.229, 0.224, 0.225``;
InceptionV3 of pytorch-fid: ``(0, 1)``, normalised inside the network; CLIP: its own
mean/std). Each value comes from, in this order: an explicit option, the model file's
metadata properties (:data:`METADATA_KEYS`, so a model can carry its own
preprocessing), the defaults of :class:`OnnxPreprocessing`.

The steps, in clean-fid's order (``cleanfid/resize.py``, ``make_resizer``; then the
network's own scaling): the ``uint8`` values are resized as float32 numbers 0…255,
then mapped linearly onto ``value_range``, then normalised by ``mean`` and ``std``,
then laid out as ``layout``. An image that already has the input size is not resized.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from imgsim.errors import Argument, ArgumentError, UsageError

Layout = Literal["NCHW", "NHWC"]
ResizeFilter = Literal["bicubic", "bilinear", "area"]
LAYOUTS: tuple[Layout, ...] = ("NCHW", "NHWC")
RESIZE_FILTERS: tuple[ResizeFilter, ...] = ("bicubic", "bilinear", "area")
Triple = tuple[float, float, float]

METADATA_KEYS: Mapping[str, str] = {
    "imgsim.size": "size",
    "imgsim.layout": "layout",
    "imgsim.range": "value_range",
    "imgsim.mean": "mean",
    "imgsim.std": "std",
    "imgsim.resize": "resize",
}
"""The ONNX ``metadata_props`` keys that imgsim reads, and the option each one sets.

Values are text: ``imgsim.size`` ``"224"`` (square) or ``"224,160"`` (height,
width); ``imgsim.layout`` ``"NCHW"`` or ``"NHWC"``; ``imgsim.range`` ``"-1,1"``;
``imgsim.mean`` and ``imgsim.std`` three numbers, ``"0.485,0.456,0.406"``;
``imgsim.resize`` ``"bicubic"``, ``"bilinear"`` or ``"area"``.
"""


@dataclass(frozen=True)
class OnnxPreprocessing:
    """What turns an RGB ``uint8`` image into one input of an ONNX model.

    Every field is part of what the features mean, so all of them belong in a store key.
    Images are resized to ``size`` whatever their aspect ratio, as clean-fid and
    pytorch-fid resize to 299 x 299.
    """

    size: tuple[int, int] | None = None
    """Input (height, width); ``None``: the fixed height and width of the model's input."""
    layout: Layout = "NCHW"
    """``NCHW`` (PyTorch exports) or ``NHWC`` (TensorFlow/JAX exports)."""
    value_range: tuple[float, float] = (0.0, 1.0)
    """What 0 and 255 become: ``(0, 1)`` (``uint8 / 255``), ``(0, 255)``, ``(-1, 1)``, …"""
    mean: Triple | None = None
    """Subtracted per channel (R, G, B) after the range mapping; ``None``: nothing."""
    std: Triple | None = None
    """Divided per channel after the mean; ``None``: nothing."""
    resize: ResizeFilter = "bicubic"
    """Filter that resizes images to ``size``, each anti-aliased when it shrinks:

    - ``bicubic``: clean-fid's "clean" mode exactly (``make_resizer("PIL", False,
      "bicubic", size)``): PIL's bicubic filter applied to each channel as a float32
      ``"F"`` image, values 0…255 kept unrounded. The filter for standard FID numbers.
    - ``bilinear``: the same with PIL's bilinear (triangle) filter, as torchvision's
      ``resize(..., antialias=True)``.
    - ``area``: OpenCV's ``INTER_AREA`` on float32: the mean of the covered pixels.
    """

    def __post_init__(self) -> None:
        if self.size is not None and (len(self.size) != 2 or min(self.size) < 1):
            raise ArgumentError(
                f"{{}} must be (height, width), each at least 1, got {self.size}", Argument("size")
            )
        _one_of("layout", self.layout, LAYOUTS)
        _one_of("resize", self.resize, RESIZE_FILTERS)
        low, high = self.value_range
        if not np.isfinite([low, high]).all() or low == high:
            raise ArgumentError(
                f"{{}} must be two different finite numbers, got {self.value_range}",
                Argument("value_range"),
            )
        _check_channels("mean", self.mean, positive=False)
        _check_channels("std", self.std, positive=True)

    def prepare(self, images: Sequence[NDArray[np.uint8]]) -> NDArray[np.float32]:
        """The model input for ``images`` (each H x W x 3 ``uint8``): a float32 batch.

        ``(n, 3, height, width)`` for ``NCHW``, ``(n, height, width, 3)`` for ``NHWC``.
        """
        if self.size is None:
            raise ArgumentError("{} must be set to prepare images", Argument("size"))
        height, width = self.size
        batch = np.empty((len(images), height, width, 3), dtype=np.float32)
        for index, image in enumerate(images):
            _check_image(index, image)
            batch[index] = resize_rgb(image, self.size, self.resize)
        low, high = self.value_range
        # One multiply-add over the batch: 0 ↦ low and 255 ↦ high.
        batch *= np.float32((high - low) / 255.0)
        batch += np.float32(low)
        if self.mean is not None:
            batch -= np.asarray(self.mean, dtype=np.float32)
        if self.std is not None:
            batch /= np.asarray(self.std, dtype=np.float32)
        if self.layout == "NCHW":
            return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
        return batch


def resize_rgb(
    image: NDArray[np.uint8], size: tuple[int, int], resize: ResizeFilter
) -> NDArray[np.float32]:
    """``image`` as float32 values 0…255 at ``size`` (height, width), by ``resize``.

    An image that already has that size is converted, not resampled: the time is saved
    and no value changes (PIL and OpenCV return a same-size image as it is, so clean-fid,
    which always calls PIL, gets the same numbers).
    """
    height, width = size
    if image.shape[:2] == (height, width):
        return image.astype(np.float32)
    if resize == "area":
        import cv2

        small = cv2.resize(image.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
        return np.asarray(small, dtype=np.float32)
    resample = Image.Resampling.BICUBIC if resize == "bicubic" else Image.Resampling.BILINEAR
    out = np.empty((height, width, 3), dtype=np.float32)
    for channel in range(3):
        # Mode "F": PIL filters 32-bit floats without rounding or clipping (clean-fid).
        plane = Image.fromarray(np.ascontiguousarray(image[:, :, channel], dtype=np.float32))
        out[:, :, channel] = np.asarray(plane.resize((width, height), resample=resample))
    return out


def metadata_options(metadata: Mapping[str, str], path: Path) -> dict[str, object]:
    """The preprocessing options that the model file at ``path`` sets in ``metadata``.

    Raises :class:`UsageError` naming the file and the key when a value is malformed.
    """
    options: dict[str, object] = {}
    for key, field in METADATA_KEYS.items():
        if key not in metadata:
            continue
        text = metadata[key]
        try:
            value = _PARSERS[field](text)
            # Validated alone, so that a bad value is blamed on its key.
            OnnxPreprocessing(**{field: value})  # type: ignore[arg-type]
        except (ValueError, ArgumentError) as error:
            raise UsageError(
                f"{path}: metadata property {key}={text!r} cannot be used ({_reason(error)}); "
                f"expected {_EXPECTED[field]}"
            ) from None
        options[field] = value
    return options


def resolve(
    overrides: Mapping[str, object], metadata: Mapping[str, str], path: Path
) -> OnnxPreprocessing:
    """The preprocessing of a model: ``overrides`` (options that are not ``None``) over
    the file's ``metadata`` over the defaults. ``size`` may still be ``None``."""
    known = {field.name for field in fields(OnnxPreprocessing)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ArgumentError(
            f"unknown preprocessing option {{}}; valid: {', '.join(sorted(known))}",
            Argument(unknown[0]),
        )
    given = {name: value for name, value in overrides.items() if value is not None}
    if isinstance(given.get("size"), int):
        given["size"] = (given["size"], given["size"])
    for name in ("size", "value_range", "mean", "std"):
        if name in given:
            given[name] = _numbers(name, given[name])
    options = {**metadata_options(metadata, path), **given}
    return replace(OnnxPreprocessing(), **cast("dict[str, Any]", options))


def _numbers(name: str, value: object) -> tuple[float, ...]:
    """``value`` as a tuple of numbers (sizes as ints), or an error naming ``name``."""
    try:
        numbers = tuple(cast("Sequence[float]", value))
    except TypeError:
        raise ArgumentError(
            f"{{}} must be a sequence of numbers, got {value!r}", Argument(name)
        ) from None
    if name == "size":
        if not all(isinstance(n, int | np.integer) for n in numbers):
            raise ArgumentError(f"{{}} must be whole numbers, got {value!r}", Argument(name))
        return tuple(int(n) for n in numbers)
    if name == "value_range" and len(numbers) != 2:
        raise ArgumentError(f"{{}} must be (low, high), got {value!r}", Argument(name))
    return tuple(float(n) for n in numbers)


def _parse_size(text: str) -> tuple[int, int]:
    sides = [int(part) for part in text.split(",")]
    if len(sides) == 1:
        return (sides[0], sides[0])
    if len(sides) != 2:
        raise ValueError(f"{len(sides)} numbers")
    return (sides[0], sides[1])


def _parse_floats(count: int) -> Callable[[str], tuple[float, ...]]:
    def parse(text: str) -> tuple[float, ...]:
        numbers = tuple(float(part) for part in text.split(","))
        if len(numbers) != count:
            raise ValueError(f"{len(numbers)} numbers")
        return numbers

    return parse


_PARSERS: Mapping[str, Callable[[str], object]] = {
    "size": _parse_size,
    "layout": str.strip,
    "value_range": _parse_floats(2),
    "mean": _parse_floats(3),
    "std": _parse_floats(3),
    "resize": str.strip,
}
_EXPECTED: Mapping[str, str] = {
    "size": "'SIDE' or 'HEIGHT,WIDTH'",
    "layout": " or ".join(LAYOUTS),
    "value_range": "'LOW,HIGH'",
    "mean": "three numbers 'R,G,B'",
    "std": "three positive numbers 'R,G,B'",
    "resize": " or ".join(RESIZE_FILTERS),
}


def _reason(error: Exception) -> str:
    return error.args[0] if error.args and isinstance(error.args[0], str) else str(error)


def _one_of(name: str, value: object, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ArgumentError(
            f"{{}} must be one of {', '.join(valid)}, got {value!r}", Argument(name)
        )


def _check_channels(name: str, values: Triple | None, *, positive: bool) -> None:
    if values is None:
        return
    numbers = np.asarray(values, dtype=np.float64)
    if numbers.shape != (3,) or not np.isfinite(numbers).all():
        raise ArgumentError(
            f"{{}} must be three finite numbers (R, G, B), got {values}", Argument(name)
        )
    if positive and (numbers <= 0).any():
        raise ArgumentError(f"{{}} must be positive, got {values}", Argument(name))


def _check_image(index: int, image: NDArray[np.uint8]) -> None:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ArgumentError(
            f"{{}}[{index}] must be an H x W x 3 uint8 array, got {image.shape} {image.dtype}",
            Argument("images"),
        )
