"""Identity and relations read in context: one behaviour per test, on short texts shaped like real ones."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ingest.pipeline import extract_source
from ingest.readers import SourceText
from ingest.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = Registry.load(ROOT / "data" / "central_documents.json")
TODAY = date(2026, 12, 1)


def _extract(text: str, fmt: str = "txt") -> dict:
    return extract_source(SourceText("x.txt", "0" * 64, fmt, text), REGISTRY, today=TODAY)


def _ref(doc: dict, key: str) -> dict:
    return next(r for r in doc["references"] if r["key"] == key)


def test_a_number_printed_without_code_gets_the_issuers_code_marked_inferred() -> None:
    doc = _extract("Thực hiện Kế hoạch số 155, ngày 07/12/2021 của Ban Thường vụ Tỉnh ủy Sơn La về chuyển đổi số, "
                   "Ban Thường vụ Huyện ủy Mai Sơn ban hành kế hoạch như sau:\nI. NHIỆM VỤ\n1. Tổ chức quán triệt.")
    ref = _ref(doc, "155-KH/TU@2021")
    assert ref["number_inferred"] is True
    assert ref["mentions"][0]["text"] == "Kế hoạch số 155"
    assert doc["based_on"] == ["155-KH/TU@2021"]
    assert doc["issuer"]["org"] == "Huyện ủy Mai Sơn"
    assert doc["doc_type"] == "Kế hoạch"


def test_a_printed_code_is_not_marked_inferred() -> None:
    doc = _extract("Thực hiện Kế hoạch số 155-KH/TU, ngày 07/12/2021 của Ban Thường vụ Tỉnh ủy Sơn La, "
                   "Ban Thường vụ Huyện ủy Mai Sơn ban hành kế hoạch như sau:\nI. NHIỆM VỤ\n1. Tổ chức quán triệt.")
    assert "number_inferred" not in _ref(doc, "155-KH/TU@2021")


def test_misprinted_numbers_keep_their_surface_and_normalize_the_key() -> None:
    text = ("ĐẢNG ỦY XÃ X\nSố 3-BC/ĐU\nBÁO CÁO\nkết quả\n-----\nI. KẾT QUẢ\n1. Chi bộ quán triệt Kết luận số "
            "21 - KL/TW, ngày 25/10/2021 và Kết luận số 14-KL/TWngày 22/9/2021, Hướng dẫn số 115- HD/BTGTU.\n")
    doc = _extract(text)
    surfaces = {r["key"]: r["mentions"][0]["text"] for r in doc["references"]}
    assert surfaces == {"21-KL/TW@2021": "Kết luận số 21 - KL/TW", "14-KL/TW@2021": "Kết luận số 14-KL/TW",
                        "115-HD/BTGTU@?": "Hướng dẫn số 115- HD/BTGTU"}


def test_a_citation_dated_after_the_document_is_repaired_from_another_mention() -> None:
    doc = _extract("HUYỆN ỦY TAM ĐƯỜNG\nSố 5-CV/HU\nLai Châu, ngày 10 tháng 4 năm 2024\nKính gửi: các chi bộ.\n"
                   "Thực hiện Kế hoạch số 30-KH/HU, ngày 12/3/2029 của Ban Thường vụ Huyện ủy, đề nghị các chi bộ "
                   "gửi báo cáo theo Kế hoạch số 30-KH/HU, ngày 12/3/2024.\n")
    assert [r["key"] for r in doc["references"]] == ["30-KH/HU@2024"]
    assert any("12/3/2029" in w for w in doc["warnings"])


def test_an_impossible_date_without_context_is_dropped_with_a_warning() -> None:
    doc = _extract("HUYỆN ỦY TAM ĐƯỜNG\nSố 5-CV/HU\nLai Châu, ngày 10 tháng 4 năm 2024\nKính gửi: các chi bộ.\n"
                   "Thực hiện Kế hoạch số 31-KH/HU, ngày 12/3/2029 của Ban Thường vụ Huyện ủy, đề nghị gửi báo cáo.\n")
    assert [r["key"] for r in doc["references"]] == ["31-KH/HU@?"]
    assert any("đã bỏ" in w and "12/3/2029" in w for w in doc["warnings"])


def test_an_ocr_year_in_the_header_is_repaired_by_what_the_document_cites() -> None:
    doc = _extract("HUYỆN ỦY PHONG THỔ\nSố 12-KH/HU\nPhong Thổ, ngày 15 tháng 5 năm 2063\nKẾ HOẠCH\nthực hiện x\n-----\n"
                   "Thực hiện Chỉ thị số 23-CT/TW, ngày 27/3/2003 của Ban Bí thư, Ban Thường vụ Huyện ủy ban hành "
                   "kế hoạch như sau:\nI. NHIỆM VỤ\n1. Quán triệt.\n")
    assert doc["date"] == "2003-05-15" and doc["key"] == "12-KH/HU@2003"
    assert any("2063" in w for w in doc["warnings"])


def test_a_future_year_with_two_readings_is_dropped() -> None:
    doc = _extract("HUYỆN ỦY TAM ĐƯỜNG\nSố 12-KH/HU\nLai Châu, ngày 15 tháng 5 năm 2068\nKẾ HOẠCH\nthực hiện x\n-----\n"
                   "I. NHIỆM VỤ\n1. Quán triệt.\n")
    assert doc["date"] is None and doc["key"] == "12-KH/HU@?"


def test_department_headers_name_the_department_of_the_committee() -> None:
    for header, name in (("BAN TUYÊN GIÁO", "Ban Tuyên giáo Tỉnh ủy Sơn La"), ("VĂN PHÒNG", "Văn phòng Tỉnh ủy Sơn La"),
                         ("ỦY BAN KIỂM TRA", "Ủy ban Kiểm tra Tỉnh ủy Sơn La")):
        doc = _extract(f"TỈNH ỦY SƠN LA\n{header}\n*\nSố 7-HD/X\nSơn La, ngày 03 tháng 4 năm 2023\nHƯỚNG DẪN\nx\n-----\n"
                       "I. NỘI DUNG\n1. Tuyên truyền.\n")
        assert (doc["issuer"]["name"], doc["issuer"]["org"]) == (name, name), header
        assert doc["issuer"]["parent"] == "Tỉnh ủy Sơn La"


def test_an_annex_list_title_never_becomes_the_issuer() -> None:
    doc = _extract("Thực hiện Nghị quyết số 57-NQ/TW, ngày 22/12/2024 của Bộ Chính trị, Ban Thường vụ Huyện ủy "
                   "Tuần Giáo ban hành kế hoạch như sau:\nI. NHIỆM VỤ\n1. Quán triệt.\n\nDANH SÁCH\nBAN CHỈ ĐẠO "
                   "CHUYỂN ĐỔI SỐ HUYỆN\n1. Văn phòng Huyện ủy\n")
    assert doc["number"] is None
    assert doc["issuer"]["org"] == "Huyện ủy Tuần Giáo"


def test_past_results_cite_and_assigned_work_implements_partly() -> None:
    doc = _extract("THÀNH ỦY LAI CHÂU\nSố 8-BC/ThU\nLai Châu, ngày 18 tháng 11 năm 2024\nBÁO CÁO\nkết quả\n-----\n"
                   "I. KẾT QUẢ\nNăm 2023, việc học tập được gắn với thực hiện Kết luận số 21-KL/TW, ngày 25/10/2021 "
                   "của Ban Chấp hành Trung ương.\nCác chi bộ đã triển khai thực hiện Chỉ thị số 05-CT/TW, ngày "
                   "15/5/2016 của Bộ Chính trị.\nII. NHIỆM VỤ NĂM 2025\n1. Tiếp tục thực hiện Chỉ thị số "
                   "05-CT/TW.\n")
    assert {r["key"] for r in doc["references"]} == {"21-KL/TW@2021", "05-CT/TW@2016"}
    assert doc["implements_partly"] == ["05-CT/TW@2016"]


def test_a_news_item_assigns_no_work_and_has_no_number() -> None:
    doc = _extract("Sáng 15/8, Huyện ủy Phong Thổ tổ chức hội nghị sơ kết Chỉ thị số 05-CT/TW, ngày 23/6/2021 của "
                   "Ban Bí thư. Đồng chí Bí thư đề nghị tiếp tục triển khai thực hiện Kết luận số 14-KL/TW.\n")
    assert doc["number"] is None and doc["implements_partly"] == [] and doc["based_on"] == []
    assert {r["key"] for r in doc["references"]} == {"05-CT/TW@2021", "14-KL/TW@2021"}


def test_ocr_motto_and_type_word_with_wrong_diacritics() -> None:
    doc = _extract("HUYỆN ỦY PHONG THỔ\nSố 12-KH/HU\nĐẢNG CỘNG SẲN VIỆT NAM\nPhong Thổ, ngày 15 tháng 5 năm 2003\n"
                   "KÉ HOẠCH\nthực hiện x\n-----\nI. NHIỆM VỤ\n1. Quán triệt.\n")
    assert doc["doc_type"] == "Kế hoạch" and doc["issuer"]["org"] == "Huyện ủy Phong Thổ"
    assert doc["title"] == "thực hiện x"


def test_tu_in_the_header_of_a_provincial_committee_is_tinh_uy() -> None:
    doc = _extract("ĐẢNG BỘ TỈNH LAI CHÂU\nTỈNH ỦY LAI CHÂU\n*\nSố 52-KH/TƯ\nLai Châu, ngày 12 tháng 01 năm 2022\n"
                   "KẾ HOẠCH\nthực hiện x\n-----\nI. NHIỆM VỤ\n1. Quán triệt Kết luận số 21-KL/TƯ.\n")
    assert doc["number"] == "52-KH/TU" and doc["key"] == "52-KH/TU@2022"
    assert [r["key"] for r in doc["references"]] == ["21-KL/TW@2021"]


def test_ocr_text_of_a_scanned_plan() -> None:
    """Noise as Tesseract left it on a LibreOffice rendering of tests/realworld/clean_tab_header.txt."""
    doc = _extract("ĐẢNG BỘ TỈNH SƠN LA — ĐẢNG CỘNG SẢN VIỆT NAM\nHUYỆN ỦY MAI SƠN\n*\n\n"
                   "Sô “301-KH/HU Mai Sơn, ngày 09 tháng 61 năm 2022\n\nKE “HOẠCH\n\nthực hiện Kêf tuận sô01-KL/TW\n\n"
                   "Thực hiện Kê hoạch sô 25-KH/TU, ngày 12/7/2021 của Ban Thường vụ Tỉnh ủy Sơn La\nvê`thực hiện "
                   "Kêt tuận sô“91-KL/TW, ngày 18/5/2021 của Bộ Chính trị, Ban Thường\nvụ Huyện ủy Mai Sơn ban hành "
                   "kê hoạch thực hiện như sau:\n\nI. MỤC ĐÍCH\n1. Quán triệt.\n", fmt="pdf")
    assert (doc["number"], doc["date"], doc["doc_type"]) == ("301-KH/HU", "2022-01-09", "Kế hoạch")
    assert (doc["issuer"]["org"], doc["issuer"]["parent"]) == ("Huyện ủy Mai Sơn", "Đảng bộ tỉnh Sơn La")
    assert {r["key"] for r in doc["references"]} == {"01-KL/TW@2021", "25-KH/TU@2021"}
    assert doc["implements"] == ["01-KL/TW@2021"]


def test_ocr_citations_with_wrong_diacritics_and_detached_accents() -> None:
    """Noise as Tesseract left it on a rendering of tests/realworld/misprints_report.txt."""
    doc = _extract("ĐẲNG ỦY XÃ ÍT ONG\nSô“115- BC/ĐU\nÍt Ong, ngày 20 tháng 12 năm 2022\nBÁO0 CÁO\nkết quả\n\n"
                   "Thực hiện Công văn sô 412-CV/HU, ngày 65/12/2922 của Ban Thường vụ Huyện ủy\nMường La vê`báo cáo "
                   "kêf quả thực hiện Kê hoạch sô 155, ngày 07/12/2021 của Ban\nThường vụ Tỉnh ủy Sơn La, Đảng ủy xã "
                   "Ít Ong báo cáo như sau:\n\nI. KẾT QUẢ\nCác chi bộ đã đưa Quy định sô08-QĐi/TW vào sinh hoạt.\n",
                   fmt="pdf")
    assert (doc["number"], doc["date"], doc["doc_type"]) == ("115-BC/ĐU", "2022-12-20", "Báo cáo")
    assert doc["issuer"]["org"] == "Đảng ủy xã Ít Ong"
    refs = {r["key"]: r for r in doc["references"]}
    assert set(refs) == {"412-CV/HU@2022", "155-KH/TU@2021", "08-QĐi/TW@2018"}
    assert refs["155-KH/TU@2021"]["number_inferred"] is True
    assert refs["08-QĐi/TW@2018"]["doc_type"] == "Quy định"
    assert doc["based_on"] == ["412-CV/HU@2022"]


def test_a_lead_that_contradicts_the_header_announces_another_document() -> None:
    doc = _extract("HUYỆN ỦY PHONG THỔ\n*\nBÁO CÁO\nkết quả một năm\n-----\nNgày 05/01/2023, Ban Thường vụ Huyện ủy "
                   "Phong Thổ ban hành Kế hoạch số 12-KH/HU về chuyển đổi số; qua một năm, kết quả như sau:\n"
                   "I. KẾT QUẢ\n1. Hoàn thành.\n")
    assert doc["number"] is None and doc["doc_type"] == "Báo cáo"
    assert [r["number"] for r in doc["references"]] == ["12-KH/HU"]


def test_a_header_number_whose_so_ocr_lost() -> None:
    doc = _extract("HUYỆN ỦY MAI SƠN\n*\n301-KH/HU Mai Sơn, ngày 09 tháng 01 năm 2022\nKẾ HOẠCH\nthực hiện x\n-----\n"
                   "Thực hiện Kế hoạch số 25-KH/TU, ngày 12/7/2021 của Ban Thường vụ Tỉnh ủy Sơn La, Ban Thường vụ "
                   "Huyện ủy ban hành kế hoạch như sau:\nI. NHIỆM VỤ\n1. Quán triệt.\n")
    assert (doc["number"], doc["date"], doc["based_on"]) == ("301-KH/HU", "2022-01-09", ["25-KH/TU@2021"])
    assert doc["place"] == "Mai Sơn"
