"""Readers: a file on disk → its text (NFC) and provenance. Bad files raise UnreadableFileError.

The extension picks the family (.txt, .pdf, Word, saved web page, scanned image); within Word the bytes decide, so a Word 97-2003
file renamed .docx goes to antiword and a .docx renamed .doc to the .docx reader. Every failure is
one :class:`UnreadableFileError` whose reason is a Vietnamese sentence with the English in brackets.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ingest.ocr import OcrOptions, OcrPage
from ingest.read_doc import doc_text
from ingest.read_docx import ZipLimits, docx_text
from ingest.read_html import HTML_SUFFIXES, html_text
from ingest.read_image import IMAGE_SUFFIXES, image_text
from ingest.read_pdf import MIN_CHARS_PER_PAGE, pdf_text
from ingest.read_text import decode_text
from kg.document import OcrInfo
from kg.errors import UnreadableFileError
from kg.text import nfc

SUPPORTED = (".docx", ".pdf", ".txt", ".doc", *HTML_SUFFIXES, *IMAGE_SUFFIXES)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SourceText:
    """What a reader returns: the text and where it came from."""

    path: str
    sha256: str
    format: str  # txt | docx | pdf | doc | html | image
    text: str
    ocr: OcrInfo | None = None  # the pages read by OCR and their mean word confidence


def ocr_info(pages: list[OcrPage]) -> OcrInfo | None:
    """The extraction JSON's ``ocr`` value: pages numbered from 1, mean word confidence 0–100."""
    if not pages:
        return None
    words = sum(p.words for p in pages)
    confidence = sum(p.confidence * p.words for p in pages) / words if words else 0.0
    return OcrInfo(pages=[p.number for p in pages], confidence=round(confidence, 1))


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Bounds that keep one hostile file from exhausting memory or time."""

    max_bytes: int = 100 * _MIB
    zip: ZipLimits = field(default_factory=ZipLimits)
    doc_timeout: float = 60.0
    min_pdf_chars_per_page: int = MIN_CHARS_PER_PAGE


def _load(path: Path, limits: ReadLimits) -> bytes:
    try:
        if not path.is_file():
            if path.exists():
                raise UnreadableFileError(path, "không phải tệp thường (not a regular file)")
            raise UnreadableFileError(path, "không tìm thấy tệp (file not found)")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise UnreadableFileError(
                path,
                f"tệp quá lớn: {size / _MIB:.0f} MB, giới hạn {limits.max_bytes / _MIB:.0f} MB"
                " (file too large)",
            )
        with path.open("rb") as fh:
            data = fh.read(limits.max_bytes + 1)  # the file may grow between stat and read
    except OSError as exc:
        raise UnreadableFileError(path, f"không đọc được tệp (cannot read file: {exc.strerror})") from None
    if len(data) > limits.max_bytes:
        raise UnreadableFileError(path, "tệp quá lớn (file too large)")
    if not data.strip():
        raise UnreadableFileError(path, "tệp rỗng (empty file)")
    return data


def _word(data: bytes, path: Path, limits: ReadLimits) -> tuple[str, str]:
    if data.startswith(_OLE_MAGIC):
        return "doc", doc_text(path, timeout=limits.doc_timeout)
    if data.startswith(_ZIP_MAGIC) or path.suffix.lower() == ".docx":
        return "docx", docx_text(data, path, limits.zip)
    raise UnreadableFileError(
        path, "không phải tệp Word (.doc/.docx) hợp lệ (not a Word file: unknown signature)"
    )


def read_file(path: Path, limits: ReadLimits | None = None, ocr: OcrOptions | None = None) -> SourceText:
    """Read ``path`` into NFC text, or raise :class:`UnreadableFileError` with a one-line reason.

    ``ocr`` says how scanned pages are recognized (cache, processes, progress); None: the defaults.
    """
    path = Path(path)
    limits = limits or ReadLimits()
    ocr = ocr or OcrOptions()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise UnreadableFileError(
            path,
            f"định dạng '{suffix or path.name}' không được hỗ trợ, hãy dùng {', '.join(SUPPORTED)}"
            " (unsupported file type)",
        )
    data = _load(path, limits)
    sha256 = hashlib.sha256(data).hexdigest()
    recognized: list[OcrPage] = []
    if suffix == ".txt":
        fmt, text = "txt", decode_text(data, path)
    elif suffix == ".pdf":
        text, recognized = pdf_text(data, path, limits.min_pdf_chars_per_page, ocr, sha256)
        fmt = "pdf"
    elif suffix in HTML_SUFFIXES:
        fmt, text = "html", html_text(data, path)
    elif suffix in IMAGE_SUFFIXES:
        text, recognized = image_text(data, path, sha256, ocr)
        fmt = "image"
    else:
        fmt, text = _word(data, path, limits)
    text = nfc(text)
    if not text.strip():
        raise UnreadableFileError(path, "văn bản không có chữ nào (document contains no text)")
    return SourceText(str(path), sha256, fmt, text, ocr_info(recognized))
