"""The plain-leaf shortcut (resolvers/leaf_fields.py) gives exactly graphql-core's results:
values, nulls, errors and their paths, with and without the shortcut, for every kind of field
it takes or must leave alone."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry

from resolvers.leaf_fields import LeafFieldExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.type
class Row:
    name: str
    colour: Colour
    when: datetime
    count: int
    maybe: str | None
    broken: int  # holds a value Int refuses, or None, in some rows

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def padded(self, width: int = 5) -> str:
        return self.name.rjust(width)


def _rows() -> list[Row]:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return [
        Row(name="a", colour=Colour.RED, when=when, count=1, maybe=None, broken=2),
        Row(name="b", colour=Colour.BLUE, when=when, count=2, maybe="x", broken="abc"),  # type: ignore[arg-type]
        Row(name="c", colour=Colour.RED, when=when, count=3, maybe="y", broken=None),  # type: ignore[arg-type]
    ]


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return _rows()

    @strawberry.field
    def strict_rows(self) -> list[Row] | None:
        return _rows()


DOCUMENTS = [
    "{ rows { name colour when count maybe shout padded(width: 3) } }",
    "{ rows { name alias: count maybe } }",
    "query($skip: Boolean!) { rows { name @skip(if: $skip) count } }",
    "{ strictRows { name broken } }",
    "{ rows { broken } }",
    "{ rows { ... on Row { name colour } ...F } } fragment F on Row { when maybe }",
]


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_results_are_graphql_core_s_own(document: str) -> None:
    plain = strawberry.Schema(query=Query)
    fast = strawberry.Schema(query=Query, execution_context_class=LeafFieldExecutionContext)
    variables: dict[str, Any] = {"skip": False}
    expected = await plain.execute(document, variable_values=variables)
    got = await fast.execute(document, variable_values=variables)
    assert got.data == expected.data
    assert [(e.message, e.path) for e in got.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]


async def test_the_shortcut_is_taken_for_plain_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    from graphql.execution.executor import Executor

    calls: list[str] = []
    original = Executor.execute_field

    def counting(self: Any, parent_type: Any, source: Any, details: Any, *rest: Any) -> Any:
        calls.append(details[0].node.name.value)
        return original(self, parent_type, source, details, *rest)

    monkeypatch.setattr(Executor, "execute_field", counting)
    fast = strawberry.Schema(query=Query, execution_context_class=LeafFieldExecutionContext)
    result = await fast.execute("{ rows { name colour count maybe shout } }")
    assert result.errors is None
    # graphql-core's path: the root list, every resolver field, every null
    assert sorted(calls) == ["maybe", "rows", "shout", "shout", "shout"]
