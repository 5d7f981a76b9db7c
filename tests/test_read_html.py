"""Saved web pages: the document without the site's wrapper, the page's charset, list pages refused.

tests/data/html holds pages saved from provincial party-site layouts (menus, breadcrumbs, sidebars of new
documents, "Tin liên quan", view counters, footers with licence and phone numbers); gold.json lists each
page's document paragraphs and strings that occur only in the wrapper.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from api.corpus import collect_files
from ingest.pipeline import extract_file
from ingest.readers import read_file
from ingest.registry import Registry
from kg.errors import UnreadableFileError

HTML = Path(__file__).resolve().parent / "data" / "html"
GOLD = json.loads((HTML / "gold.json").read_text("utf-8"))
DOCUMENTS = sorted(name for name, gold in GOLD.items() if gold["document"])
REGISTRY = Registry.load(Path(__file__).resolve().parents[1] / "data" / "central_documents.json")
_NUMBER = re.compile(r"\b\d+[-/][A-ZĐa-zđ/-]+\b")


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def failure(path: Path) -> str:
    with pytest.raises(UnreadableFileError) as info:
        read_file(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_text_without_the_wrapper(name: str) -> None:
    source = read_file(HTML / name)
    gold = GOLD[name]
    text = flat(source.text)
    assert source.format == "html" and source.ocr is None
    assert source.text == unicodedata.normalize("NFC", source.text)
    missing = [p for p in gold["body"] if flat(p) not in text]
    assert not missing
    leaked = [w for w in gold["wrapper_only"] if flat(w) in text]
    assert not leaked
    body_numbers = set(_NUMBER.findall(" ".join(gold["body"])))
    assert set(_NUMBER.findall(text)) <= body_numbers  # no number that only the wrapper prints
    lines = source.text.split("\n")
    assert all(flat(p) in lines for p in gold["body"])  # one line per paragraph


def test_windows_1258_page_is_decoded_from_its_declaration() -> None:
    path = HTML / "huyen_uy_luc_yen_kh38.htm"
    assert b"windows-1258" in path.read_bytes()[:400]
    assert "Lục Yên, ngày 09 tháng 8 năm 2023" in read_file(path).text


def test_undeclared_or_wrongly_declared_charset(tmp_path: Path) -> None:
    cp1258 = (HTML / "huyen_uy_luc_yen_kh38.htm").read_bytes()
    undeclared = tmp_path / "khong_khai_bao.htm"
    undeclared.write_bytes(cp1258.replace(b"; charset=windows-1258", b""))
    assert "Hoàng Văn Thọ" in read_file(undeclared).text
    utf8 = (HTML / "dang_uy_so_gd_kh14.html").read_bytes()
    wrong = tmp_path / "khai_sai.html"
    wrong.write_bytes(utf8.replace(b"charset=utf-8", b"charset=us-ascii"))
    assert "Lê Thị Hạnh" in read_file(wrong).text


def test_layout_tables_read_column_by_column() -> None:
    lines = read_file(HTML / "dang_uy_so_gd_kh14.html").text.split("\n")
    header = lines[:5]
    assert header == ["ĐẢNG BỘ KHỐI CÁC CƠ QUAN TỈNH", "ĐẢNG ỦY SỞ GIÁO DỤC VÀ ĐÀO TẠO", "Số 14-KH/ĐU",
                      "ĐẢNG CỘNG SẢN VIỆT NAM", "Quảng Trị, ngày 20 tháng 3 năm 2024"]
    assert lines[-3:] == ["T/M ĐẢNG ỦY", "BÍ THƯ", "Lê Thị Hạnh"]


def test_list_page_is_refused_with_a_reason() -> None:
    message = failure(HTML / "tinh_uy_ha_giang_danh_muc.html")
    assert "không phải một văn bản" in message and "danh sách" in message


def test_page_without_main_text_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "loi.html"
    page.write_text("<html><head><meta charset='utf-8'><title>Lỗi</title></head><body><nav><a href='/'>Trang chủ"
                    "</a></nav><p>Không tìm thấy trang yêu cầu.</p><footer>Tỉnh ủy</footer></body></html>", "utf-8")
    assert "không tìm thấy nội dung văn bản" in failure(page)


@pytest.mark.parametrize(("name", "expected"), [
    ("huyen_uy_luc_yen_kh38.htm", ("38-KH/HU", "2023-08-09", "Huyện ủy Lục Yên",
                                   ["21-NQ/TW@2022", "25-HD/BTCTU@2023"])),
    ("dang_uy_so_gd_kh14.html", ("14-KH/ĐU", "2024-03-20", None, ["21-KL/TW@2021", "40-KH/ĐUK@2024"])),
    ("tinh_uy_ha_giang_kh52.html", ("52-KH/TU", "2022-01-12", "Tỉnh ủy Hà Giang",
                                    ["12-CT/TW@2022", "24-NQ/TW@2013"])),
])
def test_saved_pages_end_to_end(name: str, expected: tuple) -> None:
    doc = extract_file(HTML / name, REGISTRY)
    number, date, org, references = expected
    assert (doc["number"], doc["date"]) == (number, date)
    if org:
        assert doc["issuer"]["org"] == org
    assert sorted(ref["key"] for ref in doc["references"]) == references  # wrapper numbers are not references


def test_folders_take_saved_pages_and_scans(tmp_path: Path) -> None:
    for name in ("a.html", "b.htm", "c.png", "d.jpg", "e.jpeg", "f.tif", "g.tiff", "h.pdf", "i.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    files, others = collect_files([tmp_path])
    assert sorted(p.name for p in files) == ["a.html", "b.htm", "c.png", "d.jpg", "e.jpeg", "f.tif", "g.tiff",
                                             "h.pdf"]
    assert [e.path.name for e in others] == ["i.xlsx"]


def test_old_page_with_line_breaks_inside_font_markup(tmp_path: Path) -> None:
    lines = ["ĐẢNG BỘ TỈNH LÀO CAI", "HUYỆN ỦY BẮC HÀ", "Số 21-KH/HU", "Bắc Hà, ngày 03 tháng 02 năm 2023", "KẾ HOẠCH",
             "thực hiện Chỉ thị số 23-CT/TW"]
    lines += [f"{i}. Các chi bộ, đảng bộ cơ sở thực hiện nhiệm vụ thứ {i}, báo cáo trước ngày 30/11/2023." for i in (1, 2, 3)]
    page = tmp_path / "bac_ha.htm"
    page.write_text(
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=utf-8'><title>Văn bản</title></head>"
        "<body><div id='menu'><a href='/'>Trang chủ</a> | <a href='/a'>Tin tức</a></div><table><tr><td>"
        "<a href='/x'>Thông báo số 5-TB/HU</a><br><a href='/y'>Kế hoạch số 20-KH/HU</a></td><td>"
        f"<font face='Times New Roman'>{'<br>'.join(lines)}</font> <b>Nơi nhận:</b><br>"
        "<div class='view'>Lượt xem: 77</div></td></tr></table></body></html>", "utf-8")
    text = read_file(page).text
    assert text.split("\n")[:6] == lines[:6] and f"{lines[-1]} Nơi nhận:" in text
    assert "5-TB/HU" not in text and "20-KH/HU" not in text and "Lượt xem" not in text
