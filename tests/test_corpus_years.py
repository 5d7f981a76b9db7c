"""A citation the text leaves undated takes its year from what the corpus already ingested."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from api.settings import DEFAULT_BASE_IRI
from ingest.pipeline import extract_file
from ingest.registry import Registry
from kg import store as graph_store
from kg.identity import match_form

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = Registry.load(ROOT / "data" / "central_documents.json")

LETTER = """ĐẢNG BỘ TỈNH LAI CHÂU
HUYỆN ỦY TAM ĐƯỜNG
*
Số 31-CV/HU
V/v đôn đốc sơ kết
Tam Đường, ngày 01 tháng 4 năm 2023

Thực hiện Kế hoạch số 147-KH/TU của Ban Thường vụ Tỉnh ủy, Ban Thường vụ Huyện ủy đề nghị các chi bộ hoàn thành báo cáo.
"""


def test_undated_local_citation_is_dated_by_the_corpus(tmp_path: Path) -> None:
    store = pyoxigraph.Store(str(tmp_path / "store"))
    letter = tmp_path / "letter.txt"
    letter.write_text(LETTER, encoding="utf-8")

    def known(number: str) -> list[str]:
        return graph_store.known_keys(store, DEFAULT_BASE_IRI, number, padded=match_form(number))

    assert extract_file(letter, REGISTRY, known)["based_on"] == ["147-KH/TU@?"]  # nothing ingested yet
    seed = next((ROOT / "data" / "seeds").glob("000_*.txt"))  # cites 147-KH/TU, ngày 14/02/2023
    graph_store.write_document(store, DEFAULT_BASE_IRI, extract_file(seed, REGISTRY), path=seed,
                               extractor_version="test")
    assert known("147-KH/TU") == ["147-KH/TU@2023"]
    assert extract_file(letter, REGISTRY, known)["based_on"] == ["147-KH/TU@2023"]
