"""Evidence storage and the media route.

Before: files were named from (event UUID, kind) and written before the duplicate check, so
another camera re-pushing an event's UUID replaced the picture served for it; and the route
served every stored file as image/jpeg, without nosniff."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx

from domcctv.infra.media import MediaSigner, MediaStore

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"A" * 200 + b"\xff\xd9"
OTHER_JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"B" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<html><script>alert(document.cookie)</script></html>"


def _temporary_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".part")]


async def test_pictures_are_content_addressed(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)

    first = await store.save_picture(JPEG)
    again = await store.save_picture(JPEG)
    other = await store.save_picture(OTHER_JPEG)

    assert first == again  # the same bytes are one file
    assert other != first
    assert Path(first).stem == hashlib.sha256(JPEG).hexdigest()
    assert first.endswith(".jpg")
    assert (tmp_path / first).read_bytes() == JPEG
    assert (tmp_path / other).read_bytes() == OTHER_JPEG
    assert _temporary_files(tmp_path) == []  # no temporary file left behind


async def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    relative = store.relative_path(JPEG)
    target = tmp_path / relative
    target.parent.mkdir(parents=True)
    target.write_bytes(b"what was stored first")

    assert await store.save_picture(JPEG) == relative

    assert target.read_bytes() == b"what was stored first"


async def test_several_pictures_in_one_call_keep_their_order(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    paths = await store.save_pictures([PNG, JPEG, HTML])
    assert [Path(p).suffix for p in paths] == [".png", ".jpg", ".bin"]
    assert [(tmp_path / p).read_bytes() for p in paths] == [PNG, JPEG, HTML]


async def _get(app, url: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(url)


async def test_the_route_sends_the_real_type_and_nosniff(app, settings) -> None:
    store = MediaStore(settings.media_dir)
    signer = MediaSigner(settings.jwt_secret.get_secret_value())
    jpeg, png, html = await store.save_pictures([JPEG, PNG, HTML])

    served = {
        name: await _get(app, signer(path))
        for name, path in (("jpeg", jpeg), ("png", png), ("html", html))
    }

    assert served["jpeg"].headers["content-type"] == "image/jpeg"
    assert served["jpeg"].content == JPEG
    assert served["png"].headers["content-type"] == "image/png"
    assert served["html"].headers["content-type"] == "application/octet-stream"
    assert served["html"].headers["content-disposition"] == "attachment"
    for response in served.values():
        assert response.status_code == 200
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in response.headers["content-security-policy"]


async def test_a_legacy_jpg_name_holding_html_is_not_served_as_an_image(app, settings) -> None:
    # Files stored before content addressing were all named .jpg, whatever they held.
    legacy = settings.media_dir / "2025/01/15/abc-licensePlatePicture.jpg"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(HTML)
    signer = MediaSigner(settings.jwt_secret.get_secret_value())

    response = await _get(app, signer("2025/01/15/abc-licensePlatePicture.jpg"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_signed_url_checks_still_hold(app, settings) -> None:
    store = MediaStore(settings.media_dir)
    signer = MediaSigner(settings.jwt_secret.get_secret_value())
    path = await store.save_picture(JPEG)
    good = signer(path)

    tampered = await _get(app, good.replace("sig=", "sig=0"))
    other_path = await _get(app, good.replace(path, (await store.save_picture(PNG))))
    missing = await _get(app, signer("aa/bb/" + "0" * 64 + ".jpg"))
    escape = await _get(app, signer("../../etc/passwd"))

    assert tampered.status_code == 403
    assert other_path.status_code == 403
    assert missing.status_code == 404
    assert escape.status_code in (403, 404)
    assert tampered.headers["x-content-type-options"] == "nosniff"


def test_a_picture_keeps_one_url_within_the_expiry_step(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Expiry is rounded up to a whole step: the same URL for a minute (browser caches hit on
    refetched lists), valid at least the TTL and at most TTL + step from when it was made."""
    signer = MediaSigner("s" * 40, ttl_seconds=900)
    step = MediaSigner.EXPIRY_STEP_SECONDS
    now = 1_800_000_000.0 - 30  # 30 s before a step boundary
    monkeypatch.setattr("domcctv.infra.media.time.time", lambda: now)
    first = signer("ab/cd/x.jpg")
    now += 20
    assert signer("ab/cd/x.jpg") == first
    expires = int(first.split("exp=")[1].split("&")[0])
    assert expires % step == 0
    assert 900 <= expires - (now - 20) <= 900 + step
    assert signer.verify("ab/cd/x.jpg", str(expires), first.split("sig=")[1])
    now += step  # past the boundary: a new expiry, a new signature
    later = signer("ab/cd/x.jpg")
    assert later != first
    assert int(later.split("exp=")[1].split("&")[0]) == expires + step
