"""Simulated Chilean plate reads: formats, misreads, unknowns, fleet recurrence, determinism."""

from __future__ import annotations

import random

from domcctv.domain.plates import PlateFormat, detect_format, skeleton
from integrations.hikvision.simulator.plates import (
    CONFUSION_GROUPS,
    LOW_CONFIDENCE,
    PlateGenerator,
    current_plate,
    misread,
    old_plate,
)


def test_formats_are_valid_chilean_plates() -> None:
    rng = random.Random(1)
    for _ in range(500):
        old, new = old_plate(rng), current_plate(rng)
        assert detect_format(old) is PlateFormat.OLD
        assert not set(old[:2]) & {"I", "Ñ", "Q"}
        assert detect_format(new) is PlateFormat.CURRENT


def test_misread_swaps_within_one_confusion_group() -> None:
    rng = random.Random(2)
    for _ in range(200):
        plate = current_plate(rng)
        swapped = misread(plate, rng)
        if swapped is None:
            continue
        text, pos = swapped
        diffs = [i for i, (a, b) in enumerate(zip(plate, text, strict=True)) if a != b]
        assert diffs == [pos]
        assert any(plate[pos] in g and text[pos] in g for g in CONFUSION_GROUPS)
        assert skeleton(text) == skeleton(plate)  # the server's skeleton key still matches


def test_forced_reads() -> None:
    gen = PlateGenerator(random.Random(3))
    unknown = gen.next_read(force_unknown=True)
    assert (unknown.text, unknown.confidence, unknown.char_confidences) == ("unknown", 0.0, ())
    bad = gen.next_read("BBBB22", force_misread=True)
    assert bad.misread
    assert bad.text != "BBBB22"
    assert bad.true_plate == "BBBB22"
    assert bad.confidence < LOW_CONFIDENCE
    assert len(bad.char_confidences) == 6
    fixed = gen.next_read("hj-kl-42", confidence=93)
    assert (fixed.text, fixed.confidence) == ("HJKL42", 93)


def test_rates_produce_low_confidence_misreads_and_unknowns() -> None:
    gen = PlateGenerator(
        random.Random(4), misread_rate=0.2, low_confidence_rate=0.2, unknown_rate=0.05
    )
    reads = [gen.next_read() for _ in range(1000)]
    assert any(r.misread for r in reads)
    assert any(r.is_unknown for r in reads)
    assert any(0 < r.confidence < LOW_CONFIDENCE for r in reads)
    assert sum(r.confidence >= LOW_CONFIDENCE for r in reads) > 500


def test_fleet_plates_recur() -> None:
    fleet = ("HJKL42", "FK1234", "BCDF10")
    gen = PlateGenerator(
        random.Random(5), fleet=fleet, fleet_ratio=0.9, unknown_rate=0, misread_rate=0
    )
    texts = [gen.next_read().text for _ in range(300)]
    assert all(texts.count(p) > 30 for p in fleet)


def test_seed_makes_reads_deterministic() -> None:
    first, second = PlateGenerator(random.Random(9)), PlateGenerator(random.Random(9))
    assert [first.next_read() for _ in range(50)] == [second.next_read() for _ in range(50)]
