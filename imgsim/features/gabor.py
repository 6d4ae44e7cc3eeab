"""Gabor texture: a bank of Gabor filters on the working image."""

from __future__ import annotations

from imgsim.features.spec import FeatureSpec

SPECS: tuple[FeatureSpec, ...] = ()
