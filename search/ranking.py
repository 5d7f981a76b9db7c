"""Ranking helpers: reciprocal-rank fusion, grouping of copied wording under its source, highlights.

>>> rrf([[1, 2, 3], [3, 1]])[:2]
[(1, 0.03252247488101534), (3, 0.032266458495966696)]
>>> highlights("bao dam kinh phi cho hoat dong", "Văn phòng đảm bảo kinh phí cho tổ chức các hoạt động")
['đảm bảo kinh phí cho', 'hoạt động']
>>> highlights("quý ba", "Quý III: nêu cao trách nhiệm")
['Quý III']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from search.normalize import folded_key

T = TypeVar("T", bound=Hashable)

RRF_K = 60
# Particles and function words that match everywhere: never highlighted on their own.
_PARTICLES = frozenset(
    [
        "va",
        "cua",
        "cac",
        "cho",
        "trong",
        "voi",
        "the",
        "nhung",
        "duoc",
        "la",
        "co",
        "de",
        "theo",
        "ve",
        "tu",
        "den",
        "tren",
        "tai",
        "mot",
        "nay",
        "khi",
        "da",
        "se",
    ]
)
_WORD = re.compile(r"\w+")
_ROMAN_OR_WORD = re.compile(r"^(?:[ivxl]+|mot|hai|ba|bon|tu|nhat)$")


def rrf(
    rankings: Sequence[Sequence[T]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[T, float]]:
    """Reciprocal-rank fusion: ``sum w/(k + rank)`` over the rankings, best first (ties: first seen)."""
    scores: dict[T, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def fuse_scores(
    dense: Sequence[tuple[T, float]], lexical: Sequence[tuple[T, float]], dense_weight: float
) -> list[tuple[T, float]]:
    """Convex combination of the two modes' normalized scores, best first (ties: first seen).

    BM25 is divided by its best score, cosines are min-max scaled over the candidates; an item that
    one mode did not return scores 0 there. Unlike rank fusion, a clear BM25 winner stays first
    while dense reorders what BM25 scores alike.

    >>> fuse_scores([(1, 0.9), (2, 0.8)], [(2, 10.0), (3, 5.0)], 0.3)
    [(2, 0.7), (3, 0.35), (1, 0.3)]
    """

    def scaled(pairs: Sequence[tuple[T, float]], floor: float | None) -> dict[T, float]:
        if not pairs:
            return {}
        top = max(s for _, s in pairs)
        low = min(s for _, s in pairs) if floor is None else floor
        span = (top - low) or 1.0
        return {i: (s - low) / span for i, s in pairs}

    d, lex = scaled(dense, None), scaled(lexical, 0.0)
    scores = {i: dense_weight * d.get(i, 0.0) + (1 - dense_weight) * lex.get(i, 0.0) for i in {**d, **lex}}
    order = {i: n for n, i in enumerate([*d, *lex])}
    return sorted(((i, round(s, 12)) for i, s in scores.items()), key=lambda kv: (-kv[1], order[kv[0]]))


def group_copies(
    ranked: Sequence[T], cluster_of: Mapping[T, int], date_of: Callable[[T], str | None], limit: int
) -> list[tuple[T, list[T]]]:
    """Fold the items of one copy cluster into one group, placed where its best item ranks.

    The group's head is its earliest-dated member (the source of the wording), then the best ranked;
    items without a cluster stand alone. Returns up to ``limit`` ``(head, copies)`` pairs.

    >>> group_copies([5, 7, 9, 4], {5: 1, 7: 2, 9: 1}, {5: "2023-03", 9: "2022-12"}.get, 3)
    [(9, [5]), (7, []), (4, [])]
    """
    groups: dict[tuple[str, Hashable], list[T]] = {}
    for item in ranked:
        cluster = cluster_of.get(item)
        key: tuple[str, Hashable] = ("copy", cluster) if cluster is not None else ("own", item)
        if key not in groups:
            if len(groups) >= limit:
                continue
            groups[key] = []
        groups[key].append(item)
    out = []
    for members in groups.values():
        order = {m: n for n, m in enumerate(members)}
        head = min(members, key=lambda m: (date_of(m) or "9999", order[m]))
        out.append((head, [m for m in members if m != head]))
    return out


@functools.lru_cache(maxsize=65_536)  # a query's hits repeat the same few thousand words
def _word_key(word: str) -> str:
    key = folded_key(word)
    return key.lstrip("0") or key


def highlights(query: str, text: str, limit: int = 8) -> list[str]:
    """Phrases of ``text`` made of query words (matched without diacritics), in text order."""
    query_words = [_word_key(w) for w in _WORD.findall(folded_key(query))]
    wanted = set(query_words)
    numerals = {w for w in wanted if w.isdigit()}
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        key = _word_key(match.group())
        hit = key in wanted or (
            numerals and _ROMAN_OR_WORD.match(key) and folded_key(f"quý {key}")[4:] in numerals
        )
        if not hit:
            continue
        if spans and re.fullmatch(r"[\s\-–]*", text[spans[-1][1] : match.start()]):
            spans[-1] = (spans[-1][0], match.end())
        else:
            spans.append((match.start(), match.end()))
    out: list[str] = []
    for start, end in spans:
        phrase = text[start:end]
        if folded_key(phrase) in _PARTICLES or phrase in out:
            continue
        out.append(phrase)
    # Drop what a longer highlighted phrase already shows ("bảo", "đảm bảo" next to "đảm bảo kinh phí"),
    # and a lone syllable that is part of any highlighted phrase.
    keys = [f" {folded_key(p)} " for p in out]
    in_phrases = {w for p in out if len(p.split()) > 1 for w in folded_key(p).split()}
    out = [
        p
        for p, key in zip(out, keys, strict=True)
        if not any(key != other and key in other for other in keys)
        and (len(p.split()) > 1 or folded_key(p) not in in_phrases)
    ]
    seen: set[str] = set()  # the same words in another case ("Học tập", "học tập")
    out = [p for p in out if not (folded_key(p) in seen or seen.add(folded_key(p)))]
    return sorted(out, key=lambda p: -len(p.split()))[:limit] if len(out) > limit else out
