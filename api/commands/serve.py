"""``kg serve [--host 127.0.0.1] [--port 8000]``: the SPARQL endpoint, JSON API and web UI."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from api.settings import Settings


def register(app: typer.Typer) -> None:
    """Add the command to the ``kg`` app."""

    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: Annotated[str, typer.Option("--host", help="Địa chỉ lắng nghe.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Cổng lắng nghe.")] = 8000,
    ) -> None:
        """Chạy máy chủ HTTP: điểm cuối SPARQL, API JSON và giao diện web."""
        import uvicorn  # the server stack is only needed here

        from api import handoff
        from api.app import create_app
        from api.corpus import Corpus

        settings: Settings = ctx.obj
        if not settings.embedder_threads:  # parallel requests, one single-threaded embedder session each
            settings = dataclasses.replace(settings, embedder_threads=1)
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        try:  # announced in server.json while serving: `kg ingest` beside us hands files over
            app_ = create_app(Corpus(settings), local_token=handoff.new_token(), local_url=f"http://{local}:{port}")
        except OSError as err:
            typer.echo(f"Lỗi: không mở được kho dữ liệu {settings.store_path}: {err}. "
                       f"Hãy dừng tiến trình khác đang dùng kho này (ví dụ 'kg ingest') rồi thử lại.", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"Đang phục vụ {settings.home} tại http://{host}:{port}/ "
                   f"(SPARQL: /sparql, API: /api/docs). Nhấn Ctrl+C để dừng.")
        uvicorn.run(app_, host=host, port=port, log_level="warning")
