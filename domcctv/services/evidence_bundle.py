"""An event's evidence bundle: what goes into the ZIP, and writing it with its manifest.

The bundle leaves the system (to a court, an insurer, the police), so it must be checkable
without us: ``manifest.json`` lists every other member with its size and SHA-256, plus the
event summary, and a recipient re-hashes the members to see that nothing was changed. Hashes
are computed while each member is written, so a file is read once; an item that carries the
hash recorded when the evidence was captured (a clip's ``sha256``) is checked against it in the
same pass, and a mismatch fails the bundle (:class:`BundleIntegrityError`) rather than ship
altered evidence under a manifest that would vouch for it.

Two halves:

* ``documentation_json`` / ``audit_trail_json`` / ``event_summary`` read the database (async);
* ``write_bundle`` is blocking (``zipfile``), run in a worker thread. Members are streamed from
  their files in chunks (never loaded whole); media is STORED (already compressed), JSON is
  DEFLATED. Members larger than ZIP's 32-bit limits get ZIP64 headers. The archive is written
  under a temporary name and renamed into place, so a reader never sees half a ZIP.

The audit trail is the event's chain of custody: its own rows (views, documentation, status,
exports) and its clips' (views, downloads, retries). Network details (IP, user agent, session)
are left out: the recipient needs who and when, not our users' addresses. Rows written while
the event belonged to another company keep their action and time but not the user's identity
(that company's people are not this company's business).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domcctv.models import (
    AuditAction,
    AuditLog,
    BasicEventMetadata,
    Company,
    Event,
    PlateCorrection,
    ResourceType,
    User,
    VideoClip,
)
from domcctv.services.documentation import metadata_snapshot

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "domcctv-evidence-bundle/1"
CHUNK = 1 << 20
MAX_AUDIT_ROWS = 5000
CLIP_ACTIONS = (AuditAction.VIEW_VIDEO, AuditAction.DOWNLOAD_VIDEO, AuditAction.RETRY_VIDEO_CLIP)
_ZIP64_AT = 0x7FFF_FFFF  # zipfile's own ZIP64 threshold (ZIP64_LIMIT)
_STORED_KINDS = frozenset({"clip", "clip-overlay", "still", "picture"})


class BundleIntegrityError(Exception):
    """A member's bytes are not the ones recorded when the evidence was captured."""

    def __init__(self, name: str, expected: str, actual: str) -> None:
        super().__init__(f"{name}: SHA-256 {actual} differs from the recorded {expected}")
        self.name = name


@dataclass(frozen=True, slots=True)
class BundleItem:
    """One member: a local file (``source``) or small bytes (``data``), never both.

    ``details`` go into the member's manifest entry (camera, role, times...);
    ``expect_sha256`` is the hash the evidence had when it was captured (checked on write).
    """

    name: str
    kind: str
    source: Path | None = None
    data: bytes | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    expect_sha256: str | None = None

    def __post_init__(self) -> None:
        if (self.source is None) == (self.data is None):
            raise ValueError(f"{self.name}: give a source file or data, not both or neither")
        parts = self.name.split("/")
        if self.name == MANIFEST_NAME or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"not a bundle member name: {self.name!r}")


@dataclass(frozen=True, slots=True)
class BundleResult:
    """The written ZIP and its manifest entries (what a recipient can re-check)."""

    path: Path
    size_bytes: int
    sha256: str
    files: list[dict[str, Any]]


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    utc = moment.astimezone(UTC)
    return (max(utc.year, 1980), utc.month, utc.day, utc.hour, utc.minute, utc.second)


def _member(name: str, kind: str, moment: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_zip_time(moment))
    info.compress_type = zipfile.ZIP_STORED if kind in _STORED_KINDS else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_item(archive: zipfile.ZipFile, item: BundleItem, moment: datetime) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    info = _member(item.name, item.kind, moment)
    if item.data is not None:
        with archive.open(info, "w") as out:
            out.write(item.data)
        digest.update(item.data)
        size = len(item.data)
    else:
        assert item.source is not None
        big = item.source.stat().st_size >= _ZIP64_AT
        with item.source.open("rb") as src, archive.open(info, "w", force_zip64=big) as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    sha = digest.hexdigest()
    if item.expect_sha256 is not None and item.expect_sha256 != sha:
        raise BundleIntegrityError(item.name, item.expect_sha256, sha)
    return {"path": item.name, "kind": item.kind, "size": size, "sha256": sha, **item.details}


def write_bundle(
    items: Sequence[BundleItem], manifest: Mapping[str, Any], dst: Path, moment: datetime
) -> BundleResult:
    """Write ``items`` and ``manifest.json`` (``manifest`` plus ``files``) to the ZIP ``dst``.

    Blocking: run it in a worker thread. Raises :class:`BundleIntegrityError`, ``OSError``,
    or ``ValueError`` for two members with one name; nothing is left at ``dst`` on failure.
    """
    names = [item.name for item in items]
    if len(set(names)) != len(names):
        raise ValueError("two bundle members have the same name")
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(6)}.part")
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as archive:
            files = [_write_item(archive, item, moment) for item in items]
            body = {**manifest, "files": files}
            text = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
            archive.writestr(_member(MANIFEST_NAME, "manifest", moment), text.encode())
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    digest = hashlib.sha256()
    size = 0
    with dst.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return BundleResult(path=dst, size_bytes=size, sha256=digest.hexdigest(), files=files)


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n").encode()


# --------------------------------------------------------------------------- database side


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def event_summary(event: Event) -> dict[str, Any]:
    """The event as the manifest states it (what the bundle is evidence of)."""
    company = await Company.get_or_none(id=event.company_id) if event.company_id else None
    return {
        "id": event.id,
        "plate": event.plate,
        "plateRaw": event.plate_raw,
        "eventTime": _iso(event.event_time),
        "cameraCode": event.camera_code,
        "confidence": event.confidence,
        "status": event.status.value,
        "company": {"id": company.id, "name": company.name} if company else None,
        "legalHold": event.legal_hold,
        "timeIssue": event.time_issue,
    }


async def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await User.filter(id__in=sorted(ids)).only("id", "first_name", "last_name")
    return {u.id: u.full_name for u in rows}


async def documentation_json(event: Event) -> dict[str, Any]:
    """The event's documentation: dispatch metadata, plate corrections and camera reads."""
    meta = await BasicEventMetadata.get_or_none(event_id=event.id)
    corrections = await PlateCorrection.filter(event_id=event.id).order_by("created_at", "id")
    people: set[int] = {c.corrected_by_id for c in corrections if c.corrected_by_id}
    if meta is not None:
        people.add(meta.created_by_id)
        if meta.last_modified_by_id:
            people.add(meta.last_modified_by_id)
    names = await _names(people)

    def who(user_id: int | None) -> dict[str, Any] | None:
        return None if user_id is None else {"id": user_id, "name": names.get(user_id)}

    documentation = None
    if meta is not None:
        documentation = {
            **metadata_snapshot(meta),
            "readyForDetailedProcessing": meta.ready_for_detailed_processing,
            "createdAt": _iso(meta.created_at),
            "updatedAt": _iso(meta.updated_at),
            "createdBy": who(meta.created_by_id),
            "lastModifiedBy": who(meta.last_modified_by_id),
        }
    return {
        "event": await event_summary(event),
        "metadata": documentation,
        "plateCorrections": [
            {
                "from": c.from_plate,
                "to": c.to_plate,
                "reason": c.reason,
                "at": _iso(c.created_at),
                "by": who(c.corrected_by_id),
            }
            for c in corrections
        ],
        "primaryCamera": event.primary_camera,
        "secondaryCamera": event.secondary_camera,
        "documentaryVideos": event.documentary_videos,
    }


async def audit_trail_json(event: Event, clips: Sequence[VideoClip]) -> list[dict[str, Any]]:
    """The event's chain of custody, oldest first (see the module docstring)."""
    rows = list(
        await AuditLog.filter(resource_type=ResourceType.EVENT, resource_id=str(event.id))
        .order_by("timestamp", "id")
        .limit(MAX_AUDIT_ROWS)
    )
    if clips:
        clip_rows = await (
            AuditLog.filter(
                resource_type=ResourceType.VIDEO,
                resource_id__in=[str(c.id) for c in clips],
                action__in=list(CLIP_ACTIONS),
            )
            .order_by("timestamp", "id")
            .limit(MAX_AUDIT_ROWS)
        )
        # Export downloads are VIDEO rows too (their ids are export ids): not this clip's.
        rows += [r for r in clip_rows if not _is_export_row(r)]
    rows.sort(key=lambda r: (r.timestamp, r.id))
    rows = rows[:MAX_AUDIT_ROWS]
    names = await _names({r.user_id for r in rows if r.user_id is not None})
    trail: list[dict[str, Any]] = []
    for row in rows:
        foreign = row.company_id is not None and row.company_id != event.company_id
        trail.append(
            {
                "id": row.id,
                "at": _iso(row.timestamp),
                "action": row.action.value,
                "resourceType": row.resource_type.value,
                "resourceId": row.resource_id,
                "user": None
                if foreign or row.user_id is None
                else {"id": row.user_id, "name": names.get(row.user_id)},
                "otherCompany": foreign,
                "before": None if foreign else row.before_state,
                "after": None if foreign else row.after_state,
            }
        )
    return trail


def _is_export_row(row: AuditLog) -> bool:
    after = row.after_state
    return isinstance(after, dict) and "exportId" in after
