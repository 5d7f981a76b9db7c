"""Citation surface forms → resolved keys, homonyms, and relation typing on small realistic texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import extract_source
from ingest.readers import SourceText
from ingest.registry import Registry

REGISTRY = Registry.load(Path(__file__).resolve().parent.parent / "data" / "central_documents.json")

HEADER = """\tĐẢNG BỘ TỈNH HÀ GIANG
HUYỆN ỦY VỊ XUYÊN
*
Số 45-KH/HU
\tĐẢNG CỘNG SẢN VIỆT NAM
Vị Xuyên, ngày 10 tháng 3 năm 2023

KẾ HOẠCH
{title}
-----
{basis}
I. NỘI DUNG
1. Nhiệm vụ
{body}
"""


def extract(body: str, title: str = "tuyên truyền năm 2023", basis: str = "") -> dict:
    text = HEADER.format(title=title, basis=basis, body=body)
    return extract_source(SourceText("t.txt", "0" * 64, "txt", text), REGISTRY)


def keys(doc: dict) -> list[str]:
    return [ref["key"] for ref in doc["references"]]


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Chỉ thị số 23-CT/TW, ngày 09/02/2018 của Ban Bí thư về tiếp tục đổi mới", "23-CT/TW@2018"),
        ("Chỉ thị 23-CT/TW ngày 27/3/2003 của Ban Bí thư", "23-CT/TW@2003"),
        ("Chỉ thị số 23-CT/TW của Ban Bí thư khóa IX về đẩy mạnh nghiên cứu", "23-CT/TW@2003"),
        ("Chỉ thị 23-CT/TW, ngày 9-2-2018", "23-CT/TW@2018"),
        ("Chỉ thị số 23-CT/TW, ngày 09 tháng 02 năm 2018 của Ban Bí thư", "23-CT/TW@2018"),
        ("CT số 23-CT/TW ngày 09/02/2018", "23-CT/TW@2018"),
        ("Chỉ thị số: 23 - CT/TW, ngày 09/02/2018", "23-CT/TW@2018"),
        ("Chỉ thị số 23-CT/TW, ngày 09/022018 của Ban Bí thư", "23-CT/TW@2018"),
        ("Kết luận 01 của Bộ Chính trị", "01-KL/TW@2021"),
        ("KL 01", "01-KL/TW@2021"),
        ("Kết luận số 21-KL/TW, ngày 25/5/2012 của Ban Chấp hành Trung ương", "21-KL/TW@2012"),
        ("Kết luận số 21-KL/TW của Ban Chấp hành Trung ương khóa XIII", "21-KL/TW@2021"),
        ("Kết luận 21-KL/TW khoá XI về phòng, chống tham nhũng", "21-KL/TW@2012"),
        ("Chỉ thị số 05-CT/TW của Bộ Chính trị về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
         "05-CT/TW@2016"),
        ("Chỉ thị 05-CT/TW của Ban Bí thư về tăng cường sự lãnh đạo của Đảng đối với công tác giảm nghèo bền vững",
         "05-CT/TW@2021"),
        ("Chỉ thị số 27/CT-TTg ngày 08/9/2016 của Thủ tướng Chính phủ", "27/CT-TTg@2016"),
        ("Nghị định số 30/2020/NĐ-CP của Chính phủ", "30/2020/NĐ-CP@2020"),
        ("Nghị quyết Trung ương 4 khóa XII về tăng cường xây dựng, chỉnh đốn Đảng", "NQTW4-khoaXII"),
        ("Nghị quyết Đại hội XIII của Đảng", "NQDH-XIII"),
        ("Hướng dẫn số 64-HD/BTGTW của Ban Tuyên giáo Trung ương", "64-HD/BTGTW@2018"),
        ("Kế hoạch số 147-KH/TU, ngày 14/02/2023 của Ban Thường vụ Tỉnh ủy", "147-KH/TU@2023"),
        ("Kế hoạch số 52-KH/HU của Ban Thường vụ Huyện ủy", "52-KH/HU@?"),
        ("Quy định 08-QĐi/TW, ngày 25/10/2018 của Ban Chấp hành Trung ương", "08-QĐi/TW@2018"),
        ("NQ số 37-NQ/TW, ngày 09/10/2014", "37-NQ/TW@2014"),
        ("Nghị quyết số 35-NQ/TW", "35-NQ/TW@2018"),
        ("Kế hoạch số 147-KH/TU(1), ngày 14/02/2023 của Ban Thường vụ Tỉnh ủy", "147-KH/TU@2023"),
        ("Kế hoạch số 90-KH/TU⁽²⁾ ngày 3/5/2021", "90-KH/TU@2021"),
    ],
)
def test_surface_forms_resolve_to_keys(phrase: str, expected: str) -> None:
    doc = extract(f"- Các chi bộ quán triệt {phrase}; báo cáo kết quả.")
    assert expected in keys(doc)


def test_mentions_carry_exact_text_and_offsets() -> None:
    text = HEADER.format(title="x", basis="", body="- Quán triệt Chỉ thị số 23-CT/TW, ngày 09/02/2018 và Chỉ thị 23-CT/TW.")
    doc = extract_source(SourceText("t.txt", "0" * 64, "txt", text), REGISTRY)
    (ref,) = [r for r in doc["references"] if r["key"] == "23-CT/TW@2018"]
    assert [m["text"] for m in ref["mentions"]] == ["Chỉ thị số 23-CT/TW", "Chỉ thị 23-CT/TW"]
    assert all(text[m["start"] : m["end"]] == m["text"] for m in ref["mentions"])


def test_undated_homonym_follows_the_rest_of_the_document() -> None:
    doc = extract("- Quán triệt Chỉ thị số 23-CT/TW, ngày 27/3/2003 của Ban Bí thư.\n- Thực hiện tốt Chỉ thị 23-CT/TW.")
    assert keys(doc).count("23-CT/TW@2003") == 1
    assert "23-CT/TW@2018" not in keys(doc)
    assert doc["warnings"] == []


def test_bare_ambiguous_homonym_is_flagged() -> None:
    doc = extract("- Tiếp tục quán triệt Chỉ thị 23-CT/TW.")
    assert "23-CT/TW@2018" in keys(doc)
    assert any("23-CT/TW" in w for w in doc["warnings"])


def test_generic_phrases_and_own_number_are_not_references() -> None:
    doc = extract("- Thực hiện nghị quyết đại hội đảng bộ các cấp.\n(kèm theo Kế hoạch số 45-KH/HU ngày 10/3/2023)")
    assert keys(doc) == []


def test_relative_issuer_is_resolved_from_the_header() -> None:
    doc = extract("", basis="Thực hiện Kế hoạch số 147-KH/TU, ngày 14/02/2023 của Ban Thường vụ Tỉnh ủy về tuyên "
                             "truyền, Ban Thường vụ Huyện ủy ban hành kế hoạch như sau:")
    (ref,) = doc["references"]
    assert ref["issuer"] == "Ban Thường vụ Tỉnh ủy Hà Giang"
    assert ref["issuer_org"] == "Tỉnh ủy Hà Giang"
    assert doc["issuer"] == {"name": "Ban Thường vụ Huyện ủy Vị Xuyên", "org": "Huyện ủy Vị Xuyên",
                             "parent": "Đảng bộ tỉnh Hà Giang"}


def test_basis_title_and_provision_relations() -> None:
    doc = extract(
        "- Quý IV: tổng kết gắn với thực hiện Kết luận số 21-KL/TW, ngày 25/10/2021 của Ban Chấp hành Trung ương.\n"
        "- Phát huy vai trò giám sát theo Quy định số 124-QĐ/TW, ngày 02/02/2018 của Ban Bí thư.",
        title="thực hiện Kết luận số 01-KL/TW của Bộ Chính trị về tiếp tục thực hiện Chỉ thị số 05-CT/TW",
        basis="Thực hiện Kế hoạch số 12-KH/TU, ngày 01/12/2022 của Ban Thường vụ Tỉnh ủy về thực hiện Kết luận "
              "số 01-KL/TW; trên cơ sở kết quả thực hiện Kế hoạch số 30-KH/HU, ngày 02/3/2022 của Huyện ủy, "
              "Ban Thường vụ Huyện ủy ban hành kế hoạch như sau:",
    )
    assert doc["based_on"] == ["12-KH/TU@2022"]
    assert doc["implements"] == ["01-KL/TW@2021"]
    assert doc["implements_partly"] == ["21-KL/TW@2021"]
    assert {"from": "01-KL/TW@2021", "relation": "implements", "to": "05-CT/TW@2016"} in doc[
        "relations_between_references"]
    assert "30-KH/HU@2022" in keys(doc) and "124-QĐ/TW@2018" in keys(doc)


def test_central_directive_named_in_the_basis_is_based_on_and_implemented() -> None:
    doc = extract("", title="triển khai học tập", basis="Thực hiện Chỉ thị số 35-CT/TW, ngày 30/5/2019 của Bộ Chính "
                                                         "trị về đại hội đảng bộ các cấp, Ban Thường vụ Huyện ủy ban hành kế hoạch như sau:")
    assert doc["based_on"] == ["35-CT/TW@2019"]
    assert doc["implements"] == ["35-CT/TW@2019"]


def test_a_second_document_joined_after_a_title_is_based_on_too() -> None:
    # The directive's title ("... học tập và làm theo ...") is followed by "và Kế hoạch số ...": the
    # province's plan is a second parent, not part of the directive's title.
    doc = extract("", title="học tập và làm theo Bác năm 2023", basis=(
        "Thực hiện Chỉ thị số 05-CT/TW, ngày 15/5/2016 của Bộ Chính trị về đẩy mạnh học tập và làm theo tư "
        "tưởng, đạo đức, phong cách Hồ Chí Minh và Kế hoạch số 112-KH/TU, ngày 22/01/2023 của Ban Thường vụ "
        "Tỉnh ủy, Ban Thường vụ Huyện ủy xây dựng kế hoạch thực hiện năm 2023 như sau:"))
    assert doc["based_on"] == ["05-CT/TW@2016", "112-KH/TU@2023"]
    assert doc["implements"] == ["05-CT/TW@2016"]
    # A title that itself cites documents keeps both inside it.
    nested = extract("", title="tuyên truyền", basis=(
        "Thực hiện Kết luận số 01-KL/TW, ngày 18/5/2021 của Bộ Chính trị về tiếp tục thực hiện Chỉ thị số "
        "05-CT/TW và Kết luận số 21-KL/TW, Ban Thường vụ Huyện ủy ban hành kế hoạch như sau:"))
    assert nested["based_on"] == ["01-KL/TW@2021"]
