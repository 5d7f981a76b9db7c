"""``kg config``: the effective settings and where each value came from (secrets hidden)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from api.commands import JsonFlag
from api.settings import Settings


def register(app: typer.Typer) -> None:
    """Add the command to the ``kg`` app."""

    @app.command("config")
    def config(ctx: typer.Context, as_json: JsonFlag = False) -> None:
        """In các thiết lập đang dùng và nguồn của từng giá trị (mã bí mật được ẩn)."""
        settings: Settings = ctx.obj
        rows = settings.describe()
        if as_json:
            typer.echo(json.dumps({name: {"value": value, "source": source} for name, value, source in rows},
                                  ensure_ascii=False, indent=2))
            return
        table = Table(title="Thiết lập hiện hành (đặt bằng biến môi trường KG_<TÊN> hoặc tệp TOML)")
        for column in ("Thiết lập", "Giá trị", "Nguồn"):
            table.add_column(column, overflow="fold")
        for name, value, source in rows:
            table.add_row(name, value, source)
        Console().print(table)
