"""Password hashing (bcrypt, off the event loop) and token primitives (JWT, opaque tokens).

bcrypt at cost 12 takes ~250 ms of CPU; run on the loop it would stall every other request
and every live subscription, so it always runs in a worker thread.

All bcrypt work shares one capacity limiter. A second limiter for "anonymous" work would not
protect an administrator's login, which is itself anonymous until it succeeds; and a separate
queue for unknown e-mails would make waiting times tell which accounts exist. What bounds the
anonymous work instead: login is budgeted per IP and per e-mail before any bcrypt, and
resetPassword hashes only after its (mailed, single-use) token checked out.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import anyio
import bcrypt
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import OctKey

from domcctv.domain.errors import AuthenticationFailed, ErrorCode, FieldCode, InvalidInput

_BCRYPT_LIMITER = anyio.CapacityLimiter(4)
MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str, field: str = "password") -> None:
    """Reject short or single-class passwords before they are hashed."""
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if len(password) < MIN_PASSWORD_LENGTH or classes < 2 or len(password.encode()) > 72:
        raise InvalidInput.single(
            field,
            FieldCode.WEAK_PASSWORD,
            f"Use {MIN_PASSWORD_LENGTH}-72 characters mixing at least two of: lower case, "
            "upper case, digits, symbols",
        )


async def hash_password(password: str, rounds: int) -> str:
    def _hash() -> str:
        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()

    return await anyio.to_thread.run_sync(_hash, limiter=_BCRYPT_LIMITER)


async def verify_password(password: str, password_hash: str) -> bool:
    def _check() -> bool:
        try:
            return bcrypt.checkpw(password.encode()[:72], password_hash.encode())
        except ValueError:
            return False

    return await anyio.to_thread.run_sync(_check, limiter=_BCRYPT_LIMITER)


def hash_cost(password_hash: str) -> int | None:
    """The cost (log2 rounds) of a bcrypt hash such as ``$2b$12$...``; None if not bcrypt."""
    parts = password_hash.split("$")
    if len(parts) < 4 or not parts[2].isdigit():
        return None
    return int(parts[2])


_DUMMY_HASHES: dict[int, str] = {}


async def dummy_hash(rounds: int) -> str:
    """A real hash at the configured cost to verify against when the e-mail is unknown, so an
    unknown e-mail costs the same bcrypt work as a known one (timing reveals no account).
    Computed once per cost (in a worker thread, like every other bcrypt call)."""
    cached = _DUMMY_HASHES.get(rounds)
    if cached is None:
        cached = await hash_password("not-a-real-password", rounds)
        cached = _DUMMY_HASHES.setdefault(rounds, cached)
    return cached


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What an access token asserts."""

    user_id: int
    session_id: str
    expires_at: int


class AccessTokens:
    """HS256 JWT access tokens bound to a session id (so logout revokes them too)."""

    ISSUER = "domcctv"

    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._key = OctKey.import_key(secret)
        self._ttl = ttl_seconds

    def issue(self, user_id: int, session_id: str) -> tuple[str, int]:
        now = int(time.time())
        exp = now + self._ttl
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "iat": now,
            "exp": exp,
            "iss": self.ISSUER,
            "typ": "access",
        }
        return jwt.encode({"alg": "HS256"}, claims, self._key), exp

    def verify(self, token: str) -> AccessClaims:
        try:
            decoded = jwt.decode(token, self._key, algorithms=["HS256"])
            registry = jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self.ISSUER},
                exp={"essential": True},
                sub={"essential": True},
                sid={"essential": True},
            )
            registry.validate(decoded.claims)
        except ExpiredTokenError as exc:
            raise AuthenticationFailed(
                "Access token expired", code=ErrorCode.TOKEN_EXPIRED
            ) from exc
        except (JoseError, ValueError) as exc:
            raise AuthenticationFailed(
                "Invalid access token", code=ErrorCode.TOKEN_INVALID
            ) from exc
        claims = decoded.claims
        if claims.get("typ") != "access":
            raise AuthenticationFailed("Invalid access token", code=ErrorCode.TOKEN_INVALID)
        try:
            return AccessClaims(int(claims["sub"]), str(claims["sid"]), int(claims["exp"]))
        except (KeyError, ValueError) as exc:
            raise AuthenticationFailed(
                "Invalid access token", code=ErrorCode.TOKEN_INVALID
            ) from exc
