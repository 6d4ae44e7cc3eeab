"""The commands' main processes do not import OpenCV before their process pool starts.

A process that has imported OpenCV starts its workers from a fork server (a forked child
may inherit OpenCV's thread pool locked, see imgsim.engine.WORKERS); the commands keep
OpenCV to their workers so that they fork them, which tests/test_run_guard.py interrupts
at every moment. Importing what a command imports before its pool starts must leave
OpenCV unimported; and workers a fork server started (for a caller that has imported
OpenCV) must end with the main process, as forked ones do.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

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


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def many_images(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    for index in range(400):
        pixels = rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(tmp_path / f"{index:03d}.png")
    return tmp_path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_started_by_the_fork_server_end_with_the_main_process(
    many_images: Path, tmp_path: Path
) -> None:
    """A caller that imported OpenCV gets its workers from a fork server, whose children
    outlive the main process unless they watch it."""
    code = "import cv2; from imgsim.cli import main; main()"
    args = ["extract", str(many_images), "-f", "thumb", "--workers", "2", "--no-cache"]
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while not workers and process.poll() is None and time.monotonic() < deadline:
        workers = [pid for child in _children(process.pid) for pid in _children(child)]
        time.sleep(0.02)
    process.kill()
    process.wait()
    time.sleep(2.0)

    assert [pid for pid in workers if _alive(pid)] == []
