"""Example reports of every kind, built from real photographs written to disk.

The scores are scikit-image's (SSIM and PSNR between a photograph and a blurred copy
of it), the gate verdicts imgsim's own gate checker's on those rows, and the reasons
for unreadable files imgsim's decoder's; the reports test only how they are shown.
Two files have hostile names: one that is an HTML tag with a script handler, one full
of the punctuation that Markdown and GFM tables read as syntax.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import skimage.data
from photos import PHOTOS
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from imgsim import __version__
from imgsim.errors import BadImage
from imgsim.gates import check_rows, parse_gates
from imgsim.images import load_image
from imgsim.reports import (
    CoveredImage,
    DuplicateGroup,
    DuplicateMember,
    DuplicatesBody,
    Match,
    MetricColumn,
    RankBody,
    RankedQuery,
    Report,
    RunInfo,
    SetBody,
    SetValue,
    Unreadable,
    Verdict,
    table_body,
    table_summaries,
)

HOSTILE = "<img src=x onerror=alert(1)>.png"
"""A file name that is HTML: a report that does not escape it runs its handler."""
MARKDOWN_HOSTILE = "pipe|tick`code`*star*_under_[link](x)#.png"
"""A file name of Markdown syntax: ``|`` splits a GFM table cell, the rest formats."""
SSIM = MetricColumn("ssim", "higher")
PSNR = MetricColumn("psnr", "higher")
GATES = ("ssim>=0.8", "mean(psnr)>=20", "min(psnr)>=1")
FAILING_GATE = "ssim>=0.8"
DATE = "2026-01-02T03:04:05Z"
SIDE = 256
"""Longer side of the photographs written: thumbnails (192 px) are made smaller."""
BLUR_SIGMAS = (0.0, 0.6, 1.2, 2.0, 3.0, 4.5, 6.0)
"""One distortion strength per pair, from none (SSIM 1) to heavy (SSIM well under 0.8)."""


@dataclass(frozen=True)
class PairsExample:
    """A pairs report, and the rows it was built from (for the expected orders)."""

    report: Report
    rows: list[dict[str, object]]
    hostile_path: str
    markdown_path: str


def photograph(name: str, side: int = SIDE) -> np.ndarray:
    """A scikit-image photograph as RGB, scaled with OpenCV's area filter to ``side``."""
    image = getattr(skimage.data, name)()
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    height, width = image.shape[:2]
    scale = side / max(height, width)
    size = (round(width * scale), round(height * scale))
    return np.asarray(cv2.resize(image[..., :3], size, interpolation=cv2.INTER_AREA))


def save(path: Path, pixels: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format="PNG")
    return path


def unreadable_file(path: Path) -> Unreadable:
    """Write a file that is no image, and the reason imgsim's decoder gives for it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    try:
        load_image(path)
    except BadImage as error:
        return Unreadable(str(path), str(error.reason))
    raise AssertionError(f"{path} was decoded")


def pairs_example(root: Path, *, photos: int = len(BLUR_SIGMAS)) -> PairsExample:
    """gen/ and ref/ under ``root``: each photograph and a blurred copy of it, scored with
    scikit-image's SSIM and PSNR; the two most distorted pairs, which fail the gate
    ``ssim>=0.8``, have the hostile names."""
    rows: list[dict[str, object]] = []
    hostile = {photos - 1: HOSTILE, photos - 2: MARKDOWN_HOSTILE}
    for index in range(photos):
        photo = PHOTOS[index % len(PHOTOS)]
        reference = photograph(photo)
        sigma = BLUR_SIGMAS[index % len(BLUR_SIGMAS)]
        blurred = _distorted(reference, sigma, noisy=index % 2 == 1)
        name = hostile.get(index, f"{index:03d}_{photo}.png")
        a = save(root / "gen" / name, np.asarray(blurred))
        b = save(root / "ref" / name, reference)
        rows.append({"a": str(a), "b": str(b), **_scores(reference, np.asarray(blurred))})
    return PairsExample(
        report=_pairs_report(rows, [unreadable_file(root / "gen" / "broken.png")]),
        rows=rows,
        hostile_path=str(root / "gen" / HOSTILE),
        markdown_path=str(root / "gen" / MARKDOWN_HOSTILE),
    )


def _distorted(photo: np.ndarray, sigma: float, *, noisy: bool) -> np.ndarray:
    """``photo`` blurred by ``sigma``, or with Gaussian noise of 4 * ``sigma`` grey levels:
    noise costs PSNR more than SSIM and blur the other way round, so the two metrics
    order the pairs differently."""
    if sigma == 0:
        return photo.copy()
    if not noisy:
        return np.asarray(cv2.GaussianBlur(photo, (0, 0), sigma))
    noise = np.random.default_rng(int(sigma * 10)).normal(0, 4 * sigma, photo.shape)
    return np.clip(photo + noise, 0, 255).astype(np.uint8)


def _scores(reference: np.ndarray, generated: np.ndarray) -> dict[str, float]:
    ssim = structural_similarity(  # type: ignore[no-untyped-call]
        reference, generated, gaussian_weights=True, sigma=1.5,
        use_sample_covariance=False, data_range=255, channel_axis=-1,
    )  # fmt: skip
    with warnings.catch_warnings():  # identical images: infinite PSNR, by a division by 0
        warnings.simplefilter("ignore", RuntimeWarning)
        psnr = peak_signal_noise_ratio(reference, generated, data_range=255)  # type: ignore[no-untyped-call]
    return {"ssim": float(ssim), "psnr": float(psnr)}


def _pairs_report(rows: list[dict[str, object]], unreadable: list[Unreadable]) -> Report:
    gates = parse_gates(GATES, ["ssim", "psnr"])
    verdicts = check_rows(gates, rows, ["ssim", "psnr"])
    body = table_body(rows, ("a", "b"), (SSIM, PSNR))
    return Report(
        run=RunInfo("imgsim compare gen ref -m ssim,psnr --gate ssim>=0.8", __version__, DATE),
        kind="pairs",
        body=body,
        verdicts=tuple(Verdict.of(result, ("a", "b")) for result in verdicts),
        summaries=table_summaries(body),
        unreadable=tuple(unreadable),
    )


def rank_report(root: Path) -> Report:
    """Two queries, each with its three nearest photographs (distances made up: the
    report only shows them)."""
    paths = [str(save(root / f"{p}.png", photograph(p, 96))) for p in PHOTOS[:4]]
    queries = tuple(
        RankedQuery(
            query,
            tuple(Match(rank, path, 0.1 * rank) for rank, path in enumerate(paths[1:], 1)),
        )
        for query in paths[:2]
    )
    body = RankBody(MetricColumn("cosine", "higher"), queries)
    return Report(RunInfo("imgsim rank q g -k 3", __version__, DATE), "rank", body)


def duplicates_report(root: Path) -> Report:
    """One group of a photograph and its hostile-named copy."""
    original = save(root / "coffee.png", photograph("coffee", 96))
    copy = save(root / HOSTILE, photograph("coffee", 96))
    group = DuplicateGroup(1, (DuplicateMember(str(original), None), DuplicateMember(str(copy), 0)))
    body = DuplicatesBody("phash:hamming", (group,))
    return Report(RunInfo("imgsim duplicates d", __version__, DATE), "duplicates", body)


def set_report(root: Path) -> Report:
    """The set metrics of a run and its two worst-covered reference images."""
    far = [str(save(root / f"{p}.png", photograph(p, 96))) for p in ("camera", "coins")]
    body = SetBody(
        (
            SetValue(MetricColumn("fd", "lower"), 12.5),
            SetValue(MetricColumn("coverage", "higher"), 0.4),
        ),
        "cosine",
        (CoveredImage(far[0], 0.9), CoveredImage(far[1], 0.7)),
    )
    gates = (Verdict("fd<=10", False, value=12.5, value_name="fd"),)
    return Report(RunInfo("imgsim compare --set g r", __version__, DATE), "set", body, gates)


def quality_report(root: Path) -> tuple[Report, list[dict[str, object]]]:
    """Four photographs and their Shannon entropy (scikit-image's, of the grey image),
    higher is better; and the rows it was built from."""
    from skimage.color import rgb2gray
    from skimage.measure import shannon_entropy

    rows: list[dict[str, object]] = []
    for photo in PHOTOS[:4]:
        pixels = photograph(photo, 96)
        path = save(root / f"{photo}.png", pixels)
        gray = (rgb2gray(pixels) * 255).astype(np.uint8)
        rows.append({"path": str(path), "entropy": float(shannon_entropy(gray))})  # type: ignore[no-untyped-call]
    body = table_body(rows, ("path",), (MetricColumn("entropy", "higher"),))
    run = RunInfo("imgsim quality d -m entropy", __version__, DATE)
    return Report(run, "quality", body, summaries=table_summaries(body)), rows
