"""Deadline phrases → values; citation dates are not deadlines; odd input never breaks the parser."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.deadlines import find_deadlines, parse_deadline

CASES = [
    # (text, doc_year, expected)
    ("trước ngày 15/3/2023", None, "2023-03-15"),
    ("chậm nhất ngày 15/3/2023", None, "2023-03-15"),
    ("hoàn thành trước ngày 15/03/2023", None, "2023-03-15"),
    ("trước ngày **15/03/2023**", None, "2023-03-15"),
    ("Hoàn thành trước ngày **10/4/2023.**", None, "2023-04-10"),
    ("ngày 09/022018", None, "2018-02-09"),  # typo repaired, as a bare date
    ("trong tháng 4/2023", None, "2023-04"),
    ("Hoàn thành trong tháng 12/2022", None, "2022-12"),
    ("Thời gian dự kiến trong tháng 12/2022.", None, "2022-12"),
    ("tháng 6 năm 2023", None, "2023-06"),
    ("trong tháng 04-2023", None, "2023-04"),
    ("Quý II/2023", None, "2023-Q2"),
    ("quý II năm 2023", None, "2023-Q2"),
    ("Hoàn thành trong quý II/2023.", None, "2023-Q2"),
    ("trong quý IV", 2023, "2023-Q4"),
    ("Quý ba", 2024, "2024-Q3"),
    ("trong quý 1/2024", None, "2024-Q1"),
    ("ngày 15 tháng 3 năm 2023", None, "2023-03-15"),
    ("hoàn thành trước ngày 15 tháng 3 năm 2023", None, "2023-03-15"),
    ("15-3-2023", None, "2023-03-15"),
    ("15.3.2023", None, "2023-03-15"),
    ("trước 30/6", 2023, "2023-06-30"),
    ("xong trước ngày 30 tháng 6", 2023, "2023-06-30"),
    ("6 tháng đầu năm 2023", None, "2023-06"),
    ("trong 6 tháng đầu năm 2023", None, "2023-06"),
    ("cuối năm 2023", None, "2023-12"),
    ("Cuối năm 2023 các cấp ủy tiến hành đánh giá kết quả.", None, "2023-12"),
    ("Thời gian hoàn thành xây dựng kế hoạch trước ngày 15/01/2023.", None, "2023-01-15"),
    ("Thời hạn: 20/5/2023", None, "2023-05-20"),
    ("truoc ngay 15/3/2023", None, "2023-03-15"),  # written without diacritics
    ("hạn chót nộp báo cáo: 05/12/2023", None, "2023-12-05"),
    ("Thời gian: từ ngày 01/3/2023 đến ngày 15/3/2023", None, "2023-03-15"),  # the end of the period
    ("Thời gian thực hiện: từ 01/3 đến 15/3", 2023, "2023-03-15"),
    ("Hoàn thành chậm nhất trong tháng 10/2023", None, "2023-10"),
    # The cued date wins over a citation date and over a quarter label.
    ("xây dựng báo cáo sơ kết Chỉ thị số 23-CT/TW, ngày 09/02/2018 trình Ban Thường vụ trước ngày 25/3/2023.",
     2023, "2023-03-25"),
    ("Quý I: Nội dung cơ bản ... Hoàn thành trước ngày 10/3/2023.", 2023, "2023-03-10"),
    ("Quý IV: Tổng hợp, đánh giá kết quả thực hiện kế hoạch năm 2023.", 2023, "2023-Q4"),
    ("gắn với sơ kết nhiệm vụ 6 tháng đầu năm 2023; hoàn thành trước ngày 30/7/2023.", 2023, "2023-07-30"),
    # Negatives: citations, anniversaries, statistics cut-offs, periods, impossible dates.
    ("Chỉ thị số 23-CT/TW, ngày 09/02/2018 của Ban Bí thư", 2023, None),
    ("Thực hiện Kế hoạch số 147-KH/TU, ngày 14/02/2023 của Ban Thường vụ Tỉnh ủy", 2023, None),
    ("theo tinh thần của Chỉ thị số 27/CT-TTg ngày 08/9/2016 của Thủ tướng Chính phủ", 2023, None),
    ("kỷ niệm 133 năm ngày sinh Chủ tịch Hồ Chí Minh (19/5/1890 - 19/5/2023)", 2023, None),
    ("Thống kê từ khi ban hành Chỉ thị đến 31/12/2022.", 2023, None),
    ("Thời điểm đánh giá: Từ sau đại hội chi bộ, đảng bộ đến tháng 6/2023.", 2023, None),
    ("xây dựng kế hoạch triển khai thực hiện trong năm 2023", 2023, None),
    ("trước ngày 31/02/2023", 2023, None),
    ("trong quý IV", None, None),  # no year to give it
    ("trước 30/6", None, None),
    ("báo cáo kế hoạch trước chi bộ", 2023, None),
    ("Tổ chức phát động đợt thi đua vào dịp 19/5/2023", 2023, None),
    ("", 2023, None),
]


@pytest.mark.parametrize(("text", "year", "expected"), CASES)
def test_parse_deadline(text: str, year: int | None, expected: str | None) -> None:
    assert parse_deadline(text, year) == expected


def test_find_deadlines_lists_every_cued_deadline_with_its_span() -> None:
    text = ("báo cáo về Ban Thường vụ Thành ủy: Quý I trước ngày 31/3/2023, báo cáo 06 tháng trước ngày "
            "20/6/2023, báo cáo năm trước ngày 10/11/2023.")
    found = find_deadlines(text, 2023)
    assert [v for v, _, _ in found] == ["2023-Q1", "2023-03-31", "2023-06-20", "2023-11-10"]
    assert [text[s:e] for _, s, e in found][1:] == [
        "trước ngày 31/3/2023", "trước ngày 20/6/2023", "trước ngày 10/11/2023"]


def test_find_deadlines_skips_citation_dates() -> None:
    text = "Kế hoạch số 87-KH/TU, ngày 20/5/2022 của Ban Thường vụ Tỉnh ủy; hoàn thành trong quý II/2023."
    assert find_deadlines(text, 2023) == [("2023-Q2", text.index("hoàn thành"), len(text) - 1)]


def test_long_text_is_read_in_linear_time() -> None:
    text = "Ban Tuyên giáo báo cáo trước ngày 15/3/2023, Chỉ thị số 23-CT/TW ngày 09/02/2018; " * 3000
    started = time.perf_counter()
    assert len(find_deadlines(text, 2023)) == 3000
    assert time.perf_counter() - started < 10  # was quadratic once: half a minute for this


_VALUE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?|-Q[1-4])$")


def _valid(value: str) -> bool:
    if not _VALUE.match(value):
        return False
    if "-Q" in value:
        return True
    parts = [int(p) for p in value.split("-")]
    date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)  # raises if impossible
    return True


_PIECES = st.sampled_from([
    "trước ngày ", "chậm nhất ", "trong tháng ", "quý ", "Quý ", "IV", "ba", "/", "-", ".", " năm ",
    "cuối năm ", "6 tháng đầu năm ", "ngày ", " tháng ", "**", "\n", "- ", ": ", "hoàn thành ", "đến ",
    "0", "00", "13", "29", "31", "02", "2023", "9999", "0000", "2/2", "022018", "ủy", "\u0301", "İ",
])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(_PIECES, max_size=30).map("".join)),
       st.one_of(st.none(), st.integers(min_value=-5, max_value=12000)))
def test_never_raises_and_values_are_valid_dates(text: str, year: int | None) -> None:
    value = parse_deadline(text, year)
    assert value is None or _valid(value)
    for found, start, end in find_deadlines(text, year):
        assert _valid(found)
        assert 0 <= start < end
