"""The commands' main processes do not import OpenCV before their process pool starts.

A process that has imported OpenCV starts its workers from a fork server (a forked child
may inherit OpenCV's thread pool locked, see imgsim.engine.WORKERS); the commands keep
OpenCV to their workers so that they fork them, which tests/test_run_guard.py interrupts
at every moment. Importing what a command imports before its pool starts must leave
OpenCV unimported.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = ("imgsim.pairs", "imgsim.jobs.compare", "imgsim.jobs.quality", "imgsim.engine")


@pytest.mark.parametrize("module", MODULES)
def test_importing_a_command_s_job_leaves_opencv_unimported(module: str) -> None:
    code = f"import sys, {module}; print('cv2' in sys.modules)"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert result.stdout.strip() == "False"


def test_resolving_the_quality_specs_leaves_opencv_unimported() -> None:
    code = (
        "import sys; from imgsim.engine import _specs; _specs(['sharpness', 'phash']); "
        "print('cv2' in sys.modules)"
    )

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert result.stdout.strip() == "False"
