"""Shape features: histograms of oriented gradients and Hu's moment invariants."""

from __future__ import annotations

from imgsim.features.spec import FeatureSpec

SPECS: tuple[FeatureSpec, ...] = ()
