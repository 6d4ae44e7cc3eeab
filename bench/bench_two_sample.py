"""``nn_accuracy`` and ``mifid`` against a bare faiss flat search of the same neighbours.

1. nn_accuracy of 10,000 vs 10,000 vectors of 512-d against ``faiss.IndexFlatL2``: add the
   20,000 pooled vectors, search each for its 2 nearest (itself and its nearest other).
   Target: imgsim at most 1.5x the time, with the same accuracy.
2. mifid of the same sizes against ``faiss.IndexFlatIP`` on unit vectors: add the
   reference set, search the generated vectors and their negations for the best
   cosine (the nearest |cos| that the memorisation distance needs). imgsim also fits
   both Gaussians for FD. Target: at most 1.5x the time, the same distance.

All timings are in this process (one BLAS for both sides), best of a few runs; faiss
runs on every core, as imgsim does. The BLAS and its kernel are named in the details
(OPENBLAS_CORETYPE, when it is set, forces an older and slower kernel on both sides).
"""

from __future__ import annotations

import os

import numpy as np
from harness import BenchmarkError, Result, fastest_call, speedup

REPEAT = 2
SIZE = 10_000
DIMENSION = 512


def run() -> list[Result]:
    """The two set-metric benchmarks."""
    return [nn_accuracy_search(), mifid_search()]


def _sets(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping float32 sets: the second shifted by 0.05 in every coordinate."""
    rng = np.random.default_rng(seed)
    reference = rng.standard_normal((SIZE, DIMENSION), dtype=np.float32)
    generated = rng.standard_normal((SIZE, DIMENSION), dtype=np.float32) + np.float32(0.05)
    return reference, generated


def _blas() -> str:
    from threadpoolctl import threadpool_info

    pools = [
        f"{pool.get('internal_api')} {pool.get('version')} ({pool.get('architecture')}, "
        f"{pool.get('num_threads')} threads)"
        for pool in threadpool_info()
        if pool.get("user_api") == "blas"
    ]
    forced = os.environ.get("OPENBLAS_CORETYPE")
    return "BLAS: " + "; ".join(pools) + (f"; OPENBLAS_CORETYPE={forced}" if forced else "")


def nn_accuracy_search() -> Result:
    """nn_accuracy of 10k vs 10k x 512 against IndexFlatL2 on the pooled vectors, k=2."""
    import faiss

    from imgsim.metrics.two_sample import nn_accuracy

    reference, generated = _sets(seed=0)

    def bare() -> float:
        pool = np.concatenate([reference, generated])
        index = faiss.IndexFlatL2(DIMENSION)
        index.add(pool)
        _, found = index.search(pool, 2)
        rows = np.arange(len(pool))
        nearest = np.where(found[:, 0] == rows, found[:, 1], found[:, 0])
        is_generated = rows >= SIZE
        return float((is_generated[nearest] == is_generated).mean())

    reference_seconds, reference_accuracy = fastest_call(bare, REPEAT)
    imgsim_seconds, result = fastest_call(lambda: nn_accuracy(reference, generated), REPEAT)
    if abs(result.overall - reference_accuracy) > 1e-3:
        raise BenchmarkError(
            f"nn_accuracy {result.overall} differs from faiss's {reference_accuracy}"
        )
    return speedup(
        "nn_accuracy, 10k vs 10k x 512",
        imgsim_seconds=imgsim_seconds,
        reference_seconds=reference_seconds,
        at_least=1 / 1.5,
        details=(
            "imgsim: `nn_accuracy(reference, generated)` (float32 inputs): imgsim.topk "
            "(faiss.knn, k=3) on the pool, the candidates' distances again in float64",
            "reference: faiss.IndexFlatL2: add the 20,000 pooled vectors, search them, k=2, "
            "drop the self matches",
            f"same result: accuracy {result.overall:.4f} (faiss {reference_accuracy:.4f}); "
            "target ratio ≥ 0.67, i.e. at most 1.5x faiss's time",
            _blas(),
        ),
    )


def mifid_search() -> Result:
    """mifid of 10k vs 10k x 512 against IndexFlatIP: best cosine of ±generated, k=1."""
    import faiss

    from imgsim.metrics.memorization import memorization, mifid

    reference, generated = _sets(seed=1)

    def bare() -> float:
        unit_reference = reference / np.linalg.norm(reference, axis=1, keepdims=True)
        unit_generated = generated / np.linalg.norm(generated, axis=1, keepdims=True)
        index = faiss.IndexFlatIP(DIMENSION)
        index.add(unit_reference)
        best, _ = index.search(np.concatenate([unit_generated, -unit_generated]), 1)
        largest = np.maximum(best[:SIZE, 0], best[SIZE:, 0])
        return float((1.0 - largest).mean())

    reference_seconds, reference_distance = fastest_call(bare, REPEAT)
    imgsim_seconds, _ = fastest_call(lambda: mifid(reference, generated), REPEAT)
    distance = memorization(reference, generated, epsilon=None)
    if abs(distance - reference_distance) > 1e-5:
        raise BenchmarkError(
            f"memorisation distance {distance} differs from faiss's {reference_distance}"
        )
    return speedup(
        "mifid, 10k vs 10k x 512",
        imgsim_seconds=imgsim_seconds,
        reference_seconds=reference_seconds,
        at_least=1 / 1.5,
        details=(
            "imgsim: `mifid(reference, generated)` (float32 inputs): FD (two covariances, "
            "two eigendecompositions) and two imgsim.topk cosine searches (generated and "
            "negated generated), the winners' cosines again in float64",
            "reference: faiss.IndexFlatIP on the unit reference vectors, searched by the "
            "20,000 unit generated vectors and their negations, k=1 (no FD); the sets are "
            "signed, so both searches run (for non-negative features one is enough)",
            f"same result: mean distance {distance:.6f} (faiss {reference_distance:.6f}); "
            "target ratio ≥ 0.67, i.e. at most 1.5x faiss's time",
            _blas(),
        ),
    )
