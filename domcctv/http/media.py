"""Serves evidence pictures behind signed, expiring URLs (see domcctv.infra.media).

The content type comes from the file's own bytes (a stored file is never trusted to be what
its name says: older files were all named ``.jpg``), and ``nosniff`` stops a browser from
guessing anything else, so a stored file can never be rendered as HTML or script.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from domcctv.infra.media import OCTET_STREAM, SNIFF_BYTES, MediaSigner, MediaStore, sniff_media_type

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=600",
}


def _head(target: Path) -> bytes | None:
    try:
        with target.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def media_endpoint(
    store: MediaStore, signer: MediaSigner
) -> Callable[[Request], Awaitable[Response]]:
    async def media(request: Request) -> Response:
        path = request.path_params["path"]
        if not signer.verify(
            path, request.query_params.get("exp", ""), request.query_params.get("sig", "")
        ):
            return JSONResponse(
                {"error": {"code": "FORBIDDEN", "message": "Invalid or expired link"}},
                status_code=403,
                headers={"X-Content-Type-Options": "nosniff"},
            )
        target = store.resolve(path)
        head = await anyio.to_thread.run_sync(_head, target) if target is not None else None
        if target is None or head is None:
            return JSONResponse(
                {"error": {"code": "NOT_FOUND", "message": "No such file"}},
                status_code=404,
                headers={"X-Content-Type-Options": "nosniff"},
            )
        media_type = sniff_media_type(head)[0]
        headers = dict(SECURITY_HEADERS)
        if media_type == OCTET_STREAM:
            headers["Content-Disposition"] = "attachment"
        return FileResponse(target, media_type=media_type, headers=headers)

    return media
