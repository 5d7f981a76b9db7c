"""``kg orgs import|list|show``: the registry of organizations the office keeps (kg/organizations.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.commands import JsonFlag, fail
from api.corpus import Corpus
from api.settings import Settings
from kg import organizations as orgs
from kg.errors import KgError

AsOfOption = Annotated[str | None, typer.Option("--as-of", help="Chỉ các đơn vị tồn tại vào ngày này (YYYY-MM-DD).")]


def registry_of(corpus: Corpus) -> orgs.OrgRegistry:
    """The imported registry; a one-line error when none was imported."""
    registry = orgs.OrgRegistry(orgs.stored_organizations(corpus.store, corpus.settings.base_iri))
    if not registry:
        raise fail("chưa có danh mục tổ chức: nhập bằng “kg orgs import TỆP.csv”.")
    return registry


def org_detail(corpus: Corpus, registry: orgs.OrgRegistry, org: orgs.Organization) -> dict[str, Any]:
    """``kg orgs show --json``: the unit, its direct predecessors and successors, and the documents of its
    lineage (its own and its predecessors'), each marked with whose it is."""
    docs = orgs.issued_documents(corpus.store, corpus.settings.base_iri)
    mine = orgs.documents_of(registry, registry.lineage(org), docs)
    return {"name": org.name, "level": org.level, "parent": org.parent,
            "predecessors": [p.name for p in registry.predecessors(org)], "successors": list(org.successors),
            "documents": [{"key": d["key"], "org": d["org"], "date": d["date"], "title": d["title"]} for d in mine]}


def register(app: typer.Typer) -> None:
    """Add the ``orgs`` command group to the ``kg`` app."""
    group = typer.Typer(help="Danh mục tổ chức (cấp ủy, đảng bộ, chi bộ) và các lần sáp nhập.",
                        no_args_is_help=True)
    app.add_typer(group, name="orgs")

    @group.command("import")
    def import_cmd(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(help="Tệp CSV (name,level,parent,aliases,valid_from,valid_to,"
                                                  "successors) hoặc Turtle (.ttl) dùng từ vựng W3C ORG")],
    ) -> None:
        """Nhập (thay thế) danh mục tổ chức; tệp có lỗi thì không nhập gì."""
        settings: Settings = ctx.obj
        try:
            found = orgs.read_registry(file)
        except KgError as err:
            raise fail(err) from None
        orgs.import_registry(Corpus(settings).store, settings.base_iri, found)
        merged = sum(1 for o in found if o.successors)
        typer.echo(f"Đã nhập {len(found)} tổ chức từ {file} ({merged} tổ chức có đơn vị kế thừa).")

    @group.command("list")
    def list_cmd(ctx: typer.Context, as_of: AsOfOption = None, as_json: JsonFlag = False) -> None:
        """Liệt kê danh mục tổ chức đã nhập."""
        registry = registry_of(Corpus(ctx.obj))
        try:
            day = orgs.parse_day(as_of) if as_of else None
        except ValueError as err:
            raise fail(err) from None
        shown = [o for o in registry.orgs if day is None or o.valid_on(day)]
        if as_json:
            typer.echo(json.dumps([o.as_dict() for o in shown], ensure_ascii=False, indent=2))
            return
        table = Table(title=f"{len(shown)} tổ chức" + (f" tồn tại ngày {day:%d/%m/%Y}" if day else ""))
        for column in ("Tên", "Cấp", "Trực thuộc", "Hiệu lực", "Kế thừa bởi"):
            table.add_column(column, overflow="fold")
        for o in shown:
            table.add_row(o.name, orgs.LEVEL_LABELS[o.level], o.parent or "", _validity(o.valid_from, o.valid_to),
                          "; ".join(o.successors))
        Console().print(table)

    @group.command("show")
    def show_cmd(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Tên hoặc tên gọi khác của tổ chức")],
        as_json: JsonFlag = False,
    ) -> None:
        """Một tổ chức: cấp, trực thuộc, tiền thân, kế thừa và văn bản (của nó và của tiền thân)."""
        corpus = Corpus(ctx.obj)
        registry = registry_of(corpus)
        org = registry.find(name)
        if org is None:
            raise fail(f"không có tổ chức “{name}” trong danh mục.")
        detail = org_detail(corpus, registry, org)
        if as_json:
            typer.echo(json.dumps(detail, ensure_ascii=False, indent=2))
            return
        console = Console()
        console.print(f"[bold]{org.name}[/] — {orgs.LEVEL_LABELS[org.level]}, trực thuộc {org.parent or '(không)'}; "
                      f"hiệu lực {_validity(org.valid_from, org.valid_to)}", highlight=False)
        if org.aliases:
            console.print(f"Tên gọi khác: {'; '.join(org.aliases)}", highlight=False)
        console.print(f"Tiền thân: {'; '.join(detail['predecessors']) or '(không)'}; "
                      f"kế thừa bởi: {'; '.join(detail['successors']) or '(không)'}", highlight=False)
        table = Table(title=f"{len(detail['documents'])} văn bản")
        for column in ("Văn bản", "Ngày", "Của", "Trích yếu"):
            table.add_column(column, overflow="fold")
        for d in detail["documents"]:
            table.add_row(d["key"], d["date"] or "", d["org"], d["title"] or "")
        console.print(table)


def _validity(start: date | None, end: date | None) -> str:
    if not start and not end:
        return "đang hoạt động"
    return f"{f'{start:%d/%m/%Y}' if start else '…'} – {f'{end:%d/%m/%Y}' if end else 'nay'}"
