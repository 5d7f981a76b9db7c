"""``kg ingest PATH...``: files and folders into the graph store, with progress and a summary."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api import handoff
from api.corpus import FAILED, SKIPPED, Corpus, IngestEvent, collect_files
from api.settings import Settings

STATUS_VI = {"ingested": "đã nạp", "replaced": "đã cập nhật", "unchanged": "không đổi", SKIPPED: "bỏ qua",
             FAILED: "lỗi"}


def register(app: typer.Typer) -> None:
    """Add the command to the ``kg`` app."""

    @app.command("ingest")
    def ingest(
        ctx: typer.Context,
        paths: Annotated[list[Path], typer.Argument(help="Tệp hoặc thư mục (.txt .docx .pdf .doc .html .png .jpg .tif, quét đệ quy)")],
        force: Annotated[bool, typer.Option("--force", help="Trích xuất lại mọi tệp, kể cả tệp không đổi")] = False,
    ) -> None:
        """Nạp văn bản vào kho đồ thị: mỗi tệp một đồ thị có tên; tệp lỗi không dừng cả lô."""
        settings: Settings = ctx.obj
        corpus = Corpus(settings)
        err = Console(stderr=True)
        server = handoff.find_server(settings)  # a running `kg serve` owns the store: hand the files to it
        if server:
            err.print(f"Máy chủ đang chạy tại {server.url}: giao các tệp cho máy chủ nạp.", highlight=False)
        total = len(collect_files(paths)[0])
        events: list[IngestEvent] = []
        columns = (TextColumn("[bold]Đang nạp"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.description}", style="dim"))
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("", total=total)
            def ocr_page(path: Path, done: int, pages: int) -> None:
                progress.update(task, description=f"{path.name}: nhận dạng chữ (OCR) trang {done}/{pages}")

            events_in = (handoff.ingest(server, paths, force=force) if server
                         else corpus.ingest(paths, force=force, ocr_progress=ocr_page))
            for event in events_in:
                events.append(event)
                if event.status == FAILED:
                    err.print(f"[red]Lỗi:[/] {event.path}: {event.reason}", highlight=False, soft_wrap=True)
                done = event.status != SKIPPED and event.path.exists()
                progress.update(task, advance=int(done), description=event.path.name)
        _summary(Console(), events, settings.home)
        if any(e.status == FAILED for e in events):
            raise typer.Exit(1)


def _summary(console: Console, events: list[IngestEvent], home: Path) -> None:
    counts = Counter(e.status for e in events)
    table = Table(title=f"Kết quả nạp vào {home}", show_lines=False)
    table.add_column("Kết quả")
    table.add_column("Số tệp", justify="right")
    for status in ("ingested", "replaced", "unchanged", SKIPPED, FAILED):
        table.add_row(STATUS_VI[status], str(counts.get(status, 0)), style="red" if status == FAILED and
                      counts.get(status) else None)
    console.print(table)
    for status, title in ((FAILED, "Tệp lỗi"), (SKIPPED, "Tệp bỏ qua")):
        listed = [e for e in events if e.status == status]
        if listed:
            reasons = Table(title=title, show_lines=False)
            reasons.add_column("Tệp", overflow="fold")
            reasons.add_column("Lý do", overflow="fold")
            for event in listed:
                reasons.add_row(str(event.path), event.reason or "")
            console.print(reasons)
