"""The authors' ``dss_index.m``, transcribed line by line into NumPy (the reference for
``imgsim.metrics.dss``).

Source: ``dss_index.m``, "DSS DCT Subband Similarity index for measuring image quality",
Version 1.00, Copyright(c) 2015 Yair Moshe, Signal and Image Processing Laboratory
(SIPL), Technion (MATLAB File Exchange 53708), for A. Balanov, A. Schwartz, Y. Moshe,
N. Peleg, "Image Quality Assessment based on DCT Subband Similarity", ICIP 2015. Every
line of the MATLAB function body is here, in its order, with the MATLAB line above it;
only the input checks (``narginchk``, ``isempty``, ``ismatrix``) are left out. The code
has no downsampling or resizing: the images are only cropped to a multiple of 8.
MATLAB indices are 1-based; the NumPy lines are 0-based.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .matlab import fspecial_gaussian, imfilter, matlab_round

Array = NDArray[np.float64]


def dctmtx(n: int) -> Array:
    """MATLAB ``dctmtx(n)``, from its documentation: ``D(1, :) = 1/sqrt(n)``,
    ``D(p, q) = sqrt(2/n) cos(pi (2q - 1)(p - 1) / (2n))`` for p = 2 … n (1-based)."""
    d = np.zeros((n, n))
    for p in range(1, n + 1):
        for q in range(1, n + 1):
            if p == 1:
                d[p - 1, q - 1] = 1 / math.sqrt(n)
            else:
                d[p - 1, q - 1] = math.sqrt(2 / n) * math.cos(
                    math.pi * (2 * q - 1) * (p - 1) / (2 * n)
                )
    return d


def dss_index(
    img1: Array, img2: Array, sigma: float = 1.55, c: tuple[float, float] = (1000, 300)
) -> float:
    """``dss = dss_index(img1, img2)`` on two gray images (img2 the reference)."""
    # [nRows, nCols] = size(img1);
    n_rows, n_cols = img1.shape
    # nRows = 8*floor(nRows/8);  nCols = 8*floor(nCols/8);
    n_rows = 8 * math.floor(n_rows / 8)
    n_cols = 8 * math.floor(n_cols / 8)
    # img1 = img1(1:nRows, 1:nCols);  img2 = img2(1:nRows, 1:nCols);
    img1 = img1[0:n_rows, 0:n_cols]
    img2 = img2[0:n_rows, 0:n_cols]

    # img1Decomp = dct_decomp(img1);  img2Decomp = dct_decomp(img2);
    img1_decomp = dct_decomp(img1)
    img2_decomp = dct_decomp(img2)

    # [X,Y] = meshgrid(1:8);
    x, y = np.meshgrid(np.arange(1, 9), np.arange(1, 9))
    # distance = sqrt((X-0.5).^2 + (Y-0.5).^2);
    distance = np.sqrt((x - 0.5) ** 2 + (y - 0.5) ** 2)
    # w = real(exp(-((distance.^2)/(2*sigma^2))));
    w = np.real(np.exp(-((distance**2) / (2 * sigma**2))))

    # subbandSimilarity = zeros(8,8);  smallWeightThresh = 1e-2;
    subband_similarity_matrix = np.zeros((8, 8))
    small_weight_thresh = 1e-2
    # for m = 1:8, for n = 1:8
    for m in range(1, 9):
        for n in range(1, 9):
            # if(w(m,n) < smallWeightThresh), w(m,n) = 0; continue; end
            if w[m - 1, n - 1] < small_weight_thresh:
                w[m - 1, n - 1] = 0
                continue
            # subbandSimilarity(m,n) = subband_similarity( ...
            #     img1Decomp(m:8:end, n:8:end), img2Decomp(m:8:end, n:8:end), m, n, C);
            subband_similarity_matrix[m - 1, n - 1] = subband_similarity(
                img1_decomp[m - 1 :: 8, n - 1 :: 8], img2_decomp[m - 1 :: 8, n - 1 :: 8], m, n, c
            )

    # dss =  sum(sum(subbandSimilarity .* (w/sum(w(:)))));
    return float(np.sum(np.sum(subband_similarity_matrix * (w / np.sum(w)))))


def dct_decomp(img: Array) -> Array:
    """``decomp = dct_decomp(img)``: the 8 x 8 block DCT, each block in place."""
    # [nRows, nCols] = size(img);  D = dctmtx(8);
    n_rows, n_cols = img.shape
    d = dctmtx(8)
    # doubleImg = double(img);  decomp = zeros(nRows,nCols);
    double_img = img.astype(np.float64)
    decomp = np.zeros((n_rows, n_cols))
    # for blockNumInRow=1:1:(nRows/8), for blockNumInColumn=1:1:(nCols/8)
    for block_num_in_row in range(1, n_rows // 8 + 1):
        for block_num_in_column in range(1, n_cols // 8 + 1):
            rows = slice(8 * (block_num_in_row - 1), 8 + 8 * (block_num_in_row - 1))
            columns = slice(8 * (block_num_in_column - 1), 8 + 8 * (block_num_in_column - 1))
            # curBlock = doubleImg((1:8) + 8*(blockNumInRow-1),(1:8) + 8*(blockNumInColumn-1));
            cur_block = double_img[rows, columns]
            # decomp(...) = D*curBlock*D';
            decomp[rows, columns] = d @ cur_block @ d.T
    return decomp


def subband_similarity(
    img1_subband: Array, img2_subband: Array, m: int, n: int, cs: tuple[float, float]
) -> float:
    """``similarity = subband_similarity(img1Subband, img2Subband, m, n, Cs)``."""
    # if((m == 1) && (n == 1)), C = Cs(1); else C = Cs(2); end
    c = cs[0] if (m == 1 and n == 1) else cs[1]

    # window = fspecial('gaussian', 3, 1.5);
    window = fspecial_gaussian(3, 1.5)
    # mu1 = imfilter(img1Subband, window);  mu2 = imfilter(img2Subband, window);
    mu1 = imfilter(img1_subband, window)
    mu2 = imfilter(img2_subband, window)
    # sigma1_sq = imfilter(img1Subband.*img1Subband, window) - mu1.*mu1;
    sigma1_sq = imfilter(img1_subband * img1_subband, window) - mu1 * mu1
    # sigma2_sq = imfilter(img2Subband.*img2Subband, window) - mu2.*mu2;
    sigma2_sq = imfilter(img2_subband * img2_subband, window) - mu2 * mu2
    # sigma12 = imfilter(img1Subband.*img2Subband, window) - mu1.*mu2;
    sigma12 = imfilter(img1_subband * img2_subband, window) - mu1 * mu2
    # sigma1_sq(sigma1_sq < 0) = 0;  sigma2_sq(sigma2_sq < 0) = 0;
    sigma1_sq[sigma1_sq < 0] = 0
    sigma2_sq[sigma2_sq < 0] = 0

    # varLeftTerm = (2*sqrt(sigma1_sq .* sigma2_sq) + C) ./ (sigma1_sq + sigma2_sq + C);
    var_left_term = (2 * np.sqrt(sigma1_sq * sigma2_sq) + c) / (sigma1_sq + sigma2_sq + c)

    # percentile = 0.05;
    percentile = 0.05
    # percentileIndex = round(percentile * numel(varLeftTerm));
    percentile_index = int(matlab_round(np.array(percentile * var_left_term.size)))
    # sortedVarLeftTerm = sort(varLeftTerm(:));  (MATLAB's (:) is column-major)
    sorted_var_left_term = np.sort(var_left_term.flatten(order="F"))
    # similarity = mean(sortedVarLeftTerm(1:percentileIndex));
    similarity = float(np.mean(sorted_var_left_term[0:percentile_index]))

    # if ((m == 1) && (n == 1))
    if m == 1 and n == 1:
        # varRightTerm = ((sigma12 + C) ./ (sqrt(sigma1_sq .* sigma2_sq) + C));
        var_right_term = (sigma12 + c) / (np.sqrt(sigma1_sq * sigma2_sq) + c)
        # sortedVarRightTerm = sort(varRightTerm(:));
        sorted_var_right_term = np.sort(var_right_term.flatten(order="F"))
        # simRightTerm = mean(sortedVarRightTerm(1:percentileIndex));
        sim_right_term = float(np.mean(sorted_var_right_term[0:percentile_index]))
        # similarity = similarity * simRightTerm;
        similarity = similarity * sim_right_term
    return similarity
