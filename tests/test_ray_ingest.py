"""``kg ingest --ray``: a one-node Ray head on 127.0.0.1 gives the same graph and search as a local ingest."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from api.cluster import local_head

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "seeds"
FILES = ("000_a3467574febcfd93.txt", "002_a8d706aac7298260.txt")  # the two shortest seeds keep this short
QUERIES = ("thời hạn gửi báo cáo sơ kết cấp cơ sở", "chi bộ không có chi ủy")


def _free_port() -> int:
    """A free port outside 10002-19999 (Ray's worker port range, kept apart from the head's)."""
    for port in range(26400, 26500):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port")


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A one-node head on 127.0.0.1 in its own process group, stopped by its group id (SIGTERM, SIGKILL)."""
    with local_head(_free_port(), tmp_path_factory.mktemp("ray")) as address:
        yield address


def _kg(home: Path, *args: str, ray_address: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    env.pop("KG_RAY_ADDRESS", None)
    if ray_address:
        env["KG_RAY_ADDRESS"] = ray_address
    return subprocess.run([sys.executable, "-c", "from api.cli import main; main()", "--home", str(home), *args],
                          capture_output=True, text=True, env=env, timeout=900)


def _quads_without_times(home: Path) -> set[str]:
    store = pyoxigraph.Store.read_only(str(home / "store"))
    generated = "http://www.w3.org/ns/prov#generatedAtTime"
    return {str(q) for q in store if q.predicate.value != generated}


def _search(home: Path) -> list[list[tuple[str, float]]]:
    out = []
    for query in QUERIES:
        run = _kg(home, "search", query, "--json", "--k", "5")
        assert run.returncode == 0, run.stderr
        out.append([(r["provision"]["iri"], round(r["score"], 4)) for r in json.loads(run.stdout)["results"]])
    return out


@pytest.mark.slow
def test_a_ray_ingest_equals_a_local_ingest(ray_head: str, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in FILES:
        shutil.copy(SEEDS / name, seeds / name)
    local = _kg(tmp_path / "local", "ingest", str(seeds))
    assert local.returncode == 0, local.stderr
    on_ray = _kg(tmp_path / "ray", "ingest", str(seeds), "--ray", ray_head)
    assert on_ray.returncode == 0, on_ray.stderr
    assert "đã nạp      │      2" in on_ray.stdout
    assert _quads_without_times(tmp_path / "ray") == _quads_without_times(tmp_path / "local")
    assert _search(tmp_path / "ray") == _search(tmp_path / "local")
    # The address from the environment works too; an unreachable one is one clear error.
    bad = _kg(tmp_path / "bad", "ingest", str(seeds), ray_address="127.0.0.1:1")
    assert bad.returncode == 1 and "Ray" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
