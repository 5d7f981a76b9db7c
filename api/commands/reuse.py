"""``kg compare`` and ``kg coverage``: what a plan copied, adapted or added, and what it left out."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.commands import JsonFlag, fail
from api.corpus import Corpus
from kg.errors import KgError

if TYPE_CHECKING:  # the search stack is imported when a command runs, not by `kg --help`
    from search.lineage import Lineage

_SHOWN_CHARS = 300


def _short(text: str) -> str:
    return escape(text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…")


def _print_lineage(found: Lineage) -> None:
    from search.lineage import ADAPTED, COPIED

    kind_labels = {COPIED: "sao chép", ADAPTED: "điều chỉnh", "new": "mới"}
    kind_styles = {COPIED: "green", ADAPTED: "yellow", "new": "cyan"}
    table = Table(
        title=f"{escape(found.child)} so với {escape(found.parent)} — sao chép {found.copied_share:.0%} nội dung",
        show_lines=True,
    )
    table.add_column(f"Văn bản cấp dưới ({escape(found.child)})", ratio=1)
    table.add_column("Kế thừa", justify="center")
    table.add_column(f"Văn bản cấp trên ({escape(found.parent)})", ratio=1)
    for d in found.derivations:
        style = kind_styles[d.kind]
        kind = f"[{style}]{kind_labels[d.kind]}[/]\n{d.similarity:.2f}"
        parent = f"[bold]{escape(d.parent.id)}[/]\n{_short(d.parent.text)}" if d.parent else ""
        table.add_row(f"[bold]{escape(d.provision.id)}[/]\n{_short(d.provision.text)}", kind, parent)
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add the commands to the ``kg`` app."""

    @app.command("compare")
    def compare(
        ctx: typer.Context,
        child: Annotated[str, typer.Argument(help="Văn bản cấp dưới (khóa hoặc số, ví dụ 42-KH/ĐU@2023).")],
        parent: Annotated[
            str | None, typer.Argument(help="Văn bản cấp trên (mặc định: văn bản mà CHILD căn cứ).")
        ] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """So sánh từng điều khoản của văn bản cấp dưới với văn bản cấp trên: sao chép, điều chỉnh, mới."""
        from api.reuse import compare_documents

        try:
            found = compare_documents(Corpus(ctx.obj), child, parent)
        except KgError as err:
            raise fail(err) from None
        if as_json:
            typer.echo(json.dumps(found.as_json(), ensure_ascii=False, indent=2))
        else:
            _print_lineage(found)

    @app.command("coverage")
    def coverage_(
        ctx: typer.Context,
        parent: Annotated[str, typer.Argument(help="Văn bản cấp trên (khóa hoặc số).")],
        as_json: JsonFlag = False,
    ) -> None:
        """Các văn bản căn cứ PARENT đã tiếp thu và bỏ sót những điều khoản nào của nó."""
        from api.reuse import coverage, coverage_json, provision_ids, task_deadlines

        corpus = Corpus(ctx.obj)
        try:
            document, rows = coverage(corpus, parent)
            deadlines = task_deadlines(corpus, document) if not as_json else {}
        except KgError as err:
            raise fail(err) from None
        if as_json:
            typer.echo(json.dumps(coverage_json(document, rows), ensure_ascii=False, indent=2))
            return
        console = Console()
        if not rows:
            console.print(f"Chưa có văn bản nào đã nạp căn cứ {escape(document.key)}.")
            return
        ids = [i for i in provision_ids(corpus, document) if any(i in (*r.covered, *r.missing) for r in rows)]
        order = sorted(ids, key=lambda i: (i not in deadlines, deadlines.get(i, ""), ids.index(i)))
        table = Table(title=f"Văn bản căn cứ {escape(document.key)}: điều khoản được tiếp thu", show_lines=True)
        table.add_column("Điều khoản cấp trên")
        table.add_column("Hạn")
        for r in rows:
            table.add_column(f"{escape(r.key)}\n(sao chép {r.copied_share:.0%})", justify="center")
        for ident in order:
            marks = ["[green]✓[/]" if ident in r.covered else "[red]✗ thiếu[/]" for r in rows]
            table.add_row(escape(ident), deadlines.get(ident, ""), *marks)
        console.print(table)
