"""``compare``: SSIM against scikit-image, one-pair start-up, and folder scaling.

- ``imgsim.ssim`` on 512x512 RGB against ``skimage.metrics.structural_similarity``
  with the same settings, in this process (target: at least 4x faster);
- ``imgsim compare a.png b.png -m ssim``, whole process, against
  ``python -c "import numpy, cv2, PIL.Image"`` (target: at most 2x its time);
- a folder comparison of 500 pairs with ``ssim,psnr``, 2 workers against 1
  (target: at least 1.6x faster).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from harness import Result, fastest, run_timed, speedup
from PIL import Image

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data" / "compare"
PAIRS = 500
REPEAT = 5


def _photo(size: int) -> np.ndarray:
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((size, size), Image.LANCZOS))


def _blurred(image: np.ndarray) -> np.ndarray:
    import cv2

    return np.asarray(cv2.GaussianBlur(image, (0, 0), 2.0))


def ssim_against_skimage() -> Result:
    """In-process SSIM of one 512x512 RGB pair."""
    from skimage.metrics import structural_similarity

    import imgsim

    a = _photo(512)
    b = _blurred(a)
    ours = fastest(lambda: imgsim.ssim(a, b), 10)
    reference = fastest(
        lambda: structural_similarity(
            a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
            data_range=255, channel_axis=-1,
        ),
        10,
    )  # fmt: skip
    gap = abs(imgsim.ssim(a, b) - structural_similarity(
        a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        data_range=255, channel_axis=-1,
    ))  # fmt: skip
    return speedup(
        "ssim 512x512 RGB vs scikit-image",
        imgsim_seconds=ours,
        reference_seconds=reference,
        at_least=4.0,
        per="pair",
        details=[f"best of 10 each, in this process; |difference| = {gap:.1e}"],
    )


def _pair_files() -> tuple[Path, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    a, b = DATA / "a.png", DATA / "b.png"
    if not (a.exists() and b.exists()):
        image = _photo(512)
        Image.fromarray(image).save(a)
        Image.fromarray(_blurred(image)).save(b)
    return a, b


def one_pair_startup() -> Result:
    """Whole-process time of a one-pair SSIM against importing what it needs."""
    a, b = _pair_files()
    command = [Path(sys.executable).parent / "imgsim", "compare", a, b, "-m", "ssim", "-q"]
    ours = min(run_timed(command).seconds for _ in range(REPEAT))
    imports = [sys.executable, "-c", "import numpy, cv2, PIL.Image"]
    reference = min(run_timed(imports).seconds for _ in range(REPEAT))
    return speedup(
        "compare a.png b.png -m ssim, whole process",
        imgsim_seconds=ours,
        reference_seconds=reference,
        at_least=0.5,
        details=["reference: python -c 'import numpy, cv2, PIL.Image'; target: ≤ 2x its time"],
    )


def _pair_folders() -> tuple[Path, Path]:
    generated, reference = DATA / "generated", DATA / "reference"
    if len(list(generated.glob("*.png"))) < PAIRS:
        generated.mkdir(parents=True, exist_ok=True)
        reference.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        photo = _photo(512)
        for index in range(PAIRS):
            top, left = rng.integers(0, 256, size=2)
            crop = np.ascontiguousarray(photo[top : top + 256, left : left + 256])
            noisy = np.clip(crop + rng.normal(0, 8, crop.shape), 0, 255).astype(np.uint8)
            Image.fromarray(crop).save(reference / f"{index:04d}.png")
            Image.fromarray(noisy).save(generated / f"{index:04d}.png")
    return generated, reference


def folder_scaling() -> Result:
    """500 pairs of 256x256 PNGs, ssim and psnr, 2 workers against 1."""
    generated, reference = _pair_folders()
    base = [Path(sys.executable).parent / "imgsim", "compare", generated, reference]
    base += ["-m", "ssim,psnr", "--format", "csv", "-q"]
    one = min(run_timed([*base, "--workers", "1"]).seconds for _ in range(3))
    two = min(run_timed([*base, "--workers", "2"]).seconds for _ in range(3))
    return speedup(
        f"compare {PAIRS} pairs ssim,psnr: 2 workers vs 1",
        imgsim_seconds=two,
        reference_seconds=one,
        at_least=1.6,
        details=["whole process, best of 3 each; 'reference' is the same command with 1 worker"],
    )


def run() -> list[Result]:
    """The compare benchmarks."""
    return [ssim_against_skimage(), one_pair_startup(), folder_scaling()]
