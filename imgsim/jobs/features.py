"""The features of a set of images: the pipeline run that every whole-set job starts with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import UsageError

if TYPE_CHECKING:
    from imgsim.engine import ImageResult, ProgressCallback
    from imgsim.features import FeatureParams
    from imgsim.store import FeatureStore


@dataclass(frozen=True)
class Failure:
    """A file that could not be read, and why."""

    path: Path
    reason: str


@dataclass(frozen=True)
class FeatureSet:
    """The stored feature values (packed bits for hashes) of the readable images of a set,
    in input order, with their paths, and the files that could not be read."""

    paths: list[str]
    values: NDArray[np.generic]
    failures: list[Failure] = field(default_factory=list)

    def require_images(self, inputs: Sequence[str | Path]) -> FeatureSet:
        """This set, or :class:`UsageError` when none of its images could be read."""
        if not self.paths:
            raise UsageError(f"no readable images in {', '.join(map(str, inputs))}")
        return self


FeatureSource = Callable[[Sequence[Path], str], FeatureSet]
"""What a whole-set job reads its images through: given the inputs (files and folders)
and the role of the set in the job (``generated``, ``reference``, ``queries``, ``gallery``
or ``set``), their feature set, with at least one image. The command line gives one that
reports on stderr; :func:`store_source` is the plain one."""


def features_of(
    paths: Sequence[Path],
    feature: str,
    params: FeatureParams | None = None,
    *,
    store: FeatureStore | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    on_result: Callable[[ImageResult], None] | None = None,
) -> FeatureSet:
    """The ``feature`` values of the image files ``paths`` (folders are expanded by
    :func:`find_images` first), through the ``store``, in input order.

    ``on_result`` sees every result as it arrives, unreadable files included (it may
    raise to stop the run); unreadable files are then left out of the values and listed
    in ``failures``.
    """
    from imgsim.engine import ExtractOptions, extract_files
    from imgsim.features import FeatureParams, get_feature

    spec = get_feature(feature)
    params = params or FeatureParams()
    options = ExtractOptions(features=(spec.name,), params=params)
    names: list[str] = []
    rows: list[NDArray[np.generic]] = []
    failures: list[Failure] = []
    for result in extract_files(paths, options, workers=workers, progress=progress, store=store):
        if on_result is not None:
            on_result(result)
        if result.error is not None:
            failures.append(Failure(result.path, result.error))
            continue
        names.append(str(result.path))
        rows.append(result.features[spec.name])
    if not rows:
        empty = np.empty((0, spec.stored_width(params)), dtype=spec.stored_dtype)
        return FeatureSet(names, empty, failures)
    return FeatureSet(names, np.stack(rows), failures)


def find_images(inputs: Sequence[str | Path]) -> Sequence[Path]:
    """The image files of ``inputs`` (files and folders), or :class:`UsageError` if none."""
    from imgsim.discovery import discover

    files = discover(inputs).files
    if not files:
        raise UsageError(f"no images found in {', '.join(map(str, inputs))}")
    return files


def refuse_unreadable(result: ImageResult) -> None:
    """An ``on_result`` for callers that want every image: the first unreadable file
    raises :class:`imgsim.BadImage`."""
    from imgsim.errors import BadImage

    if result.error is not None:
        raise BadImage(result.path, result.error)


def store_source(
    feature: str,
    params: FeatureParams | None = None,
    *,
    store: FeatureStore | None = None,
    workers: int | None = None,
    on_result: Callable[[ImageResult], None] | None = None,
) -> FeatureSource:
    """A :data:`FeatureSource` that reads through ``store`` and reports only to ``on_result``."""

    def source(inputs: Sequence[Path], role: str) -> FeatureSet:
        files = find_images(inputs)
        found = features_of(
            files, feature, params, store=store, workers=workers, on_result=on_result
        )
        return found.require_images(inputs)

    return source
