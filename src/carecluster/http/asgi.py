"""An importable app for `uvicorn carecluster.http.asgi:app` (and multi-worker serving).

Settings come from the environment (CARECLUSTER_DATABASE_URL, CARECLUSTER_DATA_DIR, CARECLUSTER_REFERENCE).
"""

from carecluster.http.app import Settings, create_app

app = create_app(Settings(migrate=False))
