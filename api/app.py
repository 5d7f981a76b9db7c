"""The HTTP application: ``create_app(corpus)`` builds everything from the one Corpus object.

Routes live in ``api/routes/``, one module per area, each exposing ``router``; add a module to
:data:`ROUTE_MODULES` to serve it. HTML pages render Jinja templates from ``api/templates/``
(``request.app.state.templates``, layout in ``base.html``) and use files from ``api/static/``
(served at ``/static``); nothing is loaded from a CDN.

State on ``app.state``: ``corpus`` (store, registry, search index, settings, ...), ``query_pool``
(SPARQL workers) and ``templates``. ``corpus.search`` is safe to call from many threads at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api import errors, handoff
from api.corpus import Corpus
from api.head import HeadAsGet
from api.routes import documents, resources, reuse, sparql, status, ui, writes
from api.sparql_pool import QueryPool

HERE = Path(__file__).resolve().parent
# Order matters only for overlapping paths; the resource routes (/doc, /org) come last.
ROUTE_MODULES = (sparql, writes, documents, status, ui, reuse, resources)  # status before ui: /document/<key>/status


def create_app(corpus: Corpus, local_token: str | None = None, local_url: str | None = None) -> FastAPI:
    """The FastAPI app serving ``corpus``: SPARQL endpoint, JSON API under /api, IRI dereferencing.

    ``local_token`` allows the local hand-offs of ``kg ingest`` / ``kg backup``; with ``local_url``
    the app announces itself in ``<home>/server.json`` while it runs (see :mod:`api.handoff`).
    """
    settings = corpus.settings
    corpus.store  # noqa: B018 -- create the store now, so the read-only workers find a database
    pool = QueryPool(settings.store_path, timeout_s=settings.sparql_timeout_s, size=settings.sparql_workers)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pool.start()
        if local_token and local_url:
            handoff.publish(settings, local_url, local_token)
        try:
            yield
        finally:
            handoff.withdraw(settings)
            pool.close()

    app = FastAPI(
        title="vnkg — đồ thị tri thức văn bản chỉ đạo",
        description="SPARQL endpoint (`/sparql`) and JSON API (`/api`) over party directives and the plans "
                    "that implement them.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.corpus = corpus
    app.state.query_pool = pool
    app.state.local_token = local_token
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    errors.install(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],  # POST: SPARQL queries from other origins
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["X-Result-Rows"],
    )
    app.add_middleware(HeadAsGet)  # HEAD wherever GET works
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in ROUTE_MODULES:
        app.include_router(module.router)
    app.include_router(writes.page_router)
    return app
