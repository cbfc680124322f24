"""graphql-transport-ws connections bound to the session and user they authenticated as.

A websocket authenticates once, at ``connection_init``, and may then stay open for hours.
Without more, logging out, being deactivated, having a password reset or simply letting the
access token expire would leave its subscriptions streaming. This module closes them:

* **4403 Forbidden** when the session is revoked or the user deactivated. Services stage a
  session notice in the revoking transaction (``domcctv.services.sessions``); every process
  hears it on the bus and :class:`ConnectionRegistry` asks that user's connections to
  re-check their session against the database (``auth.session_actor``). A connection whose
  user's role, company or permissions changed closes with **4401** instead, so the client
  reconnects and subscribes again with its current rights.
* **4401 Unauthorized** when the access token it authenticated with expires, unless the
  client re-authenticates first by sending a protocol ``ping`` whose payload is
  ``{"authorization": "Bearer <new access token>"}``: same user, live session, same rights.
  The ``pong`` then carries ``{"expiresAt": <epoch seconds>}``, the new deadline (the
  ``connection_ack`` payload carries the first one). A ``connection_init`` with an expired
  token is also closed with 4401, so a client refreshes rather than gives up.

Each operation also runs with its own copy of the connection's context, so per-message state
(the DataLoaders of one pushed message, see ``resolvers/live.py``) never crosses operations.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Protocol, cast

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    PingMessage,
)

from domcctv.domain.access import Actor
from domcctv.domain.errors import AuthenticationFailed, ErrorCode
from domcctv.infra.bus import Bus, SlowConsumerError
from domcctv.services import auth as auth_service
from domcctv.services.security import AccessClaims
from domcctv.services.sessions import is_notice, notice_user_id
from schema.context import AppServices, Context, Loaders

logger = logging.getLogger(__name__)

UNAUTHORIZED = 4401  # re-authenticate (refresh the token) and reconnect
FORBIDDEN = 4403  # the session is over: do not retry with these credentials
RIGHTS_CHANGED = "RIGHTS_CHANGED"
SESSION_UNVERIFIED = "SESSION_UNVERIFIED"
WRONG_USER = "WRONG_USER"

# The context of the operation running in the current task (None outside an operation).
_operation_context: ContextVar[Context | None] = ContextVar("ws_operation_context", default=None)


def bearer(value: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` value (None for anything else)."""
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def payload_token(payload: Mapping[str, object] | None) -> str | None:
    """The access token of a ``connection_init`` or ``ping`` payload: ``authorization``
    (``"Bearer <token>"``, either case of the key) or a bare ``token``."""
    if not isinstance(payload, Mapping):
        return None
    raw = payload.get("authorization") or payload.get("Authorization")
    if isinstance(raw, str) and (token := bearer(raw)) is not None:
        return token
    bare = payload.get("token")
    return bare if isinstance(bare, str) and bare else None


class ConnectionUnauthorized(Exception):
    """``connection_init`` with an expired token: closed with 4401 so the client refreshes."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _rights(actor: Actor) -> tuple[object, ...]:
    """What a connection's subscriptions were authorised with (a change forces a reconnect)."""
    return (actor.user_id, actor.role, actor.company_id, actor.permissions)


class _SessionView(Protocol):
    """What the handler needs from the GraphQL view (``domcctv.graphql_view``)."""

    services: AppServices
    connections: ConnectionRegistry


class ConnectionRegistry:
    """This process's open connections by user id, and one bus listener for session notices.

    The listener runs only while connections are registered. A notice makes every connection
    of its user re-check its session; if the listener's queue ever overflowed (notices lost),
    every connection re-checks.
    """

    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._by_user: dict[int, set[SessionBoundHandler]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._listening: asyncio.Event | None = None
        self.notices_seen = 0

    def __len__(self) -> int:
        return sum(len(conns) for conns in self._by_user.values())

    @property
    def listening(self) -> bool:
        return self._listener is not None and not self._listener.done()

    async def add(self, conn: SessionBoundHandler, user_id: int) -> None:
        """Register ``conn``; returns once the bus listener is subscribed, so a notice
        published from now on reaches it."""
        self._by_user.setdefault(user_id, set()).add(conn)
        if not self.listening:
            self._listening = asyncio.Event()
            self._listener = asyncio.get_running_loop().create_task(
                self._listen(self._listening), name="ws-session-notices"
            )
        assert self._listener is not None
        assert self._listening is not None
        waiter = asyncio.ensure_future(self._listening.wait())
        try:
            await asyncio.wait({waiter, self._listener}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if self._listener.done():  # the bus refused the subscription: surface it
            self._listener.result()

    def remove(self, conn: SessionBoundHandler, user_id: int) -> None:
        conns = self._by_user.get(user_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._by_user[user_id]
        if not self._by_user and self._listener is not None:
            self._listener.cancel()
            self._listener = None

    async def _listen(self, ready: asyncio.Event) -> None:
        while True:
            try:
                async with self._bus.subscribe(is_notice) as sub:
                    ready.set()
                    async for message in sub.messages():
                        self._dispatch(message)
                return
            except SlowConsumerError:
                logger.warning("session notices overflowed; re-checking every connection")
                for conns in list(self._by_user.values()):
                    for conn in list(conns):
                        conn.session_notice()

    def _dispatch(self, message: dict[str, Any]) -> None:
        self.notices_seen += 1
        user_id = notice_user_id(message)
        for conn in list(self._by_user.get(user_id, ())) if user_id is not None else []:
            conn.session_notice()


class SessionBoundHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler, bound to the session it authenticated with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connection_context: Context
        super().__init__(*args, **kwargs)
        view = cast(_SessionView, self.view)
        self._services = view.services
        self._registry = view.connections
        self._user_id: int | None = None
        self._session_id: str | None = None
        self._deadline = 0.0
        self._expiry: asyncio.Task[None] | None = None
        self._recheck: asyncio.Task[None] | None = None
        self._recheck_again = False
        self._notice_during_init = False
        self._closing = False

    # -- one context per operation -------------------------------------------------------

    @property
    def context(self) -> Context:
        """The running operation's own context inside its task, else the connection's."""
        current = _operation_context.get()
        return current if current is not None else self._connection_context

    @context.setter
    def context(self, value: Context) -> None:
        self._connection_context = value

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """Runs in the operation's own task: give it a private copy of the connection's
        context (its own loaders), so what one operation sets never reaches another."""
        base = self._connection_context
        _operation_context.set(dataclasses.replace(base, loaders=Loaders.for_actor(base.actor)))
        await super().run_operation(operation)

    # -- binding at connection_init ------------------------------------------------------

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_init_received:  # a second init: Strawberry closes with 4429
            await super().handle_connection_init(message)
            return
        claims = self._peek(payload_token(message.get("payload")))
        if claims is not None:
            # Registered before the session is read: a revocation committed after that read
            # is announced after it, and this connection is already listening.
            self._user_id = claims.user_id
            await self._registry.add(self, claims.user_id)
        try:
            await super().handle_connection_init(message)
        except ConnectionUnauthorized as exc:
            await self.close(UNAUTHORIZED, exc.reason)
        if not self.connection_acknowledged:
            self._unregister()
            return
        if claims is None:  # acknowledged without a token we can bind to: never stay unbound
            await self.close(UNAUTHORIZED, ErrorCode.UNAUTHENTICATED.value)
            return
        actor = self._connection_context.actor
        self._session_id = actor.session_id
        self._deadline = float(claims.expires_at)
        self._expiry = asyncio.get_running_loop().create_task(self._expire())
        if self._notice_during_init:
            self.session_notice()

    def _peek(self, token: str | None) -> AccessClaims | None:
        if token is None:
            return None
        try:
            return self._services.tokens.verify(token)
        except AuthenticationFailed:
            return None

    # -- token expiry and re-authentication by ping --------------------------------------

    async def _expire(self) -> None:
        """Sleep until the deadline; a re-authentication may have moved it, so look again."""
        while True:
            delay = self._deadline - time.time()
            if delay <= 0:
                break
            await asyncio.sleep(delay)
        await self.close(UNAUTHORIZED, ErrorCode.TOKEN_EXPIRED.value)

    async def handle_ping(self, message: PingMessage) -> None:
        token = payload_token(message.get("payload"))
        if token is None or not self.connection_acknowledged:
            await super().handle_ping(message)
            return
        expires_at = await self._reauthenticate(token)
        if expires_at is not None:
            await self.send_message({"type": "pong", "payload": {"expiresAt": expires_at}})
        else:
            await super().handle_ping(message)

    async def _reauthenticate(self, token: str) -> int | None:
        """A fresh token for the same user, live session and rights extends the deadline
        (returned); an expired one changes nothing; anything else closes the connection."""
        try:
            claims = self._services.tokens.verify(token)
            actor = await auth_service.session_actor(
                claims.session_id, claims.user_id, self._connection_context.request_info
            )
        except AuthenticationFailed as exc:
            if exc.code is not ErrorCode.TOKEN_EXPIRED:
                await self.close(FORBIDDEN, exc.code.value)
            return None
        if actor.user_id != self._user_id:
            await self.close(FORBIDDEN, WRONG_USER)
            return None
        if _rights(actor) != _rights(self._connection_context.actor):
            await self.close(UNAUTHORIZED, RIGHTS_CHANGED)
            return None
        if actor.session_id != self._session_id:
            self._session_id = actor.session_id
            self._connection_context.set_actor(actor)
        self._deadline = max(self._deadline, float(claims.expires_at))
        return int(self._deadline)

    # -- session notices -----------------------------------------------------------------

    def session_notice(self) -> None:
        """Something about this user's sessions or rights changed: re-check (coalesced)."""
        if self._closing:
            return
        if not self.connection_acknowledged:
            self._notice_during_init = True
            return
        if self._recheck is not None and not self._recheck.done():
            self._recheck_again = True
            return
        self._recheck = asyncio.get_running_loop().create_task(self._recheck_session())

    async def _recheck_session(self) -> None:
        while True:
            self._recheck_again = False
            verdict = await self._verify_session()
            if verdict is not None:
                await self.close(*verdict)
                return
            if not self._recheck_again:
                return

    async def _verify_session(self) -> tuple[int, str] | None:
        assert self._session_id is not None
        assert self._user_id is not None
        try:
            actor = await auth_service.session_actor(
                self._session_id, self._user_id, self._connection_context.request_info
            )
        except AuthenticationFailed as exc:
            return FORBIDDEN, exc.code.value
        except Exception:
            # Told something changed but unable to confirm the session: fail closed; the
            # client re-authenticates when it reconnects.
            logger.warning("could not re-check a live connection's session", exc_info=True)
            return UNAUTHORIZED, SESSION_UNVERIFIED
        if _rights(actor) != _rights(self._connection_context.actor):
            return UNAUTHORIZED, RIGHTS_CHANGED
        return None

    # -- closing -------------------------------------------------------------------------

    async def close(self, code: int, reason: str) -> None:
        """Stop every operation, then close the socket (once; later sends are dropped)."""
        if self._closing:
            return
        self._closing = True
        self._unregister()
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=reason)

    async def send_message(self, message: Message) -> None:
        if self._closing:
            return
        await super().send_message(message)

    def _unregister(self) -> None:
        """Leave the registry and stop the expiry timer. A re-check in flight is left to
        finish (cancelling a task mid-query can strand its pooled database connection); once
        the connection is closing, its verdict changes nothing."""
        if self._user_id is not None:
            self._registry.remove(self, self._user_id)
        if self._expiry is not None and self._expiry is not asyncio.current_task():
            self._expiry.cancel()

    async def shutdown(self) -> None:
        self._closing = True  # the socket is gone: nothing more to send, nobody to close
        self._unregister()
        await super().shutdown()
