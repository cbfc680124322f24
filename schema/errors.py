"""GraphQL error types for mutation result unions, mirrored from ``domcctv.domain.errors``."""

from __future__ import annotations

import strawberry

from domcctv.domain import errors as domain
from domcctv.domain.errors import ErrorCode, FieldCode

strawberry.enum(ErrorCode, description="Stable machine-readable error code.")
strawberry.enum(FieldCode, description="Why one input field was rejected.")


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
