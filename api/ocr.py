"""OCR options taken from the settings, shared by the corpus (``kg ingest``, uploads) and ``kg extract``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from api.settings import Settings
from ingest.ocr import OcrOptions

OcrProgress = Callable[[Path, int, int], None]  # (file, pages recognized, pages to recognize)


def ocr_options(settings: Settings, path: Path, progress: OcrProgress | None = None) -> OcrOptions:
    """How scanned pages of ``path`` are recognized: cached under the home, ``progress`` told per page."""
    report = (lambda done, total: progress(path, done, total)) if progress else None
    if settings.ocr_workers > 0:
        return OcrOptions(cache_dir=settings.ocr_cache_path, workers=settings.ocr_workers, progress=report)
    return OcrOptions(cache_dir=settings.ocr_cache_path, progress=report)
