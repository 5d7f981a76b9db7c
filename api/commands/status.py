"""``kg status REF``: who has answered a plan, who answered late, who is overdue (kg/status.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.commands import JsonFlag, fail
from api.commands.orgs import registry_of
from api.corpus import Corpus
from api.settings import Settings
from kg import status as tracker
from kg.errors import KgError
from kg.organizations import parse_day

_COLOURS = {tracker.ANSWERED: "green", tracker.LATE: "yellow", tracker.OVERDUE: "red", tracker.PENDING: "white"}


def register(app: typer.Typer) -> None:
    """Add ``kg status`` to the ``kg`` app."""

    @app.command("status")
    def status_cmd(
        ctx: typer.Context,
        ref: Annotated[str, typer.Argument(help="Kế hoạch cần theo dõi: “117-KH/ThU”, “KH 117”, “117-KH/ThU@2023”")],
        as_of: Annotated[str | None, typer.Option("--as-of", help="Tính đến ngày (YYYY-MM-DD; mặc định: hôm nay).")]
        = None,
        as_json: JsonFlag = False,
        xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Ghi bảng theo dõi ra tệp Excel (.xlsx).")] = None,
        reminder: Annotated[Path | None, typer.Option("--reminder", help="Ghi dự thảo công văn đôn đốc (.docx).")]
        = None,
        tasks: Annotated[bool, typer.Option("--tasks", help="Kèm nhiệm vụ của từng đơn vị (chủ trì, phối hợp).")]
        = False,
    ) -> None:
        """Tình hình thực hiện một kế hoạch: đơn vị đã gửi, gửi muộn, quá hạn, chưa gửi."""
        settings: Settings = ctx.obj
        corpus = Corpus(settings)
        registry = registry_of(corpus)
        try:
            day = parse_day(as_of) if as_of else date.today()
            chosen = corpus.graph.resolve(ref).chosen
            found = tracker.report(corpus.store, settings.base_iri, chosen.iri, registry, day, with_tasks=tasks)
        except (KgError, ValueError) as err:
            raise fail(err) from None
        from api.status_files import reminder_docx, status_workbook  # docx, openpyxl: only to write files

        result = found.result
        for path, write in ((xlsx, lambda p: status_workbook(result, found.plan, p, found.answer_dates)),
                            (reminder, lambda p: reminder_docx(result, found.plan, p))):
            if path is not None:
                try:
                    write(path)
                except OSError as err:
                    raise fail(f"không ghi được {path}: {err.strerror}") from None
                typer.echo(f"Đã ghi {path}", err=True)
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            return
        table = Table(title=f"Tình hình thực hiện {result['document']} đến ngày {day:%d/%m/%Y}: "
                            f"{tracker.summary(result)}")
        for column in ("Đơn vị", "Tình trạng", "Hạn", "Văn bản"):
            table.add_column(column, overflow="fold")
        for unit in result["units"]:
            label = tracker.STATUS_LABELS[unit["status"]]
            table.add_row(unit["unit"], f"[{_COLOURS[unit['status']]}]{label}[/]", _vn_date(unit["deadline"]),
                          ", ".join(unit["documents"]))
        Console().print(table)
        for item in result.get("tasks", []):
            Console().print(f"[bold]{item['unit']}[/]", highlight=False)
            for task in item["tasks"]:
                role = "chủ trì" if task["role"] == "lead" else "phối hợp"
                Console().print(f"  - ({role}, hạn {_vn_date(task['deadline']) or 'không ghi'}) {task['text']}",
                                highlight=False)


def _vn_date(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""
