"""OCR options taken from the settings, shared by the corpus (``kg ingest``, uploads) and ``kg extract``."""

from __future__ import annotations

from api.settings import Settings
from ingest.ocr import OcrOptions, Progress


def ocr_options(settings: Settings, progress: Progress | None = None) -> OcrOptions:
    """How scanned pages are recognized: cached under the home, ``progress`` told about each page."""
    if settings.ocr_workers > 0:
        return OcrOptions(cache_dir=settings.ocr_cache_path, workers=settings.ocr_workers, progress=progress)
    return OcrOptions(cache_dir=settings.ocr_cache_path, progress=progress)
