"""Files an office takes away from ``kg status``: the Excel workbook and the draft reminder letter (.docx).

Both take the status (:func:`kg.status.status`) and the plan's facts (:func:`kg.status.plan_facts`),
and write to a path or a binary stream.
"""

from __future__ import annotations

from datetime import date
from typing import IO, Any

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kg import status as tracker

FILLS = {tracker.LATE: "FFF2CC", tracker.OVERDUE: "F8CBAD", tracker.ANSWERED: "E2EFDA"}
HEADERS = ("STT", "Đơn vị", "Tình trạng", "Hạn gửi", "Văn bản đã gửi", "Ngày gửi đầu tiên")
BLANK_DATE = "ngày ..... tháng ..... năm ........"


def _day(iso: str | None) -> date | None:
    return date.fromisoformat(iso[:10]) if iso else None


def _vn(iso: str | None) -> str:
    return f"{_day(iso):%d/%m/%Y}" if iso else ""


def plan_label(plan: dict[str, Any]) -> str:
    """"Kế hoạch số 131-KH/ThU, ngày 10/02/2023" (what letters call the plan)."""
    label = f"{plan['doc_type'] or 'Văn bản'} số {plan['number'] or plan['key']}"
    return f"{label}, ngày {_vn(plan['date'])}" if plan["date"] else label


def status_workbook(result: dict[str, Any], plan: dict[str, Any], out: str | IO[bytes] | Any,
                    answer_dates: dict[str, str | None]) -> None:
    """One row per unit, Vietnamese headers, dates as dates, colours for late/overdue, and the summary line.

    ``answer_dates``: document key → ISO date of the answers (for the "Ngày gửi" column).
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "Tình hình thực hiện"
    sheet.append([f"Tình hình thực hiện {plan_label(plan)}" + (f" {plan['title']}" if plan["title"] else "")])
    sheet.append([f"Tính đến ngày {_vn(result['as_of'])}"])
    sheet.append([])
    sheet.append(list(HEADERS))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, unit in enumerate(result["units"], 1):
        sent = [answer_dates.get(k) for k in unit["documents"]]
        first = min((d for d in sent if d), default=None)
        sheet.append([i, unit["unit"], tracker.STATUS_LABELS[unit["status"]], _day(unit["deadline"]),
                      ", ".join(unit["documents"]), _day(first)])
        row = sheet.max_row
        for column in (4, 6):
            sheet.cell(row, column).number_format = "DD/MM/YYYY"
        if unit["status"] in FILLS:
            sheet.cell(row, 3).fill = PatternFill("solid", fgColor=FILLS[unit["status"]])
    sheet.append([])
    sheet.append([tracker.summary(result)])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for column, width in enumerate((6, 42, 20, 13, 30, 16), 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    book.save(out)


def reminder_docx(result: dict[str, Any], plan: dict[str, Any], out: str | IO[bytes] | Any,
                  issuer: str | None = None) -> None:
    """Draft "V/v đôn đốc gửi báo cáo" letter to the overdue units; the new deadline is left blank."""
    overdue = [u["unit"] for u in result["units"] if u["status"] == tracker.OVERDUE]
    sent = sum(1 for u in result["units"] if u["status"] in (tracker.ANSWERED, tracker.LATE))
    issuer = issuer or next((n for n in plan["issuer_names"] if n.startswith("Ban Thường vụ")),
                            plan["issuer_names"][0] if plan["issuer_names"] else "Ban Thường vụ")
    committee = issuer.replace("Ban Thường vụ ", "")
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    header = document.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.paragraphs[0].text = committee.upper()
    left.add_paragraph("*")
    left.add_paragraph(f"Số       -CV/{_issuer_code(plan)}")
    left.add_paragraph("V/v đôn đốc gửi báo cáo")
    right.paragraphs[0].text = "ĐẢNG CỘNG SẢN VIỆT NAM"
    right.add_paragraph(f"{_place(committee)}, {BLANK_DATE}")
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph()
    greeting = document.add_paragraph("Kính gửi: " + ("; ".join(overdue) + "." if overdue else "(không có đơn vị quá hạn)"))
    greeting.alignment = WD_ALIGN_PARAGRAPH.CENTER
    due = f", trước ngày {_vn(result['deadline'])}" if result["deadline"] else ""
    title = f" về {plan['title']}" if plan["title"] else ""
    document.add_paragraph(
        f"Thực hiện {plan_label(plan)} của {issuer}{title}, đề nghị các chi bộ, đảng bộ cơ sở gửi báo cáo "
        f"về {committee}{due}. Đến ngày {_vn(result['as_of'])}, {committee} mới nhận được báo cáo của "
        f"{sent}/{len(result['units'])} đơn vị.")
    document.add_paragraph(
        f"{issuer} đề nghị các đơn vị trên khẩn trương hoàn thành và gửi báo cáo về {committee} "
        f"trước {BLANK_DATE}.")
    closing = document.add_table(rows=1, cols=2)
    recipients, signature = closing.rows[0].cells
    recipients.paragraphs[0].text = "Nơi nhận:"
    for line in [*(f"- {u}," for u in overdue), "- Lưu Văn phòng."]:
        recipients.add_paragraph(line)
    signature.paragraphs[0].text = "T/M BAN THƯỜNG VỤ"
    signature.add_paragraph("")
    document.save(out)


def _issuer_code(plan: dict[str, Any]) -> str:
    number = plan["number"] or ""
    return number.split("/", 1)[1] if "/" in number else "..."


def _place(committee: str) -> str:
    for kind in ("Thành ủy ", "Tỉnh ủy ", "Huyện ủy ", "Quận ủy ", "Thị ủy ", "Đảng ủy "):
        if committee.startswith(kind):
            return committee[len(kind):]
    return "............"
