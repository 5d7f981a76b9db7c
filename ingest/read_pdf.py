"""Text of a PDF page by page: the text layer via pypdf, image-only pages through OCR (pdfium renders them).

A page keeps its text layer when it has one; a page with (almost) no text but an image on it is a scan and
goes to :func:`ingest.ocr.recognize`. Locked or broken files fail with what to do.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from ingest.ocr import MAX_PIXELS, OcrOptions, OcrPage, recognize
from kg.errors import UnreadableFileError

MIN_CHARS_PER_PAGE = 25  # a scan may carry a stray caption or a scanner's watermark, not a page of text


def _locked(path: Path) -> UnreadableFileError:
    return UnreadableFileError(
        path, "PDF được bảo vệ bằng mật khẩu, hãy gỡ mật khẩu rồi nạp lại (password-protected PDF)"
    )


def _pages(data: bytes, path: Path) -> list[str]:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:  # many PDFs only carry an owner password and open with the empty user password
            opened = reader.decrypt("")
        except (DependencyError, NotImplementedError):
            opened = 0
        if not opened:
            raise _locked(path)
    return [page.extract_text() or "" for page in reader.pages]


def _alnum(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _scanned_pages(data: bytes, path: Path, candidates: list[int]) -> list[int]:
    """Which of the ``candidates`` (0-based) carry an image: the pages worth recognizing."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFileError(path, f"tệp PDF bị hỏng, không dựng được trang (pdfium: {exc})") from None
    try:
        return [i for i in candidates if next(document[i].get_objects((pdfium_c.FPDF_PAGEOBJ_IMAGE,)), None)]
    finally:
        document.close()


def _ocr_pages(
    data: bytes, path: Path, numbers: list[int], sha256: str, ocr: OcrOptions
) -> list[OcrPage]:
    document = pdfium.PdfDocument(data)

    def render(index: int) -> tuple[Image.Image, float]:
        page = document[index]
        width, height = page.get_size()  # points
        scale = min(ocr.dpi / 72, math.sqrt(MAX_PIXELS / max(width * height, 1.0)))  # a huge page: fewer dpi
        return page.render(scale=scale, grayscale=True).to_pil(), scale * 72

    def renderer(index: int):
        return lambda: render(index)

    try:
        return recognize(((i + 1, renderer(i)) for i in numbers), len(numbers), path, sha256, ocr)
    finally:
        document.close()


def _no_text(path: Path, ocr_ran: bool) -> UnreadableFileError:
    if ocr_ran:
        return UnreadableFileError(
            path, "đã nhận dạng chữ (OCR) các trang quét nhưng không tìm thấy chữ nào (OCR found no text)"
        )
    return UnreadableFileError(
        path,
        "PDF không có lớp văn bản (bản quét), cần nhận dạng ký tự (OCR) trước khi nạp"
        " (no text layer: scanned PDF, run OCR first)",
    )


def pdf_text(
    data: bytes,
    path: Path,
    min_chars_per_page: int = MIN_CHARS_PER_PAGE,
    ocr: OcrOptions | None = None,
    sha256: str = "",
) -> tuple[str, list[OcrPage]]:
    """Pages of the PDF ``data`` joined by newlines, and the pages OCR read (when ``ocr`` is given).

    Raise :class:`UnreadableFileError` when the file is unusable or holds no text at all.
    """
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFileError(path, "không phải tệp PDF: thiếu phần đầu %PDF (not a PDF: no %PDF header)")
    try:
        pages = _pages(data, path)
    except UnreadableFileError:
        raise
    except FileNotDecryptedError:
        raise _locked(path) from None
    except Exception as exc:  # pypdf raises many types (and plain ValueError/KeyError) on broken files
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise UnreadableFileError(
            path, f"tệp PDF bị hỏng hoặc bị cắt cụt (corrupt or truncated PDF: {detail})"
        ) from None
    recognized: list[OcrPage] = []
    sparse = [i for i, page in enumerate(pages) if _alnum(page) < min_chars_per_page]
    if ocr is not None and sparse:
        scanned = _scanned_pages(data, path, sparse)
        if scanned:
            recognized = _ocr_pages(data, path, scanned, sha256, ocr)
            for page in recognized:
                pages[page.number - 1] = page.text
    text = "\n".join(pages)
    if _alnum(text) < min_chars_per_page * max(len(pages), 1):
        raise _no_text(path, bool(recognized))
    return text, recognized
