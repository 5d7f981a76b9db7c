"""Writes over HTTP: upload documents, delete one, and the local hand-offs of ``kg ingest`` / ``kg backup``.

``POST /api/documents`` and ``DELETE /api/documents/{key}`` need ``Authorization: Bearer
<KG_WRITE_TOKEN>`` (403 when the server has none, 401 without a valid one; nothing is stored). The
``/api/local/*`` endpoints take only the server's local token (``server.json``, see
:mod:`api.handoff`): they read paths on the server's own disk, so the write token is not enough.
Every write runs under :meth:`Corpus.writing`: one at a time, cached cascades dropped after it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api import schemas
from api.auth import require_writer
from api.corpus import FAILED, SKIPPED, Corpus, IngestEvent
from api.errors import ApiError
from ingest.readers import SUPPORTED
from kg import store as graph_store
from kg.vocab import FOAF, project

router = APIRouter(prefix="/api", tags=["API"])
page_router = APIRouter(include_in_schema=False)
_MAX_FILES = 100
_CHUNK = 1 << 20
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


def _corpus(request: Request) -> Corpus:
    return request.app.state.corpus


def _key_of(corpus: Corpus, sha256: str) -> str | None:
    """The key of the document stored from the file whose content is ``sha256``."""
    base = corpus.settings.base_iri
    graph = graph_store.file_graph(base, sha256)
    for topic in corpus.store.quads_for_pattern(graph, FOAF.primaryTopic, None, graph):
        for quad in corpus.store.quads_for_pattern(topic.object, project(base).ns.key, None, graph):  # type: ignore[arg-type]
            return quad.object.value
    return None


def _outcome(corpus: Corpus, name: str, event: IngestEvent, sha256: str | None) -> dict[str, Any]:
    key = event.doc["key"] if event.doc else (_key_of(corpus, sha256) if sha256 else None)
    return {"file": name, "status": event.status, "key": key, "reason": event.reason}


def _ingest(request: Request, path: Path, *, force: bool = False) -> IngestEvent:
    """Ingest one file on the server, as one write (the reference graphs loaded before the first)."""
    corpus, state = _corpus(request), request.app.state
    with corpus.writing():
        if not getattr(state, "graph_prepared", False):
            corpus.prepare_graph()
            state.graph_prepared = True
        return corpus.ingest_file(path, force=force)


async def _save(corpus: Corpus, upload: UploadFile) -> tuple[str, Path | None, str | None, str | None]:
    """Keep an uploaded file under ``<home>/uploads/<sha256 prefix>/<name>``: (name, path, sha256, reason)."""
    name = _UNSAFE_NAME.sub("_", Path(upload.filename or "").name).strip() or "tep"
    if Path(name).suffix.lower() not in SUPPORTED:
        return name, None, None, f"định dạng không hỗ trợ; chỉ nhận {' '.join(SUPPORTED)}"
    limit = corpus.settings.max_upload_mb << 20
    uploads = corpus.settings.uploads_path
    uploads.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=uploads, delete=False) as tmp:
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            tmp.write(chunk)
    temp = Path(tmp.name)
    if size > limit:
        temp.unlink()
        return name, None, None, f"tệp lớn hơn giới hạn {corpus.settings.max_upload_mb} MB"
    sha = digest.hexdigest()
    target = uploads / sha[:16] / name
    target.parent.mkdir(exist_ok=True)
    temp.replace(target)
    return name, target, sha, None


class Outcome(BaseModel):
    """What happened to one uploaded file."""

    file: str
    status: str  # ingested, replaced, unchanged, skipped, failed
    key: str | None = None
    reason: str | None = None


class UploadAnswer(BaseModel):
    """The answer of ``POST /api/documents``."""

    keys: list[str]
    files: list[Outcome]


_MULTIPART = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}


@router.post("/documents", status_code=201, response_model=UploadAnswer, openapi_extra=_MULTIPART,
             summary="Upload and ingest documents (Bearer KG_WRITE_TOKEN)",
             responses={401: {"description": "Thiếu hoặc sai mã ghi"}, 403: {"description": "Máy chủ chỉ đọc"},
                        422: {"description": "Không tệp nào nạp được"}})
async def upload(request: Request) -> Any:
    """Ingest each multipart ``file``: 201 with the keys and one outcome per file; 422 when none ingested."""
    corpus = _corpus(request)
    require_writer(request, corpus.settings.write_token)
    try:
        form = await request.form(max_files=_MAX_FILES, max_fields=_MAX_FILES)
    except Exception as err:  # malformed multipart or too many parts
        raise ApiError(400, "bad_upload", f"Dữ liệu tải lên không hợp lệ: {err}") from None
    uploads = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
    if not uploads:
        raise ApiError(400, "missing_file", "Cần ít nhất một tệp trong trường 'file' (multipart/form-data).")
    outcomes = []
    for item in uploads:
        name, path, sha, reason = await _save(corpus, item)
        if path is None:
            outcomes.append({"file": name, "status": SKIPPED, "key": None, "reason": reason})
            continue
        event = await run_in_threadpool(_ingest, request, path)
        if event.status == FAILED:  # keep no file that is in no graph
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                path.parent.rmdir()
        outcomes.append(_outcome(corpus, name, event, sha))
    await form.close()
    keys = list(dict.fromkeys(o["key"] for o in outcomes if o["key"] and o["status"] not in (FAILED, SKIPPED)))
    return JSONResponse({"keys": keys, "files": outcomes}, status_code=201 if keys else 422)


def _delete(corpus: Corpus, key: str) -> list[str]:
    removed = corpus.delete_document(key)
    uploads = corpus.settings.uploads_path.resolve()
    for source in removed:  # a file received over HTTP goes with its document
        path = Path(source)
        if path.is_relative_to(uploads) and path.is_file():
            path.unlink()
    return removed


@router.delete("/documents/{key:path}", summary="Remove an ingested document (Bearer KG_WRITE_TOKEN)",
               response_model=schemas.Deleted,
               responses={401: {"description": "Thiếu hoặc sai mã ghi"}, 404: {"description": "Không có văn bản"}})
def delete(request: Request,
           key: Annotated[str, PathParam(description="Khóa văn bản, ví dụ 117-KH/ThU@2023")]) -> dict[str, Any]:
    """Drop the graph(s) and passages of the file(s) that document ``key`` was ingested from."""
    corpus = _corpus(request)
    require_writer(request, corpus.settings.write_token)
    removed = _delete(corpus, key)
    if not removed:
        raise ApiError(404, "unknown_document", f"Không có văn bản đã nạp nào có khóa '{key}'.")
    return {"key": key, "removed_files": len(removed)}


class LocalIngest(BaseModel):
    """A file on the server's disk, handed over by ``kg ingest``."""

    path: str
    force: bool = False


@router.post("/local/ingest", include_in_schema=False)
def local_ingest(request: Request, body: LocalIngest) -> dict[str, Any]:
    """Ingest a local file for ``kg ingest`` running beside the server (local token only)."""
    require_writer(request, request.app.state.local_token)
    path = Path(body.path)
    if not path.is_absolute() or not path.is_file():
        return {"status": FAILED, "reason": "không tìm thấy tệp trên máy chủ", "key": None}
    event = _ingest(request, path, force=body.force)
    return {"status": event.status, "reason": event.reason, "key": event.doc["key"] if event.doc else None}


class LocalBackup(BaseModel):
    """A directory on the server's disk, for ``kg backup`` running beside the server."""

    directory: str


@router.post("/local/backup", include_in_schema=False)
def local_backup(request: Request, body: LocalBackup) -> dict[str, Any]:
    """Take a consistent backup while serving (local token only)."""
    from api import backup

    require_writer(request, request.app.state.local_token)
    try:
        return backup.backup(_corpus(request), Path(body.directory))
    except (backup.BackupError, OSError) as err:
        raise ApiError(400, "backup_failed", str(err)) from None


@page_router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    """The upload page (Vietnamese): per-file progress and outcome; only when writes are enabled."""
    settings = _corpus(request).settings
    if not settings.writes_enabled:
        raise ApiError(404, "not_found", "Máy chủ chỉ đọc: không có trang tải lên (cần KG_WRITE_TOKEN).")
    context = {"formats": " ".join(SUPPORTED), "accept": ",".join(SUPPORTED), "max_mb": settings.max_upload_mb}
    return request.app.state.templates.TemplateResponse(request, "upload.html", context)
