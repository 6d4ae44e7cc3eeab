"""HaarPSI, transcribed line by line from the authors' ``HaarPSI.m``.

Source: R. Reisenhofer, S. Bosse, G. Kutyniok, T. Wiegand, "A Haar wavelet-based
perceptual similarity index for image quality assessment", Signal Processing: Image
Communication 61, 2018; the authors' MATLAB code ``HaarPSI.m`` ("Written by Rafael
Reisenhofer, Built on 08/05/2017"), published on haarpsi.org and github.com/rgcda/haarpsi
(MIT licence). Every line below was found verbatim in that file; the MATLAB line is
quoted in the comment above its NumPy form. Variable names are the MATLAB ones.

The transcription is plain on purpose (no speed tricks): it is the reference that
imgsim's :func:`imgsim.metrics.haarpsi.haarpsi` is held to.
"""

# ruff: noqa: N802, N803, N806

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from authors_code.matlab import conv2_same

Array = NDArray[np.float64]


def HaarPSI(imgRef: NDArray[np.uint8], imgDist: NDArray[np.uint8]) -> float:
    """``similarity = HaarPSI(imgRef, imgDist)`` with ``preprocessWithSubsampling = 1``."""
    # preprocessWithSubsampling = 1;   (nargin < 3)
    preprocessWithSubsampling = 1
    # colorImage = size(imgRef,3) == 3;
    colorImage = imgRef.ndim == 3 and imgRef.shape[2] == 3

    # imgRef = double(imgRef); imgDist = double(imgDist);
    imgRef_d = imgRef.astype(np.float64)
    imgDist_d = imgDist.astype(np.float64)

    # C = 30; alpha = 4.2;
    C = 30.0
    alpha = 4.2
    # transform to YIQ colorspace
    if colorImage:
        # imgRefY = 0.299 * (imgRef(:,:,1)) + 0.587 * (imgRef(:,:,2)) + 0.114 * (imgRef(:,:,3));
        imgRefY = 0.299 * imgRef_d[:, :, 0] + 0.587 * imgRef_d[:, :, 1] + 0.114 * imgRef_d[:, :, 2]
        imgDistY = (
            0.299 * imgDist_d[:, :, 0] + 0.587 * imgDist_d[:, :, 1] + 0.114 * imgDist_d[:, :, 2]
        )
        # imgRefI = 0.596 * (imgRef(:,:,1)) - 0.274 * (imgRef(:,:,2)) - 0.322 * (imgRef(:,:,3));
        imgRefI = 0.596 * imgRef_d[:, :, 0] - 0.274 * imgRef_d[:, :, 1] - 0.322 * imgRef_d[:, :, 2]
        imgDistI = (
            0.596 * imgDist_d[:, :, 0] - 0.274 * imgDist_d[:, :, 1] - 0.322 * imgDist_d[:, :, 2]
        )
        # imgRefQ = 0.211 * (imgRef(:,:,1)) - 0.523 * (imgRef(:,:,2)) + 0.312 * (imgRef(:,:,3));
        imgRefQ = 0.211 * imgRef_d[:, :, 0] - 0.523 * imgRef_d[:, :, 1] + 0.312 * imgRef_d[:, :, 2]
        imgDistQ = (
            0.211 * imgDist_d[:, :, 0] - 0.523 * imgDist_d[:, :, 1] + 0.312 * imgDist_d[:, :, 2]
        )
    else:
        # imgRefY = double(imgRef); imgDistY = double(imgDist);
        imgRefY = imgRef_d
        imgDistY = imgDist_d

    # subsampling
    if preprocessWithSubsampling:
        # imgRefY = HaarPSISubsample(imgRefY); imgDistY = HaarPSISubsample(imgDistY);
        imgRefY = HaarPSISubsample(imgRefY)
        imgDistY = HaarPSISubsample(imgDistY)
        if colorImage:
            # imgRefQ = HaarPSISubsample(imgRefQ); ... imgDistI = HaarPSISubsample(imgDistI);
            imgRefQ = HaarPSISubsample(imgRefQ)
            imgDistQ = HaarPSISubsample(imgDistQ)
            imgRefI = HaarPSISubsample(imgRefI)
            imgDistI = HaarPSISubsample(imgDistI)

    # pre-allocate variables
    # localSimilarities = zeros([size(imgRefY),3]); weights = zeros([size(imgRefY),3]);
    # (2 instead of 3 for a grayscale image)
    layers = 3 if colorImage else 2
    localSimilarities = np.zeros((*imgRefY.shape, layers))
    weights = np.zeros((*imgRefY.shape, layers))

    # Haar wavelet decomposition
    # nScales = 3;
    nScales = 3
    # coeffsRefY = HaarPSIDec(imgRefY,nScales); coeffsDistY = HaarPSIDec(imgDistY,nScales);
    coeffsRefY = HaarPSIDec(imgRefY, nScales)
    coeffsDistY = HaarPSIDec(imgDistY, nScales)
    if colorImage:
        # coeffsRefQ = abs(conv2(imgRefQ,ones(2,2)/4,'same'));  (and DistQ, RefI, DistI)
        coeffsRefQ = np.abs(conv2_same(imgRefQ, np.ones((2, 2)) / 4))
        coeffsDistQ = np.abs(conv2_same(imgDistQ, np.ones((2, 2)) / 4))
        coeffsRefI = np.abs(conv2_same(imgRefI, np.ones((2, 2)) / 4))
        coeffsDistI = np.abs(conv2_same(imgDistI, np.ones((2, 2)) / 4))

    # compute weights and similarity for each orientation
    # for ori = 1:2
    for ori in (1, 2):
        # weights(:,:,ori) = max(abs(coeffsRefY(:,:,3 + (ori-1)*nScales)),
        #                        abs(coeffsDistY(:,:,3 + (ori-1)*nScales)));
        coarsest = 3 + (ori - 1) * nScales - 1
        weights[:, :, ori - 1] = np.maximum(
            np.abs(coeffsRefY[:, :, coarsest]), np.abs(coeffsDistY[:, :, coarsest])
        )
        # coeffsRefYMag = abs(coeffsRefY(:,:,(1:2) + (ori-1)*nScales));
        fine = [k + (ori - 1) * nScales - 1 for k in (1, 2)]
        coeffsRefYMag = np.abs(coeffsRefY[:, :, fine])
        # coeffsDistYMag = abs(coeffsDistY(:,:,(1:2) + (ori-1)*nScales));
        coeffsDistYMag = np.abs(coeffsDistY[:, :, fine])
        # localSimilarities(:,:,ori) = sum(((2*coeffsRefYMag.*coeffsDistYMag + C)./
        #     (coeffsRefYMag.^2 + coeffsDistYMag.^2 + C)),3)/2;
        localSimilarities[:, :, ori - 1] = (
            np.sum(
                (2 * coeffsRefYMag * coeffsDistYMag + C)
                / (coeffsRefYMag**2 + coeffsDistYMag**2 + C),
                axis=2,
            )
            / 2
        )

    # compute similarities for color channels
    if colorImage:
        # similarityI = ((2*coeffsRefI.*coeffsDistI + C) ./(coeffsRefI.^2 + coeffsDistI.^2 + C));
        similarityI = (2 * coeffsRefI * coeffsDistI + C) / (coeffsRefI**2 + coeffsDistI**2 + C)
        # similarityQ = ((2*coeffsRefQ.*coeffsDistQ + C) ./(coeffsRefQ.^2 + coeffsDistQ.^2 + C));
        similarityQ = (2 * coeffsRefQ * coeffsDistQ + C) / (coeffsRefQ**2 + coeffsDistQ**2 + C)
        # localSimilarities(:,:,3) = ((similarityI)+(similarityQ))/2;
        localSimilarities[:, :, 2] = (similarityI + similarityQ) / 2
        # weights(:,:,3) = (weights(:,:,1) + weights(:,:,2))/2;
        weights[:, :, 2] = (weights[:, :, 0] + weights[:, :, 1]) / 2

    # compute final score
    # similarity = HaarPSILogInv(sum((HaarPSILog(localSimilarities(:),alpha)).*weights(:))
    #     /sum(weights(:)),alpha)^2;
    # (MATLAB's (:) reads column-major; the sums do not depend on the order up to rounding)
    localSimilarities_v = localSimilarities.ravel(order="F")
    weights_v = weights.ravel(order="F")
    similarity = (
        HaarPSILogInv(
            np.sum(HaarPSILog(localSimilarities_v, alpha) * weights_v) / np.sum(weights_v), alpha
        )
        ** 2
    )
    return float(similarity)


def HaarPSIDec(X: Array, nScales: int) -> Array:
    """``coeffs = HaarPSIDec(X,nScales)``."""
    # coeffs = zeros([size(X),2*nScales]);
    coeffs = np.zeros((*X.shape, 2 * nScales))
    # for k = 1:nScales
    for k in range(1, nScales + 1):
        # haarFilter = 2^(-k)*ones(2^k,2^k);
        haarFilter = 2.0 ** (-k) * np.ones((2**k, 2**k))
        # haarFilter(1:(end/2),:) = -haarFilter(1:(end/2),:);
        half = haarFilter.shape[0] // 2
        haarFilter[:half, :] = -haarFilter[:half, :]
        # coeffs(:,:,k) = conv2(X,haarFilter,'same');
        coeffs[:, :, k - 1] = conv2_same(X, haarFilter)
        # coeffs(:,:,k + nScales) = conv2(X,haarFilter','same');
        coeffs[:, :, k - 1 + nScales] = conv2_same(X, haarFilter.T)
    return coeffs


def HaarPSISubsample(img: Array) -> Array:
    """``imgSubsampled = HaarPSISubsample(img)``."""
    # imgSubsampled = conv2(img, ones(2,2)/4,'same');
    imgSubsampled = conv2_same(img, np.ones((2, 2)) / 4)
    # imgSubsampled = imgSubsampled(1:2:end,1:2:end);
    return imgSubsampled[::2, ::2]


def HaarPSILog(x: Array, alpha: float) -> Array:
    """``val = 1./(1 + exp(-alpha.*(x)))``."""
    return np.asarray(1.0 / (1 + np.exp(-alpha * x)))


def HaarPSILogInv(x: float, alpha: float) -> float:
    """``val = log(x./(1-x))./alpha``."""
    return float(np.log(x / (1 - x)) / alpha)
