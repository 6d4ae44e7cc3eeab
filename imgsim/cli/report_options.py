"""The report options of every command that scores images: ``--html``, ``--html-limit``,
``--summary`` and ``--junit``.

A command gets them all with :func:`with_report_options` (as it gets the feature options
from :func:`~imgsim.cli.feature_options.with_feature_options`), reads them from its context
with :func:`report_request`, and writes the reports after its rows with :func:`write_reports`.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from imgsim.cli.option_groups import Command, with_options
from imgsim.defaults import DEFAULT_MAX_PIXELS

if TYPE_CHECKING:
    from imgsim.reports import Report, RunInfo
    from imgsim.reports.runs import ReportRequest

PANEL = "Reports (written after the rows, with the same gate verdicts as the exit status)"
DEFAULT_HTML_LIMIT = 500
"""As :data:`imgsim.reports.html.DEFAULT_LIMIT` (not imported: ``--help`` stays fast)."""


def _option(*flags: str, **settings: Any) -> Any:
    return typer.Option(*flags, rich_help_panel=PANEL, **settings)


_REPORT_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    (
        "html",
        Annotated[
            Path | None,
            _option(
                "--html",
                metavar="FILE",
                help="Write a self-contained HTML report: the gates, each metric's histogram, "
                "the worst rows with their images (thumbnails embedded; no network access).",
            ),
        ],
        None,
    ),
    (
        "html_limit",
        Annotated[
            int,
            _option(
                "--html-limit",
                metavar="N",
                help="Rows the HTML report shows at most: the worst N; the totals say how "
                "many there were.",
            ),
        ],
        DEFAULT_HTML_LIMIT,
    ),
    (
        "summary",
        Annotated[
            Path | None,
            _option(
                "--summary",
                metavar="FILE",
                help='Write a Markdown summary (verdicts, statistics, worst rows), e.g. to "'
                '$GITHUB_STEP_SUMMARY". "-" writes it to stdout, which needs --out FILE for '
                "the rows (stdout holds them otherwise).",
            ),
        ],
        None,
    ),
    (
        "junit",
        Annotated[
            Path | None,
            _option(
                "--junit",
                metavar="FILE",
                help="Write JUnit XML: each gate a test case (a failed one lists its rows), "
                "each unreadable input an error; for GitLab, Jenkins, Azure.",
            ),
        ],
        None,
    ),
)
"""``(parameter, annotation, default)`` of every report option."""
NAMES = frozenset(name for name, _, _ in _REPORT_OPTIONS)


def with_report_options(command: Command) -> Command:
    """``command`` with the report options among its parameters, after its own: the
    command reads them from its context with :func:`report_request`."""
    return with_options(command, _REPORT_OPTIONS)


def report_request(given: Mapping[str, Any]) -> ReportRequest:
    """The reports asked for, from a command's parsed options (``typer.Context.params``);
    checked now, before any image is read."""
    from imgsim.reports.runs import ReportRequest

    def path(name: str) -> Path | None:  # the context holds the text typed
        value = given.get(name)
        return None if value is None else Path(value)

    return ReportRequest(
        html=path("html"),
        html_limit=given.get("html_limit", DEFAULT_HTML_LIMIT),
        summary=path("summary"),
        junit=path("junit"),
        out=path("out"),
    )


def run_info(ctx: typer.Context) -> RunInfo:
    """The command line as the report shows it: the command and the options given."""
    from imgsim.reports.runs import run_info as library_run_info

    return library_run_info(command_line(ctx))


def command_line(ctx: typer.Context) -> str:
    """``imgsim COMMAND`` and the arguments and options given on the command line (or
    from the environment), as a shell would read them back."""
    words = ctx.command_path.split()
    for parameter in ctx.command.params:
        name = parameter.name
        if name is None or name not in ctx.params:
            continue
        source = ctx.get_parameter_source(name)
        if source is None or source.name == "DEFAULT":
            continue
        words.extend(_words(parameter, ctx.params[name]))
    return shlex.join(words)


def _words(parameter: Any, value: Any) -> list[str]:
    """A parameter's value as it is typed: an argument's values alone, an option's each
    after its long flag, a flag that is on as its flag."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    texts = [str(getattr(item, "value", item)) for item in values]
    if parameter.param_type_name == "argument":
        return texts
    flag = next((o for o in parameter.opts if o.startswith("--")), parameter.opts[0])
    if getattr(parameter, "is_flag", False):
        return [flag] if value else []
    return [word for text in texts for word in (flag, text)]


def write_reports(
    request: ReportRequest, report: Callable[[], Report], max_pixels: int = DEFAULT_MAX_PIXELS
) -> None:
    """Write the reports asked for (``report`` is built only then), after the rows."""
    if request.wanted:
        request.write(report(), stdout=sys.stdout, max_pixels=max_pixels)
