"""The options that change what features compute, shared by every command that extracts.

Each is a field of :class:`imgsim.features.FeatureParams` under the same name, so the
library's messages about an option name the flag (``glcm_levels`` is ``--glcm-levels``),
and :func:`feature_params` builds the library's options from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from imgsim.defaults import DEFAULT_BINS as DEFAULT_BINS
from imgsim.defaults import DEFAULT_GLCM_LEVELS as DEFAULT_GLCM_LEVELS
from imgsim.defaults import DEFAULT_HASH_SIZE as DEFAULT_HASH_SIZE
from imgsim.defaults import DEFAULT_SEGMENTS as DEFAULT_SEGMENTS
from imgsim.defaults import DEFAULT_WORK_SIZE

if TYPE_CHECKING:
    from imgsim.features import FeatureParams


class Crop(Enum):
    none = "none"
    center = "center"


class Space(Enum):
    hsv = "hsv"
    rgb = "rgb"
    lab = "lab"


SizeOption = Annotated[
    int | None,
    typer.Option(
        "--size",
        min=8,
        help="Working size: texture, shape, keypoint and colour-moment features read the "
        f"image scaled to SIZE x SIZE [default: {DEFAULT_WORK_SIZE}]; the hashes, color_hist "
        "and thumb read it with the longer side at most SIZE [default: their own].",
    ),
]
CropOption = Annotated[
    Crop,
    typer.Option("--crop", help="center: every feature reads the central square of the image."),
]
HashSizeOption = Annotated[
    int, typer.Option("--hash-size", min=2, help="Hash grid side: HASH_SIZE² bits.")
]
BinsOption = Annotated[
    int, typer.Option("--bins", min=1, max=64, help="color_hist bins per channel.")
]
SpaceOption = Annotated[Space, typer.Option("--space", help="color_hist colour space.")]
GlcmLevelsOption = Annotated[int, typer.Option("--glcm-levels", help="glcm grey levels: 32 or 64.")]
SegmentsOption = Annotated[
    int, typer.Option("--segments", min=1, help="crop_resistant: most segments hashed.")
]


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
