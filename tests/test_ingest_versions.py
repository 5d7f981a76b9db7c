"""Re-ingest rules: graphs named by content, extractor upgrades re-extract, --force, skipped files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.corpus import Corpus
from api.settings import Settings
from ingest import pipeline
from kg import store as graph_store
from kg.vocab import project

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
SEED = "000_a3467574febcfd93.txt"


def _file_graphs(corpus: Corpus) -> list[str]:
    prefix = project(corpus.settings.base_iri).file_graphs
    return sorted(g.value for g in corpus.store.named_graphs() if g.value.startswith(prefix))


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "machine-specific-folder"
    folder.mkdir()
    shutil.copy(SEEDS / SEED, folder / SEED)
    return folder / SEED


def test_graph_names_carry_no_path_and_a_moved_file_stays_one_document(tmp_path: Path, seed_copy: Path) -> None:
    corpus = Corpus(Settings.load(tmp_path / "home"))
    assert [e.status for e in corpus.ingest([seed_copy])] == ["ingested"]
    graphs = _file_graphs(corpus)
    assert len(graphs) == 1 and "machine-specific-folder" not in graphs[0] and "tmp" not in graphs[0]

    moved = tmp_path / "elsewhere" / "renamed.txt"
    moved.parent.mkdir()
    seed_copy.rename(moved)
    assert [e.status for e in corpus.ingest([moved])] == ["replaced"]
    assert _file_graphs(corpus) == graphs  # the same graph, not a second document
    files = graph_store.ingested_files(corpus.store, corpus.settings.base_iri)
    assert [f["path"] for f in files] == [str(moved.resolve())]
    assert [d.source for d in corpus.search.catalog.documents()] == [str(moved.resolve())]

    # A copy next to the original is the same content: unchanged, and it says which file it repeats.
    copy = tmp_path / "elsewhere" / "copy.txt"
    shutil.copy(moved, copy)
    [event] = corpus.ingest([copy])
    assert event.status == "unchanged" and str(moved.resolve()) in (event.reason or "")
    assert _file_graphs(corpus) == graphs

    # A new version at the same path replaces the old graph in the same write.
    moved.write_text(moved.read_text(encoding="utf-8") + "\nGhi chú thêm.\n", encoding="utf-8")
    assert [e.status for e in corpus.ingest([moved])] == ["replaced"]
    assert len(_file_graphs(corpus)) == 1 and _file_graphs(corpus) != graphs


def test_an_extractor_upgrade_reextracts_and_force_reextracts_everything(
    tmp_path: Path, seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    assert [e.status for e in Corpus(Settings.load(home)).ingest([seed_copy])] == ["ingested"]
    assert [e.status for e in Corpus(Settings.load(home)).ingest([seed_copy])] == ["unchanged"]

    monkeypatch.setattr(pipeline, "EXTRACTOR_VERSION", pipeline.EXTRACTOR_VERSION + ".upgraded")
    upgraded = Corpus(Settings.load(home))
    assert [e.status for e in upgraded.ingest([seed_copy])] == ["replaced"]
    [record] = graph_store.ingested_files(upgraded.store, upgraded.settings.base_iri)
    assert record["extractor_version"].startswith(pipeline.EXTRACTOR_VERSION + "+registry.")
    assert [e.status for e in upgraded.ingest([seed_copy])] == ["unchanged"]
    del upgraded

    runner = CliRunner(env={"COLUMNS": "250"})
    out = runner.invoke(app, ["--home", str(home), "ingest", str(seed_copy), "--force"])
    assert out.exit_code == 0, out.output
    assert "đã cập nhật │      1" in out.output


def test_unsupported_files_in_a_folder_are_listed_as_skipped(tmp_path: Path, seed_copy: Path) -> None:
    (seed_copy.parent / "bang-tinh.xlsx").write_bytes(b"PK\x03\x04 not really")
    (seed_copy.parent / "README").write_text("ghi chú", encoding="utf-8")
    runner = CliRunner(env={"COLUMNS": "250"})
    out = runner.invoke(app, ["--home", str(tmp_path / "home"), "ingest", str(seed_copy.parent)])
    assert out.exit_code == 0, out.output
    assert "bỏ qua      │      2" in out.output
    assert "bang-tinh.xlsx" in out.output and "định dạng không hỗ trợ (.xlsx)" in out.output
    assert "README" in out.output and "không có phần mở rộng" in out.output
    assert "đã nạp      │      1" in out.output
