"""The job behind ``imgsim quality``: the no-reference metrics of every image, gated.

:func:`quality_of` returns a :class:`QualityRun`, whose :meth:`~QualityRun.rows` streams
one row per image, in input order: its path and size, each metric's values, and the
reason it could not be read. Once the rows are drawn it holds the summary of every
column and the verdicts of the gates (``--gate "min(sharpness)>=50"``). The values come
through the engine (:mod:`imgsim.engine`): one full-resolution decode per file, the
feature store, the worker processes. Nothing here prints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgsim.gates import Gate, GatedColumns, parse_gates
from imgsim.images import DEFAULT_MAX_PIXELS
from imgsim.metrics.noref_entries import DEFAULT_QUALITY_METRICS
from imgsim.metrics.registry import NO_REFERENCE_METRICS

if TYPE_CHECKING:
    from imgsim.engine import ImageResult, ProgressCallback
    from imgsim.store import FeatureStore

ROW_NAMES = ("path", "width", "height")
"""The columns that name the image of a row, before its values and ``error``."""


@dataclass(frozen=True)
class QualityOptions:
    """Which no-reference metrics to compute, and how large an image may be decoded."""

    metrics: tuple[str, ...] = DEFAULT_QUALITY_METRICS
    max_pixels: int = DEFAULT_MAX_PIXELS

    def __post_init__(self) -> None:
        names = [NO_REFERENCE_METRICS.lookup(name, "metric").name for name in self.metrics]
        object.__setattr__(self, "metrics", tuple(dict.fromkeys(names)))

    @property
    def columns(self) -> list[str]:
        """The value columns of a row: each metric's outputs, in the order given."""
        return [column for name in self.metrics for column in NO_REFERENCE_METRICS[name].outputs]


def measured_values(result: ImageResult, metrics: Sequence[str]) -> dict[str, float | None]:
    """The values of each metric's outputs for one image, by column (``None``: unread)."""
    from imgsim.metrics.noref_specs import stored_outputs

    values: dict[str, float | None] = {}
    for name in metrics:
        metric = NO_REFERENCE_METRICS[name]
        stored = result.features.get(name)
        if stored is None:
            values.update(dict.fromkeys(metric.outputs))
        else:
            values.update(stored_outputs(metric, stored))
    return values


def quality_of(
    files: Sequence[Path], options: QualityOptions, gates: Sequence[Gate] = ()
) -> QualityRun:
    """The no-reference metrics of ``options`` for the image ``files``, and ``gates`` on
    their columns."""
    return QualityRun(list(files), options, list(gates))


def parse_quality_gates(texts: Sequence[str], options: QualityOptions) -> list[Gate]:
    """Gates on the value columns of ``options`` (``sharpness``, ``brightness_p5``, …)."""
    return parse_gates(texts, options.columns)


class QualityRun(GatedColumns):
    """The images of a run: their rows as they are measured, then what they add up to
    (summary and gates over the value columns)."""

    def __init__(self, files: list[Path], options: QualityOptions, gates: list[Gate]) -> None:
        super().__init__(options.columns, gates)
        self.files = files
        self.options = options

    @property
    def row_columns(self) -> list[str]:
        """Every column of a row: the image, its values, then ``error``."""
        return [*ROW_NAMES, *self.columns, "error"]

    def rows(
        self,
        *,
        store: AbstractContextManager[FeatureStore | None] | None = None,
        progress: AbstractContextManager[ProgressCallback | None] | None = None,
        workers: int | None = None,
        on_result: Callable[[ImageResult], None] | None = None,
        skip_bad: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """One row per image, in input order. ``store`` and ``progress`` are entered when
        the first row is drawn and left after the last; ``on_result`` sees every result,
        unreadable files included; with ``skip_bad`` an unreadable file gives no row."""
        from imgsim.engine import ExtractOptions, extract_files

        options = ExtractOptions(features=self.options.metrics, max_pixels=self.options.max_pixels)
        with (
            store if store is not None else contextlib.nullcontext() as opened,
            progress if progress is not None else contextlib.nullcontext() as advance,
        ):
            results = extract_files(
                self.files, options, workers=workers, progress=advance, store=opened
            )
            for result in results:
                if on_result is not None:
                    on_result(result)
                if result.error is not None and skip_bad:
                    continue
                row = {
                    "path": str(result.path),
                    "width": result.width,
                    "height": result.height,
                    **measured_values(result, self.options.metrics),
                    "error": result.error,
                }
                if result.error is None:
                    self.observe(row)
                yield row
