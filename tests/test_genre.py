"""Documents of other kinds, committees and years than the samples: a commune report, a provincial
department's guidance, a 2005 district plan on the 2003 homonym, a reminder letter (công văn)."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import extract_source
from ingest.readers import SourceText
from ingest.registry import Registry

REGISTRY = Registry.load(Path(__file__).resolve().parent.parent / "data" / "central_documents.json")


def extract(text: str) -> dict:
    return extract_source(SourceText("t.txt", "0" * 64, "txt", text), REGISTRY)


COMMUNE_REPORT = """ĐẢNG BỘ HUYỆN PHONG THỔ\tĐẢNG CỘNG SẢN VIỆT NAM
ĐẢNG ỦY XÃ MƯỜNG SO
*
Số: 45-BC/ĐU\tMường So, ngày 10 tháng 3 năm 2023

BÁO CÁO
sơ kết 5 năm thực hiện Chỉ thị số 23-CT/TW ngày 9/2/2018 của Ban Bí thư
về tiếp tục đổi mới, nâng cao chất lượng, hiệu quả học tập, nghiên cứu, vận dụng
và phát triển chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh trong tình hình mới

Thực hiện Kế hoạch số 266-KH/HU ngày 16/02/2023 của Ban Thường vụ Huyện ủy về sơ kết 5 năm thực hiện Chỉ thị 23-CT/TW, Ban Thường vụ Đảng ủy xã báo cáo kết quả như sau:
Phần thứ nhất
KẾT QUẢ 5 NĂM THỰC HIỆN CHỈ THỊ
I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO
1. Việc học tập, quán triệt
Đảng ủy đã tổ chức 02 hội nghị quán triệt Chỉ thị 23-CT/TW cho 100% cán bộ, đảng viên.
II. PHƯƠNG HƯỚNG, NHIỆM VỤ
- Văn phòng Đảng ủy tham mưu sơ kết, hoàn thành trước ngày 30/6/2023.

Nơi nhận:
- Ban Thường vụ Huyện ủy (b/c),
- Lưu VPĐU.
T/M ĐẢNG ỦY
BÍ THƯ
Lò Văn Minh
"""


def test_commune_report_answers_the_district_plan() -> None:
    doc = extract(COMMUNE_REPORT)
    assert doc["number"] == "45-BC/ĐU" and doc["doc_type"] == "Báo cáo" and doc["doc_type_code"] == "BC"
    assert doc["date"] == "2023-03-10" and doc["place"] == "Mường So"
    assert doc["issuer"]["org"] == "Đảng ủy xã Mường So"
    assert doc["issuer"]["parent"] == "Đảng bộ huyện Phong Thổ"
    assert doc["based_on"] == ["266-KH/HU@2023"]
    assert doc["implements"] == ["23-CT/TW@2018"]
    (plan,) = [r for r in doc["references"] if r["key"] == "266-KH/HU@2023"]
    assert plan["issuer_org"] == "Huyện ủy Phong Thổ"
    assert doc["signer"] == {"name": "Lò Văn Minh", "role": "BÍ THƯ", "on_behalf_of": "T/M ĐẢNG ỦY"}
    assert {t["deadline"] for t in doc["tasks"]} == {"2023-06-30"}


PROVINCE_GUIDANCE = """TỈNH ỦY HÀ GIANG
BAN TUYÊN GIÁO
*
Số: 12-HD/BTGTU
ĐẢNG CỘNG SẢN VIỆT NAM
Hà Giang, ngày 05 tháng 01 năm 2022

HƯỚNG DẪN
học tập chuyên đề năm 2022

Căn cứ Kết luận số 01-KL/TW, ngày 18/5/2021 của Bộ Chính trị về tiếp tục thực hiện Chỉ thị số 05-CT/TW;
Căn cứ Kế hoạch số 30-KH/TU ngày 10/8/2021 của Ban Thường vụ Tỉnh ủy về thực hiện Kết luận số 01-KL/TW,
Ban Tuyên giáo Tỉnh ủy hướng dẫn như sau:
1. Nội dung
Học tập chuyên đề năm 2022 trong sinh hoạt chi bộ; hoàn thành trong quý I/2022.
"""


def test_department_guidance_of_a_province() -> None:
    doc = extract(PROVINCE_GUIDANCE)
    assert doc["number"] == "12-HD/BTGTU" and doc["doc_type"] == "Hướng dẫn"
    assert doc["issuer"]["org"] == "Ban Tuyên giáo Tỉnh ủy Hà Giang"
    assert doc["issuer"]["parent"] == "Tỉnh ủy Hà Giang"
    assert doc["based_on"] == ["01-KL/TW@2021", "30-KH/TU@2021"]
    assert doc["implements"] == ["01-KL/TW@2021"]
    assert {"from": "01-KL/TW@2021", "relation": "implements", "to": "05-CT/TW@2016"} in doc[
        "relations_between_references"]
    assert [t["deadline"] for t in doc["tasks"]] == ["2022-Q1"]


DISTRICT_PLAN_2005 = """THÀNH ỦY HÀ NỘI
QUẬN ỦY BA ĐÌNH
*
Số 18-KH/QU
Ba Đình, ngày 12 tháng 4 năm 2005

KẾ HOẠCH
tiếp tục thực hiện Chỉ thị 23-CT/TW của Ban Bí thư khoá IX
-----
Thực hiện Chỉ thị số 23-CT/TW ngày 27-3-2003 của Ban Bí thư về đẩy mạnh nghiên cứu, tuyên truyền, giáo dục tư tưởng Hồ Chí Minh trong giai đoạn mới, Ban Thường vụ Quận ủy ban hành kế hoạch như sau:
I. YÊU CẦU
Các chi bộ quán triệt Chỉ thị 23 trong quý II/2005.
"""


def test_older_homonym_is_not_mixed_up_with_the_2018_directive() -> None:
    doc = extract(DISTRICT_PLAN_2005)
    assert doc["issuer"]["org"] == "Quận ủy Ba Đình" and doc["issuer"]["parent"] == "Thành ủy Hà Nội"
    assert doc["implements"] == ["23-CT/TW@2003"]
    assert doc["based_on"] == ["23-CT/TW@2003"]
    assert [r["key"] for r in doc["references"]] == ["23-CT/TW@2003"]
    assert doc["warnings"] == []


REMINDER_LETTER = """ĐẢNG BỘ TỈNH LAI CHÂU
THÀNH ỦY LAI CHÂU
*
Số 215-CV/ThU
V/v đôn đốc báo cáo sơ kết 05 năm thực hiện Chỉ thị số 23-CT/TW
ĐẢNG CỘNG SẢN VIỆT NAM
TP. Lai Châu, ngày 20 tháng 3 năm 2023

Kính gửi: Các chi bộ, đảng bộ cơ sở

Thực hiện Kế hoạch số 117-KH/ThU, ngày 22/02/2023 của Ban Thường vụ Thành ủy về sơ kết 05 năm thực hiện Chỉ thị số 23-CT/TW, ngày 09/02/2018 của Ban Bí thư, đến nay một số đơn vị chưa gửi báo cáo. Ban Thường vụ Thành ủy đề nghị các chi bộ, đảng bộ cơ sở gửi báo cáo về Ban Tuyên giáo Thành ủy chậm nhất ngày 25/3/2023.
"""


def test_reminder_letter_is_based_on_the_plan_it_follows_up() -> None:
    doc = extract(REMINDER_LETTER)
    assert doc["number"] == "215-CV/ThU" and doc["doc_type"] == "Công văn"
    assert doc["title"] == "đôn đốc báo cáo sơ kết 05 năm thực hiện Chỉ thị số 23-CT/TW"
    assert doc["based_on"] == ["117-KH/ThU@2023"]
    assert doc["implements"] == ["23-CT/TW@2018"]
    (plan,) = [r for r in doc["references"] if r["key"] == "117-KH/ThU@2023"]
    assert plan["issuer_org"] == "Thành ủy Lai Châu"


CENTRAL_DIRECTIVE = """BAN CHẤP HÀNH TRUNG ƯƠNG
*
Số 23-CT/TW
ĐẢNG CỘNG SẢN VIỆT NAM
Hà Nội, ngày 09 tháng 02 năm 2018

CHỈ THỊ
CỦA BAN BÍ THƯ
về tiếp tục đổi mới, nâng cao chất lượng, hiệu quả học tập, nghiên cứu, vận dụng và phát triển
chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh trong tình hình mới
-----
Sau 15 năm thực hiện Chỉ thị 23-CT/TW ngày 27/3/2003 của Ban Bí thư khóa IX, công tác nghiên cứu đã đạt kết quả.
1. Các cấp ủy, tổ chức đảng quán triệt sâu sắc mục tiêu, quan điểm.
T/M BAN BÍ THƯ
Trần Quốc Vượng
"""


def test_central_directive_itself_has_the_key_and_issuer_its_citations_use() -> None:
    doc = extract(CENTRAL_DIRECTIVE)
    assert doc["key"] == "23-CT/TW@2018" and doc["doc_type"] == "Chỉ thị"
    assert doc["issuer"] == {"name": "Ban Bí thư", "org": "Ban Chấp hành Trung ương", "parent": None}
    assert doc["title"].startswith("tiếp tục đổi mới") or doc["title"].startswith("về tiếp tục đổi mới")
    assert [r["key"] for r in doc["references"]] == ["23-CT/TW@2003"]  # the older homonym, not itself
    assert doc["based_on"] == [] and doc["implements"] == []


def test_mistyped_numbers_and_abbreviated_issuers() -> None:
    text = REMINDER_LETTER.replace("Kế hoạch số 117-KH/ThU, ngày 22/02/2023 của Ban Thường vụ Thành ủy",
                                   "Kế hoạch số 117-KH/ThU, ngày 22/02/2023 của BTV Thành ủy")
    text = text.replace("Chỉ thị số 23-CT/TW, ngày", "Chỉ thị số 23/CT-TƯ, ngày")
    doc = extract(text)
    assert doc["based_on"] == ["117-KH/ThU@2023"]
    assert doc["implements"] == ["23-CT/TW@2018"]
    (plan,) = [r for r in doc["references"] if r["key"] == "117-KH/ThU@2023"]
    assert plan["issuer_org"] == "Thành ủy Lai Châu"
