"""Scanned images (.png, .jpg/.jpeg, .tif/.tiff, one page per frame) read by OCR."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from ingest.ocr import MAX_PIXELS, OcrOptions, OcrPage, recognize
from kg.errors import UnreadableFileError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def _dpi(image: Image.Image) -> float | None:
    dpi = image.info.get("dpi")
    try:
        return float(dpi[0]) if dpi and float(dpi[0]) > 1 else None
    except (TypeError, ValueError, IndexError):
        return None


def _frames(image: Image.Image) -> Iterator[tuple[int, Callable[[], tuple[Image.Image, float | None]]]]:
    for number, frame in enumerate(ImageSequence.Iterator(image), 1):
        copy, dpi = frame.copy(), _dpi(frame)  # the iterator reuses one object: keep this frame's pixels
        yield number, lambda copy=copy, dpi=dpi: (copy, dpi)


def image_text(data: bytes, path: Path, sha256: str, ocr: OcrOptions) -> tuple[str, list[OcrPage]]:
    """Recognize every frame of the image ``data``; raise :class:`UnreadableFileError` when unusable."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise UnreadableFileError(
                path, f"ảnh quá lớn: {image.width}×{image.height} điểm ảnh (image too large)"
            )
        image.load()
        pages = recognize(_frames(image), getattr(image, "n_frames", 1), path, sha256, ocr)
    except UnreadableFileError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UnreadableFileError(
            path, f"không phải tệp ảnh hợp lệ hoặc tệp bị hỏng (not a readable image: {exc})"
        ) from None
    text = "\n".join(page.text for page in pages)
    if not any(ch.isalnum() for ch in text):
        raise UnreadableFileError(path, "đã nhận dạng chữ (OCR) nhưng không tìm thấy chữ nào trong ảnh (OCR found no text)")
    return text, pages
