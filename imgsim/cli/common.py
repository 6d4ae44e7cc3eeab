"""What every ``imgsim`` command shares: the Typer app, options, errors, output."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from imgsim.cli import guard
from imgsim.cli.gate_report import ROW_KEYS as ROW_KEYS
from imgsim.cli.gate_report import gate_json as gate_json
from imgsim.cli.gate_report import report_gates as report_gates
from imgsim.cli.gate_report import summary_json as summary_json
from imgsim.cli.progress import progress_bar as progress_bar
from imgsim.cli.wording import command_line_text as command_line_text
from imgsim.cli.wording import running, worded_for_the_command_line
from imgsim.defaults import DEFAULT_K as DEFAULT_K
from imgsim.defaults import DEFAULT_MAX_PIXELS as DEFAULT_MAX_PIXELS
from imgsim.defaults import DEFAULT_SEED as DEFAULT_SEED
from imgsim.defaults import DEFAULT_SUBSET_SIZE as DEFAULT_SUBSET_SIZE
from imgsim.defaults import DEFAULT_SUBSETS as DEFAULT_SUBSETS
from imgsim.errors import (
    ArgumentError,
    ImgsimError,
    UsageError,
    Wording,
    message_of,
)
from imgsim.output import Format

if TYPE_CHECKING:
    from imgsim.engine import ImageResult
    from imgsim.output import Epilogue
    from imgsim.store import FeatureStore

EXIT_OK, EXIT_GATE_FAILED, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3


def exit_status(*codes: int) -> int:
    """The status of a run from what each part of it says: the lowest non-zero code wins
    (a failed gate, 1, before unreadable inputs, 3: the verdict is what CI acts on)."""
    return min((code for code in codes if code), default=EXIT_OK)


app = typer.Typer(
    name="imgsim",
    help="Score generated images: against references, as a set, and for diversity.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FeatureOption = Annotated[
    list[str] | None,
    typer.Option(
        "--feature",
        "-f",
        help="Feature name(s), repeatable or comma-separated (see `imgsim list`).",
    ),
]
FormatOption = Annotated[
    Format | None,
    typer.Option("--format", help="Output format [default: table on a terminal, else csv]."),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write results to this file; its extension names the format."),
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", "-j", min=1, help="Processes [default: all cores].")
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No summary or progress on stderr.")
]
SkipBadOption = Annotated[
    bool, typer.Option("--skip-bad", help="Unreadable files are reported but do not set exit 3.")
]
MaxPixelsOption = Annotated[
    int, typer.Option("--max-pixels", min=1, help="Refuse images with more pixels (bomb guard).")
]
KOption = Annotated[
    int,
    typer.Option("--k", "-k", min=1, help="With --set: neighbours of precision … coverage."),
]
SubsetsOption = Annotated[int, typer.Option("--subsets", min=1, help="With --set: kid subsets.")]
SubsetSizeOption = Annotated[
    int, typer.Option("--subset-size", min=2, help="With --set: images per kid subset.")
]
SeedOption = Annotated[int, typer.Option("--seed", help="With --set: kid's random seed.")]
CacheOption = Annotated[
    Path | None,
    typer.Option(
        "--cache",
        help="Feature store file [default: $IMGSIM_CACHE, else the user cache directory].",
    ),
]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="Neither read nor write the feature store.")
]


def _print_version(value: bool) -> None:
    if value:
        from imgsim import __version__

        sys.stdout.write(f"imgsim {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Score generated images: against references, as a set, and for diversity."""


Command = TypeVar("Command", bound=Callable[..., None])


def handle_errors(command: Command) -> Command:
    """Turn library exceptions into one-line messages and exit codes, in one place."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        _unread_folders.clear()
        with guard.guarded(), running(command):
            try:
                command(*args, **kwargs)
            except typer.Exit as done:
                # Unlistable folders are inputs that could not be read, as bad files are.
                if done.exit_code == EXIT_OK and _unread_folders and not kwargs.get("skip_bad"):
                    raise typer.Exit(EXIT_UNREADABLE) from None
                raise
            except ArgumentError as error:  # worded with the command's flags
                print_error(worded_for_the_command_line(error, command))
                raise typer.Exit(EXIT_USAGE) from None
            except ImgsimError as error:  # UsageError and every other deliberate error
                print_error(message_of(error))
                raise typer.Exit(EXIT_USAGE) from None
            except BrokenPipeError:  # stdout closed where no rows are written (`cache info`)
                guard.silence_stdout()
                raise typer.Exit(EXIT_OK) from None
            except KeyboardInterrupt as interruption:
                _report_interruption(interruption)

    return wrapper  # type: ignore[return-value]


def _report_interruption(interruption: KeyboardInterrupt) -> None:
    """The short summary of an interrupted run, and its exit status (130 or 143)."""
    signalled = isinstance(interruption, guard.Interrupted)
    name = f" by {interruption.args[0]}" if signalled else ""
    done = "; ".join(guard.interrupted_summary())
    print_error(f"interrupted{name}" + (f": {done} so far" if done else ""))
    if isinstance(interruption, guard.Interrupted):
        guard.exit_now(interruption.exit_code)
    raise typer.Exit(130) from None


def print_error(message: str) -> None:
    sys.stderr.write(f"imgsim: {one_line(command_line_text(message))}\n")


def print_warning(message: str) -> None:
    sys.stderr.write(f"imgsim: warning: {one_line(command_line_text(message))}\n")


def one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def plural(count: int, noun: str) -> str:
    """``1 image``, ``2 images``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def input_path(text: str) -> Path:
    """A path argument as typed; an empty one (an unset shell variable, most likely)
    names nothing, where Python would read it as the current folder."""
    if not text:
        raise typer.BadParameter("an empty path names no file or folder (is a variable unset?)")
    return Path(text)


def split_names(values: list[str] | None) -> list[str]:
    """``-f a -f b`` and ``-f a,b`` alike."""
    return [name.strip() for value in values or [] for name in value.split(",") if name.strip()]


def resolve_format(fmt: Format | None, out: Path | None) -> Format:
    from imgsim.output import format_for_path

    if out is not None:
        from_suffix = format_for_path(out)
        if fmt is not None and fmt is not from_suffix:
            raise UsageError(f"--format {fmt.value} contradicts --out {out}")
        return from_suffix if from_suffix is not None else Format.csv
    if fmt is not None:
        return fmt
    return Format.table if sys.stdout.isatty() else Format.csv


@contextlib.contextmanager
def open_store(cache: Path | None, no_cache: bool) -> Iterator[FeatureStore | None]:
    """The feature store of this run (closed, i.e. committed, at the end), or ``None``."""
    if no_cache:
        yield None
        return
    from imgsim.store import FeatureStore, default_location

    store = FeatureStore(cache or default_location(), on_problem=print_warning)
    try:
        yield store
    finally:
        store.close()


def emit(
    rows: Iterator[dict[str, Any]],
    columns: list[str],
    fmt: Format,
    out: Path | None,
    epilogue: Callable[[], Epilogue] | None = None,
) -> None:
    """Write the rows to ``out`` or stdout; every row is consumed, whoever reads them.

    When stdout's reader stops early (``| head``), the remaining rows are still
    drawn, unwritten, so that the gates see them all and the exit status is the
    verdict of the whole run.
    """
    from imgsim.output import atomic_text_file, write_rows

    rows = map(_worded_row, rows)
    complete = _complete_json(epilogue)
    if out is not None:
        with atomic_text_file(out) as stream:
            write_rows(rows, columns, fmt, stream, epilogue=complete)
        return
    try:
        write_rows(rows, columns, fmt, sys.stdout, epilogue=complete)
        sys.stdout.flush()
    except (BrokenPipeError, ValueError) as error:  # the reader went, or stdout was closed
        if isinstance(error, ValueError) and not sys.stdout.closed:
            raise
        guard.silence_stdout()
        for _ in rows:
            pass


def _worded_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its ``error`` as the command line says it."""
    error = row.get("error")
    if isinstance(error, Wording):
        return {**row, "error": command_line_text(error)}
    return row


def _complete_json(epilogue: Callable[[], Epilogue] | None) -> Callable[[], Epilogue]:
    """Every command's JSON has ``rows``, ``summary`` and ``gates``, empty where nothing
    applies."""
    from imgsim.output import Epilogue

    def complete() -> Epilogue:
        given = epilogue() if epilogue is not None else Epilogue()
        extra = {"summary": {}, "gates": [], **given.json_extra}
        return Epilogue(table_rows=given.table_rows, json_extra=extra)

    return complete


class Tally:
    """Counts results as they stream by and reports unreadable files on stderr."""

    def __init__(self) -> None:
        self.done = 0
        self.stored = 0
        self.failed = 0
        guard.on_interrupt(self.summary)

    def observe(self, result: ImageResult) -> None:
        """Count one result; an unreadable file is reported on stderr as it comes."""
        self.done += 1
        self.stored += result.stored
        if result.error is not None:
            self.failed += 1
            sys.stderr.write(f"{one_line(str(result.path))}: {command_line_text(result.error)}\n")

    def summary(self) -> str:
        computed = self.done - self.stored - self.failed
        return (
            f"{plural(self.done, 'image')}: {computed} computed, {self.stored} from the store, "
            f"{self.failed} unreadable{unreadable_folders_note()}"
        )

    def exit_code(self, skip_bad: bool) -> int:
        return EXIT_UNREADABLE if self.failed and not skip_bad else EXIT_OK


_unread_folders: list[Path] = []
"""Folders of this command's inputs that could not be listed (they set exit status 3)."""


def report_unreadable_folders(folders: Sequence[tuple[Path, str]]) -> None:
    """Name each folder that could not be listed; they set exit status 3 (see handle_errors)."""
    for folder, reason in folders:
        if folder not in _unread_folders:  # the same folder may be walked twice (compare D D)
            sys.stderr.write(f"{one_line(str(folder))}: {reason}; its images are left out\n")
            _unread_folders.append(folder)


def unreadable_folders_note() -> str:
    """``, 1 folder unreadable`` for a summary line, when folders could not be listed."""
    count = len(_unread_folders)
    return f", {plural(count, 'folder')} unreadable" if count else ""


def discover_images(paths: list[Path]) -> Sequence[Path]:
    from imgsim.discovery import discover

    found = discover(paths)
    report_unreadable_folders(found.unreadable_folders)
    if not found.files:
        ignored = f" ({found.ignored} other files ignored)" if found.ignored else ""
        raise UsageError(f"no images found in {', '.join(map(str, paths))}{ignored}")
    return found.files
