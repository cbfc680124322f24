"""No N+1: the events list with its nested company, metadata{createdBy} and corrections costs
the same number of SQL statements for 5 events as for 50."""

from __future__ import annotations

import pytest
from gqlkit import payload, signed_in

from domcctv.domain.access import Role
from domcctv.models import PlateCorrection

from factories import make_company, make_event, make_metadata, make_user
from graphql_client import gql
from querycount import count_queries

LIST = """
query($first: Int) {
  events(first: $first) {
    edges { node {
      plate
      company { name rutDisplay }
      metadata { guideNumber createdBy { email company { name } } lastModifiedBy { email } }
      plateCorrections { fromPlate toPlate correctedBy { email } }
    } }
    pageInfo { hasNextPage }
  }
}"""


async def seed(n: int) -> None:
    """``n`` documented and corrected events spread over three companies and three authors."""
    companies = [await make_company() for _ in range(3)]
    authors = [await make_user(Role.OPERATOR) for _ in range(3)]
    for i in range(n):
        event = await make_event(companies[i % 3], f"HJKL{10 + i}")
        await make_metadata(event, authors[i % 3], guide_number=f"GD-{i}")
        await PlateCorrection.create(
            event_id=event.id,
            from_plate="HJKL00",
            to_plate=event.plate,
            reason="misread",
            corrected_by_id=authors[(i + 1) % 3].id,
        )


async def statements_for(api, token: str, n: int, *, staff_visible: bool = True) -> int:
    with count_queries() as log:
        body = await gql(api, LIST, {"first": n}, token)
    page = payload(body, "events")
    assert len(page["edges"]) == n
    for edge in page["edges"]:
        node = edge["node"]
        assert node["company"]["name"]
        assert node["metadata"]["guideNumber"]
        assert len(node["plateCorrections"]) == 1
        if staff_visible:
            assert node["metadata"]["createdBy"]["email"]
            assert node["plateCorrections"][0]["correctedBy"]["email"]
        else:  # DOM staff are outside a client's scope: their names load as null
            assert node["metadata"]["createdBy"] is None
    return log.count


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CLIENT_USER])
async def test_events_list_costs_a_constant_number_of_queries(api, settings, role: Role) -> None:
    # given 50 fully populated events
    await seed(50)
    if role is Role.CLIENT_USER:
        # a client sees a third of them: make its company hold at least 50 too
        company = await make_company()
        author = await make_user(Role.OPERATOR)
        for i in range(50):
            event = await make_event(company, f"FKAB{10 + i}")
            await make_metadata(event, author)
            await PlateCorrection.create(
                event_id=event.id, from_plate="X", to_plate=event.plate, corrected_by_id=author.id
            )
        _, token = await signed_in(role, settings, company)
    else:
        _, token = await signed_in(role, settings)
    staff = role is not Role.CLIENT_USER

    # when listing 5 and then 50 of them
    few = await statements_for(api, token, 5, staff_visible=staff)
    many = await statements_for(api, token, 50, staff_visible=staff)

    # then the statement count does not grow with the page
    assert few == many, f"5 events: {few} statements, 50 events: {many}"
    assert many <= 12, many  # auth + permissions + search + audit + one batch per relation


async def test_the_counter_sees_every_statement(db) -> None:
    # a guard for the helper itself: three ORM calls are three statements
    with count_queries() as log:
        company = await make_company()
        await make_event(company, "HJKL42")
        await PlateCorrection.all().count()
    assert log.count == 3, str(log)
    assert log.statements[0].upper().startswith("INSERT")
    assert "SELECT COUNT" in log.statements[2].upper()
