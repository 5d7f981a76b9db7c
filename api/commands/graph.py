"""``kg graph [--root REF] [--depth N] [--relations ...] [--orgs] --out FILE``: the hierarchy picture."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands import fail
from api.settings import Settings
from kg.errors import KgError
from kg.organizations import unit_picture


def parse_relations(text: str | None) -> list[str]:
    """``implements,based_on`` → the relation names; raises ``ValueError`` naming an unknown one."""
    from kg import hierarchy as h  # networkx: imported when the command runs, not by ``kg --help``

    if not text:
        return list(h.RELATIONS)
    names = [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]
    unknown = [n for n in names if n not in (*h.RELATIONS, *h.ORG_RELATIONS)]
    if unknown:
        raise ValueError(f"quan hệ không hợp lệ: {', '.join(unknown)} "
                         f"(chọn trong: {', '.join((*h.RELATIONS, *h.ORG_RELATIONS))})")
    return names


def register(app: typer.Typer) -> None:
    """Add the command to the ``kg`` app."""

    @app.command("graph")
    def graph(
        ctx: typer.Context,
        out: Annotated[Path, typer.Option("--out", "-o", help="Tệp ra: .html, .svg, .png, .graphml, .gexf, .json")],
        root: Annotated[str | None, typer.Option("--root", help="Chỉ vẽ quanh văn bản này (“Chỉ thị 23”) hoặc "
                                                     "văn bản của một đơn vị và tiền thân của nó.")] = None,
        depth: Annotated[int | None, typer.Option("--depth", min=1, help="Số bước quanh --root (mặc định: tất cả).")] = None,
        relations: Annotated[str | None, typer.Option(
            "--relations", help="Các quan hệ, cách nhau bởi dấu phẩy: implements, implements_partly, based_on, "
                                "cites (mặc định: cả bốn).")] = None,
        orgs: Annotated[bool, typer.Option("--orgs", help="Thêm các cấp ủy (ban hành bởi, trực thuộc) vào tệp đồ thị.")]
        = False,
    ) -> None:
        """Vẽ sơ đồ hệ thống văn bản: Trung ương → tỉnh → huyện → cơ sở."""
        from api import graph_export
        from api.corpus import Corpus
        from kg import hierarchy as h

        settings: Settings = ctx.obj
        suffix = out.suffix.lower()
        if suffix not in graph_export.FORMATS:
            raise fail(f"không hỗ trợ định dạng “{out.suffix or out.name}”: dùng một trong "
                       f"{', '.join(graph_export.FORMATS)}.")
        try:
            chosen = parse_relations(relations)
        except ValueError as err:
            raise fail(str(err)) from None
        corpus = Corpus(settings)
        base = settings.base_iri
        resolution, unknown = None, None
        if root:
            try:
                resolution = corpus.graph.resolve(root)
            except KgError as err:
                unknown = err  # perhaps a unit of the registry rather than a document
        # Around one document, only its neighbourhood is read from the store.
        full = corpus.graph.hierarchy(organizations=True, depth=depth,
                                      around=resolution.chosen.iri if resolution else None)
        if orgs:
            chosen += [r for r in h.ORG_RELATIONS if r not in chosen]
        picture = h.filter_relations(full, [*chosen, *h.ORG_RELATIONS])
        title = "Sơ đồ hệ thống văn bản"
        root_iri = None
        if root:
            if unknown is not None:
                unit = unit_picture(corpus.store, base, picture, root, depth)  # a unit and its predecessors
                if unit is None:
                    raise fail(str(unknown))
                picture, caption = unit
                title = f"Sơ đồ hệ thống văn bản: {caption}"
            if resolution is not None:
                if resolution.note():
                    typer.echo(f"Lưu ý: {resolution.note()}", err=True)
                root_iri = resolution.chosen.iri
                if root_iri not in picture:
                    raise fail(f"văn bản “{resolution.chosen.key}” không có quan hệ nào thuộc loại đã chọn.")
                picture = h.focus(picture, root_iri, depth)
                title = f"Sơ đồ hệ thống văn bản: {resolution.chosen.key}"
        if suffix in graph_export.FILE_FORMATS and not orgs:
            picture = h.filter_relations(picture, chosen)
        documents = sum(1 for _, d in picture.nodes(data=True) if d["kind"] == "document")
        if documents == 0:
            raise fail("kho chưa có văn bản nào: hãy nạp văn bản trước (kg ingest THƯ_MỤC).")
        out.parent.mkdir(parents=True, exist_ok=True)
        graph_export.write(picture, corpus.graph.organizations(), out, title=title, focus=root_iri)
        typer.echo(f"Đã ghi {out} ({documents} văn bản, "
                   f"{sum(1 for *_, d in picture.edges(data=True) if d['relation'] in h.RELATIONS)} quan hệ).")
