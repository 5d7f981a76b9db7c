"""Annex data tables: recognized among a document's provisions, indexed as tables, ranked below provisions.

An annex ("Phụ lục số 4: ĐẦU TƯ CHO ...") often holds a form to fill in: a header row of column
names ("STT", "Nội dung", "Kinh phí đầu tư") and numbered empty rows. Its column names match
wording queries ("kinh phí") as well as the provision that assigns the funding, so a table passage
keeps its place in the index but its score is weighted down (``TABLE_WEIGHT``): it comes after the
provisions that match, and still first when nothing else does.

>>> is_table("PL5", ("Phụ lục số 4: ĐẦU TƯ",), "Phụ lục số 4:\\nTT Nội dung Số lượng Kinh phí\\n1 Chương trình\\n2 Đề tài\\nTổng")
True
>>> is_table("PL1.II", ("ĐỀ CƯƠNG BÁO CÁO",), "II. KẾT QUẢ\\n1. Đánh giá việc xây dựng kế hoạch")
False
>>> is_table("III.3", ("III. TỔ CHỨC THỰC HIỆN",), "STT Nội dung\\n1 Kinh phí\\n2 Thời gian")
False
"""

from __future__ import annotations

import re
from collections.abc import Sequence

TABLE_WEIGHT = 0.5
_ANNEX_ID = re.compile(r"^PL\d+")
_HEADER = re.compile(r"^(?:STT|TT|Năm)\b")
_ROW = re.compile(r"^(?:\d{1,4}|\.\.\.|Tổng(?: cộng)?|[IVX]+)(?:\s|$)")


def is_table(provision_id: str, path: Sequence[str], text: str) -> bool:
    """True for an annex provision laid out as a data table (header row and numbered rows)."""
    if not _ANNEX_ID.match(provision_id or ""):
        return False
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    header = any(_HEADER.match(ln) for ln in lines)
    rows = sum(1 for ln in lines if _ROW.match(ln) and not re.match(r"^\d+\.\s", ln))
    return header and rows >= 2
