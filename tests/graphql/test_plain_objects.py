"""Objects completed by a compiled plan (resolvers/plain_objects.py) give exactly graphql-core's
results — data, nulls, errors and their paths — for connections of plain fields, and leave
everything the plan cannot decide to graphql-core."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType

from resolvers.leaf_fields import LeafFieldExecutionContext
from resolvers.plain_objects import Fallback, Plan


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Item(Named):
    count: int
    when: datetime
    maybe: str | None


@strawberry.type
class Other:
    name: str


@strawberry.type
class Edge:
    cursor: str
    node: Item


@strawberry.type
class Info:
    has_next: bool
    end: str | None


@strawberry.type
class Connection:
    edges: list[Edge]
    info: Info
    optional_edges: list[Edge | None] | None = None

    @strawberry.field
    def total(self) -> int:
        return len(self.edges)


WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _connection(kind: str) -> Connection:
    items = [Item(name=f"n{i}", count=i, when=WHEN, maybe=None if i % 2 else "x") for i in range(4)]
    edges = [Edge(cursor=f"c{i}", node=item) for i, item in enumerate(items)]
    if kind == "null_in_non_null_list":
        edges[2] = None  # type: ignore[call-overload]
    if kind == "null_node":
        edges[1].node = None  # type: ignore[assignment]
    if kind == "bad_scalar":
        items[3].count = "many"  # type: ignore[assignment]
    if kind == "wrong_type":
        edges[0].node = Other(name="o")  # type: ignore[assignment]
    optional = [edges[0], None] if kind == "optional" else None
    return Connection(edges=edges, info=Info(has_next=True, end=None), optional_edges=optional)


@strawberry.type
class Query:
    @strawberry.field
    def page(self, kind: str = "ok") -> Connection:
        return _connection(kind)

    @strawberry.field
    def maybe_page(self, kind: str = "ok") -> Connection | None:
        return _connection(kind)


KINDS = ["ok", "null_in_non_null_list", "null_node", "bad_scalar", "wrong_type", "optional"]
DOCUMENTS = [
    "query($k: String!) { page(kind: $k) { edges { cursor node { name count when maybe } } "
    "info { hasNext end } } }",
    "query($k: String!) { maybePage(kind: $k) { edges { node { count } } total } }",
    "query($k: String!) { maybePage(kind: $k) { optionalEdges { cursor node { name } } } }",
    "query($k: String!, $s: Boolean!) { page(kind: $k) { edges { cursor @skip(if: $s) "
    "node { name } } } }",
    "query($k: String!) { page(kind: $k) { edges { node { ... on Named { name } ...F } } } } "
    "fragment F on Item { count alias: name }",
    "query($k: String!) { page(kind: $k) { edges { node { __typename name } } } }",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("document", DOCUMENTS)
async def test_results_are_graphql_core_s_own(document: str, kind: str) -> None:
    plain = strawberry.Schema(query=Query)
    fast = strawberry.Schema(query=Query, execution_context_class=LeafFieldExecutionContext)
    variables: dict[str, Any] = {"k": kind, "s": False}
    expected = await plain.execute(document, variable_values=variables)
    got = await fast.execute(document, variable_values=variables)
    assert got.data == expected.data
    assert [(e.message, e.path) for e in got.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]


class _Recording(LeafFieldExecutionContext):
    """Records the plans the execution compiled (by the object type they complete)."""

    compiled: list[Plan | None] = []

    def _plan(self, return_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        plan = super()._plan(return_type, grouped_field_set)
        _Recording.compiled.append(plan)
        return plan


async def _run(document: str) -> tuple[Any, list[Plan | None]]:
    _Recording.compiled = []
    schema = strawberry.Schema(query=Query, execution_context_class=_Recording)
    result = await schema.execute(document)
    assert not result.errors
    return result.data, _Recording.compiled


async def test_a_connection_of_plain_fields_is_completed_by_one_plan() -> None:
    data, plans = await _run(
        "{ page { edges { cursor node { name count when maybe } } info { hasNext } } }"
    )
    assert len(plans) == 1  # the connection: its edges, nodes and info come with it
    plan = plans[0]
    assert plan is not None
    assert [s.key for s in plan.steps] == ["edges", "info"]
    assert data["page"]["edges"][1] == {
        "cursor": "c1",
        "node": {"name": "n1", "count": 1, "when": "2026-01-02T03:04:05+00:00", "maybe": None},
    }


@pytest.mark.parametrize(
    "document",
    [
        "{ page { total } }",  # a resolver
        "{ page { edges { cursor @include(if: true) } } }",  # a directive
        "{ page { edges { node { __typename } } } }",  # a meta field
    ],
)
async def test_selections_with_anything_but_plain_fields_are_left_to_graphql_core(
    document: str,
) -> None:
    _, plans = await _run(document)
    assert plans[0] is None  # the connection's own selection is not compiled


def test_a_value_the_plan_cannot_decide_falls_back() -> None:
    plan = asyncio.run(_run("{ page { edges { node { count } } } }"))[1][0]
    assert plan is not None
    plan.complete(_connection("ok"))
    with pytest.raises(Fallback):
        plan.complete(_connection("bad_scalar"))
    with pytest.raises(Fallback):
        plan.complete(_connection("null_node"))
    with pytest.raises(Fallback):
        plan.complete(_connection("wrong_type"))


class _Sizes(LeafFieldExecutionContext):
    """Records how many plans the context already held when each object was completed."""

    held: list[int] = []

    def _plan(self, return_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        _Sizes.held.append(len(self.__dict__.get("_plans", {})))
        return super()._plan(return_type, grouped_field_set)


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def pages(self, count: int) -> AsyncGenerator[Connection, None]:
        for _ in range(count):
            yield _connection("ok")


async def test_each_subscription_event_starts_with_no_plans() -> None:
    """Per-event executors are shallow copies of the subscription's (resolvers/execution_fix.py)
    that compile their own plans: a plan cache shared by all events of a subscription would
    keep every event's field lists alive, as graphql-core's shared memo did."""
    from resolvers.execution_fix import install_per_event_executor

    install_per_event_executor()
    _Sizes.held = []
    schema = strawberry.Schema(
        query=Query, subscription=Subscription, execution_context_class=_Sizes
    )
    stream = await schema.subscribe("subscription { pages(count: 5) { edges { cursor } } }")
    assert hasattr(stream, "__aiter__")
    results = [result async for result in stream]
    assert len(results) == 5
    assert all(not r.errors for r in results)
    assert _Sizes.held == [0] * 5
