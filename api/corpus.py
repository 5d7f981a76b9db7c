"""The composition root: one object holding the store, the search index and the embedder.

The CLI and the HTTP app each build one from the settings and hand it down; nothing
below ``api/`` sees the settings.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph

from api import queries, reuse
from api.memo import Memo
from api.ocr import OcrProgress, ocr_options
from api.settings import Settings
from ingest import pipeline
from ingest.readers import SUPPORTED
from ingest.registry import Registry
from kg import cascade
from kg import store as graph_store
from kg.document import ExtractedDocument
from kg.errors import KgError, UnreadableFileError
from kg.identity import match_form
from kg.vocab import FOAF
from search.embedders import make_embedder
from search.index import SearchIndex

FAILED = "failed"
SKIPPED = "skipped"


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

    def implements(self, ref: str) -> tuple[dict[str, Any], cascade.Resolution]:
        """``kg implements REF --json``'s answer; the cascade is cached per directive until the next write."""
        base = self.settings.base_iri
        resolution = cascade.resolve(self.store, base, ref)
        iri = resolution.chosen.iri
        return self._cascades.get(iri, lambda: cascade.implementers(self.store, base, iri)), resolution

    def delete_document(self, key: str) -> list[str]:
        """Remove the ingested file(s) of document ``key``: their graphs and passages; their source paths."""
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
        return removed

    @cached_property
    def store(self) -> pyoxigraph.Store:
        """The persistent Oxigraph store (opened on first use)."""
        self.settings.store_path.mkdir(parents=True, exist_ok=True)
        return pyoxigraph.Store(str(self.settings.store_path))

    @cached_property
    def search(self) -> SearchIndex:
        """The search index (FAISS + full text); the embedder is loaded on first use, once."""
        s = self.settings
        return SearchIndex(s.index_path, lambda: make_embedder(s.embedder, s.embedder_model), s.base_iri,
                           kind=s.vector_index, threads=s.search_threads)

    @cached_property
    def registry(self) -> Registry:
        """The registry of central documents."""
        return Registry.load(self.settings.registry_path)

    @cached_property
    def extractor_version(self) -> str:
        """What the unchanged check compares: the extractor's version and the registry's content.

        Either changing means a stored extraction may be stale, so the next ingest redoes it.
        """
        digest = hashlib.sha256(self.settings.registry_path.read_bytes()).hexdigest()[:12]
        return f"{pipeline.EXTRACTOR_VERSION}+registry.{digest}"

    def prepare_graph(self) -> None:
        """Load the ontology and registry graphs (when changed) and drop incomplete file graphs."""
        entries = [asdict(e) for e in self.registry.entries]
        graph_store.load_reference_graphs(self.store, self.settings.base_iri, entries)
        graph_store.repair(self.store, self.settings.base_iri)

    def known_keys(self, number: str) -> list[str]:
        """Keys the store already gives ``number`` (dates citations a text leaves undated)."""
        return graph_store.known_keys(self.store, self.settings.base_iri, number, padded=match_form(number))

    def ingest(
        self, paths: Iterable[Path | str], *, force: bool = False, ocr_progress: OcrProgress | None = None
    ) -> Iterator[IngestEvent]:
        """Ingest files and folders one file at a time; one event per file, failures included.

        A failing file never stops the batch; each file's graph is written in one transaction.
        ``force`` re-extracts files even when their content and the extractor are unchanged;
        ``ocr_progress`` is told about every page recognized in a scanned file.
        """
        files, others = collect_files(paths)
        yield from others
        self.prepare_graph()
        with self.search.bulk():  # the vector file is written once, at the end
            for path in files:
                yield self.ingest_file(path, force=force, ocr_progress=ocr_progress)

    def unchanged(self, path: Path, sha256: str) -> IngestEvent | None:
        """The ``unchanged`` event when ``path``'s content is already stored by this extractor, else None.

        The same content stored from another path that no longer exists is a moved file (not
        unchanged: its provenance is rewritten); one that still exists is a copy (unchanged).
        """
        record = graph_store.file_record(self.store, self.settings.base_iri,
                                         graph_store.file_graph(self.settings.base_iri, sha256))
        if record is None or record.extractor_version != self.extractor_version or record.path is None:
            return None
        if record.path != str(path) and not Path(record.path).is_file():
            return None
        if not self.search.has_source(record.path):
            return None
        copy_of = None if record.path == str(path) else f"cùng nội dung với {record.path}"
        return IngestEvent(path, graph_store.UNCHANGED, copy_of)

    def ingest_file(
        self, path: Path, *, force: bool = False, ocr_progress: OcrProgress | None = None
    ) -> IngestEvent:
        """Extract one file and replace its named graph (nothing is written when it is unchanged)."""
        base = self.settings.base_iri
        try:
            if not force and (same := self.unchanged(path, _sha256(path))):
                return same
            doc = pipeline.extract_file(path, self.registry, self.known_keys,
                                        ocr=ocr_options(self.settings, path, ocr_progress))
            status = graph_store.write_document(self.store, base, doc, path=path,
                                                extractor_version=self.extractor_version, force=force)
            self._after_write(path, doc)  # also when only the search index lacked it
            return IngestEvent(path, status, doc=doc)
        except UnreadableFileError as err:
            return IngestEvent(path, FAILED, err.reason)
        except KgError as err:
            return IngestEvent(path, FAILED, str(err))
        except MemoryError:
            return IngestEvent(path, FAILED, "tệp quá lớn, không đủ bộ nhớ để xử lý")
        except Exception as err:  # one bad file never stops the batch
            return IngestEvent(path, FAILED, f"lỗi khi xử lý tệp ({type(err).__name__}: {err})")

    def _after_write(self, path: Path, doc: ExtractedDocument) -> None:
        """Called once a file's graph holds ``doc``: the place to (re)index its provisions for search."""
        self.search.add_document(doc)  # replaces the file's earlier passages; unchanged ones keep their vectors
        reuse.update_lineage(self, doc["key"])  # provision lineage against its parents and ingested children
