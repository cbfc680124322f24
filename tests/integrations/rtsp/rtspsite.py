"""The site settings the RTSP tests share (imported by name: conftest modules are not)."""

from __future__ import annotations

from integrations.hikvision.simulator import SiteConfig

PLAYBACK_SPEED = 8.0


def site_config(**overrides: object) -> SiteConfig:
    """One camera, seeded, no HikCentral lag; ``overrides`` are SiteConfig fields."""
    values: dict[str, object] = {"cameras": 1, "seed": 99, "create_lag": (0.0, 0.0)}
    values.update(overrides)
    return SiteConfig(**values)  # type: ignore[arg-type]
