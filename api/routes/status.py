"""The implementation tracker on the web: the "Tình hình thực hiện" page of a plan, its workbook, the draft
reminder letter, and ``/api/status`` (the JSON of ``kg status``). The rules live in :mod:`kg.status`."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import graph_export, schemas
from api.corpus import Corpus
from api.errors import ApiError
from api.queries import find_document
from api.status_files import plan_label, reminder_docx, status_workbook
from kg import status as tracker
from kg.errors import KgError
from kg.organizations import OrgRegistry, parse_day, stored_organizations
from kg.text import slugify

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AsOf = Annotated[str, Query(description="Tính đến ngày (YYYY-MM-DD); mặc định hôm nay")]


def _report(request: Request, iri: str, as_of: str) -> tracker.Report:
    """The status of the plan ``iri``; ApiError 400 for a bad date, 409 without a registry."""
    corpus: Corpus = request.app.state.corpus
    base = corpus.settings.base_iri
    try:
        day = parse_day(as_of) if as_of.strip() else date.today()
    except ValueError as err:
        raise ApiError(400, "bad_date", str(err)) from None
    registry = OrgRegistry(stored_organizations(corpus.store, base))
    if not registry:
        raise ApiError(409, "no_registry", "Chưa có danh mục tổ chức: nhập bằng “kg orgs import TỆP.csv”.")
    return tracker.report(corpus.store, base, iri, registry, day)


def _plan_iri(request: Request, key: str) -> str:
    corpus: Corpus = request.app.state.corpus
    iri = find_document(corpus.store, corpus.settings.base_iri, key)
    if iri is None:
        raise ApiError(404, "unknown_document", f"Không có văn bản nào có khóa '{key}'.")
    return iri


@router.get("/api/status", summary="Who has answered a plan, who answered late, who is overdue",
            tags=["status"], response_model=schemas.PlanStatus)
def status_json(request: Request, ref: Annotated[str, Query(description="Kế hoạch: 117-KH/ThU, KH 117, ...")],
                as_of: AsOf = "") -> dict[str, Any]:
    """``{"document", "as_of", "deadline", "units": [{"unit", "status", "documents", "deadline"}]}``, as
    ``kg status REF --json``."""
    corpus: Corpus = request.app.state.corpus
    chosen = corpus.graph.resolve(ref).chosen
    return _report(request, chosen.iri, as_of).result


def _download(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/document/{key:path}/status.xlsx", include_in_schema=False)
def status_xlsx(request: Request, key: Annotated[str, Path()], as_of: AsOf = "") -> Response:
    """The workbook of the status page (one row per unit, dates as dates, the summary line)."""
    found = _report(request, _plan_iri(request, key), as_of)
    out = io.BytesIO()
    status_workbook(found.result, found.plan, out, found.answer_dates)
    return _download(out.getvalue(), XLSX, f"tinh-hinh-thuc-hien-{slugify(key)}-{found.result['as_of']}.xlsx")


@router.get("/document/{key:path}/status/reminder.docx", include_in_schema=False)
def status_reminder(request: Request, key: Annotated[str, Path()], as_of: AsOf = "") -> Response:
    """The draft "V/v đôn đốc gửi báo cáo" letter to the overdue units."""
    found = _report(request, _plan_iri(request, key), as_of)
    out = io.BytesIO()
    reminder_docx(found.result, found.plan, out)
    return _download(out.getvalue(), DOCX, f"don-doc-{slugify(key)}.docx")


@router.get("/document/{key:path}/status", response_class=HTMLResponse, include_in_schema=False)
def status_page(request: Request, key: Annotated[str, Path()], as_of: AsOf = "") -> HTMLResponse:
    """"Tình hình thực hiện": counts, the unit table (late and overdue in colour), downloads."""
    context: dict[str, Any] = {"key": key, "as_of": as_of, "found": None, "error": None,
                               "page": graph_export.document_page, "labels": tracker.STATUS_LABELS}
    code = 200
    try:
        found = _report(request, _plan_iri(request, key), as_of)
        counts = {s: sum(1 for u in found.result["units"] if u["status"] == s) for s in tracker.STATUS_LABELS}
        context.update(found=found, counts=counts, summary=tracker.summary(found.result),
                       plan_label=plan_label(found.plan), dates=found.answer_dates)
    except ApiError as err:
        context["error"], code = err.message, err.status
    except KgError as err:
        context["error"], code = str(err), 400
    return request.app.state.templates.TemplateResponse(request, "status.html", context, status_code=code)
