"""How the command line words the library's messages: each argument as the running
command's flag, each call as its command (see :class:`imgsim.errors.Wording`)."""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator

from imgsim.errors import (
    ArgumentError,
    Call,
    StatisticsMismatch,
    Term,
    Wording,
    python_words,
)


def worded_for_the_command_line(error: ArgumentError, command: Callable[..., None]) -> str:
    """The library's message with the command's flags; statistics to rebuild are rebuilt
    with ``imgsim stats`` (whose feature options are the same flags)."""
    words = _flag_words(command)
    message = error.worded(words)
    if isinstance(error, StatisticsMismatch):
        options = "".join(f"{words(option)} " for option in error.options)
        message += (
            f"; rebuild them with `imgsim stats REF -f {error.feature} {options}--out FILE.npz`"
        )
    return message


_COMMANDS = {
    "write_statistics": "`imgsim stats`",
    "read_statistics": "`imgsim compare --set`",
    "write_gallery": "`imgsim extract --out`",
    "read_gallery": "`imgsim rank`",
    "write_gallery_of": "run `imgsim extract GALLERY -f {feature} --out {file}`",
    "clear_store": "`imgsim cache clear`",
    "store_elsewhere": "point --cache",
    "no_store": "--no-cache",
}
"""How the command line does each :class:`~imgsim.errors.Call` that library messages name
(templates of the call's values); a call not listed keeps the Python API's words."""

_running_command: contextvars.ContextVar[Callable[..., None] | None] = contextvars.ContextVar(
    "running_command", default=None
)
"""The command being run (see :func:`handle_errors`): library text is worded with its flags."""


@contextlib.contextmanager
def running(command: Callable[..., None]) -> Iterator[None]:
    """While it lasts, library text is worded with ``command``'s flags."""
    token = _running_command.set(command)
    try:
        yield
    finally:
        _running_command.reset(token)


def command_line_text(text: str) -> str:
    """Library text as the command line says it: each argument or call it names
    (a :class:`~imgsim.errors.Wording`) as the running command's flag or command."""
    if not isinstance(text, Wording):
        return text
    return text.worded(_flag_words(_running_command.get()))


@functools.lru_cache(maxsize=64)
def _flag_words(command: Callable[..., None] | None) -> Callable[[Term], str]:
    """How the command line writes a library argument: as the flag of the command's option
    of that name (``hash_size`` is ``--hash-size``, ``bins=4`` is ``--bins 4``, a flag
    that is on, ``resize=True``, is ``--resize``); and a call, as its command."""
    flags = _option_flags(command) if command is not None else {}

    def words(term: Term) -> str:
        if isinstance(term, Call):
            template = _COMMANDS.get(term.name)
            return term.worded(template) if template is not None else python_words(term)
        flag = flags.get(term.name, f"--{term.name.replace('_', '-')}")
        if term.value is None or term.value is True:
            return flag
        # Several values are written as the flag reads them: --onnx-size 224,160.
        value = term.value
        text = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
        return f"{flag} {text}"

    return words


def _option_flags(command: Callable[..., None]) -> dict[str, str]:
    """``{parameter name: long flag}`` of the command's Typer options."""
    import typing

    try:
        hints = typing.get_type_hints(command, include_extras=True)
    except (NameError, TypeError):  # an annotation only imported for type checking
        return {}
    flags: dict[str, str] = {}
    for name, hint in hints.items():
        for info in getattr(hint, "__metadata__", ()):
            # In ``Annotated``, Typer takes the first name given to typer.Option as its default.
            declared = [getattr(info, "default", None), *(getattr(info, "param_decls", None) or ())]
            long_flags = [d for d in declared if isinstance(d, str) and d.startswith("--")]
            if long_flags:
                flags[name] = long_flags[0]
    return flags
