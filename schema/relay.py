"""Relay building blocks: the Node interface, global ids and cursor connections."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Generic, TypeVar

import strawberry

from domcctv.services.pagination import Page

T = TypeVar("T")


def to_global_id(type_name: str, pk: int | str) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode())


def from_global_id(global_id: str) -> tuple[str, str] | None:
    """Decode ``Type:pk``; None for anything malformed (treated as not found)."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, pk = raw.partition(":")
    if not sep or not type_name or not pk:
        return None
    return type_name, pk


MAX_PK = 2**63 - 1


def int_pk(global_id: str, expected_type: str) -> int | None:
    """The numeric key of a ``expected_type`` global id; None if malformed or out of range."""
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] != expected_type:
        return None
    raw = decoded[1]
    # ASCII digits only, within BIGINT: anything else would reach the driver and overflow.
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_PK:
        return None
    return int(raw)


@strawberry.interface(description="An object with a globally unique, opaque ID (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque identifier.")


@strawberry.type(description="Pagination state of a connection (Relay cursor spec).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more rows follow endCursor.")
    has_previous_page: bool = strawberry.field(
        description="Always false: connections page forward only (newest first)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first edge.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="An edge: one node and its cursor.")
class Edge(Generic[T]):  # noqa: UP046 - Strawberry resolves TypeVar generics
    cursor: str = strawberry.field(description="Opaque cursor of this node.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of results with Relay cursors.")
class Connection(Generic[T]):  # noqa: UP046 - Strawberry resolves TypeVar generics
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="How to fetch the next page.")

    @classmethod
    def from_page(cls, page: Page[Any], nodes: list[T]) -> Connection[T]:
        edges = [Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=False,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.end_cursor,
            ),
        )
