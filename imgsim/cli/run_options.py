"""Where a command's work runs: the local process pool, or a Dask cluster.

:func:`with_run_options` gives a command ``--scheduler``, ``--ship-bytes`` and
``--connect-timeout``, and runs its body inside :func:`imgsim.distributed.cluster`
when ``--scheduler`` is given, so that every chunk of work the command sends to
:mod:`imgsim.parallel` goes to the cluster. Library messages name the arguments
``scheduler``, ``ship_bytes`` and ``connect_timeout``, which the command line words as
these flags.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer

from imgsim.cli.option_groups import Command, with_options
from imgsim.errors import Argument, ArgumentError

PANEL = "Distributed run (Dask, pip install 'imgsim[dask]')"
DEFAULT_CONNECT_TIMEOUT = 10.0

_RUN_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    (
        "scheduler",
        Annotated[
            str | None,
            typer.Option(
                "--scheduler",
                metavar="tcp://HOST:PORT|local:N",
                rich_help_panel=PANEL,
                help="Run on the Dask scheduler at tcp://HOST:PORT, or on a local cluster of "
                "N worker processes started for the run (local:N) [default: the local "
                "process pool].",
            ),
        ],
        None,
    ),
    (
        "ship_bytes",
        Annotated[
            bool,
            typer.Option(
                "--ship-bytes",
                rich_help_panel=PANEL,
                help="With --scheduler: send each file's contents with its task, for workers "
                "that cannot read the files [default: workers read the paths].",
            ),
        ],
        False,
    ),
    (
        "connect_timeout",
        Annotated[
            float,
            typer.Option(
                "--connect-timeout",
                min=0.1,
                metavar="SECONDS",
                rich_help_panel=PANEL,
                help="With --scheduler: give up on a scheduler that cannot be reached after "
                "this long.",
            ),
        ],
        DEFAULT_CONNECT_TIMEOUT,
    ),
)
"""``(parameter, annotation, default)`` of every run option, as commands declare them."""


def with_run_options(command: Command) -> Command:
    """``command`` with the run options among its parameters, its body run on the cluster
    that ``--scheduler`` names.

    Apply it under :func:`~imgsim.cli.common.handle_errors`, which turns an unreachable
    scheduler or a missing Dask into exit status 2 with the message."""
    return with_options(
        command,
        _RUN_OPTIONS,
        around=lambda values: _run_on(
            values.get("scheduler"),
            ship_bytes=bool(values.get("ship_bytes", False)),
            connect_timeout=float(values.get("connect_timeout", DEFAULT_CONNECT_TIMEOUT)),
        ),
    )


def _run_on(
    scheduler: str | None, *, ship_bytes: bool, connect_timeout: float
) -> contextlib.AbstractContextManager[object]:
    """The cluster of the run, or nothing (the local pool) without a scheduler."""
    if scheduler is None:
        if ship_bytes:
            raise ArgumentError(
                "{} needs {}: files are shipped to Dask workers only",
                Argument("ship_bytes"),
                Argument("scheduler"),
            )
        return contextlib.nullcontext()
    from imgsim.distributed import cluster

    return cluster(scheduler, ship_bytes=ship_bytes, connect_timeout=connect_timeout)
