"""Readers on real files: seeds re-encoded, .docx built with python-docx, PDFs and .doc from LibreOffice."""

from __future__ import annotations

import codecs
import io
import random
import re
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.oxml.parser import parse_xml
from pypdf import PdfReader, PdfWriter

from ingest.docx_numbering import W_NS, Numbering
from ingest.read_doc import doc_text
from ingest.readers import ReadLimits, read_file
from kg.errors import UnreadableFileError
from kg.text import nfc

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
SEED_000 = next(SEEDS.glob("000_*.txt"))
FOOTNOTE = "Hướng dẫn số 64-HD/BTGTW, ngày 10/5/2018 của Ban Tuyên giáo Trung ương về thực hiện Chỉ thị."
ANCHOR = "Hướng dẫn số 64-HD/BTGTW"
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_NS = f'xmlns:w="{W_NS}"'


def lines_of(text: str) -> list[str]:
    """Non-empty lines with runs of whitespace collapsed (the layout-independent content)."""
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def flat(text: str) -> str:
    return " ".join(text.split())


def failure(path: Path, **kwargs) -> str:
    """The one-line reason read_file gives for ``path`` (fails the test if it reads)."""
    with pytest.raises(UnreadableFileError) as info:
        read_file(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and "(" in message  # one line, names the file
    return message


def to_cp1258(text: str) -> bytes:
    """Encode like Windows does for code page 1258: base letters precomposed, tones as combining marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in decomposed if m in _TONES)
        letter = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
        out += (letter + tones).encode("cp1258")
    return bytes(out)


def png(width: int, height: int, seed: int = 0) -> bytes:
    """A real grayscale PNG of noise (what a scanned page looks like to a text extractor)."""
    rnd = random.Random(seed)
    raw = b"".join(b"\x00" + rnd.randbytes(width) for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# --- .txt --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("utf8", lambda t: t.encode("utf-8")),
        ("utf8-bom", lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
        ("utf16le-bom", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
        ("utf16be-bom", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
        ("utf16le-nobom", lambda t: t.encode("utf-16-le")),
        ("utf16be-nobom", lambda t: t.encode("utf-16-be")),
        ("utf16le-nfd-nobom", lambda t: unicodedata.normalize("NFD", t).encode("utf-16-le")),
        ("nfd", lambda t: unicodedata.normalize("NFD", t).encode("utf-8")),
        ("cp1258", to_cp1258),
    ],
)
def test_txt_encodings_round_trip_to_nfc(tmp_path: Path, name: str, encode) -> None:
    seed = SEED_000.read_text("utf-8")
    path = tmp_path / f"{name}.txt"
    path.write_bytes(encode(seed))
    source = read_file(path)
    assert source.format == "txt"
    assert source.text == nfc(seed)
    assert unicodedata.is_normalized("NFC", source.text)
    assert "Số 117-KH/ThU" in source.text and "\ufeff" not in source.text


def test_cp1258_copy_really_uses_combining_tones(tmp_path: Path) -> None:
    data = to_cp1258(SEED_000.read_text("utf-8"))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "\u0301" in data.decode("cp1258")  # the bytes carry tone marks apart from the letters
    path = tmp_path / "cp1258.txt"
    path.write_bytes(data)
    assert "I. MỤC ĐÍCH, YÊU CẦU" in read_file(path).text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "rỗng"),
        (b" \n\t\r\n ", "rỗng"),
        (random.Random(1).randbytes(4096), "nhị phân"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "nhị phân"),
        (bytes(range(1, 32)) * 50 + "Số 117".encode(), "nhị phân"),
        ("Kế hoạch".encode() + b"\x00" + "số 117".encode(), "nhị phân"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8a\x00", "BOM"),
    ],
    ids=["empty", "blank", "random", "elf", "controls", "utf8-with-nul", "bad-utf16-after-bom"],
)
def test_txt_junk_fails(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    assert expected in failure(path)


# --- .docx -------------------------------------------------------------------------------------------


def test_docx_from_seed_matches_the_seed_text(docx_from_seed) -> None:
    path = docx_from_seed("000", footnotes={ANCHOR: FOOTNOTE})
    source = read_file(path)
    text = source.text
    assert source.format == "docx" and unicodedata.is_normalized("NFC", text)
    lines = text.split("\n")
    assert lines[:6] == [  # header layout table: left column, then right column
        "ĐẢNG BỘ TỈNH LAI CHÂU", "THÀNH ỦY LAI CHÂU", "*", "Số 117-KH/ThU",
        "ĐẢNG CỘNG SẢN VIỆT NAM", "TP. Lai Châu, ngày 22 tháng 02 năm 2023",
    ]  # fmt: skip
    assert "I. MỤC ĐÍCH, YÊU CẦU" in lines and "II. NỘI DUNG, THỜI GIAN, HÌNH THỨC SƠ KẾT" in lines
    assert "1. Mục đích" in lines and "3. Thời gian sơ kết" in lines
    assert any(line.startswith("- Đánh giá toàn diện") for line in lines)
    assert f"{ANCHOR}(1), ngày 10/5/2018" in text  # inline marker where the reference sits
    assert lines[-1] == f"(1) {FOOTNOTE}" and lines[-2] == ""
    # everything else is the seed, line for line
    body = [line.replace("(1)", "") for line in lines_of(text)[:-1]]
    assert body == lines_of(SEED_000.read_text("utf-8"))


def test_docx_numbering_is_real_word_numbering(docx_from_seed) -> None:
    """The markers come from numbering.xml, not from typed text."""
    document = docx.Document(docx_from_seed("000"))
    texts = [p.text for p in document.paragraphs]
    assert "MỤC ĐÍCH, YÊU CẦU" in texts and "Mục đích" in texts
    assert not any(t.startswith(("I. ", "1. ", "- Đánh")) for t in texts)
    numbered = document.element.body.findall(f".//{{{W_NS}}}numPr")
    assert len(numbered) > 10


@pytest.mark.parametrize("prefix", ["001", "002", "004"])
def test_docx_round_trips_other_seeds(docx_from_seed, prefix: str) -> None:
    seed = next(SEEDS.glob(f"{prefix}_*.txt")).read_text("utf-8")
    assert lines_of(read_file(docx_from_seed(prefix)).text) == lines_of(seed)


def test_docx_builtin_list_styles_and_data_tables(tmp_path: Path) -> None:
    document = docx.Document()
    for text in ("Nội dung", "Hình thức", "Thời gian"):
        document.add_paragraph(text, style="List Number")  # numbering inherited from the style
    document.add_paragraph("Cấp cơ sở", style="List Bullet")  # Symbol-font bullet glyph
    table = document.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    for r, row in enumerate([["TT", "Nội dung", "Thời gian"], ["1", "Sơ kết", "Quý II/2023"], ["2", "", ""]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("Sau bảng")
    path = tmp_path / "lists.docx"
    document.save(path)
    assert read_file(path).text.split("\n") == [
        "1. Nội dung", "2. Hình thức", "3. Thời gian", "- Cấp cơ sở",
        "TT\tNội dung\tThời gian", "1\tSơ kết\tQuý II/2023", "2\t\t", "Sau bảng",
    ]  # fmt: skip


def test_docx_fields_hidden_deleted_and_breaks(tmp_path: Path) -> None:
    document = docx.Document()
    p = document.add_paragraph("Trang ")
    for xml in (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r>',
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        '<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>9</w:t></w:r></w:fldSimple>',
        '<w:r><w:t xml:space="preserve"> của </w:t></w:r>',
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>REF _Ref1 \\h</w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Kế hoạch</w:t></w:r>',
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        "<w:r><w:rPr><w:vanish/></w:rPr><w:t>ẩn</w:t></w:r>",
        '<w:del w:id="1" w:author="a"><w:r><w:delText>đã xóa</w:delText></w:r></w:del>',
        "<w:r><w:br/><w:t>dòng hai</w:t><w:tab/><w:t>cột</w:t></w:r>",
    ):
        for el in parse_xml(f"<w:x {_NS}>{xml}</w:x>"):
            p._p.append(el)
    path = tmp_path / "fields.docx"
    document.save(path)
    assert read_file(path).text == "Trang  của Kế hoạch\ndòng hai\tcột"


def test_docx_layout_table_is_read_column_by_column(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "ĐẢNG BỘ TỈNH LAI CHÂU"
    table.cell(0, 0).add_paragraph("THÀNH ỦY LAI CHÂU")
    table.cell(0, 1).text = "ĐẢNG CỘNG SẢN VIỆT NAM"
    table.cell(1, 0).text = "Số 117-KH/ThU"
    table.cell(1, 1).text = "TP. Lai Châu, ngày 22 tháng 02 năm 2023"
    path = tmp_path / "layout.docx"
    document.save(path)
    assert read_file(path).text.split("\n") == [
        "ĐẢNG BỘ TỈNH LAI CHÂU", "THÀNH ỦY LAI CHÂU", "Số 117-KH/ThU",
        "ĐẢNG CỘNG SẢN VIỆT NAM", "TP. Lai Châu, ngày 22 tháng 02 năm 2023",
    ]  # fmt: skip


def test_numbering_formats_restarts_and_overrides() -> None:
    def lvl(ilvl: int, fmt: str, text: str, start: int = 1) -> str:
        return (
            f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/></w:lvl>'
        )

    numbering = parse_xml(
        f'<w:numbering {_NS}><w:abstractNum w:abstractNumId="1">'
        + lvl(0, "upperRoman", "%1.") + lvl(1, "decimal", "%1.%2.") + lvl(2, "lowerLetter", "%3)")
        + lvl(3, "bullet", "\uf0b7") + lvl(4, "bullet", "o")
        + '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="4"/>'
        "</w:lvlOverride></w:num></w:numbering>"
    )  # fmt: skip
    styles = parse_xml(
        f'<w:styles {_NS}><w:style w:type="paragraph" w:styleId="Muc"><w:pPr><w:numPr><w:ilvl w:val="1"/>'
        '<w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="MucCon"><w:basedOn w:val="Muc"/></w:style></w:styles>'
    )
    numbers = Numbering(numbering, styles)

    def para(num_id: str | None, ilvl: int = 0, style: str | None = None) -> str:
        numpr = (
            ""
            if num_id is None
            else f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
        )
        pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
        return numbers.prefix(parse_xml(f"<w:p {_NS}><w:pPr>{pstyle}{numpr}</w:pPr></w:p>"))

    got = [
        para("1", 0), para("1", 1), para("1", 2), para("1", 2), para("1", 3), para("1", 4),
        para(None, style="MucCon"), para("1", 0), para("1", 1), para("0"), para(None), para("2", 0),
    ]  # fmt: skip
    assert got == ["I. ", "I.1. ", "a) ", "b) ", "+ ", "+ ", "I.2. ", "II. ", "II.1. ", "", "", "IV. "]


# --- .pdf --------------------------------------------------------------------------------------------


@pytest.fixture
def seed_pdf(docx_from_seed, pdf_from_docx) -> Path:
    return pdf_from_docx(docx_from_seed("000", footnotes={ANCHOR: FOOTNOTE}))


def test_pdf_rendered_by_libreoffice_keeps_the_text(seed_pdf: Path, tmp_path: Path) -> None:
    source = read_file(seed_pdf)
    text = flat(source.text)
    assert source.format == "pdf" and unicodedata.is_normalized("NFC", source.text)
    for expected in ("Số 117-KH/ThU", "TP. Lai Châu, ngày 22 tháng 02 năm 2023", "I. MỤC ĐÍCH, YÊU CẦU",
                     "Đặng Quang Chung", FOOTNOTE):  # fmt: skip
        assert expected in text
    # an owner password alone (empty user password) still opens
    writer = PdfWriter(clone_from=PdfReader(seed_pdf))
    writer.encrypt(user_password="", owner_password="chủ sở hữu", algorithm="RC4-128")
    owner_only = tmp_path / "owner.pdf"
    writer.write(owner_only)
    assert "Số 117-KH/ThU" in read_file(owner_only).text


def test_pdf_bad_inputs_fail(seed_pdf: Path, tmp_path: Path) -> None:
    data = seed_pdf.read_bytes()
    writer = PdfWriter(clone_from=PdfReader(seed_pdf))
    writer.encrypt(user_password="mật khẩu", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    writer.write(locked)
    assert "mật khẩu" in failure(locked)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(data[:400])
    assert "bị hỏng" in failure(truncated) or "OCR" in failure(truncated)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(random.Random(2).randbytes(2048))
    assert "%PDF" in failure(junk)


def test_scanned_pdf_of_noise_says_ocr_found_no_text(tmp_path: Path, pdf_from_docx) -> None:
    document = docx.Document()
    document.add_picture(io.BytesIO(png(300, 400)))
    scan_docx = tmp_path / "scan.docx"
    document.save(scan_docx)
    scan = pdf_from_docx(scan_docx)
    assert b"/Image" in scan.read_bytes()
    assert "OCR found no text" in failure(scan)  # the image page was recognized, and holds no text


# --- legacy .doc ---------------------------------------------------------------------------------------


def test_doc_via_antiword_and_catdoc(docx_from_seed, pdf_from_docx, tmp_path: Path) -> None:
    doc = pdf_from_docx(docx_from_seed("000"), "doc")
    source = read_file(doc)
    lines = source.text.split("\n")
    assert source.format == "doc" and unicodedata.is_normalized("NFC", source.text)
    assert "MỤC ĐÍCH, YÊU CẦU" in lines  # antiword does not render automatic numbering
    start = lines.index("ĐẢNG BỘ TỈNH LAI CHÂU")  # antiword's table, reshaped column by column
    assert lines[start : start + 6] == [
        "ĐẢNG BỘ TỈNH LAI CHÂU", "THÀNH ỦY LAI CHÂU", "*", "Số 117-KH/ThU",
        "ĐẢNG CỘNG SẢN VIỆT NAM", "TP. Lai Châu, ngày 22 tháng 02 năm 2023",
    ]  # fmt: skip
    assert lines.index("Đặng Quang Chung") > lines.index("- Lưu VPThU.")
    catdoc = doc_text(doc, tools=("catdoc",))  # the fallback (it drops the last table row, a catdoc limit)
    assert "Số 117-KH/ThU" in catdoc and "MỤC ĐÍCH, YÊU CẦU" in catdoc
    renamed = tmp_path / "old.docx"  # Word 97-2003 bytes with a .docx name still read
    renamed.write_bytes(doc.read_bytes())
    assert read_file(renamed).format == "doc"
    with pytest.raises(UnreadableFileError, match="apt-get install antiword"):
        doc_text(doc, tools=("no-such-antiword",))
    junk = tmp_path / "junk.doc"
    junk.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(3).randbytes(3000))
    assert ".doc" in failure(junk)


# --- guards ------------------------------------------------------------------------------------------


def test_unknown_missing_and_oversized_files(tmp_path: Path) -> None:
    for name in ("bang.xlsx", "README"):
        (tmp_path / name).write_text("Số 117-KH/ThU")
        assert "không được hỗ trợ" in failure(tmp_path / name)
    assert "không tìm thấy" in failure(tmp_path / "none.txt")
    (tmp_path / "dir.txt").mkdir()
    assert "không phải tệp thường" in failure(tmp_path / "dir.txt")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:  # sparse: 101 MB declared, nothing read
        fh.truncate(101 * 1024 * 1024)
    assert "quá lớn" in failure(huge)
    small = tmp_path / "small.txt"
    small.write_text("Kế hoạch " * 200)
    assert "quá lớn" in failure(small, limits=ReadLimits(max_bytes=1000))


def test_docx_bad_inputs_fail(docx_from_seed, tmp_path: Path) -> None:
    good = docx_from_seed("000").read_bytes()
    cases: dict[str, bytes] = {"junk": random.Random(4).randbytes(5000), "truncated": good[: len(good) // 2]}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "Số 117-KH/ThU")
    cases["plain-zip"] = buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in src.infolist():
            broken = b"<w:document><w:body><w:p>" if item.filename == "word/document.xml" else None
            zf.writestr(item, broken or src.read(item))
    cases["bad-xml"] = buf.getvalue()
    expected = {"junk": "không phải tệp .docx", "truncated": "cắt cụt", "plain-zip": "không phải văn bản Word",
                "bad-xml": "bị hỏng"}  # fmt: skip
    for name, data in cases.items():
        path = tmp_path / f"{name}.docx"
        path.write_bytes(data)
        assert expected[name] in failure(path), name


def test_zip_bombs_are_refused_before_decompression(docx_from_seed, tmp_path: Path) -> None:
    good = docx_from_seed("000").read_bytes()
    ratio_bomb = tmp_path / "ratio.docx"
    with zipfile.ZipFile(ratio_bomb, "w") as zf:  # a real docx plus 40 MB of zeros that deflate ~1000:1
        with zipfile.ZipFile(io.BytesIO(good)) as src:
            for item in src.infolist():
                zf.writestr(item, src.read(item))
        info = zipfile.ZipInfo("word/media/image1.bin")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as member:
            for _ in range(40):
                member.write(bytes(1024 * 1024))
    assert ratio_bomb.stat().st_size < 200_000
    assert "zip bomb" in failure(ratio_bomb)

    # a member whose declared size is 3.7 GB: the directory is read, nothing is inflated
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zipfile.ZipFile(io.BytesIO(good)) as src:
        for item in src.infolist():
            zf.writestr(item.filename, src.read(item))
        zf.writestr("word/media/huge.bin", b"x" * 1000)
    data = bytearray(buf.getvalue())
    central = data.rindex(b"PK\x01\x02")  # the last central-directory entry is huge.bin
    struct.pack_into("<I", data, central + 24, 0xEE6B2800)  # uncompressed size field of the last entry
    declared = tmp_path / "declared.docx"
    declared.write_bytes(bytes(data))
    assert zipfile.ZipFile(declared).getinfo("word/media/huge.bin").file_size == 0xEE6B2800
    message = failure(declared)
    assert "zip bomb" in message and re.search(r"\d{4} MB", message)


def test_docx_text_box_is_read_once(tmp_path: Path) -> None:
    """Word stores a text box twice (DrawingML choice + VML fallback); its paragraphs follow the anchor."""
    box = "<w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>Số 5-KH/ĐU</w:t></w:r></w:p></w:txbxContent></v:textbox></w:pict>"
    document = docx.Document()
    paragraph = document.add_paragraph("Trước")
    run = parse_xml(
        f'<w:r {_NS} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        f'xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent><mc:Choice Requires="wps">{box}'
        f"</mc:Choice><mc:Fallback>{box}</mc:Fallback></mc:AlternateContent></w:r>"
    )
    paragraph._p.append(run)
    document.add_paragraph("Sau")
    path = tmp_path / "box.docx"
    document.save(path)
    assert read_file(path).text.split("\n") == ["Trước", "Số 5-KH/ĐU", "Sau"]
