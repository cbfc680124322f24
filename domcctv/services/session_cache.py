"""Verified sessions, kept a few seconds per process: a signed-in request costs no query to
authenticate.

Every request with an access token needs its session (not revoked, still its user's), the user
(active, role, company) and the user's grants: two queries before any work. ``SessionCache``
keeps what ``auth.verify_session`` read, by session id, for ``SESSION_CACHE_SECONDS`` and never
past the end of a grant it counted.

An entry is dropped at once when its user's sessions or rights change. Every such change
(logout, revocation, refresh-token replay, password change or reset, deactivation, a role or
grant change) stages a session notice in its own transaction (``services.sessions``), which is
published after the commit to every process. The cache hears it in three ways:

* the process that made the change applies it right after publishing it
  (``outbox.delivering(..., local=cache.observe)``), so its next request reads the database;
* every process listens on the bus (``follow``) and, before each lookup, applies the notices
  already delivered to it (so none waits for the listening task to be scheduled);
* a fill that overlapped any notice is not kept (it may have read the state before the change).

The cache serves only while it hears notices: once ``follow`` has subscribed, and while the
bus's Redis subscription is up (``Bus.delivery_epoch``); it empties whenever that subscription
comes back after a gap. The lifetime only bounds what an announcement lost any other way
(a subscription that died silently, a queue overflow) could cost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domcctv.domain.access import Actor, Permission, Role
from domcctv.infra.bus import Bus, SlowConsumerError, Subscription
from domcctv.services.clock import utcnow
from domcctv.services.sessions import is_notice, notice_user_id

logger = logging.getLogger(__name__)

MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class VerifiedSession:
    """A live session of an active user, with what the user held when it was read."""

    session_id: str
    user_id: int
    role: Role
    company_id: int | None
    permissions: frozenset[Permission]
    display_name: str
    # The earliest end of a grant counted in ``permissions`` (None: nothing held expires).
    held_until: datetime | None

    def actor(self, ip_address: str, user_agent: str) -> Actor:
        return Actor(
            user_id=self.user_id,
            role=self.role,
            company_id=self.company_id,
            permissions=self.permissions,
            session_id=self.session_id,
            ip_address=ip_address,
            user_agent=user_agent,
            display_name=self.display_name,
        )


class SessionCache:
    """Verified sessions by id for ``ttl_seconds`` (0 = off), emptied by session notices."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[float, VerifiedSession]] = {}
        self._notices = 0  # notices applied so far: a fill that overlapped one is not kept
        self._bus: Bus | None = None
        self._subscription: Subscription | None = None
        self._bus_epoch: int | None = None

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def following(self) -> bool:
        """Whether it is subscribed to session notices (it serves nothing otherwise)."""
        return self._subscription is not None

    # ------------------------------------------------------------------ lookups

    def lookup(self, session_id: str) -> VerifiedSession | None:
        """The cached verification of ``session_id``, if it is still good."""
        if not self._serving():
            return None
        cached = self._entries.get(session_id)
        if cached is None:
            return None
        good_until, entry = cached
        if good_until <= self._clock():
            del self._entries[session_id]
            return None
        return entry

    def mark(self) -> int | None:
        """Taken before reading the database; hand it back to ``keep`` (None: not caching)."""
        return self._notices if self._serving() else None

    def keep(self, entry: VerifiedSession, mark: int | None) -> None:
        """Keep what was read since ``mark``, unless a notice arrived in between."""
        if mark is None or not self._serving() or mark != self._notices:
            return
        lifetime = self.ttl_seconds
        if entry.held_until is not None:
            lifetime = min(lifetime, (entry.held_until - utcnow()).total_seconds())
        if lifetime <= 0:
            return
        if entry.session_id not in self._entries and len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]  # the oldest fill
        self._entries[entry.session_id] = (self._clock() + lifetime, entry)

    def _serving(self) -> bool:
        bus, subscription = self._bus, self._subscription
        if self.ttl_seconds <= 0 or bus is None or subscription is None:
            return False
        epoch = bus.delivery_epoch
        if epoch is None or subscription.dropped:  # notices may be lost right now
            self.clear()
            return False
        if epoch != self._bus_epoch:  # delivery resumed after a gap: anything may have changed
            self.clear()
            self._bus_epoch = epoch
        for message in subscription.pending():
            self._apply(message)
        return True

    # ------------------------------------------------------------------ notices

    def observe(self, channel: str, message: dict[str, Any]) -> None:
        """Apply one published message if it is a session notice (``outbox.delivering``'s
        local hook: what this process itself publishes)."""
        if is_notice(channel, message):
            self._apply(message)

    def _apply(self, notice: dict[str, Any]) -> None:
        user_id = notice_user_id(notice)
        if user_id is None:  # malformed: forget everyone rather than guess
            self.clear()
        else:
            self.forget_user(user_id)

    def forget_user(self, user_id: int) -> None:
        self._notices += 1
        for session_id in [s for s, (_, e) in self._entries.items() if e.user_id == user_id]:
            del self._entries[session_id]

    def clear(self) -> None:
        self._notices += 1
        self._entries.clear()

    async def follow(self, bus: Bus) -> None:
        """Forever: listen for session notices; the cache serves only while this listens."""
        while True:
            try:
                async with bus.subscribe(is_notice) as subscription:
                    self.clear()  # whatever changed before we listened is forgotten
                    self._bus, self._subscription = bus, subscription
                    async for message in subscription.messages():
                        self._apply(message)
            except asyncio.CancelledError:
                raise
            except SlowConsumerError:
                logger.warning("session notices overflowed; the session cache starts afresh")
            except Exception:
                logger.exception("session-notice subscription failed; resubscribing")
                await asyncio.sleep(1)
            finally:
                self._bus = self._subscription = None
                self.clear()
