"""GraphQL error types for mutation result unions, mirrored from ``domcctv.domain.errors``."""

from __future__ import annotations

import strawberry

from domcctv.domain import errors as domain
from domcctv.domain.errors import ErrorCode, FieldCode
from schema.enums import describe_values

strawberry.enum(ErrorCode, description="Stable machine-readable error code.")
strawberry.enum(FieldCode, description="Why one input field was rejected.")
describe_values(
    ErrorCode,
    {
        "NOT_FOUND": "The object does not exist or is not visible to you.",
        "FORBIDDEN": "You lack the permission, or a rule forbids it.",
        "UNAUTHENTICATED": "No valid access token was presented.",
        "INVALID_INPUT": "Some input fields are invalid (see fields).",
        "CONFLICT": "The change clashes with the current state.",
        "DUPLICATE": "Another object already has this unique value.",
        "INVALID_TRANSITION": "The lifecycle does not allow this status change.",
        "INVALID_CREDENTIALS": "Wrong e-mail or password.",
        "ACCOUNT_LOCKED": "Locked for a while after repeated failed logins.",
        "ACCOUNT_DISABLED": "The account was deactivated.",
        "TOKEN_EXPIRED": "The token is past its expiry.",
        "TOKEN_INVALID": "The token is malformed, unknown or already used.",
        "TOKEN_REVOKED": "The session was revoked (logout, password change or replay).",
        "RATE_LIMITED": "Too many requests; retry later.",
        "INTEGRATION_UNAVAILABLE": "A camera or HikCentral needed for this did not answer.",
    },
)
describe_values(
    FieldCode,
    {
        "REQUIRED": "A value is required.",
        "INVALID_FORMAT": "The value is not in the expected format.",
        "INVALID_RUT": "Not a valid RUT (shape or módulo-11 check digit).",
        "INVALID_PLATE": "Not a licence plate.",
        "TOO_LONG": "Longer than allowed.",
        "OUT_OF_RANGE": "Outside the allowed range.",
        "ALREADY_EXISTS": "Another object already uses this value.",
        "WEAK_PASSWORD": "10-72 characters mixing at least two character classes are needed.",
        "NOT_ALLOWED": "This value is not allowed here.",
        "UNKNOWN_REFERENCE": "The id does not name an object of the expected type.",
    },
)


@strawberry.interface(description="Every expected failure implements Error.")
class Error:
    message: str = strawberry.field(description="Human-readable explanation (Spanish/English).")
    code: ErrorCode = strawberry.field(description="Stable code to branch on.")


@strawberry.type(description="One invalid input field.")
class FieldErrorType:
    field: str = strawberry.field(description="Input field name (camelCase, dotted for nested).")
    code: FieldCode = strawberry.field(description="Why it was rejected.")
    message: str = strawberry.field(description="Explanation for people.")


@strawberry.type(description="The input was invalid. Nothing was written.")
class ValidationError(Error):
    fields: list[FieldErrorType] = strawberry.field(description="Every rejected field.")


@strawberry.type(description="The object does not exist or is not visible to you.")
class NotFoundError(Error):
    pass


@strawberry.type(description="You are not allowed to do this (rule or missing permission).")
class PermissionDeniedError(Error):
    pass


@strawberry.type(description="The change clashes with the current state (duplicate, transition).")
class ConflictError(Error):
    pass


@strawberry.type(description="Credentials or token were rejected, or the account is locked.")
class AuthenticationError(Error):
    pass


@strawberry.type(description="A device or HikCentral needed for the action did not answer.")
class IntegrationError(Error):
    pass


AnyError = (
    ValidationError
    | NotFoundError
    | PermissionDeniedError
    | ConflictError
    | AuthenticationError
    | IntegrationError
)


def to_graphql_error(exc: domain.DomcctvError) -> AnyError:
    """Map a domain exception onto its GraphQL type (the codes are shared)."""
    if isinstance(exc, domain.InvalidInput):
        return ValidationError(
            message=exc.message,
            code=exc.code,
            fields=[
                FieldErrorType(field=e.field, code=e.code, message=e.message) for e in exc.errors
            ],
        )
    if isinstance(exc, domain.NotFound):
        return NotFoundError(message=exc.message, code=exc.code)
    if isinstance(exc, domain.PermissionDenied):
        return PermissionDeniedError(message=exc.message, code=exc.code)
    if isinstance(exc, domain.AuthenticationFailed):
        return AuthenticationError(message=exc.message, code=exc.code)
    if isinstance(exc, domain.IntegrationUnavailable):
        return IntegrationError(message=exc.message, code=exc.code)
    return ConflictError(message=exc.message, code=exc.code)
