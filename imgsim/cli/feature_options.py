"""The options that change what features compute, shared by every command that extracts.

Each is a field of :class:`imgsim.features.FeatureParams` under the same name, so the
library's messages about an option name the flag (``glcm_levels`` is ``--glcm-levels``),
and :func:`feature_params` builds the library's options from them. A command gets them
all with :func:`with_feature_options` and reads them from its context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from imgsim.cli.option_groups import Command, with_options
from imgsim.defaults import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BINS,
    DEFAULT_GLCM_LEVELS,
    DEFAULT_HASH_SIZE,
    DEFAULT_SEGMENTS,
    DEFAULT_WORK_SIZE,
)

if TYPE_CHECKING:
    from imgsim.features import FeatureParams

PANEL = "Feature options"
MODEL_PANEL = "ONNX model options (features onnx:PATH[#OUTPUT])"


class Crop(Enum):
    none = "none"
    center = "center"


class Space(Enum):
    hsv = "hsv"
    rgb = "rgb"
    lab = "lab"


class Layout(Enum):
    NCHW = "NCHW"
    NHWC = "NHWC"


class Resize(Enum):
    bicubic = "bicubic"
    bilinear = "bilinear"
    area = "area"


def _numbers(count: int, whole: bool = False) -> Callable[[str | None], Any]:
    """A Typer callback that reads ``count`` comma-separated numbers (``"0.5,0.5,0.5"``)
    into a tuple; usage errors name the flag."""

    def parse(text: str | None) -> tuple[float, ...] | None:
        if text is None:
            return None
        parts = [part.strip() for part in str(text).split(",")]
        try:
            numbers = tuple(int(part) if whole else float(part) for part in parts)
        except ValueError:
            raise typer.BadParameter(f"{text!r} is not {count} comma-separated numbers") from None
        if len(numbers) != count:
            raise typer.BadParameter(f"{text!r} has {len(numbers)} numbers, not {count}")
        return numbers

    return parse


def _size(text: str | None) -> tuple[int, int] | None:
    """``224`` (square) or ``224,160`` (height, width)."""
    if text is None:
        return None
    sides = _numbers(2 if "," in text else 1, whole=True)(text)
    return (int(sides[0]), int(sides[-1]))


def _option(*flags: str, **settings: Any) -> Any:
    return typer.Option(*flags, rich_help_panel=settings.pop("panel", PANEL), **settings)


_FEATURE_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    (
        "size",
        Annotated[
            int | None,
            _option(
                "--size",
                min=8,
                help="Working size: texture, shape, keypoint and colour-moment features read "
                f"the image scaled to SIZE x SIZE [default: {DEFAULT_WORK_SIZE}]; the hashes, "
                "color_hist and thumb read it with the longer side at most SIZE [default: "
                "their own].",
            ),
        ],
        None,
    ),
    (
        "crop",
        Annotated[
            Crop,
            _option("--crop", help="center: every feature reads the central square of the image."),
        ],
        Crop.none,
    ),
    (
        "hash_size",
        Annotated[int, _option("--hash-size", min=2, help="Hash grid side: HASH_SIZE² bits.")],
        DEFAULT_HASH_SIZE,
    ),
    (
        "bins",
        Annotated[int, _option("--bins", min=1, max=64, help="color_hist bins per channel.")],
        DEFAULT_BINS,
    ),
    ("space", Annotated[Space, _option("--space", help="color_hist colour space.")], Space.hsv),
    (
        "glcm_levels",
        Annotated[int, _option("--glcm-levels", help="glcm grey levels: 32 or 64.")],
        DEFAULT_GLCM_LEVELS,
    ),
    (
        "segments",
        Annotated[int, _option("--segments", min=1, help="crop_resistant: most segments hashed.")],
        DEFAULT_SEGMENTS,
    ),
    (
        "onnx_size",
        Annotated[
            str | None,
            _option(
                "--onnx-size",
                callback=_size,
                metavar="SIDE|HEIGHT,WIDTH",
                panel=MODEL_PANEL,
                help="Model input size [default: the model's metadata imgsim.size, else its "
                "fixed input size].",
            ),
        ],
        None,
    ),
    (
        "onnx_range",
        Annotated[
            str | None,
            _option(
                "--onnx-range",
                callback=_numbers(2),
                metavar="LOW,HIGH",
                panel=MODEL_PANEL,
                help="What pixel values 0 and 255 become [default: metadata, else 0,1].",
            ),
        ],
        None,
    ),
    (
        "onnx_mean",
        Annotated[
            str | None,
            _option(
                "--onnx-mean",
                callback=_numbers(3),
                metavar="R,G,B",
                panel=MODEL_PANEL,
                help="Subtracted per channel after --onnx-range [default: metadata, else none].",
            ),
        ],
        None,
    ),
    (
        "onnx_std",
        Annotated[
            str | None,
            _option(
                "--onnx-std",
                callback=_numbers(3),
                metavar="R,G,B",
                panel=MODEL_PANEL,
                help="Divided per channel after --onnx-mean [default: metadata, else none].",
            ),
        ],
        None,
    ),
    (
        "onnx_resize",
        Annotated[
            Resize | None,
            _option(
                "--onnx-resize",
                panel=MODEL_PANEL,
                help="Resize filter to the input size; bicubic is clean-fid's 'clean' resize "
                "(PIL bicubic on float channels) [default: metadata, else bicubic].",
            ),
        ],
        None,
    ),
    (
        "onnx_layout",
        Annotated[
            Layout | None,
            _option(
                "--onnx-layout",
                panel=MODEL_PANEL,
                help="Input layout [default: metadata, else NCHW].",
            ),
        ],
        None,
    ),
    (
        "batch_size",
        Annotated[
            int,
            _option(
                "--batch-size",
                min=1,
                panel=MODEL_PANEL,
                help="Images per model run (onnxruntime uses a thread per worker).",
            ),
        ],
        DEFAULT_BATCH_SIZE,
    ),
)
"""``(parameter, annotation, default)`` of every feature option, as commands declare them."""


def with_feature_options(command: Command) -> Command:
    """``command`` with every feature option among its parameters, after its own (the
    ones it declares itself stay as declared): the command reads them from its context
    with :func:`feature_params`."""
    return with_options(command, _FEATURE_OPTIONS)


def feature_params(given: Mapping[str, Any]) -> FeatureParams:
    """The library's feature options from a command's parsed options of the same names
    (``typer.Context.params``; the options it does not declare keep their defaults)."""
    from imgsim.features import PARAM_NAMES, FeatureParams

    options: dict[str, Any] = {
        name: given[name].value if isinstance(given[name], Enum) else given[name]
        for name in PARAM_NAMES
        if name in given
    }
    return FeatureParams(**options)
