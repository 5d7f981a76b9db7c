"""The hierarchy graph, its layout, the answered / not-answered table and the file writers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest
from pyoxigraph import Store

from kg import hierarchy as h
from kg import store as graph_store
from kg.picture import draw, write_file

BASE = "https://w3id.org/vnkg/"


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory, write_seed_store: Callable[..., None]) -> Store:
    """A real on-disk store holding the four seed plans and the registry of central documents."""
    path = tmp_path_factory.mktemp("store")
    write_seed_store(path, BASE)
    return graph_store.open_store(path)


@pytest.fixture(scope="module")
def graph(seed_store: Store) -> nx.DiGraph:
    return h.build_hierarchy(seed_store, BASE, include_orgs=True)


def _node(graph: nx.DiGraph, key: str) -> str:
    node = h.find_node(graph, key)
    assert node is not None, key
    return node


def _relation(graph: nx.DiGraph, child: str, parent: str) -> list[str]:
    return graph.edges[_node(graph, child), _node(graph, parent)]["relations"]


def assert_cascade(graph: nx.DiGraph) -> None:
    """23-CT/TW@2018 ← 147-KH/TU ← 117-KH/ThU and 266-KH/HU, with levels and relation types."""
    assert "implements" in _relation(graph, "147-KH/TU@2023", "23-CT/TW@2018")
    for plan in ("117-KH/ThU@2023", "266-KH/HU@2023"):
        assert "based_on" in _relation(graph, plan, "147-KH/TU@2023")
        assert "implements" in _relation(graph, plan, "23-CT/TW@2018")
    levels = {k: graph.nodes[_node(graph, k)]["level"] for k in
              ("23-CT/TW@2018", "147-KH/TU@2023", "117-KH/ThU@2023", "266-KH/HU@2023")}
    assert levels == {"23-CT/TW@2018": "central", "147-KH/TU@2023": "province",
                      "117-KH/ThU@2023": "district", "266-KH/HU@2023": "district"}


def test_graph_holds_the_cascade_of_chi_thi_23(graph: nx.DiGraph) -> None:
    assert_cascade(graph)
    root = _node(graph, "23-CT/TW@2018")
    members = {graph.nodes[n]["key"] for n in h.cascade_members(graph, root)}
    assert {"147-KH/TU@2023", "117-KH/ThU@2023", "266-KH/HU@2023"} <= members
    assert "23-CT/TW@2003" not in {d.get("key") for _, d in graph.nodes(data=True)}  # homonym stays out
    # the strongest relation is the one drawn: a plan both cites and implements the directive
    edge = graph.edges[_node(graph, "117-KH/ThU@2023"), root]
    assert edge["relation"] == "implements" and "cites" in edge["relations"]


def test_cited_only_documents_are_flagged(graph: nx.DiGraph) -> None:
    ingested = {d["key"] for _, d in graph.nodes(data=True) if d["kind"] == "document" and d["ingested"]}
    assert ingested == {"117-KH/ThU@2023", "266-KH/HU@2023", "125-KH/ThU@2023", "107-KH/ThU@2022"}
    cited = graph.nodes[_node(graph, "147-KH/TU@2023")]
    assert cited["ingested"] is False and cited["source"] is None
    assert graph.nodes[_node(graph, "117-KH/ThU@2023")]["source"].endswith(".txt")


def test_organizations_and_issued_by(graph: nx.DiGraph) -> None:
    plan = _node(graph, "266-KH/HU@2023")
    orgs = [t for t in graph.successors(plan) if graph.edges[plan, t]["relation"] == "issued_by"]
    assert [graph.nodes[o]["label"] for o in orgs] == ["Huyện ủy Phong Thổ"]
    up = [graph.nodes[t]["label"] for t in graph.successors(orgs[0])]
    assert up == ["Tỉnh ủy Lai Châu"]


def test_filter_and_focus(graph: nx.DiGraph) -> None:
    cascade = h.filter_relations(graph, h.CASCADE_RELATIONS)
    assert {d["relation"] for *_, d in cascade.edges(data=True)} <= set(h.CASCADE_RELATIONS)
    assert h.find_node(cascade, "37-NQ/TW@2014") is None  # only cited: gone with the citations
    assert h.find_node(cascade, "125-KH/ThU@2023") is not None  # ingested documents stay
    root = _node(cascade, "23-CT/TW@2018")
    near = h.focus(cascade, root, depth=1)
    keys = {d["key"] for _, d in near.nodes(data=True) if d["kind"] == "document"}
    assert {"23-CT/TW@2018", "147-KH/TU@2023", "117-KH/ThU@2023", "266-KH/HU@2023"} <= keys
    assert "107-KH/ThU@2022" not in keys
    with pytest.raises(KeyError):
        h.focus(cascade, "https://example.org/none")


@pytest.mark.parametrize("key", ["23-CT/TW@2018", "01-KL/TW@2021", "117-KH/ThU@2023", "125-KH/ThU@2023"])
@pytest.mark.parametrize("depth", [None, 1, 2])
def test_focus_read_from_the_store_equals_focus_on_the_whole_graph(seed_store: Store, graph: nx.DiGraph,
                                                                     key: str, depth: int | None) -> None:
    root = _node(graph, key)
    whole = h.focus(graph, root, depth)
    near = h.build_hierarchy(seed_store, BASE, include_orgs=True,
                             documents=h.neighbourhood(seed_store, BASE, root, depth))
    assert len(near) < len(graph)  # only the neighbourhood was read
    part = h.focus(near, root, depth)
    assert dict(part.nodes(data=True)) == dict(whole.nodes(data=True))
    assert {(s, t): d for s, t, d in part.edges(data=True)} == {(s, t): d for s, t, d in whole.edges(data=True)}


def test_layout_bands_by_level_and_time(graph: nx.DiGraph) -> None:
    docs = h.filter_relations(graph, h.RELATIONS)
    layout = h.layered_layout(docs)
    pos = {docs.nodes[n]["key"]: layout.positions[n] for n in docs}
    assert pos["23-CT/TW@2018"][1] < pos["147-KH/TU@2023"][1] < pos["117-KH/ThU@2023"][1]
    assert pos["05-CT/TW@2016"][0] < pos["23-CT/TW@2018"][0] < pos["01-KL/TW@2021"][0]
    assert [b["level"] for b in layout.bands][:2] == ["central", "state"]
    points = list(layout.positions.values())
    assert len(set(points)) == len(points)  # nothing drawn on top of something else
    assert any(label == "2018" for *_, label in layout.ticks)


def test_responses_name_who_answered(seed_store: Store, graph: nx.DiGraph) -> None:
    orgs = h.organizations(seed_store, BASE)
    rows = h.responses(graph, _node(graph, "23-CT/TW@2018"), orgs)
    table = {(r["parent_label"], r["label"]): [d["key"] for d in r["documents"]] for r in rows}
    assert table[("Trung ương", "Tỉnh ủy Lai Châu")] == ["147-KH/TU@2023"]  # known from citations
    assert table[("Tỉnh ủy Lai Châu", "Huyện ủy Phong Thổ")] == ["266-KH/HU@2023"]
    assert table[("Tỉnh ủy Lai Châu", "Thành ủy Lai Châu")] == ["117-KH/ThU@2023"]


def test_graphml_round_trip_holds_the_cascade(graph: nx.DiGraph, tmp_path: Path) -> None:
    out = write_file(h.filter_relations(graph, h.RELATIONS), tmp_path / "h.graphml")
    back = nx.read_graphml(out)
    assert_cascade(_relations_as_lists(back))
    cited = h.find_node(back, "147-KH/TU@2023")
    assert back.nodes[cited]["ingested"] is False and "x" in back.nodes[cited]
    for suffix in (".gexf", ".json"):
        assert write_file(graph, tmp_path / f"h{suffix}").stat().st_size > 1000


def test_pictures_are_written(graph: nx.DiGraph, tmp_path: Path) -> None:
    docs = h.filter_relations(graph, h.RELATIONS)
    svg = draw(docs, tmp_path / "h.svg", title="Chỉ thị 23")
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    png = draw(docs, tmp_path / "h.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def _relations_as_lists(graph: nx.DiGraph) -> nx.DiGraph:
    for *_, data in graph.edges(data=True):
        data["relations"] = data["relations"].split(",")
    return graph


def _generated(total: int = 500) -> nx.DiGraph:
    """A cascade of ``total`` documents: directives, province plans, district plans, commune reports."""
    graph = nx.DiGraph()

    def doc(key: str, level: str, year: int, day: int) -> str:
        graph.add_node(key, kind="document", key=key, label=key, level=level, ingested=level != "central",
                       date=f"{year}-{1 + day % 12:02d}-{1 + day % 28:02d}")
        return key

    count = 0
    while count < total:
        for d in range(10):
            directive = doc(f"{d}-CT/TW@{2016 + d % 6}", "central", 2016 + d % 6, d)
            for p in range(5):
                province = doc(f"{d}{p}-KH/TU@2019", "province", 2017 + d % 6, d + p)
                h.add_relation(graph, province, directive, "implements")
                for k in range(3):
                    district = doc(f"{d}{p}{k}-KH/HU@2020", "district", 2018 + d % 6, d + p + k)
                    h.add_relation(graph, district, province, "based_on")
                    h.add_relation(graph, district, directive, "implements")
                    for c in range(2):
                        h.add_relation(graph, doc(f"{d}{p}{k}{c}-BC/ĐU@2021", "commune", 2018 + d % 6, c + k),
                                       district, "based_on")
        count = graph.number_of_nodes()
    h.mark_implied(graph)
    return graph


def test_picture_stays_readable_at_500_documents(tmp_path: Path) -> None:
    from kg.picture import LABEL_BUSIEST, labelled

    graph = _generated()
    assert graph.number_of_nodes() >= 500
    implied = [d for s, t, d in graph.edges(data=True) if d["relation"] == "implements" and d["implied"]]
    assert len(implied) == 150  # every district's own implements edge is carried by its province plan
    layout = h.layered_layout(graph)
    points = list(layout.positions.values())
    assert len(set(points)) == len(points)
    assert layout.width < 1800 and layout.height < 700  # fits a page: lanes instead of width
    assert len(labelled(graph)) <= 10 + LABEL_BUSIEST
    png = draw(graph, tmp_path / "big.png", layout=layout)
    assert png.stat().st_size > 50_000


def test_kg_graph_command(tmp_path: Path, write_seed_store: Callable[..., None]) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    write_seed_store(tmp_path / "store", BASE)
    runner = CliRunner()

    def kg(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--home", str(tmp_path), "graph", *args])
        return result.exit_code, result.output

    code, out = kg("--root", "Chỉ thị 23", "--relations", "implements,based_on", "--out", str(tmp_path / "c.graphml"))
    assert code == 0 and "Đã ghi" in out
    back = nx.read_graphml(tmp_path / "c.graphml")
    assert {d["key"] for _, d in back.nodes(data=True)} == {
        "23-CT/TW@2018", "147-KH/TU@2023", "117-KH/ThU@2023", "266-KH/HU@2023", "64-HD/BTGTW@2018"}
    code, out = kg("--out", str(tmp_path / "all.html"))
    assert code == 0 and "cytoscape" in (tmp_path / "all.html").read_text(encoding="utf-8").lower()
    code, out = kg("--out", str(tmp_path / "x.pdf"))
    assert code == 1 and "không hỗ trợ định dạng" in out
    code, out = kg("--relations", "implements,foo", "--out", str(tmp_path / "x.png"))
    assert code == 1 and "foo" in out
    code, out = kg("--root", "Chỉ thị 99", "--out", str(tmp_path / "x.png"))
    assert code == 1 and "Không tìm thấy" in out and not (tmp_path / "x.png").exists()
