"""Collecting per-field input errors so a client learns everything wrong in one round trip."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from domcctv.domain.errors import FieldCode, FieldError, InvalidInput
from domcctv.domain.plates import InvalidPlateError, Plate, PlateFormat, parse_plate

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass
class Checker:
    """Accumulates FieldErrors; ``raise_if_any`` raises one InvalidInput with all of them."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, name: str, code: FieldCode, message: str) -> None:
        self.errors.append(FieldError(name, code, message))

    def text(
        self, name: str, value: str | None, *, max_length: int, required: bool = False
    ) -> str | None:
        """Strip; enforce presence and length. Returns the cleaned value (None if empty)."""
        cleaned = value.strip() if value is not None else None
        if not cleaned:
            if required:
                self.add(name, FieldCode.REQUIRED, f"{name} is required")
            return None
        if len(cleaned) > max_length:
            self.add(name, FieldCode.TOO_LONG, f"{name} must be at most {max_length} characters")
        return cleaned

    def email(self, name: str, value: str | None, *, required: bool = False) -> str | None:
        cleaned = self.text(name, value, max_length=100, required=required)
        if cleaned is not None and not _EMAIL.match(cleaned):
            self.add(name, FieldCode.INVALID_FORMAT, "Not a valid e-mail address")
        return cleaned.lower() if cleaned else None

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(list(self.errors))


def as_utc(value: datetime | None) -> datetime | None:
    """A client timestamp without offset is read as UTC (the API's documented zone).

    Comparing it as-is with aware values raises TypeError, and the ORM only warns and guesses.
    """
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def required_plate(text: str, field: str = "plate") -> Plate:
    """A plate someone typed (registry, watchlist): must parse and must not be 'unread'."""
    try:
        plate = parse_plate(text)
    except InvalidPlateError as exc:
        raise InvalidInput.single(field, FieldCode.INVALID_PLATE, str(exc)) from exc
    if plate.format is PlateFormat.UNREAD:
        raise InvalidInput.single(field, FieldCode.INVALID_PLATE, "A plate is required")
    return plate
