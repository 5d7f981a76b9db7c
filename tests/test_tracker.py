"""The implementation tracker (issue 11): the registry of organizations, `kg orgs`, `kg status`, its files.

The scenario (tests/data/tracker/) is a city committee's base units with the 2025 mergers (Tân Phong +
Đoàn Kết → Tân Đoàn, Quyết Thắng + Quyết Tiến → Quyết Tiến Thắng, from 2025-07-01), a plan
(131-KH/ThU, "Cấp cơ sở: ... trước ngày 15/3/2023") and five reports based on it: Tân Phong on 10/3,
Quyết Tiến on 12/3 (citing the plan without its date) and San Thàng on 14/3 (on time), Quyết Thắng on
20/3 and the Chi bộ Trung tâm Chính trị on 2/4 (late).
Files are extracted and written to the graph store as `kg ingest` does, without search indexing.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from api.corpus import Corpus
from api.settings import Settings
from ingest.pipeline import EXTRACTOR_VERSION, extract_file
from ingest.registry import Registry
from kg import organizations as orgs
from kg import store as graph_store

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "tracker"
REGISTRY = DATA / "registry.csv"
BASE = "https://w3id.org/vnkg/"
HEADER = "name,level,parent,aliases,valid_from,valid_to,successors"
KG = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def kg(run_kg: KG) -> KG:
    """`kg --home HOME ...` in-process (conftest.run_kg)."""
    return run_kg


@pytest.fixture(scope="module")
def extracted() -> list[tuple[Path, dict]]:
    """The scenario's files, extracted once (each store below gets them as `kg ingest` writes them)."""
    registry = Registry.load(ROOT / "data" / "central_documents.json")
    return [(path, extract_file(path, registry)) for path in sorted(DATA.glob("*.txt"))]


def _build_home(home: Path, kg: KG, docs: list[tuple[Path, dict]]) -> Path:
    """A data directory holding the scenario's documents (graph only) and its registry."""
    store = graph_store.open_store(home / "store")
    registry = Registry.load(ROOT / "data" / "central_documents.json")
    graph_store.load_reference_graphs(store, BASE, [asdict(e) for e in registry.entries])
    for path, doc in docs:
        graph_store.write_document(store, BASE, doc, path=path, extractor_version=EXTRACTOR_VERSION)
    store.flush()
    del store
    code, out, err = kg(home, "orgs", "import", str(REGISTRY))
    assert code == 0, err
    assert "Đã nhập 13 tổ chức" in out
    return home


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, kg: KG, extracted: list[tuple[Path, dict]]) -> Path:
    return _build_home(tmp_path_factory.mktemp("tracker"), kg, extracted)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, kg: KG, extracted: list[tuple[Path, dict]]) -> Iterator[TestClient]:
    """The HTTP app on its own copy of the scenario (the store is locked by whoever opens it)."""
    home = _build_home(tmp_path_factory.mktemp("tracker-web"), kg, extracted)
    with TestClient(create_app(Corpus(Settings.load(home)))) as client:
        yield client


def status(kg: KG, home: Path, as_of: str) -> dict:
    code, out, err = kg(home, "status", "131-KH/ThU", "--as-of", as_of, "--json")
    assert code == 0, err
    return json.loads(out)


def by_unit(result: dict) -> dict[str, tuple[str, list[str]]]:
    return {u["unit"]: (u["status"], u["documents"]) for u in result["units"]}


def test_status_before_and_after_the_deadline(home: Path, kg: KG) -> None:
    early = status(kg, home, "2023-03-12")
    assert early["document"] == "131-KH/ThU@2023" and early["deadline"] == "2023-03-15"
    assert early["as_of"] == "2023-03-12"
    assert by_unit(early) == {
        "Chi bộ Trung tâm Chính trị thành phố": ("pending", []),
        "Đảng ủy phường Đoàn Kết": ("pending", []),
        "Đảng ủy phường Quyết Thắng": ("pending", []),
        "Đảng ủy phường Quyết Tiến": ("answered", ["12-BC/ĐU@2023"]),
        "Đảng ủy phường Tân Phong": ("answered", ["25-BC/ĐU@2023"]),
        "Đảng ủy xã San Thàng": ("pending", []),
    }  # the Công an unit (from 2024) and the departments (at the issuer's level) are not expected
    assert {u["deadline"] for u in early["units"]} == {"2023-03-15"}
    late = status(kg, home, "2023-04-01")
    assert by_unit(late) == {
        "Chi bộ Trung tâm Chính trị thành phố": ("overdue", []),  # its report is dated 2/4
        "Đảng ủy phường Đoàn Kết": ("overdue", []),
        "Đảng ủy phường Quyết Thắng": ("answered_late", ["31-BC/ĐU@2023"]),
        "Đảng ủy phường Quyết Tiến": ("answered", ["12-BC/ĐU@2023"]),
        "Đảng ủy phường Tân Phong": ("answered", ["25-BC/ĐU@2023"]),
        "Đảng ủy xã San Thàng": ("answered", ["18-BC/ĐU@2023"]),
    }
    assert set(late["units"][0]) == {"unit", "status", "documents", "deadline"}


def test_status_after_the_2025_mergers_reaches_predecessors_documents(home: Path, kg: KG) -> None:
    assert by_unit(status(kg, home, "2025-08-01")) == {
        "Chi bộ Trung tâm Chính trị thành phố": ("answered_late", ["07-BC/CB@2023"]),
        "Đảng ủy phường Quyết Tiến Thắng": ("answered", ["12-BC/ĐU@2023", "31-BC/ĐU@2023"]),  # first on time
        "Đảng ủy phường Tân Đoàn": ("answered", ["25-BC/ĐU@2023"]),
        "Đảng ủy xã San Thàng": ("answered", ["18-BC/ĐU@2023"]),
    }


def test_orgs_show_lists_a_successors_lineage_and_documents(home: Path, kg: KG) -> None:
    code, out, _ = kg(home, "orgs", "show", "dang bo phuong tan doan", "--json")  # alias, no diacritics
    assert code == 0
    shown = json.loads(out)
    assert {k: shown[k] for k in ("name", "level", "parent", "successors")} == {
        "name": "Đảng ủy phường Tân Đoàn", "level": "co-so", "parent": "Thành ủy Lai Châu", "successors": []}
    assert sorted(shown["predecessors"]) == ["Đảng ủy phường Tân Phong", "Đảng ủy phường Đoàn Kết"]
    assert [(d["key"], d["org"]) for d in shown["documents"]] == [("25-BC/ĐU@2023", "Đảng ủy phường Tân Phong")]
    code, out, _ = kg(home, "orgs", "show", "Đảng ủy phường Tân Phong", "--json")
    assert json.loads(out)["successors"] == ["Đảng ủy phường Tân Đoàn"]
    code, out, _ = kg(home, "orgs", "list", "--as-of", "2025-07-01", "--json")
    names = {o["name"] for o in json.loads(out)}
    assert "Đảng ủy phường Tân Đoàn" in names and "Đảng ủy phường Tân Phong" not in names
    code, _, err = kg(home, "orgs", "show", "Đảng ủy phường Không Có")
    assert code == 1 and "không có tổ chức" in err


def test_tasks_know_their_units(home: Path, kg: KG) -> None:
    code, out, _ = kg(home, "status", "131-KH/ThU", "--as-of", "2023-04-01", "--json", "--tasks")
    assert code == 0
    tasks = {t["unit"]: t for t in json.loads(out)["tasks"]}
    btg = tasks["Ban Tuyên giáo Thành ủy Lai Châu"]  # "Ban Tuyên giáo Thành ủy" completed with the place
    assert btg["org"] == "Ban Tuyên giáo Thành ủy Lai Châu"
    assert [(t["role"], t["deadline"]) for t in btg["tasks"]] == [("lead", "2023-03-25")]
    assert tasks["Cấp cơ sở"]["org"] is None
    office = tasks["Văn phòng Thành ủy Lai Châu"]  # leads one task, supports ("phối hợp với") another
    assert sorted((t["role"], t["deadline"]) for t in office["tasks"]) == [("lead", "2023-03-31"),
                                                                           ("partner", "2023-03-25")]


def _calc_to_csv(book: Path, tmp_path: Path) -> Path:
    """Open the workbook in LibreOffice Calc (headless) and save its sheet as UTF-8 CSV."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is missing: run scripts/install.sh --dev (libreoffice-calc-nogui)"
    outdir = tmp_path / "csv"
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(outdir), str(book)],
                   check=True, capture_output=True, timeout=180)
    return outdir / f"{book.stem}.csv"


@pytest.mark.slow  # LibreOffice start-up
def test_workbook_opens_in_libreoffice_and_names_every_unit(home: Path, tmp_path: Path, kg: KG) -> None:
    book = tmp_path / "tinh-hinh.xlsx"
    code, _, err = kg(home, "status", "131-KH/ThU", "--as-of", "2023-04-01", "--xlsx", str(book))
    assert code == 0 and "Đã ghi" in err
    sheet = load_workbook(book).active
    dates = [c.value for c in sheet["D"] if c.is_date]
    assert dates and all(d.strftime("%Y-%m-%d") == "2023-03-15" for d in dates)  # real dates, not text
    rows = list(csv.reader(_calc_to_csv(book, tmp_path).read_text(encoding="utf-8").splitlines()))
    names = {r[1] for r in rows if len(r) > 1}
    for unit in status(kg, home, "2023-04-01")["units"]:
        assert unit["unit"] in names
    assert any(r and r[0].startswith("4/6 đơn vị đã gửi") for r in rows)
    assert any("Gửi muộn" in r for r in rows) and any("Quá hạn, chưa gửi" in r for r in rows)


def test_reminder_letter_is_a_readable_docx_based_on_the_plan(home: Path, tmp_path: Path, kg: KG) -> None:
    letter = tmp_path / "don-doc.docx"
    code, _, _ = kg(home, "status", "131-KH/ThU", "--as-of", "2023-04-01", "--reminder", str(letter))
    assert code == 0
    text = "\n".join(p.text for p in docx.Document(str(letter)).paragraphs)
    assert "Kính gửi: Chi bộ Trung tâm Chính trị thành phố; Đảng ủy phường Đoàn Kết." in text
    assert "4/6 đơn vị" in text and "15/03/2023" in text
    assert "Thực hiện Kế hoạch số 131-KH/ThU, ngày 10/02/2023 của Ban Thường vụ Thành ủy Lai Châu" in text
    assert "V/v đôn đốc gửi báo cáo" in docx.Document(str(letter)).tables[0].rows[0].cells[0].text


def test_ontology_declares_the_registry_terms() -> None:
    import rdflib

    from kg.vocab import RDF, ontology_turtle

    declared = {str(s) for s in rdflib.Graph().parse(data=ontology_turtle(), format="turtle").subjects()}
    quads = orgs.registry_quads(BASE, orgs.read_registry(REGISTRY))
    used = {q.predicate.value for q in quads} | {q.object.value for q in quads if q.predicate == RDF.type}
    assert used - declared - {RDF.type.value} == set()


def test_turtle_registry_round_trips(home: Path, tmp_path: Path) -> None:
    found = orgs.read_registry(REGISTRY)
    ttl = tmp_path / "registry.ttl"
    from pyoxigraph import RdfFormat, serialize

    ttl.write_bytes(serialize([q.triple for q in orgs.registry_quads(BASE, found)], format=RdfFormat.TURTLE))
    again = orgs.read_registry(ttl)
    assert sorted(again, key=lambda o: o.name) == sorted(found, key=lambda o: o.name)


@pytest.mark.parametrize(("rows", "line", "message"), [
    (["A,huyen,,,,,", "B,co-so,Không Có,,,,"], 3, "tổ chức cấp trên “Không Có”"),
    (["A,huyen,C,,,,", "B,co-so,A,,,,", "C,co-so,B,,,,"], 2, "vòng lặp"),
    (["A,huyen,,,,,", "B,co-so,A,,,2025-06-30,Không Có"], 3, "tổ chức kế thừa “Không Có”"),
    (["A,huyen,,,,,", "B,co-so,A,,2025-13-01,,"], 3, "2025-13-01"),
    (["A,huyen,,,,,", "B,co-so,A,,01/07/2025,,"], 3, "01/07/2025"),
    (["A,huyen,,,,,", "B,co-so,A,,2025-07-01,2025-06-30,"], 3, "trước valid_from"),
    (["A,huyen,,,,,", "B,phuong,A,,,,"], 3, "cấp “phuong”"),
    (["A,huyen,,,,,", "B,co-so,A,,,2025-06-30,C", "C,co-so,A,,2025-07-01,,B"], 3, "vòng lặp"),
])
def test_bad_registry_gets_a_line_numbered_error_and_changes_nothing(
        home: Path, tmp_path: Path, rows: list[str], line: int, message: str, kg: KG) -> None:
    before = kg(home, "orgs", "list", "--json")[1]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    code, _, err = kg(home, "orgs", "import", str(bad))
    assert code == 1
    assert err.startswith(f"Lỗi: {bad}, dòng {line}:") and message in err
    assert len(err.strip().splitlines()) == 1
    assert kg(home, "orgs", "list", "--json")[1] == before


def test_status_without_registry_or_unknown_issuer_is_one_clear_line(tmp_path: Path, kg: KG) -> None:
    code, _, err = kg(tmp_path, "status", "131-KH/ThU")
    assert code == 1 and "kg orgs import" in err


def test_status_page_api_and_downloads(web: TestClient) -> None:
    api = web.get("/api/status", params={"ref": "131-KH/ThU", "as_of": "2023-04-01"})
    assert api.status_code == 200
    assert {u["unit"]: u["status"] for u in api.json()["units"]}["Đảng ủy phường Quyết Thắng"] == "answered_late"
    page = web.get("/document/131-KH/ThU@2023/status", params={"as_of": "2023-04-01"})
    assert page.status_code == 200 and "Tình hình thực hiện" in page.text
    assert "4/6 đơn vị đã gửi" in page.text
    assert '<tr class="overdue"><td>Đảng ủy phường Đoàn Kết</td>' in page.text
    assert '<tr class="answered_late"><td>Đảng ủy phường Quyết Thắng</td>' in page.text
    book = web.get("/document/131-KH/ThU@2023/status.xlsx", params={"as_of": "2023-04-01"})
    assert book.status_code == 200 and book.headers["content-type"].startswith("application/vnd.openxml")
    names = {row[1] for row in load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True)
             if len(row) > 1}
    assert "Đảng ủy phường Đoàn Kết" in names
    letter = web.get("/document/131-KH/ThU@2023/status/reminder.docx", params={"as_of": "2023-04-01"})
    assert "Đảng ủy phường Đoàn Kết" in "\n".join(p.text for p in docx.Document(io.BytesIO(letter.content)).paragraphs)
    assert 'href="/document/131-KH/ThU@2023/status"' in web.get("/document/131-KH/ThU@2023").text
    bad = web.get("/api/status", params={"ref": "131-KH/ThU", "as_of": "01/04/2023"})
    assert bad.status_code == 400 and "01/04/2023" in bad.json()["error"]["message"]
    assert web.get("/document/999-KH/ThU@2023/status").status_code == 404


def test_search_issuer_filter_reaches_a_successors_predecessors(home: Path, tmp_path: Path,
                                                               extracted: list[tuple[Path, dict]]) -> None:
    """`kg search --issuer "Đảng ủy phường Tân Đoàn"` keeps the passages of Tân Phong's report (its predecessor)."""
    from pyoxigraph import Store

    from search.catalog import Catalog, Filters
    from search.passages import document_info, passages_of

    catalog = Catalog(tmp_path / "catalog.sqlite")
    for _, doc in extracted:  # the catalog rows the search index writes, without embedding
        passages = passages_of(doc, BASE)
        catalog.replace_documents([doc["key"]], document_info(doc, BASE), passages,
                                  [p.fingerprint("test") for p in passages], {})
    store = Store.read_only(str(home / "store"))

    def keys(issuer: str) -> set[str]:
        widened = orgs.issuer_filter(store, BASE, issuer)
        return {p.document.key for p in catalog.passages(catalog.allowed_ids(Filters(issuer=widened))).values()}

    assert keys("Đảng ủy phường Tân Đoàn") == {"25-BC/ĐU@2023"}
    assert keys("Đảng bộ phường Tân Đoàn") == {"25-BC/ĐU@2023"}  # its alias
    assert keys("Đảng ủy phường Quyết Tiến Thắng") == {"12-BC/ĐU@2023", "31-BC/ĐU@2023"}
    assert keys("San Thàng") == {"18-BC/ĐU@2023"}  # not a unit's full name: the text as typed
    assert orgs.issuer_filter(store, BASE, "Phong Thổ") == "Phong Thổ"


def test_hierarchy_picture_of_a_unit_shows_its_predecessors_documents(home: Path, kg: KG, web: TestClient,
                                                                      tmp_path: Path) -> None:
    code, _, err = kg(home, "graph", "--root", "Đảng ủy phường Tân Đoàn", "--out", str(tmp_path / "g.json"))
    assert code == 0, err
    picture = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    keys = {n.get("key") for n in picture["nodes"]}
    assert "25-BC/ĐU@2023" in keys and "131-KH/ThU@2023" in keys  # Tân Phong's report and the plan it answers
    assert "31-BC/ĐU@2023" not in keys  # another unit's
    page = web.get("/hierarchy", params={"root": "Đảng ủy phường Tân Đoàn"})
    assert page.status_code == 200
    assert "Đảng ủy phường Tân Đoàn (tiền thân: " in page.text and "25-BC/ĐU@2023" in page.text
    code, _, err = kg(home, "graph", "--root", "Không có đơn vị này", "--out", str(tmp_path / "x.json"))
    assert code == 1


def test_expected_units_of_a_province_plan_after_the_reorganization() -> None:
    """"Các đảng bộ trực thuộc Tỉnh ủy" in a plan of August 2025: every unit directly under the province
    then (the new communes too), not the abolished district committee nor the province's own departments."""
    from kg.status import deadlines, expected_units

    registry = orgs.OrgRegistry([
        orgs.Organization("Tỉnh ủy Lai Châu", "tinh"),
        orgs.Organization("Ban Tuyên giáo Tỉnh ủy Lai Châu", "tinh", "Tỉnh ủy Lai Châu"),
        orgs.Organization("Thành ủy Lai Châu", "huyen", "Tỉnh ủy Lai Châu", valid_to=orgs.parse_day("2025-06-30")),
        orgs.Organization("Đảng ủy phường Tân Đoàn", "co-so", "Tỉnh ủy Lai Châu",
                          valid_from=orgs.parse_day("2025-07-01")),
        orgs.Organization("Đảng bộ xã Bình Lư", "co-so", "Tỉnh ủy Lai Châu", valid_from=orgs.parse_day("2025-07-01")),
    ])
    plan = {"key": "5-KH/TU@2025", "date": "2025-08-04", "issuer_names": ["Ban Thường vụ Tỉnh ủy Lai Châu"],
            "recipients": ["Các đảng bộ trực thuộc Tỉnh ủy", "Ban Tuyên giáo Tỉnh ủy"], "implementation": [],
            "tasks": [{"text": "...", "deadline": "2025-09-30", "responsible": ["Đảng ủy xã Bình Lư"],
                       "partners": []},
                      {"text": "...", "deadline": "2025-10-15", "responsible": ["Các đảng bộ trực thuộc"],
                       "partners": []}]}
    assert [o.name for o in expected_units(registry, plan)] == ["Đảng bộ xã Bình Lư", "Đảng ủy phường Tân Đoàn"]
    by_level, by_unit = deadlines(registry, plan)  # "Đảng ủy xã Bình Lư" is the registry's "Đảng bộ xã Bình Lư"
    assert {k: str(v) for k, v in by_level.items()} == {"*": "2025-10-15"}
    assert {k: str(v) for k, v in by_unit.items()} == {"dang bo xa binh lu": "2025-09-30"}
