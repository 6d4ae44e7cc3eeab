"""Decoding and discovery (``imgsim.images``), on files built inside each test.

Every decode must give an upright H x W x 3 ``uint8`` RGB array with the value
range scaled (never clipped or wrapped) and alpha composited over white; every
file that cannot be decoded must raise ``BadImage`` with a reason a person
understands. Expected values come from the formulas of DESIGN.md, not from
earlier runs of imgsim.
"""

from __future__ import annotations

import struct
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from imgsim.errors import BadImage, UsageError
from imgsim.images import (
    DEFAULT_MAX_PIXELS,
    DecodedImage,
    decode_upright_rgb,
    discover,
    load_image,
)

RGB = NDArray[np.uint8]


def _noise(height: int, width: int, seed: int = 0) -> RGB:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def _quadrants(height: int, width: int) -> RGB:
    """Red, green / blue, yellow quadrants: any rotation or flip changes the array."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    top, left = slice(0, height // 2), slice(0, width // 2)
    bottom, right = slice(height // 2, height), slice(width // 2, width)
    pixels[top, left] = (255, 0, 0)
    pixels[top, right] = (0, 255, 0)
    pixels[bottom, left] = (0, 0, 255)
    pixels[bottom, right] = (255, 255, 0)
    return pixels


def _reason(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> str:
    with pytest.raises(BadImage) as caught:
        decode_upright_rgb(path, max_pixels=max_pixels)
    return caught.value.reason


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose IHDR claims ``width`` x ``height`` RGB, followed by a tiny IDAT."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    )
    return path


# --------------------------------------------------------------------------- modes


def test_rgb_png_is_decoded_exactly(tmp_path: Path) -> None:
    pixels = _noise(12, 20)
    Image.fromarray(pixels).save(tmp_path / "noise.png")

    decoded = load_image(tmp_path / "noise.png")

    np.testing.assert_array_equal(decoded, pixels)


def test_16_bit_gray_png_is_scaled_by_257_with_rounding(tmp_path: Path) -> None:
    # 1000 and 256 tell scaling apart from clipping (255) and from keeping the low byte.
    values = np.array([[0, 256, 1000, 32896, 65535]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "deep.png")

    decoded = load_image(tmp_path / "deep.png")

    assert decoded[0, :, 0].tolist() == [0, 1, 4, 128, 255]


def test_cmyk_jpeg_comes_out_close_to_the_original_rgb(tmp_path: Path) -> None:
    colours = np.array([[[200, 30, 40], [20, 120, 220], [250, 240, 10]]], dtype=np.uint8)
    original = np.repeat(np.repeat(colours, 16, axis=0), 16, axis=1)
    Image.fromarray(original).convert("CMYK").save(tmp_path / "print.jpg", quality=95)
    assert Image.open(tmp_path / "print.jpg").mode == "CMYK"

    decoded = load_image(tmp_path / "print.jpg")

    assert np.abs(decoded.astype(int) - original.astype(int)).max() <= 8


# Orientation tag → the transpose that turns the upright image into the stored one.
_STORED_FOR_ORIENTATION = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


def _save_rotated_jpeg(path: Path, upright: RGB, orientation: int) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = Image.fromarray(upright).transpose(_STORED_FOR_ORIENTATION[orientation])
    stored.save(path, exif=exif, quality=100, subsampling=0)
    return path


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_gives_the_upright_pixels(tmp_path: Path, orientation: int) -> None:
    upright = _quadrants(16, 32)
    path = _save_rotated_jpeg(tmp_path / "photo.jpg", upright, orientation)

    decoded = load_image(path)

    assert decoded.shape == upright.shape
    assert np.abs(decoded.astype(int) - upright.astype(int)).max() <= 2


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_reports_the_upright_size(tmp_path: Path, orientation: int) -> None:
    path = _save_rotated_jpeg(tmp_path / "photo.jpg", _quadrants(16, 32), orientation)

    decoded = decode_upright_rgb(path)

    assert (decoded.width, decoded.height) == (32, 16)


def test_palette_png_transparent_pixels_become_white(tmp_path: Path) -> None:
    image = Image.new("P", (4, 1))
    image.putpalette([10, 20, 30, 200, 100, 50])
    image.putdata([0, 1, 0, 1])
    image.save(tmp_path / "palette.png", transparency=0)

    decoded = load_image(tmp_path / "palette.png")

    assert decoded[0].tolist() == [[255, 255, 255], [200, 100, 50]] * 2


def _over_white(colour: NDArray[np.int64], alpha: NDArray[np.int64]) -> NDArray[np.int64]:
    """round((c·a + 255·(255 − a)) / 255), exactly (the quotient is never a half)."""
    return np.rint((colour * alpha + 255 * (255 - alpha)) / 255).astype(np.int64)


def test_rgba_partial_alpha_is_composited_over_white(tmp_path: Path) -> None:
    # Every alpha (rows) against every colour value (columns).
    alpha, colour = np.mgrid[0:256, 0:256].astype(np.int64)
    rgba = np.dstack([colour, 255 - colour, colour // 2, alpha]).astype(np.uint8)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    expected = np.dstack([_over_white(c, alpha) for c in (colour, 255 - colour, colour // 2)])

    decoded = load_image(tmp_path / "alpha.png")

    np.testing.assert_array_equal(decoded, expected)


def test_la_partial_alpha_is_composited_over_white(tmp_path: Path) -> None:
    alpha, gray = np.mgrid[0:256, 0:256].astype(np.int64)
    Image.fromarray(np.dstack([gray, alpha]).astype(np.uint8), "LA").save(tmp_path / "la.png")
    expected = np.repeat(_over_white(gray, alpha)[:, :, np.newaxis], 3, axis=2)

    decoded = load_image(tmp_path / "la.png")

    np.testing.assert_array_equal(decoded, expected)


def test_1_bit_image_is_0_or_255(tmp_path: Path) -> None:
    bits = np.array([[0, 255, 0], [255, 0, 255]], dtype=np.uint8)
    Image.fromarray(bits).convert("1").save(tmp_path / "bits.png")

    decoded = load_image(tmp_path / "bits.png")

    np.testing.assert_array_equal(decoded, np.repeat(bits[:, :, np.newaxis], 3, axis=2))


def test_float_tiff_0_to_1_is_mapped_to_0_to_255(tmp_path: Path) -> None:
    values = np.array([[0.0, 0.2, 0.6, 0.999, 1.0]], dtype=np.float32)
    Image.fromarray(values).save(tmp_path / "float.tif")
    assert Image.open(tmp_path / "float.tif").mode == "F"

    decoded = load_image(tmp_path / "float.tif")

    assert decoded[0, :, 0].tolist() == [0, 51, 153, 255, 255]


def test_animated_gif_gives_its_first_frame(tmp_path: Path) -> None:
    red, blue = Image.new("RGB", (8, 8), (255, 0, 0)), Image.new("RGB", (8, 8), (0, 0, 255))
    red.save(tmp_path / "anim.gif", save_all=True, append_images=[blue], duration=100, loop=0)

    decoded = load_image(tmp_path / "anim.gif")

    assert np.unique(decoded.reshape(-1, 3), axis=0).tolist() == [[255, 0, 0]]


def test_grayscale_becomes_three_equal_channels(tmp_path: Path) -> None:
    gray = np.arange(24, dtype=np.uint8).reshape(4, 6) * 10
    Image.fromarray(gray).save(tmp_path / "gray.png")

    decoded = load_image(tmp_path / "gray.png")

    np.testing.assert_array_equal(decoded, np.dstack([gray, gray, gray]))


def test_png_named_jpg_is_decoded_as_png(tmp_path: Path) -> None:
    pixels = _noise(10, 14)
    Image.fromarray(pixels).save(tmp_path / "misnamed.jpg", format="PNG")

    decoded = load_image(tmp_path / "misnamed.jpg")

    np.testing.assert_array_equal(decoded, pixels)  # lossless: read as PNG, not JPEG


# --------------------------------------------------------------------------- sizes


def _large_jpeg_at_min_side(tmp_path: Path) -> DecodedImage:
    Image.fromarray(_noise(768, 1024)).save(tmp_path / "large.jpg")
    return decode_upright_rgb(tmp_path / "large.jpg", min_side=128)


def test_min_side_uses_jpeg_dct_scaling(tmp_path: Path) -> None:
    assert _large_jpeg_at_min_side(tmp_path).pixels.shape == (192, 256, 3)


def test_min_side_reports_the_full_size(tmp_path: Path) -> None:
    decoded = _large_jpeg_at_min_side(tmp_path)

    assert (decoded.width, decoded.height) == (1024, 768)


def _rotated_jpeg_at_min_side(tmp_path: Path) -> DecodedImage:
    path = _save_rotated_jpeg(tmp_path / "portrait.jpg", _quadrants(768, 1024), 6)
    return decode_upright_rgb(path, min_side=128)


def test_min_side_with_exif_rotation_scales_the_upright_image(tmp_path: Path) -> None:
    assert _rotated_jpeg_at_min_side(tmp_path).pixels.shape == (192, 256, 3)


def test_min_side_with_exif_rotation_reports_the_full_upright_size(tmp_path: Path) -> None:
    decoded = _rotated_jpeg_at_min_side(tmp_path)

    assert (decoded.width, decoded.height) == (1024, 768)


def _wide_png_at_max_side(tmp_path: Path) -> DecodedImage:
    Image.fromarray(_noise(40, 100)).save(tmp_path / "wide.png")
    return decode_upright_rgb(tmp_path / "wide.png", max_side=50)


def test_max_side_bounds_the_longer_side(tmp_path: Path) -> None:
    assert _wide_png_at_max_side(tmp_path).pixels.shape == (20, 50, 3)


def test_max_side_reports_the_full_size(tmp_path: Path) -> None:
    decoded = _wide_png_at_max_side(tmp_path)

    assert (decoded.width, decoded.height) == (100, 40)


def test_max_side_resize_is_anti_aliased(tmp_path: Path) -> None:
    # A one-pixel checkerboard averages to mid-gray; nearest-neighbour would keep 0 or 255.
    checkerboard = (np.indices((64, 64)).sum(axis=0) % 2 * 255).astype(np.uint8)
    Image.fromarray(checkerboard).save(tmp_path / "checker.png")

    decoded = decode_upright_rgb(tmp_path / "checker.png", max_side=16)

    assert np.abs(decoded.pixels.astype(int) - 127.5).max() <= 1


def test_small_image_is_not_enlarged_by_max_side(tmp_path: Path) -> None:
    Image.fromarray(_noise(10, 12)).save(tmp_path / "small.png")

    decoded = decode_upright_rgb(tmp_path / "small.png", max_side=64)

    assert decoded.pixels.shape == (10, 12, 3)


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("kept", [0.05, 0.2, 0.5, 0.95])
@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_truncated_file_is_reported_as_truncated(tmp_path: Path, suffix: str, kept: float) -> None:
    whole = tmp_path / f"whole{suffix}"
    Image.fromarray(_noise(64, 64)).save(whole)
    data = whole.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: int(len(data) * kept)])

    assert _reason(cut).startswith("truncated")


def test_zero_byte_file_is_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")

    assert _reason(tmp_path / "empty.png").startswith("empty file")


def test_text_named_jpg_looks_like_text(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("These are my notes, not a photo.\n")

    assert _reason(tmp_path / "notes.jpg") == "not an image: looks like text"


def test_random_bytes_are_not_an_image(tmp_path: Path) -> None:
    junk = np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    (tmp_path / "junk.png").write_bytes(junk)

    assert _reason(tmp_path / "junk.png").startswith("not an image")


def test_folder_is_not_an_image_file(tmp_path: Path) -> None:
    (tmp_path / "folder.png").mkdir()

    assert _reason(tmp_path / "folder.png") == "is a folder, not an image file"


def test_huge_header_is_refused_with_its_size(tmp_path: Path) -> None:
    bomb = _png_header_only(tmp_path / "bomb.png", 60000, 60000)

    assert _reason(bomb) == f"60000x60000 exceeds max_pixels {DEFAULT_MAX_PIXELS}"


def test_huge_header_is_refused_before_allocating_pixels(tmp_path: Path) -> None:
    bomb = _png_header_only(tmp_path / "bomb.png", 60000, 60000)
    with pytest.raises(BadImage):  # warm up: plugin imports are not the decode's memory
        decode_upright_rgb(bomb)

    tracemalloc.start()
    try:
        with pytest.raises(BadImage):
            decode_upright_rgb(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 4 * 2**20


def test_max_pixels_is_configurable(tmp_path: Path) -> None:
    Image.fromarray(_noise(10, 20)).save(tmp_path / "small.png")

    assert _reason(tmp_path / "small.png", max_pixels=199) == "20x10 exceeds max_pixels 199"


def _bad_image_of_an_empty_file(path: Path) -> BadImage:
    path.write_bytes(b"")
    with pytest.raises(BadImage) as caught:
        decode_upright_rgb(path)
    return caught.value


def test_bad_image_carries_the_path(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"

    assert _bad_image_of_an_empty_file(path).path == str(path)


def test_bad_image_carries_the_reason(tmp_path: Path) -> None:
    assert _bad_image_of_an_empty_file(tmp_path / "empty.jpg").reason == "empty file (0 bytes)"


def test_bad_image_reads_as_path_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"

    assert str(_bad_image_of_an_empty_file(path)) == f"{path}: empty file (0 bytes)"


def test_missing_file_cannot_be_read(tmp_path: Path) -> None:
    assert _reason(tmp_path / "gone.png").startswith("cannot read")


# --------------------------------------------------------------------------- discovery


def _touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")  # discovery goes by name; content is the decoder's job


def test_discovery_is_recursive_and_sorted(tmp_path: Path) -> None:
    _touch(tmp_path, "b.png", "a/z.jpg", "a/b/c.webp", "c.PNG", "a.JPEG")

    found = discover([tmp_path])

    assert [p.relative_to(tmp_path).as_posix() for p in found.files] == [
        "a/b/c.webp",
        "a/z.jpg",
        "a.JPEG",
        "b.png",
        "c.PNG",
    ]


def test_discovery_skips_hidden_files_and_folders(tmp_path: Path) -> None:
    _touch(tmp_path, "seen.png", ".hidden.png", ".git/objects/x.png", "sub/.thumb.jpg")

    found = discover([tmp_path])

    assert found.files == [tmp_path / "seen.png"]


def test_discovery_counts_other_files_as_ignored(tmp_path: Path) -> None:
    _touch(tmp_path, "a.png", "notes.txt", "sub/data.csv", "README")

    assert discover([tmp_path]).ignored == 3


def test_discovery_finds_only_the_images_among_other_files(tmp_path: Path) -> None:
    _touch(tmp_path, "a.png", "notes.txt", "sub/data.csv", "README")

    assert discover([tmp_path]).files == [tmp_path / "a.png"]


def test_symlink_loop_terminates_without_duplicates(tmp_path: Path) -> None:
    _touch(tmp_path, "top.png", "sub/inner.png")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)

    found = discover([tmp_path])

    assert found.files == [tmp_path / "sub" / "inner.png", tmp_path / "top.png"]


def test_broken_symlink_is_kept_for_the_decoder_to_report(tmp_path: Path) -> None:
    (tmp_path / "dangling.png").symlink_to(tmp_path / "nowhere.png")

    found = discover([tmp_path])

    assert found.files == [tmp_path / "dangling.png"]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no-such-folder"):
        discover([tmp_path / "no-such-folder"])


def test_file_named_directly_is_taken_whatever_its_extension(tmp_path: Path) -> None:
    _touch(tmp_path, "picture.dat")

    found = discover([tmp_path / "picture.dat"])

    assert found.files == [tmp_path / "picture.dat"]
