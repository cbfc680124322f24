"""Domain errors with stable codes.

    DomcctvError
    ├── NotFound              (code NOT_FOUND)            the row does not exist *in your scope*
    ├── PermissionDenied      (code FORBIDDEN / UNAUTHENTICATED / ...)
    ├── Conflict              (code CONFLICT, DUPLICATE, INVALID_TRANSITION, ...)
    ├── InvalidInput          (code INVALID_INPUT + per-field errors)
    ├── AuthenticationFailed  (INVALID_CREDENTIALS, ACCOUNT_LOCKED, TOKEN_*)
    └── IntegrationUnavailable (a device or platform needed for the action is down)

Resolvers map each class onto a GraphQL error type; codes never change meaning once shipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable machine-readable codes shared by every API surface."""

    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID_INPUT = "INVALID_INPUT"
    CONFLICT = "CONFLICT"
    DUPLICATE = "DUPLICATE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOKEN_INVALID = "TOKEN_INVALID"
    TOKEN_REVOKED = "TOKEN_REVOKED"
    RATE_LIMITED = "RATE_LIMITED"
    INTEGRATION_UNAVAILABLE = "INTEGRATION_UNAVAILABLE"


class FieldCode(StrEnum):
    """Why one input field was rejected."""

    REQUIRED = "REQUIRED"
    INVALID_FORMAT = "INVALID_FORMAT"
    INVALID_RUT = "INVALID_RUT"
    INVALID_PLATE = "INVALID_PLATE"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    NOT_ALLOWED = "NOT_ALLOWED"
    UNKNOWN_REFERENCE = "UNKNOWN_REFERENCE"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One rejected input field."""

    field: str
    code: FieldCode
    message: str


class DomcctvError(Exception):
    """Base of every expected failure; carries a stable code."""

    code: ErrorCode = ErrorCode.CONFLICT

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(DomcctvError):
    """The row does not exist, or exists outside the actor's scope (indistinguishable)."""

    code = ErrorCode.NOT_FOUND


class PermissionDenied(DomcctvError):
    """The actor lacks the capability for this action."""

    code = ErrorCode.FORBIDDEN


class Conflict(DomcctvError):
    """The action clashes with current state (duplicate, invalid status transition...)."""

    code = ErrorCode.CONFLICT


class InvalidInput(DomcctvError):
    """One or more input fields are invalid; nothing was written."""

    code = ErrorCode.INVALID_INPUT

    def __init__(self, errors: list[FieldError], message: str | None = None) -> None:
        super().__init__(message or "; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, field: str, code: FieldCode, message: str) -> InvalidInput:
        return cls([FieldError(field, code, message)])


class AuthenticationFailed(DomcctvError):
    """Login or token problems; the message never says which part was wrong."""

    code = ErrorCode.INVALID_CREDENTIALS


class IntegrationUnavailable(DomcctvError):
    """A device or the HikCentral platform needed for the action did not answer."""

    code = ErrorCode.INTEGRATION_UNAVAILABLE
