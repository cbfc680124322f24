"""Per-request checks of a GraphQL operation, whatever transport brought it (HTTP or websocket).

Chooses the validation rules (built once per schema, so Strawberry's ValidationCache, which
keys on the rule classes, keeps hitting), bounds the document's length before it is lexed, and
refuses variables nested deeper than any input of the schema.

Rules, in order: the document limits first (they abort validation of a hostile document before
any other rule walks it), graphql-core's specified rules (which include MaxIntrospectionDepthRule:
the depth limit does not count introspection fields, so ``__schema { types { fields { type {
fields ...`` is bounded there), and, for anonymous requests when anonymous introspection is off,
NoSchemaIntrospectionCustomRule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from graphql import GraphQLError, specified_rules
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from resolvers.document_limits import DocumentLimits, document_limits_rule, json_depth
from resolvers.errors import VALIDATION_FAILED


def request_checks(
    limits: DocumentLimits,
    *,
    max_document_chars: int,
    anonymous_introspection: bool,
) -> Callable[[], SchemaExtension]:
    """The extension class for one schema; its rule tuples are built here, once."""
    open_rules: tuple[type[ASTValidationRule], ...] = (
        document_limits_rule(limits),
        *specified_rules,
    )
    closed_rules = (*open_rules, NoSchemaIntrospectionCustomRule)

    class RequestChecks(SchemaExtension):
        """Sets the parse limit and validation rules; checks the variables' nesting."""

        def on_operation(self) -> Iterator[None]:
            context = self.execution_context
            context.parse_options["max_source_length"] = max_document_chars  # type: ignore[typeddict-unknown-key]
            signed_in = getattr(context.context, "authenticated", False) is True
            context.validation_rules = (
                open_rules if signed_in or anonymous_introspection else closed_rules
            )
            variables = context.variables
            if variables and json_depth(variables, limits.max_variables_depth) > (
                limits.max_variables_depth
            ):
                raise GraphQLError(
                    f"Variables are nested more than {limits.max_variables_depth} levels deep",
                    extensions={"code": VALIDATION_FAILED},
                )
            yield

    return RequestChecks
