"""The ``kg`` command line: one Typer app, one sub-module per group of commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands import extract, graph, graphquery, ingest, orgs, search, serve, status
from api.settings import Settings

app = typer.Typer(
    help="Đồ thị tri thức và tìm kiếm ngữ nghĩa văn bản chỉ đạo của Đảng.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    home: Annotated[
        Path | None, typer.Option("--home", help="Thư mục dữ liệu (mặc định: $KG_HOME).")
    ] = None,
) -> None:
    ctx.obj = Settings.load(home)


for module in (extract, ingest, graphquery, serve, search, graph, orgs, status):
    module.register(app)


def main() -> None:
    """Console entry point."""
    app()
