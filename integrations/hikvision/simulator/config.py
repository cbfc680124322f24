"""Configuration of a simulated site: one HikCentral gateway plus N ANPR cameras.

Everything that real deployments disagree on (auth error status, record field spelling,
namespaces, Basic vs Digest, ``Z``-as-local times) is a knob here, so tests can pin each
variant the protocols brief lists instead of hard-coding one guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Namespace = Literal["hikvision", "isapi", "std-cgi"]
RecordStyle = Literal["camel", "pascal"]
PayloadFormat = Literal["xml", "json"]
# How a camera writes its event ``dateTime`` (all seen on real firmware):
#   offset        2025-01-15T08:30:12.847-03:00   (ISO-8601 with the UTC offset)
#   short_offset  2025-01-15T08:30:12-3:00        (one-digit offset hour)
#   utc_z         2025-01-15T11:30:12.847Z        (UTC)
#   local_z       2025-01-15T08:30:12.847Z        (local wall clock wrongly marked "Z")
#   naive         2025-01-15T08:30:12.847         (local wall clock, no offset)
TimeStyle = Literal["offset", "short_offset", "utc_z", "local_z", "naive"]
TIME_STYLES: tuple[TimeStyle, ...] = ("offset", "short_offset", "utc_z", "local_z", "naive")

NAMESPACES: dict[str, tuple[str, str]] = {
    "hikvision": ("http://www.hikvision.com/ver20/XMLSchema", "2.0"),
    "isapi": ("http://www.isapi.org/ver20/XMLSchema", "2.0"),
    "std-cgi": ("http://www.std-cgi.com/ver10/XMLSchema", "1.0"),
}

DEFAULT_CAMERA_NAMES = ("PORTON NORTE", "PORTON SUR", "ROMANA", "PATIO 1", "PATIO 2", "SALIDA")


@dataclass(slots=True)
class CameraConfig:
    """Per-camera identity and behaviour; ``None`` fields are derived from the index.

    ``push_token``: ``None`` draws a random URL-safe token (``secrets.token_urlsafe``) when the
    camera is created; it is exposed as ``SimulatedCamera.push_token`` for registration.
    ``payload_format``: the alert document of pushes and alert streams (``parameterFormatType``).
    ``time_style``: how ``dateTime`` is written (see ``TimeStyle``).
    ``clock_offset_seconds``: the camera's clock error; reported times are shifted by it while
    the read's true ``occurred_at`` (and HikCentral's record) are not.
    """

    name: str | None = None
    username: str = "admin"
    password: str = "Sim-Passw0rd"
    serial: str | None = None
    mac: str | None = None
    index_code: str | None = None
    channel: int = 1
    namespace: Namespace = "hikvision"
    basic_only: bool = False
    push_token: str | None = None
    port: int = 0
    payload_format: PayloadFormat = "xml"
    time_style: TimeStyle = "offset"
    clock_offset_seconds: float = 0.0


@dataclass(slots=True)
class SiteConfig:
    """Knobs for :class:`~integrations.hikvision.simulator.site.SimulatedSite`."""

    host: str = "127.0.0.1"
    gateway_port: int = 0
    camera_base_port: int = 0  # 0: every camera binds an ephemeral port
    cameras: int = 2
    camera_configs: list[CameraConfig] = field(default_factory=list)
    app_key: str = "26269542"
    app_secret: str = "SimAppSecret0123456789"
    push_url: str | None = None  # template: {token}, {serial}, {index}, {index_code}
    push_enabled: bool = True
    push_timeout: float = 5.0
    seed: int | None = None
    fleet_plates: tuple[str, ...] = ()
    fleet_ratio: float = 0.6
    old_format_ratio: float = 0.35
    misread_rate: float = 0.05
    low_confidence_rate: float = 0.08
    unknown_rate: float = 0.01
    create_lag: tuple[float, float] = (2.0, 6.0)  # HCP createTime - crossTime, seconds
    heartbeat_interval: float = 10.0
    picture_bytes: int | None = None  # target detection JPEG size; None: small (~30-60 KB)
    image_data_uri_ratio: float = 0.5
    timezone: str = "America/Santiago"
    gateway_auth_status: int = 401  # HTTP status of signature failures (200 on some builds)
    record_style: RecordStyle = "camel"
    reject_fractional_seconds: bool = True
    recording_hours: float = 24.0
    segment_minutes: int = 10
    search_page_cap: int = 40
    search_local_z: bool = False  # emit device-local wall clock with a "Z" (firmware quirk)
    search_missing_endtime_every: int = 0  # every Nth match lacks endTime (0: never)
    snapshot_error: int | None = None  # inject a ResponseStatus statusCode on snapshots
    max_records: int = 100_000
    picture_cache: int = 256
    # Recorded/live video (see simulator.video): synthetic H.264 footage rendered on demand.
    video_width: int = 1280
    video_height: int = 720
    video_fps: int = 25
    video_gop_frames: int = 50  # a keyframe every 2 s at 25 fps
    video_chunk_seconds: int = 10  # rendering/caching unit: a whole number of GOPs
    video_preset: str = "ultrafast"  # libx264 preset: ultrafast .. fast
    video_cache_dir: str | None = None  # None: a temp dir per camera, removed at shutdown
    video_cache_bytes: int = 512 * 1024 * 1024  # per camera, least recently used out first
    video_render_concurrency: int = 1  # chunks one camera renders at once (worker threads)
    recorder_lag_seconds: float = 0.0  # footage reaches the recorder's disk this late

    def camera(self, index: int) -> CameraConfig:
        base = self.camera_configs[index] if index < len(self.camera_configs) else CameraConfig()
        port = base.port or (self.camera_base_port + index if self.camera_base_port else 0)
        return CameraConfig(
            name=base.name or DEFAULT_CAMERA_NAMES[index % len(DEFAULT_CAMERA_NAMES)],
            username=base.username,
            password=base.password,
            serial=base.serial or f"DS-2CD7A26G0-IZHS20250115AAWR{index + 1:07d}",
            mac=base.mac or f"44:a6:42:00:{(index >> 8) & 0xFF:02x}:{index & 0xFF:02x}",
            index_code=base.index_code or str(447 + index),
            channel=base.channel,
            namespace=base.namespace,
            basic_only=base.basic_only,
            push_token=base.push_token,
            port=port,
            payload_format=base.payload_format,
            time_style=base.time_style,
            clock_offset_seconds=base.clock_offset_seconds,
        )
