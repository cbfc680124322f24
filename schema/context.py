"""The typed request context: who is asking, their scope, per-request loaders, app services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from domcctv.domain.access import Actor
from domcctv.models import (
    BasicEventMetadata,
    Company,
    Event,
    PlateCorrection,
    User,
    UserPermission,
    VideoClip,
)
from domcctv.services import clips, companies, events, permissions, users

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.websockets import WebSocket

    from domcctv.config import Settings
    from domcctv.services.auth import RequestInfo
    from domcctv.services.mailer import Mailer
    from domcctv.services.security import AccessTokens
    from domcctv.services.session_cache import SessionCache


def anonymous_actor(ip: str = "", user_agent: str = "") -> Actor:
    """No identity: CLIENT_USER of no company, no permissions — sees nothing."""
    return Actor.anonymous(ip, user_agent)


@dataclass
class Loaders:
    """Per-request DataLoaders bound to the actor's scope (foreign ids load as None)."""

    company_by_id: DataLoader[int, Company | None]
    user_by_id: DataLoader[int, User | None]
    event_by_id: DataLoader[int, Event | None]
    metadata_by_event_id: DataLoader[int, BasicEventMetadata | None]
    corrections_by_event_id: DataLoader[int, list[PlateCorrection]]
    grants_by_user_id: DataLoader[int, list[UserPermission]]
    clips_by_event_id: DataLoader[int, list[VideoClip]]

    @classmethod
    def for_actor(cls, actor: Actor) -> Loaders:
        async def _companies(ids: list[int]) -> list[Company | None]:
            return await companies.companies_by_id(ids, actor=actor)

        async def _users(ids: list[int]) -> list[User | None]:
            return await users.users_by_id(ids, actor=actor)

        async def _events(ids: list[int]) -> list[Event | None]:
            return await events.events_by_id(ids, actor=actor)

        async def _metadata(ids: list[int]) -> list[BasicEventMetadata | None]:
            return await events.metadata_by_event_id(ids, actor=actor)

        async def _corrections(ids: list[int]) -> list[list[PlateCorrection]]:
            return await events.corrections_by_event_id(ids, actor=actor)

        async def _grants(ids: list[int]) -> list[list[UserPermission]]:
            return await permissions.grants_by_user_id(ids)

        async def _clips(ids: list[int]) -> list[list[VideoClip]]:
            return await clips.clips_by_event_id(ids, actor=actor)

        return cls(
            company_by_id=DataLoader(load_fn=_companies),
            user_by_id=DataLoader(load_fn=_users),
            event_by_id=DataLoader(load_fn=_events),
            metadata_by_event_id=DataLoader(load_fn=_metadata),
            corrections_by_event_id=DataLoader(load_fn=_corrections),
            grants_by_user_id=DataLoader(load_fn=_grants),
            clips_by_event_id=DataLoader(load_fn=_clips),
        )


@dataclass
class AppServices:
    """Process-wide collaborators, built once in the composition root."""

    settings: Settings
    tokens: AccessTokens
    mailer: Mailer
    bus: Any = None
    media_signer: Any = None
    media_store: Any = None
    cipher: Any = None
    device_control: Any = None
    camera_directory: Any = None
    limiter: Any = None
    ingest_queue: Any = None
    session_cache: SessionCache | None = None
    video_links: Any = None
    stream_tokens: Any = None
    blob_store: Any = None
    recordings: Any = None
    video_workers: Any = None


@dataclass
class Context:
    """What every resolver receives as ``info.context``."""

    request: Request | WebSocket
    response: Any
    services: AppServices
    request_info: RequestInfo
    actor: Actor
    loaders: Loaders
    authenticated: bool = False
    auth_error: str | None = None
    connection_params: dict[str, Any] | None = field(default=None)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.authenticated = True
        self.loaders = Loaders.for_actor(actor)


Info = StrawberryInfo[Context, None]
