"""Saved web pages (.html/.htm): the document's text without the site's wrapper.

1. Charset: a byte-order mark, else the page's own declaration (``<meta charset>`` or ``http-equiv``),
   else the plain-text decoder (UTF-8, Windows-1258, then a guess). Windows-1258 keeps tones as combining
   marks; the result is NFC.
2. Main content: readability-lxml picks the element holding the article (docs/extraction.md says why it and
   not trafilatura). A page whose content is a list of items each linking elsewhere (a news list, a
   category page) is refused: it is not a document.
3. What the site adds inside that element goes: link lists ("Tin liên quan", "Văn bản mới", menus, paging),
   breadcrumbs, the page headline, and lines such as "Lượt xem: 815" or "Cập nhật: 10/08/2023".
4. Text shape, like the Word reader: one line per paragraph; a small layout table (the two-column header,
   the signature block) column by column, other tables one row per line with cells joined by a TAB.

>>> page = "<html><head><meta charset='utf-8'><title>T</title></head><body><nav><a href='/'>Trang chủ</a>"
>>> page += "</nav><article><p>Số 5-KH/TU</p><p>Lượt xem: 12</p><p>" + "Nội dung kế hoạch. " * 20 + "</p>"
>>> html_text((page + "</article></body></html>").encode(), "x.html").split("\\n")[0]
'Số 5-KH/TU'
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import lxml.html
from lxml.etree import ParserError, _Element
from readability import Document
from readability.readability import Unparseable

from ingest.read_text import decode_text
from kg.errors import UnreadableFileError
from kg.text import nfc

HTML_SUFFIXES = (".html", ".htm")
MIN_DOCUMENT_CHARS = 200  # less than this is a teaser, a gallery or an error page, not a document
LIST_ITEMS = 5  # this many sibling items each linking elsewhere make a list page
_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BLOCKS = frozenset(
    ["address", "article", "aside", "blockquote", "body", "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"]
)
_DROP_TAGS = ("script", "style", "noscript", "form", "button", "select", "textarea", "iframe", "nav", "aside")
_RELATED = re.compile(
    r"^\s*(tin|bài|văn bản|bài viết|các tin|tin bài)\s+(liên quan|khác|mới|cùng chuyên mục|đã đưa|xem nhiều)"
    r"|^\s*(xem thêm|bình luận|ý kiến bạn đọc|chia sẻ)\b",
    re.IGNORECASE,
)
_META_LINE = re.compile(
    r"(lượt xem|số lượt truy cập|lượt truy cập|đang truy cập|lượt đọc|cập nhật|ngày đăng|đăng lúc|đăng ngày"
    r"|in bài|gửi email|chia sẻ|bản in|phóng to|thu nhỏ|trở về|quay lại)\s*:?",
    re.IGNORECASE,
)
_BREADCRUMB = re.compile(r"^\s*trang chủ\s*(?:[>»/|›]|&gt;)", re.IGNORECASE)
_LAYOUT_CELLS = 3


def _not_document(path: Path | str, why: str) -> UnreadableFileError:
    return UnreadableFileError(path, f"trang web không phải một văn bản: {why}")


def decode_html(data: bytes, path: Path | str) -> str:
    """The page's text: BOM, else its declared charset, else the plain-text decoder; NFC."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return nfc(data[len(bom):].decode(codec, errors="replace"))
    declared = _META_CHARSET.search(data[:_SNIFF_BYTES])
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii")).name
            return nfc(data.decode(codec))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: guess below
    return decode_text(data, path)


def _class_of(el: _Element) -> str:
    return f"{el.tag}.{el.get('class', '')}"


def _list_items(root: _Element) -> int:
    """The largest run of sibling items of one kind that each link elsewhere (a news list's entries)."""
    best = 0
    for parent in root.iter():
        if not isinstance(parent.tag, str):
            continue
        kinds = Counter(
            _class_of(child) for child in parent
            if isinstance(child.tag, str) and child.tag not in ("p", "br", "span", "a", "b", "i", "strong", "em")
            and child.find(".//a[@href]") is not None
        )
        best = max([best, *kinds.values()])
    return best


def _text(el: _Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _link_share(el: _Element) -> float:
    total = len(_text(el))
    links = sum(len(_text(a)) for a in el.iterfind(".//a"))
    return links / total if total else 0.0


def _is_headline(text: str, title: str) -> bool:
    """Whether a heading repeats the page's <title> (whole, or one " - "/" | " part of it, maybe cut short)."""
    if not text or not title:
        return False
    parts = [title, *(p.strip() for p in re.split(r"\s[-|–]\s", title))]
    return any(text == p or (len(p) >= 20 and (text.startswith(p) or p.startswith(text))) for p in parts)


def _prune(root: _Element, headline: str) -> None:
    """Remove what the site adds around the document inside the main element (see the module docstring)."""
    for el in list(root.iter(*_DROP_TAGS)):
        el.drop_tree()
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        text = _text(el)
        first = next((t for t in (s.strip() for s in el.itertext()) if t), "")
        if (el.tag in _BLOCKS and (
            (_RELATED.match(first) and (_link_share(el) > 0.3 or len(text) < 40))
            or (el.find(".//a") is not None and _link_share(el) > 0.5)
        )) or (el.tag in ("h1", "h2", "h3") and _is_headline(text, headline)):
            el.drop_tree()


def _layout_table(rows: list[list[list[str]]]) -> bool:
    cols = max((len(r) for r in rows), default=0)
    multi = any(len(cell) > 1 for row in rows for cell in row)
    return len(rows) <= _LAYOUT_CELLS and cols <= _LAYOUT_CELLS and multi


def _table(table: _Element) -> Iterator[str]:
    rows = [
        [list(_lines(cell)) for cell in tr if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
        for tr in table.iter("tr")
        if tr.xpath("ancestor::table[1]")[0] is table
    ]
    if _layout_table(rows):
        for col in range(max(len(r) for r in rows)):
            for row in rows:
                if col < len(row):
                    yield from row[col]
        return
    for row in rows:
        yield "\t".join(" ".join(cell) for cell in row)


def _lines(el: _Element) -> Iterator[str]:
    """One line per block element, tables as described in the module docstring."""
    parts: list[str] = []

    def flush() -> Iterator[str]:
        line = " ".join("".join(parts).split())
        parts.clear()
        if line:
            yield line

    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "table":
            yield from flush()
            yield from _table(child)
        elif tag == "br":
            yield from flush()
        elif tag in _BLOCKS:
            yield from flush()
            yield from _lines(child)
        elif tag:
            inner = list(_lines(child))
            if len(inner) > 1:  # an inline element holding line breaks or blocks (<font> around a whole text)
                parts.append(inner[0])
                yield from flush()
                yield from inner[1:-1]
                parts.append(inner[-1])  # the element's tail continues its last line
            else:
                parts.extend(inner)
        if child.tail:
            parts.append(child.tail)
    yield from flush()


def html_text(data: bytes, path: Path | str) -> str:
    """The document text of the saved page ``data``; raise :class:`UnreadableFileError` when it holds none."""
    page = decode_html(data, path)
    try:
        article = Document(page)
        headline = " ".join((article.title() or "").split())
        fragment = lxml.html.fromstring(article.summary(html_partial=True))
    except (Unparseable, ParserError, ValueError) as exc:
        raise UnreadableFileError(path, f"không phân tích được trang HTML (unparseable HTML: {exc})") from None
    items = _list_items(fragment)
    if items >= LIST_ITEMS:
        raise _not_document(path, f"trang danh sách ({items} mục dẫn tới bài khác), hãy lưu trang của từng văn bản"
                                  " (a list or category page)")
    _prune(fragment, headline)
    lines = [
        line for line in _lines(fragment)
        if not _BREADCRUMB.match(line) and not (_META_LINE.search(line) and len(line) < 80)
    ]
    text = nfc("\n".join(lines))
    if sum(ch.isalnum() for ch in text) < MIN_DOCUMENT_CHARS:
        raise _not_document(path, "không tìm thấy nội dung văn bản trong trang (no main text)")
    return text
