"""MDSI, transcribed line by line from the authors' ``MDSI.m``.

Source: H. Z. Nafchi, A. Shahkolaei, R. Hedjam, M. Cheriet, "Mean Deviation Similarity
Index: Efficient and Reliable Full-Reference Image Quality Evaluator", IEEE Access 4,
pp. 5579-5590, 2016; the authors' MATLAB code ``MDSI.m`` (``function Q = MDSI(Ref, Dist,
combMethod)``, MATLAB File Exchange 59809, "By: Hossein Ziaei Nafchi et. al., Synchromedia
Lab, ETS, Canada"). Every line below was found verbatim in that file; the MATLAB line is
quoted in the comment above its NumPy form. Variable names are the MATLAB ones. Only the
default combination, ``'sum'``, is transcribed (imgsim scores with it).

MATLAB built-ins used here beyond :mod:`authors_code.matlab`: ``x .^ 0.5`` of a negative
real is the principal complex root (MATLAB turns the array complex), and ``mad(X)`` is
``mean(abs(X - mean(X)))`` (its default flag 0, the mean absolute deviation), which for a
complex X takes the complex mean and the modulus.

The transcription is plain on purpose (no speed tricks): it is the reference that
imgsim's :func:`imgsim.metrics.mdsi.mdsi` is held to.
"""

# ruff: noqa: N802, N803, N806

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from authors_code.matlab import conv2_same, fspecial_average, matlab_round

Array = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]


def power_half(x: Array | ComplexArray) -> ComplexArray:
    """MATLAB ``x .^ 0.5`` on an array that may hold negative values: the principal
    complex square root."""
    return np.asarray(np.sqrt(np.asarray(x, dtype=np.complex128)))


def mad(X: ComplexArray) -> float:
    """MATLAB ``mad(X)`` (flag 0) of a vector: ``mean(abs(X - mean(X)))``."""
    return float(np.mean(np.abs(X - np.mean(X))))


def MDSI(Ref: NDArray[np.uint8], Dist: NDArray[np.uint8]) -> float:
    """``Q = MDSI(Ref, Dist)`` (``combMethod = 'sum'``) on two H x W x 3 images."""
    # combMethod = 'sum';   (~exist('combMethod', 'var'))
    combMethod = "sum"

    # C1 = 140; C2 = 55; C3 = 550;
    C1 = 140.0
    C2 = 55.0
    C3 = 550.0
    # dx = [1 0 -1; 1 0 -1; 1 0 -1] / 3;
    dx = np.array([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]]) / 3
    # dy = dx';
    dy = dx.T

    # [rows, cols, ~] = size(Ref);
    rows, cols = Ref.shape[0], Ref.shape[1]
    # minDimension = min(rows, cols);
    minDimension = min(rows, cols)
    # f = max(1, round(minDimension / 256));
    f = max(1, int(matlab_round(np.array(minDimension / 256))))
    # aveKernel = fspecial('average', f);
    aveKernel = fspecial_average(f)

    # aveR1 = conv2(double(Ref(:, :, 1)), aveKernel, 'same');
    aveR1 = conv2_same(Ref[:, :, 0].astype(np.float64), aveKernel)
    # aveR2 = conv2(double(Dist(:, :, 1)), aveKernel, 'same');
    aveR2 = conv2_same(Dist[:, :, 0].astype(np.float64), aveKernel)
    # R1 = aveR1(1 : f : rows, 1 : f : cols); R2 = aveR2(1 : f : rows, 1 : f : cols);
    R1 = aveR1[0:rows:f, 0:cols:f]
    R2 = aveR2[0:rows:f, 0:cols:f]

    # aveG1 = conv2(double(Ref(:, :, 2)), aveKernel, 'same');
    aveG1 = conv2_same(Ref[:, :, 1].astype(np.float64), aveKernel)
    # aveG2 = conv2(double(Dist(:, :, 2)), aveKernel, 'same');
    aveG2 = conv2_same(Dist[:, :, 1].astype(np.float64), aveKernel)
    # G1 = aveG1(1 : f : rows, 1 : f : cols); G2 = aveG2(1 : f : rows, 1 : f : cols);
    G1 = aveG1[0:rows:f, 0:cols:f]
    G2 = aveG2[0:rows:f, 0:cols:f]

    # aveB1 = conv2(double(Ref(:, :, 3)), aveKernel, 'same');
    aveB1 = conv2_same(Ref[:, :, 2].astype(np.float64), aveKernel)
    # aveB2 = conv2(double(Dist(:, :, 3)), aveKernel, 'same');
    aveB2 = conv2_same(Dist[:, :, 2].astype(np.float64), aveKernel)
    # B1 = aveB1(1 : f : rows, 1 : f : cols); B2 = aveB2(1 : f : rows, 1 : f : cols);
    B1 = aveB1[0:rows:f, 0:cols:f]
    B2 = aveB2[0:rows:f, 0:cols:f]

    # Luminance
    # L1 = 0.2989 * R1 + 0.5870 * G1 + 0.1140 * B1;
    L1 = 0.2989 * R1 + 0.5870 * G1 + 0.1140 * B1
    # L2 = 0.2989 * R2 + 0.5870 * G2 + 0.1140 * B2;
    L2 = 0.2989 * R2 + 0.5870 * G2 + 0.1140 * B2
    # F = 0.5 * (L1 + L2); % Fusion
    F = 0.5 * (L1 + L2)

    # Opponent color space
    # H1 = 0.30 * R1 + 0.04 * G1 - 0.35 * B1;
    H1 = 0.30 * R1 + 0.04 * G1 - 0.35 * B1
    # H2 = 0.30 * R2 + 0.04 * G2 - 0.35 * B2;
    H2 = 0.30 * R2 + 0.04 * G2 - 0.35 * B2
    # M1 = 0.34 * R1 - 0.60 * G1 + 0.17 * B1;
    M1 = 0.34 * R1 - 0.60 * G1 + 0.17 * B1
    # M2 = 0.34 * R2 - 0.60 * G2 + 0.17 * B2;
    M2 = 0.34 * R2 - 0.60 * G2 + 0.17 * B2

    # Gradient magnitudes
    # IxL1 = conv2(L1, dx, 'same'); IyL1 = conv2(L1, dy, 'same');
    IxL1 = conv2_same(L1, dx)
    IyL1 = conv2_same(L1, dy)
    # gR = sqrt(IxL1 .^ 2 + IyL1 .^ 2);
    gR = np.sqrt(IxL1**2 + IyL1**2)

    # IxL2 = conv2(L2, dx, 'same'); IyL2 = conv2(L2, dy, 'same');
    IxL2 = conv2_same(L2, dx)
    IyL2 = conv2_same(L2, dy)
    # gD = sqrt(IxL2 .^ 2 + IyL2 .^ 2);
    gD = np.sqrt(IxL2**2 + IyL2**2)

    # IxF = conv2(F, dx, 'same'); IyF = conv2(F, dy, 'same');
    IxF = conv2_same(F, dx)
    IyF = conv2_same(F, dy)
    # gF = sqrt(IxF .^ 2 + IyF .^ 2);
    gF = np.sqrt(IxF**2 + IyF**2)

    # Gradient Similarity (GS)
    # GS12 = (2 * gR .* gD + C1) ./ (gR .^ 2 + gD .^ 2 + C1); % GS of R and D
    GS12 = (2 * gR * gD + C1) / (gR**2 + gD**2 + C1)
    # GS13 = (2 * gR .* gF + C2) ./ (gR .^ 2 + gF .^ 2 + C2); % GS of R and F
    GS13 = (2 * gR * gF + C2) / (gR**2 + gF**2 + C2)
    # GS23 = (2 * gD .* gF + C2) ./ (gD .^ 2 + gF .^ 2 + C2); % GS of D and F
    GS23 = (2 * gD * gF + C2) / (gD**2 + gF**2 + C2)
    # GS_HVS = GS12 + GS23 - GS13; % HVS-based GS
    GS_HVS = GS12 + GS23 - GS13

    # Chromaticity Simialrity
    # CS = (2 * (H1 .* H2 + M1 .* M2) + C3) ./ (H1 .^ 2 + H2 .^ 2 + M1 .^ 2 + M2 .^ 2 + C3);
    CS = (2 * (H1 * H2 + M1 * M2) + C3) / (H1**2 + H2**2 + M1**2 + M2**2 + C3)

    # Gradient-Chromaticity Similarity
    # if strcmp(combMethod, 'sum')
    if combMethod != "sum":
        raise NotImplementedError(combMethod)
    # alpha = 0.6;
    alpha = 0.6
    # GCS = alpha * GS_HVS + (1 - alpha) * CS;
    GCS = alpha * GS_HVS + (1 - alpha) * CS

    # Deviation pooling
    # Q = mad( (GCS(:) .^ 0.5) .^ 0.5 ) ^ 0.25;
    Q = mad(power_half(power_half(GCS.ravel(order="F")))) ** 0.25
    return float(Q)
