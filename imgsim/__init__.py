"""imgsim: score generated images against references, as a set, and for diversity.

The public Python API. Names are imported on first use, so ``import imgsim`` is
cheap and the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from imgsim._version import __version__

_EXPORTS = {
    "load_image": "imgsim.images",
    "decode_upright_rgb": "imgsim.images",
    "discover": "imgsim.images",
    "extract": "imgsim.api",
    "compare": "imgsim.api",
    "ssim": "imgsim.metrics.fullref",
    "ms_ssim": "imgsim.metrics.fullref",
    "psnr": "imgsim.metrics.fullref",
    "mse": "imgsim.metrics.fullref",
    "rmse": "imgsim.metrics.fullref",
    "mae": "imgsim.metrics.fullref",
    "distance": "imgsim.metrics.distances",
    "pairwise": "imgsim.metrics.distances",
    "ArgumentError": "imgsim.errors",
    "BadImage": "imgsim.errors",
    "ImgsimError": "imgsim.errors",
    "UsageError": "imgsim.errors",
    "FEATURES": "imgsim.features",
    "FeatureParams": "imgsim.features",
    "hash_to_hex": "imgsim.features",
    "fd": "imgsim.metrics.sets",
    "kid": "imgsim.metrics.sets",
    "prdc": "imgsim.metrics.sets",
    "vendi": "imgsim.metrics.sets",
    "topk": "imgsim.metrics.search",
    "ReferenceStats": "imgsim.reference",
    "SetScorer": "imgsim.reference",
    "SetOptions": "imgsim.reference",
}

if TYPE_CHECKING:
    from imgsim.api import compare as compare, extract as extract
    from imgsim.errors import (
        ArgumentError as ArgumentError,
        BadImage as BadImage,
        ImgsimError as ImgsimError,
        UsageError as UsageError,
    )
    from imgsim.features import (
        FEATURES as FEATURES,
        FeatureParams as FeatureParams,
        hash_to_hex as hash_to_hex,
    )
    from imgsim.images import (
        decode_upright_rgb as decode_upright_rgb,
        discover as discover,
        load_image as load_image,
    )
    from imgsim.metrics.distances import distance as distance, pairwise as pairwise
    from imgsim.metrics.search import topk as topk
    from imgsim.metrics.sets import fd as fd, kid as kid, prdc as prdc, vendi as vendi
    from imgsim.reference import (
        ReferenceStats as ReferenceStats,
        SetOptions as SetOptions,
        SetScorer as SetScorer,
    )
    from imgsim.metrics.fullref import (
        mae as mae,
        ms_ssim as ms_ssim,
        mse as mse,
        psnr as psnr,
        rmse as rmse,
        ssim as ssim,
    )

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'imgsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
