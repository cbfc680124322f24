"""Picture URLs are signed only when a query selects them: a listing of plates and times does
no HMAC work, and a selected URL is still a valid signed one."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from gqlkit import gid, payload, signed_in

from domcctv.domain.access import Role
from domcctv.graphql_view import DomcctvGraphQL
from domcctv.infra.media import MediaSigner

from factories import make_event
from graphql_client import gql

PICTURES = [
    {"kind": "licensePlate", "path": "ab/cd/plate.jpg"},
    {"kind": "detection", "path": "ab/cd/detection.jpg"},
    {"kind": "vehicle", "path": "ab/cd/vehicle.jpg"},
]


class CountingSigner:
    def __init__(self, signer: MediaSigner) -> None:
        self.signer = signer
        self.calls = 0

    def __call__(self, path: str) -> str:
        self.calls += 1
        return self.signer(path)


@pytest.fixture
def signer(app: Any) -> CountingSigner:
    for route in app.routes:
        endpoint = getattr(route, "endpoint", None)
        if isinstance(endpoint, DomcctvGraphQL):
            counting = CountingSigner(endpoint.services.media_signer)
            endpoint.services.media_signer = counting
            return counting
    raise AssertionError("no GraphQL endpoint")


async def seed(n: int) -> list[int]:
    ids = []
    for i in range(n):
        camera = {
            "code": "CAM-1",
            "name": "PORTON",
            "plateReading": "HJKL42",
            "confidence": 95.0,
            "source": "push",
            "pictures": PICTURES,
        }
        event = await make_event(
            plate=f"HJKL{10 + i}",
            primary_camera=camera,
            secondary_camera={**camera, "code": "CAM-2", "pictures": PICTURES[:1]},
            thumbnail_path=PICTURES[0]["path"],
        )
        ids.append(event.id)
    return ids


def search(selection: str) -> str:
    return f"{{ events(first: 50) {{ edges {{ node {{ {selection} }} }} }} }}"


async def nodes(api, token: str, selection: str) -> list[dict[str, Any]]:
    page = payload(await gql(api, search(selection), token=token), "events")
    return [edge["node"] for edge in page["edges"]]


@pytest.mark.parametrize(
    "selection",
    [
        "plate eventTime status",
        # the dashboard's list row: the camera's name, but no picture
        "plate primaryCamera { cameraName confidence } secondaryCamera { cameraCode }",
        "primaryCamera { pictures { kind } }",
        "documentaryVideos { filename }",
    ],
)
async def test_a_search_that_selects_no_picture_url_signs_nothing(
    api, settings, signer, selection: str
) -> None:
    await seed(5)
    _, token = await signed_in(Role.OPERATOR, settings)

    assert len(await nodes(api, token, selection)) == 5

    assert signer.calls == 0


async def test_selected_urls_are_signed_once_each_and_valid(api, settings, signer) -> None:
    await seed(5)
    _, token = await signed_in(Role.OPERATOR, settings)

    rows = await nodes(
        api,
        token,
        "thumbnailUrl primaryCamera { pictures { kind url } } secondaryCamera { pictures { url } }",
    )

    assert len(rows) == 5
    assert signer.calls == 5 * (1 + 3 + 1)
    urls = [row["thumbnailUrl"] for row in rows]
    for row in rows:
        assert [p["kind"] for p in row["primaryCamera"]["pictures"]] == [
            p["kind"] for p in PICTURES
        ]
        urls += [p["url"] for p in row["primaryCamera"]["pictures"]]
        urls += [p["url"] for p in row["secondaryCamera"]["pictures"]]
    for url in urls:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        path = unquote(parts.path.removeprefix("/media/"))
        assert signer.signer.verify(path, query["exp"][0], query["sig"][0]), url


async def test_the_event_detail_signs_only_what_it_selects(api, settings, signer) -> None:
    (event_id,) = await seed(1)
    _, token = await signed_in(Role.OPERATOR, settings)
    query = "query($id: ID!) { event(id: $id) { plate primaryCamera { cameraName } } }"

    body = await gql(api, query, {"id": gid("Event", event_id)}, token)
    assert payload(body, "event")["primaryCamera"]["cameraName"] == "PORTON"
    assert signer.calls == 0

    query = "query($id: ID!) { event(id: $id) { thumbnailUrl } }"
    body = await gql(api, query, {"id": gid("Event", event_id)}, token)
    assert payload(body, "event")["thumbnailUrl"].startswith("/media/ab/cd/plate.jpg?")
    assert signer.calls == 1
