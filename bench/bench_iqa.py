"""The classic full-reference image-quality metrics: against sewar, against imgsim's ssim,
and folder scaling.

On one 512x512 RGB pair (a photograph and a blurred, noisy copy), in this process, the
fastest of at least 5 runs and half a second of runs each:

- every metric that sewar has (ssim, ms_ssim, psnr, uqi, vifp, psnr_b), against sewar's
  on the same RGB pair (converted to the luma imgsim reads where the metric is defined on
  gray, in the timed call, as imgsim converts it in its own; target: at least 10x faster);
- every pixel metric against imgsim's own ssim on the same pair (target: at most 6x its
  time, a ratio of at least 1/6);
- a folder comparison of 500 pairs of 256x256 PNGs with ``gmsd,fsim,vsi``, 2 workers
  against 1 (target: at least 1.6x faster).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from bench_compare import _pair_folders, _photo
from harness import Result, fastest, run_timed, speedup

REPEAT = 5
SPAN = 0.5
SSIM_MULTIPLE = 6.0
SEWAR_SPEEDUP = 10.0

Image = np.ndarray


def _pair() -> tuple[Image, Image]:
    """A 512x512 RGB photograph (the reference) and a blurred, noisy copy (judged)."""
    import cv2

    reference = _photo(512)
    blurred = cv2.GaussianBlur(reference, (0, 0), 1.5)
    noise = np.random.default_rng(0).normal(0.0, 6.0, reference.shape)
    judged = np.clip(blurred + noise, 0, 255).round().astype(np.uint8)
    return judged, reference


def _sewar_calls(judged: Image, reference: Image) -> dict[str, Callable[[], Any]]:
    """sewar's function for each imgsim metric it has, from the same RGB pair (sewar takes
    the reference first). For the metrics defined on gray images sewar is given the luma
    imgsim reads, converted in the timed call as imgsim converts it in its own."""
    from sewar import full_ref

    from imgsim.metrics.pair_inputs import luma

    return {
        "ssim": lambda: full_ref.ssim(reference, judged, ws=11, MAX=255),
        "ms_ssim": lambda: full_ref.msssim(reference, judged, MAX=255),
        "psnr": lambda: full_ref.psnr(reference, judged, MAX=255),
        "uqi": lambda: full_ref.uqi(luma(reference), luma(judged), ws=8),
        "vifp": lambda: full_ref.vifp(luma(reference), luma(judged), sigma_nsq=2),
        "psnr_b": lambda: full_ref.psnrb(luma(reference), luma(judged), MAX=255),
    }


def against_sewar(judged: Image, reference: Image, seconds: dict[str, float]) -> list[Result]:
    """Each metric sewar has: imgsim's time against sewar's."""
    results = []
    for name, call in _sewar_calls(judged, reference).items():
        sewar_seconds = fastest(call, 3, span=SPAN)
        results.append(
            speedup(
                f"{name} 512x512 RGB vs sewar",
                imgsim_seconds=seconds[name],
                reference_seconds=sewar_seconds,
                at_least=SEWAR_SPEEDUP,
                per="pair",
                details=[
                    f"fastest of at least {REPEAT} runs (imgsim) and 3 (sewar), each going "
                    f"on for {SPAN:g} s, in this process; both start from the RGB pair"
                ],
            )
        )
    return results


def against_ssim(seconds: dict[str, float]) -> list[Result]:
    """Each pixel metric's time against imgsim's ssim on the same pair."""
    return [
        speedup(
            f"{name} 512x512 RGB vs imgsim ssim",
            imgsim_seconds=taken,
            reference_seconds=seconds["ssim"],
            at_least=1 / SSIM_MULTIPLE,
            per="pair",
            details=[f"target: at most {SSIM_MULTIPLE:g}x the time of ssim on the same pair"],
        )
        for name, taken in seconds.items()
        if name != "ssim"
    ]


def folder_scaling() -> Result:
    """500 pairs of 256x256 PNGs, gmsd, fsim and vsi, 2 workers against 1."""
    generated, reference = _pair_folders()
    base = [Path(sys.executable).parent / "imgsim", "compare", generated, reference]
    base += ["-m", "gmsd,fsim,vsi", "--format", "csv", "-q"]
    one = min(run_timed([*base, "--workers", "1"]).seconds for _ in range(2))
    two = min(run_timed([*base, "--workers", "2"]).seconds for _ in range(2))
    return speedup(
        "compare 500 pairs gmsd,fsim,vsi: 2 workers vs 1",
        imgsim_seconds=two,
        reference_seconds=one,
        at_least=1.6,
        details=["whole process, best of 2 each; 'reference' is the same command with 1 worker"],
    )


def run() -> list[Result]:
    """The image-quality metric benchmarks."""
    from imgsim.metrics.registry import PIXEL_METRICS

    judged, reference = _pair()
    seconds = {
        name: fastest(lambda metric=metric: metric.function(judged, reference), REPEAT, span=SPAN)
        for name, metric in PIXEL_METRICS.items()
    }
    return [
        *against_sewar(judged, reference, seconds),
        *against_ssim(seconds),
        folder_scaling(),
    ]
