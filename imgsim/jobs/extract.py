"""The rows of ``imgsim extract``: one per image, with each feature as output shows it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imgsim.engine import ImageResult
    from imgsim.features import FeatureParams, FeatureSpec


def extraction_columns(specs: Sequence[FeatureSpec]) -> list[str]:
    """The columns of :func:`extraction_rows`."""
    return ["path", "width", "height", *(spec.name for spec in specs), "error"]


def extraction_rows(
    results: Iterable[ImageResult], specs: Sequence[FeatureSpec], params: FeatureParams
) -> Iterator[dict[str, Any]]:
    """One row per result, as they stream: path, size, each feature (hashes as hex,
    vectors in full) and the reason a file could not be read."""
    from imgsim.features import output_value

    for result in results:
        row: dict[str, Any] = {
            "path": str(result.path),
            "width": result.width,
            "height": result.height,
        }
        for spec in specs:
            value = result.features.get(spec.name)
            row[spec.name] = None if value is None else output_value(spec, value, params)
        row["error"] = result.error
        yield row
