"""The SDL is the API manual: the committed schema is the generated one, and every type,
field, argument, input field and enum value in it carries a description."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
)
from graphql.type import specified_scalar_types

from resolvers import build_schema

SDL_PATH = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


@pytest.fixture(scope="module")
def graphql_schema() -> GraphQLSchema:
    return build_schema()._schema


def test_committed_sdl_is_the_generated_one() -> None:
    generated = build_schema().as_str() + "\n"
    assert SDL_PATH.read_text() == generated, (
        "schema/schema.graphql is stale: run `.venv/bin/domcctv export-schema`"
    )


# Modules of this foundation; anything else (devices, live updates, ingest) is another
# engineer's and checked separately below.
FOUNDATION = (
    "resolvers.auth",
    "resolvers.companies",
    "resolvers.users",
    "resolvers.events",
    "resolvers.audit",
    "resolvers.node",
    "resolvers.common",
    "schema.audit",
    "schema.companies",
    "schema.enums",
    "schema.errors",
    "schema.events",
    "schema.inputs",
    "schema.payloads",
    "schema.relay",
    "schema.users",
    "domcctv.domain.",
    "domcctv.models.audit",
    "domcctv.models.event",
    "domcctv.models.tenant",
    "domcctv.models.user",
    "domcctv.services.events",
    "strawberry.",
)


def _module_of(definition: Any) -> str:
    """The Python module that declared a Strawberry type, enum or field."""
    if definition is None:
        return "strawberry."
    for attr in ("wrapped_cls", "origin"):
        owner = getattr(definition, attr, None)
        if isinstance(owner, type):
            return owner.__module__
    resolver = getattr(definition, "base_resolver", None)
    if resolver is not None:
        return str(resolver.wrapped_func.__module__)
    return "strawberry."  # unions and scalars carry no origin: checked with the foundation


def _undocumented(schema: GraphQLSchema) -> list[tuple[str, str]]:
    """``(what, declaring module)`` for everything without a description."""
    missing: list[tuple[str, str]] = []
    for name, gtype in sorted(schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        owner = _module_of((gtype.extensions or {}).get("strawberry-definition"))
        if not (gtype.description or "").strip():
            missing.append((f"type {name}", owner))
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
            for fname, field in gtype.fields.items():
                # root fields belong to the resolver class that declared them
                definition = (field.extensions or {}).get("strawberry-definition")
                where = _module_of(definition) if definition is not None else owner
                if not (field.description or "").strip():
                    missing.append((f"field {name}.{fname}", where))
                for aname, arg in field.args.items():
                    if not (arg.description or "").strip():
                        missing.append((f"argument {name}.{fname}({aname})", where))
        elif isinstance(gtype, GraphQLInputObjectType):
            for fname, input_field in gtype.fields.items():
                if not (input_field.description or "").strip():
                    missing.append((f"input field {name}.{fname}", owner))
        elif isinstance(gtype, GraphQLEnumType):
            for vname, value in gtype.values.items():
                if not (value.description or "").strip():
                    missing.append((f"enum value {name}.{vname}", owner))
        elif isinstance(gtype, GraphQLUnionType):
            pass  # members are documented types; the union itself is checked above
    return missing


def _is_foundation(module: str) -> bool:
    return module.startswith(FOUNDATION)


def test_everything_in_the_foundation_schema_is_documented(graphql_schema: GraphQLSchema) -> None:
    missing = [
        f"{what} ({module})"
        for what, module in _undocumented(graphql_schema)
        if _is_foundation(module)
    ]
    assert missing == [], f"{len(missing)} undocumented: " + ", ".join(missing[:40])


def test_everything_else_in_the_schema_is_documented(graphql_schema: GraphQLSchema) -> None:
    missing = [
        f"{what} ({module})"
        for what, module in _undocumented(graphql_schema)
        if not _is_foundation(module)
    ]
    assert missing == [], f"{len(missing)} undocumented: " + ", ".join(missing[:40])


def test_root_operations_state_their_requirements(graphql_schema: GraphQLSchema) -> None:
    # the permission needed is part of each guarded field's description (the SDL is the manual)
    query, mutation = graphql_schema.query_type, graphql_schema.mutation_type
    assert query is not None
    assert mutation is not None
    assert "Requires MANAGE_USERS" in (query.fields["users"].description or "")
    assert "Requires VIEW_AUDIT_LOGS" in (query.fields["auditLogs"].description or "")
    assert "Requires MANAGE_COMPANIES" in (mutation.fields["createCompany"].description or "")
    assert "Requires authentication" in (mutation.fields["documentEvent"].description or "")
