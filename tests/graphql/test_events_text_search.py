"""events(filter: {text}) over GraphQL: scoped like every search, typed error when there is
no word to search for (the search itself: tests/search/test_text_search.py)."""

from __future__ import annotations

from gqlkit import payload, signed_in, top_code

from domcctv.domain.access import Role

from factories import make_company, make_event, make_metadata, make_user
from graphql_client import gql

SEARCH = """
query($filter: EventFilterInput) {
  events(filter: $filter) { edges { node { plate metadata { cargoDescription } } } }
}"""


async def test_text_search_is_scoped_and_typed(api, settings) -> None:
    ours, theirs = await make_company(), await make_company()
    author = await make_user(Role.OPERATOR)
    for company, plate in ((ours, "HJKL10"), (theirs, "HJKL11")):
        event = await make_event(company, plate)
        await make_metadata(event, author, cargo_description="Áridos lavados")
    _, staff = await signed_in(Role.OPERATOR, settings)
    _, client = await signed_in(Role.CLIENT_USER, settings, ours)

    async def plates(token: str) -> list[str]:
        body = await gql(api, SEARCH, {"filter": {"text": "aridos"}}, token)
        return sorted(e["node"]["plate"] for e in payload(body, "events")["edges"])

    assert await plates(staff) == ["HJKL10", "HJKL11"]
    assert await plates(client) == ["HJKL10"]
    bad = await gql(api, SEARCH, {"filter": {"text": "a ?"}}, staff)
    assert top_code(bad) == "INVALID_INPUT"
