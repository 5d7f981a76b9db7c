"""Errors the product reports to users. Messages name the file and say what to do."""

from __future__ import annotations

from pathlib import Path


class KgError(Exception):
    """Base of every error shown to a user as one line."""


class UnreadableFileError(KgError):
    """A file that cannot be turned into a document (empty, junk, scan, bomb, ...)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnknownReferenceError(KgError):
    """A REF typed by the user that names no known document."""
