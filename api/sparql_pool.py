"""A small pool of SPARQL worker processes with a hard time limit per query.

Oxigraph has no way to cancel a running query, and a thread cannot be stopped: an abandoned
thread would keep a core busy until its cartesian product finished. So each query runs in a
worker process (see :mod:`api.sparql_worker`); when it overruns, the process is killed and a
fresh one is started in the background. The server itself never blocks on a query: callers wait
in a thread, other requests go on, and a second worker serves concurrent queries.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from api.sparql_worker import QueryAnswer, QueryFailure, QueryRequest, serve

_STARTUP_S = 60.0  # a cold interpreter importing rdflib on a busy 2-core machine


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection

    def stop(self) -> None:
        """Kill the process (a running query cannot be interrupted any other way)."""
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


@dataclass
class QueryPool:
    """``size`` worker processes over the store at ``store_path``; :meth:`run` answers one query."""

    store_path: Path
    timeout_s: float
    size: int = 2
    _idle: queue.Queue[_Worker] = field(default_factory=queue.Queue, init=False)
    _all: set[_Worker] = field(default_factory=set, init=False)
    _live: set[_Worker] = field(default_factory=set, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _closed: bool = field(default=False, init=False)

    @property
    def ready(self) -> int:
        """Workers that are up (busy or idle)."""
        with self._lock:
            return len(self._live)

    def start(self) -> None:
        """Start the workers in the background; queries wait for the first one that is ready."""
        for _ in range(self.size):
            self._replace()

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._live.clear()
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.process.join(timeout=1)
            worker.stop()

    def _spawn(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # fork would copy the server's threads and store
        parent, child = ctx.Pipe()
        process = ctx.Process(target=serve, args=(child, str(self.store_path)), daemon=True,
                              name="kg-sparql-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            if self._closed:
                worker.stop()
                return
            self._all.add(worker)
        if parent.poll(_STARTUP_S):
            with contextlib.suppress(EOFError, OSError):
                if parent.recv() == "ready":
                    with self._lock:
                        self._live.add(worker)
                    self._idle.put(worker)
                    return
        self._discard(worker)  # never came up: the pool runs one short, run() waits for the others

    def _replace(self) -> None:
        threading.Thread(target=self._spawn, name="kg-sparql-spawn", daemon=True).start()

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
            self._live.discard(worker)
        worker.stop()

    def run(self, request: QueryRequest) -> QueryAnswer | QueryFailure:
        """Answer ``request`` within the time limit, or fail with a message naming the limit hit."""
        try:
            worker = self._idle.get(timeout=self.timeout_s)
        except queue.Empty:
            return QueryFailure(503, "busy", f"Máy chủ đang bận: cả {self.size} tiến trình truy vấn đều đang "
                                             f"chạy quá {self.timeout_s:g} giây; hãy thử lại sau.")
        started = time.monotonic()
        try:
            worker.conn.send(request)
            if worker.conn.poll(self.timeout_s):
                answer = worker.conn.recv()
                self._idle.put(worker)
                return answer
        except (EOFError, OSError):
            self._discard(worker)
            self._replace()
            return QueryFailure(500, "worker_crashed",
                                "Tiến trình truy vấn bị dừng bất thường (có thể do hết bộ nhớ); hãy thu hẹp truy vấn.")
        self._discard(worker)
        self._replace()
        elapsed = time.monotonic() - started
        return QueryFailure(503, "query_timeout",
                            f"Truy vấn vượt quá giới hạn thời gian {self.timeout_s:g} giây (đã chạy {elapsed:.1f} giây) "
                            f"và đã bị dừng; hãy thu hẹp truy vấn hoặc thêm LIMIT.")
