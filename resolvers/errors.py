"""Top-level GraphQL error policy: expected errors keep a stable code, the rest are masked.

Unexpected exceptions are logged with a request id and replaced by a generic message that
carries the same id, so support can find the traceback without leaking internals to clients.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domcctv.domain.errors import DomcctvError

logger = logging.getLogger("domcctv.graphql")


def _expected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is None or isinstance(original, (GraphQLError, DomcctvError))


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
            raise _with_code(error, "GRAPHQL_PARSE_FAILED") from None
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        result.errors = [self._process(e) for e in errors]  # type: ignore[union-attr]

    def _process(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomcctvError):
            return _with_code(error, original.code.value)
        if _expected(error):
            # Validation errors have no original error; variable coercion errors (an unknown
            # enum value, a malformed DateTime) wrap a GraphQLError. Both are the client's.
            if not (error.extensions or {}).get("code"):
                return _with_code(error, "GRAPHQL_VALIDATION_FAILED")
            return error
        request_id = uuid.uuid4().hex[:12]
        logger.error(
            "Unexpected error in GraphQL operation (request %s)", request_id, exc_info=original
        )
        return GraphQLError(
            f"Unexpected error (request {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    extensions: dict[str, Any] = dict(error.extensions or {})
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
