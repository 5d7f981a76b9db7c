"""``kg ingest --ray ADDRESS``: reading, OCR, parsing and embedding on a Ray cluster; the driver writes.

The driver (the ``kg`` process) lists the files, checks which are unchanged, then hands the rest to
the cluster: one Ray task per file reads and parses it (``ingest.parallel.extract_isolated``, the
very function local worker processes run), and a Ray Data ``map_batches`` over an actor pool embeds
the pieces the embedding cache lacks (one model load per actor, batches of ``EMBED_BATCH``).
Results come back to the driver, which writes the graph and the search index exactly as a local
ingest does (same order, same transactions, same cache). Workers read the files by path: the
cluster's nodes must see the files under the same path (a shared or copied file system).
Ray is optional (``pip install 'vnkg[ray]'``) and imported only here.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from api.settings import Settings
from ingest.parallel import Extraction, Failure, extract_isolated
from ingest.registry import Registry
from kg.errors import KgError

EMBED_BATCH = 64


class ClusterError(KgError):
    """Ray is missing or the cluster cannot be reached."""


def _import_ray() -> ModuleType:
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise ClusterError("Chưa cài Ray: chạy `pip install 'vnkg[ray]'` để nạp trên cụm Ray (--ray).") from None


def _extract_task(path: str, registry_path: str) -> Extraction | Failure:
    """A Ray task: read and parse one file, as a local worker process would."""
    return extract_isolated(Path(path), Registry.load(Path(registry_path)))


def _check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """Fail at once on a ``host:port`` nobody listens on (``ray.init`` would retry for minutes)."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return  # "auto", "ray://...": left to ray.init
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as err:
        raise ClusterError(f"Không kết nối được cụm Ray {address}: {err.strerror or err}") from None


class _PassageEmbedder:
    """A Ray Data actor: one embedding model per actor, a batch of piece texts per call."""

    def __init__(self, embedder: str, model: str | None) -> None:
        from search.embedders import make_embedder

        self.model = make_embedder(embedder, model)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        vectors = self.model.embed_passages([str(t) for t in batch["text"]])
        return {"row": batch["row"], "vector": list(vectors)}


class RayCluster:
    """A connection to a Ray cluster that extracts and embeds for :meth:`api.corpus.Corpus.ingest`."""

    def __init__(self, address: str, settings: Settings) -> None:
        self.ray = _import_ray()
        self.settings = settings
        _check_reachable(address)
        try:
            self.ray.init(address=address, ignore_reinit_error=True, log_to_driver=False, logging_level=logging.WARNING,
                          runtime_env={"env_vars": {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}})
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise ClusterError(f"Không kết nối được cụm Ray {address}: {err}") from None
        self._extract = self.ray.remote(_extract_task)

    def workers(self) -> int:
        """CPUs the cluster offers (the size of the embedding actor pool)."""
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

    def extract(self, paths: Sequence[Path]) -> Iterator[tuple[Path, Extraction | Failure]]:
        """``(path, result)`` in the paths' order; every file is a task, all submitted at once."""
        registry = str(self.settings.registry_path)
        futures = [self._extract.remote(str(path), registry) for path in paths]
        for path, future in zip(paths, futures, strict=True):
            yield path, self.ray.get(future)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Passage vectors of ``texts`` (in order) from an actor pool running ``map_batches``."""
        data = importlib.import_module("ray.data")
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # progress lines would drown the progress bars
        data.DataContext.get_current().enable_progress_bars = False
        rows = data.from_items([{"row": i, "text": t} for i, t in enumerate(texts)])
        pool = min(self.workers(), max(1, len(texts) // EMBED_BATCH))
        vectors = rows.map_batches(
            _PassageEmbedder,
            fn_constructor_kwargs={"embedder": self.settings.embedder, "model": self.settings.embedder_model},
            batch_size=EMBED_BATCH,
            compute=data.ActorPoolStrategy(size=pool),
            num_cpus=1,
        ).take_all()
        out = np.empty((len(texts), len(vectors[0]["vector"])) if vectors else (0, 0), np.float32)
        for item in vectors:
            out[int(item["row"])] = item["vector"]
        return out

    def close(self) -> None:
        """Disconnect the driver (the cluster keeps running)."""
        self.ray.shutdown()


@contextlib.contextmanager
def local_head(port: int, temp_dir: Path, cpus: int = 2, start_timeout_s: float = 240) -> Iterator[str]:
    """A one-node Ray head on 127.0.0.1:``port`` for the duration of the block; yields its address.

    It runs in its own process group and is stopped by that group's id (SIGTERM, then SIGKILL for
    what is left). Worker ports are 27000-27999, away from Ray's default 10002-19999.
    """
    ray = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")
    if ray is None:
        raise ClusterError("Chưa cài Ray: chạy `pip install 'vnkg[ray]'`.")
    head = subprocess.Popen(
        [ray, "start", "--head", "--block", f"--port={port}", "--node-ip-address=127.0.0.1", f"--num-cpus={cpus}",
         "--include-dashboard=false", "--object-store-memory=200000000", "--disable-usage-stats",
         f"--temp-dir={temp_dir}", "--min-worker-port=27000", "--max-worker-port=27999"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
             "RAY_USAGE_STATS_ENABLED": "0"},
    )
    try:
        deadline = time.monotonic() + start_timeout_s
        while time.monotonic() < deadline and head.poll() is None:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(1)
        if head.poll() is not None:
            raise ClusterError(f"`ray start --head` đã dừng (mã {head.returncode}).")
        yield f"127.0.0.1:{port}"
    finally:
        _stop_group(head)


def _stop_group(head: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(head.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        head.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(head.pid, signal.SIGKILL)
    head.wait(timeout=30)
