"""Every distance against SciPy, OpenCV or its textbook formula, and the metric axioms.

References: ``scipy.spatial.distance`` (its functions and ``cdist``),
``cv2.compareHist``, and direct NumPy formulas, on random vectors and on real
L1-normalised colour histograms of photographs. Hypothesis checks symmetry,
identity, non-negativity and the range each entry of the registry declares.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import NDArray
from PIL import Image
from scipy.spatial import distance as scipy_distance

import imgsim
from imgsim.errors import UsageError
from imgsim.features import FEATURES, FeatureKind, FeatureParams, get_feature
from imgsim.metrics.distances import DISTANCES, near_duplicate_threshold
from imgsim.metrics.near_duplicates import MEASURED

Vector = NDArray[np.float64]
Reference = Callable[[Vector, Vector], float]

REL = 1e-9
ABS = 1e-12
"""For values that are 0 up to rounding (e.g. the cosine of near-orthogonal vectors)."""
SQRT_NEAR_ZERO = 1e-7
"""OpenCV's Bhattacharyya and the Hellinger formula are sqrt(1 − BC): near BC = 1, a
rounding of 1e-16 in BC becomes 1e-8."""
NORMALISED_INPUT = {"hellinger"}
"""Defined on probability vectors and, unlike bhattacharyya, does not normalise them itself."""


def _absolute_tolerance(name: str) -> float:
    return SQRT_NEAR_ZERO if name in {"bhattacharyya", "hellinger"} else ABS


def _inputs(name: str, x: Vector) -> Vector:
    """Vectors (rows) as the distance expects them: L1-normalised in float64 for hellinger."""
    if name in NORMALISED_INPUT:
        return np.asarray(x / x.sum(axis=-1, keepdims=True), dtype=np.float64)
    return x


def _cv2(method: int) -> Reference:
    def compare(u: Vector, v: Vector) -> float:
        return float(cv2.compareHist(u.astype(np.float32), v.astype(np.float32), method))

    return compare


def _chi2_formula(u: Vector, v: Vector) -> float:
    """½ Σ (u − v)² / (u + v), bins empty in both left out."""
    total = u + v
    used = total != 0
    return float(0.5 * np.sum((u[used] - v[used]) ** 2 / total[used]))


def _hellinger_formula(p: Vector, q: Vector) -> float:
    """sqrt(1 − Σ sqrt(p q)) of L1-normalised histograms p and q."""
    return math.sqrt(max(1.0 - float(np.sum(np.sqrt(p * q))), 0.0))


REFERENCES: dict[str, Reference] = {
    "euclidean": scipy_distance.euclidean,
    "sqeuclidean": scipy_distance.sqeuclidean,
    "manhattan": scipy_distance.cityblock,
    "cityblock": scipy_distance.cityblock,
    "chebyshev": scipy_distance.chebyshev,
    "cosine": lambda u, v: 1.0 - scipy_distance.cosine(u, v),
    "jensenshannon": scipy_distance.jensenshannon,
    "correlation": _cv2(cv2.HISTCMP_CORREL),
    "bhattacharyya": _cv2(cv2.HISTCMP_BHATTACHARYYA),
    "intersection": _cv2(cv2.HISTCMP_INTERSECT),
    "chi2": _chi2_formula,
    "hellinger": _hellinger_formula,
}
CDIST_NAMES = {
    "euclidean": "euclidean",
    "sqeuclidean": "sqeuclidean",
    "manhattan": "cityblock",
    "cityblock": "cityblock",
    "chebyshev": "chebyshev",
    "jensenshannon": "jensenshannon",
}
SIMILARITIES = {"cosine", "correlation", "intersection"}


def _random_pairs() -> list[tuple[Vector, Vector]]:
    """Non-negative random vectors of several lengths, float32-exact (OpenCV works in float32)."""
    rng = np.random.default_rng(0)
    pairs = []
    for length in (1, 3, 64, 512):
        u, v = rng.random((2, length), dtype=np.float32).astype(np.float64)
        pairs.append((u, v))
    return pairs


@pytest.fixture(scope="module")
def histograms(photos: dict[str, NDArray[np.uint8]]) -> NDArray[np.float64]:
    """Real L1-normalised HSV colour histograms, one row per photograph."""
    return np.asarray(imgsim.extract(list(photos.values()), "color_hist"), dtype=np.float64)


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize("name", list(REFERENCES))
@pytest.mark.parametrize("pair", range(4), ids=["d=1", "d=3", "d=64", "d=512"])
def test_distance_of_random_vectors_matches_reference(name: str, pair: int) -> None:
    u, v = (_inputs(name, vector) for vector in _random_pairs()[pair])

    ours = imgsim.distance(name, u, v)

    assert ours == pytest.approx(REFERENCES[name](u, v), rel=REL, abs=_absolute_tolerance(name))


@pytest.mark.parametrize("name", list(REFERENCES))
def test_distance_of_colour_histograms_matches_reference(
    name: str, histograms: NDArray[np.float64]
) -> None:
    rows = _inputs(name, histograms)
    references = [REFERENCES[name](u, v) for u in rows for v in rows]

    ours = [imgsim.distance(name, u, v) for u in rows for v in rows]

    assert ours == pytest.approx(references, rel=REL, abs=_absolute_tolerance(name))


@pytest.mark.parametrize("name", list(REFERENCES))
def test_pairwise_of_colour_histograms_matches_reference(
    name: str, histograms: NDArray[np.float64]
) -> None:
    x, y = _inputs(name, histograms[:5]), _inputs(name, histograms[3:])
    expected = np.array([[REFERENCES[name](u, v) for v in y] for u in x])

    ours = imgsim.pairwise(name, x, y)

    np.testing.assert_allclose(ours, expected, rtol=REL, atol=_absolute_tolerance(name))


@pytest.mark.parametrize("name", list(CDIST_NAMES))
def test_pairwise_matches_scipy_cdist(name: str) -> None:
    rng = np.random.default_rng(1)
    x, y = rng.random((7, 40)), rng.random((5, 40))

    ours = imgsim.pairwise(name, x, y)

    np.testing.assert_allclose(ours, scipy_distance.cdist(x, y, CDIST_NAMES[name]), rtol=REL)


def test_pairwise_cosine_is_one_minus_scipy_cdist_cosine() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(7, 40)), rng.normal(size=(5, 40))

    ours = imgsim.pairwise("cosine", x, y)

    np.testing.assert_allclose(ours, 1.0 - scipy_distance.cdist(x, y, "cosine"), rtol=REL, atol=ABS)


def test_cosine_of_signed_vectors_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    u, v = rng.normal(size=(2, 100))

    ours = imgsim.distance("cosine", u, v)

    assert ours == pytest.approx(1.0 - scipy_distance.cosine(u, v), rel=REL)


def test_correlation_of_signed_vectors_matches_opencv() -> None:
    rng = np.random.default_rng(4)
    u, v = rng.normal(size=(2, 100)).astype(np.float32).astype(np.float64)

    ours = imgsim.distance("correlation", u, v)

    assert ours == pytest.approx(_cv2(cv2.HISTCMP_CORREL)(u, v), rel=REL)


def test_chi2_formula_is_a_quarter_of_opencv_chisqr_alt() -> None:
    # Dyadic bin values: OpenCV sums and subtracts in float32, exactly for these.
    rng = np.random.default_rng(5)
    u, v = rng.integers(0, 1000, size=(2, 512)) / 1024.0

    ours = imgsim.distance("chi2", u, v)

    assert ours == pytest.approx(_cv2(cv2.HISTCMP_CHISQR_ALT)(u, v) / 4, rel=REL)


def test_hamming_counts_the_differing_bits_of_photo_hashes(
    photos: dict[str, NDArray[np.uint8]],
) -> None:
    hashes = imgsim.extract(list(photos.values()), "phash")
    bits = np.unpackbits(hashes, axis=1)
    expected = scipy_distance.cdist(bits, bits, "hamming") * bits.shape[1]

    ours = imgsim.pairwise("hamming", hashes, hashes)

    np.testing.assert_array_equal(ours, expected)


def test_hamming_distance_of_random_bytes_matches_scipy() -> None:
    rng = np.random.default_rng(6)
    u, v = rng.integers(0, 256, size=(2, 32), dtype=np.uint8)
    expected = scipy_distance.hamming(np.unpackbits(u), np.unpackbits(v)) * 256

    ours = imgsim.distance("hamming", u, v)

    assert ours == expected


def test_unknown_distance_lists_the_valid_names() -> None:
    with pytest.raises(UsageError, match="unknown distance 'nope'") as raised:
        imgsim.distance("nope", [1.0], [2.0])

    assert all(name in str(raised.value) for name in [*DISTANCES, "cityblock"])


def test_vectors_of_different_lengths_name_both_lengths() -> None:
    with pytest.raises(ValueError, match="same length, got 3 and 2"):
        imgsim.distance("euclidean", [1.0, 2.0, 3.0], [1.0, 2.0])


# --------------------------------------------------------------------------- properties

HISTOGRAM_DISTANCES = {"chi2", "intersection", "bhattacharyya", "hellinger", "jensenshannon"}
GENERIC = [name for name, d in DISTANCES.items() if d.feature is None]
"""The distances of any feature's values; the others (``segments``) read one feature only
and are tested with it (tests/test_more_hashes.py)."""
BITS = 64
"""Hash length in the property tests (8 packed bytes, phash's default)."""


def _declared_bounds(name: str) -> tuple[float, float]:
    """The bounds the registry declares; for hamming, the hash's bits (its span)."""
    metric = DISTANCES[name]
    span = metric.span.on("hash", BITS) if metric.needs_bits else None
    return metric.low, span if span is not None else metric.high


_finite = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
_mass = st.floats(0.0, 1e6, allow_nan=False, allow_subnormal=False)


@st.composite
def _vector_pair(draw: st.DrawFn, name: str) -> tuple[NDArray[np.generic], NDArray[np.generic]]:
    """Two vectors from the domain of the distance: hashes, histograms, or real vectors."""
    if name == "hamming":
        packed = arrays(np.uint8, BITS // 8)
        return draw(packed), draw(packed)
    length = draw(st.integers(1, 24))
    if name in HISTOGRAM_DISTANCES:
        counts = arrays(np.float64, length, elements=_mass).filter(lambda c: c.sum() > 0)
        u, v = draw(counts), draw(counts)
        return u / u.sum(), v / v.sum()
    real = arrays(np.float64, length, elements=_finite)
    return draw(real), draw(real)


def _pairs_for_every_distance() -> st.SearchStrategy[
    tuple[str, tuple[NDArray[np.generic], NDArray[np.generic]]]
]:
    return st.sampled_from(GENERIC).flatmap(
        lambda name: st.tuples(st.just(name), _vector_pair(name))
    )


@given(_pairs_for_every_distance())
def test_every_distance_is_symmetric(
    case: tuple[str, tuple[NDArray[np.generic], NDArray[np.generic]]],
) -> None:
    name, (u, v) = case

    forward, backward = imgsim.distance(name, u, v), imgsim.distance(name, v, u)

    assert forward == pytest.approx(backward, rel=1e-12, abs=1e-12)


@given(_pairs_for_every_distance())
def test_every_distance_stays_in_its_declared_range(
    case: tuple[str, tuple[NDArray[np.generic], NDArray[np.generic]]],
) -> None:
    name, (u, v) = case
    low, high = _declared_bounds(name)

    value = imgsim.distance(name, u, v)

    assert low - 1e-12 <= value <= high + 1e-12


@given(_pairs_for_every_distance())
def test_distances_are_never_negative(
    case: tuple[str, tuple[NDArray[np.generic], NDArray[np.generic]]],
) -> None:
    name, (u, v) = case
    if name in {"cosine", "correlation"}:
        return  # similarities of signed vectors: negative means opposed

    assert imgsim.distance(name, u, v) >= 0.0


def _expected_self_value(name: str, u: NDArray[np.generic]) -> float:
    if name in {"cosine", "correlation"}:
        return 1.0
    if name == "intersection":
        return float(np.sum(u))
    return 0.0


@given(_pairs_for_every_distance())
def test_every_vector_is_at_the_identity_value_from_itself(
    case: tuple[str, tuple[NDArray[np.generic], NDArray[np.generic]]],
) -> None:
    name, (u, _) = case
    if name == "cosine" and not np.any(u):
        return  # the zero vector has no direction: cosine is defined as 0 there

    value = imgsim.distance(name, u, u)

    assert value == pytest.approx(_expected_self_value(name, u), rel=REL, abs=SQRT_NEAR_ZERO)


def test_cosine_with_the_zero_vector_is_zero() -> None:
    assert imgsim.distance("cosine", np.zeros(4), np.ones(4)) == 0.0


@pytest.mark.parametrize("name", GENERIC)
def test_declared_range_is_understood(name: str) -> None:
    low, high = _declared_bounds(name)

    assert low < high


_magnitudes = st.one_of(st.just(0.0), st.floats(1e-6, 1e6), st.floats(-1e6, -1e-6))


@given(
    st.sampled_from(["cosine", "correlation"]),
    st.integers(2, 24).flatmap(
        lambda n: st.tuples(*[arrays(np.float64, n, elements=_magnitudes)] * 2)
    ),
    st.integers(-150, 150),
)
def test_similarities_do_not_depend_on_the_scale_of_the_vectors(
    name: str, pair: tuple[Vector, Vector], exponent: int
) -> None:
    u, v = pair
    scaled = u * 10.0**exponent

    value = imgsim.distance(name, scaled, v)

    assert value == pytest.approx(imgsim.distance(name, u, v), rel=REL, abs=REL)


# --------------------------------------------------------------------------- near-duplicates

SIMILARITY_SPAN = {"cosine", "correlation", "intersection"}
"""The span of a similarity is its value on identical vectors; of a distance, its largest."""
LOWER_IS_CLOSER = [name for name in GENERIC if not DISTANCES[name].higher_is_closer]
FARTHEST_CASES = [
    (name, kind)
    for name in LOWER_IS_CLOSER
    for kind in ("histogram", "vector")
    if not (DISTANCES[name].needs_bits and kind == "histogram")  # hamming: hash bits only
]
BOX_LENGTH = 24


def _farthest(name: str, kind: FeatureKind, dim: int) -> tuple[NDArray[np.generic], ...]:
    """The two farthest feature values of a kind: two one-bin histograms in different bins;
    alternating 0/1 vectors (their complements) of values in [0, 1]."""
    if kind == "histogram":
        return np.eye(dim)[0], np.eye(dim)[1]
    alternating = np.arange(dim) % 2
    u, v = alternating.astype(np.float64), 1.0 - alternating
    if DISTANCES[name].needs_bits:
        return np.packbits(u.astype(np.uint8)), np.packbits(v.astype(np.uint8))
    return u, v


@pytest.mark.parametrize(("name", "kind"), FARTHEST_CASES)
def test_the_span_of_a_distance_is_its_value_on_the_farthest_pair(
    name: str, kind: FeatureKind
) -> None:
    span = DISTANCES[name].span.on(kind, BITS)
    u, v = _farthest(name, kind, BITS)

    assert imgsim.distance(name, u, v) == pytest.approx(span, rel=REL)


@given(
    st.sampled_from([n for n in LOWER_IS_CLOSER if not DISTANCES[n].needs_bits]),
    arrays(np.float64, (2, BOX_LENGTH), elements=st.floats(0.0, 1.0)),
    st.booleans(),
)
def test_no_pair_of_feature_values_is_farther_than_the_span(
    name: str, pair: NDArray[np.float64], histogram: bool
) -> None:
    if histogram:
        pair = pair + 1e-3  # no empty histogram
        pair = pair / pair.sum(axis=1, keepdims=True)
    if not np.all(pair.sum(axis=1) > 0):
        return  # jensenshannon and bhattacharyya compare distributions: not of zeros
    span = DISTANCES[name].span.on("histogram" if histogram else "vector", BOX_LENGTH)
    assert span is not None

    assert imgsim.distance(name, pair[0], pair[1]) <= span * (1 + 1e-12)


@pytest.mark.parametrize("name", sorted(SIMILARITY_SPAN))
def test_the_span_of_a_similarity_is_its_value_on_identical_histograms(
    name: str, histograms: NDArray[np.float64]
) -> None:
    span = DISTANCES[name].span.on("histogram", histograms.shape[1])

    assert imgsim.distance(name, histograms[0], histograms[0]) == pytest.approx(span, rel=REL)


def test_the_default_hamming_threshold_is_a_sixteenth_of_the_bits() -> None:
    threshold = near_duplicate_threshold(
        "hamming", get_feature("phash"), FeatureParams(hash_size=16)
    )

    assert threshold == 16.0


def test_the_default_cosine_threshold_is_a_similarity_of_095() -> None:
    threshold = near_duplicate_threshold("cosine", get_feature("thumb"), FeatureParams())

    assert threshold == pytest.approx(0.95, rel=1e-15)


def test_the_default_chi2_threshold_on_colour_histograms_is_an_eighth() -> None:
    threshold = near_duplicate_threshold("chi2", get_feature("color_hist"), FeatureParams())

    assert threshold == 0.125


def test_intersection_has_no_default_threshold_on_vectors_that_are_not_histograms() -> None:
    threshold = near_duplicate_threshold("intersection", get_feature("thumb"), FeatureParams())

    assert threshold is None


@pytest.mark.parametrize("feature", ["color_hist", "thumb", "phash"])
def test_every_distance_has_a_default_threshold_below_its_span(feature: str) -> None:
    spec, params = get_feature(feature), FeatureParams()
    usable = [
        name
        for name, d in DISTANCES.items()
        if d.feature in (None, feature)
        and (not d.needs_bits or spec.kind == "hash")
        and not (name == "intersection" and spec.kind != "histogram")
    ]
    outside = []
    for name in usable:
        threshold = near_duplicate_threshold(name, spec, params)
        span = DISTANCES[name].span.on(spec.kind, spec.dim(params))
        if threshold is None or span is None or not 0 < threshold < span:
            outside.append(name)

    assert outside == []


def test_jensenshannon_of_a_subnormal_bin_is_finite() -> None:
    # SciPy gives inf here: half of the smallest subnormal rounds to 0.
    u, v = np.array([1.0, 5e-324, 0.0]), np.array([1.0, 0.0, 0.0])
    assert imgsim.distance("jensenshannon", u, v) == pytest.approx(0.0, abs=1e-150)


DISTRIBUTION_DISTANCES = ["bhattacharyya", "hellinger", "jensenshannon"]
"""Square roots and logarithms of probabilities: no value on a negative one."""


@pytest.mark.parametrize("name", DISTRIBUTION_DISTANCES)
def test_a_distance_between_distributions_of_a_signed_vector_is_nan(name: str) -> None:
    assert math.isnan(imgsim.distance(name, [0.5, -0.1, 0.6], [0.2, 0.3, 0.5]))


@pytest.mark.parametrize("name", DISTRIBUTION_DISTANCES)
def test_a_signed_row_leaves_the_other_rows_their_reference_values(name: str) -> None:
    # Dyadic values: exact in the float32 that OpenCV's Bhattacharyya works in.
    x = np.array([[0.5, -0.125, 0.625], [0.25, 0.25, 0.5]])
    y = np.array([[0.125, 0.125, 0.75]])

    ours = imgsim.pairwise(name, x, y)[1, 0]

    assert ours == pytest.approx(REFERENCES[name](x[1], y[0]), rel=REL)


# --------------------------------------------------------------------------- photo near-duplicates

NEAR_PHOTOS = ("astronaut", "chelsea", "coffee", "camera", "coins")
"""Photographs of bench/near_duplicates.py's calibration, two of them gray (their colour
features differ least)."""
EDITS: dict[str, Callable[[NDArray[np.uint8]], NDArray[np.uint8]]] = {
    "jpeg75": lambda pixels: _jpeg75(pixels),
    "half": lambda pixels: np.asarray(
        Image.fromarray(pixels).resize(
            (pixels.shape[1] // 2, pixels.shape[0] // 2), Image.Resampling.LANCZOS
        )
    ),
}
"""The edits of the calibration: a JPEG re-encode at quality 75, a half-size Lanczos resize."""


def _jpeg75(pixels: NDArray[np.uint8]) -> NDArray[np.uint8]:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=75)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def _default_threshold_cases() -> list[tuple[str, str]]:
    """Every feature with a default threshold for some distance: the measured ones, and
    the span rule's on each other feature's default distance."""
    cases = [(name, d) for name, measured in MEASURED.items() for d in measured.thresholds]
    for name, spec in FEATURES.items():
        default = near_duplicate_threshold(spec.default_distance, spec, FeatureParams())
        if name not in MEASURED and default is not None:
            cases.append((name, spec.default_distance))
    return cases


@pytest.fixture(scope="module")
def edited_photos(photos: dict[str, NDArray[np.uint8]]) -> dict[str, list[NDArray[np.uint8]]]:
    originals = [photos[name] for name in NEAR_PHOTOS]
    edited = {label: [edit(pixels) for pixels in originals] for label, edit in EDITS.items()}
    return {"original": originals, **edited}


@pytest.fixture(scope="module")
def photo_values(
    edited_photos: dict[str, list[NDArray[np.uint8]]],
) -> Callable[[str], dict[str, NDArray[np.generic]]]:
    """Feature values of the photographs and their copies, computed once per feature."""
    computed: dict[str, dict[str, NDArray[np.generic]]] = {}

    def values(feature: str) -> dict[str, NDArray[np.generic]]:
        if feature not in computed:
            computed[feature] = {
                label: imgsim.extract(images, feature) for label, images in edited_photos.items()
            }
        return computed[feature]

    return values


def _distances(
    distance: str, feature: str, a: NDArray[np.generic], b: NDArray[np.generic]
) -> Vector:
    spec = get_feature(feature)
    if spec.kind == "hash" and not DISTANCES[distance].needs_bits:
        a, b = spec.vectors(a), spec.vectors(b)
    return imgsim.pairwise(distance, a, b)


@pytest.mark.parametrize(("feature", "distance"), _default_threshold_cases())
def test_edited_copies_of_a_photograph_are_within_the_default_threshold(
    feature: str, distance: str, photo_values: Callable[[str], dict[str, NDArray[np.generic]]]
) -> None:
    values = photo_values(feature)
    threshold = near_duplicate_threshold(distance, get_feature(feature), FeatureParams())
    assert threshold is not None

    apart = [
        f"{NEAR_PHOTOS[index]} {label}: {value:.4g}"
        for label in EDITS
        for index, value in enumerate(
            np.diag(_distances(distance, feature, values["original"], values[label]))
        )
        if not DISTANCES[distance].is_within(float(value), threshold)
    ]
    assert apart == []


@pytest.mark.parametrize(("feature", "distance"), _default_threshold_cases())
def test_different_photographs_are_outside_the_default_threshold(
    feature: str, distance: str, photo_values: Callable[[str], dict[str, NDArray[np.generic]]]
) -> None:
    originals = photo_values(feature)["original"]
    threshold = near_duplicate_threshold(distance, get_feature(feature), FeatureParams())
    assert threshold is not None
    scores = _distances(distance, feature, originals, originals)

    within = [
        f"{NEAR_PHOTOS[i]} and {NEAR_PHOTOS[j]}: {scores[i, j]:.4g}"
        for i in range(len(NEAR_PHOTOS))
        for j in range(i + 1, len(NEAR_PHOTOS))
        if DISTANCES[distance].is_within(float(scores[i, j]), threshold)
    ]
    assert within == []


SPAN_RULE_FEATURES = [
    name for name, spec in FEATURES.items() if name not in MEASURED and spec.kind != "hash"
]
"""Features whose thresholds follow the span rule, which holds on values in [0, 1]."""


@pytest.mark.parametrize("feature", SPAN_RULE_FEATURES)
def test_span_rule_features_have_values_in_the_unit_interval(
    feature: str, photo_values: Callable[[str], dict[str, NDArray[np.generic]]]
) -> None:
    values = photo_values(feature)["original"]

    assert np.all((values >= 0.0) & (values <= 1.0))


@pytest.mark.parametrize(
    "feature", [name for name in SPAN_RULE_FEATURES if FEATURES[name].kind == "histogram"]
)
def test_span_rule_histograms_sum_to_1(
    feature: str, photo_values: Callable[[str], dict[str, NDArray[np.generic]]]
) -> None:
    sums = photo_values(feature)["original"].astype(np.float64).sum(axis=1)

    np.testing.assert_allclose(sums, 1.0, rtol=1e-5)


def test_lbp_has_no_default_threshold() -> None:
    spec = get_feature("lbp")

    assert near_duplicate_threshold(spec.default_distance, spec, FeatureParams()) is None
