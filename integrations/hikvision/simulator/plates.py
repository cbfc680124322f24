"""Realistic Chilean plate reads, including the OCR failures a server must cope with.

Reads are drawn from the real formats (old ``AA1234``, current ``BBBB12``), optionally from a
fixed fleet so the same trucks recur (a server's plate registry should then link them), and
degraded the way ANPR engines degrade: a character swapped inside a confusion group, low
confidence, or no plate at all (``unknown`` with confidence 0).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from domcctv.domain.plates import CURRENT_LETTERS, canonical

OLD_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"  # no I, Ñ, Q
CONFUSION_GROUPS = ("0OD", "1I", "2Z", "5S", "8B", "6G")
UNKNOWN = "unknown"
LOW_CONFIDENCE = 85


@dataclass(frozen=True, slots=True)
class PlateRead:
    """What the camera reports (``text``) next to the truth the simulator knows."""

    true_plate: str | None
    text: str
    confidence: float
    char_confidences: tuple[int, ...]
    misread: bool

    @property
    def is_unknown(self) -> bool:
        return self.text == UNKNOWN


def old_plate(rng: random.Random) -> str:
    return "".join(rng.choice(OLD_LETTERS) for _ in range(2)) + str(rng.randint(1000, 9999))


def current_plate(rng: random.Random) -> str:
    return "".join(rng.choice(CURRENT_LETTERS) for _ in range(4)) + str(rng.randint(10, 99))


def misread(plate: str, rng: random.Random) -> tuple[str, int] | None:
    """Swap one character for another member of its confusion group; ``None`` if impossible."""
    positions = [i for i, ch in enumerate(plate) if any(ch in g for g in CONFUSION_GROUPS)]
    if not positions:
        return None
    pos = rng.choice(positions)
    group = next(g for g in CONFUSION_GROUPS if plate[pos] in g)
    replacement = rng.choice([c for c in group if c != plate[pos]])
    return plate[:pos] + replacement + plate[pos + 1 :], pos


class PlateGenerator:
    """Seedable source of :class:`PlateRead`."""

    def __init__(
        self,
        rng: random.Random,
        *,
        fleet: tuple[str, ...] = (),
        fleet_ratio: float = 0.6,
        old_format_ratio: float = 0.35,
        misread_rate: float = 0.05,
        low_confidence_rate: float = 0.08,
        unknown_rate: float = 0.01,
    ) -> None:
        self._rng = rng
        self._fleet = tuple(canonical(p) for p in fleet)
        self._fleet_ratio = fleet_ratio
        self._old_ratio = old_format_ratio
        self._misread_rate = misread_rate
        self._low_rate = low_confidence_rate
        self._unknown_rate = unknown_rate

    def random_plate(self) -> str:
        if self._fleet and self._rng.random() < self._fleet_ratio:
            return self._rng.choice(self._fleet)
        if self._rng.random() < self._old_ratio:
            return old_plate(self._rng)
        return current_plate(self._rng)

    def _char_confidences(self, plate: str, overall: float, weak: int | None) -> tuple[int, ...]:
        values = []
        for i in range(len(plate)):
            low = 45 if i == weak else max(50, int(overall) - 6)
            high = 75 if i == weak else min(99, int(overall) + 3)
            values.append(self._rng.randint(low, max(low, high)))
        return tuple(values)

    def next_read(
        self,
        plate: str | None = None,
        *,
        confidence: float | None = None,
        force_misread: bool = False,
        force_unknown: bool = False,
    ) -> PlateRead:
        """One read; explicit arguments override the random choices (for tests)."""
        rng = self._rng
        if force_unknown or (plate is None and rng.random() < self._unknown_rate):
            return PlateRead(None, UNKNOWN, 0.0, (), misread=False)
        truth = canonical(plate) if plate else self.random_plate()
        text, weak = truth, None
        if force_misread or (plate is None and rng.random() < self._misread_rate):
            swapped = misread(truth, rng)
            if swapped is not None:
                text, weak = swapped
        if confidence is None:
            low = weak is not None or rng.random() < self._low_rate
            confidence = float(rng.randint(60, LOW_CONFIDENCE - 1) if low else rng.randint(88, 99))
        chars = self._char_confidences(text, confidence, weak)
        return PlateRead(truth, text, confidence, chars, misread=text != truth)
