"""``kg search``, ``kg similar`` and ``kg eval``: model wording over every ingested provision."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pyoxigraph
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.commands import JsonFlag, fail
from api.corpus import Corpus
from api.settings import PROJECT_ROOT, Settings
from kg.errors import KgError
from kg.knowledge import KnowledgeGraph, cascade_keys
from kg.organizations import issuer_filter

if TYPE_CHECKING:  # the search stack (faiss, tantivy, the embedder) is imported by the commands using it
    from search.index import SearchResult

DEFAULT_QUERIES = PROJECT_ROOT / "data" / "eval" / "search_queries.json"
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _iso_date(value: str | None) -> str | None:
    """``2023-02-16`` or ``16/02/2023`` → ISO; a clear error otherwise."""
    if value is None:
        return None
    if match := _DMY.match(value.strip()):
        day, month, year = (int(g) for g in match.groups())
    else:
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise typer.BadParameter(f"ngày {value!r} không hợp lệ: dùng dạng 2023-02-16 hoặc 16/02/2023") from None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise typer.BadParameter(f"ngày {value!r} không tồn tại") from None


def _mark(text: str, words: list[str]) -> str:
    """Rich markup of ``text`` with the highlighted phrases in bold."""
    out = escape(text)
    for phrase in sorted(words, key=len, reverse=True):
        out = re.sub(rf"(?<![\w\[]){re.escape(escape(phrase))}(?!\w)", lambda m: f"[bold yellow]{m.group()}[/]", out)
    return out


def _print_table(result: SearchResult) -> None:
    console = Console()
    if not result.hits:
        console.print(f"Không tìm thấy điều khoản nào cho “{escape(result.query)}”.")
        return
    table = Table(title=f"“{escape(result.query)}” — {len(result.hits)} kết quả ({result.mode}, "
                        f"{result.took_ms:.0f} ms)", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Văn bản")
    table.add_column("Mục")
    table.add_column("Nội dung")
    for rank, hit in enumerate(result.hits, start=1):
        doc = hit.passage.document
        heading = f"{doc.doc_type or ''} {doc.number or doc.key}\n{doc.issuer or ''}\n{doc.date or ''}"
        if hit.also_in:
            heading += "\n[dim]Cũng có trong: " + ", ".join(o.document.number or o.document.key
                                                             for o in hit.also_in) + "[/]"
        text = hit.passage.text if len(hit.passage.text) <= 400 else hit.passage.text[:400] + "…"
        path = hit.passage.path
        # The heading line usually opens the provision text already; show it only when it does not.
        shown = path and not hit.passage.text.startswith(path[-1].rstrip("…")[:30])
        section = hit.passage.provision_id + (f"\n[dim]{escape(path[-1])}[/]" if shown else "")
        table.add_row(str(rank), escape(heading).replace("\\[dim]", "[dim]"), section,
                      _mark(text, hit.highlights))
    console.print(table)


def _emit(result: SearchResult, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        _print_table(result)


def register(app: typer.Typer) -> None:
    """Add the commands to the ``kg`` app."""

    @app.command("search")
    def search(
        ctx: typer.Context,
        query: Annotated[str, typer.Argument(help="Câu tìm kiếm (có hoặc không dấu).")],
        k: Annotated[int, typer.Option("--k", min=1, max=100, help="Số kết quả.")] = 10,
        mode: Annotated[str, typer.Option("--mode", help="hybrid | dense | bm25")] = "hybrid",
        as_json: JsonFlag = False,
        doc_type: Annotated[str | None, typer.Option("--type", help="Loại văn bản: KH, HD, BC, ...")] = None,
        issuer: Annotated[str | None, typer.Option(
            "--issuer", help="Cơ quan ban hành (một phần tên); một đơn vị trong danh mục tổ chức gồm cả tiền thân.")]
        = None,
        implements: Annotated[str | None, typer.Option("--implements", help="Chỉ văn bản thực hiện REF.")] = None,
        since: Annotated[str | None, typer.Option("--since", help="Từ ngày (2023-01-31).")] = None,
        until: Annotated[str | None, typer.Option("--until", help="Đến ngày.")] = None,
    ) -> None:
        """Tìm điều khoản theo nghĩa và theo từ (cách các cấp ủy khác đã viết)."""
        from search.catalog import Filters
        from search.index import MODES

        if mode not in MODES:
            raise typer.BadParameter(f"--mode phải là một trong {', '.join(MODES)}")
        index = Corpus(ctx.obj).search
        try:
            keys = _cascade(ctx.obj, implements) if implements else None
            issuers = _issuer_lineage(ctx.obj, issuer)
            filters = Filters(doc_type, issuers, since=_iso_date(since), until=_iso_date(until), documents=keys)
            result = index.search(query, k=k, mode=mode, filters=filters)
        except KgError as err:
            raise fail(err) from None
        _emit(result, as_json)

    @app.command("similar")
    def similar(
        ctx: typer.Context,
        provision: Annotated[str, typer.Argument(help="IRI điều khoản hoặc '<khóa văn bản>#<số mục>'.")],
        k: Annotated[int, typer.Option("--k", min=1, max=100, help="Số kết quả.")] = 10,
        as_json: JsonFlag = False,
    ) -> None:
        """Những cách viết gần nhất của một điều khoản trong các văn bản khác."""
        try:
            result = Corpus(ctx.obj).search.similar(provision, k=k)
        except KgError as err:
            raise fail(err) from None
        _emit(result, as_json)

    @app.command("eval")
    def eval_(
        ctx: typer.Context,
        queries: Annotated[Path, typer.Option("--queries", help="Tệp câu hỏi có nhãn (JSON).")] = DEFAULT_QUERIES,
        as_json: JsonFlag = False,
    ) -> None:
        """Đo recall@5 và MRR@10 của từng chế độ tìm kiếm trên bộ câu hỏi có nhãn."""
        from search.evaluate import evaluate, load_queries, markdown_table

        try:
            report = evaluate(Corpus(ctx.obj).search, load_queries(queries))
        except KgError as err:
            raise fail(err) from None
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else markdown_table(report))


def _cascade(settings: Settings, ref: str) -> list[str]:
    """Keys of the documents in the cascade of ``ref`` — the answer of ``kg implements`` — read from the
    store opened read-only (a running server may hold it); none when nothing was ingested yet."""
    if not (settings.store_path / "CURRENT").exists():
        return []
    graph = KnowledgeGraph(pyoxigraph.Store.read_only(str(settings.store_path)), settings.base_iri)
    return cascade_keys(graph.implements(ref)[0])


def _issuer_lineage(settings: Settings, issuer: str | None) -> str | tuple[str, ...] | None:
    """``--issuer`` widened to a registry unit's predecessors; the store is opened read-only (a running
    server may hold it)."""
    if not issuer or not (settings.store_path / "CURRENT").exists():
        return issuer
    return issuer_filter(pyoxigraph.Store.read_only(str(settings.store_path)), settings.base_iri, issuer)
