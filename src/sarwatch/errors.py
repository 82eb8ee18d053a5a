"""The one error family of sarwatch.

Every error raised on purpose by sarwatch derives from :class:`SarwatchError`.
A message says what was expected, what came, and what to do about it. The CLI
prints the message (exit code 2 for bad input, 1 otherwise) without a
traceback unless ``--verbose``; the web layer maps each class to one HTTP
status in a single place (:mod:`sarwatch.web.errors`).
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConflictError",
    "DataError",
    "ForcingError",
    "IllegalTransitionError",
    "InputError",
    "IntegrityError",
    "NotFoundError",
    "OutOfRegionError",
    "PermissionDeniedError",
    "PositionOnLandError",
    "SarwatchError",
    "StoreUnavailableError",
    "unexpected_error_text",
]


class SarwatchError(Exception):
    """Root of all errors raised on purpose by sarwatch."""

    #: HTTP status the web layer answers with.
    http_status: int = 500
    #: Exit code the CLI ends with.
    exit_code: int = 1


class InputError(SarwatchError, ValueError):
    """The user gave something malformed or out of range (a garbled position, a naive time)."""

    http_status = 422
    exit_code = 2


class OutOfRegionError(InputError):
    """A position lies outside the area the packaged data covers."""


class PositionOnLandError(InputError):
    """A position that must be at sea lies on land."""


class IllegalTransitionError(InputError):
    """A case status change that the status machine does not allow."""

    http_status = 409


class NotFoundError(SarwatchError, LookupError):
    """A case, run, user or file that does not exist."""

    http_status = 404
    exit_code = 2


class ConflictError(SarwatchError):
    """A write that conflicts with the current state (e.g. a closed case, a taken name)."""

    http_status = 409
    exit_code = 2


class AuthError(SarwatchError):
    """Missing or invalid credentials."""

    http_status = 401
    exit_code = 2


class PermissionDeniedError(SarwatchError, PermissionError):
    """Valid credentials whose role may not do this."""

    http_status = 403
    exit_code = 2


class DataError(SarwatchError):
    """A data file (packaged, cached or user-supplied) is missing or malformed."""

    exit_code = 2
    http_status = 422


class StoreUnavailableError(DataError):
    """The case store cannot be used (a damaged file): the station's fault, not the request's."""

    http_status = 503


class ForcingError(DataError):
    """A forcing file lacks a variable, or does not cover the run's time or area."""


class IntegrityError(SarwatchError):
    """The ledger or an evidence bundle failed verification (edited, deleted, reordered).

    HTTP 409: the request conflicts with what is stored (a tampered case is not
    exported); the server itself is not at fault.
    """

    exit_code = 3
    http_status = 409


def unexpected_error_text(exc: BaseException, logger: str = "sarwatch") -> str:
    """What a run or job that failed on an unexpected error (a bug, not a
    :class:`SarwatchError`) says to its user: the error's kind only, the details (which may
    hold server paths) and the traceback going to the server's log under ``logger``.

    Examples
    --------
    >>> unexpected_error_text(OSError(2, "No such file", "/srv/home/runs/x"), "doctest")
    "internal error (FileNotFoundError); the server's log has the details"
    """
    import logging

    logging.getLogger(logger).error(
        "unexpected error: %r", exc, exc_info=(type(exc), exc, exc.__traceback__)
    )
    return f"internal error ({type(exc).__name__}); the server's log has the details"
