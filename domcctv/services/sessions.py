"""Session notices: tell every server process that a user's sessions or rights changed.

A live (graphql-transport-ws) connection authenticates once, at ``connection_init``. When a
session is revoked (logout, password change or reset, refresh-token replay), an account is
deactivated or its rights change, the change's own transaction also stages a notice in the
transactional outbox (``services.outbox``). So the notice is published right after the commit,
or by the outbox sweeper if the bus hiccups, but never lost and never sent for a change that
rolled back. It goes to ``domcctv:system:sessions``, which every process hears (RedisBus
pattern-subscribes ``domcctv:*``).

A notice carries no authority, only a user id: each process re-reads that user's sessions
from the database and closes the connections that are no longer backed by a live session
(``resolvers/ws_sessions.py``), and drops the user's verified sessions from its cache
(``services.session_cache``), so its next request reads them again. That keeps the rule in
one place (``auth.session_actor``) and makes a duplicated or spurious notice harmless.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domcctv.services import outbox
from domcctv.services.clock import utcnow

SESSIONS_CHANNEL = "domcctv:system:sessions"
NOTICE_TYPE = "session"


class NoticeReason(StrEnum):
    """Why a notice was sent (for logs; receivers re-check the database either way)."""

    SESSIONS_REVOKED = "SESSIONS_REVOKED"
    LOGOUT = "LOGOUT"
    REFRESH_TOKEN_REPLAY = "REFRESH_TOKEN_REPLAY"
    RIGHTS_CHANGED = "RIGHTS_CHANGED"


async def stage_user_notice(
    user_id: int, reason: NoticeReason, *, using_db: BaseDBAsyncClient
) -> None:
    """Stage, in the caller's transaction, a notice that ``user_id``'s sessions or rights
    changed; it is published after the commit (see ``outbox.delivering``)."""
    message = {
        "v": 1,
        "type": NOTICE_TYPE,
        "userId": user_id,
        "reason": reason.value,
        "at": utcnow().isoformat(),
    }
    await outbox.stage(SESSIONS_CHANNEL, message, using_db=using_db)


def is_notice(channel: str, message: dict[str, Any]) -> bool:
    """Bus predicate: a session notice (and nothing else)."""
    return channel == SESSIONS_CHANNEL and message.get("type") == NOTICE_TYPE


def notice_user_id(message: dict[str, Any]) -> int | None:
    """The user a notice is about (None for a malformed one)."""
    user_id = message.get("userId")
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None
