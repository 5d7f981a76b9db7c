"""`kg ingest` of a 40-document cascade corpus: this version against a baseline install, same run.

The corpus (benchmarks/cascade_corpus.py): each seed re-issued by ten committees, about one
embedded piece in five unique. Each run ingests the whole folder into a fresh home with the real
command (a new process: model load included). The baseline is another install of the project, by
default commit 48703b5 in its own venv:

    git worktree add --detach /work/baseline 48703b5
    python -m venv /work/baseline-venv && /work/baseline-venv/bin/pip install -e /work/baseline

Run:  nice -n 10 python benchmarks/ingest_speed.py [--baseline-kg /work/baseline-venv/bin/kg] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cascade_corpus import make_corpus, unique_share
from extraction import replace_section

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Ingest speed (cascade corpus)"
QUERIES = ("thời hạn gửi báo cáo sơ kết cấp cơ sở", "kinh phí thực hiện kế hoạch", "chi bộ không có chi ủy")


def _current_kg() -> list[str]:
    return [sys.executable, "-c", "from api.cli import main; main()"]


def _env(current: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KG_HOME")}
    if current:
        env["PYTHONPATH"] = str(ROOT)
    return env


def timed_ingest(kg: list[str], home: Path, corpus: Path, current: bool) -> tuple[float, float]:
    """Wall-clock and CPU seconds (the command and its worker processes) of ``kg ingest`` in a fresh home.

    On a shared machine the wall time depends on the other users' load; CPU time much less so.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*kg, "--home", str(home), "ingest", str(corpus)], check=True, env=_env(current),
                   cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def top_keys(kg: list[str], home: Path, current: bool) -> list[list[str]]:
    """The document keys of the top 5 results of each query (to check both builds index the same)."""
    out = []
    for query in QUERIES:
        run = subprocess.run([*kg, "--home", str(home), "search", query, "--json", "--k", "5"], check=True,
                             env=_env(current), capture_output=True, text=True, cwd=tempfile.gettempdir())
        out.append([r["document"]["key"] for r in json.loads(run.stdout)["results"]])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-kg", default="/work/baseline-venv/bin/kg")
    parser.add_argument("--baseline-name", default="48703b5")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ingest-speed-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        files = make_corpus(corpus)
        distinct, pieces = unique_share(files)
        current = _current_kg()
        baseline = [args.baseline_kg]
        runs = {"new-1": timed_ingest(current, work / "new-1", corpus, True)}
        runs["base"] = timed_ingest(baseline, work / "base", corpus, False)
        runs["new-2"] = timed_ingest(current, work / "new-2", corpus, True)
        same = top_keys(current, work / "new-1", True) == top_keys(baseline, work / "base", False)
    base_wall, base_cpu = runs["base"]
    new_wall = statistics.mean([runs["new-1"][0], runs["new-2"][0]])
    new_cpu = statistics.mean([runs["new-1"][1], runs["new-2"][1]])
    rows = [("baseline " + args.baseline_name + " (one file at a time, every piece embedded)", runs["base"]),
            ("this version, run 1", runs["new-1"]), ("this version, run 2", runs["new-2"])]
    lines = [
        SECTION,
        "",
        f"`nice -n 10 python benchmarks/ingest_speed.py --write` on this shared 2-core machine: "
        f"`kg ingest` of {len(files)} files into a fresh home (a new process each, model load included), "
        f"{pieces} embedded pieces of which {distinct} distinct ({distinct / pieces:.0%}). Runs in the "
        f"order current, baseline, current; CPU time counts the command and its worker processes "
        f"(the wall time also depends on what the other users of the machine ran meanwhile).",
        "",
        "| build | wall time | CPU time | documents/s (wall) | speed-up (wall) | speed-up (CPU) |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {name} | {wall:.1f} s | {cpu:.1f} s | {len(files) / wall:.2f} | {base_wall / wall:.1f}× | "
          f"{base_cpu / cpu:.1f}× |" for name, (wall, cpu) in rows],
        "",
        f"Speed-up on the mean of the two runs: **{base_wall / new_wall:.1f}× wall time, "
        f"{base_cpu / new_cpu:.1f}× CPU time**. The same top-5 documents for {len(QUERIES)} queries in "
        f"both homes: {'yes' if same else 'no'} (this compares whole builds: the current one also carries "
        f"every other change since the baseline, in extraction and ranking).",
        "Where it comes from: each distinct piece is embedded once (cache keyed by embedder and text, "
        "deduplicated across the whole batch), pieces of 64 documents go to the embedder together, "
        "files are parsed in worker processes.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        replace_section(ROOT / "docs" / "benchmarks.md", SECTION, report)


if __name__ == "__main__":
    main()
