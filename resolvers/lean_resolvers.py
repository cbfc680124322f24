"""Resolver fields without arguments or extensions called without Strawberry's argument layer.

Strawberry wraps every resolver field in a chain built for the general case: an ``Info``,
then ``get_arguments`` (argument conversion, extension argument mapping, parameter
inspection), then the extension chain (a ``functools.reduce`` of partials) around
``get_result``. For a field such as ``Event.company`` or ``Event.thumbnailUrl`` — no argument,
no extension, no exception handler — all of that computes nothing, yet the dashboard's list
of 50 events calls ~350 of them and the chain was a fifth of that page's CPU in
``bench/profile_search.py``.

:func:`install` replaces the GraphQL resolver of exactly those fields with one that builds the
same ``Info`` and passes the resolver the same ``self``/``root``/``parent``/``info`` values
through the field's own ``get_result``. Fields with arguments, extensions (permission checks
are extensions), exception handlers, subscriptions or no resolver of their own keep
Strawberry's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from strawberry import Schema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


def _has_exception_handlers(schema: Schema, field: StrawberryField) -> bool:
    find = getattr(schema.schema_converter, "_get_field_exception_handlers", None)
    if find is None:  # a Strawberry without per-field handlers has none to honour
        return False
    return bool(find(field))


def lean_resolver(field: StrawberryField, info_class: type[Any]) -> Callable[..., Any]:
    """A GraphQL resolver calling ``field``'s own resolver with what Strawberry would pass."""
    resolver = field.base_resolver
    assert resolver is not None
    wants_self = resolver.self_parameter is not None
    named_source = [
        p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None
    ]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def resolve(source: Any, info: GraphQLResolveInfo[Any], **_: Any) -> Any:
        strawberry_info = info_class(_raw_info=info, _field=field)
        kwargs: dict[str, Any] = dict.fromkeys(named_source, source)
        if info_name is not None:
            kwargs[info_name] = strawberry_info
        args = [source] if wants_self else []
        return field.get_result(source, info=strawberry_info, args=args, kwargs=kwargs)

    return resolve


def install(schema: Schema) -> int:
    """Give every eligible object field of ``schema`` its lean resolver; how many changed."""
    info_class = schema.config.info_class
    subscription = schema._schema.subscription_type
    changed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type is subscription:
            continue
        for graphql_field in graphql_type.fields.values():
            field = _eligible(schema, graphql_field)
            if field is not None:
                graphql_field.resolve = lean_resolver(field, info_class)
                changed += 1
    return changed


def _eligible(schema: Schema, graphql_field: GraphQLField) -> StrawberryField | None:
    field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        isinstance(field, StrawberryField)
        and field.base_resolver is not None
        and not field.arguments
        and not field.extensions
        and not graphql_field.args
        and not _has_exception_handlers(schema, field)
    ):
        return field
    return None
