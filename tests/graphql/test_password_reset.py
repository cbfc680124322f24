"""requestPasswordReset writes an e-mail to the outbox; resetPassword spends its token once."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from gqlkit import field_codes

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, AuthSession, PasswordResetToken, User
from domcctv.services.clock import utcnow

from factories import PASSWORD, make_user
from graphql_client import gql, token_for

REQUEST = """
mutation($email: String!) {
  requestPasswordReset(email: $email) { __typename ... on OkSuccess { ok } }
}"""

RESET = """
mutation($token: String!, $password: String!) {
  resetPassword(token: $token, newPassword: $password) {
    __typename
    ... on OkSuccess { ok }
    ... on ValidationError { fields { field code } }
    ... on Error { code message }
  }
}"""

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { __typename ... on Error { code } }
}"""


def outbox(settings) -> list[EmailMessage]:
    folder: Path = settings.mail_outbox_dir
    if not folder.exists():
        return []
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def token_from(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    match = re.search(r"token=([A-Za-z0-9_\-]+)", text)
    assert match, text
    code = re.search(r"código: ([A-Za-z0-9_\-]+)", text)
    assert code
    assert code.group(1) == match.group(1)  # link and code carry the same token
    return match.group(1)


async def request_reset(api, settings, email: str) -> str:
    body = await gql(api, REQUEST, {"email": email})
    assert body["data"]["requestPasswordReset"] == {"__typename": "OkSuccess", "ok": True}
    messages = outbox(settings)
    assert len(messages) == 1
    return token_from(messages[0])


async def reset(api, token: str, password: str = "Fresh-Start-2025") -> dict:
    body = await gql(api, RESET, {"token": token, "password": password})
    assert "errors" not in body, body
    result: dict = body["data"]["resetPassword"]
    return result


async def login_result(api, email: str, password: str) -> str:
    body = await gql(api, LOGIN, {"email": email, "password": password})
    return str(body["data"]["login"].get("code") or body["data"]["login"]["__typename"])


async def test_request_writes_an_email_with_a_single_use_link(api, settings) -> None:
    # given a user
    await make_user(Role.OPERATOR, email="op@dom.cl", first_name="Rosa")

    # when a reset is requested
    token = await request_reset(api, settings, "OP@dom.cl")

    # then the outbox holds one message to the user with the link
    message = outbox(settings)[0]
    assert message["To"] == "op@dom.cl"
    assert "restablecer" in message["Subject"]
    assert "Hola Rosa" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert settings.public_base_url in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # only a digest of the token is stored
    row = await PasswordResetToken.get()
    assert row.token_hash != token
    assert len(row.token_hash) == 64
    assert await AuditLog.filter(action=AuditAction.PASSWORD_RESET_REQUEST).count() == 1


async def test_reset_works_once_and_revokes_sessions(api, settings) -> None:
    # given a user with a live session and a reset token
    user = await make_user(Role.OPERATOR, email="op@dom.cl")
    live = await token_for(user, settings)
    token = await request_reset(api, settings, "op@dom.cl")

    # when the token is used
    first = await reset(api, token)

    # then the password changes and every session is revoked
    assert first == {"__typename": "OkSuccess", "ok": True}
    assert await login_result(api, "op@dom.cl", "Fresh-Start-2025") == "AuthSuccess"
    assert await login_result(api, "op@dom.cl", PASSWORD) == "INVALID_CREDENTIALS"
    probe = await gql(api, "{ myPreferences { language } }", token=live)
    assert probe["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await AuditLog.filter(action=AuditAction.PASSWORD_RESET).count() == 1

    # and a second use of the same token fails
    second = await reset(api, token, "Another-Start-2026")
    assert second["__typename"] == "AuthenticationError"
    assert second["code"] == "TOKEN_INVALID"
    assert await login_result(api, "op@dom.cl", "Fresh-Start-2025") == "AuthSuccess"


async def test_reset_unlocks_a_locked_account(api, settings) -> None:
    user = await make_user(
        Role.OPERATOR, email="op@dom.cl", locked_until=utcnow() + timedelta(hours=1)
    )
    token = await request_reset(api, settings, "op@dom.cl")

    assert (await reset(api, token))["__typename"] == "OkSuccess"

    await user.refresh_from_db()
    assert user.locked_until is None
    assert await login_result(api, "op@dom.cl", "Fresh-Start-2025") == "AuthSuccess"


async def test_expired_token_fails(api, settings) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    token = await request_reset(api, settings, "op@dom.cl")
    await PasswordResetToken.all().update(expires_at=utcnow() - timedelta(seconds=1))

    result = await reset(api, token)

    assert result["__typename"] == "AuthenticationError"
    assert result["code"] == "TOKEN_INVALID"
    assert await login_result(api, "op@dom.cl", PASSWORD) == "AuthSuccess"


async def test_weak_new_password_is_rejected_and_the_token_stays_usable(api, settings) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    token = await request_reset(api, settings, "op@dom.cl")

    weak = await reset(api, token, "password")

    assert field_codes(weak) == {"newPassword": "WEAK_PASSWORD"}
    assert (await PasswordResetToken.get()).used_at is None
    assert (await reset(api, token))["__typename"] == "OkSuccess"


async def test_unknown_or_disabled_email_still_answers_ok_and_sends_nothing(api, settings) -> None:
    await make_user(Role.OPERATOR, email="gone@dom.cl", is_active=False)

    for email in ["nobody@dom.cl", "gone@dom.cl", "not an e-mail"]:
        body = await gql(api, REQUEST, {"email": email})
        assert body["data"]["requestPasswordReset"] == {"__typename": "OkSuccess", "ok": True}

    assert outbox(settings) == []
    assert await PasswordResetToken.all().count() == 0
    assert await AuditLog.all().count() == 0


async def test_garbage_token_is_refused(api) -> None:
    user = await make_user(Role.OPERATOR, email="op@dom.cl")
    result = await reset(api, "garbage")
    assert result["code"] == "TOKEN_INVALID"
    assert (await User.get(id=user.id)).password_hash == user.password_hash
    assert await AuthSession.all().count() == 0
