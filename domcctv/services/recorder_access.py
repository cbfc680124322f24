"""How to reach a camera's recorder, from its registration (the one place credentials are
decrypted for video)."""

from __future__ import annotations

from collections.abc import Callable

from domcctv.domain.recordings import RecorderAccess
from domcctv.models import Camera


def recorder_access(camera: Camera, decrypt: Callable[[str], str | None]) -> RecorderAccess:
    """The camera's recorder endpoints. ``details.recordings`` may say "rtsp" (playback by
    time) or "hikcentral" (platform playback URLs); the default is the ISAPI download of a
    camera reached directly, else HikCentral."""
    details = camera.details if isinstance(camera.details, dict) else {}
    password = decrypt(camera.password_encrypted) if camera.password_encrypted else None
    direct = bool(camera.isapi_url and camera.username and password)
    prefer = str(details.get("recordings") or ("isapi" if direct else "hikcentral"))
    rtsp_port = details.get("rtsp_port")
    site = getattr(camera, "site", None)
    timezone = camera.timezone or (site.timezone if site is not None else "America/Santiago")
    return RecorderAccess(
        camera_code=camera.code,
        isapi_url=camera.isapi_url,
        username=camera.username,
        password=password,
        channel=camera.channel,
        hikcentral_index_code=camera.hikcentral_index_code,
        rtsp_port=int(rtsp_port) if isinstance(rtsp_port, int) else None,
        z_is_local_time=camera.z_is_local_time,
        timezone=timezone,
        prefer=prefer if prefer in ("isapi", "rtsp", "hikcentral") else "isapi",
    )
