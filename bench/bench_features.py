"""The features of the working image against the scikit-image code they reproduce.

1. The Gabor bank: :func:`imgsim.features.gabor.gabor_responses` (24 filters, one
   batched FFT) against 24 calls of ``skimage.filters.gabor`` (``scipy.ndimage``
   direct convolution) for the same frequencies and orientations, on the same
   256 x 256 gray working image of a 1024x768 photograph of the corpus. Both run in
   this process on one thread. Target: imgsim at least 5x faster.

The working image is made as the engine makes it: the file decoded upright to RGB,
resized to 256 x 256 with OpenCV's area filter, then its Pillow luma.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import corpus
import cv2
import numpy as np
from harness import Result, format_seconds, speedup
from numpy.typing import NDArray

from imgsim.defaults import DEFAULT_WORK_SIZE
from imgsim.features.gabor import FILTERS, gabor_features, gabor_responses
from imgsim.images import load_image, luma

GABOR_TARGET = 5.0
IMGSIM_REPEAT = 10
REFERENCE_REPEAT = 2
"""The reference takes seconds per pass; the best of two is stable to a few per cent."""
T = TypeVar("T")


def run() -> list[Result]:
    """The Gabor bank benchmark."""
    photo = corpus.build(corpus.DATA / "corpus", 1)[0]
    rgb = load_image(photo)
    side = DEFAULT_WORK_SIZE
    working = np.asarray(cv2.resize(rgb, (side, side), interpolation=cv2.INTER_AREA))
    gray = luma(working)
    return [gabor_bank(gray, f"{photo.name} ({rgb.shape[1]}x{rgb.shape[0]})")]


def gabor_bank(gray: NDArray[np.uint8], source: str) -> Result:
    """24 Gabor responses: one batched FFT against 24 ``skimage.filters.gabor`` calls."""
    from skimage import filters

    image = gray.astype(np.float64) / 255  # the scale gabor_responses reads uint8 at

    def reference() -> list[tuple[NDArray[np.float64], NDArray[np.float64]]]:
        return [filters.gabor(image, frequency, theta) for frequency, theta in FILTERS]

    start = time.perf_counter()
    gabor_responses(gray)  # once per process: scipy.fft's import and the kernel spectra
    first_call = time.perf_counter() - start
    imgsim_seconds, ours = _best_of(IMGSIM_REPEAT, lambda: gabor_responses(gray))
    reference_seconds, theirs = _best_of(REFERENCE_REPEAT, reference)
    worst = max(
        max(float(np.abs(ours[k].real - real).max()), float(np.abs(ours[k].imag - imag).max()))
        for k, (real, imag) in enumerate(theirs)
    )
    feature_seconds, _ = _best_of(IMGSIM_REPEAT, lambda: gabor_features(gray))
    return speedup(
        "gabor bank, 24 filters, 256x256",
        imgsim_seconds=imgsim_seconds,
        reference_seconds=reference_seconds,
        at_least=GABOR_TARGET,
        per="image",
        details=(
            f"image: the {gray.shape[1]}x{gray.shape[0]} gray working image of {source}",
            f"imgsim: `gabor_responses(gray)` (complex64 FFTs of the reflect-padded image, "
            f"batched per frequency), best of {IMGSIM_REPEAT}; the first call, which imports "
            f"scipy.fft and builds the kernel spectra: "
            f"{format_seconds(first_call)}; the 48-d `gabor_features`: "
            f"{format_seconds(feature_seconds)}",
            f"reference: `skimage.filters.gabor(gray / 255, frequency, theta)` for the same "
            f"{len(FILTERS)} filters, best of {REFERENCE_REPEAT}",
            f"same result: largest difference of a real or imaginary part {worst:.1e}",
        ),
    )


def _best_of(repeat: int, work: Callable[[], T]) -> tuple[float, T]:
    """The shortest of ``repeat`` timed calls of ``work``, and the last call's value."""
    times: list[float] = []
    values: list[T] = []
    for _ in range(repeat):
        start = time.perf_counter()
        values.append(work())
        times.append(time.perf_counter() - start)
    return min(times), values[-1]
