"""Dead letters over GraphQL: administrators list them (newest first, by status), retry one
(back on the very queue the server uses, then stored by the consumer) or discard it; both
audited. They are DOM's, not a tenant's: client users and operators get FORBIDDEN."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from test_inbox_queue import good_read, pipeline

from domcctv.config import Settings
from domcctv.domain.access import Role
from domcctv.infra.bus import create_redis
from domcctv.infra.queue import DatabaseQueue, RedisStreamQueue, build_queue
from domcctv.models import (
    AuditAction,
    AuditLog,
    DeadLetterStatus,
    IngestDeadLetter,
    IngestInbox,
    PlateReadRecord,
    ResourceType,
)
from schema.relay import to_global_id

from factories import make_company, make_user
from graphql_client import gql, token_for


def gid(type_name: str, pk: int) -> str:
    return str(to_global_id(type_name, pk))


async def signed_in(role: Role, settings: Settings, company: Any = None) -> tuple[Any, str]:
    user = await make_user(role, company)
    return user, await token_for(user, settings)


def payload(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    value: dict[str, Any] = body["data"][field]
    return value


def top_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


LIST = """
query($status: DeadLetterStatus, $first: Int, $after: String) {
  deadLetters(status: $status, first: $first, after: $after) {
    edges { cursor node { id databaseId naturalKey source cameraCode payload error attempts
      status resolvedAt resolvedBy { email } } }
    pageInfo { hasNextPage endCursor } } }"""
RETRY = """
mutation($id: ID!) { retryDeadLetter(id: $id) { __typename
  ... on DeadLetterSuccess { deadLetter { status resolvedAt resolvedBy { email } } }
  ... on Error { code message } } }"""
DISCARD = """
mutation($id: ID!) { discardDeadLetter(id: $id) { __typename
  ... on DeadLetterSuccess { deadLetter { status } } ... on Error { code message } } }"""


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Any]:
    client = create_redis(settings.redis_url) if settings.redis_url else None
    yield client
    if client is not None:
        await client.delete(f"{settings.redis_namespace}:ingest:reads")  # this test's own key
        await client.aclose()


async def _letter(key: str, **overrides: Any) -> IngestDeadLetter:
    data: dict[str, Any] = {
        "natural_key": key,
        "source": "push",
        "camera_code": "CAM-1",
        "payload": good_read(key).to_json(),
        "error": "RuntimeError: boom",
        "attempts": 5,
    }
    data.update(overrides)
    return await IngestDeadLetter.create(**data)


async def test_admin_lists_newest_first_and_filters_by_status(api, settings) -> None:
    _, token = await signed_in(Role.ADMINISTRATOR, settings)
    older = await _letter("uuid:CAM-1:a")
    newer = await _letter("uuid:CAM-1:b", status=DeadLetterStatus.DISCARDED)
    newest = await _letter("uuid:CAM-1:c")

    everything = payload(await gql(api, LIST, {"first": 2}, token), "deadLetters")
    ids = [e["node"]["databaseId"] for e in everything["edges"]]
    assert ids == [newest.id, newer.id]
    assert everything["pageInfo"]["hasNextPage"] is True
    rest = payload(
        await gql(api, LIST, {"first": 2, "after": everything["pageInfo"]["endCursor"]}, token),
        "deadLetters",
    )
    assert [e["node"]["databaseId"] for e in rest["edges"]] == [older.id]

    pending = payload(await gql(api, LIST, {"status": "PENDING"}, token), "deadLetters")
    assert [e["node"]["databaseId"] for e in pending["edges"]] == [newest.id, older.id]
    node = pending["edges"][0]["node"]
    assert node["payload"]["plateText"] == "HJKL42"
    assert node["source"] == "push"
    assert node["attempts"] == 5


async def test_retry_puts_the_read_back_on_the_servers_queue(api, settings, redis) -> None:
    admin, token = await signed_in(Role.ADMINISTRATOR, settings)
    letter = await _letter("uuid:CAM-1:retry")

    result = payload(
        await gql(api, RETRY, {"id": gid("DeadLetter", letter.id)}, token), "retryDeadLetter"
    )

    assert result["__typename"] == "DeadLetterSuccess", result
    assert result["deadLetter"]["status"] == "RETRIED"
    assert result["deadLetter"]["resolvedBy"]["email"] == admin.email
    stored = await IngestDeadLetter.get(id=letter.id)
    assert stored.status is DeadLetterStatus.RETRIED
    assert stored.resolved_by_id == admin.id
    audit = await AuditLog.get(action=AuditAction.RETRY_DEAD_LETTER)
    assert audit.resource_type is ResourceType.INGEST
    assert audit.resource_id == str(letter.id)
    assert audit.user_id == admin.id
    # the consumer of the same queue stores it
    queue = build_queue(settings, redis)
    if isinstance(queue, RedisStreamQueue):
        await queue.ensure_group()
        await queue._round(pipeline())
    else:
        assert isinstance(queue, DatabaseQueue)
        assert await IngestInbox.filter(natural_key="uuid:CAM-1:retry").exists()
        await queue._drain(pipeline())
    assert await PlateReadRecord.filter(natural_key="uuid:CAM-1:retry").exists()

    again = payload(
        await gql(api, RETRY, {"id": gid("DeadLetter", letter.id)}, token), "retryDeadLetter"
    )
    assert again == {
        "__typename": "ConflictError",
        "code": "INVALID_TRANSITION",
        "message": "This dead letter was already retried",
    }


async def test_discard_is_kept_audited_and_final(api, settings) -> None:
    admin, token = await signed_in(Role.ADMINISTRATOR, settings)
    letter = await _letter("uuid:CAM-1:gone")

    result = payload(
        await gql(api, DISCARD, {"id": gid("DeadLetter", letter.id)}, token), "discardDeadLetter"
    )

    assert result == {"__typename": "DeadLetterSuccess", "deadLetter": {"status": "DISCARDED"}}
    assert (await IngestDeadLetter.get(id=letter.id)).status is DeadLetterStatus.DISCARDED
    assert (
        await AuditLog.filter(action=AuditAction.DISCARD_DEAD_LETTER, user_id=admin.id).count() == 1
    )
    retry = payload(
        await gql(api, RETRY, {"id": gid("DeadLetter", letter.id)}, token), "retryDeadLetter"
    )
    assert retry["code"] == "INVALID_TRANSITION"


async def test_an_undecodable_payload_can_only_be_discarded(api, settings) -> None:
    _, token = await signed_in(Role.ADMINISTRATOR, settings)
    letter = await _letter("stream:1-0", payload={"raw": "\ufffd{not json"}, source="")

    result = payload(
        await gql(api, RETRY, {"id": gid("DeadLetter", letter.id)}, token), "retryDeadLetter"
    )

    assert result["__typename"] == "ConflictError"
    assert result["code"] == "CONFLICT"
    assert (await IngestDeadLetter.get(id=letter.id)).status is DeadLetterStatus.PENDING
    assert not await AuditLog.filter(action=AuditAction.RETRY_DEAD_LETTER).exists()


async def test_unknown_ids_are_typed_errors(api, settings) -> None:
    _, token = await signed_in(Role.ADMINISTRATOR, settings)
    missing = payload(
        await gql(api, RETRY, {"id": gid("DeadLetter", 999_999)}, token), "retryDeadLetter"
    )
    wrong_type = payload(
        await gql(api, DISCARD, {"id": gid("Event", 1)}, token), "discardDeadLetter"
    )
    assert missing["code"] == "NOT_FOUND"
    assert wrong_type["__typename"] == "ValidationError"


@pytest.mark.parametrize("role", [Role.CLIENT_USER, Role.OPERATOR, Role.SUPERVISOR])
async def test_only_system_config_staff_see_or_touch_dead_letters(api, settings, role) -> None:
    company = await make_company() if role is Role.CLIENT_USER else None
    _, token = await signed_in(role, settings, company)
    letter = await _letter("uuid:CAM-1:secret")

    listing = await gql(api, LIST, {}, token)
    retry = await gql(api, RETRY, {"id": gid("DeadLetter", letter.id)}, token)
    discard = await gql(api, DISCARD, {"id": gid("DeadLetter", letter.id)}, token)

    assert top_code(listing) == "FORBIDDEN"
    assert listing["data"] is None
    assert top_code(retry) == "FORBIDDEN"
    assert top_code(discard) == "FORBIDDEN"
    assert "secret" not in json.dumps([listing, retry, discard])
    assert (await IngestDeadLetter.get(id=letter.id)).status is DeadLetterStatus.PENDING
