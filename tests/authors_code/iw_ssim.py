"""The authors' ``iwssim.m`` and the functions it calls, transcribed into
NumPy: the reference for ``imgsim.metrics.iw_ssim.iw_ssim``.

Sources:

- Z. Wang, Q. Li, "Information content weighting for perceptual image quality
  assessment", IEEE TIP 20(5), 1185-1198, 2011; the authors' release
  ``iwssim_iwpsnr.zip`` (https://ece.uwaterloo.ca/~z70wang/research/iwssim/):
  ``iwssim.m`` (``function [iwssim iwmse iwpsnr]= iwssim(oimg, img, iw_flag, Nsc, K, L,
  weight, win, blk_size, parent, sigma_nsq)``: oimg the original, img the distorted
  image, gray, 0..255), ``scale_quality_maps.m``, ``info_content_weight_map.m`` and
  ``imenlarge2.m``. Every line of their bodies that the default arguments reach is
  transcribed below, under the MATLAB line it stands for; the argument checks for
  non-default arguments and the commented-out alternative weight of
  ``info_content_weight_map.m`` are left out.
- E. Simoncelli's matlabPyrTools for the Laplacian pyramid (``buildLpyr`` with the MEX
  ``corrDn`` / ``upConv``, ``'reflect1'`` edges), ``pyrBand``, ``shift`` and ``innerProd``:
  transcribed in ``matlab_pyrtools.py``.
- MATLAB's ``imresize(im, [rows cols], 'bilinear')`` for the enlargements of
  ``imenlarge2.m``: transcribed in ``imresize.py`` (the ``triangle`` kernel, no
  antialiasing when enlarging).

Slow and plain on purpose: loops where the MATLAB code loops.
"""

# ruff: noqa: N803, N806 -- the MATLAB code's own names, kept as they are

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.signal import correlate2d

from .imresize import imresize
from .matlab import filter2_same, fspecial_gaussian
from .matlab_pyrtools import buildLpyr, innerProd, pyrBand, shift

Array = NDArray[np.float64]


# ---------------------------------------------------------------- MATLAB built-ins


def filter2_valid(kernel: Array, image: Array) -> Array:
    """MATLAB ``filter2(kernel, image, 'valid')``: correlation over whole windows."""
    return np.asarray(correlate2d(image, kernel, mode="valid"))


# ---------------------------------------------------------------- the authors' code


def imenlarge2(im: Array) -> Array:
    """``imu = imenlarge2(im)`` of imenlarge2.m."""
    # [M N] = size(im);
    M, N = im.shape
    # t1 = imresize(im, [4*M-3 4*N-3], 'bilinear');
    t1 = imresize(im, (4 * M - 3, 4 * N - 3), "bilinear")
    # t2 = zeros(4*M-1, 4*N-1);
    t2 = np.zeros((4 * M - 1, 4 * N - 1))
    # t2(2:end-1, 2:end-1) = t1;
    t2[1:-1, 1:-1] = t1
    # t2(1,:) = 2*t2(2,:) - t2(3,:);
    t2[0, :] = 2 * t2[1, :] - t2[2, :]
    # t2(end,:) = 2*t2(end-1,:) - t2(end-2,:);
    t2[-1, :] = 2 * t2[-2, :] - t2[-3, :]
    # t2(:,1) = 2*t2(:,2) - t2(:,3);
    t2[:, 0] = 2 * t2[:, 1] - t2[:, 2]
    # t2(:,end) = 2*t2(:,end-1) - t2(:,end-2);
    t2[:, -1] = 2 * t2[:, -2] - t2[:, -3]
    # imu = t2(1:2:end, 1:2:end);
    return t2[0::2, 0::2]


def scale_quality_maps(
    pyro: Array,
    pyrd: Array,
    pind: NDArray[np.int64],
    Nsc: int,
    K: tuple[float, float],
    L: float,
    win: Array,
) -> tuple[list[Array], Array, list[Array]]:
    """``[cs_map l_map se_map] = scale_quality_maps(pyro,pyrd,pind,Nsc,K,L,win)``."""
    # C1 = (K(1)*L)^2;  C2 = (K(2)*L)^2;
    C1 = (K[0] * L) ** 2
    C2 = (K[1] * L) ** 2
    cs_map: list[Array] = []
    se_map: list[Array] = []
    l_map = np.zeros(0)
    # for i=1:Nsc
    for i in range(1, Nsc + 1):
        # y = pyrBand(pyro, pind, i);  yn = pyrBand(pyrd, pind, i);
        y = pyrBand(pyro, pind, i)
        yn = pyrBand(pyrd, pind, i)
        # se_map{i} = (y-yn).^2;
        se_map.append((y - yn) ** 2)
        # mu1 = filter2(win, y, 'valid');  mu2 = filter2(win, yn, 'valid');
        mu1 = filter2_valid(win, y)
        mu2 = filter2_valid(win, yn)
        # sigma12 = filter2(win, y.*yn, 'valid') - mu1.*mu2;
        sigma12 = filter2_valid(win, y * yn) - mu1 * mu2
        # sigma1_sq  = filter2(win, y.^2, 'valid') - mu1.^2;
        sigma1_sq = filter2_valid(win, y**2) - mu1**2
        # sigma2_sq  = filter2(win, yn.^2, 'valid') - mu2.^2;
        sigma2_sq = filter2_valid(win, yn**2) - mu2**2
        # sigma1_sq = max(0, sigma1_sq);  sigma2_sq = max(0, sigma2_sq);
        sigma1_sq = np.maximum(0, sigma1_sq)
        sigma2_sq = np.maximum(0, sigma2_sq)
        # cs_map{i} = (2*sigma12 + C2)./(sigma1_sq + sigma2_sq + C2);
        cs_map.append((2 * sigma12 + C2) / (sigma1_sq + sigma2_sq + C2))
        # if (i == Nsc) l_map = (2*mu1.*mu2 + C1)./(mu1.^2 + mu2.^2 + C1); end
        if i == Nsc:
            l_map = (2 * mu1 * mu2 + C1) / (mu1**2 + mu2**2 + C1)
    return cs_map, l_map, se_map


def info_content_weight_map(
    pyro: Array,
    pyrd: Array,
    pind: NDArray[np.int64],
    Nsc: int,
    parent: int,
    blSzX: int,
    blSzY: int,
    sigma_nsq: float,
) -> list[Array]:
    """``[iw_map]= info_content_weight_map(pyro,pyrd,pind,Nsc,parent,blSzX,blSzY,sigma_nsq)``:
    the information content weight map of scales 1 to Nsc-1."""
    # tol = 1e-15;
    tol = 1e-15
    # Nband = Nsc-1;
    Nband = Nsc - 1
    # win = ones(3); win = win/sum(sum(win));
    win = np.ones((3, 3))
    win = win / np.sum(win)
    iw_map: list[Array] = []
    # for nband=1:Nband
    for nband in range(1, Nband + 1):
        # y = pyrBand(pyro, pind, nband);  yn = pyrBand(pyrd, pind, nband);
        y = pyrBand(pyro, pind, nband)
        yn = pyrBand(pyrd, pind, nband)
        # mean_x = filter2(win, y, 'same');  mean_y = filter2(win, yn, 'same');
        mean_x = filter2_same(win, y)
        mean_y = filter2_same(win, yn)
        # cov_xy = filter2(win, y.*yn, 'same') - mean_x.*mean_y;
        cov_xy = filter2_same(win, y * yn) - mean_x * mean_y
        # ss_x  = filter2(win, y.^2, 'same') - mean_x.^2;
        ss_x = filter2_same(win, y**2) - mean_x**2
        # ss_y  = filter2(win, yn.^2, 'same') - mean_y.^2;
        ss_y = filter2_same(win, yn**2) - mean_y**2
        # ss_x(ss_x<0)=0;  ss_y(ss_y<0)=0;
        ss_x[ss_x < 0] = 0
        ss_y[ss_y < 0] = 0
        # g = cov_xy./(ss_x+tol);  % estimate gain factor
        g = cov_xy / (ss_x + tol)
        # vv = (ss_y - g.*cov_xy); % estimation error
        vv = ss_y - g * cov_xy
        # g (ss_x < tol) = 0;
        g[ss_x < tol] = 0
        # vv (ss_x < tol) = ss_y (ss_x < tol);
        vv[ss_x < tol] = ss_y[ss_x < tol]
        # ss_x(ss_x<tol)=0;
        ss_x[ss_x < tol] = 0
        # g (ss_y < tol) = 0;
        g[ss_y < tol] = 0
        # vv (ss_y < tol) = 0;
        vv[ss_y < tol] = 0

        # aux = y;  [Nsy,Nsx] = size(aux);
        aux = y
        Nsy, Nsx = aux.shape
        # prnt = parent & (nband < Nsc-1);   % check parent availability
        prnt = int(bool(parent) and nband < Nsc - 1)
        # BL = zeros(size(aux,1),size(aux,2),1 + prnt);  BL(:,:,1) = aux;
        BL = np.zeros((aux.shape[0], aux.shape[1], 1 + prnt))
        BL[:, :, 0] = aux
        # if prnt,
        if prnt:
            # auxp = pyrBand(pyro, pind, nband+1);
            auxp = pyrBand(pyro, pind, nband + 1)
            # auxp = real(imenlarge2(auxp));
            auxp = np.real(imenlarge2(auxp))
            # BL(:,:,2) = auxp(1:Nsy,1:Nsx);
            BL[:, :, 1] = auxp[:Nsy, :Nsx]
        # y=BL;  [nv,nh,nb] = size(y);  block = [blSzX blSzY];
        y = BL
        nv, nh, _nb = y.shape
        block = (blSzX, blSzY)
        # nblv = nv-block(1)+1;  nblh = nh-block(2)+1;  nexp = nblv*nblh;
        nblv = nv - block[0] + 1
        nblh = nh - block[1] + 1
        nexp = nblv * nblh
        # N = prod(block) + prnt; % size of the neighborhood
        N = block[0] * block[1] + prnt
        # Ly = (block(1)-1)/2;  Lx = (block(2)-1)/2;
        Ly = (block[0] - 1) // 2
        Lx = (block[1] - 1) // 2

        # Y = zeros(nexp,N);  n = 0;
        Y = np.zeros((nexp, N))
        n = 0
        # for ny=-Ly:Ly, for nx=-Lx:Lx,
        for ny in range(-Ly, Ly + 1):
            for nx in range(-Lx, Lx + 1):
                # n = n + 1;
                n = n + 1
                # foo = shift(y(:,:,1),[ny nx]);
                foo = shift(y[:, :, 0], (ny, nx))
                # foo = foo(Ly+1:Ly+nblv,Lx+1:Lx+nblh);
                foo = foo[Ly : Ly + nblv, Lx : Lx + nblh]
                # Y(:,n) = foo(:);
                Y[:, n - 1] = foo.flatten(order="F")
        # if prnt,	% parent
        if prnt:
            # n = n + 1;  foo = y(:,:,2);
            n = n + 1
            foo = y[:, :, 1]
            # foo = foo(Ly+1:Ly+nblv,Lx+1:Lx+nblh);
            foo = foo[Ly : Ly + nblv, Lx : Lx + nblh]
            # Y(:,n) = foo(:);
            Y[:, n - 1] = foo.flatten(order="F")

        # C_u = innerProd(Y)/nexp;    % positive-definete covariance matrix
        C_u = innerProd(Y) / nexp
        # [Q,L] = eig(C_u);           % eigenvalues with orthogonal matrix Q
        eigenvalues, Q = np.linalg.eigh(C_u)
        Ld = eigenvalues
        # L = diag(diag(L).*(diag(L)>0))*sum(diag(L))/(sum(diag(L).*(diag(L)>0))
        #     +(sum(diag(L).*(diag(L)>0))==0)); % correct negative eigenvalues
        positive = Ld * (Ld > 0)
        Lm = np.diag(positive) * np.sum(Ld) / (np.sum(positive) + (np.sum(positive) == 0))
        # C_u = Q*L*Q';
        C_u = Q @ Lm @ Q.T
        # ss = (Y*inv(C_u)).*Y/N;
        ss = (Y @ np.linalg.inv(C_u)) * Y / N
        # ss = sum(ss,2);
        ss = np.sum(ss, axis=1)
        # ss = reshape(ss,nblv,nblh);
        ss = ss.reshape((nblv, nblh), order="F")
        # L = diag(L);
        Lv = np.diag(Lm)
        # g = g(Ly+1:Ly+nblv,Lx+1:Lx+nblh);  vv = vv(Ly+1:Ly+nblv,Lx+1:Lx+nblh);
        g = g[Ly : Ly + nblv, Lx : Lx + nblh]
        vv = vv[Ly : Ly + nblv, Lx : Lx + nblh]

        # infow = zeros(size(g));
        infow = np.zeros(g.shape)
        # for j=1:length(L)
        for j in range(Lv.size):
            # infow = infow + log2(1 + ((vv+(1+g.*g).*sigma_nsq).*ss.*L(j)+sigma_nsq.*vv)
            #         ./(sigma_nsq.*sigma_nsq)); % info-weight = I(R;E|S)+I(D;F|S)-I(E;F|S)
            infow = infow + np.log2(
                1
                + ((vv + (1 + g * g) * sigma_nsq) * ss * Lv[j] + sigma_nsq * vv)
                / (sigma_nsq * sigma_nsq)
            )
        # infow(infow < tol) = 0;
        infow[infow < tol] = 0
        # iw_map{nband} = infow;
        iw_map.append(infow)
    return iw_map


def iwssim(oimg: Array, img: Array) -> float:
    """``iwssim = iwssim(oimg, img)`` with the default arguments: oimg the original
    (reference), img the distorted image. Returns the first output."""
    # iw_flag = 1;  Nsc = 5;  K = [0.01 0.03];  L = 255;
    iw_flag = 1
    Nsc = 5
    K = (0.01, 0.03)
    L = 255.0
    # weight = [0.0448 0.2856 0.3001 0.2363 0.1333];
    weight = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
    # win_size = 11; gwin_std = 1.5; win = fspecial('gaussian', win_size, gwin_std);
    win_size = 11
    gwin_std = 1.5
    win = fspecial_gaussian(win_size, gwin_std)
    # win = win/sum(win(:));
    win = win / np.sum(win)
    # blk_size = 3;  parent = 1;  sigma_nsq = 0.4;
    blk_size = 3
    parent = 1
    sigma_nsq = 0.4
    # blSzX = blk_size;  blSzY = blk_size;
    blSzX = blk_size
    blSzY = blk_size
    # Nsc = min(5,Nsc);  weight = weight(1:Nsc);  weight = weight/sum(weight);
    Nsc = min(5, Nsc)
    weight = weight[:Nsc]
    weight = weight / np.sum(weight)
    # if (min(size(oimg)) < win_size*(2^(Nsc-1))) ... 'Image size too small ...'; return;
    if min(oimg.shape) < win_size * (2 ** (Nsc - 1)):
        raise ValueError(f"Image size too small for {Nsc} scale IW-SSIM evaluation.")
    # bound = ceil((win_size-1)/2);
    bound = math.ceil((win_size - 1) / 2)
    # bound1 = bound - floor((blSzX-1)/2);
    bound1 = bound - math.floor((blSzX - 1) / 2)

    # [pyro,pind]= buildLpyr(double(oimg),Nsc);  [pyrd,pind]= buildLpyr(double(img),Nsc);
    pyro, pind = buildLpyr(oimg.astype(np.float64), Nsc)
    pyrd, pind = buildLpyr(img.astype(np.float64), Nsc)

    # [cs_map l_map se_map] = scale_quality_maps(pyro,pyrd,pind,Nsc,K,L,win);
    cs_map, l_map, se_map = scale_quality_maps(pyro, pyrd, pind, Nsc, K, L, win)
    # if (iw_flag)
    #   iw_map = info_content_weight_map(pyro,pyrd,pind,Nsc,parent,blSzX,blSzY,sigma_nsq);
    iw_map = info_content_weight_map(pyro, pyrd, pind, Nsc, parent, blSzX, blSzY, sigma_nsq)

    wmcs = np.zeros(Nsc)
    wmse = np.zeros(Nsc)
    # for s = 1:Nsc
    for s in range(1, Nsc + 1):
        # se = se_map{s};  cs = cs_map{s};
        se = se_map[s - 1]
        cs = cs_map[s - 1]
        # if (s==Nsc) cs = cs.*l_map; end
        if s == Nsc:
            cs = cs * l_map
        # if (iw_flag)
        if iw_flag:
            # if (s<Nsc)
            if s < Nsc:
                # iw = iw_map{s};  iw = iw(bound1+1:end-bound1, bound1+1:end-bound1);
                iw = iw_map[s - 1]
                iw = iw[bound1 : iw.shape[0] - bound1, bound1 : iw.shape[1] - bound1]
            else:
                # iw = ones(size(cs));
                iw = np.ones(cs.shape)
            # se = se(bound+1:end-bound, bound+1:end-bound);
            se = se[bound : se.shape[0] - bound, bound : se.shape[1] - bound]
            # wmcs(s) = sum(sum(cs.*iw))/sum(sum(iw));
            wmcs[s - 1] = np.sum(cs * iw) / np.sum(iw)
            # wmse(s) = sum(sum(se.*iw))/sum(sum(iw));
            wmse[s - 1] = np.sum(se * iw) / np.sum(iw)
    # iwssim = prod(wmcs(1:Nsc).^weight(1:Nsc));
    return float(np.prod(wmcs ** weight[:Nsc]))
