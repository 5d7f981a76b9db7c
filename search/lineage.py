"""Lineage per provision: which provision of the parent plan each provision of a child plan comes from.

Every child provision is compared with every parent provision (a plan has tens of provisions, so a
pair of documents costs a few thousand set operations) on two measures:

- exact overlap of masked syllable 3-grams (:mod:`search.shingles`): names of units, dates, document
  numbers and item numbering are masked first, so "Thành ủy Lai Châu ... trước ngày 15/3/2023" and
  "Đảng ủy phường Tân Phong ... trước ngày 20/3/2023" are the same wording. The Jaccard of the sets
  finds copies; for shared wording each 3-gram is weighted by its rarity across both plans, so a
  campaign's long name repeated in every provision links none of them;
- the provisions' stored embeddings (mean of their pieces), which still see a provision that was
  reworded: a parent provision far nearer than the runner-up (a ratio test) is the one adapted.

A provision is ``copied`` when its masked shingles are (nearly) the parent's, ``adapted`` when it
shares rare wording with one parent provision or is plainly nearest to it in meaning, else ``new``.
Matching is one-to-one, best pairs first; a child provision that repeats or splits an already
matched parent provision keeps it when the wording overlap alone says so. Thresholds and the
measurements behind them: docs/reuse.md.
"""

from __future__ import annotations

import math
from collections import Counter
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
ADAPT_WORDING = 0.1  # weighted wording overlap that makes an adaptation (new provisions sit at 0-0.06)
DISTINCT_RATIO = 0.8  # nearest parent provision's cosine distance under this share of the runner-up's
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
    wording: float  # mean of the two containments, shingles weighted by rarity
    score: float
    distinct: bool  # the child provision's nearest parent provision by far (meaning)


def _score(wording: float, jaccard: float, cosine: float | None) -> float:
    if cosine is None:
        return max(jaccard, wording)
    meaning = min(1.0, max(0.0, (cosine - _COSINE_FLOOR) / _COSINE_SPAN))
    return max(jaccard, 0.5 * wording + 0.5 * meaning)


def _weights(sets: Sequence[frozenset[str]]) -> dict[str, float]:
    """Inverse provision frequency of each shingle over both plans.

    Wording found in many provisions (the full name of a campaign, a stock phrase) says little about
    which parent provision a child provision comes from; wording found in one pair says much.
    """
    frequency = Counter(s for shingle_set in sets for s in shingle_set)
    n = len(sets)
    return {s: math.log((n + 1) / f) for s, f in frequency.items()}


def _contained(a: frozenset[str], b: frozenset[str], weight: dict[str, float]) -> float:
    """Weighted share of ``a``'s shingles found in ``b``."""
    total = sum(weight[s] for s in a)
    return sum(weight[s] for s in a & b) / total if total else 0.0


def _distinct(cosines: np.ndarray) -> np.ndarray:
    """Per pair: True when it is its child provision's nearest parent provision by far (ratio test).

    e5 cosines of provisions of one domain crowd into 0.85-1.0, so their level says little; what
    marks an adaptation is a parent provision much nearer than the runner-up (Lowe's ratio test on
    cosine distances). A new provision has no such neighbour: its nearest few are about equally near.
    """
    out = np.zeros(cosines.shape, dtype=bool)
    if cosines.shape[1] < 3:  # against one other candidate, "far nearer" is chance
        return out
    distances = 1.0 - cosines
    order = np.argsort(distances, axis=1)
    rows = np.arange(len(cosines))
    nearest, runner_up = distances[rows, order[:, 0]], distances[rows, order[:, 1]]
    out[rows, order[:, 0]] = nearest < DISTINCT_RATIO * runner_up
    return out


def _pairs(child: Sequence[ProvisionText], parent: Sequence[ProvisionText]) -> list[_Pair]:
    child_tokens = [masked_tokens(p.text) for p in child]
    parent_tokens = [masked_tokens(p.text) for p in parent]
    child_sets = [token_shingles(t) for t in child_tokens]
    parent_sets = [token_shingles(t) for t in parent_tokens]
    weight = _weights([*child_sets, *parent_sets])
    cosines: np.ndarray | None = None
    distinct: np.ndarray | None = None
    if child and parent and all(p.vector is not None for p in (*child, *parent)):
        cosines = np.stack([p.vector for p in child]) @ np.stack([p.vector for p in parent]).T  # type: ignore[misc]
        distinct = _distinct(cosines)
    out = []
    for i, a in enumerate(child_sets):
        for j, b in enumerate(parent_sets):
            jaccard = overlap(a, b).jaccard
            if SEQUENCE_FROM <= jaccard < COPY_JACCARD:  # one word changed in a short provision: compare in order
                ratio = SequenceMatcher(None, child_tokens[i], parent_tokens[j], autojunk=False).ratio()
                jaccard = max(jaccard, ratio if ratio >= COPY_SEQUENCE else 0.0)
            wording = (_contained(a, b, weight) + _contained(b, a, weight)) / 2
            cosine = float(cosines[i, j]) if cosines is not None else None
            nearest = bool(distinct[i, j]) if distinct is not None else False
            out.append(_Pair(i, j, jaccard, wording, _score(wording, jaccard, cosine), nearest))
    return out


def _kind(pair: _Pair) -> str | None:
    if pair.jaccard >= COPY_JACCARD:
        return COPIED
    if pair.wording >= ADAPT_WORDING or pair.distinct:  # shared wording, or plainly that provision's meaning
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
