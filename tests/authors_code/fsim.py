"""The authors' FSIM / FSIMc code, transcribed line by line from MATLAB into NumPy.

Source: ``FeatureSIM.m``, "FSIM Index with automatic downsampling, Version 1.0",
Copyright (c) 2010 Lin Zhang, Lei Zhang, Xuanqin Mou and David Zhang, from the
authors' page https://www4.comp.polyu.edu.hk/~cslzhang/IQA/FSIM/FSIM.htm
(``Files/FeatureSIM.m``), for L. Zhang, L. Zhang, X. Mou and D. Zhang, "FSIM: a
feature similarity index for image quality assessment", IEEE TIP 20(8), 2378-2386,
2011. The file carries its own copy of Peter Kovesi's ``phasecong2`` (Copyright (c)
1996-2009, reduced to the phase congruency map FSIM reads) and ``lowpassfilter``
(1999, revised August 2005 for odd and even sizes). Every line below is in that file;
the comments quote the MATLAB line each step is. This is the reference the tests
compare imgsim with: written plainly, one scale and orientation at a time, with no
speed tricks.

MATLAB built-ins as they are used here: ``fft2``/``ifft2`` are NumPy's (the same
unnormalised forward and ``1/(rows*cols)`` inverse transforms), ``ifftshift`` is
NumPy's, ``median`` of an even count averages the two middle values (as
``np.median``), and ``x .^ lambda`` of a negative double is complex (as NumPy's power
of a complex number), which FeatureSIM.m takes the ``real`` part of.
"""

# ruff: noqa: N806, E741 -- the MATLAB code's own names, kept as they are

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .matlab import conv2_same, fspecial_average, matlab_round

Array = NDArray[np.float64]


def feature_sim(image_ref: NDArray[np.uint8], image_dis: NDArray[np.uint8]) -> tuple[float, float]:
    """``[FSIM, FSIMc] = FeatureSIM(imageRef, imageDis)``: both scores of one pair."""
    # [rows, cols] = size(imageRef(:,:,1));
    rows, cols = image_ref.shape[:2]
    # I1 = ones(rows, cols); I2 = ones(rows, cols); Q1 = ones(rows, cols); Q2 = ones(rows, cols);
    I1 = np.ones((rows, cols))
    I2 = np.ones((rows, cols))
    Q1 = np.ones((rows, cols))
    Q2 = np.ones((rows, cols))

    # if ndims(imageRef) == 3 %images are colorful
    if image_ref.ndim == 3:
        r1, g1, b1 = (image_ref[:, :, c].astype(np.float64) for c in range(3))
        r2, g2, b2 = (image_dis[:, :, c].astype(np.float64) for c in range(3))
        # Y1 = 0.299 * double(imageRef(:,:,1)) + 0.587 * ... + 0.114 * ...;
        Y1 = 0.299 * r1 + 0.587 * g1 + 0.114 * b1
        Y2 = 0.299 * r2 + 0.587 * g2 + 0.114 * b2
        # I1 = 0.596 * double(imageRef(:,:,1)) - 0.274 * ... - 0.322 * ...;
        I1 = 0.596 * r1 - 0.274 * g1 - 0.322 * b1
        I2 = 0.596 * r2 - 0.274 * g2 - 0.322 * b2
        # Q1 = 0.211 * double(imageRef(:,:,1)) - 0.523 * ... + 0.312 * ...;
        Q1 = 0.211 * r1 - 0.523 * g1 + 0.312 * b1
        Q2 = 0.211 * r2 - 0.523 * g2 + 0.312 * b2
    else:  # images are grayscale
        # Y1 = imageRef; Y2 = imageDis;
        Y1 = image_ref.astype(np.float64)
        Y2 = image_dis.astype(np.float64)

    # minDimension = min(rows,cols);
    minDimension = min(rows, cols)
    # F = max(1,round(minDimension / 256));
    F = max(1, int(matlab_round(np.array(minDimension / 256))))
    # aveKernel = fspecial('average',F);
    aveKernel = fspecial_average(F)

    # aveI1 = conv2(I1, aveKernel,'same'); ... I1 = aveI1(1:F:rows,1:F:cols); (and I2, Q1, Q2)
    I1 = conv2_same(I1, aveKernel)[::F, ::F]
    I2 = conv2_same(I2, aveKernel)[::F, ::F]
    Q1 = conv2_same(Q1, aveKernel)[::F, ::F]
    Q2 = conv2_same(Q2, aveKernel)[::F, ::F]
    # aveY1 = conv2(Y1, aveKernel,'same'); ... Y1 = aveY1(1:F:rows,1:F:cols); (and Y2)
    Y1 = conv2_same(Y1, aveKernel)[::F, ::F]
    Y2 = conv2_same(Y2, aveKernel)[::F, ::F]

    # PC1 = phasecong2(Y1); PC2 = phasecong2(Y2);
    PC1 = phasecong2(Y1)
    PC2 = phasecong2(Y2)

    # dx = [3 0 -3; 10 0 -10;  3  0 -3]/16;
    dx = np.array([[3.0, 0.0, -3.0], [10.0, 0.0, -10.0], [3.0, 0.0, -3.0]]) / 16
    # dy = [3 10 3; 0  0   0; -3 -10 -3]/16;
    dy = np.array([[3.0, 10.0, 3.0], [0.0, 0.0, 0.0], [-3.0, -10.0, -3.0]]) / 16
    # IxY1 = conv2(Y1, dx, 'same'); IyY1 = conv2(Y1, dy, 'same');
    IxY1 = conv2_same(Y1, dx)
    IyY1 = conv2_same(Y1, dy)
    # gradientMap1 = sqrt(IxY1.^2 + IyY1.^2);
    gradientMap1 = np.sqrt(IxY1**2 + IyY1**2)
    # IxY2 = conv2(Y2, dx, 'same'); IyY2 = conv2(Y2, dy, 'same');
    IxY2 = conv2_same(Y2, dx)
    IyY2 = conv2_same(Y2, dy)
    # gradientMap2 = sqrt(IxY2.^2 + IyY2.^2);
    gradientMap2 = np.sqrt(IxY2**2 + IyY2**2)

    # T1 = 0.85;  %fixed
    T1 = 0.85
    # T2 = 160; %fixed
    T2 = 160
    # PCSimMatrix = (2 * PC1 .* PC2 + T1) ./ (PC1.^2 + PC2.^2 + T1);
    PCSimMatrix = (2 * PC1 * PC2 + T1) / (PC1**2 + PC2**2 + T1)
    # gradientSimMatrix = (2*gradientMap1.*gradientMap2 + T2) ./
    #                     (gradientMap1.^2 + gradientMap2.^2 + T2);
    gradientSimMatrix = (2 * gradientMap1 * gradientMap2 + T2) / (
        gradientMap1**2 + gradientMap2**2 + T2
    )
    # PCm = max(PC1, PC2);
    PCm = np.maximum(PC1, PC2)
    # SimMatrix = gradientSimMatrix .* PCSimMatrix .* PCm;
    SimMatrix = gradientSimMatrix * PCSimMatrix * PCm
    # FSIM = sum(sum(SimMatrix)) / sum(sum(PCm));
    FSIM = np.sum(SimMatrix) / np.sum(PCm)

    # T3 = 200; T4 = 200;
    T3 = 200
    T4 = 200
    # ISimMatrix = (2 * I1 .* I2 + T3) ./ (I1.^2 + I2.^2 + T3);
    ISimMatrix = (2 * I1 * I2 + T3) / (I1**2 + I2**2 + T3)
    # QSimMatrix = (2 * Q1 .* Q2 + T4) ./ (Q1.^2 + Q2.^2 + T4);
    QSimMatrix = (2 * Q1 * Q2 + T4) / (Q1**2 + Q2**2 + T4)
    # lambda = 0.03;
    lam = 0.03
    # SimMatrixC = gradientSimMatrix .* PCSimMatrix .*
    #              real((ISimMatrix .* QSimMatrix) .^ lambda) .* PCm;
    SimMatrixC = (
        gradientSimMatrix
        * PCSimMatrix
        * np.real((ISimMatrix * QSimMatrix).astype(np.complex128) ** lam)
        * PCm
    )
    # FSIMc = sum(sum(SimMatrixC)) / sum(sum(PCm));
    FSIMc = np.sum(SimMatrixC) / np.sum(PCm)
    return float(FSIM), float(FSIMc)


def phasecong2(im: Array) -> Array:
    """``[ResultPC] = phasecong2(im)`` as FeatureSIM.m carries it: the phase congruency map."""
    nscale = 4  # Number of wavelet scales.
    norient = 4  # Number of filter orientations.
    minWaveLength = 6  # Wavelength of smallest scale filter.
    mult = 2  # Scaling factor between successive filters.
    sigmaOnf = 0.55  # Ratio of the standard deviation of the Gaussian ... to the centre frequency.
    dThetaOnSigma = 1.2  # Ratio of angular interval between filter orientations and ... sigma.
    k = 2.0  # No of standard deviations of the noise energy beyond the mean ...
    epsilon = 0.0001  # Used to prevent division by zero.

    # thetaSigma = pi/norient/dThetaOnSigma;
    thetaSigma = math.pi / norient / dThetaOnSigma

    # [rows,cols] = size(im);
    rows, cols = im.shape
    # imagefft = fft2(im);
    imagefft = np.fft.fft2(im)
    # zero = zeros(rows,cols);
    zero = np.zeros((rows, cols))
    # EO = cell(nscale, norient);
    EO: list[list[NDArray[np.complex128]]] = [
        [zero.astype(np.complex128) for _ in range(norient)] for _ in range(nscale)
    ]
    # estMeanE2n = [];
    estMeanE2n = np.zeros(norient)
    # ifftFilterArray = cell(1,nscale);
    ifftFilterArray: list[Array] = [zero for _ in range(nscale)]

    # if mod(cols,2) xrange = [-(cols-1)/2:(cols-1)/2]/(cols-1); else ... (and yrange)
    xrange, yrange = _ranges(rows, cols)
    # [x,y] = meshgrid(xrange, yrange);
    x, y = np.meshgrid(xrange, yrange)
    # radius = sqrt(x.^2 + y.^2);
    radius = np.sqrt(x**2 + y**2)
    # theta = atan2(-y,x);
    theta = np.arctan2(-y, x)
    # radius = ifftshift(radius); theta  = ifftshift(theta);
    radius = np.fft.ifftshift(radius)
    theta = np.fft.ifftshift(theta)
    # radius(1,1) = 1;
    radius[0, 0] = 1
    # sintheta = sin(theta); costheta = cos(theta);
    sintheta = np.sin(theta)
    costheta = np.cos(theta)

    # lp = lowpassfilter([rows,cols],.45,15);   % Radius .45, 'sharpness' 15
    lp = lowpassfilter((rows, cols), 0.45, 15)

    # logGabor = cell(1,nscale);
    logGabor: list[Array] = []
    # for s = 1:nscale
    for s in range(1, nscale + 1):
        # wavelength = minWaveLength*mult^(s-1);
        wavelength = minWaveLength * mult ** (s - 1)
        # fo = 1.0/wavelength;
        fo = 1.0 / wavelength
        # logGabor{s} = exp((-(log(radius/fo)).^2) / (2 * log(sigmaOnf)^2));
        gabor = np.exp((-(np.log(radius / fo) ** 2)) / (2 * math.log(sigmaOnf) ** 2))
        # logGabor{s} = logGabor{s}.*lp;
        gabor = gabor * lp
        # logGabor{s}(1,1) = 0;
        gabor[0, 0] = 0
        logGabor.append(gabor)

    # spread = cell(1,norient);
    spread: list[Array] = []
    # for o = 1:norient
    for o in range(1, norient + 1):
        # angl = (o-1)*pi/norient;
        angl = (o - 1) * math.pi / norient
        # ds = sintheta * cos(angl) - costheta * sin(angl);
        ds = sintheta * math.cos(angl) - costheta * math.sin(angl)
        # dc = costheta * cos(angl) + sintheta * sin(angl);
        dc = costheta * math.cos(angl) + sintheta * math.sin(angl)
        # dtheta = abs(atan2(ds,dc));
        dtheta = np.abs(np.arctan2(ds, dc))
        # spread{o} = exp((-dtheta.^2) / (2 * thetaSigma^2));
        spread.append(np.exp((-(dtheta**2)) / (2 * thetaSigma**2)))

    # EnergyAll(rows,cols) = 0; AnAll(rows,cols) = 0;
    EnergyAll = np.zeros((rows, cols))
    AnAll = np.zeros((rows, cols))

    # for o = 1:norient
    for o in range(norient):
        # sumE_ThisOrient = zero; sumO_ThisOrient = zero; sumAn_ThisOrient = zero; Energy = zero;
        sumE_ThisOrient = zero.copy()
        sumO_ThisOrient = zero.copy()
        sumAn_ThisOrient = zero.copy()
        Energy = zero.copy()
        EM_n = 0.0
        maxAn = zero
        # for s = 1:nscale,
        for s in range(nscale):
            # filter = logGabor{s} .* spread{o};
            filt = logGabor[s] * spread[o]
            # ifftFilt = real(ifft2(filter))*sqrt(rows*cols);
            ifftFilt = np.real(np.fft.ifft2(filt)) * math.sqrt(rows * cols)
            # ifftFilterArray{s} = ifftFilt;
            ifftFilterArray[s] = ifftFilt
            # EO{s,o} = ifft2(imagefft .* filter);
            EO[s][o] = np.fft.ifft2(imagefft * filt)
            # An = abs(EO{s,o});
            An = np.abs(EO[s][o])
            # sumAn_ThisOrient = sumAn_ThisOrient + An;
            sumAn_ThisOrient = sumAn_ThisOrient + An
            # sumE_ThisOrient = sumE_ThisOrient + real(EO{s,o});
            sumE_ThisOrient = sumE_ThisOrient + np.real(EO[s][o])
            # sumO_ThisOrient = sumO_ThisOrient + imag(EO{s,o});
            sumO_ThisOrient = sumO_ThisOrient + np.imag(EO[s][o])
            # if s==1  EM_n = sum(sum(filter.^2)); maxAn = An; else maxAn = max(maxAn, An); end
            if s == 0:
                EM_n = float(np.sum(filt**2))
                maxAn = An
            else:
                maxAn = np.maximum(maxAn, An)

        # XEnergy = sqrt(sumE_ThisOrient.^2 + sumO_ThisOrient.^2) + epsilon;
        XEnergy = np.sqrt(sumE_ThisOrient**2 + sumO_ThisOrient**2) + epsilon
        # MeanE = sumE_ThisOrient ./ XEnergy; MeanO = sumO_ThisOrient ./ XEnergy;
        MeanE = sumE_ThisOrient / XEnergy
        MeanO = sumO_ThisOrient / XEnergy

        # for s = 1:nscale,
        for s in range(nscale):
            # E = real(EO{s,o}); O = imag(EO{s,o});
            E = np.real(EO[s][o])
            O = np.imag(EO[s][o])
            # Energy = Energy + E.*MeanE + O.*MeanO - abs(E.*MeanO - O.*MeanE);
            Energy = Energy + E * MeanE + O * MeanO - np.abs(E * MeanO - O * MeanE)

        # medianE2n = median(reshape(abs(EO{1,o}).^2,1,rows*cols));
        medianE2n = float(np.median(np.reshape(np.abs(EO[0][o]) ** 2, rows * cols)))
        # meanE2n = -medianE2n/log(0.5);
        meanE2n = -medianE2n / math.log(0.5)
        # estMeanE2n(o) = meanE2n;
        estMeanE2n[o] = meanE2n
        # noisePower = meanE2n/EM_n;
        noisePower = meanE2n / EM_n

        # EstSumAn2 = zero; for s = 1:nscale EstSumAn2 = EstSumAn2 + ifftFilterArray{s}.^2; end
        EstSumAn2 = zero.copy()
        for s in range(nscale):
            EstSumAn2 = EstSumAn2 + ifftFilterArray[s] ** 2
        # EstSumAiAj = zero; for si = 1:(nscale-1) for sj = (si+1):nscale
        EstSumAiAj = zero.copy()
        for si in range(nscale - 1):
            for sj in range(si + 1, nscale):
                # EstSumAiAj = EstSumAiAj + ifftFilterArray{si}.*ifftFilterArray{sj};
                EstSumAiAj = EstSumAiAj + ifftFilterArray[si] * ifftFilterArray[sj]
        # sumEstSumAn2 = sum(sum(EstSumAn2)); sumEstSumAiAj = sum(sum(EstSumAiAj));
        sumEstSumAn2 = float(np.sum(EstSumAn2))
        sumEstSumAiAj = float(np.sum(EstSumAiAj))

        # EstNoiseEnergy2 = 2*noisePower*sumEstSumAn2 + 4*noisePower*sumEstSumAiAj;
        EstNoiseEnergy2 = 2 * noisePower * sumEstSumAn2 + 4 * noisePower * sumEstSumAiAj
        # tau = sqrt(EstNoiseEnergy2/2);
        tau = math.sqrt(EstNoiseEnergy2 / 2)
        # EstNoiseEnergy = tau*sqrt(pi/2);
        EstNoiseEnergy = tau * math.sqrt(math.pi / 2)
        # EstNoiseEnergySigma = sqrt( (2-pi/2)*tau^2 );
        EstNoiseEnergySigma = math.sqrt((2 - math.pi / 2) * tau**2)
        # T =  EstNoiseEnergy + k*EstNoiseEnergySigma;
        T = EstNoiseEnergy + k * EstNoiseEnergySigma
        # T = T/1.7;
        T = T / 1.7
        # Energy = max(Energy - T, zero);
        Energy = np.maximum(Energy - T, zero)
        # EnergyAll = EnergyAll + Energy;
        EnergyAll = EnergyAll + Energy
        # AnAll = AnAll + sumAn_ThisOrient;
        AnAll = AnAll + sumAn_ThisOrient

    # ResultPC = EnergyAll ./ AnAll;
    return np.asarray(EnergyAll / AnAll)


def lowpassfilter(sze: tuple[int, int], cutoff: float, n: int) -> Array:
    """``f = lowpassfilter(sze, cutoff, n)``: Kovesi's Butterworth low-pass filter, with its
    frequency origin at the corners."""
    # if cutoff < 0 || cutoff > 0.5 error(...); if rem(n,1) ~= 0 || n < 1 error(...);
    if cutoff < 0 or cutoff > 0.5 or n < 1:
        raise ValueError("cutoff frequency must be between 0 and 0.5, n an integer >= 1")
    # rows = sze(1); cols = sze(2);
    rows, cols = sze
    xrange, yrange = _ranges(rows, cols)
    # [x,y] = meshgrid(xrange, yrange);
    x, y = np.meshgrid(xrange, yrange)
    # radius = sqrt(x.^2 + y.^2);
    radius = np.sqrt(x**2 + y**2)
    # f = ifftshift( 1 ./ (1.0 + (radius ./ cutoff).^(2*n)) );
    return np.asarray(np.fft.ifftshift(1.0 / (1.0 + (radius / cutoff) ** (2 * n))))


def _ranges(rows: int, cols: int) -> tuple[Array, Array]:
    """The ``xrange`` and ``yrange`` of phasecong2 and lowpassfilter (the same lines in both).

    if mod(cols,2) xrange = [-(cols-1)/2:(cols-1)/2]/(cols-1);
    else xrange = [-cols/2:(cols/2-1)]/cols; end
    if mod(rows,2) yrange = [-(rows-1)/2:(rows-1)/2]/(rows-1);
    else yrange = [-rows/2:(rows/2-1)]/rows; end
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        if cols % 2:
            xrange = np.arange(-(cols - 1) / 2, (cols - 1) / 2 + 1) / (cols - 1)
        else:
            xrange = np.arange(-cols / 2, cols / 2) / cols
        if rows % 2:
            yrange = np.arange(-(rows - 1) / 2, (rows - 1) / 2 + 1) / (rows - 1)
        else:
            yrange = np.arange(-rows / 2, rows / 2) / rows
    return xrange, yrange
