"""Every deployment setting in one object, read from `CARECLUSTER_*` environment variables.

The process reads the environment once at start-up (`load_settings`, called by the CLI and by the
ASGI entry point); every module then asks `current_settings()` instead of reading `os.environ`
itself, so a run sees one consistent configuration and a bad value is refused before anything
starts, with one line that names the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PREFIX = "CARECLUSTER_"
DEFAULT_FHIR_BASE_URL = "https://carecluster.example/fhir"


class SettingsError(ValueError):
    """A setting in the environment has a value carecluster cannot use; the message names it."""


class Settings(BaseSettings):
    """How this carecluster process runs. Field `x` is read from `$CARECLUSTER_X`."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True)

    database_url: str | None = None
    """SQLAlchemy URL; unset means SQLite in `data_dir`."""
    data_dir: Path = Path("data")
    """Folder of the SQLite database (and nothing else) when no database URL is set."""
    reference: str | None = None
    """A reference set file (JSON or CSV grids) to use instead of the built-in set."""
    migrate: bool = True
    """Bring the schema to the newest migration when the web app starts."""
    secure_cookies: bool = False
    """Mark the session cookie Secure: set whenever the service is reached over HTTPS."""
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    """Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-* headers are believed."""
    session_hours: int = Field(default=12, ge=1, le=24 * 7)
    """How long a sign-in lasts before the person must sign in again."""
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Largest request body accepted; larger ones get 413 before they are read."""
    fhir_base_url: str = DEFAULT_FHIR_BASE_URL
    """Base of the deployment's FHIR code and identifier systems."""
    currency_tables: str | None = None
    """A folder of currency tables to use instead of the built-in year."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    workers: int = Field(default=1, ge=1, le=64)
    """Worker processes for `carecluster serve` (PostgreSQL; SQLite is best served by one)."""

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("fhir_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL, e.g. https://fhir.trust.example/fhir")
        return value


def _one_line(error: ValidationError) -> str:
    """`$CARECLUSTER_X: what is wrong (got 'value')` for the first fault, then how many more."""
    faults = error.errors()
    first = faults[0]
    name = PREFIX + str(first["loc"][0]).upper() if first["loc"] else "settings"
    message = str(first["msg"]).removeprefix("Value error, ")
    given = first.get("input")
    shown = f" (got {given!r})" if isinstance(given, str | int) else ""
    more = f"; and {len(faults) - 1} more" if len(faults) > 1 else ""
    return f"{name}: {message}{shown}{more}"


def read_settings(**overrides: Any) -> Settings:
    """A fresh reading of the environment, with explicit values winning; SettingsError if one is bad."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from None


_current: Settings | None = None


def load_settings() -> Settings:
    """Read the environment now and make that the process's settings (start-up)."""
    global _current
    _current = read_settings()
    return _current


def current_settings() -> Settings:
    """The settings in force: those read at start-up (read on first use when nothing loaded them)."""
    return _current if _current is not None else load_settings()


def use_settings(settings: Settings | None) -> None:
    """Put `settings` in force (None: read the environment again on next use). For tests and embedding."""
    global _current
    _current = settings
