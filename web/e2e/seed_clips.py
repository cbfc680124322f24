"""Give the newest HJKL42 event two READY clips for the browser test, the way the capture
stores them (``services.clip_capture.store_clip_files``), from H.264 made here with
PyAV: the browser test needs playable evidence without a recorder, whose capture is tested in
tests/clips. Prints the event id.

Usage: python seed_clips.py DATABASE_URL VIDEO_DIR
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import tempfile
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw
from tortoise import Tortoise

from domcctv.db import open_database
from domcctv.infra.storage.local import LocalBlobStore
from domcctv.infra.video.probe import probe
from domcctv.infra.video.runner import VideoWorkers
from domcctv.models import CameraRole, ClipStatus, Event, VideoClip
from domcctv.services.clip_capture import store_clip_files

FPS = 25
SECONDS = 8
WIDTH, HEIGHT = 640, 360


def write_clip(path: Path, colour: tuple[int, int, int]) -> None:
    """A truck-sized box crossing the frame, a keyframe every second."""
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.options = {"g": str(FPS), "bf": "0", "preset": "ultrafast"}
        stream.codec_context.time_base = Fraction(1, FPS)
        for index in range(SECONDS * FPS):
            image = Image.new("RGB", (WIDTH, HEIGHT), (40, 44, 52))
            draw = ImageDraw.Draw(image)
            x = index * (WIDTH + 200) // (SECONDS * FPS) - 200
            draw.rectangle((x, 140, x + 200, 260), fill=colour)
            draw.text((10, 10), f"E2E {index // FPS:02d}s", fill=(255, 255, 255))
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


async def main(database_url: str, video_dir: Path) -> None:
    await open_database(database_url)
    event = await Event.filter(plate="HJKL42").order_by("-event_time").first()
    assert event is not None, "the demo seed has HJKL42 events"
    store = LocalBlobStore(video_dir)
    workers = VideoWorkers(2)
    with tempfile.TemporaryDirectory() as tmp:
        for offset, (role, camera, colour) in enumerate(
            [
                (CameraRole.PRIMARY, event.camera_code, (220, 180, 40)),
                (CameraRole.SECONDARY, f"{event.camera_code}-B", (60, 160, 220)),
            ]
        ):
            media = Path(tmp) / f"{role.value}.mp4"
            write_clip(media, colour)
            start = event.event_time - timedelta(seconds=4 - offset)
            clip = await VideoClip.create(
                event_id=event.id,
                camera_code=camera,
                role=role,
                anchor_time=event.event_time,
                next_attempt_at=event.event_time,
            )
            plate_at = float(4 - offset)
            files = await store_clip_files(
                store, workers, clip, media, plate_at, Path(tmp) / f"hls-{clip.id}"
            )
            info = probe(media)
            data = media.read_bytes()
            await VideoClip.filter(id=clip.id).update(
                status=ClipStatus.READY,
                storage_key=files.storage_key,
                hls_prefix=files.hls_prefix,
                still_key=files.still_key,
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                duration_seconds=info.duration_seconds,
                plate_offset_seconds=plate_at,
                width=info.width,
                height=info.height,
                codec=info.codec,
                fps=info.fps,
                start_time=start,
                end_time=start + timedelta(seconds=info.duration_seconds),
                ready_at=event.event_time,
                source="E2E",
            )
    sys.stdout.write(f"{event.id}\n")
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
