"""Whole objects of plain fields completed in one pass, without graphql-core's per-field walk.

A search page is a ``Connection``: ``edges`` (a list of ``Edge``: ``cursor`` and ``node``) and
``pageInfo``. Every field on that path is a plain attribute (no resolver, extension or
argument), yet graphql-core completes each of the ~400 fields of a 50-row page on its own:
field lookup, resolve-info, the awaitable check and type dispatch, then a dict per object. In
profiles of a search (``bench/profile_search.py``) that was the largest share of the server's
CPU after the SQL.

Here a selection made only of such fields — leaves, objects and lists of objects whose own
selections are plain in turn, without arguments or directives (``@skip``/``@include`` and
``@defer`` included) — is compiled once per request into a :class:`Plan`, and an object is
completed by reading its attributes and serialising the leaves. Anything the plan cannot
answer exactly as graphql-core would (a null in a non-null field, a value a scalar refuses,
an object that fails its type check, a missing attribute) makes the whole object go through
graphql-core's own path, so results, nulls, errors and their paths are graphql-core's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    is_leaf_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter


class Fallback(Exception):
    """The plan cannot produce exactly graphql-core's result for this object."""


@dataclass(frozen=True, slots=True)
class Step:
    """One response key: read ``attribute`` of the source, then complete it by kind."""

    key: str
    attribute: str
    non_null: bool
    leaf: GraphQLLeafType | None = None  # a leaf: serialise with it
    plan: Plan | None = None  # an object (or the items of a list): complete with this plan
    is_list: bool = False
    item_non_null: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    """The steps of one object type's selection, in response order."""

    object_type: GraphQLObjectType
    steps: tuple[Step, ...]

    def complete(self, source: Any) -> dict[str, Any]:
        """The object's result; raises :class:`Fallback` where graphql-core must decide."""
        check: Any = self.object_type.is_type_of
        # Strawberry's checks ignore the resolve info (an isinstance test); one that returns
        # anything but True (an awaitable, False) is left to graphql-core.
        if check is not None and check(source, None) is not True:
            raise Fallback
        result: dict[str, Any] = {}
        for step in self.steps:
            value = getattr(source, step.attribute, Undefined)
            if value is Undefined:
                raise Fallback
            if value is None:
                if step.non_null:
                    raise Fallback
                result[step.key] = None
            elif step.leaf is not None:
                result[step.key] = _serialize(step.leaf, value)
            elif step.is_list:
                result[step.key] = _complete_items(step, value)
            else:
                assert step.plan is not None
                result[step.key] = step.plan.complete(value)
        return result


def _serialize(leaf: GraphQLLeafType, value: Any) -> Any:
    try:
        serialized = leaf.serialize(value)
    except Exception as exc:  # graphql-core reports it, with its path, on its own path
        raise Fallback from exc
    if serialized is None or serialized is Undefined:
        raise Fallback
    return serialized


def _complete_items(step: Step, values: Any) -> list[Any]:
    if not isinstance(values, list | tuple):
        raise Fallback  # graphql-core accepts any iterable and reports what it refuses
    plan = step.plan
    assert plan is not None
    items: list[Any] = []
    for value in values:
        if value is None:
            if step.item_non_null:
                raise Fallback
            items.append(None)
        else:
            items.append(plan.complete(value))
    return items


def _unwrap(field_type: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    if isinstance(field_type, GraphQLNonNull):
        return field_type.of_type, True
    return field_type, False


def plain_attribute(field_def: GraphQLField) -> str | None:
    """The Python attribute behind a Strawberry field with no resolver, extension or
    argument; None for any other field."""
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        definition is not None
        and getattr(field_def.resolve, "_is_default", False)  # Strawberry's resolver-less field
        and getattr(definition, "is_basic_field", False)
        and not field_def.args
    ):
        return str(definition.python_name)
    return None


def has_no_directives(field_details_list: Any) -> bool:
    """No directive on the field's nodes and no defer usage (an ``@skip`` decided by a variable
    is fine: collection already applied it, but one on a nested node is left to graphql-core)."""
    return all(
        not details.node.arguments
        and not details.node.directives
        and getattr(details, "defer_usage", None) is None
        for details in field_details_list
    )


@dataclass(slots=True)
class PlanCompiler:
    """Builds plans for one execution context (its ``collect_subfields`` and schema)."""

    context: Any  # graphql-core's ExecutionContext

    def compile(self, object_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        """A plan for this selection of ``object_type``, or None if any field is not plain."""
        steps: list[Step] = []
        for key, field_details_list in grouped_field_set.items():
            step = self._step(object_type, key, field_details_list)
            if step is None:
                return None
            steps.append(step)
        return Plan(object_type, tuple(steps))

    def _step(self, parent: GraphQLObjectType, key: str, field_details_list: Any) -> Step | None:
        if not has_no_directives(field_details_list):
            return None
        field_def = self.context.schema.get_field(parent, field_details_list[0].node.name.value)
        if field_def is None:
            return None
        attribute = plain_attribute(field_def)
        if attribute is None:
            return None
        field_type, non_null = _unwrap(field_def.type)
        if is_leaf_type(field_type):
            return Step(key, attribute, non_null, leaf=field_type)
        if isinstance(field_type, GraphQLList):
            item_type, item_non_null = _unwrap(field_type.of_type)
            if not isinstance(item_type, GraphQLObjectType):
                return None
            plan = self._object_plan(item_type, field_details_list)
            if plan is None:
                return None
            return Step(
                key, attribute, non_null, plan=plan, is_list=True, item_non_null=item_non_null
            )
        if isinstance(field_type, GraphQLObjectType):
            plan = self._object_plan(field_type, field_details_list)
            return None if plan is None else Step(key, attribute, non_null, plan=plan)
        return None  # interfaces and unions are resolved at run time by graphql-core

    def _object_plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        grouped_field_set, defer_usages, _ = self.context.collect_subfields(
            object_type, field_details_list
        )
        if defer_usages:
            return None
        return self.compile(object_type, grouped_field_set)
