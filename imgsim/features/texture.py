"""Texture features: local binary patterns and grey-level co-occurrence statistics."""

from __future__ import annotations

from imgsim.features import gabor
from imgsim.features.spec import FeatureSpec

SPECS: tuple[FeatureSpec, ...] = (*gabor.SPECS,)
