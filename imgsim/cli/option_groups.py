"""Groups of options that several commands share, added to each by one decorator.

Typer has no option groups: a command declares its options as its parameters. A group
(the feature options, the report options, the run options) is declared once, as
``(parameter, annotation, default)`` triples, and :func:`with_options` adds it to a
command's signature after the command's own parameters, so that Typer parses the
options and library messages word them as their flags; the command reads their values
from its context.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

Command = TypeVar("Command", bound=Callable[..., None])
OptionDeclaration = tuple[str, Any, Any]
"""``(parameter, annotation, default)``: an option as a command would declare it."""
Around = Callable[[Mapping[str, Any]], contextlib.AbstractContextManager[object]]
"""What the command's body runs in, made from the parsed values of the group's options."""


def with_options(
    command: Command, options: Sequence[OptionDeclaration], *, around: Around | None = None
) -> Command:
    """``command`` with ``options`` among its parameters, after its own (an option it
    declares itself stays as declared, and is passed to it); its body runs inside
    ``around(values)`` when given."""
    signature = inspect.signature(command, eval_str=True)
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hint)
        for name, hint, default in options
        if name not in signature.parameters
    ]
    names = {parameter.name for parameter in added}

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        own = {key: value for key, value in kwargs.items() if key not in names}
        with around(kwargs) if around is not None else contextlib.nullcontext():
            command(*args, **own)

    parameters = [*signature.parameters.values(), *added]
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {
        "return": signature.return_annotation
    }
    return wrapper  # type: ignore[return-value]
