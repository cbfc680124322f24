"""Plain leaf fields resolved without graphql-core's per-field machinery.

A page of 50 events is ~400 fields, and ~350 of them are plain attributes of a scalar or enum
type (``plate``, ``eventTime``, ``status``, each edge's ``cursor``). For each, graphql-core
builds a ``ResolveInfo``, calls Strawberry's wrapper around ``getattr``, checks for an
awaitable and dispatches on the type before serialising: in profiles of a search
(``bench/profile_search.py``) that was a third of the server's CPU per request.

``execute_field`` here takes a shortcut for exactly those fields — no resolver of their own,
no field extension, no arguments, a scalar or enum type, no middleware — and only when the
attribute's value serialises to a non-null value. Anything else (a null, a value the scalar
refuses, any field with a resolver) goes through graphql-core's own path, so errors, nulls
and their paths are exactly what graphql-core produces.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.plain_objects import Fallback, Plan, PlanCompiler, plain_attribute


class _Plain(NamedTuple):
    attribute: str
    leaf: GraphQLLeafType


_MISSING = object()
# GraphQLField -> its shortcut, or None when it has none (fields are built once per schema)
_plain_fields: dict[int, tuple[GraphQLField, _Plain | None]] = {}


def _plain(field_def: GraphQLField) -> _Plain | None:
    cached = _plain_fields.get(id(field_def))
    if cached is not None and cached[0] is field_def:
        return cached[1]
    plain: _Plain | None = None
    attribute = plain_attribute(field_def)
    field_type = field_def.type
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    if attribute is not None and is_leaf_type(field_type):
        plain = _Plain(attribute, field_type)
    _plain_fields[id(field_def)] = (field_def, plain)
    return plain


class LeafFieldExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the plain-leaf shortcut (see the module) and whole
    objects of plain fields completed by a compiled plan (``resolvers/plain_objects.py``)."""

    _plans: dict[int, tuple[Any, Plan | None]]

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if middleware is None or not middleware.middlewares:
            grouped_field_set, defer_usages, _ = self.collect_subfields(
                return_type, field_details_list
            )
            if not defer_usages:
                plan = self._plan(return_type, grouped_field_set)
                if plan is not None:
                    try:
                        return plan.complete(result)
                    except Fallback:
                        pass  # graphql-core's own path decides: errors, nulls, paths
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )

    def _plan(self, return_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        """The compiled plan of a selection, once per request (graphql-core memoises the
        collected selection per field list, so its identity is a stable key; the entry keeps
        it alive so the id is not reused)."""
        plans = self.__dict__.setdefault("_plans", {})
        cached = plans.get(id(grouped_field_set))
        if cached is not None and cached[0] is grouped_field_set:
            known: Plan | None = cached[1]
            return known
        plan = PlanCompiler(self).compile(return_type, grouped_field_set)
        plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if (middleware is None or not middleware.middlewares) and source is not None:
            node = field_details_list[0].node
            if not node.arguments and not node.directives:
                field_def = self.schema.get_field(parent_type, node.name.value)
                plain = _plain(field_def) if field_def is not None else None
                if plain is not None:
                    value = getattr(source, plain.attribute, _MISSING)
                    if value is not None and value is not _MISSING:
                        try:
                            serialized = plain.leaf.serialize(value)
                        except Exception:  # graphql-core reports it on its own path below
                            serialized = None
                        if serialized is not None and serialized is not Undefined:
                            return serialized
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
