"""Text layer of a PDF via pypdf, page by page; scans and locked files fail with what to do."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

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


def pdf_text(data: bytes, path: Path, min_chars_per_page: int = MIN_CHARS_PER_PAGE) -> str:
    """Pages of the PDF ``data`` joined by newlines; raise :class:`UnreadableFileError` when unusable."""
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
    text = "\n".join(pages)
    if sum(ch.isalnum() for ch in text) < min_chars_per_page * max(len(pages), 1):
        raise UnreadableFileError(
            path,
            "PDF không có lớp văn bản (bản quét), cần nhận dạng ký tự (OCR) trước khi nạp"
            " (no text layer: scanned PDF, run OCR first)",
        )
    return text
