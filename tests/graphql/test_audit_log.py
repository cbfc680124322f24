"""auditLogs: what gets recorded (with before/after) and who may read which entries."""

from __future__ import annotations

from datetime import timedelta

from gqlkit import gid, payload, signed_in, top_code

from domcctv.domain.access import Permission, Role
from domcctv.models import AuditAction, AuditLog, ResourceType, UserPermission
from domcctv.services.clock import utcnow

from factories import PASSWORD, make_company, make_event, make_user
from graphql_client import gql

AUDIT = """
query($filter: AuditFilterInput, $first: Int, $after: String) {
  auditLogs(filter: $filter, first: $first, after: $after) {
    edges { node { id action resourceType resourceId ipAddress userAgent timestamp
                   beforeState afterState companyId user { email } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { __typename ... on AuthSuccess { accessToken } }
}"""


async def entries(api, token: str, first: int = 50, **flt) -> list[dict]:
    body = await gql(api, AUDIT, {"filter": flt or None, "first": first}, token)
    return [e["node"] for e in payload(body, "auditLogs")["edges"]]


async def test_logins_failures_and_logouts_are_recorded(api, settings) -> None:
    user = await make_user(Role.OPERATOR, email="op@dom.cl")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    await gql(api, LOGIN, {"email": "op@dom.cl", "password": "Wrong-Pass-000"})
    await gql(api, LOGIN, {"email": "ghost@dom.cl", "password": "Wrong-Pass-000"})
    login = await gql(api, LOGIN, {"email": "op@dom.cl", "password": PASSWORD})
    token = login["data"]["login"]["accessToken"]
    await gql(api, "mutation { logout { __typename } }", token=token)

    found = await entries(api, admin, resourceType="SESSION")

    assert [e["action"] for e in found] == ["LOGOUT", "LOGIN", "LOGIN_FAILED", "LOGIN_FAILED"]
    logout, ok, unknown, wrong = found
    assert ok["user"] == {"email": "op@dom.cl"}
    assert ok["resourceId"] == logout["resourceId"]  # the session id
    assert ok["ipAddress"] == "203.0.113.7"
    assert ok["userAgent"] == "pytest-client"
    assert wrong["user"] == {"email": "op@dom.cl"}
    assert wrong["afterState"] == {"email": "op@dom.cl"}
    assert unknown["user"] is None  # no account behind the attempt
    assert unknown["afterState"] == {"email": "ghost@dom.cl"}
    by_user = await entries(api, admin, userId=gid("User", user.id))
    assert {e["action"] for e in by_user} == {"LOGIN", "LOGOUT", "LOGIN_FAILED"}


async def test_views_and_searches_are_recorded(api, settings) -> None:
    company = await make_company()
    event = await make_event(company, "HJKL42")
    _, op = await signed_in(Role.OPERATOR, settings)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    await gql(api, "query($id: ID!) { event(id: $id) { id } }", {"id": gid("Event", event.id)}, op)
    await gql(api, "query($id: ID!) { node(id: $id) { id } }", {"id": gid("Event", event.id)}, op)
    await gql(
        api,
        "query($f: EventFilterInput) { events(filter: $f) { edges { cursor } } }",
        {"f": {"plate": "HJ", "plateMatch": "PREFIX", "companyId": gid("Company", company.id)}},
        op,
    )

    views = await entries(api, admin, action="VIEW_EVENT")
    assert [(v["resourceType"], v["resourceId"], v["companyId"]) for v in views] == [
        ("EVENT", str(event.id), company.id)
    ] * 2
    (search,) = await entries(api, admin, action="SEARCH_EVENTS")
    assert search["afterState"] == {
        "plate": "HJ",
        "plate_match": "PREFIX",
        "company_id": company.id,
        "first": 25,
    }
    assert search["companyId"] == company.id


async def test_metadata_changes_are_recorded_with_before_and_after(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42")
    _, sup = await signed_in(Role.SUPERVISOR, settings)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    document = """
    mutation($id: ID!, $guide: String!) {
      documentEvent(eventId: $id, input: {guideNumber: $guide}) { __typename }
    }"""
    await gql(api, document, {"id": gid("Event", event.id), "guide": "GD-1"}, sup)
    await gql(api, document, {"id": gid("Event", event.id), "guide": "GD-2"}, sup)

    update, create = await entries(api, admin, resourceId=str(event.id), resourceType="EVENT")

    assert create["action"] == "CREATE_METADATA"
    assert create["beforeState"] is None
    assert create["afterState"]["guideNumber"] == "GD-1"
    assert update["action"] == "UPDATE_METADATA"
    assert update["beforeState"]["guideNumber"] == "GD-1"
    assert update["afterState"]["guideNumber"] == "GD-2"


async def test_permission_changes_are_recorded_with_before_and_after(api, settings) -> None:
    target = await make_user(Role.OPERATOR)
    admin_user, admin = await signed_in(Role.ADMINISTRATOR, settings)
    grant = """
    mutation($id: ID!) {
      grantPermission(input: {userId: $id, permission: VIEW_AUDIT_LOGS}) { __typename }
    }"""
    revoke = """
    mutation($id: ID!) {
      revokePermission(userId: $id, permission: VIEW_AUDIT_LOGS) { __typename }
    }"""
    await gql(api, grant, {"id": gid("User", target.id)}, admin)
    await gql(api, revoke, {"id": gid("User", target.id)}, admin)

    revoked, granted = await entries(api, admin, action="MODIFY_PERMISSIONS")

    assert granted["resourceType"] == "USER"
    assert granted["resourceId"] == str(target.id)
    assert granted["user"] == {"email": admin_user.email}
    assert granted["beforeState"] is None
    assert granted["afterState"] == {"granted": "VIEW_AUDIT_LOGS", "expiresAt": None}
    assert revoked["beforeState"] == {"granted": "VIEW_AUDIT_LOGS"}
    assert revoked["afterState"] == {"revoked": "VIEW_AUDIT_LOGS"}


async def test_time_window_filter(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    now = utcnow()
    for hours in (1, 3, 5):
        log = await AuditLog.create(
            action=AuditAction.EXPORT_DATA,
            resource_type=ResourceType.REPORT,
            resource_id=str(hours),
        )
        await AuditLog.filter(id=log.id).update(timestamp=now - timedelta(hours=hours))

    found = await entries(
        api,
        admin,
        action="EXPORT_DATA",
        since=(now - timedelta(hours=4)).isoformat(),
        until=(now - timedelta(hours=2)).isoformat(),
    )

    assert [e["resourceId"] for e in found] == ["3"]


async def test_audit_pages_without_gaps_or_duplicates(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    moment = utcnow() - timedelta(minutes=5)
    for i in range(7):  # same timestamp for several rows: the id breaks the tie
        log = await AuditLog.create(
            action=AuditAction.EXPORT_DATA, resource_type=ResourceType.REPORT, resource_id=str(i)
        )
        await AuditLog.filter(id=log.id).update(timestamp=moment - timedelta(seconds=i // 3))

    seen: list[str] = []
    after = None
    while True:
        body = await gql(
            api, AUDIT, {"filter": {"action": "EXPORT_DATA"}, "first": 3, "after": after}, admin
        )
        page = payload(body, "auditLogs")
        seen += [e["node"]["resourceId"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == ["2", "1", "0", "5", "4", "3", "6"]


async def test_client_user_reads_only_its_own_companys_entries_once_granted(api, settings) -> None:
    # given activity in two companies
    mine, other = await make_company(), await make_company()
    for company in (mine, other):
        await AuditLog.create(
            action=AuditAction.EXPORT_DATA,
            resource_type=ResourceType.REPORT,
            company_id=company.id,
            resource_id=f"report-{company.id}",
        )
    await AuditLog.create(action=AuditAction.EXPORT_DATA, resource_type=ResourceType.REPORT)
    client, token = await signed_in(Role.CLIENT_USER, settings, mine)

    # a client user has no VIEW_AUDIT_LOGS by default
    assert top_code(await gql(api, AUDIT, {}, token)) == "FORBIDDEN"

    # once an administrator grants it, it sees its own company's entries only
    await UserPermission.create(user_id=client.id, permission=Permission.VIEW_AUDIT_LOGS)
    found = await entries(api, token, action="EXPORT_DATA")
    assert [e["resourceId"] for e in found] == [f"report-{mine.id}"]
    assert {e["companyId"] for e in await entries(api, token)} == {mine.id}


async def test_operators_cannot_read_the_audit_log(api, settings) -> None:
    _, token = await signed_in(Role.OPERATOR, settings)
    assert top_code(await gql(api, AUDIT, {}, token)) == "FORBIDDEN"
    assert await AuditLog.all().count() == 0  # a refused read leaves no trace
