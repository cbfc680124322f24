"""Demo data for the default run: companies, staff and client users, plates and past events.

Only runs on an empty database, so a restart never duplicates anything. The demo passwords are
printed in the README, so APP_ENV=production refuses to start with SEED_DEMO_DATA=true.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from tortoise.transactions import in_transaction

from domcctv.config import Settings
from domcctv.domain.access import Role
from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import parse_plate
from domcctv.models import BasicEventMetadata, Company, Event, User, Vehicle
from domcctv.services.clock import utcnow
from domcctv.services.security import hash_password

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "DomCctv-2025!"

COMPANIES = [
    (
        "76086428-5",
        "Constructora Andes",
        "Constructora Andes SpA",
        ["HJKL42", "FK1234", "GHTR57", "BCDF21"],
    ),
    (
        "96511460-2",
        "Minera Pacífico Sur",
        "Minera Pacífico Sur S.A.",
        ["KBWZ93", "PRST18", "DK4821", "LLXY64"],
    ),
    ("77261280-K", "Transportes Biobío", "Transportes Biobío Ltda.", ["VWXZ35", "CR7712"]),
]

STAFF = [
    ("admin@domcctv.cl", "Ana", "Rojas", Role.ADMINISTRATOR),
    ("supervisor@domcctv.cl", "Sergio", "Muñoz", Role.SUPERVISOR),
    ("operador@domcctv.cl", "Olga", "Pérez", Role.OPERATOR),
    ("operador2@domcctv.cl", "Pablo", "Soto", Role.OPERATOR),
]

CLIENTS = [
    ("cliente@andes.cl", "Carla", "Fuentes", 0),
    ("cliente@pacificosur.cl", "Diego", "Araya", 1),
]

CAMERAS = [("CAM-NORTE-01", "PORTON NORTE"), ("CAM-SUR-01", "PORTON SUR")]


async def seed_demo_data(settings: Settings, *, events_per_plate: int = 6) -> bool:
    """Insert demo rows when there are no users yet. Returns whether it seeded."""
    if await User.exists():
        return False
    password_hash = await hash_password(DEMO_PASSWORD, settings.bcrypt_rounds)
    rng = random.Random(2025)
    now = utcnow()
    async with in_transaction("default") as conn:
        companies = []
        for rut, name, legal, plates in COMPANIES:
            company = await Company.create(
                rut=rut,
                name=name,
                business_name=legal,
                city="Santiago",
                region="Metropolitana",
                primary_contact={"name": f"Contacto {name}"},
                using_db=conn,
            )
            companies.append(company)
            for plate in plates:
                parsed = parse_plate(plate)
                await Vehicle.create(
                    company_id=company.id,
                    plate=parsed.normalized,
                    plate_skeleton=parsed.skeleton,
                    using_db=conn,
                )
        users = {}
        for email, first, last, role in STAFF:
            users[email] = await User.create(
                email=email,
                password_hash=password_hash,
                first_name=first,
                last_name=last,
                role=role,
                email_verified=True,
                using_db=conn,
            )
        for email, first, last, index in CLIENTS:
            users[email] = await User.create(
                email=email,
                password_hash=password_hash,
                first_name=first,
                last_name=last,
                role=Role.CLIENT_USER,
                company_id=companies[index].id,
                email_verified=True,
                using_db=conn,
            )
        operator = users["operador@domcctv.cl"]
        for company, (_, _, _, plates) in zip(companies, COMPANIES, strict=True):
            for plate in plates:
                for n in range(events_per_plate):
                    when = now - timedelta(
                        hours=rng.randint(1, 24 * 20), minutes=rng.randint(0, 59)
                    )
                    code, name = CAMERAS[n % 2]
                    confidence = round(rng.uniform(70, 99), 1)
                    parsed = parse_plate(plate)
                    documented = n % 3 == 0
                    event = await Event.create(
                        company_id=company.id,
                        plate=parsed.normalized,
                        plate_raw=plate,
                        plate_skeleton=parsed.skeleton,
                        plate_format=parsed.format,
                        event_time=when,
                        confidence=confidence,
                        low_confidence=confidence < settings.anpr_confidence_threshold,
                        camera_code=code,
                        primary_camera={
                            "code": code,
                            "name": name,
                            "plateReading": plate,
                            "confidence": confidence,
                            "readAt": when.isoformat(),
                            "source": "seed",
                            "pictures": [],
                        },
                        status=EventStatus.DOCUMENTED if documented else EventStatus.DETECTED,
                        has_basic_metadata=documented,
                        processed_at=when if documented else None,
                        using_db=conn,
                    )
                    if documented:
                        await BasicEventMetadata.create(
                            event_id=event.id,
                            company_id=company.id,
                            event_time=event.event_time,
                            guide_number=f"GD-{rng.randint(10000, 99999)}",
                            guide_date=when.date(),
                            origin_project="Proyecto Ruta 68",
                            cargo_description="Áridos",
                            created_by_id=operator.id,
                            using_db=conn,
                        )
        for plate in ("XY1234", "TTRW55"):  # unregistered plates: unassigned events
            parsed = parse_plate(plate)
            await Event.create(
                plate=parsed.normalized,
                plate_raw=plate,
                plate_skeleton=parsed.skeleton,
                plate_format=parsed.format,
                event_time=now - timedelta(minutes=30),
                confidence=91.0,
                camera_code="CAM-NORTE-01",
                primary_camera={
                    "code": "CAM-NORTE-01",
                    "name": "PORTON NORTE",
                    "plateReading": plate,
                    "confidence": 91.0,
                    "source": "seed",
                    "readAt": (now - timedelta(minutes=30)).isoformat(),
                    "pictures": [],
                },
                using_db=conn,
            )
    # The password itself is not logged (logs are shipped and kept); the README lists it.
    logger.info("Seeded demo data: demo accounts as listed in the README")
    return True
