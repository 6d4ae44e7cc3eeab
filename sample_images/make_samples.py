"""Rebuild the small real-photo sample set that ``make demo`` runs on.

Run from the repository root::

    python sample_images/make_samples.py

It writes, next to this script:

``reference/``
    Eight photographs bundled in the scikit-image wheel (``skimage.data``), all public
    domain or CC0, resized with a Lanczos filter so that the longer side is 256 px.
    Most are PNG; two are JPEG (quality 95) and two are grayscale, to show mixed
    formats and modes.

``generated/``
    One file per reference stem, with the same stem and the same pixel size, made by a
    graded degradation of the reference *as stored* (the reference file is decoded
    again before it is degraded, so a pixel metric sees only the degradation): an
    exact copy, light and strong Gaussian noise, Gaussian blur, heavy JPEG compression,
    a hue shift, a 90 % crop resized back, and one unrelated photograph. SSIM against
    the reference therefore runs from 1.0 (the copy) down to about zero.

``README.md``
    The table of files, sources, licences, degradations and SSIM values, written from
    the same table as the images so that it cannot drift.

Everything is deterministic: fixed seeds, no network, no timestamps or other metadata
in the files. Two runs with the same library versions give byte-identical output.
Needs numpy, pillow, scipy and scikit-image (a test-only dependency of imgsim).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps
from scipy import ndimage
from skimage import data
from skimage.metrics import structural_similarity

HERE = Path(__file__).resolve().parent
REFERENCE_DIR = HERE / "reference"
GENERATED_DIR = HERE / "generated"
README = HERE / "README.md"

LONG_SIDE = 256  # longer side of every reference image, in pixels
REFERENCE_JPEG_QUALITY = 95
HEAVY_JPEG_QUALITY = 10

U8Array = npt.NDArray[np.uint8]
Degrade = Callable[[Image.Image], Image.Image]


@dataclass(frozen=True)
class Source:
    """A photograph bundled in the scikit-image wheel, with its provenance.

    Author, origin and licence are as stated in the docstring of the ``skimage.data``
    function (scikit-image 0.26).
    """

    function: str  # name of the ``skimage.data`` function that loads it
    author: str
    origin: str  # where scikit-image took it from
    licence: str


SOURCES: dict[str, Source] = {
    source.function: source
    for source in (
        Source(
            "astronaut",
            "NASA (astronaut Eileen Collins)",
            "NASA Great Images database, https://flic.kr/p/r9qvLn",
            "Public domain",
        ),
        Source("chelsea", "Stefan van der Walt", "the photographer", "CC0"),
        Source(
            "coffee",
            "Rachel Michetti (courtesy of Pikolo Espresso Bar)",
            "the photographer",
            "CC0",
        ),
        Source(
            "rocket",
            "SpaceX (DSCOVR launch on Falcon 9)",
            "https://www.flickr.com/photos/spacexphotos/16511594820/",
            "Public domain",
        ),
        Source(
            "hubble_deep_field",
            "NASA (Hubble eXtreme Deep Field)",
            "http://hubblesite.org/newscenter/archive/releases/2012/37/image/a/",
            "Public domain",
        ),
        Source(
            "retina",
            "Mikael Häggström",
            "https://commons.wikimedia.org/wiki/File:Fundus_photograph_of_normal_left_eye.jpg",
            "CC0 1.0",
        ),
        Source("camera", "Lav Varshney", "the photographer", "CC0"),
        Source("clock", "Stefan van der Walt", "the photographer", "Public domain"),
        Source(
            "gravel",
            "CC0Textures (Gravel04; cropped and made grayscale by scikit-image)",
            "https://cc0textures.com/view.php?tex=Gravel04",
            "CC0",
        ),
    )
}


# --------------------------------------------------------------------------- helpers


def load_source(function: str) -> Image.Image:
    """Load a ``skimage.data`` photograph as an 8-bit ``RGB`` or ``L`` Pillow image."""
    array = np.asarray(getattr(data, function)())
    if array.dtype != np.uint8:
        raise TypeError(f"skimage.data.{function}() is {array.dtype}, expected uint8")
    mode = "L" if array.ndim == 2 else "RGB"
    return Image.fromarray(np.ascontiguousarray(array), mode=mode)


def fit_long_side(image: Image.Image, long_side: int = LONG_SIDE) -> Image.Image:
    """Resize with a Lanczos (anti-aliased) filter so that the longer side is ``long_side``."""
    width, height = image.size
    scale = long_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def save(image: Image.Image, path: Path, jpeg_quality: int = REFERENCE_JPEG_QUALITY) -> None:
    """Save as PNG or JPEG (by suffix) without any metadata, so that output is reproducible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = Image.frombytes(image.mode, image.size, image.tobytes())  # drops info/exif
    if path.suffix == ".png":
        clean.save(path, format="PNG", optimize=True)
    elif path.suffix == ".jpg":
        clean.save(path, format="JPEG", quality=jpeg_quality, subsampling="4:2:0")
    else:
        raise ValueError(f"unsupported suffix: {path.suffix}")


def load_stored(path: Path) -> Image.Image:
    """Decode a file written by :func:`save` back into an 8-bit ``RGB`` or ``L`` image."""
    with Image.open(path) as image:
        image.load()
        return image.convert("L" if image.mode == "L" else "RGB")


def to_uint8(values: npt.NDArray[np.floating]) -> U8Array:
    """Round and clip floating-point pixel values to ``uint8``."""
    clipped: U8Array = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return clipped


# ---------------------------------------------------------------------- degradations


def exact_copy(image: Image.Image) -> Image.Image:
    """Return the same pixels (the generated file is bit-identical to its reference)."""
    return image.copy()


def gaussian_noise(image: Image.Image, sigma: float, seed: int) -> Image.Image:
    """Add zero-mean Gaussian noise of standard deviation ``sigma`` (in 0…255 units)."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float64)
    noisy = pixels + rng.normal(0.0, sigma, size=pixels.shape)
    return Image.fromarray(to_uint8(noisy), mode=image.mode)


def gaussian_blur(image: Image.Image, sigma: float) -> Image.Image:
    """Blur each channel with a Gaussian of standard deviation ``sigma`` pixels."""
    pixels = np.asarray(image, dtype=np.float64)
    spatial = (sigma, sigma) if pixels.ndim == 2 else (sigma, sigma, 0.0)
    blurred = ndimage.gaussian_filter(pixels, sigma=spatial, mode="reflect")
    return Image.fromarray(to_uint8(blurred), mode=image.mode)


def hue_shift(image: Image.Image, degrees: float) -> Image.Image:
    """Rotate the hue of every pixel by ``degrees`` (saturation and value unchanged)."""
    hsv = np.asarray(image.convert("HSV"), dtype=np.int32)
    step = round(degrees / 360 * 256)
    hsv[..., 0] = (hsv[..., 0] + step) % 256
    shifted = Image.fromarray(hsv.astype(np.uint8), mode="HSV")
    return shifted.convert("RGB")


def crop_and_resize(image: Image.Image, keep: float) -> Image.Image:
    """Crop the central ``keep`` fraction of each side and resize it back to full size."""
    width, height = image.size
    crop_w, crop_h = round(width * keep), round(height * keep)
    left, top = (width - crop_w) // 2, (height - crop_h) // 2
    box = (left, top, left + crop_w, top + crop_h)
    return image.resize(image.size, Image.Resampling.LANCZOS, box=box)


def unrelated_photo(image: Image.Image, function: str) -> Image.Image:
    """Replace the image by another photograph, centre-cropped and resized to its size."""
    other = load_source(function).convert(image.mode)
    return ImageOps.fit(other, image.size, method=Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Sample:
    """One reference image and its generated counterpart."""

    stem: str
    source: str  # key of SOURCES
    reference_suffix: str  # ".png" or ".jpg" (JPEG quality 95)
    degrade: Degrade
    generated_suffix: str  # ".png", or ".jpg" when JPEG artefacts are the point
    description: str
    generated_jpeg_quality: int = REFERENCE_JPEG_QUALITY
    unrelated_source: str | None = None  # key of SOURCES, for the unrelated image


SAMPLES: tuple[Sample, ...] = (
    Sample("astronaut", "astronaut", ".png", exact_copy, ".png", "exact copy (bit-identical)"),
    Sample(
        "chelsea",
        "chelsea",
        ".png",
        partial(gaussian_noise, sigma=4.0, seed=1),
        ".png",
        "light Gaussian noise, σ = 4 (seed 1)",
    ),
    Sample(
        "rocket",
        "rocket",
        ".jpg",
        partial(gaussian_blur, sigma=1.5),
        ".png",
        "Gaussian blur, σ = 1.5 px",
    ),
    Sample(
        "retina",
        "retina",
        ".png",
        partial(hue_shift, degrees=60.0),
        ".png",
        "hue rotated by 60° (HSV)",
    ),
    Sample(
        "coffee",
        "coffee",
        ".png",
        exact_copy,  # the degradation is the quality-10 JPEG encoding itself
        ".jpg",
        f"heavy JPEG compression, quality {HEAVY_JPEG_QUALITY} (kept as .jpg)",
        generated_jpeg_quality=HEAVY_JPEG_QUALITY,
    ),
    Sample(
        "camera",
        "camera",
        ".png",
        partial(crop_and_resize, keep=0.9),
        ".png",
        "central 90 % crop resized back to full size (Lanczos)",
    ),
    Sample(
        "hubble_deep_field",
        "hubble_deep_field",
        ".jpg",
        partial(gaussian_noise, sigma=40.0, seed=2),
        ".png",
        "strong Gaussian noise, σ = 40 (seed 2)",
    ),
    Sample(
        "clock",
        "clock",
        ".png",
        partial(unrelated_photo, function="gravel"),
        ".png",
        "unrelated photograph: `gravel`, centre-cropped and resized to the same size",
        unrelated_source="gravel",
    ),
)


def ssim(reference: Path, generated: Path) -> float:
    """SSIM of two files as imgsim sees them (upright 8-bit RGB), Wang et al. settings."""
    a = np.asarray(load_stored(reference).convert("RGB"))
    b = np.asarray(load_stored(generated).convert("RGB"))
    return float(
        structural_similarity(  # type: ignore[no-untyped-call]
            a,
            b,
            channel_axis=-1,
            data_range=255,
            gaussian_weights=True,
            sigma=1.5,
            use_sample_covariance=False,
        )
    )


def build(sample: Sample) -> tuple[Path, Path]:
    """Write the reference and the generated file of one sample; return their paths."""
    reference_path = REFERENCE_DIR / f"{sample.stem}{sample.reference_suffix}"
    generated_path = GENERATED_DIR / f"{sample.stem}{sample.generated_suffix}"
    save(fit_long_side(load_source(sample.source)), reference_path)
    reference = load_stored(reference_path)  # degrade what is stored, not what was meant
    generated = sample.degrade(reference)
    if generated.size != reference.size:
        raise AssertionError(f"{sample.stem}: generated size {generated.size} != {reference.size}")
    save(generated, generated_path, jpeg_quality=sample.generated_jpeg_quality)
    return reference_path, generated_path


def readme(rows: list[tuple[Sample, Path, Path, float]]) -> str:
    """The README text: what is here, where it comes from, and how to rebuild it."""
    lines = [
        "# Sample images",
        "",
        "A small real-photo sample set for `make demo`, the docs and the tests: eight",
        "reference photographs and, for each, a generated image with the same stem and the",
        "same pixel size, degraded by a graded amount so that pixel metrics (SSIM, PSNR…)",
        "run from a perfect match down to an unrelated image.",
        "",
        "*This file is written by `make_samples.py`; edit the script, not this file.*",
        "",
        "## Rebuild",
        "",
        "From the repository root (needs numpy, pillow, scipy and scikit-image):",
        "",
        "```",
        "python sample_images/make_samples.py",
        "```",
        "",
        "The script uses only the photographs bundled in the scikit-image wheel",
        "(`skimage.data`), fixed seeds and no network; files carry no timestamps or other",
        "metadata, so two runs with the same library versions give byte-identical output",
        "(other versions of Pillow, zlib, libjpeg, numpy or scipy may change some bytes or",
        "the last digits of the scores, not what the images show).",
        "",
        "## Files",
        "",
        f"References are resized with a Lanczos filter so that the longer side is {LONG_SIDE}",
        f"px; `.jpg` references are JPEG quality {REFERENCE_JPEG_QUALITY}; `camera` and `clock`",
        "are grayscale files. Each generated file is made from its reference as stored.",
        "Rows are in order of decreasing SSIM of the generated image against its reference,",
        "both decoded to 8-bit RGB, computed with",
        "`skimage.metrics.structural_similarity(a, b, channel_axis=-1, data_range=255,",
        "gaussian_weights=True, sigma=1.5, use_sample_covariance=False)`.",
        "",
        "| stem | reference | generated | size (w×h) | degradation | SSIM |",
        "|---|---|---|---|---|---|",
    ]
    for sample, reference_path, generated_path, score in rows:
        with Image.open(reference_path) as image:
            width, height = image.size
        lines.append(
            f"| `{sample.stem}` | `reference/{reference_path.name}` "
            f"| `generated/{generated_path.name}` | {width}×{height} "
            f"| {sample.description} | {score:.4f} |"
        )
    lines += [
        "",
        "## Sources and licences",
        "",
        "Every photograph comes from `skimage.data` (scikit-image); authors and licences are",
        "as stated in the docstring of each function. All are public domain or CC0, so the",
        "resized and degraded versions here are free to use, modify and redistribute.",
        "",
        "| stem | `skimage.data` function | author | origin | licence | used for |",
        "|---|---|---|---|---|---|",
    ]
    for sample, _, _, _ in rows:
        used = [(sample.source, "reference")]
        if sample.unrelated_source is not None:
            used.append((sample.unrelated_source, "generated (unrelated image)"))
        for key, role in used:
            source = SOURCES[key]
            lines.append(
                f"| `{sample.stem}` | `{source.function}()` | {source.author} "
                f"| {source.origin} | {source.licence} | {role} |"
            )
    lines += [
        "",
        "Images of `skimage.data` whose licence is not stated as free were left out",
        '(`coins`, `immunohistochemistry`: "no known copyright restrictions" only;',
        "`motorcycle_left`: Middlebury stereo data set, no licence stated).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    rows = []
    for sample in SAMPLES:
        reference_path, generated_path = build(sample)
        rows.append((sample, reference_path, generated_path, ssim(reference_path, generated_path)))
    README.write_text(readme(rows), encoding="utf-8")
    for sample, reference_path, generated_path, score in rows:
        print(
            f"{sample.stem:18} {reference_path.relative_to(HERE)!s:32} "
            f"{generated_path.relative_to(HERE)!s:32} ssim={score:.4f}"
        )


if __name__ == "__main__":
    main()
