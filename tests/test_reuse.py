"""Text reuse down the cascade: lineage per provision, kg compare / kg coverage, stored derivations.

The fixture is a ward plan written for this test (tests/data/reuse/ward_plan.txt) against its
city's plan (city_plan.txt): it copies I.1 and I.2 with its own unit names, adapts II.1 (fewer,
localized bullets), II.3 (its own dates, reworded) and III.1 (its own units and deadline), adds
III.2 and leaves out the city's II.2 and III.2.
"""

from __future__ import annotations

import contextlib
import gc
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.corpus import Corpus
from api.settings import Settings
from ingest import pipeline
from ingest.registry import Registry
from kg.store import select
from search.lineage import ADAPTED, COPIED, NEW, ProvisionText, compare, derive
from search.shingles import masked_tokens, shingles

DATA = Path(__file__).parent / "data" / "reuse"
CITY, WARD, ANNEX = DATA / "city_plan.txt", DATA / "ward_plan.txt", DATA / "annex_plan.txt"
EXPECTED = {
    "I.1": (COPIED, "I.1"),
    "I.2": (COPIED, "I.2"),
    "II.1": (ADAPTED, "II.1"),
    "II.2": (ADAPTED, "II.3"),
    "III.1": (ADAPTED, "III.1"),
    "III.2": (NEW, None),
}


def _provisions(path: Path) -> list[ProvisionText]:
    settings = Settings.load(None)
    doc = pipeline.extract_file(path, Registry.load(settings.registry_path), lambda number: [])
    return [ProvisionText(p["id"], f"x:{p['id']}", p["text"]) for p in doc["provisions"]]


def test_masking_makes_a_localized_copy_identical() -> None:
    city = "Tuyên truyền cho đoàn viên trên địa bàn thành phố; báo cáo Thành ủy Lai Châu trước ngày 31/3/2023."
    ward = "Tuyên truyền cho đoàn viên trên địa bàn phường; báo cáo Đảng ủy phường Tân Phong trước ngày 27/3/2023."
    assert shingles(city) == shingles(ward)
    # "xã hội" is society, not a commune; "phương" is not "phường".
    assert masked_tokens("an sinh xã hội ở địa phương") == ["an", "sinh", "xa", "hoi", "o", "dia", "phuong"]
    assert shingles("Ban Tuyên giáo chủ trì") != shingles("Thành đoàn chủ trì tổ chức ra quân")


def test_wording_alone_classifies_the_ward_plan() -> None:
    derivations = derive(_provisions(WARD), _provisions(CITY))
    found = {d.provision.id: (d.kind, d.parent.id if d.parent else None) for d in derivations}
    assert {k: found[k] for k in EXPECTED} == EXPECTED
    copied = [d for d in derivations if d.kind == COPIED]
    assert all(d.similarity >= 0.8 for d in copied)
    assert all(d.similarity < 0.3 for d in derivations if d.kind == NEW)


def test_an_unrelated_plan_is_all_new() -> None:
    seed = next((Path(__file__).parents[1] / "data" / "seeds").glob("000_*.txt"))
    found = compare("a", _provisions(WARD), "b", _provisions(seed))
    numbered = [d for d in found.derivations if d.provision.id != "preamble"]
    assert [d.kind for d in numbered] == [NEW] * len(numbered)
    assert found.copied_share < 0.1


@contextlib.contextmanager
def _opened(home: Path, **overrides: object) -> Iterator[Corpus]:
    """A corpus on ``home``, its store released on exit (Oxigraph allows one open store per process)."""
    gc.collect()  # corpora of earlier CLI calls
    corpus = Corpus(Settings.load(home, **overrides))
    try:
        yield corpus
    finally:
        del corpus
        gc.collect()


@pytest.fixture(scope="module")
def reuse_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ward plan ingested first, its city's plan second (lineage must follow the parent's arrival)."""
    home = tmp_path_factory.mktemp("reuse")
    with _opened(home) as corpus:
        assert [e.status for e in corpus.ingest([WARD])] == ["ingested"]
        assert [e.status for e in corpus.ingest([CITY, ANNEX])] == ["ingested", "ingested"]
    return home


def test_kg_compare_json_classifies_and_measures_the_copy(reuse_home: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(reuse_home), "compare", "42-KH/ĐU@2023", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["child"], out["parent"]) == ("42-KH/ĐU@2023", "131-KH/ThU@2023")  # parent from based_on
    rows = {p["provision"]: p for p in out["provisions"]}
    assert {k: (rows[k]["kind"], rows[k]["parent_provision"]) for k in EXPECTED} == EXPECTED
    assert all(0.0 <= p["similarity"] <= 1.0 and p["text"] for p in out["provisions"])
    # Two provisions and the preamble copied: about half of the ward plan's text.
    assert 0.3 < out["copied_share"] < 0.7


def test_kg_coverage_lists_the_two_provisions_left_out(reuse_home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--home", str(reuse_home), "coverage", "KH 131", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["document"] == "131-KH/ThU@2023"
    assert out["children"] == [
        {"key": "42-KH/ĐU@2023", "covered": ["I.1", "I.2", "II.1", "II.3", "III.1"], "missing": ["II.2", "III.2"]}
    ]
    human = runner.invoke(app, ["--home", str(reuse_home), "coverage", "131-KH/ThU@2023"], env={"COLUMNS": "150"})
    assert human.exit_code == 0
    # The parent's provisions with a task deadline come first.
    assert human.output.index("III.2") < human.output.index("I.1") and "2023-03-28" in human.output


def test_lineage_is_stored_as_provision_derivations(reuse_home: Path) -> None:
    with _opened(reuse_home) as corpus:
        base = corpus.settings.base_iri
        rows = select(corpus.store, base, """
        SELECT ?cid ?pid ?kind ?score WHERE {
          ?c prov:wasDerivedFrom ?p ; prov:qualifiedDerivation ?d ; dcterms:identifier ?cid .
          ?d prov:entity ?p ; vnkg:reuseKind ?kind ; vnkg:similarity ?score .
          ?p dcterms:identifier ?pid .
        }""")
        share = select(corpus.store, base, "SELECT ?s WHERE { ?x a vnkg:ReuseComparison ; vnkg:copiedShare ?s }")
    found = {r["cid"].value: (r["kind"].value.rsplit("#", 1)[1], r["pid"].value) for r in rows}
    assert {k: v for k, v in EXPECTED.items() if v[0] != NEW} == {k: found[k] for k in found if k != "preamble"}
    assert len(share) == 1 and 0.3 < float(share[0]["s"].value) < 0.7


def test_compare_errors_name_the_document(reuse_home: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["--home", str(reuse_home), "compare", "99-KH/ĐU@2023"])
    assert unknown.exit_code == 1 and "99-KH/ĐU@2023" in unknown.output
    orphan = runner.invoke(app, ["--home", str(reuse_home), "compare", "131-KH/ThU@2023"])  # its parent is not ingested
    assert orphan.exit_code == 1 and "131-KH/ThU@2023" in orphan.output


def test_search_puts_the_source_first_with_its_copy_under_it(reuse_home: Path) -> None:
    # The ward plan was ingested first, so its copy holds the older passage id: the date decides.
    result = CliRunner().invoke(app, ["--home", str(reuse_home), "search", "--json", "--k", "3",
                                      "giáo dục lý tưởng cách mạng, đạo đức, lối sống văn hóa cho đoàn viên"])
    assert result.exit_code == 0, result.output
    top = json.loads(result.output)["results"][0]
    assert (top["document"]["key"], top["provision"]["id"]) == ("131-KH/ThU@2023", "I.1")
    assert [(o["document"], o["id"]) for o in top["also_in"]] == [("42-KH/ĐU@2023", "I.1")]
    with _opened(reuse_home) as corpus:
        catalog = corpus.search.catalog
        ward, city = (catalog.passage_id_by_key(k, "I.2") for k in ("42-KH/ĐU@2023", "131-KH/ThU@2023"))
        adapted = (catalog.passage_id_by_key(k, "III.1") for k in ("42-KH/ĐU@2023", "131-KH/ThU@2023"))
        clusters = catalog.copy_clusters([ward, city, *adapted])
    assert clusters[ward] == clusters[city] and len(set(clusters.values())) == 3  # adapted is not a copy


@pytest.fixture(scope="module")
def server(reuse_home: Path) -> Iterator[httpx.Client]:
    """``kg serve``'s app over the ward and city plans, on a real port."""
    with _opened(reuse_home, sparql_workers=1) as corpus, socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        app_server = uvicorn.Server(uvicorn.Config(create_app(corpus), host="127.0.0.1", port=port,
                                                   log_level="warning"))
        thread = threading.Thread(target=app_server.run, daemon=True)
        thread.start()
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        deadline = time.monotonic() + 60
        while not app_server.started and time.monotonic() < deadline:
            time.sleep(0.1)
        try:
            yield client
        finally:
            client.close()
            app_server.should_exit = True
            thread.join(timeout=10)


def test_compare_page_shows_both_texts_side_by_side(server: httpx.Client) -> None:
    page = server.get("/compare/42-KH/ĐU@2023/131-KH/ThU@2023")
    assert page.status_code == 200
    html = page.text
    for kind in ("copied", "adapted", "new", "missing"):
        assert f'<tr class="{kind}">' in html
    assert html.count('<tr class="copied">') == 3 and html.count('<tr class="missing">') == 2
    # Adapted wording: the ward's own dates inserted, the city's struck out.
    assert "<ins>15/3/2023</ins>" in html and "<del>10/3/2023</del>" in html
    assert "Đoàn Thanh niên phường tổ chức ra quân" in html  # the new provision, flagged
    missing = server.get("/compare/42-KH/ĐU@2023/99-KH/ThU@2023")
    assert missing.status_code == 404 and "99-KH/ThU@2023" in missing.text


def test_document_pages_link_to_the_comparison_and_show_coverage(server: httpx.Client) -> None:
    ward = server.get("/document/42-KH/ĐU@2023").text
    assert 'href="/compare/42-KH/%C4%90U@2023/131-KH/ThU@2023"' in ward
    city = server.get("/document/131-KH/ThU@2023").text
    coverage = city[city.index('id="coverage"'):]
    assert "42-KH/ĐU@2023" in coverage and "II.2, III.2" in coverage and "I.1, I.2, II.1, II.3, III.1" in coverage


def test_annex_tables_rank_below_the_provision_that_assigns_funding(
    reuse_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _opened(reuse_home) as corpus:
        index = corpus.search
        tables = index.catalog.passages(sorted(index.catalog.table_ids(index.catalog.live_ids())))
        assert [(p.document.key, p.provision_id) for p in tables.values()] == [("270-KH/HU@2023", "PL1")]

        def ranks() -> list[str]:
            hits = index.search("kinh phí hội thi", k=5).hits
            return [h.passage.provision_id for h in hits if h.passage.document.key == "270-KH/HU@2023"]

        assert ranks()[0] == "II.1"  # the funding provision before the budget table
        monkeypatch.setattr("search.index.TABLE_WEIGHT", 1.0)
        assert ranks()[0] == "PL1"  # weighted like a provision, the table's column names win


def test_deleting_the_parent_drops_the_lineage_against_it(tmp_path: Path) -> None:
    with _opened(tmp_path) as corpus:
        assert [e.status for e in corpus.ingest([CITY, WARD])] == ["ingested", "ingested"]
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?c prov:wasDerivedFrom ?p }"
        assert int(select(corpus.store, corpus.settings.base_iri, count)[0]["n"].value) == 6
        assert corpus.delete_document("131-KH/ThU@2023")
        assert int(select(corpus.store, corpus.settings.base_iri, count)[0]["n"].value) == 0
        assert corpus.delete_document("42-KH/ĐU@2023")
        graphs = [g.value for g in corpus.store.named_graphs() if "/graph/lineage/" in g.value]
        assert graphs == []
