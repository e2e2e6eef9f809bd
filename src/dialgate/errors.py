"""One family of errors, translated once at each edge (CLI exit codes, HTTP problem+json).

An error means "could not do what you asked". A compliance "no" is a Decision, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where bad input was found: any of file, line and field."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file + (f":{self.line}" if self.line is not None else ""))
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)


class DialgateError(Exception):
    """Root of every error dialgate raises on purpose. `code` is stable and machine-readable."""

    code = "error"
    http_status = 500
    exit_code = 3
    title = "Internal error"

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location and str(self.location) else self.message

    def at(
        self, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> DialgateError:
        """Return the same error with its location filled in where it was still unknown."""
        old = self.location or Location()
        self.location = Location(
            file=old.file or file,
            line=old.line if old.line is not None else line,
            field=old.field or field,
        )
        return self


class InputError(DialgateError):
    """The caller's input is wrong; nothing was written for it."""

    code = "invalid_input"
    http_status = 422
    exit_code = 2
    title = "Invalid input"


class NotFoundError(DialgateError):
    code = "not_found"
    http_status = 404
    exit_code = 2
    title = "Not found"


class GoneError(DialgateError):
    """What was asked for existed and was deleted on purpose (a retention period ended)."""

    code = "gone"
    http_status = 410
    exit_code = 2
    title = "Gone"


class ConflictError(DialgateError):
    code = "conflict"
    http_status = 409
    exit_code = 2
    title = "Conflict"


class AuthenticationError(DialgateError):
    code = "unauthenticated"
    http_status = 401
    exit_code = 2
    title = "Authentication required"


class PermissionDeniedError(DialgateError):
    code = "forbidden"
    http_status = 403
    exit_code = 2
    title = "Forbidden"


class PayloadTooLargeError(DialgateError):
    code = "payload_too_large"
    http_status = 413
    exit_code = 2
    title = "Payload too large"


class RateLimitedError(DialgateError):
    code = "rate_limited"
    http_status = 429
    exit_code = 3
    title = "Too many requests"


class StoreError(DialgateError):
    """The database or data directory could not be used."""

    code = "store_unavailable"
    http_status = 503
    exit_code = 3
    title = "Store unavailable"


class LedgerTamperedError(DialgateError):
    code = "ledger_tampered"
    http_status = 500
    exit_code = 3
    title = "Consent ledger failed verification"
