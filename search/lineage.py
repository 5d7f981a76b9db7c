"""Lineage per provision: which provision of the parent plan each provision of a child plan comes from.

Every child provision is compared with every parent provision (a plan has tens of provisions, so a
pair of documents costs a few thousand set operations) on two measures:

- exact overlap of masked syllable 3-grams (:mod:`search.shingles`): names of units, dates, document
  numbers and item numbering are masked first, so "Thành ủy Lai Châu ... trước ngày 15/3/2023" and
  "Đảng ủy phường Tân Phong ... trước ngày 20/3/2023" are the same wording;
- the cosine of the provisions' stored embeddings (mean of their pieces), which still sees a
  provision that was reworded.

A provision is ``copied`` when its masked shingles are (nearly) the parent's, ``adapted`` when it
shares wording and meaning with one parent provision, else ``new``. Matching is one-to-one, best
pairs first; a child provision that repeats or splits an already matched parent provision keeps it
when the wording overlap alone says so. Thresholds and the measurements behind them: docs/reuse.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import numpy as np

from search.index import SearchIndex
from search.shingles import masked_tokens, overlap, token_shingles

COPIED, ADAPTED, NEW = "copied", "adapted", "new"
KINDS = (COPIED, ADAPTED, NEW)
PREAMBLE = "preamble"

COPY_JACCARD = 0.8  # masked 3-gram Jaccard from which a provision is a copy ...
COPY_SEQUENCE = 0.92  # ... or masked syllables this alike in order (difflib ratio; one word in a short text
SEQUENCE_FROM = 0.5  # changes three 3-grams), checked from this Jaccard up
ADAPT_SCORE = 0.45  # combined score from which it is an adaptation ...
ADAPT_MIN_WORDING = 0.1  # ... provided it shares this much wording
ADAPT_WORDING = 0.3  # wording overlap that is an adaptation by itself
_COSINE_FLOOR, _COSINE_SPAN = 0.85, 0.15  # e5 cosines of unrelated provisions of one domain sit near 0.85-0.9


@dataclass(frozen=True)
class ProvisionText:
    """A provision as lineage sees it: id, IRI, text and (when indexed) its unit embedding."""

    id: str
    iri: str
    text: str
    vector: np.ndarray | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Derivation:
    """The lineage of one child provision."""

    provision: ProvisionText
    parent: ProvisionText | None
    kind: str
    similarity: float

    def as_json(self) -> dict[str, Any]:
        """One element of ``provisions`` in ``kg compare --json``."""
        return {
            "provision": self.provision.id,
            "text": self.provision.text,
            "parent_provision": self.parent.id if self.parent else None,
            "kind": self.kind,
            "similarity": round(self.similarity, 4),
        }


@dataclass(frozen=True)
class Lineage:
    """A child document's provisions against one parent document."""

    child: str
    parent: str
    derivations: list[Derivation]
    parent_provisions: list[ProvisionText]

    @property
    def copied_share(self) -> float:
        """Share of the child's provision text (characters) that is copied from the parent."""
        total = sum(len(d.provision.text) for d in self.derivations)
        copied = sum(len(d.provision.text) for d in self.derivations if d.kind == COPIED)
        return copied / total if total else 0.0

    def covered(self) -> list[str]:
        """Parent provision ids (the preamble aside) that the child copies or adapts, in parent order."""
        taken = {d.parent.id for d in self.derivations if d.parent is not None}
        return [p.id for p in self.parent_provisions if p.id in taken and p.id != PREAMBLE]

    def missing(self) -> list[str]:
        """Parent provision ids (the preamble aside) that the child leaves out, in parent order."""
        taken = {d.parent.id for d in self.derivations if d.parent is not None}
        return [p.id for p in self.parent_provisions if p.id not in taken and p.id != PREAMBLE]

    def as_json(self) -> dict[str, Any]:
        """``kg compare --json`` (SPEC section 9)."""
        return {
            "child": self.child,
            "parent": self.parent,
            "copied_share": round(self.copied_share, 4),
            "provisions": [d.as_json() for d in self.derivations],
        }


@dataclass(frozen=True)
class _Pair:
    child: int
    parent: int
    jaccard: float
    wording: float  # mean of the two containments
    score: float


def _score(wording: float, jaccard: float, cosine: float | None) -> float:
    if cosine is None:
        return max(jaccard, wording)
    meaning = min(1.0, max(0.0, (cosine - _COSINE_FLOOR) / _COSINE_SPAN))
    return max(jaccard, 0.5 * wording + 0.5 * meaning)


def _pairs(child: Sequence[ProvisionText], parent: Sequence[ProvisionText]) -> list[_Pair]:
    child_tokens = [masked_tokens(p.text) for p in child]
    parent_tokens = [masked_tokens(p.text) for p in parent]
    child_sets = [token_shingles(t) for t in child_tokens]
    parent_sets = [token_shingles(t) for t in parent_tokens]
    cosines: np.ndarray | None = None
    if child and parent and all(p.vector is not None for p in (*child, *parent)):
        cosines = np.stack([p.vector for p in child]) @ np.stack([p.vector for p in parent]).T  # type: ignore[misc]
    out = []
    for i, a in enumerate(child_sets):
        for j, b in enumerate(parent_sets):
            o = overlap(a, b)
            jaccard = o.jaccard
            if SEQUENCE_FROM <= jaccard < COPY_JACCARD:  # one word changed in a short provision: compare in order
                ratio = SequenceMatcher(None, child_tokens[i], parent_tokens[j], autojunk=False).ratio()
                jaccard = max(jaccard, ratio if ratio >= COPY_SEQUENCE else 0.0)
            wording = (o.of_child + o.of_parent) / 2
            cosine = float(cosines[i, j]) if cosines is not None else None
            out.append(_Pair(i, j, jaccard, wording, _score(wording, jaccard, cosine)))
    return out


def _kind(pair: _Pair) -> str | None:
    if pair.jaccard >= COPY_JACCARD:
        return COPIED
    if pair.wording >= ADAPT_WORDING or (pair.score >= ADAPT_SCORE and pair.wording >= ADAPT_MIN_WORDING):
        return ADAPTED
    return None


def derive(child: Sequence[ProvisionText], parent: Sequence[ProvisionText]) -> list[Derivation]:
    """Classify each child provision as copied from, adapted from, or new against ``parent``."""
    pairs = sorted(_pairs(child, parent), key=lambda p: (-p.score, -p.jaccard, p.child, p.parent))
    chosen: dict[int, tuple[_Pair, str]] = {}
    taken: set[int] = set()
    for pair in pairs:  # one-to-one, best first
        kind = _kind(pair)
        if kind and pair.child not in chosen and pair.parent not in taken:
            chosen[pair.child] = (pair, kind)
            taken.add(pair.parent)
    for pair in pairs:  # a repeated or split parent provision: wording alone decides
        kind = _kind(pair)
        if pair.child not in chosen and (kind == COPIED or pair.wording >= ADAPT_WORDING):
            chosen[pair.child] = (pair, kind or ADAPTED)
    best = {}
    for pair in pairs:
        best.setdefault(pair.child, pair.score)
    out = []
    for i, provision in enumerate(child):
        if i in chosen:
            pair, kind = chosen[i]
            similarity = pair.jaccard if kind == COPIED else pair.score
            out.append(Derivation(provision, parent[pair.parent], kind, similarity))
        else:
            out.append(Derivation(provision, None, NEW, best.get(i, 0.0)))
    return out


def compare(
    child_key: str, child: Sequence[ProvisionText], parent_key: str, parent: Sequence[ProvisionText]
) -> Lineage:
    """The lineage of ``child_key``'s provisions against ``parent_key``'s."""
    return Lineage(child_key, parent_key, derive(child, parent), list(parent))


def provisions_of(index: SearchIndex, key: str) -> list[ProvisionText]:
    """The indexed provisions of document ``key``, in document order, with their vectors."""
    ids = index.catalog.ids_of_documents([key])
    rows = index.catalog.passages(ids)
    try:
        vectors = index.provision_vectors(ids) if ids else {}
    except RuntimeError:  # vectors not (yet) stored: wording alone decides
        vectors = {}
    return [ProvisionText(rows[i].provision_id, rows[i].iri, rows[i].text, vectors.get(i)) for i in ids if i in rows]
