"""``kg backup`` / ``kg restore``: a restored home holds the same quads and answers searches the same."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from api.backup import BackupError, backup, restore
from api.corpus import Corpus
from api.settings import Settings

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
KG = [sys.executable, "-c", "from api.cli import main; main()"]
QUERIES = ["thời hạn gửi báo cáo sơ kết", "kinh phi thuc hien"]


def _state(corpus: Corpus) -> tuple[set[str], list[list[tuple[str, str]]]]:
    quads = {str(q) for q in corpus.store}
    found = [[(h.passage.iri, f"{h.score:.6f}") for h in corpus.search.search(q, k=5).hits] for q in QUERIES]
    return quads, found


@pytest.mark.slow  # a real ingest (embedding) and a kg subprocess
def test_restore_gives_back_the_same_store_and_index(tmp_path: Path) -> None:
    source = Corpus(Settings.load(tmp_path / "a", environ={}))
    events = list(source.ingest([next(SEEDS.glob("000_*.txt"))]))
    assert {e.status for e in events} == {"ingested"}
    before = _state(source)
    manifest = backup(source, tmp_path / "backup")
    assert manifest["quads"] == len(before[0]) and manifest["passages"] == len(source.search)
    with pytest.raises(BackupError, match="backup"):
        backup(source, tmp_path / "backup")  # never over an earlier backup
    source.delete_document("117-KH/ThU@2023")  # changes after the backup are not in it
    del source

    done = subprocess.run([*KG, "--home", str(tmp_path / "b"), "restore", str(tmp_path / "backup")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    restored = Corpus(Settings.load(tmp_path / "b", environ={}))
    assert _state(restored) == before
    with pytest.raises(BackupError, match=r"vnkg-backup\.json"):
        restore(Settings.load(tmp_path / "c", environ={}), tmp_path / "a")
