"""End to end: ``kg ingest`` of seed files indexes their provisions; ``kg search`` finds them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.corpus import Corpus
from api.settings import Settings

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
FILES = ("000_a3467574febcfd93.txt", "002_a8d706aac7298260.txt")  # the two shortest seeds keep this fast


def test_ingest_indexes_seeds_and_search_finds_them(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in FILES:
        shutil.copy(SEEDS / name, folder / name)
    home = tmp_path / "home"
    corpus = Corpus(Settings.load(home))
    events = list(corpus.ingest([folder]))
    assert all(e.status != "failed" for e in events), [e.reason for e in events]
    indexed = len(corpus.search)
    assert indexed == sum(len(e.doc["provisions"]) for e in events) > 10

    runner = CliRunner()
    out = runner.invoke(app, ["--home", str(home), "search", "chi bo khong co chi uy thi kiem diem the nao",
                              "--json", "--k", "3"])
    assert out.exit_code == 0, out.output
    top = json.loads(out.output)["results"][0]
    assert top["document"]["key"] == "125-KH/ThU@2023" and "Chi uỷ" in top["provision"]["text"]
    assert top["document"]["source"] == str((folder / FILES[1]).resolve())
    number = runner.invoke(app, ["--home", str(home), "search", "117-KH/ThU", "--json", "--k", "1"])
    assert json.loads(number.output)["results"][0]["document"]["number"] == "117-KH/ThU"

    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps({"queries": [
        {"id": "a", "query": "thời hạn gửi báo cáo sơ kết cấp cơ sở",
         "relevant": [{"doc": "117-KH/ThU@2023", "contains": "Cấp cơ sở: Hoàn thành báo cáo sơ kết"}]},
        {"id": "b", "query": "chi bộ không có chi ủy", "relevant": [{"doc": "125-KH/ThU@2023", "contains": "Chi uỷ"}]},
    ]}, ensure_ascii=False), encoding="utf-8")
    report = runner.invoke(app, ["--home", str(home), "eval", "--queries", str(queries), "--json"])
    assert report.exit_code == 0, report.output
    modes = json.loads(report.output)["modes"]
    assert set(modes) == {"hybrid", "dense", "bm25"} and modes["bm25"]["recall@5"] == 1.0
    assert json.loads(report.output)["queries"] == 4  # each query also without diacritics

    # Ingesting again changes nothing; a lost index is rebuilt by the next ingest.
    assert {e.status for e in corpus.ingest([folder])} == {"unchanged"}
    assert len(corpus.search) == indexed
    corpus.search.close()
    shutil.rmtree(home / "index")
    del corpus.search  # the next use opens a fresh index
    list(corpus.ingest([folder]))
    assert len(corpus.search) == indexed
    assert set((corpus.search.vectors.ids() >> 6).tolist()) == set(corpus.search.catalog.live_ids())
