"""The knowledge graph: ontology, mapping, persistent store, cascade query, REF parsing, export.

Built from hand-written extraction results (tests/data/graph_samples.json) whose facts are copied
from the seed documents, so these tests do not depend on the extractor.
"""

from __future__ import annotations

import copy
import io
import json
from dataclasses import asdict
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from ingest.registry import Registry
from kg import cascade
from kg.errors import UnknownReferenceError
from kg.export import export
from kg.identity import TYPE_NAMES
from kg.mapping import committee_name, document_quads, provenance_quads, registry_quads
from kg.refs import parse_ref
from kg.store import (
    INGESTED,
    REPLACED,
    UNCHANGED,
    file_graph,
    ingested_files,
    load_reference_graphs,
    open_store,
    repair,
    select,
    stats,
    write_document,
)
from kg.text import slugify
from kg.vocab import ONTOLOGY_BASE, RDF, ontology_turtle

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/vnkg/"
SAMPLES = json.loads((ROOT / "tests" / "data" / "graph_samples.json").read_text(encoding="utf-8"))
QUERIES = sorted((ROOT / "docs" / "queries").glob("*.rq"))


def _registry_entries() -> list[dict]:
    return [asdict(e) for e in Registry.load(ROOT / "data" / "central_documents.json").entries]


def _fill(store: ox.Store, docs: list[dict] = SAMPLES) -> ox.Store:
    load_reference_graphs(store, BASE, _registry_entries())
    for doc in docs:
        write_document(store, BASE, doc, path=ROOT / doc["source"]["path"], extractor_version="test")
    return store


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return _fill(ox.Store())


def _doc(key: str) -> dict:
    return copy.deepcopy(next(d for d in SAMPLES if d["key"] == key))


def _iri(store: ox.Store, key: str) -> str:
    rows = select(store, BASE, f'SELECT DISTINCT ?d WHERE {{ ?d vnkg:key "{key}" }}')
    assert len(rows) == 1, (key, rows)
    return rows[0]["d"].value


# ---------------------------------------------------------------- ontology


def test_ontology_declares_every_term_the_code_writes() -> None:
    onto = rdflib.Graph().parse(data=ontology_turtle(), format="turtle")
    declared = {str(s) for s in onto.subjects()}
    quads = [q for d in SAMPLES for q in document_quads(BASE, d, ox.NamedNode(BASE + "graph/file/x"))]
    quads += registry_quads(BASE, _registry_entries(), ox.NamedNode(BASE + "graph/registry"))
    quads += provenance_quads(BASE, ox.NamedNode(BASE + "g"), ox.NamedNode(BASE + "d"), path="/x", sha256="0",
                              file_format="txt", generated_at="2024-01-01T00:00:00+00:00",
                              extractor_version="1")
    used = {q.predicate.value for q in quads} | {q.object.value for q in quads if q.predicate == RDF.type}
    used |= {q.object.value for q in quads if q.object.value.startswith(BASE + "type/")}
    assert used - declared - {RDF.type.value} == set()
    # Every project term has a Vietnamese and an English label.
    vnkg = rdflib.Namespace(ONTOLOGY_BASE + "ontology#")
    for term in {s for s in onto.subjects() if str(s).startswith(str(vnkg))}:
        langs = {lbl.language for lbl in onto.objects(term, rdflib.RDFS.label)}
        assert {"vi", "en"} <= langs, term


def test_type_scheme_covers_every_type_code() -> None:
    onto = rdflib.Graph().parse(data=ontology_turtle(), format="turtle")
    notations = {str(o) for o in onto.objects(None, rdflib.SKOS.notation)}
    assert set(TYPE_NAMES) <= notations
    assert (rdflib.URIRef(ONTOLOGY_BASE + "type/" + slugify("Kế hoạch")), rdflib.SKOS.prefLabel,
            rdflib.Literal("Kế hoạch", lang="vi")) in onto


# ---------------------------------------------------------------- store


def test_cited_and_ingested_documents_share_one_iri(store: ox.Store) -> None:
    # 117-KH/ThU is ingested (seed 000) and cited by the commune report: one node, two graphs.
    iri = _iri(store, "117-KH/ThU@2023")
    assert iri == BASE + "doc/thanh-uy-lai-chau/2023/117-kh-thu"
    graphs = {r["g"].value for r in select(store, BASE, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}")}
    assert len(graphs) == 2
    # 147-KH/TU is cited by two plans (Thành ủy and Huyện ủy) under the committee's name, not "tu".
    assert _iri(store, "147-KH/TU@2023") == BASE + "doc/tinh-uy-lai-chau/2023/147-kh-tu"


def test_homonyms_are_distinct_nodes(store: ox.Store) -> None:
    assert _iri(store, "23-CT/TW@2018") != _iri(store, "23-CT/TW@2003")
    dates = select(store, BASE, f"SELECT ?d WHERE {{ <{_iri(store, '23-CT/TW@2003')}> eli:date_document ?d }}")
    assert {r["d"].value for r in dates} == {"2003-03-27"}


def test_organization_hierarchy(store: ox.Store) -> None:
    rows = select(store, BASE, """SELECT DISTINCT ?child ?parent WHERE {
        ?c org:subOrganizationOf ?p . ?c skos:prefLabel ?child . ?p skos:prefLabel ?parent }""")
    edges = {(r["child"].value, r["parent"].value) for r in rows}
    assert ("Tỉnh ủy Lai Châu", "Trung ương") in edges
    assert ("Thành ủy Lai Châu", "Tỉnh ủy Lai Châu") in edges  # from the header's parent line
    assert ("Huyện ủy Phong Thổ", "Tỉnh ủy Lai Châu") in edges  # no header parent: from the basis clause
    assert ("Đảng ủy phường Tân Phong", "Thành ủy Lai Châu") in edges
    assert ("Ban Tuyên giáo Tỉnh ủy Lai Châu", "Tỉnh ủy Lai Châu") in edges
    assert ("Bộ Chính trị", "Trung ương") in edges
    assert committee_name("Đảng bộ huyện Phong Thổ") == "Huyện ủy Phong Thổ"


def test_reingest_is_a_noop_and_a_changed_file_replaces_its_graph(tmp_path: Path) -> None:
    db = open_store(tmp_path / "store")
    doc = _doc("117-KH/ThU@2023")
    path = tmp_path / "a.txt"
    assert write_document(db, BASE, doc, path=path, extractor_version="1") == INGESTED
    before = sorted(map(str, db))
    assert write_document(db, BASE, doc, path=path, extractor_version="1") == UNCHANGED
    assert sorted(map(str, db)) == before  # not even the time stamp moved
    doc["source"]["sha256"] = "0" * 64
    doc["title"] = "tiêu đề mới"
    doc["tasks"] = []
    assert write_document(db, BASE, doc, path=path, extractor_version="2") == REPLACED
    titles = select(db, BASE, f'SELECT ?t WHERE {{ <{_iri(db, doc["key"])}> eli:title ?t }}')
    assert [r["t"].value for r in titles] == ["tiêu đề mới"]
    assert not select(db, BASE, "SELECT ?t WHERE { ?t a vnkg:Task }")
    files = ingested_files(db, BASE)
    assert [(f["path"], f["sha256"], f["extractor_version"]) for f in files] == [
        (str(path.resolve()), "0" * 64, "2")]
    del db
    reopened = open_store(tmp_path / "store")  # persistent on disk
    assert ingested_files(reopened, BASE)[0]["key"] == "117-KH/ThU@2023"


def test_repair_drops_graphs_without_completion_record(tmp_path: Path) -> None:
    db = open_store(tmp_path / "store")
    doc = _doc("266-KH/HU@2023")
    graph = file_graph(BASE, doc["source"]["sha256"])
    db.bulk_extend(document_quads(BASE, doc, graph))  # as if a non-transactional load died half way
    assert repair(db, BASE) == [graph.value]
    assert not db.contains_named_graph(graph)
    assert write_document(db, BASE, doc, path=tmp_path / "half.txt", extractor_version="1") == INGESTED
    assert repair(db, BASE) == []


def test_reference_graphs_load_once(tmp_path: Path) -> None:
    db = open_store(tmp_path / "store")
    assert load_reference_graphs(db, BASE, _registry_entries()) is True
    assert load_reference_graphs(db, BASE, _registry_entries()) is False
    entries = _registry_entries()
    entries[0]["title"] = "đổi"
    assert load_reference_graphs(db, BASE, entries) is True


def test_stats(store: ox.Store) -> None:
    counts = stats(store, BASE)
    assert counts["files"] == counts["ingested_documents"] == len(SAMPLES)
    assert counts["documents"] > counts["ingested_documents"]
    assert counts["tasks"] == sum(len(d["tasks"]) for d in SAMPLES)


# ---------------------------------------------------------------- REF parsing and the cascade


@pytest.mark.parametrize(("text", "number", "year"), [
    ("Chỉ thị 23", "23-CT/TW", None), ("23-CT/TW", "23-CT/TW", None), ("CT 23", "23-CT/TW", None),
    ("23-CT/TW@2018", "23-CT/TW", 2018), ("Kết luận 21", "21-KL/TW", None), ("KL 01", "01-KL/TW", None),
    ("chi thi so 23 nam 2003", "23-CT/TW", 2003), ("23 - ct/tw", "23-CT/TW", None),
])
def test_parse_ref(text: str, number: str, year: int | None) -> None:
    ref = parse_ref(text)
    assert (ref.numbers(), ref.year) == ([number], year)


def test_parse_ref_rejects_nonsense() -> None:
    with pytest.raises(UnknownReferenceError, match="Không hiểu"):
        parse_ref("xin chào")


def _summary(result: dict) -> dict[str, tuple[str, list[str], bool]]:
    return {d["key"]: (d["relation"], d["via"], d["source"] is not None) for d in result["documents"]}


@pytest.mark.parametrize("ref", ["Chỉ thị 23", "CT 23", "23-CT/TW", "23-CT/TW@2018", "chi thi 23", "CT23",
                                 "Chỉ thị số 23/CT-TW ngày 09/02/2018", "23-CT/TW (2018)"])
def test_implements_chi_thi_23_however_typed(store: ox.Store, ref: str) -> None:
    result, resolution = cascade.implements(store, BASE, ref)
    assert result["directive"]["key"] == "23-CT/TW@2018"
    assert result["directive"]["date"] == "2018-02-09"
    docs = _summary(result)
    ingested = {k for k, (_, _, has_source) in docs.items() if has_source}
    assert ingested == {"117-KH/ThU@2023", "266-KH/HU@2023", "12-BC/ĐU@2023"}  # never the 2003 plan
    assert docs["12-BC/ĐU@2023"] == ("implements", ["117-KH/ThU@2023"], True)
    assert docs["147-KH/TU@2023"] == ("implements", [], False)  # cited only: source null
    if parse_ref(ref).year is None:
        assert resolution.ambiguous and "23-CT/TW@2003" in resolution.note()


def test_implements_homonym_2003(store: ox.Store) -> None:
    result, _ = cascade.implements(store, BASE, "Chỉ thị 23 năm 2003")
    assert set(_summary(result)) == {"15-KH/TU@2004"}


def test_implements_ket_luan_01_and_chi_thi_05_through_citation_titles(store: ox.Store) -> None:
    result, _ = cascade.implements(store, BASE, "KL 01")
    assert _summary(result)["107-KH/ThU@2022"] == ("implements", [], True)
    row = next(d for d in result["documents"] if d["key"] == "107-KH/ThU@2022")
    assert row == {"key": "107-KH/ThU@2022", "iri": BASE + "doc/thanh-uy-lai-chau/2022/107-kh-thu",
                   "number": "107-KH/ThU", "doc_type": "Kế hoạch", "issuer": "Ban Thường vụ Thành ủy Lai Châu",
                   "date": "2022-12-26", "title": _doc("107-KH/ThU@2022")["title"], "relation": "implements",
                   "via": [], "source": str(ROOT / "data/seeds/004_e814c7f3d11e56ad.txt")}
    result, _ = cascade.implements(store, BASE, "05-CT/TW@2016")
    assert _summary(result)["107-KH/ThU@2022"] == ("implements", ["01-KL/TW@2021"], True)


def test_implements_partly(store: ox.Store) -> None:
    result, resolution = cascade.implements(store, BASE, "Kết luận 21")
    assert result["directive"]["key"] == "21-KL/TW@2021"  # the one the store points to, not 2012
    assert _summary(result) == {"107-KH/ThU@2022": ("implements_partly", [], True)}
    assert resolution.others[0].key == "21-KL/TW@2012"


def test_partly_propagates_down_based_on(tmp_path: Path) -> None:
    child = _doc("12-BC/ĐU@2023")
    child.update(key="20-BC/ĐU@2023", number="20-BC/ĐU", based_on=["107-KH/ThU@2022"])
    child["source"] = {**child["source"], "path": "tests/samples/child.txt", "sha256": "c"}
    child["references"] = [{"key": "107-KH/ThU@2022", "number": "107-KH/ThU", "issuer_org": "Thành ủy Lai Châu",
                            "doc_type": "Kế hoạch", "mentions": []}]
    db = _fill(ox.Store(), [_doc("107-KH/ThU@2022"), child])
    result, _ = cascade.implements(db, BASE, "21-KL/TW@2021")
    assert _summary(result)["20-BC/ĐU@2023"] == ("implements_partly", ["107-KH/ThU@2022"], True)
    result, _ = cascade.implements(db, BASE, "01-KL/TW@2021")
    assert _summary(result)["20-BC/ĐU@2023"] == ("implements", ["107-KH/ThU@2022"], True)


def test_property_path_agrees_with_bfs(store: ox.Store) -> None:
    for key in ("23-CT/TW@2018", "05-CT/TW@2016", "21-KL/TW@2021"):
        iri = _iri(store, key)
        assert cascade.members_by_path(store, BASE, iri) == set(cascade.cascade(store, BASE, iri))


def test_unknown_document(store: ox.Store) -> None:
    with pytest.raises(UnknownReferenceError, match="Không tìm thấy"):
        cascade.implements(store, BASE, "Chỉ thị 99")
    with pytest.raises(UnknownReferenceError, match="năm 2010"):
        cascade.implements(store, BASE, "23-CT/TW@2010")


# ---------------------------------------------------------------- export and example queries


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("nquads", "nquads"),
                                                    ("jsonld", "json-ld")])
def test_export_round_trips(store: ox.Store, fmt: str, rdflib_format: str) -> None:
    buffer = io.BytesIO()
    export(store, BASE, fmt, buffer)
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=buffer.getvalue(), format=rdflib_format)
    triples = {t for t in dataset.quads()} if fmt != "turtle" else set(dataset.triples((None, None, None)))
    if fmt == "turtle":
        expected = len(select(store, BASE, "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"))
    else:
        expected = len(store)
    assert len(triples) == expected


def test_every_example_query_is_tested() -> None:
    assert {q.name for q in QUERIES} == set(EXPECTED)


def _run(store: ox.Store, name: str) -> list[dict[str, str]]:
    text = (ROOT / "docs" / "queries" / name).read_text(encoding="utf-8")
    return [{k: v.value for k, v in row.items() if v is not None} for row in select(store, BASE, text)]


def _plans_implementing_chi_thi_23(rows: list[dict[str, str]]) -> None:
    numbers = {r["number"] for r in rows}
    assert {"117-KH/ThU", "266-KH/HU", "12-BC/ĐU"} <= numbers
    assert "15-KH/TU" not in numbers


def _units_without_plan(rows: list[dict[str, str]]) -> None:
    pairs = {(r["unitName"], r["directiveKey"]) for r in rows}
    assert ("Huyện ủy Phong Thổ", "23-CT/TW@2018") not in pairs  # 266-KH/HU exists
    assert ("Huyện ủy Phong Thổ", "23-CT/TW@2003") in pairs  # the province's 2004 plan has no district answer
    assert ("Đảng ủy phường Tân Phong", "01-KL/TW@2021") in pairs
    assert ("Đảng ủy phường Tân Phong", "23-CT/TW@2018") not in pairs  # its report is based on 117-KH/ThU


def _tasks_due(rows: list[dict[str, str]]) -> None:
    found = {(r["document"], r["deadlineEnd"]) for r in rows}
    assert ("107-KH/ThU", "2023-01-15") in found and ("117-KH/ThU", "2023-03-15") in found
    assert all(r["deadlineEnd"] < "2023-03-31" for r in rows)
    assert any(r.get("responsible") == "Ban Tuyên giáo Thành ủy" for r in rows)


def _documents_by_committee_year(rows: list[dict[str, str]]) -> None:
    counts = {(r["committee"], r["year"]): int(r["documents"]) for r in rows}
    assert counts[("Thành ủy Lai Châu", "2023")] == 2
    assert counts[("Thành ủy Lai Châu", "2022")] == 1


EXPECTED = {
    "plans_implementing_chi_thi_23.rq": _plans_implementing_chi_thi_23,
    "units_without_plan.rq": _units_without_plan,
    "tasks_due_before.rq": _tasks_due,
    "documents_by_committee_year.rq": _documents_by_committee_year,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_query(store: ox.Store, name: str) -> None:
    rows = _run(store, name)
    assert rows
    EXPECTED[name](rows)
