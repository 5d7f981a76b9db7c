"""Property tests: the parser never crashes, normalization keeps offsets and is idempotent."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.normalize import clean
from ingest.pipeline import extract_source
from ingest.readers import SourceText
from ingest.registry import Registry
from kg.text import nfc

REGISTRY = Registry.load(Path(__file__).resolve().parent.parent / "data" / "central_documents.json")
SEED = (Path(__file__).resolve().parent.parent / "data" / "seeds").glob("*.txt")
SEED_LINES = [line for path in sorted(SEED) for line in path.read_text(encoding="utf-8").splitlines()]

# Text that looks like the genre: real lines of the seeds, shuffled and cut, plus noise.
genre_text = st.lists(
    st.one_of(
        st.sampled_from(SEED_LINES),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80),
        st.sampled_from(["**", "*", "PAGE  ", "\t", "Số:", "ngày 31/02/2023", "Chỉ thị 23", "(sau đây gọi tắt là",
                         "Nơi nhận:", "T/M BAN THƯỜNG VỤ", "I.", "1.", "2.1.", "⁽¹⁾", "“", "về"]),
    ),
    max_size=60,
).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(genre_text)
def test_extraction_never_crashes_and_mentions_point_into_the_text(text: str) -> None:
    text = nfc(text)
    doc = extract_source(SourceText("x.txt", "0" * 64, "txt", text), REGISTRY)
    for ref in doc["references"]:
        assert ref["mentions"], ref["key"]
        for mention in ref["mentions"]:
            assert text[mention["start"] : mention["end"]] == mention["text"]
    assert set(doc["based_on"]) <= {r["key"] for r in doc["references"]}
    assert set(doc["implements"]) <= {r["key"] for r in doc["references"]}
    ids = [p["id"] for p in doc["provisions"]]
    assert len(ids) == len(set(ids))
    for task in doc["tasks"]:
        assert task["deadline"] is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?|-Q[1-4])", task["deadline"])


@given(st.text())
def test_clean_keeps_length_and_is_idempotent(text: str) -> None:
    once = clean(text)
    assert len(once) == len(text)
    assert clean(once) == once


@given(st.text())
def test_nfc_is_idempotent_and_undoes_nfd(text: str) -> None:
    assert nfc(nfc(text)) == nfc(text)
    assert nfc(unicodedata.normalize("NFD", text)) == nfc(text)
