"""Ingest end to end with the real extractor: the kg commands, a bad batch, and kill -9 mid-ingest."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from api.cli import app
from kg.vocab import PROV

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "data" / "seeds").glob("*.txt"))


def kg(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    code, out, _ = kg(home, "ingest", str(ROOT / "data" / "seeds"))
    assert code == 0 and "đã nạp" in out
    return home


def test_ingest_again_changes_nothing(home: Path) -> None:
    before = kg(home, "export", "--format", "nquads")[1]
    code, out, _ = kg(home, "ingest", str(ROOT / "data" / "seeds"))
    assert code == 0
    assert re.search(r"không đổi\s*│\s*4", out)
    assert kg(home, "export", "--format", "nquads")[1] == before


@pytest.mark.parametrize(("ref", "expected"), [
    ("Chỉ thị 23", {"117-KH/ThU@2023", "266-KH/HU@2023"}),
    ("23-CT/TW@2018", {"117-KH/ThU@2023", "266-KH/HU@2023"}),
    ("Kết luận 01", {"107-KH/ThU@2022"}),
    ("KL 21", {"107-KH/ThU@2022"}),
    ("Chỉ thị 05-CT/TW năm 2016", {"107-KH/ThU@2022"}),
])
def test_implements_on_the_seed_corpus(home: Path, ref: str, expected: set[str]) -> None:
    code, out, _ = kg(home, "implements", ref, "--json")
    assert code == 0
    result = json.loads(out)
    assert {d["key"] for d in result["documents"] if d["source"]} == expected
    assert set(result["directive"]) == {"key", "iri", "number", "doc_type", "date", "title"}
    for doc in result["documents"]:
        assert set(doc) == {"key", "iri", "number", "doc_type", "issuer", "date", "title", "relation", "via",
                            "source"}
    if ref == "KL 21":
        assert next(d for d in result["documents"] if d["source"])["relation"] == "implements_partly"


@pytest.mark.parametrize("ref", ["Chỉ thị 23", "Kết luận 01", "KL 21", "Chỉ thị 05-CT/TW năm 2016"])
def test_search_implements_filter_is_the_cascade_of_kg_implements(home: Path, ref: str) -> None:
    # One definition of the cascade: 107-KH/ThU implements Kết luận 01, which implements Chỉ thị 05,
    # so it is in the cascade of Chỉ thị 05 though it never cites it as implemented.
    code, out, _ = kg(home, "implements", ref, "--json")
    assert code == 0
    cascade = {d["key"] for d in json.loads(out)["documents"] if d["source"]}
    code, out, err = kg(home, "search", "kế hoạch thực hiện", "--mode", "bm25", "--k", "100", "--implements", ref,
                        "--json")
    assert code == 0, err
    assert {r["document"]["key"] for r in json.loads(out)["results"]} == cascade


def test_sparql_formats(home: Path) -> None:
    query = "SELECT ?n WHERE { ?d a eli:LegalResource ; eli:number ?n } ORDER BY ?n"
    code, out, _ = kg(home, "sparql", query, "--format", "json")
    assert code == 0 and "117-KH/ThU" in {b["n"]["value"] for b in json.loads(out)["results"]["bindings"]}
    code, out, _ = kg(home, "sparql", query, "--format", "csv")
    assert out.splitlines()[0].strip() == "n" and "117-KH/ThU" in out
    code, out, err = kg(home, "sparql", query)
    assert code == 0 and "117-KH/ThU" in out and "kết quả" in err
    code, _, err = kg(home, "sparql", "SELECT WHERE {")
    assert code == 1 and "sai cú pháp" in err
    code, out, _ = kg(home, "sparql", "--file", str(ROOT / "docs" / "queries" / "documents_by_committee_year.rq"),
                      "--format", "json")
    assert code == 0 and json.loads(out)["results"]["bindings"]


def test_export_and_stats(home: Path, tmp_path: Path) -> None:
    code, _, _ = kg(home, "export", "--format", "turtle", "--out", str(tmp_path / "g.ttl"))
    assert code == 0 and "@prefix eli:" in (tmp_path / "g.ttl").read_text(encoding="utf-8")
    code, out, _ = kg(home, "stats", "--json")
    counts = json.loads(out)
    assert counts["files"] == counts["ingested_documents"] == 4


def test_bad_batch_names_each_bad_file_and_ingests_the_good(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "empty.txt").write_bytes(b"")
    (batch / "junk.docx").write_bytes(os.urandom(4096))
    (batch / "good.txt").write_text(SEEDS[0].read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = kg(tmp_path / "home", "ingest", str(batch), str(tmp_path / "missing.pdf"))
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("Lỗi:")]
    for name in ("empty.txt", "junk.docx", "missing.pdf"):  # one line per bad file, with a reason
        assert sum(name in line and len(line.split(name + ":", 1)[-1].strip()) > 5 for line in lines) == 1
    assert re.search(r"đã nạp\s*│\s*1", out) and re.search(r"lỗi\s*│\s*3", out)


# A child process ingests a batch into the graph store (real extractor, real store; the search
# index is left out to keep the test fast) and reports each file; the parent kills it with SIGKILL.
_CHILD = """
import sys
from api.corpus import Corpus
from api.settings import Settings
from ingest.pipeline import extract_file
from kg.store import write_document
corpus = Corpus(Settings.load(sys.argv[1]))
corpus.prepare_graph()
for path in sorted(__import__("pathlib").Path(sys.argv[2]).glob("*.txt")):
    doc = extract_file(path, corpus.registry)
    print(write_document(corpus.store, corpus.settings.base_iri, doc, path=path, extractor_version="1"),
          flush=True)
"""


def _ingest_in_child(home: Path, batch: Path, kill_after: int | None) -> int:
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(home), str(batch)], stdout=subprocess.PIPE,
                             text=True, cwd=ROOT)
    seen = 0
    assert child.stdout is not None
    for _ in child.stdout:
        seen += 1
        if kill_after is not None and seen >= kill_after:
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=120)
    return seen


def _content(home: Path) -> set[str]:
    """Every quad except the ingest time stamps."""
    store = ox.Store.read_only(str(home / "store"))
    return {str(q) for q in store if q.predicate != PROV.generatedAtTime}


def test_kill_9_mid_ingest_then_reingest_equals_a_clean_ingest(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    for i in range(60):  # distinct documents: renumber each copy of a seed
        text = SEEDS[i % len(SEEDS)].read_text(encoding="utf-8")
        text = re.sub(r"Số (\d+)-KH/", lambda m, i=i: f"Số {int(m.group(1)) + 1000 + i}-KH/", text, count=1)
        (batch / f"{i:03d}.txt").write_text(text, encoding="utf-8")
    assert _ingest_in_child(tmp_path / "killed", batch, kill_after=20) == 20
    assert _ingest_in_child(tmp_path / "killed", batch, kill_after=None) == 60
    assert _ingest_in_child(tmp_path / "clean", batch, kill_after=None) == 60
    killed, clean = _content(tmp_path / "killed"), _content(tmp_path / "clean")
    assert killed == clean
    sha = "<https://w3id.org/vnkg/ontology#sha256>"
    assert sum(1 for q in clean if f"> {sha} " in q) == 60 + 2  # files + ontology + registry
