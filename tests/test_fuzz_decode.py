"""Mutated PNG, JPEG, GIF, TIFF and WebP files of a photograph through imgsim's decoder.

Hypothesis flips bits, cuts files short, splices the header of one format onto the
body of another and overwrites runs of bytes; each mutant is written to a file and
decoded with :func:`imgsim.images.decode_upright_rgb`. It must give an upright
H x W x 3 ``uint8`` image or raise :class:`~imgsim.errors.BadImage`, nothing else,
and it must refuse exactly the files that Pillow itself cannot decode (imgsim's
decoder is Pillow behind a size guard: a file Pillow refuses must not come out as
pixels). The budget is small by default; ``IMGSIM_FUZZ_EXAMPLES=5000`` (``make
fuzz``) runs longer.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import load_photo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from imgsim.errors import BadImage
from imgsim.images import decode_upright_rgb

EXAMPLES = int(os.environ.get("IMGSIM_FUZZ_EXAMPLES", "100"))
"""Examples per test (five formats, three tests each: about 1,500 decodes by default)."""

MAX_PIXELS = 2_000_000
"""A mutated header may claim a huge size: such files are refused before decoding, so
that the fuzzing spends its time on headers and data rather than on allocation."""

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def seed_files() -> dict[str, bytes]:
    """scikit-image's chelsea photograph at 40 x 30 in each format, as Pillow writes it."""
    small = Image.fromarray(load_photo("chelsea")).resize((40, 30), Image.Resampling.LANCZOS)
    options: dict[str, dict[str, object]] = {
        "PNG": {},
        "JPEG": {"quality": 85},
        "GIF": {},
        "TIFF": {"compression": "tiff_lzw"},
        "WEBP": {"quality": 80},
    }
    files = {}
    for fmt, extra in options.items():
        buffer = io.BytesIO()
        small.save(buffer, fmt, **extra)
        files[fmt] = buffer.getvalue()
    return files


SEEDS = seed_files()
FORMATS = sorted(SEEDS)


@st.composite
def offsets(draw: st.DrawFn, size: int) -> int:
    """A position in a file of ``size`` bytes, half the time inside its first 64 (the header)."""
    header = st.integers(0, min(63, size - 1))
    return draw(st.one_of(header, st.integers(0, size - 1)))


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    """The seed file of ``fmt`` after one to three mutations."""
    data = bytearray(SEEDS[fmt])
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "truncate", "splice", "run"]))
        if not data:
            break
        if kind == "flip":
            data[draw(offsets(len(data)))] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            data = data[: draw(offsets(len(data)))]
        elif kind == "splice":
            other = SEEDS[draw(st.sampled_from([f for f in FORMATS if f != fmt]))]
            keep = draw(st.integers(1, 64))
            data = bytearray(other[:keep]) + data[keep:]
        else:
            start = draw(offsets(len(data)))
            run = draw(st.binary(min_size=1, max_size=32))
            data[start : start + len(run)] = run
    return bytes(data)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One file that every example overwrites (Hypothesis runs examples one at a time)."""
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "mutant"


def decode(path: Path, data: bytes) -> str:
    """``"image"``, ``"bad"`` (BadImage) or ``"malformed"`` (an array that is no image);
    any other exception propagates and fails the test."""
    path.write_bytes(data)
    try:
        decoded = decode_upright_rgb(path, max_pixels=MAX_PIXELS)
    except BadImage:
        return "bad"
    pixels = decoded.pixels
    well_formed = (
        pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3 and pixels.size > 0
    )
    return "image" if well_formed else "malformed"


def pillow_decodes(path: Path) -> bool | None:
    """Whether Pillow alone opens and loads the file (``None``: too large to try)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(path) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.load()
                return image.width * image.height > 0
        except Exception:  # any failure of Pillow's is a file it cannot decode
            return False


@pytest.mark.parametrize("fmt", FORMATS)
def test_seed_file_decodes(scratch: Path, fmt: str) -> None:
    assert decode(scratch, SEEDS[fmt]) == "image"


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.data())
def test_mutant_is_an_image_or_bad_image(scratch: Path, fmt: str, data: st.DataObject) -> None:
    mutant = data.draw(mutated(fmt))

    assert decode(scratch, mutant) in {"image", "bad"}


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.data())
def test_mutant_is_refused_when_pillow_cannot_decode_it(
    scratch: Path, fmt: str, data: st.DataObject
) -> None:
    mutant = data.draw(mutated(fmt))
    outcome = decode(scratch, mutant)
    reference = pillow_decodes(scratch)

    assert reference is None or outcome == ("image" if reference else "bad")
