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
import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from imgsim.errors import Argument, ArgumentError

Command = TypeVar("Command", bound=Callable[..., None])
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
    that ``--scheduler`` names (the options it does not declare are not passed to it).

    Apply it under :func:`~imgsim.cli.common.handle_errors`, which turns an unreachable
    scheduler or a missing Dask into exit status 2 with the message."""
    signature = inspect.signature(command, eval_str=True)
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hint)
        for name, hint, default in _RUN_OPTIONS
        if name not in signature.parameters
    ]
    names = {parameter.name for parameter in added}

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        scheduler = kwargs.get("scheduler")
        ship_bytes = bool(kwargs.get("ship_bytes", False))
        timeout = float(kwargs.get("connect_timeout", DEFAULT_CONNECT_TIMEOUT))
        with _run_on(scheduler, ship_bytes=ship_bytes, connect_timeout=timeout):
            command(*args, **{key: value for key, value in kwargs.items() if key not in names})

    parameters = [*signature.parameters.values(), *added]
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {
        "return": signature.return_annotation
    }
    return wrapper  # type: ignore[return-value]


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
