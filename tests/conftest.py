"""Shared pytest fixtures. Keep each block self-contained and append new blocks at the end."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import pytest
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.parser import parse_xml

from ingest.docx_numbering import W_NS, roman

SEEDS_DIR = Path(__file__).resolve().parents[1] / "data" / "seeds"

# --- Real files generated from the seed corpus: .docx (python-docx + lxml), .pdf (LibreOffice) ---------
# docx_from_seed rebuilds a seed as Word would store it: the two-column header and the "Nơi nhận" /
# signature block as borderless layout tables, "I." / "1." / "2.1." and "-" / "+" as real automatic
# numbering (numbering.xml definitions + w:numPr, not typed text), tab-separated lines as data tables,
# and footnotes as a real word/footnotes.xml part (python-docx has no footnote API: the part is added
# with lxml and related from the document part, like Word does).

_NS = f'xmlns:w="{W_NS}"'
_ROMAN_VALUE = {roman(n): n for n in range(1, 40)}
_OUTLINE = (  # (pattern, numbering level); the deepest first
    (re.compile(r"^(\d+)\.(\d+)\.\s+"), 2),
    (re.compile(r"^(\d+)\.\s+"), 1),
    (re.compile(r"^([IVX]+)\.\s+"), 0),
)
_BULLET = re.compile(r"^([-+])\s+")
_TYPE_WORDS = ("KẾ HOẠCH", "HƯỚNG DẪN", "BÁO CÁO", "CHỈ THỊ", "KẾT LUẬN", "NGHỊ QUYẾT", "THÔNG BÁO")
_ABSTRACT = f"""<w:abstractNum {_NS} w:abstractNumId="{{aid}}"><w:multiLevelType w:val="multilevel"/>{{lvls}}
</w:abstractNum>"""
_LVL = (
    '<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:suff w:val="space"/>'
    '<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
)


def seed_path(prefix: str = "000") -> Path:
    """The seed file whose name starts with ``prefix`` (e.g. "000")."""
    return next(SEEDS_DIR.glob(f"{prefix}_*.txt"))


class _SeedDocx:
    """Builds one .docx from seed text (see the block comment above)."""

    def __init__(self) -> None:
        self.doc = docx.Document()
        numbering = self.doc.part.numbering_part.element
        first_num = numbering.find(f"{{{W_NS}}}num")
        outline = "".join(
            _LVL.format(ilvl=i, fmt=f, text=t)
            for i, (f, t) in enumerate((("upperRoman", "%1."), ("decimal", "%2."), ("decimal", "%2.%3.")))
        )
        bullets = "".join(_LVL.format(ilvl=i, fmt="bullet", text=t) for i, t in enumerate("-+"))
        for aid, lvls in (("90", outline), ("91", bullets)):
            first_num.addprevious(parse_xml(_ABSTRACT.format(aid=aid, lvls=lvls)))
        self.numbering = numbering
        self.bullets = self._new_num("91")
        self.outline = ""
        self.counters: list[int] = []

    def _new_num(self, abstract_id: str) -> str:
        num_id = str(100 + len(self.numbering.findall(f"{{{W_NS}}}num")))
        self.numbering.append(
            parse_xml(f'<w:num {_NS} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>')
        )
        return num_id

    def _numbered(self, text: str, num_id: str, ilvl: int) -> None:
        paragraph = self.doc.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {_NS}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
        )

    def _outline(self, line: str) -> bool:
        """Add ``line`` as an auto-numbered heading if Word's counters would show exactly its number."""
        for pattern, level in _OUTLINE:
            m = pattern.match(line)
            if not m:
                continue
            value = _ROMAN_VALUE.get(m.group(1), 0) if level == 0 else int(m.group(level))
            if level == 0 and value == 1:  # a new "I." (e.g. an appendix) restarts the list
                self.outline, self.counters = self._new_num("90"), []
            if (
                not self.outline
                or len(self.counters) < level
                or (level == 2 and self.counters[1] != int(m[1]))
            ):
                return False
            expected = self.counters[level] + 1 if len(self.counters) > level else 1
            if value != expected:
                return False
            self.counters = [*self.counters[:level], value]
            self._numbered(line[m.end() :], self.outline, level)
            return True
        return False

    def _layout_table(self, columns: list[list[str]]) -> None:
        table = self.doc.add_table(rows=1, cols=len(columns))
        for cell, lines in zip(table.rows[0].cells, columns, strict=True):
            cell.paragraphs[0].text = lines[0] if lines else ""
            for line in lines[1:]:
                cell.add_paragraph(line)

    def _data_table(self, rows: list[list[str]]) -> None:
        table = self.doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        table.style = "Table Grid"
        for row, cells in zip(table.rows, rows, strict=True):
            for cell, text in zip(row.cells, cells, strict=False):
                cell.text = text

    def build(self, text: str) -> None:
        lines = text.split("\n")
        i = 0
        if any(line.lstrip(" ").startswith("\t") for line in lines[:3]):  # two-column header
            end = next(k for k, line in enumerate(lines) if line.strip() in _TYPE_WORDS)
            self._layout_table(_columns(lines[:end]))
            i = end
        while i < len(lines):
            line = lines[i]
            if re.match(r"^\s*\tNơi nhận", line):  # "Nơi nhận" | signature, up to two blank lines
                end = (
                    next(
                        (
                            k
                            for k in range(i, len(lines) - 2)
                            if not lines[k + 1].strip() and not lines[k + 2].strip() and lines[k].strip()
                        ),
                        len(lines) - 1,
                    )
                    + 1
                )
                self._layout_table(_columns(lines[i:end]))
                i = end
                continue
            if "\t" in line.strip(" "):
                end = next((k for k in range(i, len(lines)) if "\t" not in lines[k]), len(lines))
                self._data_table([row.split("\t") for row in lines[i:end]])
                i = end
                continue
            bullet = _BULLET.match(line)
            if bullet:
                self._numbered(line[bullet.end() :], self.bullets, "-+".index(bullet.group(1)))
            elif not self._outline(line):
                self.doc.add_paragraph(line)
            i += 1

    def add_footnotes(self, notes: dict[str, str]) -> None:
        """Attach footnote ``text`` after the first occurrence of each ``anchor`` (a real footnotes part)."""
        bodies = []
        for number, (anchor, note) in enumerate(notes.items(), 1):
            paragraph = next(p for p in self.doc.paragraphs if anchor in p.text)
            before, after = paragraph.text.split(anchor, 1)
            paragraph.text = before + anchor
            ref = paragraph.add_run()
            ref.font.superscript = True
            ref._r.append(parse_xml(f'<w:footnoteReference {_NS} w:id="{number}"/>'))
            paragraph.add_run(after)
            bodies.append(
                f'<w:footnote w:id="{number}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {escape(note)}</w:t></w:r></w:p></w:footnote>'
            )
        xml = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {_NS}>'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
            f"</w:r></w:p></w:footnote>{''.join(bodies)}</w:footnotes>"
        )
        part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml.encode(), self.doc.part.package)
        self.doc.part.relate_to(part, RT.FOOTNOTES)


def _columns(lines: list[str]) -> list[list[str]]:
    """Split seed lines into table columns: a line starting with a tab opens the next column."""
    columns: list[list[str]] = []
    for line in lines:
        if line.lstrip(" ").startswith("\t") or not columns:
            columns.append([])
        if line.strip():
            columns[-1].append(line.strip())
    return columns


@pytest.fixture
def docx_from_seed(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``docx_from_seed("000", footnotes={anchor: text}, name=...)`` → path of a real .docx."""

    def make(prefix: str = "000", footnotes: dict[str, str] | None = None, name: str | None = None) -> Path:
        builder = _SeedDocx()
        builder.build(seed_path(prefix).read_text("utf-8"))
        if footnotes:
            builder.add_footnotes(footnotes)
        out = tmp_path / (name or f"seed_{prefix}.docx")
        builder.doc.save(out)
        return out

    return make


@pytest.fixture(scope="session")
def pdf_from_docx(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """Factory: render a .docx (or .doc/.odt) to PDF with LibreOffice headless → path of the PDF.

    Also ``pdf_from_docx(path, fmt="doc")`` converts to Word 97-2003 for the legacy reader.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is missing: run scripts/install.sh (apt package libreoffice-writer-nogui)"
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(source: Path, fmt: str = "pdf") -> Path:
        outdir = tmp_path_factory.mktemp("lo-out")
        subprocess.run(
            [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
             "--convert-to", fmt, "--outdir", str(outdir), str(source)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return outdir / f"{source.stem}.{fmt}"

    return convert


# --- A graph store holding the four seed plans (no search index): kg.store writes, as `kg ingest` does -----


def _write_seed_store(path: Path, base: str = "https://w3id.org/vnkg/") -> None:
    """Write the registry and the four seeds into the on-disk store at ``path`` and release it."""
    from dataclasses import asdict

    from ingest.pipeline import EXTRACTOR_VERSION, extract_file
    from ingest.registry import Registry
    from kg import store as graph_store

    store = graph_store.open_store(path)
    registry = Registry.load(SEEDS_DIR.parent / "central_documents.json")
    graph_store.load_reference_graphs(store, base, [asdict(e) for e in registry.entries])
    for seed in sorted(SEEDS_DIR.glob("*.txt")):
        graph_store.write_document(store, base, extract_file(seed, registry), path=seed,
                                   extractor_version=EXTRACTOR_VERSION)
    store.flush()
    del store  # closing the store releases its lock for the next process


@pytest.fixture(scope="session")
def write_seed_store() -> Callable[..., None]:
    """Factory: ``write_seed_store(path, base)`` fills a store directory with the seeds and closes it."""
    return _write_seed_store


# --- Scans and saved pages (issue 9): plan texts → .docx → LibreOffice PDF → pdftoppm → degraded images -----
# A "scan" is built the way an office makes one: the document printed to PDF, rasterized (pdftoppm, 200 dpi,
# grayscale), slightly blurred, sprinkled with speckles, and wrapped back into an image-only PDF (Pillow).
# Built once per session: each conversion costs a LibreOffice and a pdftoppm run.

PLANS_DIR = Path(__file__).resolve().parent / "data" / "plans"
HTML_DIR = Path(__file__).resolve().parent / "data" / "html"


def _degrade(image, seed: int):
    """Blur a page image a little and add speckles, as a cheap office scanner does."""
    import random

    from PIL import ImageFilter

    page = image.convert("L").filter(ImageFilter.GaussianBlur(0.6))
    rnd = random.Random(seed)
    pixels = page.load()
    for _ in range(page.width * page.height // 4000):
        x, y = rnd.randrange(page.width - 2), rnd.randrange(page.height - 2)
        for dx in range(rnd.choice((1, 2))):
            pixels[x + dx, y] = rnd.choice((0, 60))
    return page


@pytest.fixture(scope="session")
def plan_files(tmp_path_factory: pytest.TempPathFactory, pdf_from_docx) -> dict[str, Path]:
    """The plan texts of tests/data/plans as real files: ``{"<stem>.txt", ".docx", ".pdf", ".scan.pdf",
    ".mixed.pdf" (first page text, the rest scanned), ".png" (first page scanned)}`` keyed by suffix."""
    import zlib

    from PIL import Image

    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: run scripts/install.sh --dev (apt package poppler-utils)"
    out = tmp_path_factory.mktemp("plans")
    files: dict[str, Path] = {}
    for text_file in sorted(PLANS_DIR.glob("*.txt")):
        builder = _SeedDocx()
        builder.build(text_file.read_text("utf-8"))
        docx_path = out / f"{text_file.stem}.docx"
        builder.doc.save(docx_path)
        pdf = pdf_from_docx(docx_path)
        subprocess.run([pdftoppm, "-r", "200", "-gray", "-png", str(pdf), str(out / f"{text_file.stem}-page")],
                       check=True, capture_output=True, timeout=120)
        pages = [_degrade(Image.open(p), zlib.crc32(text_file.stem.encode()) + i)  # stable per document
                 for i, p in enumerate(sorted(out.glob(f"{text_file.stem}-page-*.png")))]
        scan = out / f"{text_file.stem}.scan.pdf"
        pages[0].save(scan, save_all=True, append_images=pages[1:], resolution=200.0)
        image = out / f"{text_file.stem}.png"
        pages[0].save(image, dpi=(200, 200))
        files.update({f"{text_file.stem}.txt": text_file, f"{text_file.stem}.docx": docx_path,
                      f"{text_file.stem}.pdf": pdf, f"{text_file.stem}.scan.pdf": scan,
                      f"{text_file.stem}.png": image})
        if len(pages) > 1:
            from pypdf import PdfReader, PdfWriter

            mixed = PdfWriter()
            mixed.add_page(PdfReader(pdf).pages[0])
            for page in PdfReader(scan).pages[1:]:
                mixed.add_page(page)
            mixed_path = out / f"{text_file.stem}.mixed.pdf"
            mixed.write(mixed_path)
            files[f"{text_file.stem}.mixed.pdf"] = mixed_path
    return files


# --- The kg command line run in-process (Typer's CliRunner) ---------------------------------------------


def _run_kg(home: Path, *args: str) -> tuple[int, str, str]:
    """``kg --home HOME ARGS...`` → (exit code, stdout, stderr); unexpected exceptions propagate."""
    import gc

    from typer.testing import CliRunner

    from api.cli import app

    result = CliRunner().invoke(app, ["--home", str(home), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    outcome = result.exit_code, result.stdout, result.stderr
    del result
    gc.collect()  # the exit's traceback holds the command's frames, and its open store, in a cycle
    return outcome


@pytest.fixture(scope="session")
def run_kg() -> Callable[..., tuple[int, str, str]]:
    """Factory: ``run_kg(home, "status", "117-KH/ThU", "--json")`` → (exit code, stdout, stderr)."""
    return _run_kg


# --- Scans of any plan-shaped text (issue 9, parser side): text → .docx → LibreOffice PDF → degraded image PDF ---


@pytest.fixture(scope="session")
def scan_of_text(tmp_path_factory: pytest.TempPathFactory, pdf_from_docx) -> Callable[[Path], Path]:
    """Factory: ``scan_of_text(path)`` → an image-only PDF of the text, printed and scanned like ``plan_files``."""
    from PIL import Image

    out = tmp_path_factory.mktemp("scans")

    def scan(text_file: Path) -> Path:
        builder = _SeedDocx()
        builder.build(text_file.read_text("utf-8"))
        docx_path = out / f"{text_file.stem}.docx"
        builder.doc.save(docx_path)
        pdf = pdf_from_docx(docx_path)
        subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", str(pdf), str(out / f"{text_file.stem}-page")],
                       check=True, capture_output=True, timeout=120)
        pages = [_degrade(Image.open(p), i) for i, p in enumerate(sorted(out.glob(f"{text_file.stem}-page-*.png")))]
        path = out / f"{text_file.stem}.scan.pdf"
        pages[0].save(path, save_all=True, append_images=pages[1:], resolution=200.0)
        return path

    return scan
