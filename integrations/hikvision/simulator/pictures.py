"""Pillow-drawn ANPR pictures: a scene with a plate-like rectangle, timestamp and camera name.

Fast enough to render on every simulated read: the noisy "scene" background is generated
once per size and reused, and the JPEG quality for a target size is calibrated once.  A
``target_bytes`` option makes pictures realistically heavy (real ones are 0.2-0.9 MB) for
load tests; small pictures keep the test suite fast.  Output always starts with ``FF D8``.
"""

from __future__ import annotations

import io
import random
import threading
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SMALL_SIZE = (640, 360)
LARGE_SIZE = (1280, 720)
PLATE_SIZE = (240, 80)
_COM_MAX = 65533  # payload bytes of one JPEG COM segment


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=4)
def _background(size: tuple[int, int], seed: int) -> Image.Image:
    """Road-ish gradient plus grain; cached because generating noise dominates render time."""
    rng = random.Random(seed)
    width, height = size
    gradient = Image.linear_gradient("L").resize(size).point(lambda v: 60 + v // 3)
    grain = Image.frombytes("L", size, rng.randbytes(width * height))
    if size == SMALL_SIZE:  # softer grain keeps default pictures around 30-60 KB
        grain = grain.filter(ImageFilter.BoxBlur(1))
    scene = Image.blend(gradient, grain, 0.35 if size == SMALL_SIZE else 0.6)
    return Image.merge("RGB", (scene, scene, scene.point(lambda v: min(255, v + 12))))


def _pad_to(jpeg: bytes, target: int, rng: random.Random) -> bytes:
    """Grow a JPEG to ~``target`` bytes with COM segments right after SOI (still valid)."""
    missing = target - len(jpeg)
    segments = []
    while missing > 4:
        chunk = min(_COM_MAX, missing - 4)
        segments.append(b"\xff\xfe" + (chunk + 2).to_bytes(2, "big") + rng.randbytes(chunk))
        missing -= chunk + 4
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


class PictureRenderer:
    """Renders the two pictures of an ANPR event; thread-safe, so it can run off-loop."""

    def __init__(self, *, target_bytes: int | None = None, seed: int = 7) -> None:
        self._target = target_bytes
        self._size = LARGE_SIZE if target_bytes and target_bytes > 150_000 else SMALL_SIZE
        self._seed = seed
        self._quality: int | None = None if target_bytes else 80
        self._lock = threading.Lock()

    def plate_picture(self, text: str) -> bytes:
        """The cropped licence-plate picture (``licensePlatePicture.jpg``)."""
        image = Image.new("RGB", PLATE_SIZE, (236, 236, 230))
        draw = ImageDraw.Draw(image)
        draw.rectangle((2, 2, PLATE_SIZE[0] - 3, PLATE_SIZE[1] - 3), outline=(20, 20, 20), width=3)
        draw.text(
            (PLATE_SIZE[0] // 2, PLATE_SIZE[1] // 2),
            text,
            fill=(15, 15, 15),
            font=_font(44),
            anchor="mm",
        )
        return _encode(image, 85)

    def detection_picture(self, text: str, when: datetime, camera: str) -> bytes:
        """The scene picture (``detectionPicture.jpg``), near ``target_bytes`` if configured."""
        image = _background(self._size, self._seed).copy()
        width, height = self._size
        draw = ImageDraw.Draw(image)
        box_w, box_h = width // 3, width // 10
        left, top = (width - box_w) // 2, int(height * 0.62)
        draw.rectangle(
            (left - 40, top - 90, left + box_w + 40, top + box_h + 30), fill=(170, 30, 30)
        )
        draw.rectangle(
            (left, top, left + box_w, top + box_h), fill=(240, 240, 232), outline=(0, 0, 0), width=4
        )
        draw.text(
            (left + box_w // 2, top + box_h // 2),
            text,
            fill=(10, 10, 10),
            font=_font(box_h * 2 // 3),
            anchor="mm",
        )
        stamp = f"{when.isoformat(timespec='milliseconds')}  {camera}"
        draw.rectangle((0, 0, width, 34), fill=(0, 0, 0))
        draw.text((10, 6), stamp, fill=(255, 255, 255), font=_font(22))
        return self._encode_to_target(image)

    def _encode_to_target(self, image: Image.Image) -> bytes:
        with self._lock:
            if self._quality is None:
                self._quality = self._calibrate(image)
            quality = self._quality
        data = _encode(image, quality)
        if self._target and len(data) < self._target * 0.97:
            data = _pad_to(data, self._target, random.Random(len(data)))
        return data

    def _calibrate(self, image: Image.Image) -> int:
        """Highest quality whose output stays under the target (binary search, once)."""
        assert self._target is not None
        low, high = 20, 95
        while low < high:
            mid = (low + high + 1) // 2
            if len(_encode(image, mid)) <= self._target:
                low = mid
            else:
                high = mid - 1
        return low


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()
