"""Exceptions raised by the library; `imgsim.cli` turns them into messages and exit codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class ImgsimError(Exception):
    """Base class of every error imgsim raises on purpose."""


class UsageError(ImgsimError):
    """The request cannot be carried out as given (exit status 2).

    Unknown feature or metric names, missing paths, folders without images.
    The message says what was wrong and what would be valid.
    """


@dataclass(frozen=True)
class Argument:
    """An argument as a message names it: alone (``hash_size``), or with a value
    (``bins=4``)."""

    name: str
    """The Python name of the argument (a keyword or a dataclass field)."""
    value: object = None
    """The value to show with it; ``None``: the name alone."""


def python_words(argument: Argument) -> str:
    """How the Python API writes an argument: ``hash_size``, ``bins=4``."""
    if argument.value is None:
        return argument.name
    return f"{argument.name}={argument.value}"


class ArgumentError(UsageError, ValueError):
    """An argument's value cannot be used; the message names the argument.

    The message is a ``template`` with one ``{}`` per argument, filled in with the
    Python names (``hash_size must be at least 2, got 1``). Another interface words
    the arguments its own way with :meth:`worded`: the command line writes its flags
    (``--hash-size must be at least 2, got 1``).
    """

    def __init__(self, template: str, *arguments: Argument) -> None:
        self.template = template
        self.arguments = arguments
        super().__init__(self.worded(python_words))

    def worded(self, words: Callable[[Argument], str]) -> str:
        """The message with each argument written by ``words``."""
        return self.template.format(*map(words, self.arguments))


class StatisticsMismatch(ArgumentError):
    """Reference statistics made with another feature, other options or another version.

    The message says how they were made and what was asked; :attr:`feature` and
    :attr:`options` are what to rebuild them with, which each interface words its own
    way (the Python API with :meth:`ReferenceStats.from_folder`).
    """

    def __init__(
        self, template: str, *arguments: Argument, feature: str, options: tuple[Argument, ...]
    ) -> None:
        super().__init__(template, *arguments)
        self.feature = feature
        self.options = options
        params = ", ".join(map(python_words, options))
        self.args = (
            f"{self.worded(python_words)}; rebuild them with "
            f"ReferenceStats.from_folder(REF, {feature!r}, FeatureParams({params}))",
        )


class BadImage(ImgsimError):
    """One file could not be decoded; the batch goes on without it (exit status 3)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
