"""MATLAB's ``piqe.m`` (Image Processing Toolbox, R2018b; "Copyright 2018 The MathWorks,
Inc."), transcribed line by line into NumPy: the reference for ``imgsim.metrics.piqe``.

Source: ``function [Score, ActivityMask, NoticeableArtifactsMask, NoiseMask] = piqe(I)``
and its local functions ``noiseCriterion``, ``centerSurDev``, ``noticeDistCriterion`` and
``segmentEdge``, which implement N. Venkatanath et al., "Blind image quality evaluation
using perception based features", NCC 2015. Each statement of the computation has its
line here, in MATLAB's order and with MATLAB's names, its loops kept as loops and its
1-based indices written out 0-based. MathWorks' code is not open source, so it is not
quoted: the statements are written anew in NumPy. Left out: ``validateInputImage`` (callers pass
uint8 arrays) and the three masks, which do not enter the score. The MATLAB built-ins
are the documented ones: ``padarray(..., 'replicate', 'post')``, ``rgb2gray`` (rounded
BT.601; tests/authors_code/matlab.py), ``imgaussfilt(I, 7/6, 'FilterSize', 7, 'Padding',
'replicate')`` (a 7 x 7 Gaussian sampled and normalised to sum 1, replicated borders:
here ``scipy.ndimage.correlate``, a different code path from imgsim's OpenCV filter),
``var`` and ``std`` unbiased (n - 1).
"""

# ruff: noqa: N802, N803, N806, E741 -- the MATLAB code's own names, kept as they are

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from .matlab import rgb2gray

Array = NDArray[np.float64]


def imgaussfilt_replicate(image: Array, sigma: float, size: int) -> Array:
    """MATLAB ``imgaussfilt(image, sigma, 'FilterSize', size, 'Padding', 'replicate')``."""
    radius = (size - 1) / 2.0
    x = np.arange(-radius, radius + 1)
    taps = np.exp(-(x**2) / (2.0 * sigma**2))
    taps = taps / taps.sum()
    kernel = np.outer(taps, taps)
    return np.asarray(ndimage.correlate(image, kernel, mode="nearest"))


def piqe(I: NDArray[np.uint8]) -> float:
    """``Score = piqe(I)`` for a uint8 gray or RGB image."""
    ipImage = I
    blockSize = 16
    activityThreshold = 0.1
    blockImpairedThreshold = 0.1
    windowSize = 6
    nSegments = blockSize - windowSize + 1
    distBlockScores = 0.0
    NHSA = 0

    rows, columns = ipImage.shape[0], ipImage.shape[1]
    rowsPad = rows % blockSize
    columnsPad = columns % blockSize
    if rowsPad > 0 or columnsPad > 0:
        if rowsPad > 0:
            rowsPad = blockSize - rowsPad
        if columnsPad > 0:
            columnsPad = blockSize - columnsPad
        padSize = [(0, rowsPad), (0, columnsPad)] + ([(0, 0)] if ipImage.ndim == 3 else [])
        ipImage = np.pad(ipImage, padSize, mode="edge")

    if ipImage.ndim == 3 and ipImage.shape[2] == 3:
        ipImage = rgb2gray(ipImage)

    image = np.round(255.0 * (ipImage.astype(np.float64) / 255.0))

    mu = imgaussfilt_replicate(image, 7 / 6, 7)
    sigma = np.sqrt(np.abs(imgaussfilt_replicate(image * image, 7 / 6, 7) - mu * mu))
    imnorm = (image - mu) / (sigma + 1)

    for i in range(0, imnorm.shape[0], blockSize):
        for j in range(0, imnorm.shape[1], blockSize):
            WNDC = 0
            WNC = 0
            Block = imnorm[i : i + blockSize, j : j + blockSize]
            blockVar = float(np.var(Block.flatten(order="F"), ddof=1))
            if blockVar > activityThreshold:
                WHSA = 1
                NHSA = NHSA + 1
                blockImpaired = noticeDistCriterion(
                    Block, nSegments, blockSize - 1, windowSize, blockImpairedThreshold, blockSize
                )
                if blockImpaired:
                    WNDC = 1
                blockSigma, blockBeta = noiseCriterion(Block, blockSize - 1, blockVar)
                if blockSigma > 2 * blockBeta:
                    WNC = 1
                distBlockScores = (
                    distBlockScores + WHSA * WNDC * (1 - blockVar) + WHSA * WNC * (blockVar)
                )

    C = 1
    Score = ((distBlockScores + C) / (C + NHSA)) * 100
    return Score


def noiseCriterion(Block: Array, blockSize: int, blockVar: float) -> tuple[float, float]:
    """``[blockSigma, blockBeta] = noiseCriterion(Block, blockSize, blockVar)``."""
    blockSigma = math.sqrt(blockVar)
    cenSurDev = centerSurDev(Block, blockSize)
    with np.errstate(invalid="ignore"):
        blockBeta = float(
            np.abs(blockSigma - cenSurDev) / np.maximum(np.float64(blockSigma), cenSurDev)
        )
    return blockSigma, blockBeta


def centerSurDev(Block: Array, blockSize: int) -> float:
    """``cenSurDev = centerSurDev(Block, blockSize)``; blockSize is 15 here."""
    center1 = (blockSize + 1) // 2
    center2 = center1 + 1
    center = np.concatenate([Block[:, center1 - 1], Block[:, center2 - 1]])
    Block = np.delete(Block, center1 - 1, axis=1)
    Block = np.delete(Block, center2 - 1, axis=1)
    center_std = np.std(center, ddof=1)
    surround_std = np.std(Block.flatten(order="F"), ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cenSurDev = np.float64(center_std) / np.float64(surround_std)
    if np.isnan(cenSurDev):
        cenSurDev = np.float64(0.0)
    return float(cenSurDev)


def noticeDistCriterion(
    Block: Array,
    nSegments: int,
    blockSize: int,
    windowSize: int,
    blockImpairedThreshold: float,
    N: int,
) -> int:
    """``blockImpaired = noticeDistCriterion(Block, nSegments, blockSize, windowSize,
    blockImpairedThreshold, N)``; blockSize is 15 here, N is 16."""
    topEdge = Block[0, :]
    segTopEdge = segmentEdge(topEdge, nSegments, blockSize, windowSize)
    rightSideEdge = Block[:, N - 1]
    rightSideEdge = rightSideEdge.T
    segRightSideEdge = segmentEdge(rightSideEdge, nSegments, blockSize, windowSize)
    downSideEdge = Block[N - 1, :]
    segDownSideEdge = segmentEdge(downSideEdge, nSegments, blockSize, windowSize)
    leftSideEdge = Block[:, 0]
    leftSideEdge = leftSideEdge.T
    segLeftSideEdge = segmentEdge(leftSideEdge, nSegments, blockSize, windowSize)

    segTopEdge_stdDev = np.std(segTopEdge, axis=1, ddof=1)
    segRightSideEdge_stdDev = np.std(segRightSideEdge, axis=1, ddof=1)
    segDownSideEdge_stdDev = np.std(segDownSideEdge, axis=1, ddof=1)
    segLeftSideEdge_stdDev = np.std(segLeftSideEdge, axis=1, ddof=1)

    blockImpaired = 0
    for segIndex in range(segTopEdge.shape[0]):
        if (
            (segTopEdge_stdDev[segIndex] < blockImpairedThreshold)
            or (segRightSideEdge_stdDev[segIndex] < blockImpairedThreshold)
            or (segDownSideEdge_stdDev[segIndex] < blockImpairedThreshold)
            or (segLeftSideEdge_stdDev[segIndex] < blockImpairedThreshold)
        ):
            blockImpaired = 1
            break
    return blockImpaired


def segmentEdge(blockEdge: Array, nSegments: int, blockSize: int, windowSize: int) -> Array:
    """``segments = segmentEdge(blockEdge, nSegments, blockSize, windowSize)``: segment i
    is ``blockEdge(i:windowSize)``, windowSize growing by one each time (so 6 pixels from
    pixel i)."""
    segments = np.zeros((nSegments, windowSize))
    for i in range(1, nSegments + 1):
        segments[i - 1, :] = blockEdge[i - 1 : windowSize]
        if windowSize <= (blockSize + 1):
            windowSize = windowSize + 1
    return segments
