"""The authors' ``SR_SIM.m``, transcribed line by line into NumPy: the reference for
``imgsim.metrics.saliency.sr_sim``.

Source: L. Zhang, H. Li, "SR-SIM: A fast and high performance IQA index based on
spectral residual", ICIP 2012; MATLAB code from the authors' page
(https://sse.tongji.edu.cn/linzhang/IQA/SR-SIM/Files/SR_SIM.m, "SR_SIM Index with
automatic downsampling, Version 1.0", Copyright (c) 2011 Lin ZHANG), as mirrored
verbatim in Netflix/vmaf ``matlab/strred/SR_SIM.m``. Every line of ``SR_SIM`` and of
its local function ``spectralResidueSaliency`` is transcribed below, in order, under
the MATLAB line it stands for; nothing is missing.
"""

# ruff: noqa: N802, N803, N806 -- the MATLAB code's own names, kept as they are
# ruff: noqa: E501 -- each MATLAB line is quoted whole above its transcription

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .imresize import imresize
from .matlab import conv2_same, fspecial_average, fspecial_gaussian, imfilter

Array = NDArray[np.float64]


def mat2gray(A: Array) -> Array:
    """MATLAB ``mat2gray(A)``: ``(A - min) / (max - min)`` clipped to [0, 1]; a constant
    ``A`` clipped to [0, 1] as it is."""
    limits = (A.min(), A.max())
    if limits[1] == limits[0]:
        return np.asarray(np.clip(A, 0, 1))
    return np.asarray(np.clip((A - limits[0]) / (limits[1] - limits[0]), 0, 1))


def fspecial_gaussian_rect(rows: int, cols: int, sigma: float) -> Array:
    """MATLAB ``fspecial('gaussian', [rows, cols], sigma)`` (square here)."""
    assert rows == cols
    return fspecial_gaussian(rows, sigma)


def spectralResidueSaliency(image: Array) -> Array:
    """``saliencyMap = spectralResidueSaliency(image)`` (Hou and Zhang, CVPR 2007)."""
    # scale = 0.25; %fixed
    scale = 0.25
    # aveKernelSize = 3; %fixed
    aveKernelSize = 3
    # gauSigma = 3.8; %fixed
    gauSigma = 3.8
    # gauSize = 10; %fixed
    gauSize = 10

    # inImg = imresize(image, scale);
    inImg = imresize(image, scale)

    # myFFT = fft2(inImg);
    myFFT = np.fft.fft2(inImg)
    # myLogAmplitude = log(abs(myFFT));
    myLogAmplitude = np.log(np.abs(myFFT))
    # myPhase = angle(myFFT);
    myPhase = np.angle(myFFT)

    # mySpectralResidual = myLogAmplitude - imfilter(myLogAmplitude, fspecial('average', aveKernelSize), 'replicate');
    mySpectralResidual = myLogAmplitude - imfilter(
        myLogAmplitude, fspecial_average(aveKernelSize), "replicate"
    )
    # saliencyMap = abs(ifft2(exp(mySpectralResidual + 1i*myPhase))).^2;
    saliencyMap = np.abs(np.fft.ifft2(np.exp(mySpectralResidual + 1j * myPhase))) ** 2

    # saliencyMap = mat2gray(imfilter(saliencyMap, fspecial('gaussian', [gauSize, gauSize], gauSigma)));
    saliencyMap = mat2gray(
        imfilter(saliencyMap, fspecial_gaussian_rect(gauSize, gauSize, gauSigma))
    )
    # saliencyMap = imresize(saliencyMap,[size(image,1) size(image,2)]);
    return np.asarray(imresize(saliencyMap, (image.shape[0], image.shape[1])))


def SR_SIM(image1: NDArray[np.uint8], image2: NDArray[np.uint8]) -> float:
    """``sim = SR_SIM(image1, image2)``."""
    # [rows, cols, junk] = size(image1);
    rows, cols = image1.shape[:2]
    junk = image1.shape[2] if image1.ndim == 3 else 1
    # if junk == 3
    if junk == 3:
        # Y1 = 0.299 * double(image1(:,:,1)) + 0.587 * double(image1(:,:,2)) + 0.114 * double(image1(:,:,3));
        Y1 = (
            0.299 * image1[:, :, 0].astype(np.float64)
            + 0.587 * image1[:, :, 1].astype(np.float64)
            + 0.114 * image1[:, :, 2].astype(np.float64)
        )
        # Y2 = 0.299 * double(image2(:,:,1)) + 0.587 * double(image2(:,:,2)) + 0.114 * double(image2(:,:,3));
        Y2 = (
            0.299 * image2[:, :, 0].astype(np.float64)
            + 0.587 * image2[:, :, 1].astype(np.float64)
            + 0.114 * image2[:, :, 2].astype(np.float64)
        )
    # else
    else:
        # Y1 = double(image1);
        Y1 = image1.astype(np.float64)
        # Y2 = double(image2);
        Y2 = image2.astype(np.float64)
    # end

    # minDimension = min(rows,cols);
    minDimension = min(rows, cols)
    # F = max(1,round(minDimension / 256));
    F = max(1, int(np.floor(minDimension / 256 + 0.5)))
    # aveKernel = fspecial('average',F);
    aveKernel = fspecial_average(F)

    # aveY1 = conv2(Y1, aveKernel,'same');
    aveY1 = conv2_same(Y1, aveKernel)
    # aveY2 = conv2(Y2, aveKernel,'same');
    aveY2 = conv2_same(Y2, aveKernel)
    # Y1 = aveY1(1:F:rows,1:F:cols);
    Y1 = aveY1[0:rows:F, 0:cols:F]
    # Y2 = aveY2(1:F:rows,1:F:cols);
    Y2 = aveY2[0:rows:F, 0:cols:F]

    # saliencyMap1 = spectralResidueSaliency(Y1);
    saliencyMap1 = spectralResidueSaliency(Y1)
    # saliencyMap2 = spectralResidueSaliency(Y2);
    saliencyMap2 = spectralResidueSaliency(Y2)

    # dx = [3 0 -3; 10 0 -10;  3  0 -3]/16;
    dx = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64) / 16
    # dy = [3 10 3; 0  0   0; -3 -10 -3]/16;
    dy = np.array([[3, 10, 3], [0, 0, 0], [-3, -10, -3]], dtype=np.float64) / 16
    # IxY1 = conv2(Y1, dx, 'same');
    IxY1 = conv2_same(Y1, dx)
    # IyY1 = conv2(Y1, dy, 'same');
    IyY1 = conv2_same(Y1, dy)
    # gradientMap1 = sqrt(IxY1.^2 + IyY1.^2);
    gradientMap1 = np.sqrt(IxY1**2 + IyY1**2)

    # IxY2 = conv2(Y2, dx, 'same');
    IxY2 = conv2_same(Y2, dx)
    # IyY2 = conv2(Y2, dy, 'same');
    IyY2 = conv2_same(Y2, dy)
    # gradientMap2 = sqrt(IxY2.^2 + IyY2.^2);
    gradientMap2 = np.sqrt(IxY2**2 + IyY2**2)

    # C1 = 0.40; %fixed
    C1 = 0.40
    # C2 = 225;
    C2 = 225
    # alpha = 0.50;%fixed
    alpha = 0.50

    # GBVSSimMatrix = (2 * saliencyMap1 .* saliencyMap2 + C1) ./ (saliencyMap1.^2 + saliencyMap2.^2 + C1);
    GBVSSimMatrix = (2 * saliencyMap1 * saliencyMap2 + C1) / (
        saliencyMap1**2 + saliencyMap2**2 + C1
    )
    # gradientSimMatrix = (2*gradientMap1.*gradientMap2 + C2) ./(gradientMap1.^2 + gradientMap2.^2 + C2);
    gradientSimMatrix = (2 * gradientMap1 * gradientMap2 + C2) / (
        gradientMap1**2 + gradientMap2**2 + C2
    )

    # weight = max(saliencyMap1, saliencyMap2);
    weight = np.maximum(saliencyMap1, saliencyMap2)
    # SimMatrix = GBVSSimMatrix .* (gradientSimMatrix .^ alpha) .* weight;
    SimMatrix = GBVSSimMatrix * (gradientSimMatrix**alpha) * weight
    # sim = sum(sum(SimMatrix)) / sum(weight(:));
    sim = np.sum(SimMatrix) / np.sum(weight)
    return float(sim)
