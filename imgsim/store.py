"""The feature store: a SQLite database of feature vectors keyed by file content.

Vectors are keyed by the SHA-256 digest of the file's bytes, so a renamed or copied
file is found again, and by a feature key that names the feature, its version, its
parameters and how the image was decoded, so a changed feature or option is a miss
and never a stale hit. A table of (path, size, mtime_ns) → digest lets a rerun skip
reading files that have not changed.

Writes are buffered and committed in short transactions at least every second and
every 100 images, so a run killed at any moment loses at most the last batch, and
SQLite's atomic commit keeps the database consistent. WAL mode and a long busy
timeout let several imgsim processes read and write one store at once.

A store that cannot be used (corrupt, unreadable, read-only, disk full) never stops
the work: the problem is reported once through ``on_problem`` and the run goes on
without the store. So does a path that holds something else (a folder, an image,
another program's database: see :mod:`imgsim.store_identity`), which is left as it is.
Every store opened for writing is marked with imgsim's SQLite application id.

This module is the store's public face: its keys, file digests and default location,
and the names below. The writer and the workers' readers are
:mod:`imgsim.store_connections`, the SQLite layer under them :mod:`imgsim.store_db`;
looking after a store (info, clear, prune) is :mod:`imgsim.store_maintenance`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from imgsim.store_connections import (
    COMMIT_EVERY_IMAGES,
    COMMIT_EVERY_SECONDS,
    FeatureStore,
    ProblemCallback,
    StoreReader,
)
from imgsim.store_db import BUSY_TIMEOUT_SECONDS, SCHEMA_VERSION, FileStamp, NewEntry, StoredImage

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "COMMIT_EVERY_IMAGES",
    "COMMIT_EVERY_SECONDS",
    "SCHEMA_VERSION",
    "FeatureStore",
    "FileStamp",
    "NewEntry",
    "ProblemCallback",
    "StoreReader",
    "StoredImage",
    "default_location",
    "feature_key",
    "file_digest",
]


def feature_key(name: str, version: int, params: Mapping[str, int | str], decode: str) -> str:
    """The key that a feature's vectors are stored under: its name, version, parameters
    and decode (``color_hist:v1:{"bins": 8}:rgb@128/size=None``), so that a changed
    feature or option is a miss and never a stale hit. Existing stores depend on this
    format staying as it is."""
    return f"{name}:v{version}:{json.dumps(dict(params), sort_keys=True)}:{decode}"


def file_digest(data: bytes) -> bytes:
    """The content key of a file: the first 128 bits of the SHA-256 of its bytes.

    SHA-256 runs in hardware on current x86 and ARM processors: about twice as fast
    as BLAKE2b here, which matters because every new file is hashed.
    """
    return hashlib.sha256(data).digest()[:16]


def default_location() -> Path:
    """``$IMGSIM_CACHE`` if set, else ``features.sqlite`` in the user cache directory."""
    configured = os.environ.get("IMGSIM_CACHE")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("imgsim")) / "features.sqlite"
