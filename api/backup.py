"""``kg backup DIR`` / ``kg restore DIR``: the store and the search index, as one consistent snapshot.

The backup is taken under :meth:`Corpus.writing` (no write runs meanwhile; searches and queries go
on): the Oxigraph store through ``Store.backup`` (a RocksDB checkpoint), the search index through
:meth:`SearchIndex.snapshot` (SQLite's backup API, the vector file, the full-text segments). A
running server takes the backup itself (``kg backup`` hands the directory to it). Restoring
replaces the home's store and index, and needs the server stopped.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.corpus import Corpus
from api.settings import Settings
from kg.errors import KgError

MANIFEST = "vnkg-backup.json"


class BackupError(KgError):
    """A backup or restore that cannot be done (the message names the directory)."""


def backup(corpus: Corpus, target: Path) -> dict[str, Any]:
    """Write ``target/store``, ``target/index`` and a manifest; returns the manifest."""
    target = target.expanduser().resolve()
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target}: thư mục sao lưu đã có dữ liệu; hãy chọn một thư mục mới hoặc rỗng.")
    target.mkdir(parents=True, exist_ok=True)
    with corpus.writing():
        corpus.store.flush()
        corpus.store.backup(str(target / "store"))
        corpus.search.snapshot(target / "index")
        manifest = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "home": str(corpus.settings.home),
            "quads": len(corpus.store),
            "passages": len(corpus.search),
        }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def restore(settings: Settings, source: Path) -> dict[str, Any]:
    """Replace the home's store and index by the backup in ``source``; returns its manifest."""
    source = source.expanduser().resolve()
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{source}: không phải bản sao lưu của vnkg (thiếu {MANIFEST}).") from None
    if not (source / "store").is_dir() or not (source / "index").is_dir():
        raise BackupError(f"{source}: bản sao lưu thiếu thư mục store/ hoặc index/.")
    settings.home.mkdir(parents=True, exist_ok=True)
    for name, path in (("store", settings.store_path), ("index", settings.index_path)):
        staged = path.with_name(f".{name}.restoring")
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(source / name, staged)
        shutil.rmtree(path, ignore_errors=True)
        staged.replace(path)
    return manifest
