"""imgsim's metrics against values other projects published, on the inputs they published.

Reads ``../shared/external-values`` (next to the project's root) when it exists and is
skipped otherwise: its files may not be copied into this repository, so the values are
read from the folder at run time, never written here. The check first verifies every
file against the folder's ``MANIFEST.json``.

- ``tid2013/results_official.csv`` (pyiqa's calibration table, 5 TID2013 pairs): psnr
  on RGB; ssim, ms_ssim and gmsd on MATLAB ``rgb2gray`` output (as its notes say); fsim
  is FSIMc on RGB (pyiqa's ``fsim`` is chromatic); vsi on RGB. Tolerance as pyiqa's own
  test: ``atol = rtol = 1e-2``.
- The SSIM of piq's ``goldhill_jpeg.gif`` against ``goldhill.gif`` with the authors'
  ``ssim.m`` (its automatic downsampling), as the folder's README states it (atol 1e-4).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from harness import Result, check
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from authors_code.matlab import rgb2gray

FOLDER = Path(__file__).resolve().parent.parent.parent / "shared" / "external-values"
PYIQA_TOLERANCE = 1e-2
GOLDHILL = re.compile(r"goldhill_jpeg vs goldhill (\d\.\d+) \(MATLAB ssim\.m")

Pixels = np.ndarray
Scorer = Callable[[Pixels, Pixels], float]


def _verified(name: str, manifest: dict[str, dict[str, object]]) -> Pixels:
    """The RGB (or gray, for a GIF) pixels of one file, after checking its SHA-256."""
    path = FOLDER / name
    entry = manifest[name]
    if "file_sha256" in entry:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        expected = entry["file_sha256"]
    else:
        digest = hashlib.sha256(_rgb(path).tobytes()).hexdigest()
        expected = entry["pixels_sha256"]
    if digest != expected:
        raise RuntimeError(f"{path}: SHA-256 {digest} is not the manifest's {expected}")
    return _rgb(path) if path.suffix == ".webp" else np.asarray(Image.open(path).convert("L"))


def _rgb(path: Path) -> Pixels:
    return np.asarray(Image.open(path).convert("RGB"))


def _on_rgb2gray(function: Scorer) -> Scorer:
    return lambda judged, reference: function(rgb2gray(judged), rgb2gray(reference))


def _tid2013_scorers() -> dict[str, Scorer]:
    """The csv's row name → how imgsim computes that value (judged first)."""
    import imgsim

    return {
        "psnr": imgsim.psnr,
        "ssim": _on_rgb2gray(imgsim.ssim),
        "ms_ssim": _on_rgb2gray(imgsim.ms_ssim),
        "gmsd": _on_rgb2gray(imgsim.gmsd),
        "fsim": imgsim.fsimc,
        "vsi": imgsim.vsi,
    }


NOTES = {
    "ms_ssim": "the table holds msssim.m's values; pyiqa's calibration notes give its own "
    "port's values on I03 and I19, which are imgsim's to 3 decimals",
    "vsi": "pyiqa's vsi is IQA-Optimization's port (SDSP at full size, a D65 white), not "
    "the authors' VSI.m, which imgsim follows: expect differences near the tolerance",
}
"""What a reader of a row should know about the published values it is checked against."""


def tid2013(manifest: dict[str, dict[str, object]]) -> list[Result]:
    """Each metric of the calibration table on its five pairs."""
    with (FOLDER / "tid2013" / "results_official.csv").open(newline="") as handle:
        table = {row["Method"]: row for row in csv.DictReader(handle)}
    results = []
    for method, scorer in _tid2013_scorers().items():
        lines, worst, passed = [], 0.0, True
        for column, published in table[method].items():
            if column == "Method":
                continue
            stem = Path(column).stem
            judged = _verified(f"tid2013/dist/{stem}.webp", manifest)
            reference = _verified(f"tid2013/ref/{stem}.webp", manifest)
            ours, theirs = float(scorer(judged, reference)), float(published)
            close = abs(ours - theirs) <= PYIQA_TOLERANCE * (1 + abs(theirs))
            passed &= close
            worst = max(worst, abs(ours - theirs))
            lines.append(f"{stem}: imgsim {ours:.6g}, published {theirs:.6g}")
        results.append(
            check(
                f"{method} on 5 TID2013 pairs vs pyiqa's table",
                target=f"atol = rtol = 1e-2 (largest |Δ| {worst:.2g})",
                passed=passed,
                details=[*lines, *([NOTES[method]] if method in NOTES else [])],
            )
        )
    return results


def goldhill(manifest: dict[str, dict[str, object]]) -> Result:
    """ssim_matlab of piq's JPEG goldhill, against the value of the authors' ssim.m."""
    import imgsim

    found = GOLDHILL.search((FOLDER / "README.md").read_text(encoding="utf-8"))
    if found is None:
        raise RuntimeError(f"{FOLDER / 'README.md'} no longer states the goldhill SSIM")
    published = float(found.group(1))
    judged = _verified("piq/goldhill_jpeg.gif", manifest)
    reference = _verified("piq/goldhill.gif", manifest)
    ours = float(imgsim.ssim_matlab(judged, reference))
    return check(
        "ssim_matlab goldhill_jpeg vs goldhill (authors' ssim.m)",
        target=f"atol 1e-4 (|Δ| {abs(ours - published):.1e})",
        passed=abs(ours - published) <= 1e-4,
        details=[f"imgsim {ours:.6f}, published {published}"],
    )


def run() -> list[Result]:
    """The published-value checks, or none without the folder."""
    if not FOLDER.is_dir():
        print(f"bench_published: {FOLDER} not found, skipped", file=sys.stderr)
        return []
    manifest = json.loads((FOLDER / "MANIFEST.json").read_text(encoding="utf-8"))
    return [*tid2013(manifest), goldhill(manifest)]
