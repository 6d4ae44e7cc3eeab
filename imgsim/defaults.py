"""Default values of the library's options, in a module that imports nothing.

The dataclasses that own these options (``FeatureParams``, ``SetOptions``) and the
decoder read them from here, and so do the command line's option declarations:
importing them from their owners would load numpy and Pillow for ``imgsim --help``.
"""

DEFAULT_MAX_PIXELS = 89_478_485
"""Images with more pixels are refused before decoding (Pillow's own bomb limit)."""
DEFAULT_HASH_SIZE = 8
"""Side of the bit grid of the perceptual hashes."""
DEFAULT_BINS = 8
"""Bins per channel of ``color_hist``."""
DEFAULT_K = 5
"""Neighbours of precision, recall, density and coverage."""
DEFAULT_SUBSETS = 100
"""Random subsets that KID averages over."""
DEFAULT_SUBSET_SIZE = 1000
"""Images per KID subset."""
DEFAULT_SEED = 0
"""Seed of KID's subset draws."""
DEFAULT_WORK_SIZE = 128
"""Side of the square working image that the texture, shape, keypoint and colour-moment
features read (``--size``). Chosen by measurement (README, "The default feature"): at
128 ``hand`` met every sensitivity and retrieval target, with more retrieval margin
than at 192 or 256, and in half the time of 256."""
DEFAULT_CROP = "none"
"""Whether the features read the whole image (``none``) or its central square (``center``)."""
DEFAULT_SPACE = "hsv"
"""Colour space of ``color_hist``."""
DEFAULT_GLCM_LEVELS = 32
"""Grey levels the co-occurrence matrix of ``glcm`` counts."""
DEFAULT_SEGMENTS = 8
"""Most segments ``crop_resistant`` hashes (the largest ones)."""
DEFAULT_BATCH_SIZE = 32
"""Images per run of an ``onnx:`` model (``--batch-size``)."""
