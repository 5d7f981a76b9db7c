"""Text of a .docx: body paragraphs and tables in document order, numbering and footnotes made literal.

Output shape (the parser relies on it):

- one line per paragraph (a ``w:br`` line break also starts a new line), empty paragraphs as empty lines;
- Word automatic numbering as a literal prefix: ``"I. "``, ``"1. "``, ``"2.1. "``, bullets ``"- "``/``"+ "``;
- a layout table (≤ 3 rows and ≤ 3 columns, some cell holding several paragraphs — the two-column
  header, the "Nơi nhận / signature" block) cell by cell, column by column (left column first),
  one paragraph per line;
- any other table one row per line, cells joined by a TAB (a cell's paragraphs joined by a space);
- a footnote/endnote reference as an inline ``"(n)"``, and at the end an empty line then ``"(n) text"``;
- field codes (``PAGE`` ...), deleted revisions, hidden text, headers and footers are left out.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.parser import parse_xml
from lxml.etree import _Element

from ingest.docx_numbering import Numbering, w
from kg.errors import UnreadableFileError

MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIPPED = ("rPr", "pPr", "delText", "del", "moveFrom", "footnoteRef", "endnoteRef")
_SKIP = {w(t) for t in _SKIPPED} | {MC_FALLBACK}
_PAGE_FIELDS = {"PAGE", "NUMPAGES", "SECTIONPAGES", "PAGEREF"}
_CHARS = {w("tab"): "\t", w("ptab"): "\t", w("br"): "\n", w("cr"): "\n", w("noBreakHyphen"): "-"}
_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Bounds checked on a .docx's zip directory before anything is decompressed."""

    max_total: int = 200 * _MIB
    max_ratio: float = 200.0  # deflate tops out near 1032:1; real Word XML stays far below 100:1
    ratio_floor: int = _MIB  # small members may compress extremely well, that is harmless
    max_members: int = 10_000


def _field_instr(instr: str) -> str:
    return (instr.split() or [""])[0].upper()


def check_zip(data: bytes, path: Path, limits: ZipLimits) -> None:
    """Refuse non-zips, non-Word zips and zip bombs, judging the declared sizes (zipfile enforces them)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFileError(
            path, f"không phải tệp .docx hợp lệ hoặc tệp bị cắt cụt (not a zip archive or truncated: {exc})"
        ) from None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise UnreadableFileError(path, "tệp ZIP này không phải văn bản Word (zip is not a Word document)")
    total = sum(i.file_size for i in infos)
    worst = max(infos, key=lambda i: i.file_size / max(i.compress_size, 1))
    ratio = worst.file_size / max(worst.compress_size, 1)
    if (
        len(infos) > limits.max_members
        or total > limits.max_total
        or (worst.file_size > limits.ratio_floor and ratio > limits.max_ratio)
    ):
        raise UnreadableFileError(
            path,
            f"nghi là zip bomb: {len(infos)} mục, giải nén ra {total // _MIB} MB, tỷ lệ nén {ratio:.0f}:1"
            f" (zip bomb suspected: declared size or compression ratio too large)",
        )


@dataclass
class _Notes:
    """Footnote/endnote bodies and the display number each gets at its first reference."""

    bodies: dict[tuple[str, str], _Element]
    order: list[tuple[str, str]] = field(default_factory=list)

    def mark(self, kind: str, note_id: str) -> str:
        key = (kind, note_id)
        if key not in self.bodies:
            return ""
        if key not in self.order:
            self.order.append(key)
        return f"({self.order.index(key) + 1})"


class _Renderer:
    """Walks WordprocessingML blocks and yields text lines (see the module docstring)."""

    def __init__(self, numbering: Numbering | None, notes: _Notes | None) -> None:
        self.numbering = numbering
        self.notes = notes

    def blocks(self, container: _Element) -> Iterator[str]:
        for child in container:
            if child.tag == w("p"):
                yield from self.paragraph(child)
            elif child.tag == w("tbl"):
                yield from self.table(child)
            elif child.tag in (w("sdt"), w("customXml")):
                content = child.find(w("sdtContent"))
                yield from self.blocks(child if content is None else content)

    def paragraph(self, p: _Element) -> Iterator[str]:
        prefix = self.numbering.prefix(p) if self.numbering else ""
        parts: list[str] = []
        boxes: list[_Element] = []
        self._inline(p, parts, boxes, fields=[])
        text = "".join(parts)
        yield from (prefix + text if text.strip() else "").split("\n")
        for box in boxes:
            yield from self.blocks(box)

    def _inline(self, el: _Element, parts: list[str], boxes: list[_Element], fields: list[list]) -> None:
        """Collect the visible text under ``el``; ``fields`` is the stack of open complex fields."""
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == w("txbxContent"):
                boxes.append(child)
                continue
            if tag == w("r"):
                rpr = child.find(w("rPr"))
                vanish = None if rpr is None else rpr.find(w("vanish"))
                if vanish is not None and vanish.get(w("val"), "1") not in ("0", "false"):
                    continue
            elif tag == w("fldChar"):
                kind = child.get(w("fldCharType"))
                if kind == "begin":
                    fields.append(["", False])
                elif kind == "separate" and fields:
                    fields[-1][1] = True
                elif kind == "end" and fields:
                    fields.pop()
                continue
            elif tag == w("instrText"):
                if fields:
                    fields[-1][0] += child.text or ""
                continue
            elif tag == w("fldSimple") and _field_instr(child.get(w("instr"), "")) in _PAGE_FIELDS:
                continue
            visible = all(shown and _field_instr(instr) not in _PAGE_FIELDS for instr, shown in fields)
            if tag == w("t"):
                if visible:
                    parts.append(child.text or "")
            elif tag in _CHARS:
                if visible:
                    parts.append(_CHARS[tag])
            elif tag in (w("footnoteReference"), w("endnoteReference")):
                if visible and self.notes:
                    parts.append(self.notes.mark(tag, child.get(w("id"), "")))
            else:
                self._inline(child, parts, boxes, fields)

    def table(self, tbl: _Element) -> Iterator[str]:
        rows = [[list(self.blocks(tc)) for tc in tr.iterfind(w("tc"))] for tr in tbl.iterfind(w("tr"))]
        ncols = max((len(r) for r in rows), default=0)
        multi = any(sum(1 for line in cell if line.strip()) > 1 for row in rows for cell in row)
        if rows and len(rows) <= 3 and ncols <= 3 and multi:
            for col in range(ncols):
                for row in rows:
                    if col < len(row):
                        yield from row[col]
            return
        for row in rows:
            yield "\t".join(" ".join(line.strip() for line in cell if line.strip()) for cell in row)


def _related_xml(part, reltype: str) -> _Element | None:
    for rel in part.rels.values():
        if rel.reltype == reltype and not rel.is_external:
            target = rel.target_part
            return target.element if hasattr(target, "element") else parse_xml(target.blob)
    return None


def _note_bodies(part) -> dict[tuple[str, str], _Element]:
    bodies: dict[tuple[str, str], _Element] = {}
    for reltype, tag, ref in (
        (RT.FOOTNOTES, "footnote", "footnoteReference"),
        (RT.ENDNOTES, "endnote", "endnoteReference"),
    ):
        root = _related_xml(part, reltype)
        for note in [] if root is None else root.iterfind(w(tag)):
            if note.get(w("type")) in (None, "normal"):  # skip separators and continuation notices
                bodies[(w(ref), note.get(w("id"), ""))] = note
    return bodies


def docx_lines(data: bytes) -> list[str]:
    """Lines of an already zip-checked .docx (library exceptions propagate to the caller)."""
    document = docx.Document(io.BytesIO(data))
    part = document.part
    numbering = Numbering(_related_xml(part, RT.NUMBERING), _related_xml(part, RT.STYLES))
    notes = _Notes(_note_bodies(part))
    lines = list(_Renderer(numbering, notes).blocks(document.element.body))
    if notes.order:
        plain = _Renderer(None, None)
        lines.append("")
        for number, key in enumerate(notes.order, 1):
            body = " ".join(line.strip() for line in plain.blocks(notes.bodies[key]) if line.strip())
            lines.append(f"({number}) {body}")
    return lines


def docx_text(data: bytes, path: Path, limits: ZipLimits) -> str:
    """Text of a .docx given as bytes; every failure becomes :class:`UnreadableFileError`."""
    check_zip(data, path, limits)
    try:
        return "\n".join(docx_lines(data))
    except Exception as exc:  # python-docx/lxml/zipfile raise many types for broken packages
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        if "not a Word file" in detail:
            raise UnreadableFileError(
                path, f"tệp ZIP này không phải văn bản Word (zip is not a Word document: {detail})"
            ) from None
        raise UnreadableFileError(
            path, f"tệp .docx bị hỏng, hãy mở và lưu lại bằng Word (corrupt .docx: {detail})"
        ) from None
