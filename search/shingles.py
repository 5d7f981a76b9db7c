"""Masked syllable shingles: what stays of a provision's wording once names, dates and numbering go.

A ward plan copies its city's provision and writes "Đảng ủy phường Tân Phong" where the city wrote
"Thành ủy Lai Châu", its own dates and its own item numbers. :func:`masked_tokens` folds such spans
into one placeholder each (``UNIT``, ``DATE``, ``DOCNO``, ``0``), so the copy keeps the same
syllable shingles as its source. The shingles feed the exact overlap measures of lineage
(:func:`overlap`) and the MinHash signatures of search grouping (:func:`signature`).

>>> masked_tokens("1. Thành ủy Lai Châu báo cáo trước ngày 15/3/2023.")
['UNIT', 'bao', 'cao', 'truoc', 'DATE']
>>> masked_tokens("2. Đảng ủy phường Tân Phong báo cáo trước ngày 20/4/2023.")
['UNIT', 'bao', 'cao', 'truoc', 'DATE']
>>> masked_tokens("Thực hiện Kế hoạch số 131-KH/ThU của Thành ủy về an sinh xã hội")
['thuc', 'hien', 'ke', 'hoach', 'so', 'DOCNO', 'cua', 'UNIT', 've', 'an', 'sinh', 'xa', 'hoi']
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from kg.text import fold, nfc

UNIT, DATE, DOCNO, NUMBER = "UNIT", "DATE", "DOCNO", "0"
SHINGLE_SIZE = 3
NUM_PERM = 64

# Document numbers: 131-KH/ThU, 23-CT/TW, 30/2020/NĐ-CP.
_DOCNO = re.compile(r"\b\d+(?:/\d{4})?[-/][^\W\d_][\w-]*(?:/[\w-]+)*", re.UNICODE)
_DATES = re.compile(
    r"(?i)\bngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
    r"|\b(?:ngày\s+)?\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}\b"
    r"|\b(?:tháng|quý)\s+(?:\d{1,2}|[IV]{1,3})\s*(?:/|\s+năm\s+)\s*\d{4}\b"
    r"|\b(?:tháng|quý)\s+(?:\d{1,2}|[IV]{1,3})\b"
    r"|\b\d{1,2}\s*/\s*\d{4}\b"
    r"|\bnăm\s+\d{4}\b"
    r"|\b\d{4}\s*-\s*\d{4}\b"
)
# Outline numbering and bullets at the start of a line: "I.", "2.1.", "a)", "-", "+".
_NUMBERING = re.compile(r"(?m)^\s*(?:(?:[IVXL]+|\d+(?:\.\d+)*|[a-zđ])[.)]|[-+*•–])\s*")
_TOKEN = re.compile(r"\w+|[^\w\s]")
# Word sequences (lower case, diacritics kept: "phường" is not "phương") that start the name of a
# committee or an administrative unit; the capitalized words after them are the name.
_UNIT_HEADS: tuple[tuple[str, ...], ...] = tuple(
    tuple(h.split())
    for h in (
        "ban thường vụ", "ban chấp hành", "thường trực", "tỉnh ủy", "thành ủy", "huyện ủy", "quận ủy",
        "thị ủy", "đảng ủy", "đảng bộ", "thành phố", "thị xã", "thị trấn", "thành đoàn", "tỉnh đoàn",
        "huyện đoàn", "tp", "tỉnh", "huyện", "quận", "phường", "xã",
    )
)
_NOT_UNIT_AFTER = {"xã": {"hội", "viên"}}
_HEADS_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _head in sorted(_UNIT_HEADS, key=len, reverse=True):
    _HEADS_BY_FIRST.setdefault(_head[0], []).append(_head)


def masked_tokens(text: str) -> list[str]:
    """Folded syllables of ``text`` with unit names, dates, document numbers and numbering masked."""
    text = nfc(text).replace("uỷ", "ủy").replace("Uỷ", "Ủy").replace("UỶ", "ỦY")
    text = _NUMBERING.sub(" ", text)
    text = _DOCNO.sub(f" {DOCNO} ", text)
    text = _DATES.sub(f" {DATE} ", text)
    raw = _TOKEN.findall(text)
    lower = [t if t in (DATE, DOCNO) else t.lower() for t in raw]
    folded = _TOKEN.findall(fold(text))  # one fold for the text (per token it dominates the cost)
    if len(folded) != len(raw):
        folded = [fold(t) for t in raw]
    out: list[str] = []
    i = 0
    while i < len(raw):
        if not raw[i][0].isalnum() and raw[i][0] != "_":  # punctuation: ends a name, never a token
            i += 1
            continue
        head = _unit_head(lower, i)
        if head:
            i += head
            while i < len(raw) and (step := _unit_head(lower, i) or _is_name(raw[i])):
                i += step
            if not out or out[-1] != UNIT:
                out.append(UNIT)
            continue
        token = NUMBER if raw[i].isdigit() else lower[i] if lower[i] in (DATE, DOCNO) else folded[i]
        if token not in (DATE, NUMBER) or not out or out[-1] != token:
            out.append(token)
        i += 1
    return out


def _is_name(token: str) -> int:
    """1 when ``token`` is a capitalized word (part of a proper name), else 0."""
    return int(token[:1].isupper() and token not in (DATE, DOCNO))


def _unit_head(lower: Sequence[str], i: int) -> int:
    """Length of the unit-name head starting at ``lower[i]`` (0 when none)."""
    for head in _HEADS_BY_FIRST.get(lower[i], ()):
        n = len(head)
        if tuple(lower[i : i + n]) == head:
            after = lower[i + n] if i + n < len(lower) else ""
            if after in _NOT_UNIT_AFTER.get(head[-1], ()):
                return 0
            return n
    return 0


def shingles(text: str, size: int = SHINGLE_SIZE) -> frozenset[str]:
    """Masked syllable ``size``-grams of ``text`` (its masked syllables when shorter)."""
    return token_shingles(masked_tokens(text), size)


def token_shingles(tokens: Sequence[str], size: int = SHINGLE_SIZE) -> frozenset[str]:
    """``size``-grams of already masked syllables."""
    if len(tokens) < size:
        return frozenset([" ".join(tokens)] if tokens else [])
    return frozenset(" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


@dataclass(frozen=True)
class Overlap:
    """Exact shingle overlap of a child provision with a parent provision."""

    jaccard: float  # |A ∩ B| / |A ∪ B|
    of_child: float  # share of the child's shingles found in the parent
    of_parent: float  # share of the parent's shingles found in the child


def overlap(child: frozenset[str], parent: frozenset[str]) -> Overlap:
    """Jaccard and both containments of two shingle sets."""
    if not child or not parent:
        return Overlap(0.0, 0.0, 0.0)
    common = len(child & parent)
    return Overlap(common / len(child | parent), common / len(child), common / len(parent))


def _stable_hashes(items: Iterable[str]) -> np.ndarray:
    return np.fromiter((zlib.crc32(s.encode()) for s in items), dtype=np.uint64)


def signature(text: str, num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signature (``datasketch``, seed fixed) of the masked shingles: ``num_perm`` uint64."""
    return minhash(shingles(text), num_perm)


def minhash(items: frozenset[str], num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signature of a shingle set (stable across processes: shingles hashed with CRC-32)."""
    minhash = MinHash(num_perm=num_perm, hashfunc=int, permutations=_permutations(num_perm), scheme="affine32")
    if items:
        minhash.update_batch([int(h) for h in _stable_hashes(items)])
    return minhash.hashvalues.astype(np.uint64)


@functools.cache
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The MinHash permutations of seed 1, made once (datasketch draws them on every construction)."""
    return MinHash(num_perm=num_perm, seed=1, scheme="affine32").permutations


def band_keys(sig: np.ndarray, bands: int) -> list[int]:
    """One int64 key per band of a signature (locality-sensitive hashing buckets).

    Two signatures share a band key with probability ``j ** rows`` (``j`` their Jaccard).
    """
    rows = len(sig) // bands
    out = []
    for b in range(bands):
        chunk = sig[b * rows : (b + 1) * rows].tobytes()
        out.append((zlib.crc32(chunk) << 8 | b) - (1 << 39))  # the band number keeps bands apart
    return out


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of equal MinHash values: an estimate of the shingle sets' Jaccard."""
    return float(np.count_nonzero(a == b)) / len(a)
