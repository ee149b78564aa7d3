"""The REST API (FastAPI): `create_app(settings)`; OpenAPI at /docs, resources under /api/v1.

Named `http` rather than `api` because `carecluster.api` is the Python API module.
"""

from carecluster.http.app import Settings, create_app

__all__ = ["Settings", "create_app"]
