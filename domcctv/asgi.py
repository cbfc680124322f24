"""Composition root: builds the Starlette app, its lifespan and the GraphQL endpoint.

The only module allowed to import every layer.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from tortoise import Tortoise

from domcctv.config import Settings, get_settings
from domcctv.db import migrate_database, open_database
from domcctv.domain.errors import AuthenticationFailed
from domcctv.http.health import Probe, database_probe, health_endpoint
from domcctv.seed import seed_demo_data
from domcctv.services import auth as auth_service
from domcctv.services.auth import RequestInfo
from domcctv.services.mailer import build_mailer
from domcctv.services.security import AccessTokens
from resolvers import build_schema
from schema.context import AppServices, Context, Loaders, anonymous_actor

logger = logging.getLogger("domcctv")

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"


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


def build_services(settings: Settings) -> AppServices:
    return AppServices(
        settings=settings,
        tokens=AccessTokens(
            settings.jwt_secret.get_secret_value(), settings.access_token_ttl_seconds
        ),
        mailer=build_mailer(settings),
    )


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """Build the ASGI app. ``manage_database=False`` lets tests own the ORM lifecycle."""
    settings = settings or get_settings()
    services = build_services(settings)
    schema = build_schema(
        max_depth=settings.graphql_max_depth,
        max_tokens=settings.graphql_max_tokens,
        max_aliases=settings.graphql_max_aliases,
    )
    graphql = DomcctvGraphQL(
        services,
        schema=schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    probes: dict[str, Probe] = {"database": database_probe}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if manage_database:
            await migrate_database(settings.database_url)
            await open_database(settings.database_url, pool_max=settings.db_pool_max)
            if settings.seed_demo_data:
                await seed_demo_data(settings)
        try:
            yield
        finally:
            if manage_database:
                await Tortoise.close_connections()

    routes: list[Any] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/health", health_endpoint(probes), methods=["GET"]),
    ]
    if WEB_DIST.is_dir():
        routes.append(Mount("/", StaticFiles(directory=WEB_DIST, html=True), name="web"))
    else:
        routes.append(Route("/", _no_dashboard, methods=["GET"]))
    return Starlette(routes=routes, lifespan=lifespan)


async def _no_dashboard(_: Request) -> Response:
    return Response(
        "The dashboard is not built (run: npm --prefix web ci && npm --prefix web "
        "run build). GraphiQL is at /graphql.\n",
        media_type="text/plain",
    )
