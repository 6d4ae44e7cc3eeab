"""Exceptions raised by the library; `imgsim.cli` turns them into messages and exit codes."""

from __future__ import annotations

from pathlib import Path


class ImgsimError(Exception):
    """Base class of every error imgsim raises on purpose."""


class UsageError(ImgsimError):
    """The request cannot be carried out as given (exit status 2).

    Unknown feature or metric names, missing paths, folders without images.
    The message says what was wrong and what would be valid.
    """


class BadImage(ImgsimError):
    """One file could not be decoded; the batch goes on without it (exit status 3)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
