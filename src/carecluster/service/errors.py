"""Errors a use case raises; each adapter maps them to its own form (HTTP status, exit code)."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):  # noqa: N818 - named for the HTTP status it maps to
    status = 404


class Forbidden(ServiceError):  # noqa: N818 - named for the HTTP status it maps to
    status = 403


class Conflict(ServiceError):  # noqa: N818 - named for the HTTP status it maps to
    status = 409


class PreconditionFailed(ServiceError):  # noqa: N818 - named for the HTTP status it maps to
    """The record changed since the version the client based its amendment on (a lost update)."""

    status = 412


class PreconditionRequired(ServiceError):  # noqa: N818 - named for the HTTP status it maps to
    """An amendment that does not say which version it amends."""

    status = 428


class Unauthorised(ServiceError):  # noqa: N818 - named for the HTTP status it maps to
    status = 401


class RateLimited(ServiceError):  # noqa: N818 - named for the HTTP status it maps to
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Invalid(ServiceError):  # noqa: N818 - named for the HTTP status it maps to
    """Field-level validation failures: `errors` is a list of (location, message)."""

    status = 422

    def __init__(self, errors: list[tuple[tuple[str | int, ...], str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in errors))
        self.errors = errors

    @classmethod
    def field(cls, name: str | tuple[str | int, ...], message: str) -> Invalid:
        return cls([((name,) if isinstance(name, str) else name, message)])
