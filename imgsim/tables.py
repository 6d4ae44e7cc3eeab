"""Rows of results → a rich table that fits its reader.

Scores are what a table is read for, so a number is never wrapped, cropped or
dropped. On a terminal that is too narrow, the path columns give way first: their
common leading directory goes to a line above the table, then long paths lose their
middle (``sample_ima…/astronaut.png``). Free text (error messages, vector previews,
descriptions) folds. When even that cannot fit, the lines run longer than the
terminal: a wrapped line can still be read, a dropped score cannot. A table that goes
to a pipe or a file is as wide as its content, since no one knows how it will be read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

Row = Mapping[str, Any]

PATH_COLUMNS = frozenset({"path", "a", "b", "query", "match"})
_VECTOR_PREVIEW = 3
_ELLIPSIS = "…"
_PATH_MIN = 12
"""Shortest a path is cut to: still a recognisable file name (``hub…ield.png``)."""
_FOLD_COMFORTABLE = 24
"""Free text folds down to this width before a path is shortened, and further only
once the paths are as short as they get."""
_FOLD_MIN = 10


class _Kind(Enum):
    number = "number"  # right-aligned, natural width, never wraps
    token = "token"  # one word (a hash, a name): natural width, never wraps
    path = "path"  # one line, shortened on a narrow terminal
    text = "text"  # may fold (error messages, vector previews, descriptions)


@dataclass
class _Column:
    name: str
    kind: _Kind
    cells: list[str]
    footer: list[str]
    width: int = 0

    def natural(self) -> int:
        from rich.cells import cell_len

        return max(cell_len(text) for text in [self.name, *self.cells, *self.footer])


def write_table(
    rows: Iterable[Row],
    columns: Sequence[str],
    stream: IO[str],
    *,
    footer: Callable[[], Sequence[Row]],
    width: int | None = None,
) -> None:
    """Write ``rows`` as a table, then the rows ``footer()`` returns below a rule.

    ``width`` is the space available; by default the terminal's when ``stream`` is
    one (rich finds it, honouring ``COLUMNS``), else unlimited.
    """
    from rich.console import Console
    from rich.text import Text

    body = list(rows)
    shown = [c for c in columns if c != "error"]
    if any(row.get("error") for row in body):
        shown.append("error")
    below = footer()
    table = [_column(name, body, below) for name in shown]
    available = width if width is not None else _terminal_width(stream)
    prefixes: list[str] = []
    if available is not None and _table_width(col.natural() for col in table) > available:
        prefixes = [_remove_common_directory(col) for col in table if col.kind is _Kind.path]
    _fit(table, available)
    console = Console(
        file=stream,
        width=_table_width(col.width for col in table),
        soft_wrap=False,
        highlight=False,
    )
    caption = "   ".join(prefix for prefix in prefixes if prefix)
    # Rendered first, then written: rich would answer a closed pipe itself with exit 1,
    # the status of a failed gate; the caller decides what a closed pipe means.
    with console.capture() as rendered:
        if caption:
            console.print(Text(caption), soft_wrap=True)
        console.print(_render(table, has_body=bool(body)))
    stream.write(rendered.get())


def _terminal_width(stream: IO[str]) -> int | None:
    try:
        if not stream.isatty():
            return None
    except ValueError:  # a closed stream: whatever is written fails the same way
        return None
    from rich.console import Console

    return Console(file=stream).width


def _column(name: str, body: Sequence[Row], footer: Sequence[Row]) -> _Column:
    values = [row.get(name) for row in body]
    cells = [table_cell(value) for value in values]
    if is_numeric(body, name):
        kind = _Kind.number
    elif name in PATH_COLUMNS:
        kind = _Kind.path
    elif name == "error" or any(" " in cell for cell in cells):  # vector previews too
        kind = _Kind.text
    else:
        kind = _Kind.token
    return _Column(name, kind, cells, [table_cell(row.get(name)) for row in footer])


def _table_width(widths: Iterable[int]) -> int:
    # rich's Table without outer edges: one space either side of each cell, and one
    # rule character between two columns.
    widths = list(widths)
    return max(sum(widths) + 3 * len(widths) - 1, 1)


def _remove_common_directory(column: _Column) -> str:
    """Cut the leading directories all the column's paths share; say what was cut."""
    paths = [cell for cell in column.cells if cell]
    # A string prefix, cut back to a separator: the part every path starts with.
    common = os.path.commonprefix(paths) if paths else ""  # noqa: RUF071
    cut = max(common.rfind("/"), common.rfind(os.sep)) + 1
    if cut <= 1:  # nothing shared, or only the root: the paths would look relative
        return ""
    column.cells = [cell[cut:] if cell else cell for cell in column.cells]
    return f"{column.name}: {common[:cut]}"


def _fit(table: list[_Column], available: int | None) -> None:
    """Set each column's width: numbers and tokens whole, paths and text to fit."""
    for column in table:
        column.width = column.natural()
    if available is None:
        return
    flexible = [col for col in table if col.kind in (_Kind.path, _Kind.text)]
    fixed = [col.width for col in table if col not in flexible]
    budget = available - _table_width([*fixed, *(0 for _ in flexible)])
    # The first stage whose narrowest table fits is used, as wide as the budget allows.
    for stage in range(_STAGES):
        ranges = [_stage_range(col, stage) for col in flexible]
        if sum(low for low, _ in ranges) <= budget:
            break
    widths = _cap(ranges, budget)
    for column, column_width in zip(flexible, widths, strict=True):
        column.width = column_width
        if column.kind is _Kind.path:
            column.cells = [middle_ellipsis(cell, column_width) for cell in column.cells]


_STAGES = 3


def _stage_range(column: _Column, stage: int) -> tuple[int, int]:
    """The narrowest and widest a column may be at each stage of giving way.

    0: paths whole, text folded down to a comfortable width; 1: text at that width,
    paths shortened; 2: paths at their shortest, text folded further.
    """
    natural = column.natural()
    comfortable = min(natural, _FOLD_COMFORTABLE)
    shortest = min(natural, _shortest(column))
    if column.kind is _Kind.path:
        return ((natural, natural), (shortest, natural), (shortest, shortest))[stage]
    return ((comfortable, natural), (comfortable, comfortable), (shortest, comfortable))[stage]


def _shortest(column: _Column) -> int:
    if column.kind is _Kind.text:
        return _FOLD_MIN
    # Footer labels (mean, median) are not paths and are never cut.
    return max([_PATH_MIN, *(len(cell) for cell in column.footer)])


def _cap(ranges: Sequence[tuple[int, int]], budget: int) -> list[int]:
    """The widest columns give way first: one cap for all, as high as the budget allows."""
    top = max((high for _, high in ranges), default=0)
    for cap in range(top, -1, -1):
        widths = [max(low, min(high, cap)) for low, high in ranges]
        if sum(widths) <= budget:
            return widths
    return [low for low, _ in ranges]


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal cells, its middle replaced by ``…``.

    The end of a path says most (the file name), so the tail keeps at least half of
    the room, and up to two thirds of it when that keeps the whole file name.
    """
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    room = max(width - 1, 0)
    name = max(text.rfind("/"), text.rfind(os.sep))
    tail = min(max(len(text) - name, room - room // 2), room - room // 3)
    head = room - tail
    # Wide characters (CJK file names) take two cells: give up characters until it fits.
    while head + tail > 0 and cell_len(text[:head]) + cell_len(text[len(text) - tail :]) > room:
        if head >= tail:
            head -= 1
        else:
            tail -= 1
    return text[:head] + _ELLIPSIS + text[len(text) - tail :]


def _render(table: list[_Column], *, has_body: bool) -> Table:
    from rich.table import Table
    from rich.text import Text

    rendered = Table(show_edge=False, header_style="bold")
    for column in table:
        rendered.add_column(
            Text(column.name),
            justify="right" if column.kind is _Kind.number else "left",
            width=column.width,
            no_wrap=column.kind is not _Kind.text,
            overflow="fold",
        )
    for index in range(len(table[0].cells) if table else 0):
        rendered.add_row(*(Text(column.cells[index]) for column in table))
    footer_rows = len(table[0].footer) if table else 0
    if footer_rows and has_body:
        rendered.rows[-1].end_section = True
    for index in range(footer_rows):
        rendered.add_row(*(Text(column.footer[index]) for column in table), style="bold")
    return rendered


def is_numeric(rows: Sequence[Row], column: str) -> bool:
    """Whether every value of ``column`` that is there is a number."""
    values = [row.get(column) for row in rows if row.get(column) is not None]
    return bool(values) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
    )


def table_cell(value: Any) -> str:
    """A value as a table shows it: numbers to 6 digits, vectors previewed."""
    from imgsim.output import format_number

    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, list):
        head = " ".join(f"{v:.3g}" for v in value[:_VECTOR_PREVIEW])
        if len(value) > _VECTOR_PREVIEW:
            return f"[{head} … ({len(value)} values)]"
        return f"[{head}]"
    return str(value)
