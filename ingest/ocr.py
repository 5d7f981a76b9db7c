"""Optical character recognition: page images → text, with Tesseract's Vietnamese model.

One single-threaded ``tesseract`` process per page, as many at once as ``OcrOptions.workers``
(``OMP_THREAD_LIMIT=1``: Tesseract's own OpenMP threading is several times slower on a busy machine).
Pages are rendered one at a time by the caller (pdfium is not thread-safe) while earlier pages are being
recognized. Results are cached per file hash in ``OcrOptions.cache_dir``, keyed also by the Tesseract
version, language and resolution, so re-reading a scan costs nothing.

Text shape (like the PDF and Word readers): one line per printed line, an empty line between
Tesseract's paragraphs; a block that prints two columns side by side (the header "ĐẢNG BỘ … / ĐẢNG CỘNG
SẢN VIỆT NAM", the "Nơi nhận / signature" block) column by column, left column first; a block with three
or more columns one row per line with cells joined by a TAB.

>>> layout_text(_sample_tsv())
'ĐẢNG BỘ TỈNH\\nSố 5-KH/TU\\nĐẢNG CỘNG SẢN\\n\\nKẾ HOẠCH'
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from PIL import Image, ImageFilter

from kg.errors import UnreadableFileError
from kg.text import nfc

LAYOUT_VERSION = "3"  # bump when layout_text changes its output: cached pages are then recognized again
MIN_MARK_CONFIDENCE = 60.0  # a word without a letter or digit below this is speckle read as punctuation
_JUNK_MARKS = frozenset("_|‹›ˆ~¬¦`´")  # dust, ruling lines and gutters: never text in a party document
_EDGE_JUNK = "_|‹›ˆ~¬¦`´"
_SPECK = 0.15  # a mark smaller than this share of the text height in both directions is a speck
MAX_PIXELS = 100_000_000  # larger pages are refused (images) or rendered coarser (PDF): a memory bound
_TARGET_DPI = 300  # images scanned coarser are enlarged to this before recognition
_MAX_PAGE_INCHES = 17.0  # A3's long side: a declared resolution implying a larger page is not a scan's
_COLUMN_GAP = 2.5  # a gap wider than this many line heights separates two columns
_COLUMN_REACH = 4.0  # a one-sided line this many line heights below the last two-column line ends the run
_MAX_COLUMN_LINES = 12  # a taller two-column block is a table: one row per line

# Words party documents print in capitals (header, title, signature). A doubtful capitalized word with the same
# letters but other tone marks is taken to be one of them: Tesseract often misreads the tone on bold capitals.
_CAPITAL_WORDS = (
    "ĐẢNG", "BỘ", "CỘNG", "SẢN", "VIỆT", "NAM", "TỈNH", "HUYỆN", "QUẬN", "THỊ", "THÀNH", "PHỐ", "ỦY", "XÃ",
    "PHƯỜNG", "TRẤN", "CHI", "BAN", "THƯỜNG", "VỤ", "CHẤP", "HÀNH", "TUYÊN", "GIÁO", "TỔ", "CHỨC", "DÂN",
    "VẬN", "KIỂM", "TRA", "VĂN", "PHÒNG", "KHỐI", "CƠ", "QUAN", "KẾ", "HOẠCH", "HƯỚNG", "DẪN", "BÁO",
    "CÁO", "CHỈ", "KẾT", "LUẬN", "NGHỊ", "QUYẾT", "ĐỊNH", "THÔNG", "CÔNG", "BÍ", "THƯ", "PHÓ", "TRƯỞNG",
    "NƠI", "NHẬN", "MỤC", "ĐÍCH", "YÊU", "CẦU", "NHIỆM", "GIẢI", "PHÁP", "THỰC", "HIỆN", "NỘI", "DUNG",
)


def _bare(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


_CAPITALS = {bare: words[0] for bare, words in
             ((b, [w for w in _CAPITAL_WORDS if _bare(w) == b]) for b in {_bare(w) for w in _CAPITAL_WORDS})
             if len(words) == 1}

Progress = Callable[[int, int], None]  # (pages done, pages to recognize)


@dataclass(frozen=True)
class OcrOptions:
    """How to run OCR: where to cache, how many processes, and whom to tell about progress."""

    cache_dir: Path | None = None
    workers: int = max(os.cpu_count() or 1, 1)
    dpi: int = 300
    lang: str = "vie"
    timeout: float = 300.0  # seconds for one page
    thread_limit: int | None = 1  # OMP_THREAD_LIMIT of each tesseract process; None: Tesseract's default
    progress: Progress | None = None


@dataclass(frozen=True)
class OcrPage:
    """The text recognized on one page (numbered from 1), with its mean word confidence (0–100)."""

    number: int
    text: str
    confidence: float
    words: int


@dataclass(frozen=True)
class _Word:
    block: tuple[int, int]
    par: tuple[int, int, int]
    line: tuple[int, int, int, int]
    left: int
    top: int
    right: int
    height: int
    conf: float
    text: str


def tesseract_version() -> str:
    """The first line of ``tesseract --version``; FileNotFoundError when Tesseract is not installed."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise FileNotFoundError("tesseract")
    out = subprocess.run([exe, "--version"], capture_output=True, timeout=30, check=False)
    return (out.stdout or out.stderr).decode("utf-8", "replace").split("\n", 1)[0].strip()


def _words(tsv: str) -> list[_Word]:
    """Tesseract's words, without what is dust rather than text (see the constants above)."""
    words: list[_Word] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if any(ch.isalnum() for ch in text):
            text = text.strip(_EDGE_JUNK)  # "_IIL." or "05-CT/TW_": a speck glued to a word
        if row.get("level") != "5" or not text:
            continue
        if text.isupper() and float(row["conf"]) < MIN_MARK_CONFIDENCE:
            text = _CAPITALS.get(_bare(nfc(text)), text)  # "TUYỂN" read at 15 % in "BAN TUYÊN GIÁO"
        b, p, ln = int(row["block_num"]), int(row["par_num"]), int(row["line_num"])
        page = int(row["page_num"])
        left, top = int(row["left"]), int(row["top"])
        words.append(_Word((page, b), (page, b, p), (page, b, p, ln), left, top,
                           left + int(row["width"]), int(row["height"]), float(row["conf"]), text))
    if not words:
        return words
    speck = _SPECK * statistics.median(w.height for w in words)
    return [
        w for w in words
        if any(ch.isalnum() for ch in w.text)  # a doubtful word keeps its place (see _segments for gutters)
        or (w.conf >= MIN_MARK_CONFIDENCE and not set(w.text) <= _JUNK_MARKS
            and max(w.right - w.left, w.height) >= speck)
    ]


def _segments(line: list[_Word]) -> list[list[_Word]]:
    """Split a printed line where the gap between two words is as wide as a column gutter."""
    height = statistics.median(w.height for w in line)
    parts: list[list[_Word]] = [[line[0]]]
    for prev, word in pairwise(line):
        if word.left - prev.right > _COLUMN_GAP * height:
            parts.append([])
        parts[-1].append(word)
    if len(parts) > 1:  # a lone doubtful word standing in a gutter is a stain, not a third column
        parts = [part for part in parts if len(part) > 1 or part[0].conf >= MIN_MARK_CONFIDENCE] or parts
    return parts


def _grouped(words: Iterable[_Word], key: Callable[[_Word], tuple]) -> list[list[_Word]]:
    groups: dict[tuple, list[_Word]] = {}
    for word in words:
        groups.setdefault(key(word), []).append(word)
    return list(groups.values())


def _join(words: list[_Word]) -> str:
    return " ".join(w.text for w in words)


def _columnar(segs: list[list[_Word]], middle: float) -> bool:
    """Two segments, or one lying wholly on one side of the gutter (not a centred line across it)."""
    return len(segs) == 2 or segs[0][-1].right < middle or segs[0][0].left > middle


def _block_lines(block: list[_Word]) -> Iterator[str]:
    pars = _grouped(block, lambda w: w.par)
    lines = [
        (i, _segments(sorted(line, key=lambda w: w.left)))
        for i, par in enumerate(pars) for line in _grouped(par, lambda w: w.line)
    ]
    wide = [segs for _, segs in lines if len(segs) > 1]
    if wide and (max(len(s) for s in wide) > 2 or len(wide) > _MAX_COLUMN_LINES):
        yield from ("\t".join(_join(s) for s in segs) for _, segs in lines)
        return
    middle = statistics.median((s[0][-1].right + s[1][0].left) / 2 for s in wide) if wide else 0.0
    height = statistics.median(w.height for w in block)
    k, last_par = 0, 0
    while k < len(lines):
        run, bottom = k, None
        while run < len(lines) and wide and _columnar(lines[run][1], middle):
            segs = lines[run][1]
            top = min(w.top for seg in segs for w in seg)
            if bottom is not None and top - bottom > _COLUMN_REACH * height:
                break  # far below the last two-column line: the layout table has ended
            if len(segs) > 1:
                bottom = max(w.top + w.height for seg in segs for w in seg)
            run += 1
        if any(len(segs) > 1 for _, segs in lines[k:run]):  # a two-column run: left column, then right
            for side in (0, 1):
                for _, segs in lines[k:run]:
                    yield from (_join(seg) for seg in segs if ((seg[0].left + seg[-1].right) / 2 > middle) == side)
            k, last_par = run, lines[run - 1][0]
            continue
        par, segs = lines[k]
        if par != last_par and k:
            yield ""
        yield _join(segs[0])
        k, last_par = k + 1, par


def layout_text(tsv: str) -> str:
    """The text of one page from Tesseract's TSV output, in the shape described in the module docstring."""
    lines: list[str] = []
    for block in _grouped(_words(tsv), lambda w: w.block):
        if lines:
            lines.append("")
        lines.extend(_block_lines(block))
    return nfc("\n".join(lines))


def _confidence(tsv: str) -> tuple[float, int]:
    confs = [w.conf for w in _words(tsv) if w.conf >= 0]
    return (statistics.fmean(confs) if confs else 0.0), len(confs)


def _sample_tsv() -> str:
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [  # (block, paragraph, line, left, top, text): a two-column header line, a left-only line, a title
        (1, 1, 1, 0, 100, "ĐẢNG"), (1, 1, 1, 60, 100, "BỘ"), (1, 1, 1, 100, 100, "TỈNH"),
        (1, 1, 1, 600, 100, "ĐẢNG"), (1, 1, 1, 660, 100, "CỘNG"), (1, 1, 1, 730, 100, "SẢN"),
        (1, 1, 2, 0, 140, "Số"), (1, 1, 2, 40, 140, "5-KH/TU"),
        (2, 1, 1, 300, 300, "KẾ"), (2, 1, 1, 340, 300, "HOẠCH"),
    ]
    body = [f"5\t1\t{b}\t{p}\t{ln}\t1\t{x}\t{y}\t30\t20\t90\t{t}" for b, p, ln, x, y, t in rows]
    return "\n".join([head, *body])


def _run(image: Image.Image, dpi: float | None, exe: str, options: OcrOptions) -> str:
    data, dpi = prepare(image, dpi)
    env = dict(os.environ)
    if options.thread_limit is not None:
        env["OMP_THREAD_LIMIT"] = str(options.thread_limit)
    proc = subprocess.run(
        [exe, "stdin", "stdout", "-l", options.lang, "--dpi", str(round(dpi)), "tsv"],
        input=data, capture_output=True, timeout=options.timeout, env=env, check=False,
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(message[-1][:160] if message else f"tesseract exited with {proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def prepare(image: Image.Image, dpi: float | None) -> tuple[bytes, float]:
    """Grayscale, enlarged to 300 dpi when scanned coarser, speckles removed: uncompressed PGM bytes and dpi.

    A 3×3 median filter removes the isolated dots a scanner leaves (Tesseract reads them as ``_ . : -``)
    and keeps strokes and diacritics, which are wider than one pixel at 300 dpi.
    """
    page = image.convert("L")
    plausible = dpi and max(page.width, page.height) / dpi <= _MAX_PAGE_INCHES  # cameras often claim 72 dpi
    if plausible and dpi < _TARGET_DPI - 50:
        scale = min(_TARGET_DPI / dpi, (MAX_PIXELS / (page.width * page.height)) ** 0.5)
        page = page.resize((round(page.width * scale), round(page.height * scale)), Image.Resampling.LANCZOS)
        dpi = dpi * scale
    page = page.filter(ImageFilter.MedianFilter(3))
    out = io.BytesIO()
    page.save(out, format="PPM")  # uncompressed: cheaper to write and read than PNG
    return out.getvalue(), dpi or _TARGET_DPI


class _Cache:
    """Recognized pages of one file, stored as JSON under the file's hash."""

    def __init__(self, options: OcrOptions, sha256: str, engine: str) -> None:
        self.path = options.cache_dir / sha256[:2] / f"{sha256}.json" if options.cache_dir else None
        self.engine = f"{engine}|{options.lang}|{options.dpi}dpi|layout {LAYOUT_VERSION}"
        self.pages: dict[str, dict] = {}
        if self.path and self.path.is_file():
            try:
                stored = json.loads(self.path.read_text("utf-8"))
            except (OSError, ValueError):
                stored = {}
            if stored.get("engine") == self.engine:
                self.pages = stored.get("pages", {})

    def get(self, number: int) -> OcrPage | None:
        page = self.pages.get(str(number))
        return OcrPage(number, page["text"], page["confidence"], page["words"]) if page else None

    def put(self, page: OcrPage) -> None:
        self.pages[str(page.number)] = {"text": page.text, "confidence": page.confidence, "words": page.words}

    def save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"engine": self.engine, "pages": self.pages}, ensure_ascii=False), "utf-8")
            tmp.replace(self.path)  # atomic: a concurrent reader sees the old or the new file, never half
        except OSError:
            pass  # the cache only saves time: an unwritable cache directory must not fail the file


def recognize(
    pages: Iterable[tuple[int, Callable[[], tuple[Image.Image, float | None]]]],
    total: int,
    path: Path,
    sha256: str,
    options: OcrOptions,
) -> list[OcrPage]:
    """OCR the given pages of ``path`` (page number, factory of the image and its dpi), in page order.

    Images are produced one at a time in this thread; ``options.progress`` is called after each page.
    Raises :class:`UnreadableFileError` when Tesseract is missing or fails.
    """
    try:
        engine = tesseract_version()
    except (FileNotFoundError, OSError, subprocess.TimeoutExpired):
        raise UnreadableFileError(
            path,
            "chưa cài Tesseract để nhận dạng chữ (OCR), hãy chạy: apt-get install tesseract-ocr tesseract-ocr-vie"
            " (tesseract not installed)",
        ) from None
    exe = shutil.which("tesseract") or "tesseract"
    cache = _Cache(options, sha256, engine)
    done: dict[int, OcrPage] = {}
    report = options.progress or (lambda _done, _total: None)

    def finish(number: int, future: Future[str]) -> None:
        try:
            tsv = future.result()
        except subprocess.TimeoutExpired:
            raise UnreadableFileError(
                path, f"nhận dạng chữ (OCR) trang {number} quá {options.timeout:g} giây (OCR timed out)"
            ) from None
        except (RuntimeError, OSError) as exc:
            raise UnreadableFileError(path, f"lỗi nhận dạng chữ (OCR) trang {number} (tesseract: {exc})") from None
        confidence, words = _confidence(tsv)
        page = OcrPage(number, layout_text(tsv), round(confidence, 1), words)
        cache.put(page)
        done[number] = page
        report(len(done), total)

    with ThreadPoolExecutor(max_workers=max(options.workers, 1)) as pool:
        pending: dict[Future[str], int] = {}
        try:
            for number, render in pages:
                hit = cache.get(number)
                if hit is not None:
                    done[number] = hit
                    report(len(done), total)
                    continue
                image, dpi = render()
                pending[pool.submit(_run, image, dpi, exe, options)] = number
                while len(pending) >= 2 * max(options.workers, 1):  # bound the images held in memory
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        finish(pending.pop(future), future)
            for future in list(pending):
                finish(pending.pop(future), future)
        finally:
            for future in pending:
                future.cancel()
    cache.save()
    return [done[n] for n in sorted(done)]
