"""Keyset (cursor) pagination: stable under inserts and index-friendly at any depth.

Offsets degrade linearly with depth and skip or repeat rows while ANPR reads keep arriving;
a cursor that encodes the last row's sort key does neither.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from domcctv.domain.errors import FieldCode, InvalidInput


@dataclass(frozen=True, slots=True)
class PageRequest:
    """``first`` rows after ``after`` (an opaque cursor), already clamped to the cap."""

    first: int
    after: str | None = None


@dataclass(frozen=True, slots=True)
class Page[T]:
    """A page of rows plus the cursor of each row and whether more follow."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    total_count: int | None = None

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


def clamp_page(first: int | None, *, default: int, maximum: int) -> int:
    if first is None:
        return min(default, maximum)
    if first < 1 or first > maximum:
        raise InvalidInput.single(
            "first", FieldCode.OUT_OF_RANGE, f"first must be between 1 and {maximum}"
        )
    return first


def encode_cursor(*parts: str | int | float) -> str:
    """An opaque cursor: the parts as compact JSON (orjson: one per row of every page, so
    the stdlib encoder's cost showed in search profiles), base64url without padding."""
    try:
        raw = orjson.dumps(list(parts))
    except TypeError:  # an integer beyond 64 bits (only a forged value would hold one)
        raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str | int | float]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        parts = None
    if not isinstance(parts, list) or len(parts) != arity:
        raise InvalidInput.single("after", FieldCode.INVALID_FORMAT, "Malformed cursor")
    return parts


MAX_ROW_ID = 2**63 - 1


def _malformed() -> InvalidInput:
    return InvalidInput.single("after", FieldCode.INVALID_FORMAT, "Malformed cursor")


def _row_id(value: object) -> int:
    # Cursors come from clients: a forged one must be an input error, never a type or
    # overflow error inside the database driver.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ROW_ID:
        raise _malformed()
    return value


def time_id_cursor(moment: datetime, row_id: int) -> str:
    return encode_cursor(moment.isoformat(), row_id)


def parse_time_id_cursor(cursor: str) -> tuple[datetime, int]:
    moment, row_id = decode_cursor(cursor, 2)
    if not isinstance(moment, str):
        raise _malformed()
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError as exc:
        raise _malformed() from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed, _row_id(row_id)


def parse_text_id_cursor(cursor: str) -> tuple[str, int]:
    """A ``(sort text, id)`` cursor (names, plates), type-checked."""
    text, row_id = decode_cursor(cursor, 2)
    if not isinstance(text, str):
        raise _malformed()
    return text, _row_id(row_id)


async def fetch_page[M: Model](
    qs: QuerySet[M], page: PageRequest, order: tuple[str, ...], cursor: Callable[[M], str]
) -> Page[M]:
    """One extra row tells whether another page follows; no COUNT(*) needed."""
    rows = await qs.order_by(*order).limit(page.first + 1)
    has_next = len(rows) > page.first
    rows = rows[: page.first]
    return Page(rows, [cursor(r) for r in rows], has_next)


async def ascending_page[M: Model](qs: QuerySet[M], page: PageRequest, field: str) -> Page[M]:
    """Keyset page ordered by (``field``, id) ascending, e.g. names or plates."""
    if page.after:
        value, last_id = parse_text_id_cursor(page.after)
        # Q, not exclude(a=, b=): Tortoise negates each keyword separately (NOT a AND NOT b).
        after_value: dict[str, Any] = {f"{field}__gt": value}
        same_value: dict[str, Any] = {field: value, "id__gt": last_id}
        qs = qs.filter(Q(**after_value) | Q(**same_value))
    return await fetch_page(
        qs, page, (field, "id"), lambda r: encode_cursor(getattr(r, field), r.pk)
    )
