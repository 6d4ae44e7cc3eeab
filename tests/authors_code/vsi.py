"""The authors' ``VSI.m``, transcribed line by line into NumPy: the reference for
``imgsim.metrics.saliency.vsi``.

Source: L. Zhang, Y. Shen, H. Li, "VSI: A Visual Saliency-Induced Index for Perceptual
Image Quality Assessment", IEEE TIP 23(10), 2014; MATLAB code from the authors' page
(https://sse.tongji.edu.cn/linzhang/IQA/VSI/VSI.htm, ``VSI.m``, "Visual Saliency based
Index, Copyright (c) 2013 Lin ZHANG"), with its local functions ``SDSP`` (L. Zhang,
Z. Gu, H. Li, "SDSP: a novel saliency detection method by combining simple priors",
ICIP 2013), ``RGB2Lab`` and ``logGabor``. The text followed is the one redistributed
verbatim in public repositories (e.g. ``VSI.m`` of zhouk369/Watermarking and of
AkashBalaji9/PCA-Based-Low-Light-Image-Enhancement, identical). Every line is
transcribed below, in order, under the MATLAB line it stands for; nothing is missing.
Note that VSI.m's SDSP has its own constants (sigmaF = 1.34, omega0 = 0.021,
sigmaD = 145, sigmaC = 0.001, passed in) and returns ``mat2gray(VSMap)`` in [0, 1],
unlike the stand-alone ``SDSP.m`` (6.2, 0.002, 114, 0.25; ``uint8`` 0..255).
"""

# ruff: noqa: N802, N803, N806 -- the MATLAB code's own names, kept as they are
# ruff: noqa: E501 -- each MATLAB line is quoted whole above its transcription

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from .imresize import imresize
from .matlab import conv2_same, fspecial_average
from .sr_sim import mat2gray

Array = NDArray[np.float64]


def VSI(image1: NDArray[np.uint8], image2: NDArray[np.uint8]) -> float:
    """``sim = VSI(image1, image2)``: two RGB images."""
    # constForVS = 1.27;%fixed
    constForVS = 1.27
    # constForGM = 386;%fixed
    constForGM = 386
    # constForChrom = 130;%fixed
    constForChrom = 130
    # alpha = 0.40;%fixed
    alpha = 0.40
    # lambda = 0.020;%fixed
    lambda_ = 0.020
    # sigmaF = 1.34;%fixed donot change
    sigmaF = 1.34
    # omega0 = 0.0210;%fixed
    omega0 = 0.0210
    # sigmaD = 145;%fixed
    sigmaD = 145
    # sigmaC = 0.001;%fixed
    sigmaC = 0.001

    # saliencyMap1 = SDSP(image1,sigmaF,omega0,sigmaD,sigmaC);
    saliencyMap1 = SDSP(image1, sigmaF, omega0, sigmaD, sigmaC)
    # saliencyMap2 = SDSP(image2,sigmaF,omega0,sigmaD,sigmaC);
    saliencyMap2 = SDSP(image2, sigmaF, omega0, sigmaD, sigmaC)

    # [rows, cols, junk] = size(image1);
    rows, cols = image1.shape[:2]
    R1, G1, B1 = (image1[:, :, k].astype(np.float64) for k in range(3))
    R2, G2, B2 = (image2[:, :, k].astype(np.float64) for k in range(3))
    # L1 = 0.06 * double(image1(:,:,1)) + 0.63 * double(image1(:,:,2)) + 0.27 * double(image1(:,:,3));
    L1 = 0.06 * R1 + 0.63 * G1 + 0.27 * B1
    # L2 = 0.06 * double(image2(:,:,1)) + 0.63 * double(image2(:,:,2)) + 0.27 * double(image2(:,:,3));
    L2 = 0.06 * R2 + 0.63 * G2 + 0.27 * B2
    # M1 = 0.30 * double(image1(:,:,1)) + 0.04 * double(image1(:,:,2)) - 0.35 * double(image1(:,:,3));
    M1 = 0.30 * R1 + 0.04 * G1 - 0.35 * B1
    # M2 = 0.30 * double(image2(:,:,1)) + 0.04 * double(image2(:,:,2)) - 0.35 * double(image2(:,:,3));
    M2 = 0.30 * R2 + 0.04 * G2 - 0.35 * B2
    # N1 = 0.34 * double(image1(:,:,1)) - 0.60 * double(image1(:,:,2)) + 0.17 * double(image1(:,:,3));
    N1 = 0.34 * R1 - 0.60 * G1 + 0.17 * B1
    # N2 = 0.34 * double(image2(:,:,1)) - 0.60 * double(image2(:,:,2)) + 0.17 * double(image2(:,:,3));
    N2 = 0.34 * R2 - 0.60 * G2 + 0.17 * B2

    # minDimension = min(rows,cols);
    minDimension = min(rows, cols)
    # F = max(1,round(minDimension / 256));
    F = max(1, int(np.floor(minDimension / 256 + 0.5)))
    # aveKernel = fspecial('average',F);
    aveKernel = fspecial_average(F)

    # aveM1 = conv2(M1, aveKernel,'same'); aveM2 = conv2(M2, aveKernel,'same');
    aveM1 = conv2_same(M1, aveKernel)
    aveM2 = conv2_same(M2, aveKernel)
    # M1 = aveM1(1:F:rows,1:F:cols); M2 = aveM2(1:F:rows,1:F:cols);
    M1 = aveM1[0:rows:F, 0:cols:F]
    M2 = aveM2[0:rows:F, 0:cols:F]

    # aveN1 = conv2(N1, aveKernel,'same'); aveN2 = conv2(N2, aveKernel,'same');
    aveN1 = conv2_same(N1, aveKernel)
    aveN2 = conv2_same(N2, aveKernel)
    # N1 = aveN1(1:F:rows,1:F:cols); N2 = aveN2(1:F:rows,1:F:cols);
    N1 = aveN1[0:rows:F, 0:cols:F]
    N2 = aveN2[0:rows:F, 0:cols:F]

    # aveL1 = conv2(L1, aveKernel,'same'); aveL2 = conv2(L2, aveKernel,'same');
    aveL1 = conv2_same(L1, aveKernel)
    aveL2 = conv2_same(L2, aveKernel)
    # L1 = aveL1(1:F:rows,1:F:cols); L2 = aveL2(1:F:rows,1:F:cols);
    L1 = aveL1[0:rows:F, 0:cols:F]
    L2 = aveL2[0:rows:F, 0:cols:F]

    # aveSM1 = conv2(saliencyMap1, aveKernel,'same'); aveSM2 = conv2(saliencyMap2, aveKernel,'same');
    aveSM1 = conv2_same(saliencyMap1, aveKernel)
    aveSM2 = conv2_same(saliencyMap2, aveKernel)
    # saliencyMap1 = aveSM1(1:F:rows,1:F:cols); saliencyMap2 = aveSM2(1:F:rows,1:F:cols);
    saliencyMap1 = aveSM1[0:rows:F, 0:cols:F]
    saliencyMap2 = aveSM2[0:rows:F, 0:cols:F]

    # dx = [3 0 -3; 10 0 -10;  3  0 -3]/16;
    dx = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64) / 16
    # dy = [3 10 3; 0  0   0; -3 -10 -3]/16;
    dy = np.array([[3, 10, 3], [0, 0, 0], [-3, -10, -3]], dtype=np.float64) / 16

    # IxL1 = conv2(L1, dx, 'same'); IyL1 = conv2(L1, dy, 'same');
    IxL1 = conv2_same(L1, dx)
    IyL1 = conv2_same(L1, dy)
    # gradientMap1 = sqrt(IxL1.^2 + IyL1.^2);
    gradientMap1 = np.sqrt(IxL1**2 + IyL1**2)

    # IxL2 = conv2(L2, dx, 'same'); IyL2 = conv2(L2, dy, 'same');
    IxL2 = conv2_same(L2, dx)
    IyL2 = conv2_same(L2, dy)
    # gradientMap2 = sqrt(IxL2.^2 + IyL2.^2);
    gradientMap2 = np.sqrt(IxL2**2 + IyL2**2)

    # VSSimMatrix = (2 * saliencyMap1 .* saliencyMap2 + constForVS) ./ (saliencyMap1.^2 + saliencyMap2.^2 + constForVS);
    VSSimMatrix = (2 * saliencyMap1 * saliencyMap2 + constForVS) / (
        saliencyMap1**2 + saliencyMap2**2 + constForVS
    )
    # gradientSimMatrix = (2*gradientMap1.*gradientMap2 + constForGM) ./(gradientMap1.^2 + gradientMap2.^2 + constForGM);
    gradientSimMatrix = (2 * gradientMap1 * gradientMap2 + constForGM) / (
        gradientMap1**2 + gradientMap2**2 + constForGM
    )

    # weight = max(saliencyMap1, saliencyMap2);
    weight = np.maximum(saliencyMap1, saliencyMap2)

    # ISimMatrix = (2 * M1 .* M2 + constForChrom) ./ (M1.^2 + M2.^2 + constForChrom);
    ISimMatrix = (2 * M1 * M2 + constForChrom) / (M1**2 + M2**2 + constForChrom)
    # QSimMatrix = (2 * N1 .* N2 + constForChrom) ./ (N1.^2 + N2.^2 + constForChrom);
    QSimMatrix = (2 * N1 * N2 + constForChrom) / (N1**2 + N2**2 + constForChrom)

    # SimMatrixC = (gradientSimMatrix .^ alpha) .* VSSimMatrix .* real((ISimMatrix .* QSimMatrix) .^ lambda) .* weight;
    # (MATLAB raises a negative base to a fractional power on the principal complex branch)
    SimMatrixC = (
        (gradientSimMatrix**alpha)
        * VSSimMatrix
        * np.real((ISimMatrix * QSimMatrix).astype(np.complex128) ** lambda_)
        * weight
    )
    # sim = sum(sum(SimMatrixC)) / sum(weight(:));
    return float(np.sum(SimMatrixC) / np.sum(weight))


def SDSP(
    image: NDArray[np.uint8], sigmaF: float, omega0: float, sigmaD: float, sigmaC: float
) -> Array:
    """``VSMap = SDSP(image,sigmaF,omega0,sigmaD,sigmaC)`` (VSI.m's local function)."""
    # [oriRows, oriCols, junk] = size(image);
    oriRows, oriCols = image.shape[:2]
    # image = double(image);
    image_d = image.astype(np.float64)
    # dsImage(:,:,k) = imresize(image(:,:,k), [256, 256],'bilinear'); for k = 1, 2, 3
    dsImage = np.stack(
        [np.asarray(imresize(image_d[:, :, k], (256, 256), "bilinear")) for k in range(3)],
        axis=2,
    )
    # lab = RGB2Lab(dsImage);
    lab = RGB2Lab(dsImage)

    # LChannel = lab(:,:,1); AChannel = lab(:,:,2); BChannel = lab(:,:,3);
    LChannel = lab[:, :, 0]
    AChannel = lab[:, :, 1]
    BChannel = lab[:, :, 2]

    # LFFT = fft2(double(LChannel)); AFFT = fft2(double(AChannel)); BFFT = fft2(double(BChannel));
    LFFT = np.fft.fft2(LChannel)
    AFFT = np.fft.fft2(AChannel)
    BFFT = np.fft.fft2(BChannel)

    # [rows, cols, junk] = size(dsImage);
    rows, cols = dsImage.shape[:2]
    # LG = logGabor(rows,cols,omega0,sigmaF);
    LG = logGabor(rows, cols, omega0, sigmaF)
    # FinalLResult = real(ifft2(LFFT.*LG)); (and A, B)
    FinalLResult = np.real(np.fft.ifft2(LFFT * LG))
    FinalAResult = np.real(np.fft.ifft2(AFFT * LG))
    FinalBResult = np.real(np.fft.ifft2(BFFT * LG))

    # SFMap = sqrt(FinalLResult.^2 + FinalAResult.^2 + FinalBResult.^2);
    SFMap = np.sqrt(FinalLResult**2 + FinalAResult**2 + FinalBResult**2)

    # coordinateMtx = zeros(rows, cols, 2);
    coordinateMtx = np.zeros((rows, cols, 2))
    # coordinateMtx(:,:,1) = repmat((1:1:rows)', 1, cols);
    coordinateMtx[:, :, 0] = np.tile(np.arange(1, rows + 1)[:, None], (1, cols))
    # coordinateMtx(:,:,2) = repmat(1:1:cols, rows, 1);
    coordinateMtx[:, :, 1] = np.tile(np.arange(1, cols + 1)[None, :], (rows, 1))

    # centerY = rows / 2; centerX = cols / 2;
    centerY = rows / 2
    centerX = cols / 2
    # centerMtx(:,:,1) = ones(rows, cols) * centerY; centerMtx(:,:,2) = ones(rows, cols) * centerX;
    centerMtx = np.zeros((rows, cols, 2))
    centerMtx[:, :, 0] = np.ones((rows, cols)) * centerY
    centerMtx[:, :, 1] = np.ones((rows, cols)) * centerX
    # SDMap = exp(-sum((coordinateMtx - centerMtx).^2,3) / sigmaD^2);
    SDMap = np.exp(-np.sum((coordinateMtx - centerMtx) ** 2, axis=2) / sigmaD**2)

    # maxA = max(AChannel(:)); minA = min(AChannel(:));
    maxA = AChannel.max()
    minA = AChannel.min()
    # normalizedA = (AChannel - minA) / (maxA - minA);
    normalizedA = (AChannel - minA) / (maxA - minA)

    # maxB = max(BChannel(:)); minB = min(BChannel(:));
    maxB = BChannel.max()
    minB = BChannel.min()
    # normalizedB = (BChannel - minB) / (maxB - minB);
    normalizedB = (BChannel - minB) / (maxB - minB)

    # labDistSquare = normalizedA.^2 + normalizedB.^2;
    labDistSquare = normalizedA**2 + normalizedB**2
    # SCMap = 1 - exp(-labDistSquare / (sigmaC^2));
    SCMap = 1 - np.exp(-labDistSquare / (sigmaC**2))
    # VSMap = SFMap .* SDMap .* SCMap;
    VSMap = SFMap * SDMap * SCMap

    # VSMap =  imresize(VSMap, [oriRows, oriCols],'bilinear');
    VSMap = np.asarray(imresize(VSMap, (oriRows, oriCols), "bilinear"))
    # VSMap = mat2gray(VSMap);
    return mat2gray(VSMap)


def RGB2Lab(image: Array) -> Array:
    """``labImage = RGB2Lab(image)`` (VSI.m's local function: sRGB, D50 white)."""
    # normalizedR = image(:,:,1) / 255; (and G, B)
    normalizedR = image[:, :, 0] / 255
    normalizedG = image[:, :, 1] / 255
    normalizedB = image[:, :, 2] / 255

    def linearise(normalized: Array) -> Array:
        # SmallerOrEqualto4045 = normalized <= 0.04045; GreaterThan4045 = 1 - SmallerOrEqualto4045;
        SmallerOrEqualto4045 = normalized <= 0.04045
        GreaterThan4045 = 1 - SmallerOrEqualto4045
        # tmp = (normalized / 12.92) .* SmallerOrEqualto4045;
        tmp = (normalized / 12.92) * SmallerOrEqualto4045
        # tmp = tmp + power((normalized + 0.055)/1.055,2.4) .* GreaterThan4045;
        return np.asarray(tmp + np.power((normalized + 0.055) / 1.055, 2.4) * GreaterThan4045)

    tmpR = linearise(normalizedR)
    tmpG = linearise(normalizedG)
    tmpB = linearise(normalizedB)

    # X = tmpR*0.4124564 + tmpG*0.3575761 + tmpB*0.1804375;
    X = tmpR * 0.4124564 + tmpG * 0.3575761 + tmpB * 0.1804375
    # Y = tmpR*0.2126729 + tmpG*0.7151522 + tmpB*0.0721750;
    Y = tmpR * 0.2126729 + tmpG * 0.7151522 + tmpB * 0.0721750
    # Z = tmpR*0.0193339 + tmpG*0.1191920 + tmpB*0.9503041;
    Z = tmpR * 0.0193339 + tmpG * 0.1191920 + tmpB * 0.9503041

    # epsilon = 0.008856; kappa = 903.3;
    epsilon = 0.008856
    kappa = 903.3
    # Xr = 0.9642; Yr = 1.0; Zr = 0.8251;
    Xr = 0.9642
    Yr = 1.0
    Zr = 0.8251

    # xr = X/Xr; yr = Y/Yr; zr = Z/Zr;
    xr = X / Xr
    yr = Y / Yr
    zr = Z / Zr

    def f(r: Array) -> Array:
        # GreaterThanEpsilon = r > epsilon; SmallerOrEqualtoEpsilon = 1 - GreaterThanEpsilon;
        GreaterThanEpsilon = r > epsilon
        SmallerOrEqualtoEpsilon = 1 - GreaterThanEpsilon
        # fr = power(r, 1.0/3.0) .* GreaterThanEpsilon;
        fr = np.power(r, 1.0 / 3.0) * GreaterThanEpsilon
        # fr = fr + (kappa*r + 16.0)/116.0 .* SmallerOrEqualtoEpsilon;
        return np.asarray(fr + (kappa * r + 16.0) / 116.0 * SmallerOrEqualtoEpsilon)

    fx = f(xr)
    fy = f(yr)
    fz = f(zr)

    # labImage = zeros(rows,cols,3);
    labImage = np.zeros((*image.shape[:2], 3))
    # labImage(:,:,1) = 116.0 * fy - 16.0;
    labImage[:, :, 0] = 116.0 * fy - 16.0
    # labImage(:,:,2) = 500.0 * (fx - fy);
    labImage[:, :, 1] = 500.0 * (fx - fy)
    # labImage(:,:,3) = 200.0 * (fy - fz);
    labImage[:, :, 2] = 200.0 * (fy - fz)
    return labImage


def logGabor(rows: int, cols: int, omega0: float, sigmaF: float) -> Array:
    """``LG = logGabor(rows,cols,omega0,sigmaF)`` (VSI.m's local function)."""
    return _logGabor(rows, cols, omega0, sigmaF).copy()


@lru_cache(maxsize=4)
def _logGabor(rows: int, cols: int, omega0: float, sigmaF: float) -> Array:
    """The body of ``logGabor``, computed once per size (its loop is slow in Python)."""
    # [u1, u2] = meshgrid(([1:cols]-(fix(cols/2)+1))/(cols-mod(cols,2)), ...
    #                     ([1:rows]-(fix(rows/2)+1))/(rows-mod(rows,2)));
    u1, u2 = np.meshgrid(
        (np.arange(1, cols + 1) - (cols // 2 + 1)) / (cols - cols % 2),
        (np.arange(1, rows + 1) - (rows // 2 + 1)) / (rows - rows % 2),
    )
    # mask = ones(rows, cols);
    mask = np.ones((rows, cols))
    # for rowIndex = 1:rows, for colIndex = 1:cols
    for rowIndex in range(rows):
        for colIndex in range(cols):
            # if u1(rowIndex, colIndex)^2 + u2(rowIndex, colIndex)^2 > 0.25, mask(...) = 0;
            if u1[rowIndex, colIndex] ** 2 + u2[rowIndex, colIndex] ** 2 > 0.25:
                mask[rowIndex, colIndex] = 0
    # u1 = u1 .* mask; u2 = u2 .* mask;
    u1 = u1 * mask
    u2 = u2 * mask

    # u1 = ifftshift(u1); u2 = ifftshift(u2);
    u1 = np.fft.ifftshift(u1)
    u2 = np.fft.ifftshift(u2)

    # radius = sqrt(u1.^2 + u2.^2);
    radius = np.sqrt(u1**2 + u2**2)
    # radius(1,1) = 1;
    radius[0, 0] = 1

    # LG = exp((-(log(radius/omega0)).^2) / (2 * (sigmaF^2)));
    # (masked frequencies have radius 0: log(0) = -Inf, so LG = exp(-Inf) = 0 there)
    with np.errstate(divide="ignore"):
        LG = np.exp((-((np.log(radius / omega0)) ** 2)) / (2 * (sigmaF**2)))
    # LG(1,1) = 0;
    LG[0, 0] = 0
    return np.asarray(LG)
