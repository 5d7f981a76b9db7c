"""Tasks, responsible units and deadlines from provisions cut by hand out of the seed plans."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.tasks import extract_tasks, plan_year, responsible_units

III = "III. TỔ CHỨC THỰC HIỆN"


def _prov(pid: str, path: list[str], *lines: str) -> dict:
    return {"id": pid, "path": path, "text": "\n".join(lines)}


def _summary(tasks: list[dict]) -> list[tuple[str, list[str], str | None]]:
    return [(t["provision"], t["responsible"], t["deadline"]) for t in tasks]


# --- seed 000 (117-KH/ThU) -----------------------------------------------------------------------

SEED000_III1 = _prov(
    "III.1", [III, "1. Ủy ban Nhân dân thành phố, Ban Tổ chức Thành ủy, Trung tâm Chính trị thành phố, …"],
    "1. Ủy ban Nhân dân thành phố, Ban Tổ chức Thành ủy, Trung tâm Chính trị thành phố, Thành đoàn Lai "
    "Châu; các chi bộ, đảng bộ cơ sở căn cứ chức năng, nhiệm vụ, nội dung kế hoạch này xây dựng báo cáo sơ "
    "kết 05 năm thực hiện Chỉ thị số 23-CT/TW của Ban Bí thư đảm bảo tiến độ, chất lượng; gửi báo cáo về "
    "Ban Thường vụ Thành ủy (qua Ban Tuyên giáo Thành ủy) chậm nhất ngày 15/3/2023.",
)
SEED000_III2 = _prov(
    "III.2", [III, "2. Ban Tuyên giáo Thành uỷ theo dõi, đôn đốc việc sơ kết ở cơ sở"],
    "2. Ban Tuyên giáo Thành uỷ theo dõi, đôn đốc việc sơ kết ở cơ sở và tham mưu xây dựng dự thảo báo cáo "
    "sơ kết 05 năm thực hiện Chỉ thị số 23-CT/TW, ngày 09/022018 của Ban Bí thư về tiếp tục đổi mới ... "
    "trình Ban Thường vụ Thành ủy trước ngày 25/3/2023.",
)
SEED000_II3 = _prov(
    "II.3", ["II. NỘI DUNG, THỜI GIAN, HÌNH THỨC SƠ KẾT", "3. Thời gian sơ kết"],
    "3. Thời gian sơ kết",
    "- Cấp cơ sở: Hoàn thành báo cáo sơ kết và gửi báo cáo về Thành ủy (qua Ban Tuyên giáo Thành ủy) "
    "trước ngày 15/3/2023.",
    "- Cấp thành phố: Hoàn thành trước ngày 25/3/2023.",
)
SEED000_II1 = _prov(
    "II.1", ["II. NỘI DUNG, THỜI GIAN, HÌNH THỨC SƠ KẾT", "1. Nội dung"],
    "1. Nội dung",
    "Đánh giá việc triển khai thực hiện Chỉ thị số 23-CT/TW, cụ thể:",
    "- Công tác lãnh đạo, chỉ đạo; học tập, nghiên cứu, quán triệt Chỉ thị số 23-CT/TW.",
    "- Tồn tại, hạn chế, vướng mắc và nguyên nhân; bài học kinh nghiệm.",
)
SEED000_I2 = _prov(
    "I.2", ["I. MỤC ĐÍCH, YÊU CẦU", "2. Yêu cầu"],
    "2. Yêu cầu",
    "Các cấp ủy, tổ chức đảng, cơ quan, đơn vị tổ chức sơ kết đảm bảo nghiêm túc, hiệu quả, đúng tiến độ.",
)


def test_seed000_implementation_item_names_every_unit_but_not_the_recipient() -> None:
    [task] = extract_tasks([SEED000_III1], 2023)
    assert task["responsible"] == [
        "Ủy ban Nhân dân thành phố", "Ban Tổ chức Thành ủy", "Trung tâm Chính trị thành phố",
        "Thành đoàn Lai Châu", "các chi bộ, đảng bộ cơ sở",
    ]
    assert task["deadline"] == "2023-03-15"
    assert task["provision"] == "III.1"
    assert task["text"].startswith("Ủy ban Nhân dân thành phố, Ban Tổ chức")  # the item number is dropped
    assert task["text"].endswith("chậm nhất ngày 15/3/2023.")


def test_seed000_citation_date_with_a_typo_is_not_the_deadline() -> None:
    assert _summary(extract_tasks([SEED000_III2], 2023)) == [
        ("III.2", ["Ban Tuyên giáo Thành uỷ"], "2023-03-25")]


def test_seed000_time_bullets_are_one_task_each() -> None:
    tasks = extract_tasks([SEED000_II3], 2023)
    assert _summary(tasks) == [("II.3", ["Cấp cơ sở"], "2023-03-15"), ("II.3", ["Cấp thành phố"], "2023-03-25")]
    assert tasks[1]["text"] == "Cấp thành phố: Hoàn thành trước ngày 25/3/2023."


def test_content_outline_and_purpose_sections_are_not_tasks() -> None:
    assert extract_tasks([SEED000_II1, SEED000_I2], 2023) == []


# --- seed 004 (107-KH/ThU, dated 26/12/2022, a plan for 2023) ------------------------------------

II = "II. NỘI DUNG, HÌNH THỨC VÀ THỜI GIAN THỰC HIỆN"
SEED004_III3 = _prov(
    "III.3", [III, "3. Các Ban Đảng Thành ủy"],
    "3. Các Ban Đảng Thành ủy",
    "- Ban Tổ chức Thành ủy chủ trì, phối hợp tham mưu Ban Thường vụ Thành ủy triển khai thực hiện Kết luận "
    "số 21-KL/TW, ngày 25/10/2021 của Ban Chấp hành Trung ương khóa XIII đảm bảo tiến độ, chất lượng.",
    "- Văn phòng Thành ủy chủ trì, phối hợp với các cơ quan liên quan tham mưu đảm bảo kinh phí cho tổ chức "
    "các hoạt động học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh năm 2023.",
    "- Định kỳ báo cáo tình hình, kết quả thực hiện theo quy định.",
)
SEED004_II6 = _prov(
    "II.6", [II, "6. Tăng cường giáo dục lý luận chính trị; tư tưởng, đạo đức, phong cách Hồ Chí Minh"],
    "6. Tăng cường giáo dục lý luận chính trị; tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "- Xây dựng kế hoạch đào tạo, bồi dưỡng nâng cao trình độ lý luận chính trị cho cán bộ, đảng viên.",
    "- Trung tâm Chính trị thành phố: Tiếp tục đưa nội dung học tập và làm theo tư tưởng, đạo đức, phong "
    "cách Hồ Chí Minh vào chương trình bồi dưỡng cho cán bộ, đảng viên, học viên năm 2023.",
    "- Chi bộ phòng Giáo dục và Đào tạo thành phố; các chi bộ trường THPT trực thuộc Đảng bộ thành phố "
    "(trường THPT thành phố, THPT chuyên Lê Quý Đôn): Căn cứ hướng dẫn của Sở Giáo dục và Đào tạo Lai Châu.",
    "- Thành Đoàn Lai Châu: Căn cứ vào kế hoạch của Tỉnh đoàn xây dựng kế hoạch.",
)
SEED004_II21 = _prov(
    "II.2.1", [II, "2. Học tập chuyên đề trong sinh hoạt đảng, cơ quan, đoàn thể", "2.1. Đối với các tổ chức đảng"],
    "2.1. Đối với các tổ chức đảng",
    "Tiếp tục tổ chức học tập các nội dung chuyên đề quý trong sinh hoạt thường kỳ, cụ thể:",
    "- Quý I: Nội dung cơ bản của tư tưởng, đạo đức, phong cách Hồ Chí Minh về trách nhiệm nêu gương. "
    "Hoàn thành trước ngày 10/3/2023.",
    "- Quý II: Quan điểm của Đảng về trách nhiệm nêu gương. Hoàn thành trong tháng 4/2023.",
    "- Quý IV: Tổng hợp, đánh giá kết quả thực hiện kế hoạch năm 2023 gắn với thực hiện Kết luận số "
    "21-KL/TW, ngày 25/10/2021 của Ban Chấp hành Trung ương khóa XIII; xây dựng báo cáo tổng kết năm.",
)
SEED004_II82 = _prov(
    "II.8.2", [II, "8. Công tác kiểm tra, giám sát; sơ kết và thi đua - khen thưởng",
               "8.2. Công tác sơ kết và thi đua - khen thưởng"],
    "8.2. Công tác sơ kết và thi đua - khen thưởng",
    "- Cấp ủy, chính quyền, Mặt trận Tổ quốc và tổ chức chính trị - xã hội các cấp thực hiện nghiêm túc việc "
    "báo cáo kết quả triển khai thực hiện Kết luận 01-KL/TW định kỳ. Hoàn thành trong quý II/2023.",
    "- Ban Thường vụ Thành ủy lựa chọn, giới thiệu ít nhất 02 mô hình tiêu biểu. Hoàn thành trong quý II/2023.",
)
SEED004_III5 = _prov(
    "III.5", [III, "5. Chế độ thông tin báo cáo"],
    "5. Chế độ thông tin báo cáo",
    "Ủy ban nhân dân thành phố, Ban Tổ chức Thành ủy, Ủy ban Mặt trận Tổ quốc Việt Nam và các tổ chức chính "
    "trị - xã hội, Trung tâm Chính trị thành phố (theo chức năng, nhiệm vụ được giao); các chi bộ, đảng bộ cơ "
    "sở báo cáo kết quả thực hiện Kết luận số 01-KL/TW về Ban Thường vụ Thành ủy (qua Ban Tuyên giáo Thành "
    "ủy) để tổng hợp, báo cáo cấp trên: Quý I trước ngày 31/3/2023, báo cáo tại hội nghị biểu dương, khen "
    "thưởng (có văn bản riêng), báo cáo 06 tháng trước ngày 20/6/2023, báo cáo năm trước ngày 10/11/2023.",
)


def test_seed004_lead_unit_owns_the_task_partners_do_not() -> None:
    tasks = extract_tasks([SEED004_III3], 2022)
    assert _summary(tasks) == [
        ("III.3", ["Ban Tổ chức Thành ủy"], None),
        ("III.3", ["Văn phòng Thành ủy"], None),
        ("III.3", ["Các Ban Đảng Thành ủy"], None),  # no unit of its own: the item heading's units
    ]
    assert tasks[1]["text"].startswith("Văn phòng Thành ủy chủ trì, phối hợp với các cơ quan liên quan")


def test_seed004_labelled_bullets_and_unassigned_bullets() -> None:
    assert _summary(extract_tasks([SEED004_II6], 2022)) == [
        ("II.6", ["Trung tâm Chính trị thành phố"], None),
        ("II.6", ["Chi bộ phòng Giáo dục và Đào tạo thành phố",
                  "các chi bộ trường THPT trực thuộc Đảng bộ thành phố"], None),
        ("II.6", ["Thành Đoàn Lai Châu"], None),
    ]


def test_seed004_quarter_bullets_take_the_enclosing_unit_and_their_cued_deadline() -> None:
    tasks = extract_tasks([SEED004_II21], 2022)
    # The lead-in ("..., cụ thể:") is not a task; "Quý IV" has no cued date and falls back to the
    # quarter, in the plan's year (its explicit deadlines are in 2023 though it is dated 2022).
    assert _summary(tasks) == [
        ("II.2.1", ["các tổ chức đảng"], "2023-03-10"),
        ("II.2.1", ["các tổ chức đảng"], "2023-04"),
        ("II.2.1", ["các tổ chức đảng"], "2023-Q4"),
    ]
    assert tasks[0]["text"].startswith("Quý I: Nội dung cơ bản")


def test_unit_less_bullet_without_enclosing_unit_has_no_one_responsible() -> None:
    provision = dict(SEED004_II21, path=[II, "2.1. Học tập chuyên đề"])
    provision["text"] = provision["text"].replace("2.1. Đối với các tổ chức đảng", "2.1. Học tập chuyên đề")
    assert [t["responsible"] for t in extract_tasks([provision], 2022)] == [[], [], []]


def test_seed004_quarter_deadlines() -> None:
    assert _summary(extract_tasks([SEED004_II82], 2022)) == [
        ("II.8.2", ["Cấp ủy", "chính quyền", "Mặt trận Tổ quốc và tổ chức chính trị - xã hội các cấp"], "2023-Q2"),
        ("II.8.2", ["Ban Thường vụ Thành ủy"], "2023-Q2"),
    ]


def test_seed004_one_task_per_deadline_clause() -> None:
    tasks = extract_tasks([SEED004_III5], 2022)
    units = ["Ủy ban nhân dân thành phố", "Ban Tổ chức Thành ủy",
             "Ủy ban Mặt trận Tổ quốc Việt Nam và các tổ chức chính trị - xã hội",
             "Trung tâm Chính trị thành phố", "các chi bộ, đảng bộ cơ sở"]
    assert _summary(tasks) == [("III.5", units, "2023-03-31"), ("III.5", units, "2023-06-20"),
                               ("III.5", units, "2023-11-10")]
    lead = tasks[0]["text"].split(": ")[0]
    assert lead.endswith("để tổng hợp, báo cáo cấp trên")
    assert [t["text"][len(lead) + 2:] for t in tasks] == [
        "Quý I trước ngày 31/3/2023",
        "báo cáo tại hội nghị biểu dương, khen thưởng (có văn bản riêng), báo cáo 06 tháng trước ngày 20/6/2023",
        "báo cáo năm trước ngày 10/11/2023",
    ]


# --- seeds 001 (266-KH/HU) and 002 (125-KH/ThU) --------------------------------------------------

SEED002_III2 = _prov(
    "III.2", [III, "2. Thường trực HĐND thành phố báo cáo tình hình"],
    "2. Thường trực HĐND thành phố báo cáo tình hình, kết quả việc thực hiện chức năng, nhiệm vụ của HĐND "
    "thành phố từ sau Đại hội Đảng bộ thành phố lần thứ IV, nhiệm kỳ 2020 - 2025; gửi báo cáo về Thành ủy "
    "(qua Văn phòng Thành ủy) trước ngày 25/6/2023.",
)
SEED002_III1 = _prov(
    "III.1", [III, "1. Các đồng chí Ủy viên Ban Thường vụ"],
    "1. Các đồng chí Ủy viên Ban Thường vụ, Ủy viên Ban Chấp hành Đảng bộ thành phố phụ trách các chi bộ, "
    "đảng bộ cơ sở có trách nhiệm chỉ đạo, hướng dẫn, đôn đốc và dự hội nghị sơ kết giữa nhiệm kỳ.",
)
SEED001_III1 = _prov(
    "III.1", [III, "1., Trung tâm Chính trị huyện; Huyện đoàn"],
    "1., Trung tâm Chính trị huyện; Huyện đoàn; các chi, đảng bộ trực thuộc lãnh đạo, chỉ đạo tổ chức sơ kết "
    "đảm bảo tiến độ, chất lượng theo Kế hoạch. Báo cáo về Huyện ủy qua (Ban Tuyên giáo Huyện ủy) trước ngày "
    "**15/03/2023**",
)
OUTLINE = "ĐỀ CƯƠNG BÁO CÁO"
SEED001_PL_II1 = _prov(
    "PL1.II.1", [OUTLINE, "II. KẾT QUẢ 5 NĂM THỰC HIỆN CHỈ THỊ SỐ 23-CT/TW",
                 "1. Trung Tâm chính trị huyện đánh giá việc đổi mới nội dung"],
    "1. Trung Tâm chính trị huyện đánh giá việc đổi mới nội dung, phương pháp học tập, nghiên cứu chủ nghĩa "
    "Mác-Lênin, tư tưởng Hồ Chí Minh",
    "- Đánh giá việc xây dựng và thực hiện kế hoạch đào tạo, bồi dưỡng lý luận chính trị cho cán bộ.",
    "- Đánh giá việc thực hiện các chính sách đãi ngộ cho đội ngũ giáo viên.",
)
SEED001_PL_II2 = _prov(
    "PL1.II.2", [OUTLINE, "II. KẾT QUẢ 5 NĂM THỰC HIỆN CHỈ THỊ SỐ 23-CT/TW", "2. Huyện đoàn đánh giá"],
    "2. Huyện đoàn đánh giá",
    "Kết quả công tác tuyên truyền, giáo dục đối với thế hệ trẻ.",
)
SEED001_PL_I1 = _prov(
    "PL1.I.1", [OUTLINE, "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO", "1. Việc tổ chức học tập, nghiên cứu, quán triệt"],
    "1. Việc tổ chức học tập, nghiên cứu, quán triệt",
    "Đánh giá quá trình hướng dẫn, tổ chức học tập, nghiên cứu, quán triệt Chỉ thị số 23-CT/TW.",
)


def test_seed002_standing_committee_reports_by_a_date() -> None:
    assert _summary(extract_tasks([SEED002_III2], 2023)) == [
        ("III.2", ["Thường trực HĐND thành phố"], "2023-06-25")]


def test_seed002_committee_members() -> None:
    assert _summary(extract_tasks([SEED002_III1], 2023)) == [
        ("III.1", ["Các đồng chí Ủy viên Ban Thường vụ", "Ủy viên Ban Chấp hành Đảng bộ thành phố"], None)]


def test_seed001_stray_comma_and_markdown_deadline() -> None:
    assert _summary(extract_tasks([SEED001_III1], 2023)) == [
        ("III.1", ["Trung tâm Chính trị huyện", "Huyện đoàn", "các chi, đảng bộ trực thuộc"], "2023-03-15")]


def test_seed001_outline_items_count_only_when_a_unit_is_assigned() -> None:
    tasks = extract_tasks([SEED001_PL_I1, SEED001_PL_II1, SEED001_PL_II2], 2023)
    assert _summary(tasks) == [("PL1.II.1", ["Trung Tâm chính trị huyện"], None),
                               ("PL1.II.2", ["Huyện đoàn"], None)]
    assert tasks[1]["text"] == "Huyện đoàn đánh giá: Kết quả công tác tuyên truyền, giáo dục đối với thế hệ trẻ."


def test_plan_year_follows_explicit_deadlines() -> None:
    assert plan_year([SEED004_II21, SEED004_III5], 2022) == 2023
    assert plan_year([SEED000_II1], 2022) == 2022


# --- unit names ------------------------------------------------------------------------------------

UNITS = [
    ("Ủy ban MTTQ Việt Nam và các tổ chức chính trị - xã hội thành phố tổng hợp báo cáo",
     ["Ủy ban MTTQ Việt Nam và các tổ chức chính trị - xã hội thành phố"]),
    ("Thành ủy Lai Châu, Đảng ủy các xã, phường: Tổ chức tiếp sóng hội nghị",
     ["Thành ủy Lai Châu", "Đảng ủy các xã, phường"]),
    ("Các chi bộ, đảng bộ cơ sở, cơ quan, đơn vị căn cứ Kế hoạch", ["Các chi bộ, đảng bộ cơ sở", "cơ quan", "đơn vị"]),
    ("Các sở, ban, ngành tỉnh triển khai", ["Các sở, ban, ngành tỉnh"]),
    ("Ban Thường vụ Thành ủy Lai Châu ban hành kế hoạch", ["Ban Thường vụ Thành ủy Lai Châu"]),
    ("Sở Lao động - Thương binh và Xã hội chủ trì", ["Sở Lao động - Thương binh và Xã hội"]),
    ("UBND thành phố và Ban Tổ chức Thành ủy phối hợp", ["UBND thành phố", "Ban Tổ chức Thành ủy"]),
    ("Giao Ban Tuyên giáo Thành ủy chủ trì tham mưu", ["Ban Tuyên giáo Thành ủy"]),
    ("Tài liệu: Ủy ban Mặt trận Tổ quốc căn cứ tài liệu", ["Ủy ban Mặt trận Tổ quốc"]),
    ("Ban Tuyên giáo Thành ủy gửi báo cáo về Thành ủy", ["Ban Tuyên giáo Thành ủy"]),
    ("Báo Lai Châu, Đài Phát thanh - Truyền hình tỉnh tăng cường tuyên truyền",
     ["Báo Lai Châu", "Đài Phát thanh - Truyền hình tỉnh"]),
    ("Đảng đoàn Hội đồng nhân dân tỉnh, Ban cán sự đảng Ủy ban nhân dân tỉnh lãnh đạo",
     ["Đảng đoàn Hội đồng nhân dân tỉnh", "Ban cán sự đảng Ủy ban nhân dân tỉnh"]),
    ("UBND các xã, phường, thị trấn chỉ đạo", ["UBND các xã, phường, thị trấn"]),
    ("Báo cáo kết quả về Thành ủy", []),
    ("Tổ chức hội nghị học tập, quán triệt", []),
    ("Ban hành kế hoạch thực hiện", []),
    ("Sơ kết bằng hình thức xây dựng báo cáo", []),
    ("Hội nghị phải được tổ chức nghiêm túc", []),
]


@pytest.mark.parametrize(("text", "expected"), UNITS)
def test_responsible_units(text: str, expected: list[str]) -> None:
    assert responsible_units(text) == expected


# --- never breaks ----------------------------------------------------------------------------------

_VALUE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?|-Q[1-4])$")
_LINES = st.sampled_from([
    "1. Ủy ban nhân dân thành phố, các chi bộ, đảng bộ cơ sở", "- Cấp cơ sở: Hoàn thành trước ngày 15/3/2023.",
    "- Quý IV: tổng kết", "+ Tuyên truyền miệng.", "3. Các Ban Đảng", "Đối với ", "và ", ", ", "; ", ": ",
    "trước ngày 31/02/2023", "(", ")", "**", "", "Ủy ban MTTQ và", "trong quý", "cuối năm", "các chi,",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=6), st.lists(st.text(max_size=40), max_size=3),
                          st.one_of(st.text(max_size=300), st.lists(_LINES, max_size=12).map("\n".join))),
                max_size=4),
       st.one_of(st.none(), st.integers(min_value=1, max_value=9999)))
def test_extract_tasks_never_raises(raw: list[tuple[str, list[str], str]], year: int | None) -> None:
    provisions = [{"id": pid, "path": path, "text": text} for pid, path, text in raw]
    for task in extract_tasks(provisions, year):
        assert set(task) == {"text", "provision", "responsible", "partners", "deadline"}
        assert all(isinstance(u, str) and u for u in [*task["responsible"], *task["partners"]])
        if task["deadline"] is not None:
            assert _VALUE.match(task["deadline"])
            if "-Q" not in task["deadline"]:
                parts = [int(p) for p in task["deadline"].split("-")]
                date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
