"""Small async factories with defaults and keyword overrides (explicit beats magic)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import bcrypt

from domcctv.domain.access import Role
from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import parse_plate
from domcctv.domain.rut import check_digit
from domcctv.models import BasicEventMetadata, Company, Event, User, Vehicle
from domcctv.services.clock import utcnow

PASSWORD = "Correct-Horse-9"
_HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
_seq = itertools.count(1)


def valid_rut(body: int | None = None) -> str:
    number = body if body is not None else 76_000_000 + next(_seq) * 7919
    return f"{number}-{check_digit(number)}"


async def make_company(**overrides: Any) -> Company:
    n = next(_seq)
    data: dict[str, Any] = {
        "rut": valid_rut(),
        "name": f"Empresa {n:04d}",
        "primary_contact": {"name": "Contacto"},
    }
    data.update(overrides)
    return await Company.create(**data)


async def make_user(
    role: Role = Role.OPERATOR, company: Company | None = None, **overrides: Any
) -> User:
    n = next(_seq)
    data: dict[str, Any] = {
        "email": f"user{n}@example.cl",
        "password_hash": _HASH,
        "first_name": f"Nombre{n}",
        "last_name": f"Apellido{n}",
        "role": role,
        "company_id": company.id if company is not None else None,
    }
    data.update(overrides)
    return await User.create(**data)


async def make_vehicle(company: Company, plate: str) -> Vehicle:
    parsed = parse_plate(plate)
    return await Vehicle.create(
        company_id=company.id, plate=parsed.normalized, plate_skeleton=parsed.skeleton
    )


async def make_event(
    company: Company | None = None,
    plate: str = "HJKL42",
    when: datetime | None = None,
    **overrides: Any,
) -> Event:
    parsed = parse_plate(plate)
    moment = when or utcnow() - timedelta(minutes=next(_seq))
    data: dict[str, Any] = {
        "company_id": company.id if company else None,
        "plate": parsed.normalized,
        "plate_raw": plate,
        "plate_skeleton": parsed.skeleton,
        "plate_format": parsed.format,
        "event_time": moment,
        "confidence": 95.0,
        "camera_code": "CAM-1",
        "primary_camera": {
            "code": "CAM-1",
            "name": "PORTON",
            "plateReading": plate,
            "confidence": 95.0,
            "source": "push",
            "pictures": [],
        },
        "status": EventStatus.DETECTED,
    }
    data.update(overrides)
    return await Event.create(**data)


async def make_metadata(event: Event, author: User, **overrides: Any) -> BasicEventMetadata:
    data: dict[str, Any] = {
        "event_id": event.id,
        "company_id": event.company_id,
        "event_time": event.event_time,
        "guide_number": "GD-1",
        "created_by_id": author.id,
    }
    data.update(overrides)
    meta = await BasicEventMetadata.create(**data)
    event.has_basic_metadata = True
    event.status = EventStatus.DOCUMENTED
    await event.save()
    return meta
