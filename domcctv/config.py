"""Typed settings, read once from the environment (and `.env`). The only module reading env.

A missing or malformed setting stops start-up with a message naming the variable, instead of
surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import ipaddress
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domcctv.production_checks import production_problems

DEFAULT_DATABASE_URL = "sqlite://var/domcctv.sqlite3"


class ConfigurationError(SystemExit):
    """Start-up configuration problem; exits with a readable message instead of a traceback."""


class ProductionSettingsError(ValueError):
    """APP_ENV=production with settings production refuses; one (VARIABLE, reason) per problem."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems))


class Settings(BaseSettings):
    """Every knob of the server. Names are the environment variable names."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    app_env: Literal["development", "production", "test"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    redis_namespace: str = Field(default="domcctv", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    db_pool_max: int = Field(default=10, ge=1, le=200)

    jwt_secret: SecretStr = Field(min_length=32)
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=7 * 86_400, ge=300)
    # How long a process may reuse a verified session (+ user + grants) without reading it
    # again; session notices drop it at once, so this only bounds a lost notice. 0 = off.
    session_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout_seconds: int = Field(default=900, ge=1)
    login_rate_per_minute: int = Field(default=20, ge=1, le=10_000)
    password_reset_ttl_seconds: int = Field(default=3600, ge=60)

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "DOM CCTV <noreply@domcctv.local>"
    mail_outbox_dir: Path = Path("var/outbox")
    public_base_url: str = "http://127.0.0.1:8000"

    media_dir: Path = Path("var/media")
    # Off unless asked (.env.example asks, for the development run); refused in production.
    seed_demo_data: bool = False

    graphql_max_depth: int = Field(default=12, ge=2, le=50)
    graphql_max_tokens: int = Field(default=4000, ge=100)
    graphql_max_aliases: int = Field(default=20, ge=1)
    # Field selections after expanding every fragment spread (computed linearly, memoised
    # per fragment), so a few hundred bytes cannot describe an exponential amount of work.
    graphql_max_selections: int = Field(default=1500, ge=50)
    graphql_max_body_bytes: int = Field(default=1_000_000, ge=10_000, le=50_000_000)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    # None: on in development and test, off in production unless set explicitly.
    graphiql: bool | None = None
    graphql_anonymous_introspection: bool | None = None
    # Comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For is believed.
    # Empty: the socket peer is the client (X-Forwarded-For is ignored).
    trusted_proxies: str = ""

    anpr_confidence_threshold: float = Field(default=85.0, ge=0, le=100)
    event_merge_window_seconds: int = Field(default=60, ge=1, le=3600)

    hikcentral_url: str | None = None
    hikcentral_app_key: str | None = None
    hikcentral_app_secret: SecretStr | None = None
    hikcentral_user_id: str = "admin"
    hikcentral_verify_tls: bool = False
    backfill_interval_seconds: float = Field(default=60.0, ge=1.0)
    backfill_lookback_minutes: int = Field(default=60, ge=1, le=44_640)

    ingest_consumer_in_process: bool = True
    # A live read (push, alert stream) whose camera clock is further than this from its
    # arrival is stored at its arrival time and flagged for review (the camera's time is kept).
    clock_skew_tolerance_seconds: int = Field(default=600, ge=5, le=86_400)
    # Processing attempts of one read before it moves to the dead-letter table.
    ingest_max_attempts: int = Field(default=5, ge=1, le=100)
    # Reads the consumer stores per transaction (one savepoint each): one commit, relay and
    # camera update per batch instead of per read. Small enough that SQLite's single
    # connection is never held long by the consumer.
    ingest_batch_size: int = Field(default=20, ge=1, le=500)
    # Processed inbox rows (DB queue) are purged after this many hours.
    ingest_inbox_retention_hours: int = Field(default=24, ge=1, le=24 * 90)
    # /health reports "degraded" when unresolved dead letters exceed this count or the oldest
    # queued read waits longer than the lag limit.
    health_max_dead_letters: int = Field(default=0, ge=0)
    health_max_queue_lag_seconds: float = Field(default=60.0, gt=0)
    alert_stream_enabled: bool = False
    alert_stream_rescan_seconds: float = Field(default=30.0, ge=0.05)

    # Video evidence: one clip per camera and event, captured from the recorder once it holds
    # the post-roll. Off: no clip requests are made (sites without recorders).
    video_capture_enabled: bool = True
    video_storage: Literal["local", "s3"] = "local"
    video_dir: Path = Path("var/video")
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_prefix: str = ""
    clip_max_attempts: int = Field(default=8, ge=1, le=100)
    clip_retry_base_seconds: float = Field(default=15.0, gt=0)
    clip_retry_max_seconds: float = Field(default=600.0, gt=0)
    clip_concurrency: int = Field(default=2, ge=1, le=32)
    clip_poll_seconds: float = Field(default=2.0, gt=0)
    # MEDIUM/LOW copies, transcoded once in the background: for clips someone has played
    # ("viewed": most clips are never watched, and a transcode costs ~300x a capture), for
    # every clip ("all"), or never ("off").
    video_variants: Literal["viewed", "all", "off"] = "viewed"
    video_url_ttl_seconds: int = Field(default=900, ge=30, le=86_400)
    # Days clips and exports are kept unless the company sets its own; legal holds exempt.
    video_retention_days: int = Field(default=90, ge=1, le=3650)
    video_purge_interval_seconds: float = Field(default=3600.0, gt=0)
    video_workers: int = Field(default=2, ge=1, le=16)
    # Behind nginx with local storage: the internal location (e.g. /_video_files/) that serves
    # VIDEO_DIR; clip bodies are then sent by nginx (X-Accel-Redirect), not by Python.
    video_accel_redirect: str | None = None
    # Live view: one upstream RTSP connection per camera, shared by its viewers, closed this
    # long after the last one leaves.
    live_grace_seconds: float = Field(default=15.0, ge=0, le=600)
    live_open_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    live_stall_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    live_viewer_queue_fragments: int = Field(default=8, ge=1, le=64)
    live_max_cameras: int = Field(default=16, ge=1, le=256)
    # Seconds open responses (live streams, downloads) get to finish when the server stops.
    shutdown_grace_seconds: int = Field(default=5, ge=1, le=300)
    # permessage-deflate on websockets (RFC 7692). Off by default: a live push is 1-3 kB of
    # JSON sent to every dashboard, and each connection's own compressor cost the server a
    # quarter of its CPU per delivery (bench/fanout.py); on a yard LAN the bytes are cheaper.
    ws_per_message_deflate: bool = False

    simulator_enabled: bool = False
    simulator_cameras: int = Field(default=3, ge=1, le=64)
    simulator_rate: float = Field(default=0.5, ge=0, le=500)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in ("sqlite", "mysql"):
            raise ValueError(
                "must start with sqlite:// or mysql:// (e.g. mysql://root:@127.0.0.1:3306/domcctv)"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must start with redis:// (e.g. redis://127.0.0.1:6379/0)")
        return value

    @field_validator("video_accel_redirect")
    @classmethod
    def _check_accel_prefix(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.fullmatch(r"/[A-Za-z0-9_/-]*/", value):
            raise ValueError("must be a location path starting and ending with / (/_video_files/)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or CIDR network "
                    "(e.g. 10.0.0.5,172.18.0.0/16; empty = ignore X-Forwarded-For)"
                ) from None
        return value

    @model_validator(mode="after")
    def _check_video_storage(self) -> Settings:
        """VIDEO_STORAGE=s3 needs its bucket and credentials at start-up, not at the first clip."""
        if self.video_storage == "s3":
            missing = [
                name
                for name, value in (
                    ("S3_BUCKET", self.s3_bucket),
                    ("S3_ACCESS_KEY", self.s3_access_key),
                    ("S3_SECRET_KEY", self.s3_secret_key),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"VIDEO_STORAGE=s3 needs {', '.join(missing)}")
            if self.video_accel_redirect:
                raise ValueError("VIDEO_ACCEL_REDIRECT serves VIDEO_DIR: local storage only")
        return self

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        """APP_ENV=production refuses demo data, the simulator and weak or placeholder secrets."""
        if self.app_env != "production":
            return self
        problems = production_problems(
            seed_demo_data=self.seed_demo_data,
            simulator_enabled=self.simulator_enabled,
            jwt_secret=self.jwt_secret.get_secret_value(),
            database_url=self.database_url,
            bcrypt_rounds=self.bcrypt_rounds,
            smtp_host=self.smtp_host,
            smtp_user=self.smtp_user,
            smtp_password=self.smtp_password.get_secret_value() if self.smtp_password else None,
            hikcentral_app_secret=(
                self.hikcentral_app_secret.get_secret_value()
                if self.hikcentral_app_secret
                else None
            ),
        )
        if problems:
            raise ProductionSettingsError(problems)
        return self

    @property
    def is_mysql(self) -> bool:
        return self.database_url.startswith("mysql://")


def load_settings(**overrides: object) -> Settings:
    """Build settings or exit with a clear list of what is wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            refused = err.get("ctx", {}).get("error")
            if isinstance(refused, ProductionSettingsError):
                lines.append("  APP_ENV=production refuses these settings:")
                lines.extend(f"  {name}: {reason}" for name, reason in refused.problems)
                continue
            name = ".".join(str(p) for p in err["loc"]).upper() or "SETTINGS"
            lines.append(f"  {name}: {err['msg']}")
        raise ConfigurationError(
            "DOM CCTV configuration error (see .env.example):\n" + "\n".join(lines)
        ) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def database_url_from_env() -> str:
    """Just the database URL, for tooling (makemigrations) that needs no secrets."""
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)


def environment_flag(name: str) -> str | None:
    """Read one raw variable (test/bench harnesses only), keeping env access in this module."""
    return os.environ.get(name)
