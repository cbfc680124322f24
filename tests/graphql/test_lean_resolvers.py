"""Resolver fields called without Strawberry's argument layer (resolvers/lean_resolvers.py)
receive what Strawberry would give them and produce the same results and errors; fields with
arguments or extensions keep Strawberry's own resolver."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry.extensions import FieldExtension

from resolvers.lean_resolvers import install


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type
class Box:
    name: str

    @strawberry.field
    def plain(self) -> str:
        return f"plain:{self.name}"

    @strawberry.field
    async def awaited(self, info: strawberry.Info) -> str:
        return f"{info.field_name}:{info.path.key}:{self.name}"

    @strawberry.field
    @staticmethod
    def parented(parent: strawberry.Parent[Box]) -> str:
        return f"parent:{parent.name}"

    @strawberry.field
    def failing(self) -> str | None:
        raise ValueError(f"no {self.name}")

    @strawberry.field
    def with_argument(self, times: int = 2) -> str:
        return self.name * times

    @strawberry.field(extensions=[Shout()])  # type: ignore[untyped-decorator]
    def extended(self) -> str:
        return self.name


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self) -> list[Box]:
        return [Box(name="a"), Box(name="b")]


DOCUMENT = "{ boxes { name plain awaited parented failing withArgument(times: 3) extended } }"


async def test_results_and_errors_match_strawberry_s_own() -> None:
    expected = await strawberry.Schema(query=Query).execute(DOCUMENT)
    lean = strawberry.Schema(query=Query)
    assert install(lean) == 5  # boxes, plain, awaited, parented, failing; not the other two
    got = await lean.execute(DOCUMENT)
    assert got.data == expected.data
    assert got.data is not None
    assert got.data["boxes"][1]["awaited"] == "awaited:awaited:b"
    assert got.data["boxes"][0]["extended"] == "A"
    assert [(e.message, e.path) for e in got.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]


@pytest.mark.parametrize("field", ["withArgument", "extended", "name"])
def test_fields_with_arguments_extensions_or_no_resolver_keep_their_resolver(field: str) -> None:
    schema = strawberry.Schema(query=Query)
    box = schema._schema.type_map["Box"]
    assert hasattr(box, "fields")
    before = box.fields[field].resolve
    install(schema)
    assert box.fields[field].resolve is before
