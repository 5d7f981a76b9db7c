"""The composition root: one object holding the store, the search index and the embedder.

The CLI and the HTTP app each build one from the settings and hand it down; nothing
below ``api/`` sees the settings.
"""

from __future__ import annotations

from functools import cached_property

import pyoxigraph

from api.settings import Settings
from ingest.registry import Registry


class Corpus:
    """Everything the product has stored under one data directory."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def store(self) -> pyoxigraph.Store:
        """The persistent Oxigraph store (opened on first use)."""
        self.settings.store_path.mkdir(parents=True, exist_ok=True)
        return pyoxigraph.Store(str(self.settings.store_path))

    @cached_property
    def registry(self) -> Registry:
        """The registry of central documents."""
        return Registry.load(self.settings.registry_path)
