"""Perceptual hashes against imagehash 4.3, bit for bit.

The reference is ``str(imagehash.phash(Image.fromarray(pixels), hash_size=n))`` (and
``dhash``, ``average_hash``, ``whash``): imgsim must give the same hex string from
the same pixels, through the feature registry and through ``imgsim extract`` on PNG
files, on real photographs, random noise and odd or tiny sizes. JPEGs are
DCT-scaled by the command line (see ``hashes.WORK_PIXELS_PER_CELL``), so there the
hashes are checked to stay within a few bits of imagehash on the full decode.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from statistics import mean

import imagehash
import numpy as np
import pytest
from conftest import REPO, CliResult, CliRunnerFn
from numpy.typing import NDArray
from PIL import Image

from imgsim.features import FeatureParams, get_feature, hash_to_hex
from imgsim.images import decode_upright_rgb

RGB = NDArray[np.uint8]

HASHES = ("phash", "dhash", "ahash", "whash")
IMAGEHASH: dict[str, Callable[..., imagehash.ImageHash]] = {
    "phash": imagehash.phash,
    "dhash": imagehash.dhash,
    "ahash": imagehash.average_hash,
    "whash": imagehash.whash,
}
HASHES_BY_SIZE = {8: HASHES, 16: HASHES, 6: ("phash", "dhash", "ahash")}
"""imagehash's whash takes powers of two only; 6 is the non-power-of-two case."""
CASES = [(name, size) for size, names in HASHES_BY_SIZE.items() for name in names]

NOISE_SHAPES = ((257, 311), (311, 257), (64, 64), (9, 9), (3, 2), (1, 1))
"""Rows, columns: odd sizes, a power of two, and images smaller than every thumbnail."""

JPEG_COUNT = 40
JPEG_MAX_BITS = 4
JPEG_MEAN_BITS = 1.0


def _noise(shape: tuple[int, int], seed: int) -> RGB:
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def _synthetic_images() -> dict[str, RGB]:
    """Random noise at odd and tiny sizes, plus a flat image and a ramp (ties everywhere)."""
    images = {f"noise_{h}x{w}": _noise((h, w), seed) for seed, (h, w) in enumerate(NOISE_SHAPES)}
    images["flat"] = np.full((40, 50, 3), 128, dtype=np.uint8)
    ramp = np.linspace(0, 255, 70).round().astype(np.uint8)
    images["ramp"] = np.repeat(np.tile(ramp, (30, 1))[:, :, None], 3, axis=2)
    return images


def reference_hex(name: str, pixels: RGB, hash_size: int) -> str:
    """imagehash's hex string of the same pixels."""
    return str(IMAGEHASH[name](Image.fromarray(pixels), hash_size=hash_size))


def imgsim_hex(name: str, pixels: RGB, hash_size: int) -> str:
    packed = get_feature(name).extract(pixels, FeatureParams(hash_size=hash_size))
    return hash_to_hex(packed.astype(np.uint8), hash_size * hash_size)


def _decoded(path: Path) -> RGB:
    """The pixels of a file as Pillow decodes them at full size: the independent side."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _hamming_hex(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _extract_csv(cli: CliRunnerFn, *args: str | Path) -> dict[str, dict[str, str]]:
    """Rows of ``imgsim extract … --format csv`` by file name."""
    result: CliResult = cli("extract", *args, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    return {Path(row["path"]).name: row for row in csv.DictReader(io.StringIO(result.stdout))}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep any feature store the command line opens out of the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def png_folder(tmp_path_factory: pytest.TempPathFactory, photos: dict[str, RGB]) -> Path:
    """Every photograph and synthetic image as a lossless PNG."""
    folder = tmp_path_factory.mktemp("png")
    for name, pixels in {**photos, **_synthetic_images()}.items():
        Image.fromarray(pixels).save(folder / f"{name}.png")
    return folder


@pytest.fixture(scope="session")
def jpeg_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """1024x768 JPEGs (quality 90) of random crops of the photographs, built as bench/ does."""
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "bench" / "corpus.py")
    if spec is None or spec.loader is None:
        raise ImportError("cannot load bench/corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    paths: list[Path] = corpus.build(tmp_path_factory.mktemp("jpeg"), JPEG_COUNT, seed=0)
    return paths


@pytest.fixture(scope="session")
def full_decode_hashes(jpeg_corpus: list[Path]) -> dict[str, dict[str, str]]:
    """imagehash of every JPEG decoded at full size: {file name: {hash: hex}}."""
    hashes = {}
    for path in jpeg_corpus:
        pixels = _decoded(path)
        hashes[path.name] = {name: reference_hex(name, pixels, 8) for name in HASHES}
    return hashes


def _jpeg_distances(
    cli: CliRunnerFn, folder: Path, reference: dict[str, dict[str, str]], name: str
) -> list[int]:
    """Bits by which the command line's hash differs from imagehash's, file by file."""
    rows = _extract_csv(cli, folder, "-f", name)
    return [_hamming_hex(rows[file][name], hashes[name]) for file, hashes in reference.items()]


# --------------------------------------------------------------------------- same pixels


@pytest.mark.parametrize(("name", "hash_size"), CASES)
def test_photos_hash_exactly_as_imagehash(
    photos: dict[str, RGB], name: str, hash_size: int
) -> None:
    expected = {photo: reference_hex(name, pixels, hash_size) for photo, pixels in photos.items()}

    actual = {photo: imgsim_hex(name, pixels, hash_size) for photo, pixels in photos.items()}

    assert actual == expected


@pytest.mark.parametrize(("name", "hash_size"), CASES)
def test_noise_odd_and_tiny_images_hash_exactly_as_imagehash(name: str, hash_size: int) -> None:
    images = _synthetic_images()
    expected = {key: reference_hex(name, pixels, hash_size) for key, pixels in images.items()}

    actual = {key: imgsim_hex(name, pixels, hash_size) for key, pixels in images.items()}

    assert actual == expected


@pytest.mark.parametrize("hash_size", sorted(HASHES_BY_SIZE))
def test_cli_hashes_png_files_exactly_as_imagehash(
    cli: CliRunnerFn, png_folder: Path, hash_size: int
) -> None:
    names = HASHES_BY_SIZE[hash_size]
    files = sorted(png_folder.glob("*.png"))
    expected = {
        (file.name, name): reference_hex(name, _decoded(file), hash_size)
        for file in files
        for name in names
    }

    rows = _extract_csv(cli, png_folder, "-f", ",".join(names), "--hash-size", str(hash_size))

    assert {(file, name): rows[file][name] for file, name in expected} == expected


# --------------------------------------------------------------------------- near ties


def _near_tie_images(side: int, seed: int) -> dict[str, NDArray[np.uint8]]:
    """Gray ``side`` x ``side`` images whose DCT has exactly equal coefficients."""
    rng = np.random.default_rng(seed)
    half = rng.integers(0, 256, (side, side // 2), dtype=np.uint8)
    mirrored = np.concatenate([half, half[:, ::-1]], axis=1)
    square = rng.integers(0, 256, (side, side)).astype(np.uint16)
    ramp = np.linspace(0.0, 1.0, side)
    return {
        "mirrored": mirrored,
        "mirrored_both": np.concatenate([mirrored, mirrored[::-1]], axis=0)[::2],
        "transpose_symmetric": ((square + square.T) // 2).astype(np.uint8),
        "two_levels": (rng.integers(0, 2, (side, side)) * 255).astype(np.uint8),
        "flat": np.full((side, side), 77, dtype=np.uint8),
        "product_ramp": np.round(255 * np.outer(ramp, ramp[::-1])).astype(np.uint8),
    }


@pytest.mark.parametrize("hash_size", [2, 5, 6, 8, 16])
@pytest.mark.parametrize("seed", range(3))
def test_phash_of_images_with_tied_dct_coefficients_equals_imagehash(
    hash_size: int, seed: int
) -> None:
    """Ties between the middle coefficients take the exact pocketfft path."""
    for label, gray in _near_tie_images(4 * hash_size, seed).items():
        expected = str(imagehash.phash(Image.fromarray(gray), hash_size=hash_size))
        pixels = np.repeat(gray[:, :, np.newaxis], 3, axis=2)

        assert imgsim_hex("phash", pixels, hash_size) == expected, label


@pytest.mark.parametrize("hash_size", [2, 4, 8, 16])
@pytest.mark.parametrize("side", [16, 37, 64])
def test_whash_of_images_with_tied_block_sums_equals_imagehash(hash_size: int, side: int) -> None:
    """Tied middle block sums take the path that follows PyWavelets' arithmetic."""
    for seed in range(3):
        for label, gray in _near_tie_images(side, seed).items():
            expected = str(imagehash.whash(Image.fromarray(gray), hash_size=hash_size))
            pixels = np.repeat(gray[:, :, np.newaxis], 3, axis=2)

            assert imgsim_hex("whash", pixels, hash_size) == expected, (label, seed)


@pytest.mark.parametrize("hash_size", [3, 7, 8, 12])
def test_phash_bits_equal_pocketfft_on_random_thumbnails(hash_size: int) -> None:
    """The low DCT coefficients by matrix products give pocketfft's bits, image by image."""
    from scipy.fftpack import dct

    rng = np.random.default_rng(hash_size)
    side = 4 * hash_size
    for trial in range(300):
        levels = (2, 5, 256)[trial % 3]
        gray = (rng.integers(0, levels, (side, side)) * (255 // (levels - 1))).astype(np.uint8)
        coefficients = dct(dct(gray.astype(np.float64), axis=0), axis=1)[:hash_size, :hash_size]
        expected = np.packbits(coefficients > np.median(coefficients))

        actual = get_feature("phash").extract(gray, FeatureParams(hash_size=hash_size))

        np.testing.assert_array_equal(actual, expected, err_msg=f"trial {trial}")


def test_phash_of_photographs_needs_no_scipy(png_folder: Path, photos: dict[str, RGB]) -> None:
    """The exact fallback is for near ties; photographs take the fast path, so scipy.fft
    (0.1 s of import) is never loaded by an extract run over them."""
    files = [str(png_folder / f"{name}.png") for name in photos]
    script = (
        "import sys, imgsim\n"
        f"imgsim.extract({files!r}, 'phash')\n"
        "print('scipy.fft' in sys.modules)\n"
    )

    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)

    # The script prints only when it ran to its end: a crash leaves stdout empty.
    assert result.stdout.strip() == "False", result.stderr


# --------------------------------------------------------------------------- reduced decodes


@pytest.mark.parametrize(
    ("shape", "size"),
    [
        ((192, 256), (32, 32)),
        ((192, 256), (9, 8)),
        ((192, 256), (128, 128)),
        ((375, 500), (32, 32)),
        ((97, 131), (17, 11)),
        ((6, 5), (8, 8)),
    ],
)
def test_float_lanczos_stays_within_one_level_of_pillow(
    photos: dict[str, RGB], shape: tuple[int, int], size: tuple[int, int]
) -> None:
    """The thumbnail of a reduced decode: Pillow's filter in float32, rounded once."""
    from imgsim.features.hashes import _lanczos_float

    height, width = shape
    noise = np.random.default_rng(height).integers(0, 256, shape, dtype=np.uint8)
    photo = np.asarray(Image.fromarray(photos["coffee"]).convert("L").resize((width, height)))
    for gray in (noise, photo):
        expected = np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.LANCZOS))

        actual = _lanczos_float(gray, size)

        difference = np.abs(actual.astype(int) - expected)
        assert actual.shape == expected.shape
        assert difference.max() <= 1
        assert difference.mean() < 0.01


def test_reduced_decodes_hash_within_a_bit_of_the_exact_path(photos: dict[str, RGB]) -> None:
    """Only the thumbnail's resampling differs between the two paths."""
    for name in ("phash", "dhash", "whash"):
        spec = get_feature(name)
        for photo, pixels in photos.items():
            exact = spec.extract(pixels, FeatureParams())
            reduced = spec.extract(pixels, FeatureParams(), reduced=True)

            assert np.unpackbits(exact ^ reduced).sum() <= 2, (name, photo)


# --------------------------------------------------------------------------- packed storage


@pytest.mark.parametrize(("name", "hash_size"), CASES)
def test_hashes_are_packed_into_whole_bytes(
    photos: dict[str, RGB], name: str, hash_size: int
) -> None:
    bits = hash_size * hash_size

    packed = get_feature(name).extract(photos["coffee"], FeatureParams(hash_size=hash_size))

    assert packed.shape == (-(-bits // 8),)


@pytest.mark.parametrize(("name", "hash_size"), CASES)
def test_packed_hashes_are_uint8(photos: dict[str, RGB], name: str, hash_size: int) -> None:
    packed = get_feature(name).extract(photos["coffee"], FeatureParams(hash_size=hash_size))

    assert packed.dtype == np.dtype(np.uint8)


@pytest.mark.parametrize(("name", "hash_size"), CASES)
def test_packed_bits_are_imagehash_bits_row_major_then_zero_padding(
    photos: dict[str, RGB], name: str, hash_size: int
) -> None:
    pixels = photos["chelsea"]
    reference_bits = IMAGEHASH[name](Image.fromarray(pixels), hash_size=hash_size).hash.flatten()
    padding = np.zeros(-len(reference_bits) % 8, dtype=np.uint8)
    expected = np.concatenate([reference_bits.astype(np.uint8), padding])

    packed = get_feature(name).extract(pixels, FeatureParams(hash_size=hash_size))

    np.testing.assert_array_equal(np.unpackbits(packed.astype(np.uint8)), expected)


def _whash_of_hash_size_6(cli: CliRunnerFn, png_folder: Path) -> CliResult:
    return cli("extract", png_folder / "coffee.png", "-f", "whash", "--hash-size", "6")


def test_whash_with_a_hash_size_not_a_power_of_two_exits_2(
    cli: CliRunnerFn, png_folder: Path
) -> None:
    assert _whash_of_hash_size_6(cli, png_folder).exit_code == 2


def test_whash_with_a_hash_size_not_a_power_of_two_says_it_must_be_one(
    cli: CliRunnerFn, png_folder: Path
) -> None:
    assert "power of 2" in _whash_of_hash_size_6(cli, png_folder).stderr


def test_whash_with_a_hash_size_not_a_power_of_two_writes_no_rows(
    cli: CliRunnerFn, png_folder: Path
) -> None:
    assert _whash_of_hash_size_6(cli, png_folder).stdout == ""


# --------------------------------------------------------------------------- invariance


def _half_size(pixels: RGB) -> RGB:
    image = Image.fromarray(pixels)
    return np.asarray(image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS))


def _jpeg_quality_75(pixels: RGB) -> RGB:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=75)
    with Image.open(buffer) as image:
        return np.asarray(image.convert("RGB"))


COPY_MAX_BITS = 4
"""A resized or re-encoded copy stays this close; distinct photographs are all further than
``DISTINCT_MIN_BITS`` apart (measured: 14 or more for every hash), so the bound means something."""
DISTINCT_MIN_BITS = 10


@pytest.mark.parametrize("copy", [_half_size, _jpeg_quality_75], ids=["half_size", "jpeg_q75"])
@pytest.mark.parametrize("name", HASHES)
def test_a_resized_or_reencoded_copy_hashes_within_a_few_bits(
    photos: dict[str, RGB], name: str, copy: Callable[[RGB], RGB]
) -> None:
    distances = {
        photo: _hamming_hex(imgsim_hex(name, pixels, 8), imgsim_hex(name, copy(pixels), 8))
        for photo, pixels in photos.items()
    }

    assert max(distances.values()) <= COPY_MAX_BITS, distances


@pytest.mark.parametrize("name", HASHES)
def test_distinct_photographs_hash_far_apart(photos: dict[str, RGB], name: str) -> None:
    hexes = {photo: imgsim_hex(name, pixels, 8) for photo, pixels in photos.items()}

    closest = min(_hamming_hex(hexes[a], hexes[b]) for a in hexes for b in hexes if a < b)

    assert closest > DISTINCT_MIN_BITS


# --------------------------------------------------------------------------- JPEG DCT scaling


def test_the_cli_decodes_the_jpeg_corpus_dct_scaled(jpeg_corpus: list[Path]) -> None:
    """Precondition of the bounds below: the command line really decodes these JPEGs small."""
    params = FeatureParams(hash_size=8)
    min_side = get_feature("phash").work_side(params)

    decoded = decode_upright_rgb(jpeg_corpus[0], min_side=min_side)

    assert decoded.pixels.shape == (192, 256, 3)


@pytest.mark.parametrize("name", HASHES)
def test_dct_scaled_jpeg_hashes_are_within_a_few_bits_of_the_full_decode(
    cli: CliRunnerFn,
    jpeg_corpus: list[Path],
    full_decode_hashes: dict[str, dict[str, str]],
    name: str,
) -> None:
    distances = _jpeg_distances(cli, jpeg_corpus[0].parent, full_decode_hashes, name)

    assert max(distances) <= JPEG_MAX_BITS, distances


@pytest.mark.parametrize("name", HASHES)
def test_dct_scaled_jpeg_hashes_differ_by_under_one_bit_on_average(
    cli: CliRunnerFn,
    jpeg_corpus: list[Path],
    full_decode_hashes: dict[str, dict[str, str]],
    name: str,
) -> None:
    distances = _jpeg_distances(cli, jpeg_corpus[0].parent, full_decode_hashes, name)

    assert mean(distances) < JPEG_MEAN_BITS, distances
