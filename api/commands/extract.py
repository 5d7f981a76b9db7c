"""``kg extract FILE [--json]``: parse one file without storing it (SPEC section 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.commands import JsonFlag, fail
from api.settings import Settings
from kg.errors import KgError


def register(app: typer.Typer) -> None:
    """Add the command to the ``kg`` app."""

    @app.command("extract")
    def extract(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(help="Tệp .docx, .pdf, .txt, .doc, .html, .png, .jpg hoặc .tif")],
        as_json: JsonFlag = False,
    ) -> None:
        """Trích xuất một văn bản (không lưu vào kho)."""
        from api.ocr import ocr_options  # the readers and OCR: imported by the commands that read files
        from ingest.pipeline import extract_file
        from ingest.registry import Registry

        settings: Settings = ctx.obj
        err = Console(stderr=True)

        def ocr_page(done: int, pages: int) -> None:
            err.print(f"{file.name}: nhận dạng chữ (OCR) trang {done}/{pages}", highlight=False)

        try:
            doc = extract_file(file, Registry.load(settings.registry_path), ocr=ocr_options(settings, ocr_page))
        except KgError as err:
            raise fail(err) from None
        if as_json:
            typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        console = Console()
        console.print(f"[bold]{doc['doc_type'] or '?'} {doc['number'] or ''}[/] — {doc['title'] or ''}")
        console.print(f"Cơ quan ban hành: {doc['issuer']['name'] or '?'}; ngày: {doc['date'] or '?'}")
        console.print(f"Khóa: {doc['key']}")
        console.print(f"Căn cứ: {', '.join(doc['based_on']) or '—'}")
        console.print(f"Thực hiện: {', '.join(doc['implements']) or '—'}")
        console.print(f"Thực hiện một phần: {', '.join(doc['implements_partly']) or '—'}")
        console.print(f"Văn bản được dẫn: {len(doc['references'])}; điều khoản: {len(doc['provisions'])}; "
                      f"nhiệm vụ: {len(doc['tasks'])}")
        for warning in doc["warnings"]:
            console.print(f"[yellow]Cảnh báo:[/] {warning}")
