"""The GraphQL endpoint: Strawberry's ASGI view with our typed Context and token auth.

Part of the composition root (it builds the GraphQL layer's Context), kept apart from
``asgi.py`` so the HTTP transport rules of ``/graphql`` live in one module. Over HTTP it follows
the GraphQL-over-HTTP spec (helpers in ``domcctv/graphql_http.py``): media types negotiated from
``Accept``, request errors as 4xx with ``application/graphql-response+json``, queries only over
GET (mutations 405), subscriptions only over the websocket, a bounded request body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from domcctv.config import Settings
from domcctv.domain.errors import AuthenticationFailed, ErrorCode
from domcctv.graphql_http import (
    JSON,
    RequestRefused,
    UnreadableJSON,
    declared_length,
    decode_json,
    encode_response,
    encode_ws_message,
    is_request_error,
    limited_receive,
    negotiate,
    refusal_response,
    status_for,
)
from domcctv.services import auth as auth_service
from domcctv.services.auth import RequestInfo
from resolvers.document_limits import DocumentLimits
from resolvers.ws_sessions import (
    ConnectionRegistry,
    ConnectionUnauthorized,
    SessionBoundHandler,
    payload_token,
)
from schema.context import AppServices, Context, Loaders, anonymous_actor

# Body nesting: the variables' limit plus the envelope ({"variables": ...}, or the websocket's
# {"payload": {"variables": ...}}); deeper JSON is refused before anything walks it.
MAX_JSON_DEPTH = DocumentLimits().max_variables_depth + 2


def graphiql_enabled(settings: Settings) -> bool:
    """GRAPHIQL unset: on in development and test, off in production."""
    if settings.graphiql is not None:
        return settings.graphiql
    return settings.app_env != "production"


def anonymous_introspection_allowed(settings: Settings) -> bool:
    """GRAPHQL_ANONYMOUS_INTROSPECTION unset: allowed in development and test, refused to
    unauthenticated requests in production (signed-in users may always introspect)."""
    if settings.graphql_anonymous_introspection is not None:
        return settings.graphql_anonymous_introspection
    return settings.app_env != "production"


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

    # graphql-transport-ws connections bound to their session (resolvers/ws_sessions.py).
    graphql_transport_ws_handler_class = SessionBoundHandler

    def encode_json(self, data: object) -> str:
        """Websocket messages (HTTP responses are encoded in ``create_response``): text, so
        Strawberry sends text frames; a shared pushed result is encoded once."""
        return encode_ws_message(data)

    def __init__(self, services: AppServices, **kwargs: Any) -> None:
        self.services = services
        self.connections = ConnectionRegistry(services.bus)
        super().__init__(**kwargs)

    async def _authenticate(self, ctx: Context, token: str | None, *, cached: bool) -> None:
        """``cached``: a session verified moments ago may be reused (HTTP requests); a
        websocket, which may stay open for hours, reads it from the database."""
        if token is None:
            return
        try:
            actor = await auth_service.authenticate(
                token,
                tokens=self.services.tokens,
                info=ctx.request_info,
                cache=self.services.session_cache if cached else None,
            )
        except AuthenticationFailed as exc:
            ctx.auth_error = exc.code.value
            return
        ctx.set_actor(actor)

    # ------------------------------------------------------------------ HTTP transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        limit = self.services.settings.graphql_max_body_bytes
        request = Request(scope, receive=limited_receive(receive, limit))
        media_type = negotiate(request.headers.get("accept"))
        response: Response
        try:
            declared_length(request.headers, limit)
            if media_type is None and not self.should_render_graphql_ide(
                StarletteRequestAdapter(request)
            ):
                raise RequestRefused(
                    406, "Accept application/graphql-response+json or application/json"
                )
            response = await self.run(request)
        except HTTPException as exc:
            response = refusal_response(exc, media_type)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        """Strict UTF-8, bounded nesting (HTTP bodies and websocket messages alike): a
        10,000-level array is refused, not a RecursionError."""
        return decode_json(data, MAX_JSON_DEPTH)

    def parse_json(self, data: str | bytes) -> Any:
        """GraphQL-over-HTTP: the body is a JSON object; anything else is the client's error
        (400), not a crash."""
        try:
            value = self.decode_json(data)
        except UnreadableJSON as exc:
            raise RequestRefused(400, exc.reason) from None
        except json.JSONDecodeError:
            raise RequestRefused(400, "Unable to parse request body as JSON") from None
        if not isinstance(value, dict | list):
            raise RequestRefused(400, "The request body must be a JSON object")
        return value

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """POST bodies are application/json in UTF-8; ``operationName`` is a string or null.
        Batching (a JSON array) is off: Strawberry answers it 400."""
        if request.method == "POST":
            content_type, params = parse_content_type(request.content_type or "")
            if content_type.lower() != JSON:
                raise RequestRefused(415, "Send the request body as application/json")
            if params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
                raise RequestRefused(415, "The request body must be UTF-8")
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and not isinstance(data.operation_name, str | None):
            raise RequestRefused(400, "operationName must be a string or null")
        return data

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Queries over GET, queries and mutations over POST (a mutation over GET is 405 and
        never runs); subscriptions only over the websocket."""
        allowed = (
            {OperationType.QUERY}
            if request_adapter.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise RequestRefused(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            if exc.operation_type == OperationType.MUTATION:
                raise RequestRefused(
                    405, "Mutations must be sent with POST", headers={"Allow": "POST"}
                ) from exc
            raise RequestRefused(
                400, "Subscriptions are served over the graphql-transport-ws websocket"
            ) from exc
        except MissingQueryError as exc:
            raise RequestRefused(400, "No GraphQL query found in the request") from exc

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        return _SubResponse(negotiate(request.headers.get("accept")) or JSON)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """A request error (nothing executed) has no ``data`` entry (GraphQL spec, §7.1)."""
        response = await super().process_result(request, result)
        if is_request_error(response):
            response.pop("data", None)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.negotiated if isinstance(sub_response, _SubResponse) else JSON
        status = (
            status_for(response_data, media_type) if isinstance(response_data, Mapping) else 200
        )
        # orjson bytes here; ``encode_json`` (websocket messages) must return text, since
        # Strawberry sends bytes as binary frames and graphql-transport-ws messages are text.
        response = Response(
            encode_response(response_data), status_code=status, media_type=media_type
        )
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    # ------------------------------------------------------------------ context

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
            await self._authenticate(
                ctx, _bearer(request.headers.get("authorization")), cached=True
            )
        return ctx

    async def on_ws_connect(self, context: Context) -> Any:
        """graphql-transport-ws connection_init: authenticate from the payload
        (``{"authorization": "Bearer <token>"}``). An expired token closes with 4401 (refresh
        and reconnect), any other failure with 4403. The ack carries the token's expiry: the
        client re-authenticates before it with a ``ping`` (see resolvers/ws_sessions.py)."""
        token = payload_token(context.connection_params)
        await self._authenticate(context, token, cached=False)
        if not context.authenticated:
            if context.auth_error == ErrorCode.TOKEN_EXPIRED:
                raise ConnectionUnauthorized(ErrorCode.TOKEN_EXPIRED.value)
            raise ConnectionRejectionError({"code": context.auth_error or "UNAUTHENTICATED"})
        assert token is not None
        try:
            expires_at = self.services.tokens.verify(token).expires_at
        except AuthenticationFailed as exc:  # expired since it was checked a moment ago
            raise ConnectionUnauthorized(exc.code.value) from exc
        return {"expiresAt": expires_at}


class _SubResponse(Response):
    """Strawberry's per-request sub-response (resolvers may add headers), carrying the media
    type negotiated for the reply."""

    def __init__(self, negotiated: str) -> None:
        super().__init__()
        self.status_code = None  # type: ignore[assignment]  # Strawberry's "not set"
        del self.headers["content-length"]
        self.negotiated = negotiated
