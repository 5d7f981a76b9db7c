"""The staged parser: read → normalize → structure → references → relations → tasks."""

from __future__ import annotations

from pathlib import Path

from ingest.readers import SourceText, read_file
from ingest.registry import Registry
from kg.document import ExtractedDocument


def extract_file(path: Path, registry: Registry) -> ExtractedDocument:
    """Read and parse one file. Raises ``UnreadableFileError`` for files that cannot be read."""
    return extract_source(read_file(Path(path)), registry)


def extract_source(source: SourceText, registry: Registry) -> ExtractedDocument:
    """Parse already-read text into the extraction contract."""
    raise NotImplementedError("parser stages land in the next commit")
