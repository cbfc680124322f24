"""Access tokens (JWT bound to a session) and password rules."""

from __future__ import annotations

import secrets

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from domcctv.domain.errors import AuthenticationFailed, ErrorCode, FieldCode, InvalidInput
from domcctv.services.security import (
    AccessTokens,
    check_password_strength,
    hash_password,
    new_opaque_token,
    token_digest,
    verify_password,
)

SECRET = secrets.token_urlsafe(40)


def test_issued_tokens_verify_to_their_claims() -> None:
    tokens = AccessTokens(SECRET, 900)
    token, expires = tokens.issue(7, "session-1")
    claims = tokens.verify(token)
    assert (claims.user_id, claims.session_id, claims.expires_at) == (7, "session-1", expires)


def test_expired_token_is_token_expired() -> None:
    token, _ = AccessTokens(SECRET, -10).issue(7, "s")
    with pytest.raises(AuthenticationFailed) as caught:
        AccessTokens(SECRET, 900).verify(token)
    assert caught.value.code is ErrorCode.TOKEN_EXPIRED


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"),  # bad signature
        lambda t: t.split(".")[0],  # truncated
        lambda t: "not.a.jwt",
        lambda t: "",
    ],
)
def test_tampered_tokens_are_token_invalid(mangle) -> None:
    token, _ = AccessTokens(SECRET, 900).issue(7, "s")
    with pytest.raises(AuthenticationFailed) as caught:
        AccessTokens(SECRET, 900).verify(mangle(token))
    assert caught.value.code is ErrorCode.TOKEN_INVALID


def test_a_token_signed_with_another_secret_is_invalid() -> None:
    token, _ = AccessTokens(secrets.token_urlsafe(40), 900).issue(7, "s")
    with pytest.raises(AuthenticationFailed):
        AccessTokens(SECRET, 900).verify(token)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "7", "sid": "s", "iss": "domcctv", "typ": "refresh"},  # not an access token
        {"sub": "7", "sid": "s", "iss": "someone-else", "typ": "access"},
        {"sid": "s", "iss": "domcctv", "typ": "access"},  # no subject
        {"sub": "seven", "sid": "s", "iss": "domcctv", "typ": "access"},
    ],
)
def test_well_signed_but_wrong_claims_are_invalid(claims: dict) -> None:
    import time

    token = jwt.encode(
        {"alg": "HS256"}, {**claims, "exp": int(time.time()) + 60}, OctKey.import_key(SECRET)
    )
    with pytest.raises(AuthenticationFailed) as caught:
        AccessTokens(SECRET, 900).verify(token)
    assert caught.value.code is ErrorCode.TOKEN_INVALID


def test_an_unsigned_token_is_refused() -> None:
    import base64
    import json

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    forged = f"{part({'alg': 'none'})}.{part({'sub': '1', 'sid': 's', 'typ': 'access'})}."
    with pytest.raises(AuthenticationFailed):
        AccessTokens(SECRET, 900).verify(forged)


@pytest.mark.parametrize(
    "password",
    ["Correct-Horse-9", "abcdefghij1", "ABCDEFGHIJ!", "contraseña segura 2025", "x" * 71 + "1"],
)
def test_strong_enough_passwords(password: str) -> None:
    check_password_strength(password)


@pytest.mark.parametrize(
    "password",
    [
        "",
        "Short1!",  # under 10
        "abcdefghijkl",  # one class
        "123456789012",  # one class
        "a" * 72 + "1",  # over 72 bytes: bcrypt would silently ignore the rest
        "ñ" * 36 + "1",  # 73 bytes in UTF-8
    ],
)
def test_weak_passwords_are_rejected(password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_password_strength(password, "newPassword")
    (error,) = caught.value.errors
    assert (error.field, error.code) == ("newPassword", FieldCode.WEAK_PASSWORD)


async def test_hash_and_verify() -> None:
    hashed = await hash_password("Correct-Horse-9", 4)
    assert hashed != "Correct-Horse-9"
    assert await verify_password("Correct-Horse-9", hashed)
    assert not await verify_password("correct-horse-9", hashed)
    assert not await verify_password("Correct-Horse-9", "not-a-bcrypt-hash")


def test_opaque_tokens_are_random_and_stored_as_digests() -> None:
    a, b = new_opaque_token(), new_opaque_token()
    assert a != b
    assert len(a) >= 40
    assert token_digest(a) == token_digest(a)
    assert len(token_digest(a)) == 64
    assert token_digest(a) != a
