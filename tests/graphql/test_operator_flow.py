"""The issue's acceptance flow over real GraphQL-over-HTTP: log in as an operator, search,
document an event, and find the audit entry."""

from __future__ import annotations

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog

from factories import PASSWORD, make_company, make_event, make_user, make_vehicle
from graphql_client import gql

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on AuthSuccess { accessToken refreshToken user { email role } }
    ... on Error { code message }
  }
}"""

SEARCH = """
query($filter: EventFilterInput, $first: Int) {
  events(filter: $filter, first: $first) {
    edges { cursor node { id plate status company { name } metadata { guideNumber } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

DOCUMENT = """
mutation($id: ID!, $input: EventMetadataInput!) {
  documentEvent(eventId: $id, input: $input) {
    __typename
    ... on EventSuccess { event { status hasBasicMetadata metadata { guideNumber
      createdBy { email } } } }
    ... on ValidationError { fields { field code } }
    ... on Error { code message }
  }
}"""


async def test_operator_logs_in_searches_documents_and_is_audited(api, settings) -> None:
    company = await make_company(name="Constructora Andes")
    await make_vehicle(company, "HJKL42")
    await make_user(Role.OPERATOR, email="op@dom.cl")
    await make_event(company, "HJKL42")
    await make_event(company, "FK1234")

    login = await gql(api, LOGIN, {"email": "op@dom.cl", "password": PASSWORD})
    payload = login["data"]["login"]
    assert payload["__typename"] == "AuthSuccess", payload
    token = payload["accessToken"]

    found = await gql(api, SEARCH, {"filter": {"plate": "HJ", "plateMatch": "PREFIX"}}, token)
    edges = found["data"]["events"]["edges"]
    assert [e["node"]["plate"] for e in edges] == ["HJKL42"]
    assert edges[0]["node"]["company"]["name"] == "Constructora Andes"

    documented = await gql(
        api,
        DOCUMENT,
        {
            "id": edges[0]["node"]["id"],
            "input": {
                "guideNumber": "GD-778",
                "guideDate": "2025-01-15",
                "cargoDescription": "Áridos",
            },
        },
        token,
    )
    result = documented["data"]["documentEvent"]
    assert result["__typename"] == "EventSuccess", result
    assert result["event"]["status"] == "DOCUMENTED"
    assert result["event"]["metadata"]["createdBy"]["email"] == "op@dom.cl"

    actions = set(await AuditLog.all().values_list("action", flat=True))
    assert {AuditAction.LOGIN, AuditAction.SEARCH_EVENTS, AuditAction.CREATE_METADATA} <= actions
    entry = await AuditLog.get(action=AuditAction.CREATE_METADATA)
    assert entry.after_state["guideNumber"] == "GD-778"
    assert entry.ip_address == "203.0.113.7"
    assert entry.company_id == company.id
