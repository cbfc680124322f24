"""A tiny GraphQL-over-HTTP client for tests (the wire format a real client sends)."""

from __future__ import annotations

from typing import Any

import httpx

from domcctv.config import Settings
from domcctv.graphql_view import DomcctvGraphQL
from domcctv.models import User
from domcctv.services.auth import RequestInfo, _open_session
from domcctv.services.security import AccessTokens
from schema.context import AppServices


async def gql(
    api: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def token_for(user: User, settings: Settings) -> str:
    """A valid access token for ``user`` without going through bcrypt."""
    tokens = AccessTokens(settings.jwt_secret.get_secret_value(), settings.access_token_ttl_seconds)
    pair = await _open_session(user, settings, tokens, RequestInfo("127.0.0.1", "tests"))
    return pair.access_token


def services_of(app: Any) -> AppServices:
    """The services an app's GraphQL endpoint was built with (its bus, caches, blob store)."""
    for route in app.routes:
        if getattr(route, "path", None) == "/graphql" and isinstance(
            getattr(route, "endpoint", None), DomcctvGraphQL
        ):
            services: AppServices = route.endpoint.services
            return services
    raise AssertionError("no GraphQL endpoint")
