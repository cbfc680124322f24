"""The GraphQL endpoint: Strawberry's ASGI view with our typed Context and token auth.

Part of the composition root (it builds the GraphQL layer's Context), kept apart from
``asgi.py`` so the HTTP transport rules of ``/graphql`` live in one module.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from domcctv.domain.errors import AuthenticationFailed
from domcctv.services import auth as auth_service
from domcctv.services.auth import RequestInfo
from schema.context import AppServices, Context, Loaders, anonymous_actor


def _request_info(conn: Request | WebSocket) -> RequestInfo:
    host = conn.client.host if conn.client else ""
    return RequestInfo(ip_address=host, user_agent=conn.headers.get("user-agent", "")[:300])


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class DomcctvGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with our typed Context and token authentication."""

    def __init__(self, services: AppServices, **kwargs: Any) -> None:
        self.services = services
        super().__init__(**kwargs)

    async def _authenticate(self, ctx: Context, token: str | None) -> None:
        if token is None:
            return
        try:
            actor = await auth_service.authenticate(
                token, tokens=self.services.tokens, info=ctx.request_info
            )
        except AuthenticationFailed as exc:
            ctx.auth_error = exc.code.value
            return
        ctx.set_actor(actor)

    def parse_json(self, data: str | bytes) -> Any:
        """GraphQL-over-HTTP: the body is a JSON object (or a list when batching); anything
        else is the client's error (400), not a crash."""
        value = super().parse_json(data)
        if not isinstance(value, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        return value

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        info = _request_info(request)
        actor = anonymous_actor(info.ip_address, info.user_agent)
        ctx = Context(
            request=request,
            response=response,
            services=self.services,
            request_info=info,
            actor=actor,
            loaders=Loaders.for_actor(actor),
        )
        if isinstance(request, Request):
            await self._authenticate(ctx, _bearer(request.headers.get("authorization")))
        return ctx

    async def on_ws_connect(self, context: Context) -> Any:
        """graphql-transport-ws connection_init: authenticate from the payload."""
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization")
        token = _bearer(raw) if isinstance(raw, str) else None
        if token is None and isinstance(params.get("token"), str):
            token = params["token"]
        await self._authenticate(context, token)
        if not context.authenticated:
            raise ConnectionRejectionError({"code": context.auth_error or "UNAUTHENTICATED"})
        return None
