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
    "ssim_y": "imgsim.metrics.conventions",
    "psnr_y": "imgsim.metrics.conventions",
    "ssim_matlab": "imgsim.metrics.conventions",
    "gmsd": "imgsim.metrics.gradient",
    "ms_gmsd": "imgsim.metrics.gradient",
    "fsim": "imgsim.metrics.fsim",
    "fsimc": "imgsim.metrics.fsim",
    "vsi": "imgsim.metrics.saliency",
    "sr_sim": "imgsim.metrics.saliency",
    "vifp": "imgsim.metrics.information",
    "iw_ssim": "imgsim.metrics.iw_ssim",
    "haarpsi": "imgsim.metrics.haarpsi",
    "mdsi": "imgsim.metrics.mdsi",
    "dss": "imgsim.metrics.dss",
    "uqi": "imgsim.metrics.classic",
    "psnr_b": "imgsim.metrics.classic",
    "FewerScales": "imgsim.metrics.pair_inputs",
    "brightness": "imgsim.metrics.noref",
    "contrast": "imgsim.metrics.noref",
    "colorfulness": "imgsim.metrics.noref",
    "entropy": "imgsim.metrics.noref",
    "sharpness": "imgsim.metrics.noref",
    "blur": "imgsim.metrics.noref",
    "noise": "imgsim.metrics.noref",
    "blockiness": "imgsim.metrics.noref",
    "flat_fraction": "imgsim.metrics.noref",
    "piqe": "imgsim.metrics.piqe",
    "quality_of": "imgsim.jobs.quality",
    "QualityOptions": "imgsim.jobs.quality",
    "QualityRun": "imgsim.jobs.quality",
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
    # The library call behind each command, what it takes and what it returns.
    "ExtractOptions": "imgsim.engine",
    "CompareOptions": "imgsim.pairs",
    "PairResult": "imgsim.pairs",
    "FeatureStore": "imgsim.store",
    "extract_rows": "imgsim.jobs.extract",
    "extract_gallery": "imgsim.jobs.extract",
    "features_of": "imgsim.jobs.features",
    "find_images": "imgsim.jobs.features",
    "store_source": "imgsim.jobs.features",
    "FeatureSet": "imgsim.jobs.features",
    "Failure": "imgsim.jobs.features",
    "compare_inputs": "imgsim.jobs.compare",
    "PairComparison": "imgsim.jobs.compare",
    "score_set": "imgsim.jobs.sets",
    "reference_stats": "imgsim.jobs.sets",
    "diversity_of": "imgsim.jobs.sets",
    "nearest": "imgsim.jobs.search",
    "duplicate_groups": "imgsim.jobs.search",
    "Outcome": "imgsim.jobs.outcome",
}

if TYPE_CHECKING:
    from imgsim.api import compare as compare, extract as extract
    from imgsim.engine import ExtractOptions as ExtractOptions
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
    from imgsim.jobs.compare import (
        PairComparison as PairComparison,
        compare_inputs as compare_inputs,
    )
    from imgsim.jobs.extract import extract_gallery as extract_gallery, extract_rows as extract_rows
    from imgsim.jobs.features import (
        Failure as Failure,
        FeatureSet as FeatureSet,
        features_of as features_of,
        find_images as find_images,
        store_source as store_source,
    )
    from imgsim.jobs.outcome import Outcome as Outcome
    from imgsim.jobs.search import duplicate_groups as duplicate_groups, nearest as nearest
    from imgsim.jobs.sets import (
        diversity_of as diversity_of,
        reference_stats as reference_stats,
        score_set as score_set,
    )
    from imgsim.metrics.distances import distance as distance, pairwise as pairwise
    from imgsim.metrics.search import topk as topk
    from imgsim.metrics.sets import fd as fd, kid as kid, prdc as prdc, vendi as vendi
    from imgsim.pairs import CompareOptions as CompareOptions, PairResult as PairResult
    from imgsim.reference import (
        ReferenceStats as ReferenceStats,
        SetOptions as SetOptions,
        SetScorer as SetScorer,
    )
    from imgsim.store import FeatureStore as FeatureStore
    from imgsim.metrics.fullref import (
        mae as mae,
        ms_ssim as ms_ssim,
        mse as mse,
        psnr as psnr,
        rmse as rmse,
        ssim as ssim,
    )
    from imgsim.metrics.conventions import (
        ssim_y as ssim_y,
        psnr_y as psnr_y,
        ssim_matlab as ssim_matlab,
    )
    from imgsim.metrics.gradient import gmsd as gmsd, ms_gmsd as ms_gmsd
    from imgsim.metrics.fsim import fsim as fsim, fsimc as fsimc
    from imgsim.metrics.saliency import vsi as vsi, sr_sim as sr_sim
    from imgsim.metrics.information import vifp as vifp
    from imgsim.metrics.iw_ssim import iw_ssim as iw_ssim
    from imgsim.metrics.haarpsi import haarpsi as haarpsi
    from imgsim.metrics.mdsi import mdsi as mdsi
    from imgsim.metrics.dss import dss as dss
    from imgsim.metrics.classic import uqi as uqi, psnr_b as psnr_b
    from imgsim.metrics.pair_inputs import FewerScales as FewerScales
    from imgsim.metrics.noref import (
        blockiness as blockiness,
        blur as blur,
        brightness as brightness,
        colorfulness as colorfulness,
        contrast as contrast,
        entropy as entropy,
        flat_fraction as flat_fraction,
        noise as noise,
        sharpness as sharpness,
    )
    from imgsim.metrics.piqe import piqe as piqe
    from imgsim.jobs.quality import (
        QualityOptions as QualityOptions,
        QualityRun as QualityRun,
        quality_of as quality_of,
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
