"""HTTP routes, one module per area; each exposes ``router`` and is listed in ``api.app.ROUTE_MODULES``."""
