"""Build the bad-input corpus of tests/data/bad_inputs/: unusual, broken and hostile files.

    python scripts/make_bad_inputs.py            # (re)write tests/data/bad_inputs/
    python scripts/make_bad_inputs.py --check    # exit 1 unless the folder holds what it builds
    python scripts/make_bad_inputs.py --out DIR  # write the corpus elsewhere

Every file is made here from one photograph bundled with scikit-image (astronaut,
scaled down to 48 x 36 with Lanczos) or from bytes written by hand, so the corpus is
deterministic and nothing is downloaded. ``EXPECTED.json`` says, for each file, the
exit status that ``imgsim extract/quality/compare`` must give when the file is named
alone: 0 for a readable unusual file (1 x 1, 16-bit, CMYK, palette with transparency,
EXIF-rotated, animated, wrong extension), 3 for a file that cannot be read (truncated,
empty, text, corrupted headers, decompression bombs whose header claims more pixels
than ``max_pixels``), with what the file is. Entries that git cannot hold (a folder
named ``x.png``, symbolic links, a FIFO, an unreadable file) are made by
tests/test_bad_inputs.py itself.
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "bad_inputs"
EXPECTED = "EXPECTED.json"


@dataclass(frozen=True)
class Kind:
    """One file of the corpus: its name, the exit status of ``imgsim extract`` on it,
    what it is, and the status of ``quality`` and ``compare -m ssim`` where they differ."""

    name: str
    status: int
    what: str
    build: Callable[[], bytes]
    quality: int | None = None
    """``None``: the same as :attr:`status`."""
    compare: int | None = None
    """``None``: the same as :attr:`status`."""


# --------------------------------------------------------------------------- sources


PHOTO = "astronaut"
"""The photograph of scikit-image's bundled data that the images are made of."""


def photo(width: int = 48, height: int = 36) -> Image.Image:
    """scikit-image's :data:`PHOTO` scaled down (Lanczos) to ``width`` x ``height``."""
    from skimage import data

    return Image.fromarray(getattr(data, PHOTO)()).resize((width, height), Image.Resampling.LANCZOS)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    """``image`` encoded by Pillow as ``fmt``."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and its CRC."""
    crc = struct.pack(">I", zlib.crc32(kind + data))
    return struct.pack(">I", len(data)) + kind + data + crc


def png_raw(width: int, height: int, depth: int, color: int, rows: bytes) -> bytes:
    """A PNG written by hand: IHDR, one IDAT of ``rows`` (filter bytes included), IEND."""
    header = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(rows, 9))
        + png_chunk(b"IEND", b"")
    )


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    """``data`` with the bits of ``mask`` flipped in the byte at ``offset``."""
    return data[:offset] + bytes([data[offset] ^ mask]) + data[offset + 1 :]


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


# --------------------------------------------------------------------------- readable files


def rgb48_png() -> bytes:
    """16 bits per channel RGB, which Pillow reads as 8-bit RGB."""
    pixels = np.asarray(photo(), dtype=np.uint16) * 257
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in pixels)
    return png_raw(48, 36, 16, 2, rows)


def gray16_png() -> bytes:
    luma = np.asarray(photo().convert("L"), dtype=np.uint16) * 257
    return encoded(Image.fromarray(luma), "PNG")


def gray16_tiff() -> bytes:
    luma = np.asarray(photo().convert("L"), dtype=np.uint16) * 257
    return encoded(Image.fromarray(luma), "TIFF")


def float_tiff() -> bytes:
    luma = np.asarray(photo().convert("L"), dtype=np.float32) / 255.0
    return encoded(Image.fromarray(luma, mode="F"), "TIFF")


def int32_tiff() -> bytes:
    luma = np.asarray(photo().convert("L"), dtype=np.int32) * 1000 - 50_000
    return encoded(Image.fromarray(luma, mode="I"), "TIFF")


def palette_with_transparency(fmt: str) -> bytes:
    image = photo().quantize(64)
    return encoded(image, fmt, transparency=0)


def with_alpha(mode: str) -> bytes:
    image = photo().convert(mode)
    alpha = Image.linear_gradient("L").resize(image.size)
    image.putalpha(alpha)
    return encoded(image, "PNG")


def exif_rotated(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(photo(), "JPEG", quality=85, exif=exif.tobytes())


def broken_exif_jpeg() -> bytes:
    """An APP1 Exif segment of garbage: the image stays as stored."""
    plain = encoded(photo(), "JPEG", quality=85)
    payload = b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + b"\xee" * 20
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return plain[:2] + segment + plain[2:]


def frames() -> list[Image.Image]:
    base = photo()
    return [base, base.rotate(90), base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]


def animated(fmt: str, **options: object) -> bytes:
    first, *rest = frames()
    return encoded(first, fmt, save_all=True, append_images=rest, duration=100, **options)


def multipage_tiff() -> bytes:
    first, *rest = frames()
    return encoded(first, "TIFF", save_all=True, append_images=rest, compression="tiff_lzw")


def png_ending_in_garbage() -> bytes:
    return encoded(photo(), "PNG") + b"trailing bytes after IEND" * 4


def jpeg_ending_in_garbage() -> bytes:
    return encoded(photo(), "JPEG", quality=85) + b"\x00garbage after EOI" * 4


# --------------------------------------------------------------------------- broken files


def png_bytes() -> bytes:
    return encoded(photo(), "PNG")


def jpeg_bytes() -> bytes:
    return encoded(photo(), "JPEG", quality=85)


def jpeg_without_huffman_tables() -> bytes:
    """Every DHT segment removed: the scan cannot be decoded."""
    data = jpeg_bytes()
    out = bytearray(data[:2])
    position = 2
    while position < len(data):
        marker = data[position + 1]
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            out += data[position:]
            break
        if marker != 0xC4:
            out += data[position : position + 2 + length]
        position += 2 + length
    return bytes(out)


def png_idat_zlib_broken() -> bytes:
    """The IDAT's zlib header byte changed (its CRC fixed): the data does not inflate."""
    data = bytearray(png_bytes())
    start = data.index(b"IDAT")
    length = struct.unpack(">I", data[start - 4 : start])[0]
    data[start + 4] = 0x7F  # CMF: compression method 15 does not exist
    body = bytes(data[start : start + 4 + length])
    data[start + 4 + length : start + 8 + length] = struct.pack(">I", zlib.crc32(body))
    return bytes(data)


def png_with_size(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` and that holds almost no data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + idat + png_chunk(b"IEND", b"")


def jpeg_with_size(width: int, height: int) -> bytes:
    """A real JPEG whose SOF0 frame header is rewritten to claim ``width`` x ``height``."""
    data = bytearray(jpeg_bytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_with_size(width: int, height: int) -> bytes:
    """A GIF whose screen and only image claim ``width`` x ``height``, with one pixel of data."""
    screen = b"GIF89a" + struct.pack("<HH", width, height) + b"\x80\x00\x00"
    palette = b"\x00\x00\x00\xff\xff\xff"
    image = b"\x2c" + struct.pack("<HHHH", 0, 0, width, height) + b"\x00"
    return screen + palette + image + b"\x02\x02\x44\x01\x00;"


def tiff_with_size(width: int, height: int) -> bytes:
    """A little-endian TIFF whose IFD claims ``width`` x ``height`` gray pixels in one strip."""
    entries = [
        (256, 4, 1, width),  # ImageWidth, LONG
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # PhotometricInterpretation: black is zero
        (273, 4, 1, 8),  # StripOffsets
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, width * height),  # StripByteCounts
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 16) + b"\x00" * 8 + ifd


def webp_with_size(width: int, height: int) -> bytes:
    """A lossless WebP of the photograph whose VP8L header claims ``width`` x ``height``
    (14 bits a side: at most 16384, as the format allows)."""
    data = bytearray(encoded(photo(), "WEBP", lossless=True))
    start = data.index(b"VP8L") + 9  # after the fourcc, the chunk size and the 0x2f signature
    bits = struct.unpack("<I", data[start : start + 4])[0]
    bits = (bits & ~((1 << 28) - 1)) | (width - 1) | ((height - 1) << 14)
    data[start : start + 4] = struct.pack("<I", bits)
    return bytes(data)


def bmp_with_size(width: int, height: int) -> bytes:
    """A 24-bit BMP header claiming ``width`` x ``height``, followed by a few bytes."""
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    pixels = b"\x00" * 64
    size = 14 + len(info) + len(pixels)
    return b"BM" + struct.pack("<IHHI", size, 0, 0, 14 + len(info)) + info + pixels


def spliced(head: bytes, body: bytes, keep: int) -> bytes:
    """The first ``keep`` bytes of ``head`` followed by ``body`` after its first ``keep``."""
    return head[:keep] + body[keep:]


TOO_SMALL: dict[str, int] = {"quality": 3, "compare": 2}
"""Readable, but smaller than some metrics' windows: ``quality`` names the file and the
metric that cannot measure it (a row with an error, exit 3); ``compare -m ssim`` leaves
the pair unscored for its size (exit 2, as for images of different sizes)."""

BOMB_SIDE = 60_000
"""60000 x 60000 = 3.6 gigapixels, 40 times imgsim's default ``max_pixels``."""

KINDS: tuple[Kind, ...] = (
    # readable unusual files: exit 0
    Kind("tiny_1x1.png", 0, "1 x 1 RGB PNG", lambda: encoded(photo(1, 1), "PNG"), **TOO_SMALL),
    Kind("tiny_1x1.jpg", 0, "1 x 1 JPEG", lambda: encoded(photo(1, 1), "JPEG"), **TOO_SMALL),
    Kind("tiny_1x1.gif", 0, "1 x 1 GIF", lambda: encoded(photo(1, 1), "GIF"), **TOO_SMALL),
    Kind("column_1x40.png", 0, "one pixel wide", lambda: encoded(photo(1, 40), "PNG"), **TOO_SMALL),
    Kind("row_300x1.png", 0, "one pixel high", lambda: encoded(photo(300, 1), "PNG"), **TOO_SMALL),
    Kind("gray16.png", 0, "16-bit grayscale PNG (I;16)", gray16_png),
    Kind("rgb48.png", 0, "16 bits per channel RGB PNG", rgb48_png),
    Kind("gray16.tif", 0, "16-bit grayscale TIFF", gray16_tiff),
    Kind("float32.tif", 0, "32-bit float TIFF in [0, 1] (mode F)", float_tiff),
    Kind("int32.tif", 0, "32-bit signed TIFF with negative values (mode I)", int32_tiff),
    Kind("cmyk.jpg", 0, "CMYK JPEG", lambda: encoded(photo().convert("CMYK"), "JPEG")),
    Kind("cmyk.tif", 0, "CMYK TIFF", lambda: encoded(photo().convert("CMYK"), "TIFF")),
    Kind(
        "palette_transparency.png",
        0,
        "palette PNG with a tRNS entry",
        lambda: palette_with_transparency("PNG"),
    ),
    Kind(
        "palette_transparency.gif",
        0,
        "GIF with a transparent index",
        lambda: palette_with_transparency("GIF"),
    ),
    Kind("gray_alpha.png", 0, "grayscale with alpha (LA)", lambda: with_alpha("L")),
    Kind("rgba.png", 0, "RGB with a gradient alpha", lambda: with_alpha("RGB")),
    Kind("bilevel.png", 0, "1-bit PNG", lambda: encoded(photo().convert("1"), "PNG")),
    Kind("gray.jpg", 0, "grayscale JPEG", lambda: encoded(photo().convert("L"), "JPEG")),
    Kind(
        "progressive.jpg",
        0,
        "progressive JPEG",
        lambda: encoded(photo(), "JPEG", progressive=True),
    ),
    Kind("exif_orientation_6.jpg", 0, "EXIF orientation 6 (rotate 90)", lambda: exif_rotated(6)),
    Kind("exif_orientation_3.jpg", 0, "EXIF orientation 3 (rotate 180)", lambda: exif_rotated(3)),
    Kind("exif_broken.jpg", 0, "EXIF segment of garbage", broken_exif_jpeg),
    Kind("animated.gif", 0, "animated GIF, 3 frames", lambda: animated("GIF")),
    Kind("animated.png", 0, "animated PNG (APNG), 3 frames", lambda: animated("PNG")),
    Kind("animated.webp", 0, "animated WebP, 3 frames", lambda: animated("WEBP", lossless=True)),
    Kind("multipage.tif", 0, "3-page LZW TIFF", multipage_tiff),
    Kind("lossless.webp", 0, "lossless WebP", lambda: encoded(photo(), "WEBP", lossless=True)),
    Kind(
        "lossy_alpha.webp",
        0,
        "lossy WebP with alpha",
        lambda: encoded(photo().convert("RGBA"), "WEBP", quality=80),
    ),
    Kind("bitmap.bmp", 0, "BMP", lambda: encoded(photo(), "BMP")),
    Kind("pixmap.ppm", 0, "binary PPM", lambda: encoded(photo(), "PPM")),
    Kind("targa.tga", 0, "TGA", lambda: encoded(photo(), "TGA")),
    Kind("icon.ico", 0, "ICO", lambda: encoded(photo(32, 32), "ICO")),
    Kind("png_named.jpg", 0, "a PNG named .jpg: the content decides", png_bytes),
    Kind("jpeg_named.png", 0, "a JPEG named .png: the content decides", jpeg_bytes),
    Kind("UPPER_CASE.PNG", 0, "upper-case extension", png_bytes),
    Kind("unicode é ✓ 写真.png", 0, "unicode and spaces in the name", png_bytes),
    Kind("comma, 'quote'.png", 0, "comma and quotes in the name", png_bytes),
    Kind("=formula.png", 0, "a name that starts like a spreadsheet formula", png_bytes),
    Kind("trailing_garbage.png", 0, "bytes after IEND", png_ending_in_garbage),
    Kind("trailing_garbage.jpg", 0, "bytes after EOI", jpeg_ending_in_garbage),
    # files that cannot be read: exit 3
    Kind("empty.png", 3, "zero bytes", lambda: b""),
    Kind("text.png", 3, "text named .png", lambda: b"this is not an image\n" * 3),
    Kind("html.jpg", 3, "an HTML page named .jpg", lambda: b"<!doctype html><p>404</p>\n"),
    Kind(
        "vector.svg", 3, "SVG vector graphics", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    ),
    Kind(
        "random.png",
        3,
        "random bytes named .png",
        lambda: np.random.default_rng(20).bytes(2048),
    ),
    Kind(
        "photo.heic",
        3,
        "HEIC signature (not decodable here)",
        lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
    ),
    Kind("numpy.png", 3, "a .npy array named .png", lambda: b"\x93NUMPY\x01\x00" + b" " * 118),
    Kind("truncated_half.png", 3, "PNG cut in half", lambda: half(png_bytes())),
    Kind("truncated_signature.png", 3, "PNG signature only", lambda: png_bytes()[:8]),
    Kind("truncated_ihdr.png", 3, "PNG cut inside IHDR", lambda: png_bytes()[:20]),
    Kind("truncated_half.jpg", 3, "JPEG cut in half", lambda: half(jpeg_bytes())),
    Kind("truncated_soi.jpg", 3, "JPEG start-of-image marker only", lambda: jpeg_bytes()[:4]),
    Kind("truncated.gif", 3, "GIF cut in half", lambda: half(encoded(photo(), "GIF"))),
    Kind("truncated.tif", 3, "TIFF cut in half", lambda: half(encoded(photo(), "TIFF"))),
    Kind(
        "truncated.webp",
        3,
        "WebP cut in half",
        lambda: half(encoded(photo(), "WEBP", quality=80)),
    ),
    Kind(
        "png_ihdr_bit_flip.png",
        3,
        "a bit flipped in IHDR (CRC mismatch)",
        lambda: flip(png_bytes(), 17),
    ),
    Kind("png_idat_zlib_broken.png", 3, "IDAT that does not inflate", png_idat_zlib_broken),
    Kind("png_zero_size.png", 3, "IHDR claiming 0 x 0", lambda: png_with_size(0, 0)),
    Kind("jpeg_bad_soi.jpg", 3, "JPEG whose SOI is FFD9", lambda: flip(jpeg_bytes(), 1, 0x01)),
    Kind(
        "jpeg_no_huffman.jpg",
        0,
        "JPEG without Huffman tables: libjpeg takes the standard ones (as for Motion JPEG)",
        jpeg_without_huffman_tables,
    ),
    Kind(
        "gif_bad_version.gif",
        3,
        "GIF88a signature",
        lambda: flip(encoded(photo(), "GIF"), 4, 0x01),
    ),
    Kind(
        "webp_bad_fourcc.webp",
        3,
        "RIFF with WEBQ instead of WEBP",
        lambda: flip(encoded(photo(), "WEBP", quality=80), 11, 0x01),
    ),
    Kind(
        "png_signature_jpeg_body.png",
        3,
        "PNG signature spliced onto JPEG bytes",
        lambda: spliced(png_bytes(), jpeg_bytes(), 8),
    ),
    Kind(
        "jpeg_signature_png_body.jpg",
        3,
        "JPEG SOI spliced onto PNG bytes",
        lambda: spliced(jpeg_bytes(), png_bytes(), 4),
    ),
    Kind(
        "bomb.png",
        3,
        "decompression bomb: PNG IHDR claims 60000 x 60000",
        lambda: png_with_size(BOMB_SIDE, BOMB_SIDE),
    ),
    Kind(
        "bomb.jpg",
        3,
        "decompression bomb: JPEG SOF claims 60000 x 60000",
        lambda: jpeg_with_size(BOMB_SIDE, BOMB_SIDE),
    ),
    Kind(
        "bomb.gif",
        3,
        "decompression bomb: GIF claims 60000 x 60000",
        lambda: gif_with_size(BOMB_SIDE, BOMB_SIDE),
    ),
    Kind(
        "bomb.tif",
        3,
        "decompression bomb: TIFF claims 60000 x 60000",
        lambda: tiff_with_size(BOMB_SIDE, BOMB_SIDE),
    ),
    Kind(
        "bomb.webp",
        3,
        "decompression bomb: WebP VP8L header claims 16384 x 16384",
        lambda: webp_with_size(16384, 16384),
    ),
    Kind(
        "bomb.bmp",
        3,
        "decompression bomb: BMP claims 60000 x 60000",
        lambda: bmp_with_size(BOMB_SIDE, BOMB_SIDE),
    ),
)


def expected() -> dict[str, dict[str, object]]:
    """What EXPECTED.json holds: each file's exit status under each command, and what it is."""
    return {
        kind.name: {
            "extract": kind.status,
            "quality": kind.status if kind.quality is None else kind.quality,
            "compare": kind.status if kind.compare is None else kind.compare,
            "what": kind.what,
        }
        for kind in KINDS
    }


def build(folder: Path) -> None:
    """Write every file of the corpus, and EXPECTED.json, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        (folder / kind.name).write_bytes(kind.build())
    text = json.dumps(expected(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    (folder / EXPECTED).write_text(text, encoding="utf-8")


def differences(folder: Path) -> list[str]:
    """Names whose bytes in ``folder`` differ from what :func:`build` writes (or are missing)."""
    wanted = {kind.name: kind.build() for kind in KINDS}
    text = json.dumps(expected(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    wanted[EXPECTED] = text.encode("utf-8")
    present = {path.name for path in folder.iterdir()} if folder.is_dir() else set()
    stale = [name for name, data in wanted.items() if name not in present]
    stale += [
        name
        for name, data in wanted.items()
        if name in present and (folder / name).read_bytes() != data
    ]
    stale += sorted(present - set(wanted))
    return sorted(stale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=CORPUS, help="folder to write")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if args.check:
        stale = differences(args.out)
        for name in stale:
            print(f"{args.out / name}: differs from what {Path(__file__).name} builds")
        return 1 if stale else 0
    build(args.out)
    print(f"wrote {len(KINDS)} files and {EXPECTED} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
