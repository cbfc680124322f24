"""Passwords: change (needs the current one), reset by e-mailed single-use token.

Both share the login lockout and throttles of ``services.auth``: a wrong current password
counts as a failed login, and a reset unlocks the account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from domcctv.config import Settings
from domcctv.domain.access import Actor
from domcctv.domain.errors import AuthenticationFailed, ErrorCode, FieldCode, InvalidInput
from domcctv.domain.limits import RateLimiter
from domcctv.models import AuditAction, PasswordResetToken, ResourceType, User
from domcctv.services import audit
from domcctv.services.auth import (
    RequestInfo,
    anonymous,
    count_failure,
    failures_key,
    is_locked,
    revoke_sessions,
    throttle,
    user_by_email,
)
from domcctv.services.clock import utcnow
from domcctv.services.mailer import Mailer
from domcctv.services.security import (
    check_password_strength,
    hash_password,
    new_opaque_token,
    token_digest,
    verify_password,
)

RESET_WINDOW_SECONDS = 900
RESET_MAILS_PER_IP = 20
RESET_MAILS_PER_EMAIL = 3
RESET_PASSWORD_PER_IP = 10


async def change_password(
    actor: Actor,
    current: str,
    new: str,
    *,
    settings: Settings,
    limiter: RateLimiter | None = None,
) -> None:
    """Needs the current password; revokes every other session of the user.

    A wrong current password counts as a failed login of the account (and a locked account
    is refused before any bcrypt): a stolen access token is not a way around the lockout to
    guess the password.
    """
    user = await User.get(id=actor.user_id)
    if await is_locked(limiter, user.email, user, utcnow()):
        raise AuthenticationFailed(
            "Account temporarily locked after repeated failures", code=ErrorCode.ACCOUNT_LOCKED
        )
    if not await verify_password(current, user.password_hash):
        # Counted against the lock only: a wrong field value writes no row (bad input).
        await count_failure(limiter, user.email, settings)
        raise InvalidInput.single(
            "currentPassword", FieldCode.INVALID_FORMAT, "Current password is wrong"
        )
    check_password_strength(new, "newPassword")
    new_hash = await hash_password(new, settings.bcrypt_rounds)
    async with in_transaction("default") as conn:
        user.password_hash = new_hash
        user.password_changed_at = utcnow()
        await user.save(update_fields=["password_hash", "password_changed_at"], using_db=conn)
        await revoke_sessions(user.id, conn, keep=actor.session_id)
        await audit.record(
            actor,
            AuditAction.PASSWORD_CHANGE,
            ResourceType.USER,
            user.id,
            company_id=user.company_id,
            using_db=conn,
        )


async def request_password_reset(
    email: str,
    *,
    settings: Settings,
    mailer: Mailer,
    info: RequestInfo,
    limiter: RateLimiter | None = None,
) -> None:
    """E-mail a single-use link. Answers the same whether or not the account exists.

    Silently sends nothing past 3 requests per e-mail (20 per IP) in 15 minutes, so the
    endpoint cannot be used to flood someone's mailbox.
    """
    if limiter is not None:
        window = RESET_WINDOW_SECONDS
        allowed_ip = await limiter.hit(f"reset:ip:{info.ip_address}", RESET_MAILS_PER_IP, window)
        allowed_mail = await limiter.hit(
            f"reset:email:{email.strip().lower()[:100]}", RESET_MAILS_PER_EMAIL, window
        )
        if not (allowed_ip and allowed_mail):
            return
    user = await user_by_email(email.strip().lower())
    if user is None or not user.is_active:
        return
    token = new_opaque_token()
    await PasswordResetToken.create(
        user_id=user.id,
        token_hash=token_digest(token),
        expires_at=utcnow() + timedelta(seconds=settings.password_reset_ttl_seconds),
    )
    link = f"{settings.public_base_url.rstrip('/')}/#/reset-password?token={token}"
    minutes = settings.password_reset_ttl_seconds // 60
    body = (
        f"Hola {user.first_name},\n\nPara restablecer su contraseña de DOM CCTV abra:\n{link}\n"
        f"\nO use este código: {token}\n\nEl enlace vence en {minutes} minutos. Si usted no "
        "lo pidió, ignore este mensaje.\n"
    )
    await mailer.send(user.email, "DOM CCTV: restablecer contraseña", body)
    await audit.record(
        anonymous(info),
        AuditAction.PASSWORD_RESET_REQUEST,
        ResourceType.USER,
        user.id,
        user_id=user.id,
        company_id=user.company_id,
    )


def _usable(row: PasswordResetToken | None, now: datetime) -> PasswordResetToken:
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise AuthenticationFailed(
            "Reset token is invalid or expired", code=ErrorCode.TOKEN_INVALID
        )
    return row


async def reset_password(
    token: str,
    new_password: str,
    *,
    settings: Settings,
    info: RequestInfo,
    limiter: RateLimiter | None = None,
) -> None:
    """Spend a reset token, set the password, unlock, and revoke all sessions.

    Cheapest checks first, so an anonymous request costs no bcrypt unless it holds a live
    token: the per-IP budget (RESET_PASSWORD_PER_IP per 15 minutes), then the token (one
    indexed lookup of its digest), then the password rules, and only then the hash. The token
    is checked again, locked, inside the transaction that spends it (one use, even when two
    requests race).
    """
    await throttle(
        limiter,
        [(f"reset-password:ip:{info.ip_address}", RESET_PASSWORD_PER_IP)],
        RESET_WINDOW_SECONDS,
    )
    digest = token_digest(token)
    _usable(await PasswordResetToken.filter(token_hash=digest).first(), utcnow())
    check_password_strength(new_password, "newPassword")
    new_hash = await hash_password(new_password, settings.bcrypt_rounds)
    now = utcnow()
    async with in_transaction("default") as conn:
        row = _usable(
            await PasswordResetToken.filter(token_hash=digest)
            .using_db(conn)
            .select_for_update()
            .first(),
            now,
        )
        row.used_at = now
        await row.save(update_fields=["used_at"], using_db=conn)
        user = await User.filter(id=row.user_id).using_db(conn).get()
        user.password_hash = new_hash
        user.password_changed_at = now
        user.failed_login_attempts = 0
        user.locked_until = None
        await user.save(
            using_db=conn,
            update_fields=[
                "password_hash",
                "password_changed_at",
                "failed_login_attempts",
                "locked_until",
            ],
        )
        await revoke_sessions(user.id, conn)
        await audit.record(
            anonymous(info),
            AuditAction.PASSWORD_RESET,
            ResourceType.USER,
            user.id,
            user_id=user.id,
            company_id=user.company_id,
            using_db=conn,
        )
    if limiter is not None:  # the reset unlocks the e-mail too (after the commit)
        await limiter.clear(failures_key(user.email))
