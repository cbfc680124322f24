"""Login and lockout, sessions (refresh-token rotation, logout, revocation), authentication.

Password change and reset are in ``services.passwords``; they share the lockout and throttles
defined here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domcctv.config import Settings
from domcctv.domain.access import Actor
from domcctv.domain.errors import AuthenticationFailed, ErrorCode
from domcctv.domain.limits import RateLimiter
from domcctv.models import (
    AuditAction,
    AuthSession,
    ResourceType,
    SpentRefreshToken,
    User,
)
from domcctv.services import audit
from domcctv.services.clock import utcnow
from domcctv.services.permissions import effective_permissions, standing_of
from domcctv.services.security import (
    AccessTokens,
    dummy_hash,
    hash_cost,
    hash_password,
    new_opaque_token,
    token_digest,
    verify_password,
)
from domcctv.services.session_cache import SessionCache, VerifiedSession
from domcctv.services.sessions import NoticeReason, stage_user_notice

EMAIL_MAX_LENGTH = 100  # users.email


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """Where a request came from (for the audit log and sessions)."""

    ip_address: str = ""
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class TokenPair:
    """A fresh access token (JWT) and refresh token (opaque, single use)."""

    access_token: str
    access_expires_at: int
    refresh_token: str
    session_id: str
    user: User


def anonymous(info: RequestInfo) -> Actor:
    """The actor of an anonymous request (failed logins, reset requests)."""
    return Actor.anonymous(info.ip_address, info.user_agent)


async def build_actor(user: User, session_id: str | None, info: RequestInfo) -> Actor:
    return Actor(
        user_id=user.id,
        role=user.role,
        company_id=user.company_id,
        permissions=await effective_permissions(user),
        session_id=session_id,
        ip_address=info.ip_address,
        user_agent=info.user_agent,
        display_name=user.full_name,
    )


def failures_key(email: str) -> str:
    """Limiter key of a normalised e-mail's failures and lock, whether or not an account has
    that address (a digest: bounded length, and no addresses stored in Redis)."""
    return f"login:failures:{token_digest(email)}"


async def is_locked(
    limiter: RateLimiter | None, email: str, user: User | None, now: datetime
) -> bool:
    """Locked by the per-e-mail counter (any address) or on the account row (an account locked
    before a restart of an in-process limiter stays locked). The same calls either way."""
    limiter_says = limiter is not None and await limiter.locked(failures_key(email))
    row_says = user is not None and user.locked_until is not None and user.locked_until > now
    return limiter_says or row_says


async def count_failure(limiter: RateLimiter | None, email: str, settings: Settings) -> bool:
    """One more failure for the e-mail (atomic INCR); lock it at LOGIN_MAX_FAILURES.

    The counter expires LOGIN_LOCKOUT_SECONDS after its first failure, so the failures that
    lock must fall within that span. Returns whether the e-mail is now locked.
    """
    if limiter is None:
        return False
    key, lockout = failures_key(email), settings.login_lockout_seconds
    if await limiter.count(key, lockout) < settings.login_max_failures:
        return False
    await limiter.lock(key, lockout)
    return True


async def _fail_login(
    user: User | None,
    email: str,
    settings: Settings,
    info: RequestInfo,
    limiter: RateLimiter | None,
) -> AuthenticationFailed:
    """Count a failure for the e-mail and lock it at LOGIN_MAX_FAILURES.

    The count lives in the limiter (Redis-shared or in-process): one atomic INCR per failure,
    for any e-mail, so ACCOUNT_LOCKED appears for unknown addresses exactly as for accounts
    and concurrent failures never under-count. The account row mirrors it for administrators
    (``failedLoginAttempts`` since the last success, ``lockedUntil``) with an atomic
    ``F() + 1`` update: the same statement runs whether or not the account exists.
    """
    now = utcnow()
    rows = User.filter(email=email) if len(email) <= EMAIL_MAX_LENGTH else None
    if rows is not None:
        await rows.update(failed_login_attempts=F("failed_login_attempts") + 1)
    until = now + timedelta(seconds=settings.login_lockout_seconds)
    if limiter is not None:
        if await count_failure(limiter, email, settings) and rows is not None:
            await rows.update(locked_until=until)
    elif user is not None:  # no limiter (the service called directly): the row alone counts
        row = await User.filter(id=user.id).only("id", "failed_login_attempts").first()
        if row is not None and row.failed_login_attempts >= settings.login_max_failures:
            await User.filter(id=user.id).update(failed_login_attempts=0, locked_until=until)
    await audit.record(
        anonymous(info),
        AuditAction.LOGIN_FAILED,
        ResourceType.SESSION,
        company_id=user.company_id if user else None,
        user_id=user.id if user else None,
        after={"email": email[:100]},
    )
    return AuthenticationFailed("Invalid e-mail or password")


async def user_by_email(email: str) -> User | None:
    # Longer than the column can hold: no such account. The ORM would raise a field
    # ValidationError on the lookup itself, which would surface as an internal error.
    if len(email) > EMAIL_MAX_LENGTH:
        return None
    return await User.get_or_none(email=email)


async def throttle(
    limiter: RateLimiter | None, checks: list[tuple[str, int]], window_seconds: int
) -> None:
    """Count one attempt against each key; refuse (RATE_LIMITED) when any budget is spent."""
    if limiter is None:
        return
    for key, limit in checks:
        if not await limiter.hit(key, limit, window_seconds):
            raise AuthenticationFailed(
                "Too many attempts; wait a minute and try again", code=ErrorCode.RATE_LIMITED
            )


async def login(
    email: str,
    password: str,
    *,
    settings: Settings,
    tokens: AccessTokens,
    info: RequestInfo,
    limiter: RateLimiter | None = None,
) -> TokenPair:
    """Check credentials (bcrypt in a thread); lock the e-mail after repeated failures.

    Before any work, per-IP and per-e-mail budgets (LOGIN_RATE_PER_MINUTE) slow down guessing
    across many accounts, which the per-account lockout alone cannot. An unknown e-mail takes
    the same path as a known one: the lock check, one bcrypt verification at the configured
    cost (against a dummy hash) and the failure count, so neither timing nor ACCOUNT_LOCKED
    tells which accounts exist.
    """
    email = email.strip().lower()
    await throttle(
        limiter,
        [
            (f"login:ip:{info.ip_address}", settings.login_rate_per_minute),
            (f"login:email:{email[:100]}", settings.login_rate_per_minute),
        ],
        60,
    )
    user = await user_by_email(email)
    now = utcnow()
    if await is_locked(limiter, email, user, now):
        await audit.record(
            anonymous(info),
            AuditAction.LOGIN_FAILED,
            ResourceType.SESSION,
            user_id=user.id if user else None,
            company_id=user.company_id if user else None,
            after={"email": email[:EMAIL_MAX_LENGTH], "reason": "locked"},
        )
        raise AuthenticationFailed(
            "Account temporarily locked after repeated failures", code=ErrorCode.ACCOUNT_LOCKED
        )
    stored = user.password_hash if user else await dummy_hash(settings.bcrypt_rounds)
    ok = await verify_password(password, stored)
    if user is None or not ok:
        raise await _fail_login(user, email, settings, info, limiter)
    if not user.is_active:
        raise AuthenticationFailed("Account disabled", code=ErrorCode.ACCOUNT_DISABLED)
    if limiter is not None:
        await limiter.clear(failures_key(email))
    user.failed_login_attempts = 0
    user.locked_until = None
    user.last_login = now
    fields = ["failed_login_attempts", "locked_until", "last_login"]
    if hash_cost(user.password_hash) != settings.bcrypt_rounds and len(password.encode()) <= 72:
        # Rehash at the configured cost (BCRYPT_ROUNDS changed since it was set): every
        # account then costs the same verification as the dummy hash of unknown e-mails.
        user.password_hash = await hash_password(password, settings.bcrypt_rounds)
        fields.append("password_hash")
    await user.save(update_fields=fields)
    pair = await _open_session(user, settings, tokens, info)
    actor = await build_actor(user, pair.session_id, info)
    await audit.record(
        actor, AuditAction.LOGIN, ResourceType.SESSION, pair.session_id, company_id=user.company_id
    )
    return pair


async def _open_session(
    user: User, settings: Settings, tokens: AccessTokens, info: RequestInfo
) -> TokenPair:
    refresh = new_opaque_token()
    session = await AuthSession.create(
        id=str(uuid.uuid4()),
        user_id=user.id,
        refresh_hash=token_digest(refresh),
        expires_at=utcnow() + timedelta(seconds=settings.refresh_token_ttl_seconds),
        ip_address=info.ip_address[:45],
        user_agent=info.user_agent[:300],
    )
    access, exp = tokens.issue(user.id, session.id)
    return TokenPair(access, exp, refresh, session.id, user)


async def refresh(
    refresh_token: str, *, settings: Settings, tokens: AccessTokens, info: RequestInfo
) -> TokenPair:
    """Rotate: the presented token is spent; replaying any spent token of the session (however
    many rotations back) revokes the whole session."""
    digest = token_digest(refresh_token)
    now = utcnow()
    stolen: AuthSession | None = None
    async with in_transaction("default") as conn:
        session = (
            await AuthSession.filter(refresh_hash=digest).using_db(conn).select_for_update().first()
        )
        if session is None:
            spent = await SpentRefreshToken.filter(token_hash=digest).using_db(conn).first()
            if spent is not None:
                stolen = await AuthSession.filter(id=spent.session_id).using_db(conn).first()
            if stolen is not None and stolen.revoked_at is None:
                stolen.revoked_at = now
                await stolen.save(update_fields=["revoked_at"], using_db=conn)
                # Same transaction: the thief's open live connections close with it.
                await stage_user_notice(
                    stolen.user_id, NoticeReason.REFRESH_TOKEN_REPLAY, using_db=conn
                )
        else:
            if session.revoked_at is not None:
                raise AuthenticationFailed("Session was revoked", code=ErrorCode.TOKEN_REVOKED)
            if session.expires_at <= now:
                raise AuthenticationFailed("Refresh token expired", code=ErrorCode.TOKEN_EXPIRED)
            user = await User.filter(id=session.user_id).using_db(conn).get()
            if not user.is_active:
                raise AuthenticationFailed("Account disabled", code=ErrorCode.ACCOUNT_DISABLED)
            new_refresh = new_opaque_token()
            await SpentRefreshToken.create(session_id=session.id, token_hash=digest, using_db=conn)
            session.refresh_hash = token_digest(new_refresh)
            session.rotated_at = now
            await session.save(update_fields=["refresh_hash", "rotated_at"], using_db=conn)
    if session is None:
        # Raised after the commit: raising inside the transaction would roll back the
        # revocation of the session whose spent token was replayed.
        raise AuthenticationFailed(
            "Refresh token is not valid",
            code=ErrorCode.TOKEN_REVOKED if stolen else ErrorCode.TOKEN_INVALID,
        )
    access, exp = tokens.issue(user.id, session.id)
    return TokenPair(access, exp, new_refresh, session.id, user)


async def revoke_sessions(
    user_id: int, conn: BaseDBAsyncClient, *, keep: str | None = None
) -> None:
    """Revoke every live session of a user (except ``keep``): kills its refresh tokens and,
    since access tokens are bound to a session, its access tokens too. A session notice is
    staged in the same transaction, so the user's open live connections are re-checked in
    every process and those left without a live session (or on a deactivated account) close."""
    qs = AuthSession.filter(user_id=user_id, revoked_at__isnull=True)
    if keep is not None:
        qs = qs.exclude(id=keep)
    await qs.using_db(conn).update(revoked_at=utcnow())
    await stage_user_notice(user_id, NoticeReason.SESSIONS_REVOKED, using_db=conn)


async def logout(actor: Actor) -> None:
    """Revoke the actor's session: its refresh token, every access token bound to it and (by
    a session notice staged in the same transaction) its open live connections."""
    if actor.session_id is None or actor.user_id is None:
        return
    async with in_transaction("default") as conn:
        await (
            AuthSession.filter(id=actor.session_id, revoked_at__isnull=True)
            .using_db(conn)
            .update(revoked_at=utcnow())
        )
        await stage_user_notice(actor.user_id, NoticeReason.LOGOUT, using_db=conn)
        await audit.record(
            actor,
            AuditAction.LOGOUT,
            ResourceType.SESSION,
            actor.session_id,
            company_id=actor.company_id,
            using_db=conn,
        )


async def authenticate(
    access_token: str,
    *,
    tokens: AccessTokens,
    info: RequestInfo,
    cache: SessionCache | None = None,
) -> Actor:
    """Access token -> Actor; fails if the session was revoked or the user disabled.

    With ``cache``, a session verified in the last few seconds is not read again (see
    ``services.session_cache``: any change to the user's sessions or rights drops it)."""
    claims = tokens.verify(access_token)
    if cache is None:
        return await session_actor(claims.session_id, claims.user_id, info)
    verified = cache.lookup(claims.session_id)
    if verified is None:
        mark = cache.mark()
        verified = await verify_session(claims.session_id, claims.user_id)
        cache.keep(verified, mark)
    elif verified.user_id != claims.user_id:
        raise AuthenticationFailed("Session was revoked", code=ErrorCode.TOKEN_REVOKED)
    return verified.actor(info.ip_address, info.user_agent)


async def session_actor(session_id: str, user_id: int, info: RequestInfo) -> Actor:
    """The actor of a live session, read now: fails (TOKEN_REVOKED / ACCOUNT_DISABLED) if the
    session was revoked, belongs to someone else, or the user was disabled. Also how a
    long-lived connection re-checks the session it authenticated with."""
    verified = await verify_session(session_id, user_id)
    return verified.actor(info.ip_address, info.user_agent)


async def verify_session(session_id: str, user_id: int) -> VerifiedSession:
    """Read the session, its user and the user's grants now (see ``session_actor``)."""
    session = await AuthSession.get_or_none(id=session_id).select_related("user")
    if session is None or session.revoked_at is not None or session.user_id != user_id:
        raise AuthenticationFailed("Session was revoked", code=ErrorCode.TOKEN_REVOKED)
    user = session.user
    if not user.is_active:
        raise AuthenticationFailed("Account disabled", code=ErrorCode.ACCOUNT_DISABLED)
    standing = await standing_of(user)
    return VerifiedSession(
        session_id=session.id,
        user_id=user.id,
        role=user.role,
        company_id=user.company_id,
        permissions=standing.permissions,
        display_name=user.full_name,
        held_until=min((end for end in standing.held.values() if end is not None), default=None),
    )
