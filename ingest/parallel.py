"""Extraction away from the store: in worker processes (or cluster tasks), then finished in order.

Extraction asks the corpus for the keys it already gives a number (to date an undated citation).
A worker cannot see the store, so it answers "none" and records every number it asked about;
the driver, which writes files in order, re-parses the already-read text only when the store does
know one of those numbers. The result is exactly what a one-file-at-a-time ingest gives.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.ocr import OcrOptions
from ingest.pipeline import extract_source
from ingest.readers import SourceText, read_file
from ingest.registry import Registry
from ingest.resolve import KnownKeys
from kg.document import ExtractedDocument
from kg.errors import KgError, UnreadableFileError

MIN_FILES_PER_WORKER = 4  # below this, starting processes costs more than it saves
FileOcrProgress = Callable[[Path, int, int], None]  # (file, pages recognized, pages to recognize)


@dataclass(frozen=True)
class Extraction:
    """One file read and parsed without the store: its text, its document, the numbers it looked up."""

    source: SourceText
    doc: ExtractedDocument
    asked: tuple[str, ...]


@dataclass(frozen=True)
class Failure:
    """A file that could not be read or parsed, with the one-line reason shown to the user."""

    reason: str


def failure_reason(err: BaseException) -> str:
    """The user-facing reason for an exception raised while reading or parsing a file."""
    if isinstance(err, UnreadableFileError):
        return err.reason
    if isinstance(err, KgError):
        return str(err)
    if isinstance(err, MemoryError):
        return "tệp quá lớn, không đủ bộ nhớ để xử lý"
    return f"lỗi khi xử lý tệp ({type(err).__name__}: {err})"


def extract_isolated(
    path: Path | str, registry: Registry, ocr: OcrOptions | None = None, ocr_progress: FileOcrProgress | None = None
) -> Extraction | Failure:
    """Read and parse one file with no access to the corpus (see the module docstring).

    ``ocr`` says how scanned pages are recognized; ``ocr_progress`` is told about each recognized page.
    """
    asked: list[str] = []

    def known(number: str) -> list[str]:
        asked.append(number)
        return []

    try:
        if ocr is not None and ocr_progress is not None:
            ocr = replace(ocr, progress=lambda done, total: ocr_progress(Path(path), done, total))
        source = read_file(Path(path), ocr=ocr)
        return Extraction(source, extract_source(source, registry, known), tuple(dict.fromkeys(asked)))
    except Exception as err:  # one bad file never stops the batch
        return Failure(failure_reason(err))


def finish(extraction: Extraction, registry: Registry, known: KnownKeys) -> ExtractedDocument:
    """The document a store-aware extraction gives: re-parsed only when the store knows an asked number."""
    if any(known(number) for number in extraction.asked):
        return extract_source(extraction.source, registry, known)
    return extraction.doc


_worker_registry: Registry | None = None  # per worker process, set once by its initializer
_worker_ocr: OcrOptions | None = None


def _init_worker(registry_path: str, ocr: OcrOptions | None = None) -> None:
    global _worker_registry, _worker_ocr
    _worker_registry = Registry.load(Path(registry_path))
    _worker_ocr = ocr


def _extract_in_worker(path: str) -> Extraction | Failure:
    assert _worker_registry is not None
    return extract_isolated(path, _worker_registry, _worker_ocr)


def worker_count(requested: int, files: int) -> int:
    """Processes worth starting for ``files`` files: ``requested`` (0: one per core), fewer for small batches."""
    cores = requested if requested > 0 else (os.cpu_count() or 1)
    return max(1, min(cores, files // MIN_FILES_PER_WORKER))


def extract_all(paths: Sequence[Path], registry: Registry, registry_path: Path, workers: int = 0,
                ocr: OcrOptions | None = None,
                ocr_progress: FileOcrProgress | None = None) -> Iterator[tuple[Path, Extraction | Failure]]:
    """``(path, result)`` for every path, in order; parsed in ``workers`` processes (0: one per core).

    In one process a scan's pages are recognized by ``ocr.workers`` Tesseract processes and each page is
    reported to ``ocr_progress``; with several worker processes each recognizes its file's pages with one
    Tesseract process (still one per core in all) and only whole files are reported.
    """
    count = worker_count(workers, len(paths))
    if count == 1:
        for path in paths:
            yield path, extract_isolated(path, registry, ocr, ocr_progress)
        return
    per_worker = replace(ocr, workers=1, progress=None) if ocr is not None else None
    # forkserver: workers start from a clean process, not a fork of one holding the store's threads.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ingest.pipeline"])
    with ProcessPoolExecutor(count, mp_context=context, initializer=_init_worker,
                             initargs=(str(registry_path), per_worker)) as pool:
        results = pool.map(_extract_in_worker, [str(p) for p in paths], chunksize=2)
        yield from zip(paths, results, strict=True)
