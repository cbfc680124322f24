"""An injectable clock so lockout, expiry and lifecycle rules are testable."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
