"""Extracted document → passages: one per provision, with the metadata that search filters on.

A passage is identified by its provision IRI, the same IRI the graph gives the provision, so a
search hit links straight into the graph.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kg.document import ExtractedDocument
from kg.identity import document_iri, issuer_slug
from kg.text import slugify
from search.normalize import embed_key
from search.tables import is_table

# Headings add context to short provisions ("1. Nội dung" + its text); only the last few are kept
# so that every passage of a document does not share one long prefix.
_CONTEXT_HEADINGS = 2
CHUNK_CHARS = 500
MAX_CHUNKS = 64
_SENTENCE_END = re.compile(r"(?<=[.;:])\s+")


def provision_iris(doc_iri: str, provision_ids: Sequence[str | None]) -> list[str]:
    """IRIs of a document's provisions, exactly as ``kg.mapping.document_quads`` mints them.

    ``<doc IRI>/p/<slug of the id>`` (the position when the id is empty), ``-<position>`` added
    when two provisions would share one. ``tests/test_search.py`` checks the two stay identical.
    """
    out: list[str] = []
    for i, pid in enumerate(provision_ids, 1):
        slug = slugify(pid or "") or str(i)
        iri = f"{doc_iri}/p/{slug}"
        out.append(f"{iri}-{i}" if iri in out else iri)
    return out


def chunk_texts(text: str, path: Sequence[str]) -> list[str]:
    """What the embedder sees for a provision: bullet-sized pieces of a long one, each with its headings.

    e5-small averages a long provision into one vector where its single relevant bullet is lost
    ("Văn phòng Thành ủy ... đảm bảo kinh phí" inside a list of every department's tasks), so a
    provision gets one vector per piece of at most ``CHUNK_CHARS`` (lines kept whole when they fit,
    long lines cut after sentences), and matches through its best piece.
    """
    if len(text) <= CHUNK_CHARS:
        return [embed_text(text, path)]
    parts = []
    for line in (ln.strip() for ln in text.splitlines()):
        parts += _SENTENCE_END.split(line) if len(line) > CHUNK_CHARS else [line] if line else []
    pieces: list[str] = []
    for part in parts:
        if pieces and len(pieces[-1]) + len(part) < CHUNK_CHARS:
            pieces[-1] = f"{pieces[-1]}\n{part}"
        else:
            pieces.append(part)
    if len(pieces) > MAX_CHUNKS:  # keep the id scheme: fold the tail into the last piece
        pieces = [*pieces[: MAX_CHUNKS - 1], "\n".join(pieces[MAX_CHUNKS - 1 :])]
    return [embed_text(piece, path) for piece in pieces]


def context_text(title: str | None, path: Sequence[str]) -> str:
    """The document title and every heading above a provision."""
    return " ".join([title or "", *path])


def embed_text(text: str, path: Sequence[str]) -> str:
    """The nearest headings, then the provision text, numerals normalized."""
    # Skip headings the text already starts with (extractors keep the heading line in the text).
    headings = [h for h in path[-_CONTEXT_HEADINGS:] if h and h.strip().rstrip("…")[:40] not in text[:300]]
    return embed_key(". ".join([*headings, text]))


@dataclass(frozen=True)
class DocumentInfo:
    """Per-document metadata kept next to the index (for filters and for result cards)."""

    key: str
    iri: str
    number: str | None
    doc_type: str | None
    doc_type_code: str | None
    issuer: str | None
    date: str | None
    title: str | None
    source: str | None
    implements: tuple[str, ...] = ()

    def as_json(self) -> dict[str, str | None]:
        """The ``document`` object of a search result (SPEC section 5)."""
        return {
            "key": self.key,
            "iri": self.iri,
            "number": self.number,
            "doc_type": self.doc_type,
            "issuer": self.issuer,
            "date": self.date,
            "title": self.title,
            "source": self.source,
        }


@dataclass(frozen=True)
class Passage:
    """One provision as indexed."""

    iri: str
    provision_id: str
    path: tuple[str, ...]
    text: str
    document: DocumentInfo = field(compare=False)
    table: bool = False  # an annex data table (search/tables.py)

    @property
    def embed_text(self) -> str:
        """What the embedder sees (see :func:`embed_text`)."""
        return embed_text(self.text, self.path)

    @property
    def context(self) -> str:
        """Lower-weight full-text context (see :func:`context_text`)."""
        return context_text(self.document.title, self.path)

    def fingerprint(self, embedder_id: str) -> str:
        """Changes whenever the vector would change (text, headings or embedder)."""
        pieces = "\x01".join(chunk_texts(self.text, self.path))
        return hashlib.sha256(f"{embedder_id}\x00{pieces}".encode()).hexdigest()[:32]


def document_info(doc: ExtractedDocument, base_iri: str) -> DocumentInfo:
    """The document's metadata and IRI (the same IRI the graph mints for it)."""
    issuer = doc.get("issuer") or {}
    org = issuer.get("org")
    return DocumentInfo(
        key=doc["key"],
        iri=document_iri(base_iri, doc["key"], issuer_slug(doc.get("number"), org)),
        number=doc.get("number"),
        doc_type=doc.get("doc_type"),
        doc_type_code=doc.get("doc_type_code"),
        issuer=issuer.get("name") or org,
        date=doc.get("date"),
        title=doc.get("title"),
        source=(doc.get("source") or {}).get("path"),
        implements=tuple(dict.fromkeys([*doc.get("implements", []), *doc.get("implements_partly", [])])),
    )


def passages_of(doc: ExtractedDocument, base_iri: str) -> list[Passage]:
    """The document's provisions as passages (empty provisions are skipped)."""
    info = document_info(doc, base_iri)
    provisions = doc.get("provisions", [])
    iris = provision_iris(info.iri, [p.get("id") for p in provisions])
    out = []
    for provision, iri in zip(provisions, iris, strict=True):
        text = (provision.get("text") or "").strip()
        if text:
            path = tuple(provision.get("path") or [])
            ident = provision.get("id") or ""
            out.append(Passage(iri, ident, path, text, info, is_table(ident, path, text)))
    return out
