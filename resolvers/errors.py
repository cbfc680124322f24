"""Top-level GraphQL error policy: expected errors keep a stable code, the rest are masked.

One classification (:func:`expected_code`) decides both what the client sees and how the error
is logged:

* expected errors (a domain error, a permission refusal, a parse, validation or variable
  coercion error) are the client's: they keep their code and are logged at INFO, one line per
  request with the codes and the operation, never with the query text, variable values or the
  message (messages of coercion errors quote the values, which may be passwords);
* anything else raised while executing a field (a bug, or output that cannot be serialised such
  as ``inf`` for a Float) is masked as ``INTERNAL_SERVER_ERROR`` with a request id, and logged
  at ERROR with the traceback under that id, so support can find it without leaking internals.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from domcctv.domain.errors import DomcctvError

logger = logging.getLogger("domcctv.graphql")

INTERNAL = "INTERNAL_SERVER_ERROR"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")


def expected_code(error: GraphQLError) -> str | None:
    """The code of an error that is the client's, or None for one that must be masked."""
    original = error.original_error
    if isinstance(original, DomcctvError):
        return original.code.value
    if isinstance(error, GraphQLSyntaxError) or isinstance(original, GraphQLSyntaxError):
        return PARSE_FAILED  # syntax errors and the token and length limits
    code = (error.extensions or {}).get("code")
    if error.path is not None:
        # Raised while executing a field: only errors raised on purpose with a code (the
        # permission classes) are the client's; serialisation failures are GraphQLErrors too.
        if isinstance(code, str) and code and isinstance(original, GraphQLError | None):
            return code
        return None
    if original is None or isinstance(original, GraphQLError):
        # Validation errors have no original error; variable coercion errors (an unknown
        # enum value, a malformed DateTime) wrap a GraphQLError. Both are the client's.
        return code if isinstance(code, str) and code else VALIDATION_FAILED
    return None


def _operation(execution_context: ExecutionContext | None) -> str:
    """``type name`` of the operation for a log line; client-chosen names are checked."""
    if execution_context is None:
        return "operation"
    if execution_context.graphql_document is None:
        kind = "document (not parsed)"
    else:
        try:
            kind = execution_context.operation_type.value
        except RuntimeError:  # no such operation
            kind = "operation"
    name = execution_context.operation_name
    if not name:
        return f"{kind} (anonymous)"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return f"{kind} (invalid name)"
    return f"{kind} {name}"


def log_errors(errors: list[GraphQLError], execution_context: ExecutionContext | None) -> None:
    """One INFO line for the expected errors; a traceback per unexpected error, whose request
    id is stamped on the error so the masked copy the client gets carries the same id."""
    codes: list[str] = []
    for error in errors:
        code = expected_code(error)
        if code is not None:
            if code not in codes:
                codes.append(code)
            continue
        request_id = _request_id(error)
        if request_id is None:
            request_id = uuid.uuid4().hex[:12]
            error.extensions = {**(error.extensions or {}), "requestId": request_id}
        logger.error(
            "Unexpected error in GraphQL %s (request %s)",
            _operation(execution_context),
            request_id,
            exc_info=error.original_error or error,
        )
    if codes:
        logger.info("GraphQL %s answered with errors: %s", _operation(execution_context), codes)


def _request_id(error: GraphQLError) -> str | None:
    value = (error.extensions or {}).get("requestId")
    return value if isinstance(value, str) else None


class DomcctvSchema(strawberry.Schema):
    """Strawberry's schema with our error logging instead of its ERROR-with-traceback for
    every error (which logged query texts, passwords in literals and tracebacks of mistyped
    queries by the megabyte)."""

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        log_errors(errors, execution_context)
        if _is_subscription(execution_context):
            # Each pushed event's errors go straight to the websocket, past ErrorPolicy (which
            # sees the operation once): apply the same policy here, in the list that is sent.
            errors[:] = [coded(error, execution_context) for error in errors]


def _is_subscription(execution_context: ExecutionContext | None) -> bool:
    if execution_context is None or execution_context.graphql_document is None:
        return False
    try:
        return execution_context.operation_type is OperationType.SUBSCRIPTION
    except RuntimeError:  # no such operation
        return False


def coded(error: GraphQLError, execution_context: ExecutionContext | None) -> GraphQLError:
    """The error as the client sees it: its stable code, or masked with a request id."""
    code = expected_code(error)
    if code is not None:
        return _with_code(error, code)
    request_id = _request_id(error)
    if request_id is None:  # not seen by DomcctvSchema.process_errors: log it here
        log_errors([error], execution_context)
        request_id = _request_id(error)
    return GraphQLError(
        f"Unexpected error (request {request_id}).",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": INTERNAL, "requestId": request_id},
    )


class ErrorPolicy(SchemaExtension):
    """Adds ``extensions.code`` to expected errors and masks unexpected ones."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:
            # Syntax errors and the token limit are raised while parsing and leave the
            # operation as exceptions, before there is a result to post-process.
            if (error.extensions or {}).get("code"):
                raise
            raise _with_code(error, PARSE_FAILED) from None
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        result.errors = [coded(e, self.execution_context) for e in errors]  # type: ignore[union-attr]


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    extensions: dict[str, Any] = dict(error.extensions or {})
    if extensions.get("code") == code:
        return error
    extensions.setdefault("code", code)
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )
