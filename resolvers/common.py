"""Small helpers every resolver uses: id decoding, paging, domain-error mapping."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from domcctv.domain.errors import DomcctvError, FieldCode, InvalidInput
from domcctv.services.pagination import PageRequest, clamp_page
from schema.context import Info
from schema.errors import AnyError, to_graphql_error
from schema.relay import int_pk

FIRST_DESCRIPTION = "Page size (1..MAX_PAGE_SIZE, default 25)."
AFTER_DESCRIPTION = "Cursor from pageInfo.endCursor."


def page_request(info: Info, first: int | None, after: str | None) -> PageRequest:
    return PageRequest(
        first=clamp_page(first, default=25, maximum=info.context.settings.max_page_size),
        after=after,
    )


def required_pk(global_id: strawberry.ID | str, type_name: str, field: str) -> int:
    pk = int_pk(global_id, type_name)
    if pk is None:
        raise InvalidInput.single(field, FieldCode.UNKNOWN_REFERENCE, f"Not a {type_name} id")
    return pk


def optional_pk(global_id: strawberry.ID | str | None, type_name: str, field: str) -> int | None:
    return None if global_id is None else required_pk(global_id, type_name, field)


async def mutate[T](action: Callable[[], Awaitable[T]]) -> T | AnyError:
    """Run a use case; expected failures become members of the result union."""
    try:
        return await action()
    except DomcctvError as exc:
        return to_graphql_error(exc)
