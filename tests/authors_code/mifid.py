"""MiFID's published code, transcribed line by line into NumPy: the references for
``imgsim.metrics.memorization.memorization`` and ``mifid``.

1. The scoring code of Kaggle's "Generative Dog Images" competition (2019), the metric of
   Bai et al., "On training sample memorization: lessons from benchmarking generative
   modeling with a large-scale competition", KDD 2021, as the competition's scoring
   kernel publishes it ("Kaggle code for computing the MIFID", TensorFlow 1): the
   functions ``normalize_rows``, ``cosine_distance``, ``distance_thresholding`` and
   ``calculate_frechet_distance``, and the last lines of ``compute_mifid``. Its caller
   ``calculate_kid_given_paths([generated_path, real_path], ...)`` passes the generated
   images' features as ``features1`` and the training images' as ``features2``, and
   ``model_params['Inception']['cosine_distance_eps']`` is 0.1.
2. torchmetrics (Apache-2.0), ``src/torchmetrics/image/mifid.py``:
   ``_compute_cosine_distance``, ``_mifid_compute`` and the statistics of
   ``MemorizationInformedFrechetInceptionDistance.compute``, with ``_compute_fid`` from
   ``src/torchmetrics/image/fid.py``; torch calls written as their NumPy equivalents.
   ``compute`` passes the real features as ``features1``, the fake ones as ``features2``.

Each source line is quoted above the line that stands for it; the Inception network and
the file handling have no counterpart (the tests pass feature matrices).
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray
from scipy import linalg

Array = NDArray[np.float64]

# --------------------------------------------------------------------------- competition

COSINE_DISTANCE_EPS = 0.1
"""``model_params['Inception']['cosine_distance_eps']``."""
FID_EPSILON = 10e-15
"""``def compute_mifid(generated_path, real_path, graph_path, model_params, eps=10e-15)``."""


def normalize_rows(x: Array) -> Array:
    # return np.nan_to_num(x / np.linalg.norm(x, ord=2, axis=1, keepdims=True))
    return np.asarray(np.nan_to_num(x / np.linalg.norm(x, ord=2, axis=1, keepdims=True)))


def cosine_distance(features1: Array, features2: Array) -> float:
    # features1_nozero = features1[np.sum(features1, axis=1) != 0]
    features1_nozero = features1[np.sum(features1, axis=1) != 0]
    # features2_nozero = features2[np.sum(features2, axis=1) != 0]
    features2_nozero = features2[np.sum(features2, axis=1) != 0]
    # norm_f1 = normalize_rows(features1_nozero)
    norm_f1 = normalize_rows(features1_nozero)
    # norm_f2 = normalize_rows(features2_nozero)
    norm_f2 = normalize_rows(features2_nozero)

    # d = 1.0 - np.abs(np.matmul(norm_f1, norm_f2.T))
    d = 1.0 - np.abs(np.matmul(norm_f1, norm_f2.T))
    # mean_min_d = np.mean(np.min(d, axis=1))
    mean_min_d = np.mean(np.min(d, axis=1))
    # return mean_min_d
    return float(mean_min_d)


def distance_thresholding(d: float, eps: float) -> float:
    # if d < eps:
    if d < eps:
        # return d
        return d
    # else:
    else:
        # return 1
        return 1


def calculate_frechet_distance(
    mu1: Array, sigma1: Array, mu2: Array, sigma2: Array, eps: float = 1e-6
) -> float:
    # mu1 = np.atleast_1d(mu1)
    mu1 = np.atleast_1d(mu1)
    # mu2 = np.atleast_1d(mu2)
    mu2 = np.atleast_1d(mu2)

    # sigma1 = np.atleast_2d(sigma1)
    sigma1 = np.atleast_2d(sigma1)
    # sigma2 = np.atleast_2d(sigma2)
    sigma2 = np.atleast_2d(sigma2)

    # assert mu1.shape == mu2.shape, "Training and test mean vectors have different lengths"
    assert mu1.shape == mu2.shape, "Training and test mean vectors have different lengths"
    # assert sigma1.shape == sigma2.shape, "Training and test covariances have different ..."
    assert sigma1.shape == sigma2.shape, "Training and test covariances have different dimensions"

    # diff = mu1 - mu2
    diff = mu1 - mu2

    # covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    # (disp=False, deprecated in SciPy, only adds an error estimate to the result)
    covmean = linalg.sqrtm(sigma1.dot(sigma2))

    # if not np.isfinite(covmean).all():
    if not np.isfinite(covmean).all():
        # msg = "fid calculation produces singular product; adding %s to diagonal of cov
        #        estimates" % eps
        msg = (
            f"fid calculation produces singular product; adding {eps} to diagonal of cov estimates"
        )
        # warnings.warn(msg)
        warnings.warn(msg, stacklevel=2)
        # offset = np.eye(sigma1.shape[0]) * eps
        offset = np.eye(sigma1.shape[0]) * eps
        # covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))

    # if np.iscomplexobj(covmean):
    if np.iscomplexobj(covmean):
        # if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            # m = np.max(np.abs(covmean.imag))
            m = np.max(np.abs(covmean.imag))
            # raise ValueError("Imaginary component {}".format(m))
            raise ValueError(f"Imaginary component {m}")
        # covmean = covmean.real
        covmean = covmean.real

    # tr_covmean = np.trace(covmean)
    tr_covmean = np.trace(covmean)
    # return diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean)


def competition_mifid(generated: Array, real: Array) -> float:
    """``compute_mifid``: the statistics of ``calculate_activation_statistics``
    (``mu = np.mean(act, axis=0)``, ``sigma = np.cov(act, rowvar=False)``) of the
    generated set (``m1, s1, features1``) and of the training set (``m2, s2, features2``)."""
    m1, s1 = np.mean(generated, axis=0), np.cov(generated, rowvar=False)
    m2, s2 = np.mean(real, axis=0), np.cov(real, rowvar=False)
    # fid_value = calculate_frechet_distance(m1, s1, m2, s2)
    fid_value = calculate_frechet_distance(m1, s1, m2, s2)
    # distance = cosine_distance(features1, features2)
    distance = cosine_distance(generated, real)
    # distance = distance_thresholding(distance, model_params['Inception']['cosine_distance_eps'])
    distance = distance_thresholding(distance, COSINE_DISTANCE_EPS)
    # return fid_value / (distance + eps)
    return fid_value / (distance + FID_EPSILON)


def competition_memorization(generated: Array, real: Array) -> float:
    """The thresholded distance of ``compute_mifid``: ``distance_thresholding(
    cosine_distance(features1, features2), cosine_distance_eps)``."""
    return distance_thresholding(cosine_distance(generated, real), COSINE_DISTANCE_EPS)


# --------------------------------------------------------------------------- torchmetrics


def torchmetrics_cosine_distance(
    features1: Array, features2: Array, cosine_distance_eps: float = 0.1
) -> float:
    """``_compute_cosine_distance(features1, features2, cosine_distance_eps=0.1)``."""
    # features1_nozero = features1[torch.sum(features1, dim=1) != 0]
    features1_nozero = features1[np.sum(features1, axis=1) != 0]
    # features2_nozero = features2[torch.sum(features2, dim=1) != 0]
    features2_nozero = features2[np.sum(features2, axis=1) != 0]

    # norm_f1 = features1_nozero / torch.norm(features1_nozero, dim=1, keepdim=True)
    norm_f1 = features1_nozero / np.linalg.norm(features1_nozero, axis=1, keepdims=True)
    # norm_f2 = features2_nozero / torch.norm(features2_nozero, dim=1, keepdim=True)
    norm_f2 = features2_nozero / np.linalg.norm(features2_nozero, axis=1, keepdims=True)

    # d = 1.0 - torch.abs(torch.matmul(norm_f1, norm_f2.t()))
    d = 1.0 - np.abs(np.matmul(norm_f1, norm_f2.T))
    # mean_min_d = torch.mean(d.min(dim=1).values)
    mean_min_d = float(np.mean(d.min(axis=1)))
    # return mean_min_d if mean_min_d < cosine_distance_eps else torch.ones_like(mean_min_d)
    return mean_min_d if mean_min_d < cosine_distance_eps else 1.0


def torchmetrics_compute_fid(mu1: Array, sigma1: Array, mu2: Array, sigma2: Array) -> float:
    """``fid.py``'s ``_compute_fid(mu1, sigma1, mu2, sigma2)``."""
    # a = (mu1 - mu2).square().sum(dim=-1)
    a = np.square(mu1 - mu2).sum(axis=-1)
    # b = sigma1.trace() + sigma2.trace()
    b = np.trace(sigma1) + np.trace(sigma2)
    # c = torch.linalg.eigvals(sigma1 @ sigma2).sqrt().real.sum(dim=-1)
    c = np.sqrt(np.linalg.eigvals(sigma1 @ sigma2).astype(np.complex128)).real.sum(axis=-1)

    # return a + b - 2 * c
    return float(a + b - 2 * c)


def torchmetrics_mifid(real_features: Array, fake_features: Array) -> float:
    """``MemorizationInformedFrechetInceptionDistance.compute`` on the features."""
    # mean_real, mean_fake = torch.mean(real_features, dim=0), torch.mean(fake_features, dim=0)
    mean_real, mean_fake = np.mean(real_features, axis=0), np.mean(fake_features, axis=0)
    # cov_real, cov_fake = torch.cov(real_features.t()), torch.cov(fake_features.t())
    cov_real, cov_fake = np.cov(real_features.T), np.cov(fake_features.T)
    # return _mifid_compute(mean_real, cov_real, real_features, mean_fake, cov_fake, ...)
    return _mifid_compute(mean_real, cov_real, real_features, mean_fake, cov_fake, fake_features)


def _mifid_compute(
    mu1: Array,
    sigma1: Array,
    features1: Array,
    mu2: Array,
    sigma2: Array,
    features2: Array,
    cosine_distance_eps: float = 0.1,
) -> float:
    # fid_value = _compute_fid(mu1, sigma1, mu2, sigma2)
    fid_value = torchmetrics_compute_fid(mu1, sigma1, mu2, sigma2)
    # distance = _compute_cosine_distance(features1, features2, cosine_distance_eps)
    distance = torchmetrics_cosine_distance(features1, features2, cosine_distance_eps)
    # return fid_value / (distance + 10e-15) if fid_value > 1e-8 else torch.zeros_like(fid_value)
    return fid_value / (distance + 10e-15) if fid_value > 1e-8 else 0.0
