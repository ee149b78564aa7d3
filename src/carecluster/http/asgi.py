"""An importable app for `uvicorn carecluster.http.asgi:app` (and multi-worker serving).

Settings are read from the environment once, here (see carecluster.settings); a bad value stops the
worker with one line naming the variable.
"""

from carecluster.http.app import create_app
from carecluster.logs import configure_logging
from carecluster.settings import SettingsError, load_settings

try:
    _settings = load_settings()
except SettingsError as error:
    raise SystemExit(f"carecluster: {error}") from None

configure_logging(_settings)
app = create_app(_settings.model_copy(update={"migrate": False}))
