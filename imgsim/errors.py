"""Exceptions raised by the library; `imgsim.cli` turns them into messages and exit codes.

Messages that name an argument or a call are :class:`Wording` text: as a ``str`` they
read as the Python API writes things (``max_pixels``, ``imgsim.ReferenceStats.save``),
and another interface words the same terms its own way (the command line: its flags
and commands), so that no library message names a command-line flag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    (``bins=4``; a flag that is on, ``resize=True``)."""

    name: str
    """The Python name of the argument (a keyword or a dataclass field)."""
    value: object = None
    """The value to show with it; ``None``: the name alone."""


@dataclass(frozen=True)
class Call:
    """Something to run, as a message names it (what writes a file, what fixes a problem).

    Each interface has its own way of doing it: the Python API writes :attr:`python`,
    filled in with :attr:`values`; another interface looks its own words up by
    :attr:`name` (the command line: one of its commands).
    """

    name: str
    """What the call does, e.g. ``write_statistics``; the key other interfaces word."""
    python: str
    """The Python API's words, a :meth:`str.format` template of :attr:`values`."""
    values: tuple[tuple[str, object], ...] = ()
    """``(name, value)`` pairs the words are filled in with, e.g. ``(("feature", "phash"),)``."""

    def worded(self, template: str) -> str:
        """``template`` filled in with :attr:`values`."""
        return template.format(**dict(self.values))


Term = Argument | Call
"""What a message names, and each interface words its own way."""


def python_words(term: Term) -> str:
    """How the Python API writes a term: ``hash_size``, ``bins=4``,
    ``imgsim.ReferenceStats.save``."""
    if isinstance(term, Call):
        return term.worded(term.python)
    if term.value is None:
        return term.name
    return f"{term.name}={term.value}"


def literal(text: object) -> str:
    """``text`` (a path, a value) as literal text in a :class:`Wording` or
    :class:`ArgumentError` template: its braces doubled, so that only ``{}`` is a term."""
    return str(text).replace("{", "{{").replace("}", "}}")


class Wording(str):
    """Text that names arguments or calls: a ``template`` with one ``{}`` per term.

    As a ``str`` it is the text the Python API shows (each term by
    :func:`python_words`), so it can stand wherever a message or a reason is a string;
    :meth:`worded` writes the terms another interface's way. It survives pickling (a
    worker's reason reaches the main process) and, through :meth:`concat` and
    :meth:`joined`, composition into longer messages.
    """

    template: str
    terms: tuple[Term, ...]

    def __new__(cls, template: str, *terms: Term) -> Wording:
        text = super().__new__(cls, template.format(*map(python_words, terms)))
        text.template = template
        text.terms = terms
        return text

    def __getnewargs__(self) -> tuple[object, ...]:  # type: ignore[override]
        return (self.template, *self.terms)

    def worded(self, words: Callable[[Term], str]) -> str:
        """The text with each term written by ``words``."""
        return self.template.format(*map(words, self.terms))

    @classmethod
    def of(cls, term: Term) -> Wording:
        """The term alone."""
        return cls("{}", term)

    @classmethod
    def concat(cls, *parts: str) -> Wording:
        """The parts one after the other, keeping the terms of those that are wordings."""
        templates: list[str] = []
        terms: list[Term] = []
        for part in parts:
            if isinstance(part, Wording):
                templates.append(part.template)
                terms.extend(part.terms)
            else:
                templates.append(literal(part))
        return cls("".join(templates), *terms)

    @classmethod
    def joined(cls, separator: str, parts: Iterable[str]) -> Wording:
        """``separator.join(parts)``, keeping the terms of those that are wordings."""
        pieces: list[str] = []
        for part in parts:
            pieces += [separator, part] if pieces else [part]
        return cls.concat(*pieces)


def worded(text: str, words: Callable[[Term], str]) -> str:
    """``text`` with its terms written by ``words``; plain text as it is."""
    return text.worded(words) if isinstance(text, Wording) else text


def message_of(error: BaseException) -> str:
    """The message of ``error``, as a :class:`Wording` when it names terms."""
    if len(error.args) == 1 and isinstance(error.args[0], Wording):
        return error.args[0]
    return str(error)


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
        super().__init__(Wording(template, *arguments))

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
        # Python keywords: string values quoted (space='hsv'), as the call must be typed.
        params = ", ".join(f"{option.name}={option.value!r}" for option in options)
        self.args = (
            f"{self.worded(python_words)}; rebuild them with "
            f"ReferenceStats.from_folder(REF, {feature!r}, FeatureParams({params}))",
        )


class UnfitImage(ImgsimError):
    """A readable image that a feature or no-reference metric cannot be computed on (it
    is smaller than the metric's window): the file's row carries the reason, as a bad
    file's does, and the batch goes on (exit status 3)."""


class BadImage(ImgsimError):
    """One file could not be decoded; the batch goes on without it (exit status 3).

    :attr:`reason` may be a :class:`Wording` (``48x40 exceeds max_pixels 100``), which
    the message keeps.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(Wording.concat(str(path), ": ", reason))
        self.path = str(path)
        self.reason = reason
