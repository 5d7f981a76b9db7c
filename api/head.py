"""``HEAD`` wherever ``GET`` works: the GET answer's status and headers, without the body.

FastAPI routes declared with ``@router.get`` answer ``HEAD`` with 405; this ASGI middleware runs
a HEAD request as GET and drops the body it produces (``Content-Length`` stays that of the body).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: answer ``HEAD`` as ``GET`` without a body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
