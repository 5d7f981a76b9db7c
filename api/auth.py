"""Who may write: ``Authorization: Bearer <token>`` against the configured write token.

One token (``KG_WRITE_TOKEN``) guards every write over HTTP: uploads, deletes and SPARQL update.
A running server also accepts its local hand-off token (see :mod:`api.handoff`), which only a user
who can read the data directory can know. Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from api.errors import ApiError


def require_writer(request: Request, *tokens: str | None) -> None:
    """Raise 403 when no token is configured (read-only server), 401 when the request lacks a valid one."""
    accepted = [t for t in tokens if t]
    if not accepted:
        raise ApiError(403, "read_only", "Máy chủ chưa cấu hình mã ghi (KG_WRITE_TOKEN): thao tác ghi bị tắt.")
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    given = value.strip().encode()
    if scheme.lower() != "bearer" or not any(hmac.compare_digest(given, t.encode()) for t in accepted):
        raise ApiError(401, "unauthorized", "Cần tiêu đề 'Authorization: Bearer <mã ghi>' hợp lệ.",
                       headers={"WWW-Authenticate": 'Bearer realm="vnkg"'})
