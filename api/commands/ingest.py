"""``kg ingest PATH...`` and ``kg index``: files into the graph store and the search index, with progress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from api import handoff
from api.commands import fail
from api.corpus import FAILED, SKIPPED, Corpus, IngestEvent, collect_files
from api.settings import Settings

STATUS_VI = {"ingested": "đã nạp", "replaced": "đã cập nhật", "unchanged": "không đổi", "indexed": "đã lập chỉ mục",
             SKIPPED: "bỏ qua", FAILED: "lỗi"}


class IngestProgress:
    """Three live lines on stderr: files done, pieces of text embedded, pieces reused (never re-embedded)."""

    def __init__(self, progress: Progress, files: int, verb: str) -> None:
        self.progress = progress
        self.files = progress.add_task(verb, total=files, name="")
        self.embedded = progress.add_task("Đoạn văn đã nhúng", total=None, name="")
        self.reused = progress.add_task("Đoạn văn dùng lại", total=None, name="")
        self.rebuilding: TaskID | None = None

    def pieces(self, embedded: int, reused: int) -> None:
        """Count pieces (a ``search.embedders.PieceProgress`` callback)."""
        self.progress.advance(self.embedded, embedded)
        self.progress.advance(self.reused, reused)

    def rebuild(self, done: int, total: int) -> None:
        """Show the vector index being rebuilt in another kind (``vector_index = "auto"``)."""
        if self.rebuilding is None:
            self.rebuilding = self.progress.add_task("Xây lại chỉ mục vector", total=total, name="")
        self.progress.update(self.rebuilding, completed=done, total=total)

    def ocr_page(self, path: Path, done: int, pages: int) -> None:
        """Show OCR's page count on the file line (an ``ingest.parallel.FileOcrProgress`` callback)."""
        self.progress.update(self.files, name=f"{path.name}: nhận dạng chữ (OCR) trang {done}/{pages}")

    def file(self, event: IngestEvent) -> None:
        """Count one file's outcome."""
        done = event.status != SKIPPED and event.path.exists()
        self.progress.update(self.files, advance=int(done), name=event.path.name)


@contextmanager
def live_progress(console: Console, files: int, verb: str) -> Iterator[IngestProgress]:
    """The progress display of ``kg ingest`` / ``kg index`` (removed when done)."""
    columns = (TextColumn("[bold]{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[name]}", style="dim"))
    with Progress(*columns, console=console, transient=True) as progress:
        yield IngestProgress(progress, files, verb)


def register(app: typer.Typer) -> None:
    """Add ``ingest`` and ``index`` to the ``kg`` app."""

    @app.command("ingest")
    def ingest(
        ctx: typer.Context,
        paths: Annotated[list[Path], typer.Argument(help="Tệp hoặc thư mục (.txt .docx .pdf .doc .html .png .jpg .tif, quét đệ quy)")],
        force: Annotated[bool, typer.Option("--force", help="Trích xuất lại mọi tệp, kể cả tệp không đổi")] = False,
        no_index: Annotated[bool, typer.Option("--no-index", help="Chỉ ghi đồ thị; lập chỉ mục sau bằng `kg index`")]
        = False,
        ray: Annotated[str | None, typer.Option("--ray", metavar="ADDRESS", help="Đọc, trích xuất và nhúng trên cụm "
                                                "Ray (địa chỉ như ray.init nhận; mặc định $KG_RAY_ADDRESS)")] = None,
    ) -> None:
        """Nạp văn bản vào kho đồ thị và chỉ mục tìm kiếm; tệp lỗi không dừng cả lô."""
        settings: Settings = ctx.obj
        corpus = Corpus(settings)
        err = Console(stderr=True)
        server = handoff.find_server(settings)  # a running `kg serve` owns the store: hand the files to it
        if server:
            err.print(f"Máy chủ đang chạy tại {server.url}: giao các tệp cho máy chủ nạp.", highlight=False)
        address = ray or settings.ray_address
        cluster = None
        if address and not server:
            from api.cluster import ClusterError, RayCluster

            try:
                cluster = RayCluster(address, settings)
            except ClusterError as error:
                raise fail(error) from None
        total = len(collect_files(paths)[0])
        try:
            with live_progress(err, total, "Tệp đã nạp") as bars:
                events = _run(handoff.ingest(server, paths, force=force) if server else corpus.ingest(
                    paths, force=force, index=not no_index, progress=bars.pieces, rebuild_progress=bars.rebuild,
                    ocr_progress=bars.ocr_page, extract=cluster.extract if cluster else None,
                    embed=cluster.embed if cluster else None), bars, err)
        finally:
            if cluster:
                cluster.close()
        _summary(Console(), events, settings.home)
        if any(e.status == FAILED for e in events):
            raise typer.Exit(1)

    @app.command("index")
    def index(ctx: typer.Context) -> None:
        """Cập nhật chỉ mục tìm kiếm theo kho đồ thị (sau `kg ingest --no-index` hoặc khi đổi embedder)."""
        settings: Settings = ctx.obj
        corpus = Corpus(settings)
        err = Console(stderr=True)
        with live_progress(err, 0, "Tệp đã lập chỉ mục") as bars:
            events = _run(corpus.index(progress=bars.pieces, rebuild_progress=bars.rebuild), bars, err)
        _summary(Console(), events, settings.home)
        if any(e.status == FAILED for e in events):
            raise typer.Exit(1)


def _run(events: Iterator[IngestEvent], bars: IngestProgress, err: Console) -> list[IngestEvent]:
    seen: list[IngestEvent] = []
    for event in events:
        seen.append(event)
        if event.status == FAILED:
            err.print(f"[red]Lỗi:[/] {event.path}: {event.reason}", highlight=False, soft_wrap=True)
        bars.file(event)
    return seen


def _summary(console: Console, events: list[IngestEvent], home: Path) -> None:
    counts = Counter(e.status for e in events)
    table = Table(title=f"Kết quả nạp vào {home}", show_lines=False)
    table.add_column("Kết quả")
    table.add_column("Số tệp", justify="right")
    shown = ("indexed",) if counts.get("indexed") else ("ingested", "replaced", "unchanged", SKIPPED)
    for status in (*shown, FAILED):
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
