"""α-precision, β-recall and authenticity (Alaa et al. 2022) as the authors' published code
computes them, transcribed line by line into NumPy: the reference for
``imgsim.metrics.alpha_beta``.

Sources:

- ``AlphaPrecision.metrics`` of synthcity (vanderschaarlab/synthcity,
  ``src/synthcity/metrics/eval_statistical.py``), the maintained code of the paper's
  authors, with ``emb_center=None``: the "naive" variant, on the features themselves
  instead of a one-class network's embedding. :func:`synthcity_metrics` follows it line
  by line; each step quotes the line it transcribes.
- The authenticity of the authors' first repository (ahmedmalaa/evaluating-generative-
  models, ``metrics/evaluation.py``, ``compute_alpha_precision``, the version that
  searches the real set for each synthetic sample): :func:`authors_authenticity`.
  synthcity (and another version of that file) index ``real_to_real`` by the positions of
  synthetic samples instead (``real_to_real[real_to_synth_args] < real_to_synth``), which
  is defined only for sets of equal size and is not the paper's rule;
  :func:`synthcity_metrics` keeps that line as it is, for the record.

Changes, all of them here:

- sklearn's ``NearestNeighbors(n_neighbors=k, p=2).fit(A).kneighbors(B)`` is
  :func:`brute_force_kneighbors`: every Euclidean distance in float64 (one query at a
  time, so that wide features need no n x m x d array), each row sorted
  stably (equal distances in the order of ``A``), the first k kept. sklearn's tree search
  returns the same neighbours and distances up to rounding (its order among exactly equal
  distances is not specified).
- synthcity's ``RuntimeError`` for sets of different sizes is kept, behind
  ``require_same_length`` (its other lines need no equal sizes except the authenticity
  line above).
"""

# ruff: noqa: N803, N806 -- the published code's own names (Radii, Delta_…), kept as they are

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Matrix = NDArray[np.float64]


def brute_force_kneighbors(
    fitted: Matrix, queries: Matrix, n_neighbors: int
) -> tuple[Matrix, NDArray[np.int64]]:
    """``NearestNeighbors(n_neighbors, p=2).fit(fitted).kneighbors(queries)``: distances and
    indices of the ``n_neighbors`` nearest rows of ``fitted`` to each query, closest first."""
    distances = np.stack([np.sqrt(np.sum((query - fitted) ** 2, axis=1)) for query in queries])
    order = np.argsort(distances, axis=1, kind="stable")[:, :n_neighbors]
    return np.take_along_axis(distances, order, axis=1), order


def synthcity_metrics(
    X: Matrix,
    X_syn: Matrix,
    emb_center: Matrix | None = None,
    *,
    require_same_length: bool = True,
) -> tuple[Matrix, list[float], list[float], float, float, float]:
    """``AlphaPrecision.metrics(X, X_syn, emb_center)``: ``(alphas, alpha_precision_curve,
    beta_coverage_curve, Delta_precision_alpha, Delta_coverage_beta, authenticity)``."""
    # if len(X) != len(X_syn):
    #     raise RuntimeError("The real and synthetic data must have the same length")
    if require_same_length and len(X) != len(X_syn):
        raise RuntimeError("The real and synthetic data must have the same length")

    # if emb_center is None:
    #     emb_center = np.mean(X, axis=0)
    if emb_center is None:
        emb_center = np.mean(X, axis=0)

    # n_steps = 30
    # alphas = np.linspace(0, 1, n_steps)
    n_steps = 30
    alphas = np.linspace(0, 1, n_steps)

    # Radii = np.quantile(np.sqrt(np.sum((X - emb_center) ** 2, axis=1)), alphas)
    Radii = np.quantile(np.sqrt(np.sum((X - emb_center) ** 2, axis=1)), alphas)

    # synth_center = np.mean(X_syn, axis=0)
    synth_center = np.mean(X_syn, axis=0)

    # alpha_precision_curve = []
    # beta_coverage_curve = []
    alpha_precision_curve: list[float] = []
    beta_coverage_curve: list[float] = []

    # synth_to_center = np.sqrt(np.sum((X_syn - emb_center) ** 2, axis=1))
    synth_to_center = np.sqrt(np.sum((X_syn - emb_center) ** 2, axis=1))

    # nbrs_real = NearestNeighbors(n_neighbors=2, n_jobs=-1, p=2).fit(X)
    # real_to_real, _ = nbrs_real.kneighbors(X)
    real_to_real, _ = brute_force_kneighbors(X, X, 2)

    # nbrs_synth = NearestNeighbors(n_neighbors=1, n_jobs=-1, p=2).fit(X_syn)
    # real_to_synth, real_to_synth_args = nbrs_synth.kneighbors(X)
    real_to_synth, real_to_synth_args = brute_force_kneighbors(X_syn, X, 1)

    # # Let us find closest real point to any real point, excluding itself (therefore 1
    # # instead of 0)
    # real_to_real = real_to_real[:, 1].squeeze()
    # real_to_synth = real_to_synth.squeeze()
    # real_to_synth_args = real_to_synth_args.squeeze()
    real_to_real = real_to_real[:, 1].squeeze()
    real_to_synth = real_to_synth.squeeze()
    real_to_synth_args = real_to_synth_args.squeeze()

    # real_synth_closest = X_syn[real_to_synth_args]
    real_synth_closest = X_syn[real_to_synth_args]

    # real_synth_closest_d = np.sqrt(
    #     np.sum((real_synth_closest - synth_center) ** 2, axis=1)
    # )
    # closest_synth_Radii = np.quantile(real_synth_closest_d, alphas)
    real_synth_closest_d = np.sqrt(np.sum((real_synth_closest - synth_center) ** 2, axis=1))
    closest_synth_Radii = np.quantile(real_synth_closest_d, alphas)

    # for k in range(len(Radii)):
    for k in range(len(Radii)):
        # precision_audit_mask = synth_to_center <= Radii[k]
        # alpha_precision = np.mean(precision_audit_mask)
        precision_audit_mask = synth_to_center <= Radii[k]
        alpha_precision = np.mean(precision_audit_mask)

        # beta_coverage = np.mean(
        #     (
        #         (real_to_synth <= real_to_real)
        #         * (real_synth_closest_d <= closest_synth_Radii[k])
        #     )
        # )
        beta_coverage = np.mean(
            (real_to_synth <= real_to_real) * (real_synth_closest_d <= closest_synth_Radii[k])
        )

        # alpha_precision_curve.append(alpha_precision)
        # beta_coverage_curve.append(beta_coverage)
        alpha_precision_curve.append(float(alpha_precision))
        beta_coverage_curve.append(float(beta_coverage))

    # authen = real_to_real[real_to_synth_args] < real_to_synth
    # authenticity = np.mean(authen)
    if len(X) == len(X_syn):
        authen = real_to_real[real_to_synth_args] < real_to_synth
        authenticity = float(np.mean(authen))
    else:
        authenticity = float("nan")  # the line indexes past the end or mixes up rows

    # Delta_precision_alpha = 1 - np.sum(
    #     np.abs(np.array(alphas) - np.array(alpha_precision_curve))
    # ) / np.sum(alphas)
    Delta_precision_alpha = 1 - np.sum(
        np.abs(np.array(alphas) - np.array(alpha_precision_curve))
    ) / np.sum(alphas)

    # if Delta_precision_alpha < 0:
    #     raise RuntimeError("negative value detected for Delta_precision_alpha")
    if Delta_precision_alpha < 0:
        raise RuntimeError("negative value detected for Delta_precision_alpha")

    # Delta_coverage_beta = 1 - np.sum(
    #     np.abs(np.array(alphas) - np.array(beta_coverage_curve))
    # ) / np.sum(alphas)
    Delta_coverage_beta = 1 - np.sum(
        np.abs(np.array(alphas) - np.array(beta_coverage_curve))
    ) / np.sum(alphas)

    # if Delta_coverage_beta < 0:
    #     raise RuntimeError("negative value detected for Delta_coverage_beta")
    if Delta_coverage_beta < 0:
        raise RuntimeError("negative value detected for Delta_coverage_beta")

    # return (alphas, alpha_precision_curve, beta_coverage_curve,
    #         Delta_precision_alpha, Delta_coverage_beta, authenticity)
    return (
        alphas,
        alpha_precision_curve,
        beta_coverage_curve,
        float(Delta_precision_alpha),
        float(Delta_coverage_beta),
        authenticity,
    )


def authors_authenticity(real_data: Matrix, synthetic_data: Matrix) -> float:
    """The authenticity lines of ``compute_alpha_precision`` (ahmedmalaa/evaluating-
    generative-models, ``metrics/evaluation.py``): the share of synthetic samples farther
    from their nearest real sample than that sample is from its own nearest real one."""
    # nbrs_real = NearestNeighbors(n_neighbors = 2, n_jobs=-1, p=2).fit(real_data)
    # real_to_real, _       = nbrs_real.kneighbors(real_data)
    # real_to_real          = torch.from_numpy(real_to_real[:,1].squeeze())
    real_to_real, _ = brute_force_kneighbors(real_data, real_data, 2)
    real_to_real = real_to_real[:, 1].squeeze()

    # synth_to_real, synth_to_real_args = nbrs_real.kneighbors(synthetic_data)
    # synth_to_real         = synth_to_real[:,0].squeeze()
    # synth_to_real_args    = synth_to_real_args[:,0].squeeze()
    synth_to_real, synth_to_real_args = brute_force_kneighbors(real_data, synthetic_data, 2)
    synth_to_real = synth_to_real[:, 0].squeeze()
    synth_to_real_args = synth_to_real_args[:, 0].squeeze()

    # authen = real_to_real.numpy()[synth_to_real_args] < synth_to_real
    # authenticity = np.mean(authen)
    authen = real_to_real[synth_to_real_args] < synth_to_real
    return float(np.mean(authen))
