"""The comparison page ``/compare/<child>/<parent>`` and the reuse blocks of a document's page.

The two texts side by side: copied provisions highlighted, adapted ones with their word-level
differences marked (``<del>`` what the child dropped from the parent's wording, ``<ins>`` what it
wrote instead), new ones flagged, and the parent's provisions the child left out listed last.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from api import reuse
from api.corpus import Corpus
from api.graph_export import document_page
from kg.errors import KgError
from search.lineage import ADAPTED, Lineage

router = APIRouter(include_in_schema=False)

# A key ends with "@<year>" or "@?": the first such end splits "<child>/<parent>".
_PAIR = re.compile(r"^(.+?@(?:\d{4}|\?))/(.+)$")
_TOKENS = re.compile(r"\s+|[^\s]+")
KIND_LABELS = {"copied": "sao chép", "adapted": "điều chỉnh", "new": "mới"}


def compare_url(child: str, parent: str) -> str:
    """The comparison page of ``child`` against ``parent``."""
    return f"/compare/{document_page(child).removeprefix('/document/')}/{document_page(parent).removeprefix('/document/')}"


def word_diff(parent: str, child: str) -> tuple[Markup, Markup]:
    """``(parent, child)`` as HTML with the words only one side has marked.

    >>> p, c = word_diff("báo cáo trước ngày 15/3", "báo cáo kết quả trước ngày 20/3")
    >>> str(p), str(c)
    ('báo cáo trước ngày <del>15/3</del>', 'báo cáo<ins> kết quả</ins> trước ngày <ins>20/3</ins>')
    """
    a, b = _TOKENS.findall(parent), _TOKENS.findall(child)
    left: list[Markup] = []
    right: list[Markup] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old, new = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(old)
            right.append(new)
            continue
        if i2 > i1:
            left.append(Markup("<del>%s</del>") % old)
        if j2 > j1:
            right.append(Markup("<ins>%s</ins>") % new)
    return Markup("").join(left), Markup("").join(right)


def comparison_rows(found: Lineage) -> list[dict[str, Any]]:
    """One row per child provision, then one per parent provision left out."""
    rows = []
    for d in found.derivations:
        child, parent = escape(d.provision.text), escape(d.parent.text) if d.parent else None
        if d.kind == ADAPTED and d.parent is not None:
            parent, child = word_diff(d.parent.text, d.provision.text)
        rows.append({"kind": d.kind, "label": KIND_LABELS[d.kind], "similarity": d.similarity,
                     "child_id": d.provision.id, "child": child,
                     "parent_id": d.parent.id if d.parent else None, "parent": parent})
    missing = set(found.missing())
    for p in found.parent_provisions:
        if p.id in missing:
            rows.append({"kind": "missing", "label": "không tiếp thu", "similarity": None, "child_id": None,
                         "child": None, "parent_id": p.id, "parent": escape(p.text)})
    return rows


def document_reuse(corpus: Corpus, key: str) -> dict[str, Any]:
    """For a document's page: links to compare it with its parents, and its children's coverage."""
    try:
        document = reuse.resolve_document(corpus, key)
    except KgError:
        return {"parents": [], "coverage": []}
    parents = [{"key": p.key, "number": p.number, "url": compare_url(document.key, p.key)}
               for p in reuse.parents(corpus, document)]
    _, rows = reuse.coverage(corpus, document.key) if reuse.children(corpus, document) else (None, [])
    coverage = [{"key": r.key, "url": compare_url(r.key, document.key), "page": document_page(r.key),
                 "covered": r.covered, "missing": r.missing, "copied_share": r.copied_share} for r in rows]
    return {"parents": parents, "coverage": coverage}


@router.get("/compare/{pair:path}", response_class=HTMLResponse)
def compare_page(request: Request, pair: str) -> HTMLResponse:
    """A child document against its parent, side by side."""
    corpus: Corpus = request.app.state.corpus
    match = _PAIR.match(pair)
    context: dict[str, Any] = {"pair": pair, "error": None, "found": None, "page": document_page}
    status = 200
    try:
        if match is None:
            raise reuse.ReuseError(f"đường dẫn {pair!r} không có dạng /compare/<văn bản cấp dưới>/<văn bản cấp trên>")
        found = reuse.compare_documents(corpus, match.group(1), match.group(2))
        context.update(found=found, rows=comparison_rows(found), labels=KIND_LABELS)
    except KgError as err:
        context["error"], status = str(err), 404
    return request.app.state.templates.TemplateResponse(request, "compare.html", context, status_code=status)
