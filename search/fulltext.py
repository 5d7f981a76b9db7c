"""Full-text retrieval (BM25) with tantivy, over accented and ASCII-folded copies of each passage.

Why tantivy and not SQLite FTS5 (tried first): FTS5 scores every row that matches any query term,
so a paraphrase query of common Vietnamese syllables ("báo cáo", "tổ chức", "thực hiện") took
0.5 s at 100k passages and grows linearly; tantivy's block-max WAND collects the top hits without
scoring every match (5 ms at 100k, same data, same machine; see docs/benchmarks.md ## Search).

Vietnamese needs no word segmenter for BM25 here: tantivy's ``default`` tokenizer yields
syllables, and a ``pairs`` field holds adjacent-syllable pairs (``kinh_phi``), the
segmenter-independent "syllables + bigrams" indexing. Each passage is indexed as an accented key
(tones and numerals normalized) and a folded key (no diacritics, đ → d), so queries typed without
diacritics match while accented matches score higher. The SQLite catalog stays the source of
truth: this index can always be rebuilt from it.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import tantivy

from search.normalize import exact_key, folded_key, words

# Field boosts: accented matches count most, then folded ones, adjacent pairs, headings/title.
_BOOSTS = {"exact": 1.0, "folded": 0.6, "pairs": 0.6, "context": 0.25}
_ALLOWED_AS_QUERY = 50_000  # filter inside tantivy up to this many allowed ids, else over-fetch
_WRITER_HEAP = 64_000_000


def _pairs(folded: str) -> str:
    tokens = folded.split()
    return " ".join(f"{a}_{b}" for a, b in itertools.pairwise(tokens))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=False, indexed=True, fast=True)
    for name in ("exact", "folded", "context"):
        builder.add_text_field(name, stored=False, tokenizer_name="default", index_option="freq")
    builder.add_text_field("pairs", stored=False, tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def _tokens(text: str) -> list[str]:
    return [t for t in (w.strip("_") for w in text.split()) if t]


class FullText:
    """A tantivy index of ``(id, text, context)`` rows; ``path=None`` keeps it in memory."""

    def __init__(self, path: Path | None) -> None:
        self.schema = _schema()
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        else:
            self.index = tantivy.Index(self.schema)
        self.index.register_tokenizer(
            "whitespace", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )
        self.path = path
        self._writer: tantivy.IndexWriter | None = None

    # ------------------------------------------------------------------ writes
    @property
    def writer(self) -> tantivy.IndexWriter:
        """The writer, opened for a batch of changes and released by :meth:`commit`."""
        if self._writer is None:
            self._writer = self.index.writer(heap_size=_WRITER_HEAP, num_threads=1)
        return self._writer

    def add(self, rows: Iterable[tuple[int, str, str]]) -> None:
        """Index ``(id, text, context)`` rows (visible after :meth:`commit`)."""
        for ident, text, context in rows:
            folded = folded_key(text)
            self.writer.add_document(
                tantivy.Document(
                    id=int(ident),
                    exact=exact_key(text),
                    folded=folded,
                    pairs=_pairs(folded),
                    context=f"{exact_key(context)} {folded_key(context)}",
                )
            )

    def remove(self, ids: Iterable[int]) -> None:
        """Delete rows by id (visible after :meth:`commit`)."""
        for ident in ids:
            self.writer.delete_documents_by_term("id", int(ident))

    def commit(self) -> None:
        """Make pending changes durable and visible; release the writer lock."""
        if self._writer is None:
            return
        self._writer.commit()
        self._writer.wait_merging_threads()
        self._writer = None
        self.index.reload()

    def clear(self) -> None:
        """Drop every row (before a rebuild from the catalog)."""
        self.writer.delete_all_documents()

    def __len__(self) -> int:
        return int(self.index.searcher().num_docs)

    # ------------------------------------------------------------------ reads
    @staticmethod
    def query_terms(query: str) -> list[tuple[str, str]]:
        """The ``(field, token)`` terms a query looks up, each once."""
        exact = words(query)
        folded = folded_key(" ".join(exact)).split()
        fields = (("exact", exact), ("folded", folded), ("context", folded), ("pairs", _tokens(_pairs(" ".join(folded)))))
        return [(field, token) for field, tokens in fields for token in dict.fromkeys(tokens)]

    def boolean_query(self, terms: Sequence[tuple[str, str]]) -> tantivy.Query | None:
        """Any of ``terms``, each boosted by its field; ``None`` for no terms."""
        clauses = [
            (tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(self.schema, f, t), _BOOSTS[f]))
            for f, t in terms
        ]
        return tantivy.Query.boolean_query(clauses) if clauses else None

    def _query(self, query: str) -> tantivy.Query | None:
        return self.boolean_query(self.query_terms(query))

    def search(self, query: str, limit: int, allowed: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """Top ``limit`` ``(id, score)`` by BM25; ``allowed`` restricts the ids."""
        text_query = self._query(query)
        if text_query is None or (allowed is not None and not allowed):
            return []
        fetch = limit
        allowed_set = None
        if allowed is not None and len(allowed) <= _ALLOWED_AS_QUERY:
            ids = tantivy.Query.term_set_query(self.schema, "id", [int(i) for i in allowed])
            text_query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, text_query),
                    (tantivy.Occur.Must, tantivy.Query.const_score_query(ids, 0.0)),
                ]
            )
        elif allowed is not None:
            allowed_set, fetch = set(allowed), limit * 10
        searcher = self.index.searcher()
        hits = searcher.search(text_query, fetch, count=False).hits
        idents = searcher.fast_field_values("id", [address for _, address in hits])
        out = [
            (int(i), float(score))
            for (score, _), i in zip(hits, idents, strict=True)
            if i is not None and (allowed_set is None or i in allowed_set)
        ]
        return out[:limit]


def remove_index(path: Path) -> None:
    """Delete an on-disk full-text index (to rebuild it)."""
    shutil.rmtree(path, ignore_errors=True)
