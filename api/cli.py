"""The ``kg`` command line: one Typer app, one sub-module per group of commands."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated

import typer

from api.commands import (
    backup,
    config,
    extract,
    fail,
    graph,
    graphquery,
    ingest,
    orgs,
    reuse,
    search,
    serve,
    status,
)
from api.settings import ConfigError, Settings

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
    config_file: Annotated[
        Path | None, typer.Option("--config", help="Tệp cấu hình TOML (mặc định: <thư mục dữ liệu>/config.toml).")
    ] = None,
) -> None:
    # An earlier command of this process (tests, notebooks) may still hold the store through a reference
    # cycle (an exception's frames); collect it before this command opens the store, and again at the end.
    gc.collect()
    ctx.call_on_close(gc.collect)
    try:
        ctx.obj = Settings.load(home, config=config_file)
    except ConfigError as err:
        raise fail(err) from None


for module in (extract, ingest, graphquery, serve, search, graph, config, reuse, backup, orgs, status):
    module.register(app)


def main() -> None:
    """Console entry point."""
    app()
