"""``kg implements``, ``kg sparql``, ``kg export`` and ``kg stats``: questions to the graph store."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store
from rich.console import Console
from rich.table import Table

from api.commands import JsonFlag, fail
from api.corpus import Corpus
from api.settings import Settings
from kg.errors import KgError
from kg.export import FORMATS, export
from kg.store import stats
from kg.vocab import sparql_prefixes

RESULT_FORMATS = {"json": QueryResultsFormat.JSON, "csv": QueryResultsFormat.CSV}



def register(app: typer.Typer) -> None:
    """Add the commands to the ``kg`` app."""

    @app.command("implements")
    def implements(
        ctx: typer.Context,
        ref: Annotated[str, typer.Argument(help="Văn bản: “Chỉ thị 23”, “23-CT/TW”, “CT 23”, “23-CT/TW@2018”")],
        as_json: JsonFlag = False,
    ) -> None:
        """Các văn bản thực hiện một chỉ thị, kết luận, nghị quyết (trực tiếp và theo cả hệ thống)."""
        settings: Settings = ctx.obj
        corpus = Corpus(settings)
        try:
            result, resolution = corpus.implements(ref)
        except KgError as err:
            raise fail(str(err)) from None
        if resolution.note():
            typer.echo(f"Lưu ý: {resolution.note()}", err=True)
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            return
        d = result["directive"]
        console = Console()
        console.print(f"[bold]{d['doc_type'] or ''} {d['number'] or d['key']}[/] ({d['date'] or '?'}) "
                      f"{d['title'] or ''}", highlight=False)
        table = Table(title=f"{len(result['documents'])} văn bản thực hiện")
        for column in ("Văn bản", "Ngày", "Cơ quan ban hành", "Quan hệ", "Qua", "Tệp"):
            table.add_column(column, overflow="fold")
        for doc in result["documents"]:
            relation = "thực hiện" if doc["relation"] == "implements" else "thực hiện một phần"
            table.add_row(f"{doc['doc_type'] or ''} {doc['number'] or doc['key']}", doc["date"] or "",
                          doc["issuer"] or "", relation, " → ".join(doc["via"]),
                          doc["source"] or "(chỉ được dẫn chiếu)")
        console.print(table)

    @app.command("sparql")
    def sparql(
        ctx: typer.Context,
        query: Annotated[str | None, typer.Argument(help="Câu truy vấn SPARQL (SELECT, ASK, CONSTRUCT)")] = None,
        file: Annotated[Path | None, typer.Option("--file", "-f", help="Đọc câu truy vấn từ tệp.")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table | json | csv")] = "table",
    ) -> None:
        """Truy vấn SPARQL trên toàn bộ đồ thị (chỉ đọc; các tiền tố eli:, org:, vnkg: ... có sẵn)."""
        settings: Settings = ctx.obj
        if (query is None) == (file is None):
            raise fail("hãy đưa câu truy vấn hoặc --file TỆP (một trong hai).")
        if fmt not in ("table", *RESULT_FORMATS):
            raise fail(f"định dạng “{fmt}” không hỗ trợ: dùng table, json hoặc csv.")
        try:
            text = query if query is not None else file.read_text(encoding="utf-8")  # type: ignore[union-attr]
        except OSError as err:
            raise fail(f"không đọc được {file}: {err.strerror}") from None
        from api.sparql_guard import GuardError, check_query  # rdflib's parser: only this command needs it

        text = sparql_prefixes(settings.base_iri) + text
        try:
            check_query(text)  # like /sparql: no SERVICE, no LOAD, nothing fetched
        except GuardError as err:
            raise fail(str(err)) from None
        # pyparsing keeps the frames that called the guard alive (its exception cache): the store is
        # opened in another frame, so that it is closed when the query is done.
        _run_query(Corpus(settings).store, text, fmt)

    @app.command("export")
    def export_cmd(
        ctx: typer.Context,
        fmt: Annotated[str, typer.Option("--format", help="turtle | nquads | jsonld")] = "turtle",
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Ghi ra tệp (mặc định: màn hình).")] = None,
    ) -> None:
        """Xuất toàn bộ đồ thị (Turtle, N-Quads hoặc JSON-LD)."""
        settings: Settings = ctx.obj
        if fmt not in FORMATS:
            raise fail(f"định dạng “{fmt}” không hỗ trợ: dùng {', '.join(FORMATS)}.")
        corpus = Corpus(settings)
        if out is None:
            export(corpus.store, settings.base_iri, fmt, sys.stdout.buffer)
            return
        try:
            with out.open("wb") as handle:
                export(corpus.store, settings.base_iri, fmt, handle)
        except OSError as err:
            raise fail(f"không ghi được {out}: {err.strerror}") from None
        typer.echo(f"Đã xuất đồ thị ra {out}", err=True)

    @app.command("stats")
    def stats_cmd(
        ctx: typer.Context,
        as_json: JsonFlag = False,
    ) -> None:
        """Thống kê kho đồ thị: tệp, văn bản, tổ chức, nhiệm vụ, liên kết."""
        settings: Settings = ctx.obj
        counts = stats(Corpus(settings).store, settings.base_iri)
        if as_json:
            typer.echo(json.dumps(counts, ensure_ascii=False, indent=2))
            return
        labels = {"files": "Tệp đã nạp", "documents": "Văn bản (cả văn bản chỉ được dẫn chiếu)",
                  "ingested_documents": "Văn bản đã nạp", "organizations": "Tổ chức, cấp ủy",
                  "provisions": "Mục, điều khoản", "tasks": "Nhiệm vụ",
                  "implements_links": "Liên kết thực hiện", "based_on_links": "Liên kết căn cứ",
                  "named_graphs": "Đồ thị có tên", "quads": "Bộ bốn (quads)"}
        table = Table(title=f"Kho đồ thị {settings.store_path}")
        table.add_column("Mục")
        table.add_column("Số lượng", justify="right")
        for key, value in counts.items():
            table.add_row(labels.get(key, key), str(value))
        Console().print(table)


def _run_query(store: Store, text: str, fmt: str) -> None:
    """Run a checked query over the union of the graphs and print its results."""
    try:
        results = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as err:
        raise fail(f"câu truy vấn SPARQL sai cú pháp: {err}") from None
    except OSError as err:
        raise fail(f"không chạy được truy vấn: {err}") from None
    _print_results(results, fmt)


def _print_results(results: object, fmt: str) -> None:
    """SELECT → table/JSON/CSV; ASK → true/false; CONSTRUCT/DESCRIBE → Turtle."""
    out = sys.stdout.buffer
    if isinstance(results, QueryBoolean):
        typer.echo("true" if bool(results) else "false")
    elif isinstance(results, QuerySolutions):
        if fmt in RESULT_FORMATS:
            results.serialize(out, RESULT_FORMATS[fmt])
            out.flush()
            return
        names = [v.value for v in results.variables]
        table = Table(*names)
        rows = 0
        for row in results:
            table.add_row(*("" if row[n] is None else getattr(row[n], "value", str(row[n])) for n in names))
            rows += 1
        Console().print(table)
        typer.echo(f"{rows} kết quả", err=True)
    else:
        results.serialize(out, RdfFormat.TURTLE)  # type: ignore[attr-defined]
        out.flush()
