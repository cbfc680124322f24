"""Serves evidence pictures behind signed, expiring URLs (see domcctv.infra.media)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from domcctv.infra.media import MediaSigner, MediaStore


def media_endpoint(store: MediaStore, signer: MediaSigner):  # type: ignore[no-untyped-def]
    async def media(request: Request) -> Response:
        path = request.path_params["path"]
        if not signer.verify(
            path, request.query_params.get("exp", ""), request.query_params.get("sig", "")
        ):
            return JSONResponse(
                {"error": {"code": "FORBIDDEN", "message": "Invalid or expired link"}},
                status_code=403,
            )
        target = store.resolve(path)
        if target is None or not target.is_file():
            return JSONResponse(
                {"error": {"code": "NOT_FOUND", "message": "No such file"}}, status_code=404
            )
        return FileResponse(
            target, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=600"}
        )

    return media
