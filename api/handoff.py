"""A running ``kg serve`` owns the store; other ``kg`` commands on the same home hand work to it.

The server writes ``<home>/server.json`` (mode 0600: its address, process id and a random local
token) while it runs and removes it when it stops. ``kg ingest`` / ``kg backup`` find it, check
that the server answers, and send the file paths (or the backup directory) to the server's local
endpoints with that token: the server reads the files itself, so what it stores is identical to a
direct ingest. The local token is not the write token: it only allows these local hand-offs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from api.corpus import FAILED, IngestEvent, collect_files
from api.settings import Settings
from kg.errors import KgError

_TIMEOUT_S = 600.0  # one file (OCR of a long scan) or one backup


class HandoffError(KgError):
    """The running server could not do what it was handed."""


@dataclass(frozen=True)
class RunningServer:
    """What ``server.json`` says about the server running on a home."""

    url: str
    pid: int
    token: str

    def post(self, path: str, payload: dict[str, object]) -> dict[str, object]:
        """POST JSON to a local endpoint; the answer's JSON, or :class:`HandoffError`."""
        import httpx  # imported where used: every `kg` command imports this module

        try:
            response = httpx.post(self.url + path, json=payload, timeout=_TIMEOUT_S,
                                  headers={"authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as err:
            raise HandoffError(f"máy chủ {self.url} không trả lời ({err}).") from None
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text[:200]
            raise HandoffError(f"máy chủ {self.url} từ chối ({response.status_code}): {message}")
        return response.json()


def new_token() -> str:
    """A random local hand-off token."""
    return secrets.token_urlsafe(32)


def publish(settings: Settings, url: str, token: str) -> None:
    """Write ``server.json`` (owner-only) for the server at ``url``."""
    settings.home.mkdir(parents=True, exist_ok=True)
    path = settings.server_file
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"url": url, "pid": os.getpid(), "token": token}, handle)
    tmp.replace(path)


def withdraw(settings: Settings) -> None:
    """Remove ``server.json`` if this process wrote it."""
    with contextlib.suppress(OSError, ValueError, KeyError):
        if json.loads(settings.server_file.read_text())["pid"] == os.getpid():
            settings.server_file.unlink()


def find_server(settings: Settings) -> RunningServer | None:
    """The server running on this home, if ``server.json`` names a live process that answers."""
    import httpx

    try:
        data = json.loads(settings.server_file.read_text())
        server = RunningServer(str(data["url"]).rstrip("/"), int(data["pid"]), str(data["token"]))
        os.kill(server.pid, 0)
        httpx.get(server.url + "/api/health", timeout=30).raise_for_status()  # a busy server still answers
    except (OSError, ValueError, KeyError, TypeError, httpx.HTTPError):
        return None
    return server


def ingest(server: RunningServer, paths: Iterable[Path | str], *, force: bool = False) -> Iterator[IngestEvent]:
    """Hand files to the server one at a time; one event per file, as :meth:`Corpus.ingest` gives."""
    files, others = collect_files(paths)
    yield from others
    for path in files:
        try:
            answer = server.post("/api/local/ingest", {"path": str(path), "force": force})
            yield IngestEvent(path, str(answer["status"]), answer.get("reason"))  # type: ignore[arg-type]
        except HandoffError as err:
            yield IngestEvent(path, FAILED, str(err))
