"""A metric's histogram as inline SVG: bars, the range below them, no script and no library."""

from __future__ import annotations

from html import escape

from imgsim.output import format_number
from imgsim.reports.model import MetricSummary

WIDTH = 240
HEIGHT = 72
_AXIS = 14
"""Room below the bars for the range's two ends."""


def histogram_svg(summary: MetricSummary) -> str:
    """The histogram of ``summary`` (its finite values); a line of text when there is none."""
    name = escape(summary.column.name)
    histogram = summary.histogram
    if histogram is None:
        return f'<p class="nohist">{name}: no finite values to draw</p>'
    counts = histogram.counts
    tallest = max(counts) or 1
    bar = WIDTH / len(counts)
    room = HEIGHT - _AXIS
    bars = []
    for index, count in enumerate(counts):
        height = room * count / tallest
        low = histogram.low + (histogram.high - histogram.low) * index / len(counts)
        bars.append(
            f'<rect x="{index * bar:.2f}" y="{room - height:.2f}" width="{bar - 1:.2f}" '
            f'height="{height:.2f}"><title>{count} at {escape(format_number(low))}'
            "</title></rect>"
        )
    low_text = escape(format_number(histogram.low))
    high_text = escape(format_number(histogram.high))
    return (
        f'<svg class="hist" role="img" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>histogram of {name}</title>"
        f'<g class="bars">{"".join(bars)}</g>'
        f'<text x="0" y="{HEIGHT - 2}">{low_text}</text>'
        f'<text x="{WIDTH}" y="{HEIGHT - 2}" text-anchor="end">{high_text}</text>'
        "</svg>"
    )
