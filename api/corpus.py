"""The composition root: one object holding the store, the search index and the embedder.

The CLI and the HTTP app each build one from the settings and hand it down; nothing
below ``api/`` sees the settings.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph

from api.memo import Memo
from api.settings import Settings
from kg import store as graph_store
from kg.cascade import Resolution
from kg.document import ExtractedDocument
from kg.identity import match_form
from kg.knowledge import KnowledgeGraph
from kg.vocab import FOAF

if TYPE_CHECKING:  # the readers and the search stack are imported where used: `kg implements` needs neither
    import numpy as np

    from ingest.parallel import Extraction, Failure, FileOcrProgress
    from ingest.registry import Registry
    from search.embedders import EmbeddingCache, PieceProgress
    from search.index import SearchIndex

    Extractor = Callable[[Sequence[Path]], Iterable[tuple[Path, Extraction | Failure]]]

FAILED = "failed"
SKIPPED = "skipped"
INDEX_BATCH = 64  # documents whose new pieces are embedded together


@dataclass(frozen=True)
class IngestEvent:
    """The outcome for one file: ``ingested``, ``replaced``, ``unchanged``, ``skipped`` or ``failed``.

    ``reason`` says why a file failed or was skipped (or which file an unchanged copy repeats).
    """

    path: Path
    status: str
    reason: str | None = None
    doc: ExtractedDocument | None = None


def collect_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[IngestEvent]]:
    """Files to ingest (folders walked recursively, sorted), and events for the others.

    A path that does not exist fails; a file of an unsupported type inside a folder is skipped with
    its reason (a file named explicitly is always tried, and fails with the reader's reason).
    """
    from ingest.readers import SUPPORTED

    files: list[Path] = []
    others: list[IngestEvent] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file()):
                if found.suffix.lower() in SUPPORTED:
                    files.append(found)
                else:
                    kind = found.suffix.lower() or "không có phần mở rộng"
                    others.append(IngestEvent(found, SKIPPED, f"định dạng không hỗ trợ ({kind}); "
                                                              f"chỉ nạp {' '.join(SUPPORTED)}"))
        elif path.is_file():
            files.append(path)
        else:
            others.append(IngestEvent(path, FAILED, "không tìm thấy tệp hoặc thư mục"))
    return list(dict.fromkeys(p.resolve() for p in files)), others


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Corpus:
    """Everything the product has stored under one data directory."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._write_lock = threading.RLock()
        self._cascades: Memo[dict[str, Any]] = Memo()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold while writing in a long-lived process (the server): one write at a time, and the
        cached cascades are dropped when it ends. Each store write is one transaction and the search
        index applies a document at once, so readers never see half a document."""
        with self._write_lock:
            try:
                yield
            finally:
                self._cascades.clear()

    @cached_property
    def graph(self) -> KnowledgeGraph:
        """REFs, cascades, document facts and the hierarchy over the store."""
        return KnowledgeGraph(self.store, self.settings.base_iri)

    def implements(self, ref: str) -> tuple[dict[str, Any], Resolution]:
        """``kg implements REF --json``'s answer; the cascade is cached per directive until the next write."""
        resolution = self.graph.resolve(ref)
        iri = resolution.chosen.iri
        return self._cascades.get(iri, lambda: self.graph.implementers(iri)), resolution

    def delete_document(self, key: str) -> list[str]:
        """Remove the ingested file(s) of document ``key``: their graphs and passages; their source paths."""
        from api import queries

        base = self.settings.base_iri
        iri = queries.find_document(self.store, base, key)
        if iri is None:
            return []
        topic = self.store.quads_for_pattern(None, FOAF.primaryTopic, pyoxigraph.NamedNode(iri))
        graphs = {q.graph_name for q in topic if q.subject == q.graph_name}  # the files that are this document
        removed = []
        with self.writing():
            for graph in sorted(graphs, key=str):
                record = graph_store.file_record(self.store, base, graph)  # type: ignore[arg-type]
                if record is None:
                    continue
                self.store.remove_graph(graph)
                if record.path:
                    self.search.remove_source(record.path)
                    removed.append(record.path)
            if removed:
                from api import reuse

                reuse.forget_lineage(self, iri)  # its lineage graph, and its children's against it
        return removed

    @cached_property
    def store(self) -> pyoxigraph.Store:
        """The persistent Oxigraph store (opened on first use)."""
        self.settings.store_path.mkdir(parents=True, exist_ok=True)
        return pyoxigraph.Store(str(self.settings.store_path))

    @cached_property
    def search(self) -> SearchIndex:
        """The search index (FAISS + full text); the embedder is loaded on first use, once."""
        from search.embedders import make_embedder
        from search.index import SearchIndex

        s = self.settings
        return SearchIndex(s.index_path, lambda: make_embedder(s.embedder, s.embedder_model, s.embedder_threads),
                           s.base_iri, kind=s.vector_index, threads=s.search_threads, cache=self.embedding_cache)

    @cached_property
    def embedding_cache(self) -> EmbeddingCache:
        """Every passage vector computed so far, by (embedder, piece text); survives a rebuilt index."""
        from search.embedders import EmbeddingCache

        return EmbeddingCache(self.settings.embedding_cache_path)

    @cached_property
    def registry(self) -> Registry:
        """The registry of central documents."""
        from ingest.registry import Registry

        return Registry.load(self.settings.registry_path)

    @cached_property
    def extractor_version(self) -> str:
        """What the unchanged check compares: the extractor's version and the registry's content.

        Either changing means a stored extraction may be stale, so the next ingest redoes it.
        """
        from ingest.pipeline import EXTRACTOR_VERSION

        digest = hashlib.sha256(self.settings.registry_path.read_bytes()).hexdigest()[:12]
        return f"{EXTRACTOR_VERSION}+registry.{digest}"

    def prepare_graph(self) -> None:
        """Load the ontology and registry graphs (when changed) and drop incomplete file graphs."""
        entries = [asdict(e) for e in self.registry.entries]
        graph_store.load_reference_graphs(self.store, self.settings.base_iri, entries)
        graph_store.repair(self.store, self.settings.base_iri)

    def known_keys(self, number: str) -> list[str]:
        """Keys the store already gives ``number`` (dates citations a text leaves undated)."""
        return graph_store.known_keys(self.store, self.settings.base_iri, number, padded=match_form(number))

    def ingest(self, paths: Iterable[Path | str], *, force: bool = False, index: bool = True,
               progress: PieceProgress | None = None,
               embed: Callable[[list[str]], np.ndarray] | None = None,
               extract: Extractor | None = None,
               rebuild_progress: Callable[[int, int], None] | None = None,
               ocr_progress: FileOcrProgress | None = None) -> Iterator[IngestEvent]:
        """Ingest files and folders; one event per file, failures included, in the files' order.

        Files are parsed in worker processes (``extract`` replaces them, e.g. by a cluster), written
        one graph per file in one transaction each, in order, then indexed for search in batches:
        each distinct piece of text is embedded once and never again (``progress`` gets the counts
        of pieces embedded and reused; ``embed`` replaces the local embedder). A failing file never
        stops the batch. ``force`` re-extracts unchanged files; ``index=False`` writes the graph only.
        At the end the vector index switches kind if the collection's size calls for another one
        (``vector_index = "auto"``), reporting to ``rebuild_progress(done, total)``.
        ``ocr_progress`` is told about each page recognized in a scanned file.
        """
        from ingest.parallel import failure_reason

        files, others = collect_files(paths)
        yield from others
        self.prepare_graph()
        todo: list[Path] = []
        for path in files:
            try:
                same = None if force else self.unchanged(path, _sha256(path), index=index)
            except OSError as err:
                yield IngestEvent(path, FAILED, failure_reason(err))
                continue
            if same:
                yield same
            else:
                todo.append(path)
        results = extract(todo) if extract else self._extract_locally(todo, ocr_progress)
        written: list[IngestEvent] = []
        for path, result in results:
            event = self._write(path, result, force)
            if event.status == FAILED or not index:
                yield event
                continue
            written.append(event)
            if len(written) >= INDEX_BATCH:
                yield from self._index(written, progress, embed)
                written = []
        yield from self._index(written, progress, embed)
        if index and todo:
            self.search.fit_kind(rebuild_progress)

    def ingest_file(self, path: Path, *, force: bool = False) -> IngestEvent:
        """Ingest one file (see :meth:`ingest`)."""
        events = list(self.ingest([path], force=force))
        return events[-1]

    def _extract_locally(self, paths: Sequence[Path], ocr_progress: FileOcrProgress | None = None
                         ) -> Iterator[tuple[Path, Extraction | Failure]]:
        from api.ocr import ocr_options
        from ingest.parallel import extract_all

        return extract_all(paths, self.registry, self.settings.registry_path, self.settings.ingest_workers,
                           ocr_options(self.settings), ocr_progress)

    def unchanged(self, path: Path, sha256: str, *, index: bool = True) -> IngestEvent | None:
        """The ``unchanged`` event when ``path``'s content is already stored by this extractor, else None.

        The same content stored from another path that no longer exists is a moved file (not
        unchanged: its provenance is rewritten); one that still exists is a copy (unchanged).
        With ``index``, a file is unchanged only when the search index holds it too.
        """
        record = graph_store.file_record(self.store, self.settings.base_iri,
                                         graph_store.file_graph(self.settings.base_iri, sha256))
        if record is None or record.extractor_version != self.extractor_version or record.path is None:
            return None
        if record.path != str(path) and not Path(record.path).is_file():
            return None
        if index and not self.search.has_source(record.path):
            return None
        copy_of = None if record.path == str(path) else f"cùng nội dung với {record.path}"
        return IngestEvent(path, graph_store.UNCHANGED, copy_of)

    def _write(self, path: Path, result: Extraction | Failure, force: bool) -> IngestEvent:
        """Finish one extraction against the store and replace its named graph."""
        from ingest.parallel import Failure, failure_reason, finish

        if isinstance(result, Failure):
            return IngestEvent(path, FAILED, result.reason)
        try:
            doc = finish(result, self.registry, self.known_keys)
            status = graph_store.write_document(self.store, self.settings.base_iri, doc, path=path,
                                                extractor_version=self.extractor_version, force=force)
            save_extraction(self.settings.extractions_path, doc)
        except Exception as err:  # one bad file never stops the batch
            return IngestEvent(path, FAILED, failure_reason(err))
        return IngestEvent(path, status, doc=doc)

    def _index(self, events: list[IngestEvent], progress: PieceProgress | None,
               embed: Callable[[list[str]], np.ndarray] | None) -> Iterator[IngestEvent]:
        """Index the documents of ``events`` together; a batch that fails is retried file by file."""
        from api import reuse
        from ingest.parallel import failure_reason

        if not events:
            return
        docs = [e.doc for e in events if e.doc is not None]
        try:
            with self.search.bulk():  # the vector file is written once per batch
                self.search.add_documents(docs, progress, embed)
            for doc in docs:  # provision lineage against its parents and ingested children
                reuse.update_lineage(self, doc["key"])
        except Exception as err:
            if len(events) == 1:
                yield IngestEvent(events[0].path, FAILED, f"không lập được chỉ mục tìm kiếm: {failure_reason(err)}")
                return
            for event in events:
                yield from self._index([event], progress, embed)
            return
        yield from events

    def index(self, progress: PieceProgress | None = None,
              rebuild_progress: Callable[[int, int], None] | None = None) -> Iterator[IngestEvent]:
        """Bring the search index up to date with the graph (after ``--no-index``, or an embedder change).

        Every ingested file whose source the index lacks is indexed from its stored extraction (or
        re-read from its recorded path when that is missing). An index built by another embedder is
        rebuilt from scratch (vectors still come from the cache when it has them).
        """
        from api.ocr import ocr_options
        from ingest.parallel import Failure, extract_isolated, finish
        from search.index import IndexMismatchError

        try:
            self.search.embedder  # noqa: B018 - raises when the index was built by another embedder
        except IndexMismatchError:
            self.search.close()
            shutil.rmtree(self.settings.index_path)
            del self.search
        files = graph_store.ingested_files(self.store, self.settings.base_iri)
        pending: list[IngestEvent] = []
        for record in files:
            path = Path(record["path"])
            if self.search.has_source(record["path"]):
                continue
            doc = load_extraction(self.settings.extractions_path, record["sha256"])
            if doc is None:
                result = extract_isolated(path, self.registry, ocr_options(self.settings))
                if isinstance(result, Failure):
                    yield IngestEvent(path, FAILED, result.reason)
                    continue
                doc = finish(result, self.registry, self.known_keys)
            pending.append(IngestEvent(path, "indexed", doc=doc))
            if len(pending) >= INDEX_BATCH:
                yield from self._index(pending, progress, None)
                pending = []
        yield from self._index(pending, progress, None)
        self.search.fit_kind(rebuild_progress)  # also when only the vector_index setting changed


def save_extraction(folder: Path, doc: ExtractedDocument) -> None:
    """Keep a file's extraction (gzipped JSON named by its sha256) so that ``kg index`` can index it later."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{doc['source']['sha256']}.json.gz"
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(json.dumps(doc, ensure_ascii=False).encode("utf-8"), compresslevel=3))
    tmp.replace(target)


def load_extraction(folder: Path, sha256: str) -> ExtractedDocument | None:
    """The stored extraction of the file with this sha256, ``None`` when there is none."""
    target = folder / f"{sha256}.json.gz"
    if not target.is_file():
        return None
    return json.loads(gzip.decompress(target.read_bytes()))
