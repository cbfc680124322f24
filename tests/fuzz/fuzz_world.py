"""The fuzzed world: a seeded database (companies, users of every role, vehicles, events in
every state, cameras, watchlist entries, a dead letter), what the generators may draw from it
(real ids and words), and a log watcher that turns any ERROR record into a failure."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import graphql
import httpx
from fuzz_values import Pools
from graphql import GraphQLError

from domcctv.config import Settings, environment_flag
from domcctv.devsite import register_cameras
from domcctv.domain.access import Role
from domcctv.domain.errors import DomcctvError
from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import parse_plate
from domcctv.infra.secrets_box import SecretBox
from domcctv.models import (
    Camera,
    Company,
    IngestDeadLetter,
    Site,
    User,
    WatchlistEntry,
)
from domcctv.services.clock import utcnow
from integrations.hikvision.simulator import SimulatedSite
from schema.relay import to_global_id

from factories import (
    PASSWORD,
    make_company,
    make_event,
    make_metadata,
    make_user,
    make_vehicle,
)
from graphql_client import token_for
from live_server import RunningServer, free_port

# Loggers whose ERROR records mean "something was not handled": the app's, Strawberry's
# (its process_errors), uvicorn's ("Exception in ASGI application"), asyncio's ("Task
# exception was never retrieved"), the ORM's and the HTTP client's.
WATCHED_LOGGERS = ("domcctv", "strawberry", "uvicorn", "asyncio", "tortoise", "aiohttp")

ROLES: tuple[Role | None, ...] = (
    None,
    Role.ADMINISTRATOR,
    Role.SUPERVISOR,
    Role.OPERATOR,
    Role.CLIENT_USER,
)


def example_count(default: int) -> int:
    """``FUZZ_EXAMPLES`` overrides the per-test example count for longer local runs."""
    raw = environment_flag("FUZZ_EXAMPLES")
    return int(raw) if raw else default


class ErrorRecords(logging.Handler):
    """Collects ERROR (and worse) records of the watched loggers."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".", 1)[0] in WATCHED_LOGGERS:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        taken, self.records = self.records, []
        return taken


def is_client_error_record(record: logging.LogRecord) -> bool:
    """Strawberry's default ``process_errors`` logs every GraphQL error at ERROR, the client's
    own mistakes included (validation, FORBIDDEN, NOT_FOUND). Those are log noise rather than
    crashes; they are told apart in failure messages (both fail: the log must stay clean)."""
    if not record.name.startswith("strawberry.execution"):
        return False
    exc = record.exc_info[1] if record.exc_info else None
    return exc is None or isinstance(exc, GraphQLError | DomcctvError)


def describe_records(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    lines = []
    for record in records:
        kind = "client error logged at ERROR" if is_client_error_record(record) else "UNEXPECTED"
        lines.append(f"[{kind}] {formatter.format(record)}")
    return "\n".join(lines)


@dataclass
class FuzzWorld:
    """What one fuzz test talks to and through."""

    settings: Settings
    server: RunningServer
    client: httpx.AsyncClient
    schema: graphql.GraphQLSchema
    users: dict[Role, User]
    pools: Pools
    errors: ErrorRecords
    egress: list[str] = field(default_factory=list)
    requests: int = 0
    strategies: dict[str, Any] = field(default_factory=dict)  # built once per world

    def __repr__(self) -> str:  # Hypothesis prints the test's arguments on failure
        return f"FuzzWorld({self.server.http}, {self.requests} requests)"

    async def restore_actors(self) -> None:
        """Undo what earlier examples did to the signed-in users themselves (deactivated,
        demoted, locked out, company deactivated), so each role keeps being exercised."""
        for role, user in self.users.items():
            await User.filter(id=user.id).update(
                is_active=True,
                role=role,
                company_id=user.company_id,
                failed_login_attempts=0,
                locked_until=None,
            )
        await Company.all().update(is_active=True)

    async def token(self, role: Role | None) -> str | None:
        if role is None:
            return None
        return await token_for(self.users[role], self.settings)


async def seed_world(settings: Settings, site: SimulatedSite) -> tuple[dict[Role, User], Pools]:
    andes = await make_company(name="Constructora Andes", email="contacto@andes.cl")
    pacifico = await make_company(name="Minera Pacífico Sur")
    dormant = await make_company(name="Transportes Inactivos", is_active=False)
    admin = await make_user(Role.ADMINISTRATOR, email="admin@fuzz.cl")
    supervisor = await make_user(Role.SUPERVISOR, email="supervisor@fuzz.cl")
    operator = await make_user(Role.OPERATOR, email="operador@fuzz.cl")
    client = await make_user(Role.CLIENT_USER, andes, email="cliente@andes.cl")
    other_client = await make_user(Role.CLIENT_USER, pacifico, email="cliente@pacifico.cl")
    spare = await make_user(Role.OPERATOR, email="spare@fuzz.cl")
    vehicles = [
        await make_vehicle(andes, "HJKL42"),
        await make_vehicle(andes, "FK1234"),
        await make_vehicle(pacifico, "KBWZ93"),
    ]
    events = [
        await make_event(andes, "HJKL42"),
        await make_event(andes, "FK1234"),
        await make_event(pacifico, "KBWZ93"),
        await make_event(None, "GHTR57"),
        await make_event(None, "BCDF21", confidence=40.0, low_confidence=True),
    ]
    await make_metadata(events[0], operator)
    await make_metadata(events[2], operator, guide_number="GD-77")
    archived = await make_event(andes, "PRST18", status=EventStatus.ARCHIVED)
    events.append(archived)
    await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
    yard = await Site.create(name="Patio sin cámaras")
    dead_camera = await Camera.create(
        code="CAM-DEAD",
        name="Cámara apagada",
        site_id=yard.id,
        isapi_url=f"http://127.0.0.1:{free_port()}",
        username="admin",
        password_encrypted=SecretBox(settings.jwt_secret.get_secret_value()).encrypt("x"),
        supports_ptz=True,
    )
    for plate, company_id in (("HJKL42", andes.id), ("DK4821", None)):
        parsed = parse_plate(plate)
        await WatchlistEntry.create(
            company_id=company_id,
            plate=parsed.normalized,
            plate_skeleton=parsed.skeleton,
            reason="fuzz",
        )
    await IngestDeadLetter.create(
        natural_key="uuid:fuzz-dead",
        source="push",
        camera_code="CAM-DEAD",
        payload={"broken": True},
        error="seeded",
        attempts=5,
    )
    users = {
        Role.ADMINISTRATOR: admin,
        Role.SUPERVISOR: supervisor,
        Role.OPERATOR: operator,
        Role.CLIENT_USER: client,
    }
    ids: list[str] = []
    for type_name, rows in (
        ("Company", [andes, pacifico, dormant]),
        ("User", [admin, supervisor, operator, client, other_client, spare]),
        ("Vehicle", vehicles),
        ("Event", events),
        ("Camera", await Camera.all()),
        ("Site", await Site.all()),
        ("WatchlistEntry", await WatchlistEntry.all()),
        ("DeadLetter", await IngestDeadLetter.all()),
    ):
        ids.extend(str(to_global_id(type_name, row.pk)) for row in rows)
    ids.append(str(dead_camera.id))
    words = [
        PASSWORD,
        "DomCctv-2025!",
        "HJKL42",
        "FK1234",
        "HJKL4Z",
        "KBWZ93",
        "CAM-DEAD",
        *[c.code for c in await Camera.all()],
        "admin@fuzz.cl",
        "cliente@andes.cl",
        "America/Santiago",
        "Mars/Olympus_Mons",
        "GD-1",
        "GD",
        "76086428-5",
        (utcnow() - timedelta(days=1)).isoformat(),
    ]
    return users, Pools(ids=ids, words=words)


def summary(world: FuzzWorld) -> dict[str, Any]:
    return {"requests": world.requests, "blocked_egress": list(world.egress)}
