"""``imgsim.memory``: processes imgsim runs keep the memory they free.

Page faults are counted by the kernel (``getrusage``), in a fresh interpreter, over
repeated SSIM computations whose temporary arrays are a few hundred kB each.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

_FAULTS_PER_SSIM = """
import resource, sys
import numpy as np
from imgsim.memory import keep_freed_memory
from imgsim.metrics.fullref import ssim

if sys.argv[1] == "keep":
    keep_freed_memory()
image = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
ssim(image, image)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    ssim(image, image)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 50)
"""


def _faults_per_ssim(mode: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _FAULTS_PER_SSIM, mode], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return float(result.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_freed_arrays_are_reused_instead_of_faulted_in_again() -> None:
    default = _faults_per_ssim("default")
    if default < 200:  # one 256x256x3 SSIM allocates about 2 MB of temporaries
        pytest.skip(f"this malloc reuses freed arrays by itself ({default} faults per SSIM)")

    kept = _faults_per_ssim("keep")

    assert kept < 20, (default, kept)
