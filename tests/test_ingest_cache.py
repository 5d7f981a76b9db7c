"""Never embed the same text twice: the embedding cache, batched indexing, ``--no-index`` and ``kg index``."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.corpus import Corpus
from api.settings import Settings
from search import vectors as vector_module
from search.embedders import E5Embedder, EmbeddingCache, embed_cached

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
FILES = ("000_a3467574febcfd93.txt", "002_a8d706aac7298260.txt")


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    return E5Embedder()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "docs"
    out.mkdir()
    for name in FILES:
        shutil.copy(SEEDS / name, out / name)
    return out


def test_each_distinct_text_is_embedded_once_and_cached_vectors_equal_fresh_ones(
    tmp_path: Path, e5: E5Embedder
) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    texts = ["Chi bộ tổ chức sinh hoạt", "Báo cáo sơ kết gửi trước ngày 15/3", "Chi bộ tổ chức sinh hoạt"]
    calls: list[list[str]] = []

    def embed(batch: list[str]) -> np.ndarray:
        calls.append(batch)
        return e5.embed_passages(batch)

    vectors, counts = embed_cached(e5, texts, cache, embed=embed)
    assert (counts.embedded, counts.reused) == (2, 1) and calls == [texts[:2]]
    assert np.array_equal(vectors[0], vectors[2])
    np.testing.assert_allclose(vectors, e5.embed_passages(texts), atol=1e-5)
    again, counts = embed_cached(e5, texts, EmbeddingCache(tmp_path / "cache.sqlite"), embed=embed)
    assert (counts.embedded, counts.reused) == (0, 3) and len(calls) == 1  # the cache persists
    assert np.array_equal(again, vectors)
    _, counts = embed_cached(e5, texts[:1], cache, embed=lambda b: np.ones((len(b), e5.dim)))
    assert counts.embedded == 0  # same embedder id: cached
    assert len(cache) == 2


def test_no_index_then_kg_index_then_a_fresh_index_reuses_every_piece(tmp_path: Path, folder: Path) -> None:
    home = tmp_path / "home"
    corpus = Corpus(Settings.load(home))
    events = list(corpus.ingest([folder], index=False))
    assert [e.status for e in events] == ["ingested", "ingested"]
    assert len(corpus.search) == 0 and not (home / "index" / "vectors.faiss").exists()
    del corpus  # releases the store for the command below
    runner = CliRunner(env={"COLUMNS": "200"})
    out = runner.invoke(app, ["--home", str(home), "index"])
    assert out.exit_code == 0, out.output
    assert "đã lập chỉ mục │      2" in out.output
    indexed = Corpus(Settings.load(home))
    provisions = sum(len(e.doc["provisions"]) for e in events)
    assert len(indexed.search) == provisions
    assert {e.status for e in indexed.ingest([folder])} == {"unchanged"}
    assert list(indexed.index()) == []  # nothing left to index

    # The index is lost (or built by another embedder): rebuilt from the cache, nothing embedded again.
    indexed.search.catalog.set_meta("embedder", "another-model")
    del indexed.search
    counted: list[tuple[int, int]] = []
    rebuilt = list(indexed.index(progress=lambda e, r: counted.append((e, r))))
    assert [e.status for e in rebuilt] == ["indexed", "indexed"]
    assert sum(e for e, _ in counted) == 0 and sum(r for _, r in counted) >= provisions
    assert len(indexed.search) == provisions


def test_copies_of_the_cascade_embed_only_their_new_pieces(tmp_path: Path, folder: Path) -> None:
    home = tmp_path / "home"
    counted: list[tuple[int, int]] = []
    corpus = Corpus(Settings.load(home))
    list(corpus.ingest([folder], progress=lambda e, r: counted.append((e, r))))
    first_embedded = sum(e for e, _ in counted)
    assert first_embedded > 10

    # A committee re-issues one plan: a new number and a new last provision, the rest copied.
    text = (folder / FILES[0]).read_text(encoding="utf-8").replace("117-KH/ThU", "118-KH/ThU")
    reissue = tmp_path / "reissue" / "118.txt"
    reissue.parent.mkdir()
    new_item = "3. Các chi bộ báo cáo kết quả học tập lý luận về Đảng ủy phường hằng quý.\n\n"
    reissue.write_text(text.replace("\tNơi nhận:", new_item + "\tNơi nhận:"), encoding="utf-8")
    counted.clear()
    [event] = corpus.ingest([reissue], progress=lambda e, r: counted.append((e, r)))
    assert event.status == "ingested" and event.doc["key"].startswith("118-KH/ThU")
    embedded, reused = sum(e for e, _ in counted), sum(r for _, r in counted)
    assert 1 <= embedded <= 2 and reused >= 8  # seed 000 has 8 provisions
    hit = corpus.search.search("chi bộ báo cáo kết quả học tập lý luận hằng quý", k=1).hits[0]
    assert hit.passage.document.key.startswith("118-KH/ThU")


def test_auto_vector_index_switches_kind_by_size_and_keeps_results(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    flat = Corpus(Settings.load(home, vector_index="flat"))
    list(flat.ingest([folder]))
    query = "thời hạn gửi báo cáo sơ kết"
    before = [h.passage.iri for h in flat.search.search(query, k=5, mode="dense").hits]
    assert flat.search.kind == "flat"
    flat.search.close()
    del flat

    monkeypatch.setattr(vector_module, "AUTO_IVF_FROM", 10)  # as if the collection had grown past it
    auto = Corpus(Settings.load(home))
    assert auto.settings.vector_index == "auto"
    steps: list[tuple[int, int]] = []
    assert list(auto.index(rebuild_progress=lambda done, total: steps.append((done, total)))) == []
    assert auto.search.kind == "ivf" and steps and steps[-1][0] == steps[-1][1] == len(auto.search.vectors)
    assert [h.passage.iri for h in auto.search.search(query, k=5, mode="dense").hits] == before
    auto.search.close()
    reopened = Corpus(Settings.load(home))
    assert reopened.search.kind == "ivf" and len(reopened.search.vectors) == steps[-1][1]
