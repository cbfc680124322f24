"""User preferences (created on first read with the seed's defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from tortoise.exceptions import IntegrityError

from domcctv.domain.access import Actor
from domcctv.domain.errors import FieldCode, PermissionDenied
from domcctv.models import (
    AuditAction,
    Language,
    ResourceType,
    Theme,
    UserPreferences,
    VideoQuality,
)
from domcctv.services import audit
from domcctv.services.validation import Checker

PAGE_SIZES = (10, 25, 50, 100)
TIMEZONE_MAX_LENGTH = 50  # user_preferences.timezone


@cache
def known_timezones() -> frozenset[str]:
    """The IANA zone names this system knows (read once; it scans the zone database).

    Preferences are checked against this set, never by loading the name: ZoneInfo turns a
    name into a file path, so "America" (a directory) or a 300-character value fail inside
    the filesystem (IsADirectoryError, ENAMETOOLONG) instead of as a validation error.
    """
    return frozenset(z for z in available_timezones() if len(z) <= TIMEZONE_MAX_LENGTH)


@dataclass(frozen=True, slots=True)
class PreferencesInput:
    """Preference changes; ``None`` leaves a value unchanged."""

    language: Language | None = None
    timezone: str | None = None
    theme: Theme | None = None
    default_page_size: int | None = None
    video_quality: VideoQuality | None = None
    auto_play: bool | None = None


async def get_preferences(actor: Actor) -> UserPreferences:
    if actor.user_id is None:
        raise PermissionDenied("Only users have preferences")
    prefs = await UserPreferences.get_or_none(user_id=actor.user_id)
    if prefs is None:
        try:
            prefs = await UserPreferences.create(user_id=actor.user_id)
        except IntegrityError:  # created concurrently by another request
            prefs = await UserPreferences.get(user_id=actor.user_id)
    return prefs


async def update_preferences(actor: Actor, data: PreferencesInput) -> UserPreferences:
    check = Checker()
    if data.timezone is not None and data.timezone not in known_timezones():
        check.add("timezone", FieldCode.INVALID_FORMAT, "Unknown IANA time zone")
    if data.default_page_size is not None and data.default_page_size not in PAGE_SIZES:
        check.add(
            "defaultPageSize",
            FieldCode.OUT_OF_RANGE,
            f"Page size must be one of {', '.join(map(str, PAGE_SIZES))}",
        )
    check.raise_if_any()
    prefs = await get_preferences(actor)
    before = _snapshot(prefs)
    for key in ("language", "timezone", "theme", "default_page_size", "video_quality", "auto_play"):
        value = getattr(data, key)
        if value is not None:
            setattr(prefs, key, value)
    await prefs.save()
    await audit.record(
        actor,
        AuditAction.UPDATE_PREFERENCES,
        ResourceType.USER,
        actor.user_id,
        company_id=actor.company_id,
        before=before,
        after=_snapshot(prefs),
    )
    return prefs


def _snapshot(p: UserPreferences) -> dict[str, object]:
    return {
        "language": p.language.value,
        "timezone": p.timezone,
        "theme": p.theme.value,
        "defaultPageSize": p.default_page_size,
        "videoQuality": p.video_quality.value,
        "autoPlay": p.auto_play,
    }
