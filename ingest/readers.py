"""Readers: a file on disk → its text (NFC) and provenance. Bad files raise UnreadableFileError."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kg.errors import UnreadableFileError
from kg.text import nfc


@dataclass(frozen=True, slots=True)
class SourceText:
    """What a reader returns: the text and where it came from."""

    path: str
    sha256: str
    format: str  # txt | docx | pdf | doc
    text: str


def read_file(path: Path) -> SourceText:
    """Read ``path`` into NFC text, or raise :class:`UnreadableFileError` with a one-line reason."""
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFileError(path, "tệp rỗng (empty file)")
    text = data.decode("utf-8-sig")
    return SourceText(str(path), hashlib.sha256(data).hexdigest(), "txt", nfc(text))
