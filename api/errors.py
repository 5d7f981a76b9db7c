"""One error shape for every HTTP error: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg.errors import KgError, UnknownReferenceError

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          406: "not_acceptable", 413: "too_large", 415: "unsupported_media_type", 422: "invalid_parameters",
          500: "internal_error", 503: "unavailable"}


class ApiError(Exception):
    """An error to answer with ``status``, a stable ``code`` and a message for people (Vietnamese)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON body every error shares."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Route every kind of exception through :func:`error_response`."""

    @app.exception_handler(ApiError)
    def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = "Không tìm thấy địa chỉ này."
        return error_response(exc.status_code, _CODES.get(exc.status_code, "error"), message,
                              getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'yêu cầu'}: {e.get('msg')}"
                 for e in exc.errors()]
        return error_response(422, "invalid_parameters", "Tham số không hợp lệ — " + "; ".join(parts))

    @app.exception_handler(UnknownReferenceError)
    def _unknown(_: Request, exc: UnknownReferenceError) -> JSONResponse:
        return error_response(404, "unknown_reference", str(exc))

    @app.exception_handler(KgError)
    def _kg(_: Request, exc: KgError) -> JSONResponse:
        return error_response(400, "bad_request", str(exc))

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logging.getLogger("api").exception("unhandled error on %s", request.url.path)
        return error_response(500, "internal_error", f"Lỗi nội bộ máy chủ: {type(exc).__name__}.")
