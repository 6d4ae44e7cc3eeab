"""E. Simoncelli's matlabPyrTools as the authors' ``iwssim.m`` calls it, transcribed into
NumPy: ``buildLpyr`` with its defaults (``binom5``, ``'reflect1'``), and what it calls.

Sources (the matlabPyrTools release of the Laboratory for Computational Vision, NYU):
``buildLpyr.m``, ``namedFilter.m`` (``binom5`` is ``sqrt(2) * binomialFilter(5)``: each
1-D pass multiplies by sqrt(2), so each coarser low-pass band is twice as large),
``binomialFilter.m``, ``maxPyrHt.m``, ``pyrBand.m``, ``pyrBandIndices.m``, ``shift.m``,
``innerProd`` (the MEX file computes ``X' * X``), and the MEX sources that ``corrDn`` and
``upConv`` run: ``corrDn.c``, ``upConv.c``, ``convolve.c`` (``internal_reduce``,
``internal_expand``) and ``edges.c`` (``reflect1``). The MEX code, not the ``corrDn.m`` /
``upConv.m`` fallbacks ("THIS CODE IS NOT ACTUALLY USED! (MEX FILE IS CALLED INSTEAD)"),
is what MATLAB runs.

buildLpyr only passes 1-D filters (5 x 1 or 1 x 5), so ``internal_reduce``,
``internal_expand`` and ``reflect1`` are transcribed for a filter of ``x_fdim`` taps and
``y_fdim = 1``: the y-branches of the C code are then never taken, and its loop over
y positions (the axis the filter does not touch, start 0, step 1) is one NumPy slice.
A 1 x 5 filter, along MATLAB's second dimension, is the same code on the transposed
image (``x`` is MATLAB's first, "inner", index in the MEX files). Argument checks are
left out. Slow and plain on purpose: loops over band edges and filter taps.
"""

# ruff: noqa: N802, N803 -- the MATLAB and C code's own names, kept as they are

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
REDUCE, EXPAND = 0, 1


def binomialFilter(sz: int) -> Array:
    """``kernel = binomialFilter(sz)``: binomial coefficients of order sz-1, a column."""
    # kernel = [0.5 0.5]';
    kernel = np.array([0.5, 0.5])
    # for n=1:sz-2, kernel = conv([0.5 0.5]', kernel); end
    for _ in range(sz - 2):
        kernel = np.convolve([0.5, 0.5], kernel)
    return kernel


def namedFilter(name: str) -> Array:
    """``kernel = namedFilter(name)`` for ``'binomN'``."""
    # if strcmp(name(1:min(5,size(name,2))), 'binom')
    if name[:5] == "binom":
        # kernel = sqrt(2) * binomialFilter(str2num(name(6:size(name,2))));
        return math.sqrt(2) * binomialFilter(int(name[5:]))
    raise NotImplementedError(name)


def maxPyrHt(imsz: tuple[int, int], filtsz: int) -> int:
    """``height = maxPyrHt(imsz, filtsz)`` for a 2-D image and a 1-D filter."""
    # elseif any(filtsz == 1): filtsz = [filtsz(1); filtsz(1)];
    # if any(imsz < filtsz) height = 0;
    if imsz[0] < filtsz or imsz[1] < filtsz:
        return 0
    # else height = 1 + maxPyrHt( floor(imsz/2), filtsz );
    return 1 + maxPyrHt((imsz[0] // 2, imsz[1] // 2), filtsz)


# ---------------------------------------------------------------- edges.c, convolve.c


def reflect1(filt: Array, x_dim: int, x_pos: int, r_or_e: int) -> Array:
    """``reflect1(filt, x_dim, y_dim=1, x_pos, y_pos=0, result, r_or_e)`` of edges.c:
    the filter folded about the edge pixel for a window ``x_pos`` taps off the edge."""
    filt_sz = x_dim  # x_dim * y_dim
    result = np.zeros(filt_sz)
    # x_base = (x_pos>0)?(x_dim-1):0;   (y_base = 0 for y_pos = 0)
    x_base = x_dim - 1 if x_pos > 0 else 0
    # x_overhang = (x_pos>0)?(x_pos-1):((x_pos<0)?(x_pos+1):0);
    x_overhang = (x_pos - 1) if x_pos > 0 else ((x_pos + 1) if x_pos < 0 else 0)
    # mx_pos = (x_pos<0)?(x_dim/2):((x_dim-1)/2);
    mx_pos = x_dim // 2 if x_pos < 0 else (x_dim - 1) // 2
    if r_or_e == REDUCE:
        # for (x_filt=y_filt, x_res=x_overhang-x_base; x_filt<y_filt+x_dim; x_filt++, x_res++)
        #   result[ABS(y_base-ABS(y_res)) + ABS(x_base-ABS(x_res))] += filt[x_filt];
        x_res = x_overhang - x_base
        for x_filt in range(x_dim):
            result[abs(x_base - abs(x_res))] += filt[x_filt]
            x_res += 1
    else:
        # x_overhang = ABS(x_overhang);
        x_overhang = abs(x_overhang)
        # for (x_res=x_base, x_filt=x_base-x_overhang; x_filt > x_base-x_dim; x_res--, x_filt--)
        #   result[ABS(y_res)+ABS(x_res)] += filt[ABS(y_filt)+ABS(x_filt)];
        x_res, x_filt = x_base, x_base - x_overhang
        while x_filt > x_base - x_dim:
            result[abs(x_res)] += filt[abs(x_filt)]
            x_res, x_filt = x_res - 1, x_filt - 1
        # if ((x_overhang ISNT mx_pos) AND (x_pos ISNT 0))
        if x_overhang != mx_pos and x_pos != 0:
            # for (x_res=x_base, x_filt=x_base-2*mx_pos+x_overhang; x_filt > x_base-x_dim; ...)
            x_res, x_filt = x_base, x_base - 2 * mx_pos + x_overhang
            while x_filt > x_base - x_dim:
                result[abs(x_res)] += filt[abs(x_filt)]
                x_res, x_filt = x_res - 1, x_filt - 1
        # (the y-branch "if ((y_overhang ISNT my_pos) AND (y_pos ISNT 0))" is not taken)
    return result


def internal_reduce(image: Array, filt: Array, x_start: int, x_step: int, x_stop: int) -> Array:
    """``internal_reduce`` of convolve.c for an ``x_fdim x 1`` filter: correlate along
    axis 0 of ``image`` (C's x) and keep rows ``x_start:x_stop:x_step`` (0-based)."""
    x_dim = image.shape[0]
    x_fdim = filt.size
    # x_ctr_stop = x_dim - ((x_fdim==1)?0:x_fdim);
    x_ctr_stop = x_dim - (0 if x_fdim == 1 else x_fdim)
    # x_res_dim = (x_stop-x_start+x_step-1)/x_step;
    x_res_dim = (x_stop - x_start + x_step - 1) // x_step
    # x_ctr_start = ((x_fdim==1)?0:1);
    x_ctr_start = 0 if x_fdim == 1 else 1
    # x_fmid = x_fdim/2;
    x_fmid = x_fdim // 2
    result = np.zeros((x_res_dim, image.shape[1]))

    def INPROD(XCNR: int, temp: Array, res_pos: int) -> None:
        # sum += image[im_pos]*temp[filt_pos] over the filter, from (XCNR, y_pos)
        total = np.zeros(image.shape[1])
        for filt_pos in range(x_fdim):
            total = total + image[XCNR + filt_pos, :] * temp[filt_pos]
        result[res_pos, :] = total

    # x_start -= x_fmid; x_stop -= x_fmid;
    x_start -= x_fmid
    x_stop -= x_fmid
    # if (x_stop < x_ctr_stop) x_ctr_stop = x_stop;
    x_ctr_stop = min(x_ctr_stop, x_stop)
    base_res_pos = 0
    x_pos = x_start
    # LEFT EDGE: for (x_pos=x_start; x_pos<x_ctr_start; x_pos+=x_step, base_res_pos++)
    while x_pos < x_ctr_start:
        # (*reflect)(filt,x_fdim,y_fdim,x_pos-1,0,temp,REDUCE);  INPROD(0,y_pos)
        INPROD(0, reflect1(filt, x_fdim, x_pos - 1, REDUCE), base_res_pos)
        x_pos += x_step
        base_res_pos += 1
    # (*reflect)(filt,x_fdim,y_fdim,0,0,temp,REDUCE);
    temp = reflect1(filt, x_fdim, 0, REDUCE)
    # CENTER: for (; x_pos<x_ctr_stop; x_pos+=x_step, base_res_pos++)  INPROD(x_pos,y_pos)
    while x_pos < x_ctr_stop:
        INPROD(x_pos, temp, base_res_pos)
        x_pos += x_step
        base_res_pos += 1
    # RIGHT EDGE: for (; x_pos<x_stop; x_pos+=x_step, base_res_pos++)
    while x_pos < x_stop:
        # (*reflect)(filt,x_fdim,y_fdim,x_pos-x_ctr_stop+1,0,temp,REDUCE); INPROD(x_ctr_stop,y_pos)
        INPROD(x_ctr_stop, reflect1(filt, x_fdim, x_pos - x_ctr_stop + 1, REDUCE), base_res_pos)
        x_pos += x_step
        base_res_pos += 1
    return result


def internal_expand(
    image: Array, filt: Array, x_start: int, x_step: int, x_stop: int, x_dim: int
) -> Array:
    """``internal_expand`` of convolve.c for an ``x_fdim x 1`` filter: each row of
    ``image`` placed at rows ``x_start:x_stop:x_step`` of an ``x_dim``-row result and
    spread by the filter (added into the result)."""
    x_fdim = filt.size
    result = np.zeros((x_dim, image.shape[1]))
    # x_ctr_stop = x_dim - ((x_fdim==1)?0:x_fdim);
    x_ctr_stop = x_dim - (0 if x_fdim == 1 else x_fdim)
    # x_ctr_start = ((x_fdim==1)?0:1);
    x_ctr_start = 0 if x_fdim == 1 else 1
    # x_fmid = x_fdim/2;
    x_fmid = x_fdim // 2

    def INPROD2(XCNR: int, temp: Array, im_pos: int) -> None:
        # val = image[im_pos]; result[res_pos] += val*temp[filt_pos] over the filter
        val = image[im_pos, :]
        for filt_pos in range(x_fdim):
            result[XCNR + filt_pos, :] += val * temp[filt_pos]

    # x_start -= x_fmid; x_stop -= x_fmid;
    x_start -= x_fmid
    x_stop -= x_fmid
    # if (x_stop < x_ctr_stop) x_ctr_stop = x_stop;
    x_ctr_stop = min(x_ctr_stop, x_stop)
    base_im_pos = 0
    x_pos = x_start
    # LEFT EDGE: for (x_pos=x_start; x_pos<x_ctr_start; x_pos+=x_step, base_im_pos++)
    while x_pos < x_ctr_start:
        # (*reflect)(filt,x_fdim,y_fdim,x_pos-1,0,temp,EXPAND);  INPROD2(0,y_pos)
        INPROD2(0, reflect1(filt, x_fdim, x_pos - 1, EXPAND), base_im_pos)
        x_pos += x_step
        base_im_pos += 1
    # (*reflect)(filt,x_fdim,y_fdim,0,0,temp,EXPAND);
    temp = reflect1(filt, x_fdim, 0, EXPAND)
    # CENTER: for (; x_pos<x_ctr_stop; x_pos+=x_step, base_im_pos++)  INPROD2(x_pos,y_pos)
    while x_pos < x_ctr_stop:
        INPROD2(x_pos, temp, base_im_pos)
        x_pos += x_step
        base_im_pos += 1
    # RIGHT EDGE: for (; x_pos<x_stop; x_pos+=x_step, base_im_pos++)
    while x_pos < x_stop:
        # (*reflect)(filt,x_fdim,y_fdim,x_pos-x_ctr_stop+1,0,temp,EXPAND); INPROD2(x_ctr_stop,..)
        INPROD2(x_ctr_stop, reflect1(filt, x_fdim, x_pos - x_ctr_stop + 1, EXPAND), base_im_pos)
        x_pos += x_step
        base_im_pos += 1
    return result


def corrDn(im: Array, filt: Array, step: tuple[int, int], start: tuple[int, int]) -> Array:
    """``res = corrDn(im, filt, 'reflect1', step, start)`` (corrDn.c) for a 1-D ``filt``
    given as a column (``x_fdim x 1``: along MATLAB's first dimension) or a row."""
    if filt.shape[1] == 1:
        # x_stop = x_idim; x_start-- (C index)
        return internal_reduce(im, filt[:, 0], start[0] - 1, step[0], im.shape[0])
    return internal_reduce(im.T, filt[0, :], start[1] - 1, step[1], im.shape[1]).T


def upConv(
    im: Array, filt: Array, step: tuple[int, int], start: tuple[int, int], stop: tuple[int, int]
) -> Array:
    """``res = upConv(im, filt, 'reflect1', step, start, stop)`` (upConv.c) for a 1-D
    ``filt``; the result is ``stop`` in size (``x_rdim = x_stop``)."""
    if filt.shape[1] == 1:
        return internal_expand(im, filt[:, 0], start[0] - 1, step[0], stop[0], stop[0])
    return internal_expand(im.T, filt[0, :], start[1] - 1, step[1], stop[1], stop[1]).T


def buildLpyr(im: Array, ht: int) -> tuple[Array, NDArray[np.int64]]:
    """``[pyr,pind] = buildLpyr(im, ht)`` with the defaults ``filt1 = filt2 = 'binom5'``,
    ``edges = 'reflect1'``: the bands stacked column-major, fine to coarse."""
    im_sz = im.shape
    # filt1 = namedFilter('binom5'); filt1 = filt1(:);  filt2 = filt1;
    filt1 = namedFilter("binom5")[:, None]
    filt2 = filt1
    # max_ht = 1 + maxPyrHt(im_sz, max(size(filt1,1), size(filt2,1)));
    max_ht = 1 + maxPyrHt(im_sz, max(filt1.shape[0], filt2.shape[0]))
    if ht > max_ht:
        raise ValueError(f"Cannot build pyramid higher than {max_ht} levels.")
    # if (ht <= 1) pyr = im(:); pind = im_sz;
    if ht <= 1:
        return im.flatten(order="F"), np.array([im_sz])
    # lo = corrDn(im, filt1', edges, [1 2], [1 1]);
    lo = corrDn(im, filt1.T, (1, 2), (1, 1))
    # int_sz = size(lo);
    int_sz = lo.shape
    # lo2 = corrDn(lo, filt1, edges, [2 1], [1 1]);
    lo2 = corrDn(lo, filt1, (2, 1), (1, 1))
    # [npyr,nind] = buildLpyr(lo2, ht-1, filt1, filt2, edges);
    npyr, nind = buildLpyr(lo2, ht - 1)
    # hi = upConv(lo2, filt2, edges, [2 1], [1 1], int_sz);
    hi = upConv(lo2, filt2, (2, 1), (1, 1), int_sz)
    # hi2 = upConv(hi, filt2', edges, [1 2], [1 1], im_sz);
    hi2 = upConv(hi, filt2.T, (1, 2), (1, 1), im_sz)
    # hi2 = im - hi2;
    hi2 = im - hi2
    # pyr = [hi2(:); npyr];  pind = [im_sz; nind];
    return np.concatenate([hi2.flatten(order="F"), npyr]), np.vstack([np.array([im_sz]), nind])


def pyrBand(pyr: Array, pind: NDArray[np.int64], band: int) -> Array:
    """``res = pyrBand(pyr, pind, band)`` (band 1-based)."""
    # ind = 1; for l=1:band-1, ind = ind + prod(pind(l,:)); end
    ind = int(sum(np.prod(pind[level]) for level in range(band - 1)))
    # indices = ind:ind+prod(pind(band,:))-1;
    count = int(np.prod(pind[band - 1]))
    # res = reshape( pyr(pyrBandIndices(pind,band)), pind(band,1), pind(band,2) );
    return pyr[ind : ind + count].reshape(tuple(pind[band - 1]), order="F")


def shift(mtx: Array, offset: tuple[int, int]) -> Array:
    """``res = shift(mtx, offset)``: circular shift, ``res(pos) = mtx(pos - offset)``."""
    dims = mtx.shape
    # offset = mod(-offset,dims);
    o0, o1 = (-offset[0]) % dims[0], (-offset[1]) % dims[1]
    # res = [ mtx(offset(1)+1:dims(1), offset(2)+1:dims(2)), mtx(offset(1)+1:dims(1), 1:offset(2));
    #         mtx(1:offset(1), offset(2)+1:dims(2)), mtx(1:offset(1), 1:offset(2)) ];
    top = np.hstack([mtx[o0:, o1:], mtx[o0:, :o1]])
    bottom = np.hstack([mtx[:o0, o1:], mtx[:o0, :o1]])
    return np.vstack([top, bottom])


def innerProd(X: Array) -> Array:
    """``res = innerProd(X)`` (MEX): ``X' * X``."""
    return np.asarray(X.T @ X)
