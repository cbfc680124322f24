"""Pillow-drawn frames of a truck yard, as an ANPR camera over a gate sees it.

A frame is the static yard (drawn once per size), the trucks passing at that instant (one
sprite per read, drawn once and then only scaled along its approach) and the burned-in OSD:
camera-local date/time top left and the channel name bottom right, white with a dark
outline like Hikvision's.  With no truck in view the picture only changes once a second (the
clock), so the renderer hands back the same frame object for the whole second: converting
and encoding an unchanged picture is what keeps a 10 s chunk cheap to produce.

The plate is drawn in the same style as ``simulator.pictures`` (light plate, dark border,
dark text) and at capture time is about a sixth of the frame wide, readable by eye.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache

import av
from PIL import Image, ImageDraw, ImageFilter, ImageFont

APPROACH_SECONDS = 3.0  # a truck is in view this long before its read ...
LEAVE_SECONDS = 1.5  # ... and this long after it
_SCALE_FAR, _SCALE_CAPTURE, _SCALE_NEAR = 0.3, 1.0, 1.45
_SPRITE_WIDTH = 0.42  # sprite width at capture scale, as a fraction of the frame width
_SPRITE_CACHE = 32
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
COLORS: dict[str, tuple[int, int, int]] = {
    "white": (228, 228, 222),
    "silver": (180, 182, 186),
    "gray": (120, 122, 126),
    "black": (35, 35, 38),
    "red": (170, 30, 30),
    "blue": (30, 60, 150),
    "yellow": (215, 175, 30),
}


@dataclass(frozen=True, slots=True)
class TruckPass:
    """What the footage needs of a read: when, which plate, what the truck looks like."""

    occurred_at: datetime
    plate_text: str
    color: str
    direction: str
    read_id: str

    @property
    def first_visible(self) -> datetime:
        return self.occurred_at - timedelta(seconds=APPROACH_SECONDS)

    @property
    def last_visible(self) -> datetime:
        return self.occurred_at + timedelta(seconds=LEAVE_SECONDS)


@dataclass(frozen=True, slots=True)
class Osd:
    """The burned-in overlay: camera clock (zone + error) and channel name."""

    tz: tzinfo
    clock_offset_seconds: float
    camera_name: str

    def clock(self, when: datetime) -> datetime:
        return when.astimezone(self.tz) + timedelta(seconds=self.clock_offset_seconds)

    def clock_text(self, when: datetime) -> str:
        local = self.clock(when)
        return f"{local:%Y-%m-%d} {_WEEKDAYS[local.weekday()]} {local:%H:%M:%S}"


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(6, size))


@lru_cache(maxsize=4)
def _yard(size: tuple[int, int], seed: int) -> Image.Image:
    """Sky, a warehouse, a fence, the asphalt lane with markings, and a little grain."""
    width, height = size
    horizon = int(height * 0.38)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(horizon):  # sky, lighter towards the horizon
        shade = 150 + 60 * y // max(1, horizon)
        draw.line((0, y, width, y), fill=(shade - 40, shade - 20, shade + 10))
    draw.rectangle((0, horizon, width, height), fill=(82, 82, 80))
    # warehouse on the left, office block on the right
    draw.rectangle(
        (int(width * 0.02), int(height * 0.14), int(width * 0.34), horizon), fill=(150, 140, 120)
    )
    for i in range(5):
        x = int(width * (0.04 + i * 0.06))
        draw.rectangle((x, int(height * 0.22), x + int(width * 0.04), horizon), fill=(95, 90, 80))
    draw.rectangle(
        (int(width * 0.72), int(height * 0.2), int(width * 0.97), horizon), fill=(175, 178, 180)
    )
    for row in range(3):
        for col in range(5):
            x0 = int(width * (0.74 + col * 0.045))
            y0 = int(height * (0.23 + row * 0.045))
            draw.rectangle(
                (x0, y0, x0 + int(width * 0.03), y0 + int(height * 0.025)), fill=(70, 90, 110)
            )
    # fence along the horizon
    post = max(2, width // 160)
    for x in range(0, width, max(8, width // 40)):
        draw.rectangle((x, horizon - int(height * 0.05), x + post // 2, horizon), fill=(60, 62, 64))
    draw.line(
        (0, horizon - int(height * 0.045), width, horizon - int(height * 0.045)),
        fill=(60, 62, 64),
        width=post // 2 or 1,
    )
    # the lane: edges converge to a vanishing point above the horizon
    vx = width // 2
    for edge in (0.08, 0.92):
        draw.line(
            (int(width * edge), height, vx + int((edge - 0.5) * width * 0.1), horizon),
            fill=(215, 215, 205),
            width=max(1, width // 200),
        )
    for k in range(6):  # dashed centre line, dashes shrinking with distance
        t0, t1 = 0.1 + k * 0.15, 0.17 + k * 0.15
        y0 = int(height - (height - horizon) * t0)
        y1 = int(height - (height - horizon) * t1)
        draw.line((vx, y0, vx, y1), fill=(225, 200, 60), width=max(1, int(width / 160 * (1 - t0))))
    rng = random.Random(seed)
    grain = Image.frombytes("L", size, rng.randbytes(width * height)).filter(ImageFilter.BoxBlur(1))
    return Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.12)


def _sprite(plate_text: str, color: str, width: int) -> Image.Image:
    """Front view of a truck cab with its plate, RGBA, ``width`` pixels wide."""
    height = int(width * 0.95)
    body = COLORS.get(color, COLORS["white"])
    sprite = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(sprite)
    u = width / 100.0

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (int(x0 * u), int(y0 * u), int(x1 * u), int(y1 * u))

    draw.rectangle(box(2, 74, 20, 95), fill=(20, 20, 20, 255))  # wheels
    draw.rectangle(box(80, 74, 98, 95), fill=(20, 20, 20, 255))
    draw.rounded_rectangle(box(0, 4, 100, 82), radius=int(5 * u), fill=(*body, 255))
    draw.rectangle(box(8, 10, 92, 36), fill=(45, 60, 75, 255))  # windshield
    draw.line(
        (int(50 * u), int(10 * u), int(50 * u), int(36 * u)),
        fill=(*body, 255),
        width=max(1, int(u)),
    )
    for y in range(42, 58, 4):  # grille
        draw.rectangle(box(30, y, 70, y + 2), fill=(40, 40, 40, 255))
    draw.rectangle(box(6, 42, 22, 50), fill=(250, 245, 200, 255))  # headlights
    draw.rectangle(box(78, 42, 94, 50), fill=(250, 245, 200, 255))
    draw.rectangle(box(0, 62, 100, 74), fill=(60, 60, 60, 255))  # bumper
    plate = box(30, 60, 70, 73)
    draw.rectangle(
        plate, fill=(240, 240, 232, 255), outline=(0, 0, 0, 255), width=max(1, int(0.8 * u))
    )
    center = ((plate[0] + plate[2]) // 2, (plate[1] + plate[3]) // 2)
    draw.text(center, plate_text, fill=(10, 10, 10, 255), font=_font(int(10 * u)), anchor="mm")
    return sprite


def _placement(progress: float, reverse: bool) -> tuple[float, float]:
    """(scale, lane position 0..1) along the pass; ``progress`` 0..1, capture at ~0.67."""
    capture = APPROACH_SECONDS / (APPROACH_SECONDS + LEAVE_SECONDS)
    p = 1.0 - progress if reverse else progress
    if p <= capture:
        scale = _SCALE_FAR + (_SCALE_CAPTURE - _SCALE_FAR) * (p / capture) ** 1.5
    else:
        scale = _SCALE_CAPTURE + (_SCALE_NEAR - _SCALE_CAPTURE) * (p - capture) / (1 - capture)
    return scale, p


class YardRenderer:
    """Draws frames for one camera; thread-safe (sprites are cached under a lock)."""

    def __init__(self, width: int, height: int, *, seed: int = 11) -> None:
        self.size = (width, height)
        self._seed = seed
        self._sprites: OrderedDict[tuple[str, str], Image.Image] = OrderedDict()
        self._lock = threading.Lock()

    def _sprite_for(self, truck: TruckPass) -> Image.Image:
        key = (truck.plate_text, truck.color)
        with self._lock:
            cached = self._sprites.get(key)
            if cached is not None:
                self._sprites.move_to_end(key)
                return cached
        width = int(self.size[0] * _SPRITE_WIDTH * _SCALE_NEAR)
        sprite = _sprite(truck.plate_text, truck.color, width)
        with self._lock:
            self._sprites[key] = sprite
            while len(self._sprites) > _SPRITE_CACHE:
                self._sprites.popitem(last=False)
        return sprite

    def _draw_truck(self, image: Image.Image, truck: TruckPass, when: datetime) -> None:
        span = (truck.last_visible - truck.first_visible).total_seconds()
        progress = (when - truck.first_visible).total_seconds() / span
        scale, along = _placement(min(1.0, max(0.0, progress)), truck.direction == "reverse")
        sprite = self._sprite_for(truck)
        width = max(4, int(self.size[0] * _SPRITE_WIDTH * scale))
        height = max(4, int(sprite.height * width / sprite.width))
        scaled = sprite.resize((width, height), Image.Resampling.BILINEAR)
        frame_w, frame_h = self.size
        horizon = frame_h * 0.38
        bottom = horizon + (frame_h * 1.05 - horizon) * min(1.0, along * 1.1)
        left = int(frame_w / 2 - width / 2 + (along - 0.5) * frame_w * 0.06)
        image.paste(scaled, (left, int(bottom - height)), scaled)

    def _draw_osd(self, image: Image.Image, when: datetime, osd: Osd) -> None:
        draw = ImageDraw.Draw(image)
        width, height = self.size
        size = max(8, height // 24)
        stroke = max(1, size // 12)
        margin = max(4, height // 40)
        font = _font(size)
        draw.text(
            (margin, margin),
            osd.clock_text(when),
            fill=(255, 255, 255),
            font=font,
            stroke_width=stroke,
            stroke_fill=(0, 0, 0),
        )
        draw.text(
            (width - margin, height - margin),
            osd.camera_name,
            fill=(255, 255, 255),
            font=font,
            anchor="rd",
            stroke_width=stroke,
            stroke_fill=(0, 0, 0),
        )

    def picture(self, when: datetime, trucks: Sequence[TruckPass], osd: Osd) -> Image.Image:
        """The frame at ``when`` with the trucks in view then (farthest drawn first)."""
        image = _yard(self.size, self._seed).copy()
        visible = [t for t in trucks if t.first_visible <= when <= t.last_visible]
        for truck in sorted(
            visible, key=lambda t: abs((t.occurred_at - when).total_seconds()), reverse=True
        ):
            self._draw_truck(image, truck, when)
        self._draw_osd(image, when, osd)
        return image

    def frames(
        self, start: datetime, count: int, fps: int, trucks: Sequence[TruckPass], osd: Osd
    ) -> Iterator[av.VideoFrame]:
        """``count`` frames from ``start``; unchanged pictures are yielded as the same frame."""
        previous: tuple[str, av.VideoFrame] | None = None
        for index in range(count):
            when = start + timedelta(microseconds=round(index * 1_000_000 / fps))
            busy = any(t.first_visible <= when <= t.last_visible for t in trucks)
            stamp = osd.clock_text(when)
            if previous is not None and not busy and previous[0] == stamp:
                yield previous[1]
                continue
            picture = self.picture(when, trucks, osd)
            rgb = av.VideoFrame.from_image(picture)  # type: ignore[no-untyped-call]  # PyAV 18
            frame = rgb.reformat(format="yuv420p")
            previous = None if busy else (stamp, frame)
            yield frame
