"""``imgsim compare`` in processes of its own: the same output with any number of
workers, workers that start after OpenCV's thread pool ran, and the modules that a
one-pair compare loads.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_support import RGB, save_image
from compare_support import small
from conftest import CliRunnerFn


@pytest.fixture
def six_pairs(tmp_path: Path, photos: dict[str, RGB]) -> tuple[Path, Path]:
    gen, ref = tmp_path / "many_gen", tmp_path / "many_ref"
    rng = np.random.default_rng(0)
    for index, name in enumerate(["astronaut", "chelsea", "coffee", "rocket", "camera", "coins"]):
        image = small(photos[name])
        noisy = np.clip(image + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8)
        save_image(gen / f"{index}.png", noisy)
        save_image(ref / f"{index}.png", image)
    return gen, ref


WORKER_METRICS = "ssim,psnr,phash,color_hist,sift"


def test_two_workers_exit_0(cli: CliRunnerFn, six_pairs: tuple[Path, Path]) -> None:
    two = cli("compare", *six_pairs, "-m", WORKER_METRICS, "--workers", "2", "--format", "json")

    assert two.exit_code == 0


def test_one_worker_and_two_workers_print_the_same(
    cli: CliRunnerFn, six_pairs: tuple[Path, Path]
) -> None:
    one = cli("compare", *six_pairs, "-m", WORKER_METRICS, "--workers", "1", "--format", "json")

    two = cli("compare", *six_pairs, "-m", WORKER_METRICS, "--workers", "2", "--format", "json")

    assert two.stdout == one.stdout


_WORKERS_AFTER_OPENCV = """
import sys
import time

import cv2
import numpy as np
from typer.testing import CliRunner

from imgsim.cli import app

gen, ref, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(runs):
    # As this test session, or a training loop, does: use OpenCV's thread pool, whose
    # workers then wait, idle, for the next job.
    cv2.GaussianBlur(np.zeros((1000, 1000, 3), dtype=np.uint8), (0, 0), 3)
    time.sleep(0.1)
    result = CliRunner().invoke(app, ["compare", gen, ref, "-m", "ssim", "--workers", "2"])
    print(result.exit_code, flush=True)
"""


def _printed_lines_until_stalled(args: list[str], stall_seconds: float) -> list[str]:
    """What ``python -c ARGS…`` prints; it is killed (with its workers) once it stalls."""
    process = subprocess.Popen(
        [sys.executable, "-c", *args], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None
    lines: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while selector.select(timeout=stall_seconds):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return lines


def test_two_workers_finish_after_opencv_ran_in_the_same_process(
    six_pairs: tuple[Path, Path],
) -> None:
    """Worker processes forked after OpenCV's thread pool ran used to deadlock.

    Run in a separate process, killed if it stalls, so that a regression fails
    instead of hanging the test session.
    """
    runs = 3

    lines = _printed_lines_until_stalled(
        [_WORKERS_AFTER_OPENCV, *map(str, six_pairs), str(runs)], stall_seconds=4.0
    )

    assert lines == ["0"] * runs


_MODULES_AFTER_COMPARE = """
import sys

from imgsim.cli import app

try:
    app(sys.argv[1:])
except SystemExit:
    pass
heavy = ("scipy", "skimage", "sqlite3", "imgsim.store", "imgsim.metrics.distances", "statistics")
sys.stderr.write("LOADED " + " ".join(m for m in heavy if m in sys.modules) + "\\n")
"""


@pytest.fixture(scope="module")
def one_pair_compare(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """``imgsim compare a.png b.png -m ssim,psnr`` in a fresh interpreter that then lists
    the heavy modules it loaded (on stderr, after the command's own lines)."""
    folder = tmp_path_factory.mktemp("one_pair")
    pixels = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    a, b = save_image(folder / "a.png", pixels), save_image(folder / "b.png", 255 - pixels)
    command = [sys.executable, "-c", _MODULES_AFTER_COMPARE, "compare", str(a), str(b)]
    env = {**os.environ, "IMGSIM_CACHE": str(folder / "features.sqlite")}
    return subprocess.run([*command, "-m", "ssim,psnr"], capture_output=True, text=True, env=env)


def test_a_one_pair_pixel_compare_loads_no_module_it_does_not_use(
    one_pair_compare: subprocess.CompletedProcess[str],
) -> None:
    """Start-up of the commonest call: no scipy, scikit-image, feature store or distances."""
    assert one_pair_compare.stderr.splitlines()[-1] == "LOADED ", one_pair_compare.stderr


def test_a_one_pair_pixel_compare_prints_the_header_and_the_pair(
    one_pair_compare: subprocess.CompletedProcess[str],
) -> None:
    assert one_pair_compare.stdout.count("\n") == 2
