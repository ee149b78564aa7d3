"""Logging set-up from the settings: one handler on stderr, plain text or one JSON object a line.

Log records carry identifiers (request id, user id, route template), counts and timings only:
never a patient's details, an NHS number, a request path or a query string (those can hold them).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from carecluster.settings import Settings

LOGGER = "carecluster"

_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields a caller passed with `extra=`."""
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD}


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors: time, level, logger, message, the extra fields
    and, for errors, the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **extra_fields(record),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger message key=value ...`, for a person reading a terminal or journal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = " ".join(f"{key}={value}" for key, value in extra_fields(record).items())
        if not extra:
            return text
        head, _, tail = text.partition("\n")
        return f"{head} {extra}" + (f"\n{tail}" if tail else "")


def configure_logging(settings: Settings) -> None:
    """Send carecluster's records to stderr at the configured level and format (start-up only)."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(settings.log_level)
    for handler in [h for h in logger.handlers if getattr(h, "_carecluster", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler._carecluster = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.propagate = False
