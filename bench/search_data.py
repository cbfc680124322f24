"""The dataset of ``bench.search``: millions of realistic events, loaded fast into MariaDB.

What it looks like (per ``DatasetSpec``; defaults are the bench's):

* 3 years of truck passes ending now, denser on weekdays and working hours (Chile, UTC-3) and
  growing by ~50 % over the period; event ids follow time, as ingest creates them.
* 20 companies (sizes skewed, Zipf-like), 30 000 registered plates (``vehicles``), 75 % in the
  current format (``BCDF12``: 4 letters of ``BCDFGHJKLPRSTVWXYZ`` + 2 digits) and 25 % in the old
  one (``AB1234``); how often a plate passes is log-normal (a few trucks pass daily, most
  rarely).
* ~15 % of events unassigned (``company_id`` NULL): unregistered plates (their own log-normal
  pool), OCR misreads of registered plates (one confusable character swapped, 0/O/D, 1/I,
  2/Z, 5/S, 8/B, 6/G: same skeleton, so the OCR search finds them) and unread plates
  (``UNKNOWN``). A misread that happens to be another registered plate is assigned to its
  owner, exactly as ingest would (``company_id`` = registry owner of the stored plate).
* 30 % documented (``basic_event_metadata``: guide number ``GD-2025-001234`` or a numeric
  folio, guide date, the company's projects, cargo and observations in Spanish); those are
  DOCUMENTED or VALIDATED, the others DETECTED; 0.5 % ARCHIVED; ~7 % low confidence; a few
  time issues (CLOCK_SKEW with the camera's claim, UNREADABLE); 7 cameras at 3 gates + a
  weighbridge, a third of the passes also read by the gate's second camera
  (``secondary_camera``); pictures as content-addressed paths, exactly the JSON ingest writes
  (``services.ingest.camera_json``).

How it is loaded: the schema comes from the real migrations; the reference rows (companies,
users, site, cameras, vehicles) go through the ORM; events and metadata are written as TSV
chunks by a generator in its own process (``python -m bench.search_data generate``, a couple
of chunks ahead, paced by the loader over stdin) and loaded with ``LOAD DATA LOCAL INFILE``
while the next chunk is generated. The non-unique secondary indexes of ``events`` and
``basic_event_metadata`` are dropped before the load and re-created after it with exactly the
definitions the migrations produced (``SHOW INDEX`` is compared before/after).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from domcctv.domain.plates import CURRENT_LETTERS, canonical, detect_format, skeleton

# --------------------------------------------------------------------------- vocabulary

OLD_LETTERS = "ABCDEFGHIJKLNPRSTUVWXYZ"  # the old series used most letters (no M/Ñ/O/Q here)

# (name, legal suffix, city, region)
COMPANIES: tuple[tuple[str, str, str, str], ...] = (
    ("Constructora Andes", "SpA", "Santiago", "Metropolitana"),
    ("Áridos del Maipo", "Ltda.", "Puente Alto", "Metropolitana"),
    ("Transportes Biobío", "Ltda.", "Concepción", "Biobío"),
    ("Minera Pacífico Sur", "S.A.", "Antofagasta", "Antofagasta"),
    ("Hormigones Cordillera", "S.A.", "San Bernardo", "Metropolitana"),
    ("Logística Austral", "SpA", "Puerto Montt", "Los Lagos"),
    ("Movimiento de Tierras Quilicura", "Ltda.", "Quilicura", "Metropolitana"),
    ("Forestal Araucanía", "S.A.", "Temuco", "Araucanía"),
    ("Cementos Aconcagua", "S.A.", "Los Andes", "Valparaíso"),
    ("Transportes Atacama", "Ltda.", "Copiapó", "Atacama"),
    ("Constructora Valle Central", "SpA", "Rancagua", "O'Higgins"),
    ("Áridos Lampa", "SpA", "Lampa", "Metropolitana"),
    ("Asfaltos del Sur", "S.A.", "Talca", "Maule"),
    ("Graneles San Antonio", "Ltda.", "San Antonio", "Valparaíso"),
    ("Ingeniería y Montajes Coquimbo", "SpA", "La Serena", "Coquimbo"),
    ("Transportes Rápidos del Norte", "Ltda.", "Iquique", "Tarapacá"),
    ("Reciclajes Metropolitanos", "SpA", "Pudahuel", "Metropolitana"),
    ("Maderas Ñuble", "Ltda.", "Chillán", "Ñuble"),
    ("Excavaciones Los Ríos", "SpA", "Valdivia", "Los Ríos"),
    ("Combustibles Magallanes", "S.A.", "Punta Arenas", "Magallanes"),
)

PROJECTS = (
    "Ampliación Ruta 68 - Túnel Lo Prado",
    "Autopista Vespucio Oriente - Tramo 2",
    "Línea 7 Metro de Santiago - Estación Brasil",
    "Embalse Las Palmas - Muro principal",
    "Puerto San Antonio - Molo de abrigo",
    "Mina Los Bronces - Botadero Sur",
    "Hospital del Salvador - Obras civiles",
    "Condominio Parque Los Trapenses - Etapa 3",
    "Planta Desaladora Atacama",
    "Parque Eólico Renaico II - Caminos internos",
    "Costanera Central - Lote 1",
    "Villa Los Aromos - Urbanización",
    "Puente Chacao - Accesos norte",
    "Planta Arauco - Ampliación MAPA",
    "Relleno Sanitario Santa Marta",
    "Ruta 5 Sur - Tercera pista Talca-Chillán",
    "Aeropuerto AMB - Nueva losa",
    "Centro de Distribución Lo Aguirre",
    "Embalse Chironta - Obras anexas",
    "Mejoramiento Ruta 160 - Coronel",
    "Edificio Plaza Egaña - Excavación masiva",
    "Colector de aguas lluvia Zanjón de la Aguada",
    "Tranque de relaves El Mauro",
    "Terminal de graneles Ventanas",
)

CARGO = (
    ("Ripio chancado 3/4", "m³", 18, 30),
    ("Arena gruesa lavada", "m³", 16, 28),
    ("Hormigón premezclado H-30", "m³", 6, 10),
    ("Escombros de demolición", "m³", 14, 26),
    ("Material de excavación (tierra vegetal)", "m³", 15, 28),
    ("Fierro de construcción A630-420H", "t", 8, 28),
    ("Cemento en sacos de 25 kg", "sacos", 300, 1100),
    ("Mezcla asfáltica en caliente", "t", 18, 28),
    ("Madera aserrada pino radiata", "m³", 25, 45),
    ("Concentrado de cobre", "t", 24, 32),
    ("Chatarra ferrosa", "t", 10, 25),
    ("Tubería HDPE 400 mm", "tiras", 8, 20),
    ("Base granular CBR 80", "m³", 18, 28),
    ("Bolones para enrocado", "t", 20, 30),
    ("Petróleo diésel", "L", 15000, 30000),
    ("Prefabricados de hormigón (soleras)", "unidades", 200, 600),
)

OBSERVATIONS = (
    "Ingreso sin novedad.",
    "Carga cubierta con lona según normativa.",
    "Sello de seguridad N° {n} verificado en portería.",
    "Pesaje en báscula: {kg} kg.",
    "Guía con enmienda, se solicita reemplazo al transportista.",
    "Patente trasera sucia, lectura confirmada por el guardia.",
    "Llegó fuera del horario autorizado, ingreso visado por supervisor.",
    "Rampla con neumático bajo, se informa a prevención de riesgos.",
    "Conductor {driver} presenta licencia A5 vigente.",
    "Descarga en acopio {acopio}.",
    "Se retiene copia de la guía para facturación.",
    "Camión sin sobrecarga según pesaje.",
)

DRIVERS = (
    "Juan Pérez",
    "Luis Muñoz",
    "Pedro Soto",
    "José Contreras",
    "Carlos Rojas",
    "Manuel Díaz",
    "Jorge Silva",
    "Cristián Morales",
    "Francisco Araya",
    "Patricio Fuentes",
    "Héctor Sepúlveda",
    "Raúl Espinoza",
)

# Gates: (plate camera, overview camera, share of passes). Plus a weighbridge camera.
GATES: tuple[tuple[tuple[str, str], tuple[str, str], float], ...] = (
    (("CAM-NORTE-01", "PORTON NORTE"), ("CAM-NORTE-02", "PORTON NORTE CONTEXTO"), 0.42),
    (("CAM-SUR-01", "PORTON SUR"), ("CAM-SUR-02", "PORTON SUR CONTEXTO"), 0.32),
    (("CAM-PONIENTE-01", "ACCESO PONIENTE"), ("CAM-PONIENTE-02", "ACCESO PONIENTE 2"), 0.18),
)
WEIGHBRIDGE = ("CAM-BASCULA-01", "BASCULA CAMIONES")
WEIGHBRIDGE_SHARE = 0.08

# Event-kind shares (the rest are registered plates read correctly).
P_UNREAD = 0.010
P_MISREAD = 0.030
P_UNREGISTERED = 0.115
P_DOC_ASSIGNED = 0.32  # 0.85 * 0.32 + 0.15 * 0.19 ~= 0.30 documented overall
P_DOC_UNASSIGNED = 0.19
P_ARCHIVED = 0.005
P_SECONDARY = 0.33
P_CLOCK_SKEW = 0.002
P_UNREADABLE = 0.001
P_VIDEO = 0.004
CONFIDENCE_THRESHOLD = 85.0  # Settings.anpr_confidence_threshold default
LOCAL_OFFSET_HOURS = -3  # Chile (summer time ignored: only the daily shape matters)

_TO_CONFUSED = {
    "B": "8",
    "D": "0",
    "G": "6",
    "S": "5",
    "Z": "2",
    "8": "B",
    "0": "D",
    "6": "G",
    "5": "S",
    "2": "Z",
    "1": "I",
}


# --------------------------------------------------------------------------- plates


def random_current(rng: random.Random) -> str:
    letters = "".join(rng.choices(CURRENT_LETTERS, k=4))
    return f"{letters}{rng.randint(10, 99)}"


def random_old(rng: random.Random) -> str:
    letters = "".join(rng.choices(OLD_LETTERS, k=2))
    return f"{letters}{rng.randint(1000, 9999)}"


def distinct_plates(
    rng: random.Random, count: int, *, old_share: float, exclude: set[str] | None = None
) -> list[str]:
    """``count`` distinct plates, ``old_share`` of them in the old 2+4 format."""
    taken = set(exclude or ())
    out: list[str] = []
    for _ in range(count * 20 + 1000):  # bounded: collisions are rare in 18^4*90 + 23^2*9000
        if len(out) >= count:
            break
        plate = random_old(rng) if rng.random() < old_share else random_current(rng)
        if plate not in taken:
            taken.add(plate)
            out.append(plate)
    if len(out) < count:
        raise RuntimeError("could not draw enough distinct plates")
    return out


def misread(rng: random.Random, plate: str) -> str:
    """One OCR confusion (same skeleton), or a dropped last character when none applies."""
    spots = [i for i, ch in enumerate(plate) if ch in _TO_CONFUSED]
    if not spots:
        return plate[:-1]
    i = rng.choice(spots)
    return plate[:i] + _TO_CONFUSED[plate[i]] + plate[i + 1 :]


# --------------------------------------------------------------------------- spec


@dataclass
class DatasetSpec:
    """Everything the generator process needs (written as JSON for it)."""

    events: int
    seed: int
    end_epoch: float
    years: float = 3.0
    chunk_rows: int = 200_000
    # [plate, company_id] of every registered vehicle
    vehicles: list[list[Any]] = field(default_factory=list)
    # company id -> ["GD" | "FOLIO", folio base, [project, ...]]
    companies: dict[str, list[Any]] = field(default_factory=dict)
    authors: list[int] = field(default_factory=list)  # staff users who document events
    supervisors: list[int] = field(default_factory=list)  # who edits documentation later

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def read(cls, path: Path) -> DatasetSpec:
        return cls(**json.loads(path.read_text()))


# --------------------------------------------------------------------------- generator

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_MINUTES = [f" {i // 60:02d}:{i % 60:02d}:" for i in range(1440)]
_SECONDS = [f"{i:02d}" for i in range(60)]
_MILLIS = [f".{i:03d}000" for i in range(1000)]
_TENTHS = [f"{i / 10:.1f}" for i in range(1001)]  # confidence 0.0..100.0


class _Clock:
    """Milliseconds since the epoch -> naive UTC ``YYYY-MM-DD HH:MM:SS.ffffff`` (what Tortoise
    stores in a MariaDB DATETIME(6)), from tables and a per-day cache: formatting datetimes
    is otherwise the generator's largest cost."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}

    def text(self, ms: int) -> str:
        secs, millis = divmod(ms, 1000)
        day, rest = divmod(secs, 86_400)
        minute, second = divmod(rest, 60)
        prefix = self.days.get(day)
        if prefix is None:
            prefix = self.days[day] = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
        return prefix + _DAY_MINUTES[minute] + _SECONDS[second] + _MILLIS[millis]


def _iso(text: str) -> str:
    """The ``isoformat()`` of the aware datetime ingest writes in JSON (``...T...+00:00``)."""
    return text.replace(" ", "T", 1) + "+00:00"


def _hour_weights(start_epoch: float, hours: int) -> list[float]:
    """Relative traffic of each hour: daily and weekly shape (local time) times growth."""
    daily = [
        0.03, 0.02, 0.02, 0.02, 0.04, 0.12, 0.45, 0.85, 1.0, 1.0, 1.0, 0.95,
        0.7, 0.85, 1.0, 1.0, 0.95, 0.8, 0.55, 0.35, 0.2, 0.12, 0.07, 0.04,
    ]  # fmt: skip
    weekly = [1.0, 1.0, 1.0, 1.0, 0.95, 0.55, 0.12]  # Monday..Sunday
    out = []
    start_hour = math.floor(start_epoch / 3600)
    for h in range(hours):
        local = start_hour + h + LOCAL_OFFSET_HOURS
        day = (local // 24 + 3) % 7  # 1970-01-01 was a Thursday
        out.append(daily[local % 24] * weekly[day] * (0.75 + 0.5 * h / hours))
    return out


def _confidence(rand: Callable[[], float]) -> int:
    """A good read's confidence in tenths: mostly 85.5-99.5, 4 % below the threshold."""
    if rand() > 0.04:
        return 855 + int(rand() * 140)
    return 700 + int(rand() * 150)


class Generator:
    """Builds the TSV chunks. Deterministic for a spec: chunk k uses its own seeded RNG."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.spec = spec
        rng = random.Random(spec.seed)
        self.end_ms = int(spec.end_epoch * 1000)
        hours = int(spec.years * 365.25 * 24)
        self.start_ms = self.end_ms - hours * 3_600_000
        weights = _hour_weights(self.start_ms / 1000, hours)
        self.hour_cum = [0.0]
        for w in weights:
            self.hour_cum.append(self.hour_cum[-1] + w)
        self.hour_w = weights
        self.clock = _Clock()

        self.reg_plates = [str(p) for p, _ in spec.vehicles]
        self.reg_company = [int(c) for _, c in spec.vehicles]
        self.owner = dict(zip(self.reg_plates, self.reg_company, strict=True))
        self.reg_skel = [skeleton(p) for p in self.reg_plates]
        self.reg_fmt = [str(detect_format(p)) for p in self.reg_plates]
        self.reg_cum = _cum([rng.lognormvariate(0, 1.0) for _ in self.reg_plates])

        pool = max(300, min(150_000, int(spec.events * 0.012)))
        self.unreg_plates = distinct_plates(rng, pool, old_share=0.35, exclude=set(self.owner))
        self.unreg_skel = [skeleton(p) for p in self.unreg_plates]
        self.unreg_fmt = [str(detect_format(p)) for p in self.unreg_plates]
        self.unreg_cum = _cum([rng.lognormvariate(0, 1.2) for _ in self.unreg_plates])

        self.companies = {int(k): v for k, v in spec.companies.items()}
        self.projects = {cid: list(v[2]) for cid, v in self.companies.items()}
        self.guide_seq: Counter[tuple[int | None, int]] = Counter()
        self.meta_id = 0
        self.counts: Counter[str] = Counter()
        # Camera choice: (primary, secondary-or-None) by cumulative share.
        self.gate_cum = _cum([g[2] for g in GATES])
        # Free texts drawn from pools built once (formatting them per row is slow).
        self.cargo_texts = [
            f"{cargo}, {rng.randint(lo, hi)} {unit}"
            for cargo, unit, lo, hi in CARGO
            for _ in range(40)
        ]
        self.observation_texts = [self._observations(rng) for _ in range(3000)]

    # -- pieces

    def _time_ms(self, u: float) -> int:
        target = u * self.hour_cum[-1]
        h = min(len(self.hour_w) - 1, max(0, bisect.bisect_right(self.hour_cum, target) - 1))
        frac = (target - self.hour_cum[h]) / self.hour_w[h] if self.hour_w[h] else 0.0
        return self.start_ms + int((h + min(frac, 0.999999)) * 3_600_000)

    def _guide(self, company: int | None, year: int) -> str:
        style, base = ("GD", 0) if company is None else self.companies[company][:2]
        if style == "GD":
            self.guide_seq[(company, year)] += 1
            return f"GD-{year}-{self.guide_seq[(company, year)]:06d}"
        self.guide_seq[(company, 0)] += 1
        return str(int(base) + self.guide_seq[(company, 0)])

    @staticmethod
    def _observations(rng: random.Random) -> str:
        parts = rng.sample(OBSERVATIONS, rng.choice((1, 1, 2)))
        return " ".join(
            p.format(
                n=rng.randint(100000, 999999),
                kg=rng.randint(18000, 45000),
                driver=rng.choice(DRIVERS),
                acopio=rng.choice("ABCDE") + str(rng.randint(1, 9)),
            )
            for p in parts
        )

    def _metadata_row(
        self,
        rand: Callable[[], float],
        event_id: int,
        company: int | None,
        event_time: str,
        doc_ms: int,
    ) -> tuple[str, int, int]:
        """One ``basic_event_metadata`` TSV line; also (last update ms, ready flag)."""
        ready = 1 if rand() < 0.135 else 0  # ~30 % of the validated ones
        self.meta_id += 1
        year = int(event_time[:4])
        guide_day = event_time[:10]
        if rand() < 0.1:  # the guide was written the day before
            guide_day = (date.fromisoformat(guide_day) - timedelta(days=1)).isoformat()
            year = int(guide_day[:4])
        guide = self._guide(company, year)
        projects: Sequence[str] = PROJECTS
        if company is not None:
            projects = self.projects.get(company) or PROJECTS
        project = projects[int(rand() * len(projects))]
        cargo = self.cargo_texts[int(rand() * len(self.cargo_texts))]
        observations = "\\N"
        if rand() < 0.55:
            observations = self.observation_texts[int(rand() * len(self.observation_texts))]
        authors = self.spec.authors
        author = authors[int(rand() * len(authors))]
        modifier = "\\N"
        updated_ms = doc_ms
        if rand() < 0.1:
            supervisors = self.spec.supervisors
            modifier = str(supervisors[int(rand() * len(supervisors))])
            updated_ms = min(self.end_ms, doc_ms + 60_000 + int(rand() * 86_340_000))
        documented_at = self.clock.text(doc_ms)
        line = (
            f"{self.meta_id}\t{event_id}\t{company if company is not None else '\\N'}"
            f"\t{event_time}\t{guide}\t{guide_day}\t{project}\t{cargo}\t{observations}\t{ready}"
            f"\t{author}\t{modifier}\t{documented_at}"
            f"\t{documented_at if updated_ms == doc_ms else self.clock.text(updated_ms)}"
        )
        return line, updated_ms, ready

    # -- one chunk

    def chunk(self, index: int) -> tuple[list[str], list[str]]:
        """The events and metadata TSV lines (without newlines) of chunk ``index``."""
        spec = self.spec
        total = spec.events
        first = index * spec.chunk_rows
        n = min(spec.chunk_rows, total - first)
        rng = random.Random(spec.seed * 1_000_003 + index)
        rand = rng.random
        randbytes = rng.randbytes
        ts = self.clock.text
        reg_picks = rng.choices(range(len(self.reg_plates)), cum_weights=self.reg_cum, k=n)
        unreg_picks = rng.choices(range(len(self.unreg_plates)), cum_weights=self.unreg_cum, k=n)
        reg_plates, reg_skel, reg_fmt = self.reg_plates, self.reg_skel, self.reg_fmt
        reg_company = self.reg_company
        unreg_plates, unreg_skel, unreg_fmt = self.unreg_plates, self.unreg_skel, self.unreg_fmt
        gate_cum = self.gate_cum
        counts = self.counts
        end_ms = self.end_ms
        p_misread = P_UNREAD + P_MISREAD
        p_unregistered = p_misread + P_UNREGISTERED
        p_unreadable = P_CLOCK_SKEW + P_UNREADABLE
        ev_lines: list[str] = []
        md_lines: list[str] = []
        for i in range(n):
            event_id = first + i + 1
            event_ms = self._time_ms((first + i + rand()) / total)
            # -- the plate (company = registry owner of the stored plate, as ingest does)
            r = rand()
            company: int | None
            if r >= p_unregistered:
                k = reg_picks[i]
                plate, skel, fmt = reg_plates[k], reg_skel[k], reg_fmt[k]
                raw, company = plate, reg_company[k]
                conf = _confidence(rand)
            elif r >= p_misread:
                k = unreg_picks[i]
                plate, skel, fmt = unreg_plates[k], unreg_skel[k], unreg_fmt[k]
                raw, company = plate, None
                conf = _confidence(rand)
                counts["unregistered"] += 1
            elif r >= P_UNREAD:
                plate = misread(rng, reg_plates[reg_picks[i]])
                raw, skel, fmt = plate, skeleton(plate), str(detect_format(plate))
                company = self.owner.get(plate)
                conf = 550 + int(rand() * 330)
                counts["misread"] += 1
            else:
                plate = skel = "UNKNOWN"
                fmt = "UNREAD"
                raw = "UNKNOWN" if rand() < 0.8 else ("NOPLATE", "?", "--")[int(rand() * 3)]
                company = None
                conf = int(rand() * 400)
                counts["unread"] += 1
            if raw == plate and len(plate) == 6 and rand() < 0.03:
                raw = f"{plate[:4]} {plate[4:]}"  # some cameras send a separator
            confidence = _TENTHS[conf]
            low = conf < 850  # CONFIDENCE_THRESHOLD
            company_text = "\\N" if company is None else str(company)
            # -- time
            event_time = ts(event_ms)
            read_at = _iso(event_time)
            time_issue = reported = "\\N"
            js_issue = js_reported = js_reported_text = "null"
            r = rand()
            if r < p_unreadable:
                if r < P_CLOCK_SKEW:
                    time_issue, js_issue = "CLOCK_SKEW", '"CLOCK_SKEW"'
                    reported = ts(event_ms - int((2 + rand() * 900) * 86_400_000))
                    js_reported = f'"{_iso(reported)}"'
                    js_reported_text = f'"{_iso(reported)[:19]}"'
                else:
                    time_issue, js_issue = "UNREADABLE", '"UNREADABLE"'
                    js_reported_text = '"0000-00-00T00:00:00"'
                counts["time_issue"] += 1
            # -- cameras and pictures
            r = rand()
            secondary: tuple[str, str] | None = None
            if r < WEIGHBRIDGE_SHARE:
                primary = WEIGHBRIDGE
            else:
                gate = GATES[bisect.bisect_right(gate_cum, rand() * gate_cum[-1])]
                primary, other = (gate[0], gate[1]) if rand() < 0.7 else (gate[1], gate[0])
                if rand() < P_SECONDARY:
                    secondary = other
            direction = "forward" if rand() < 0.5 else "reverse"
            r = rand()
            source = "push" if r < 0.95 else "alertStream" if r < 0.98 else "backfill"
            h = randbytes(64).hex()
            thumb = f"{h[:2]}/{h[2:4]}/{h[:64]}.jpg"
            primary_json = (
                f'{{"code": "{primary[0]}", "name": "{primary[1]}", "plateReading": "{raw}", '
                f'"confidence": {confidence}, "readAt": "{read_at}", "direction": '
                f'"{direction}", "source": "{source}", "pictures": [{{"kind": '
                f'"licensePlatePicture", "path": "{thumb}"}}, {{"kind": "detectionPicture", '
                f'"path": "{h[64:66]}/{h[66:68]}/{h[64:]}.jpg"}}], "timeIssue": {js_issue}, '
                f'"reportedTime": {js_reported}, "reportedTimeText": {js_reported_text}}}'
            )
            if secondary is not None:
                h = randbytes(32).hex()
                second_conf = _TENTHS[min(999, max(0, conf - 60 + int(rand() * 90)))]
                secondary_json = (
                    f'{{"code": "{secondary[0]}", "name": "{secondary[1]}", "plateReading": '
                    f'"{raw}", "confidence": {second_conf}, "readAt": '
                    f'"{_iso(ts(event_ms + 350))}", "direction": "{direction}", "source": '
                    f'"{source}", "pictures": [{{"kind": "detectionPicture", "path": '
                    f'"{h[:2]}/{h[2:4]}/{h}.jpg"}}], "timeIssue": null, "reportedTime": '
                    f'null, "reportedTimeText": null}}'
                )
                counts["secondary"] += 1
            else:
                secondary_json = "\\N"
            videos = "[]"
            if rand() < P_VIDEO:
                videos = (
                    f'[{{"cameraId": "{primary[0]}", "filename": "evt_{event_id}_{primary[0]}'
                    f'.mp4", "duration": {rng.randint(20, 180)}.0, "size": '
                    f"{rng.randint(4_000_000, 90_000_000)}}}]"
                )
            # -- documentation and lifecycle
            created_ms = event_ms + 200 + int(rand() * 2800)
            created = ts(created_ms)
            updated_ms = created_ms
            documented = fmt != "UNREAD" and rand() < (
                P_DOC_ASSIGNED if company is not None else P_DOC_UNASSIGNED
            )
            status, processed, phase2 = "DETECTED", "\\N", 0
            if documented:
                doc_ms = min(end_ms, created_ms + 300_000 + int(rand() * 259_200_000))
                processed = ts(doc_ms)
                line, updated_ms, ready = self._metadata_row(
                    rand, event_id, company, event_time, doc_ms
                )
                md_lines.append(line)
                status = "VALIDATED" if ready or rand() < 0.4 else "DOCUMENTED"
                phase2 = ready
                counts["documented"] += 1
            if rand() < P_ARCHIVED:
                status = "ARCHIVED"
                updated_ms = min(end_ms, max(updated_ms, created_ms + 86_400_000))
                counts["archived"] += 1
            if company is None:
                counts["unassigned"] += 1
            if low:
                counts["low_confidence"] += 1
            ev_lines.append(
                f"{event_id}\t{company_text}\t{plate}\t{raw}\t{skel}\t{fmt}\t{event_time}"
                f"\t{time_issue}\t{reported}\t{confidence}\t{int(low)}\t{primary[0]}"
                f"\t{primary_json}\t{secondary_json}\t{status}\t{int(documented)}\t{phase2}"
                f"\t{videos}\t{thumb}\t{created}"
                f"\t{created if updated_ms == created_ms else ts(updated_ms)}\t{processed}\t\\N"
            )
        counts["events"] += n
        for line in ev_lines[::500]:  # the load skips the JSON CHECKs: parse a sample back
            fields = line.split("\t")
            for column in JSON_COLUMNS:
                if fields[column] != "\\N":
                    json.loads(fields[column])
        return ev_lines, md_lines


def _cum(weights: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


# Column lists of the TSV files, in file order (LOAD DATA maps them by name).
EVENT_COLUMNS = (
    "id",
    "company_id",
    "plate",
    "plate_raw",
    "plate_skeleton",
    "plate_format",
    "event_time",
    "time_issue",
    "reported_time",
    "confidence",
    "low_confidence",
    "camera_code",
    "primary_camera",
    "secondary_camera",
    "status",
    "has_basic_metadata",
    "ready_for_phase2",
    "documentary_videos",
    "thumbnail_path",
    "created_at",
    "updated_at",
    "processed_at",
    "created_by_id",
)
JSON_COLUMNS = tuple(
    EVENT_COLUMNS.index(c) for c in ("primary_camera", "secondary_camera", "documentary_videos")
)
METADATA_COLUMNS = (
    "id",
    "event_id",
    "company_id",
    "event_time",
    "guide_number",
    "guide_date",
    "origin_project",
    "cargo_description",
    "observations",
    "ready_for_detailed_processing",
    "created_by_id",
    "last_modified_by_id",
    "created_at",
    "updated_at",
)


def generate(spec: DatasetSpec, out: Path, ahead: int) -> None:
    """The generator process: write chunk files, announce each on stdout, and stay at most
    ``ahead`` chunks ahead of the loader (one ``next`` line on stdin per loaded chunk)."""
    started = time.perf_counter()
    gen = Generator(spec)
    chunks = -(-spec.events // spec.chunk_rows)
    for index in range(chunks):
        if index >= ahead and not sys.stdin.readline():
            return  # the loader is gone
        ev_lines, md_lines = gen.chunk(index)
        ev_path, md_path = out / f"events_{index:05d}.tsv", out / f"meta_{index:05d}.tsv"
        for path, lines in ((ev_path, ev_lines), (md_path, md_lines)):
            tmp = path.with_suffix(".part")
            with tmp.open("w", encoding="utf-8", newline="\n") as f:
                for start in range(0, len(lines), 10_000):
                    f.write("\n".join(lines[start : start + 10_000]))
                    f.write("\n")
            tmp.rename(path)
        n_ev, n_md = len(ev_lines), len(md_lines)
        del ev_lines, md_lines
        print(f"chunk {index} {n_ev} {n_md} {ev_path} {md_path}", flush=True)
    stats: dict[str, float] = dict(gen.counts)
    stats["generator_cpu_s"] = round(time.process_time(), 2)
    stats["generator_wall_s"] = round(time.perf_counter() - started, 2)
    print("done " + json.dumps(stats), flush=True)


# --------------------------------------------------------------------------- database side

AHEAD = 2  # chunks the generator may write before the loader has taken them


@dataclass(frozen=True, slots=True)
class MysqlTarget:
    host: str
    port: int
    user: str
    password: str
    database: str


def _fix_asyncmy_local_infile() -> None:
    """asyncmy 0.2.18 hands the LOAD DATA LOCAL file name to ``LoadLocalFile`` as bytes, which
    its (typed) constructor rejects, so LOCAL INFILE always fails with a TypeError. The name
    is looked up in the module at run time: decode it in a subclass (bench process only)."""
    import asyncmy.connection as module

    base = module.LoadLocalFile
    if getattr(base, "_bench_decodes_name", False):
        return

    class LoadLocalFile(base):  # type: ignore[misc, valid-type]
        _bench_decodes_name = True

        def __init__(self, filename: str | bytes, connection: Any) -> None:
            name = filename.decode() if isinstance(filename, bytes) else filename
            super().__init__(name, connection)

    module.LoadLocalFile = LoadLocalFile  # type: ignore[misc]


async def connect(target: MysqlTarget, *, database: bool = True, local_infile: bool = False) -> Any:
    import asyncmy

    if local_infile:
        _fix_asyncmy_local_infile()

    return await asyncmy.connect(
        host=target.host,
        port=target.port,
        user=target.user,
        password=target.password,
        database=target.database if database else None,
        local_infile=local_infile,
        autocommit=True,
        connect_timeout=10,
        charset="utf8mb4",
    )


async def query(conn: Any, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
    from asyncmy.cursors import DictCursor

    async with conn.cursor(DictCursor) as cur:
        await cur.execute(sql, params)
        rows = await cur.fetchall()
    return list(rows or [])


async def execute(conn: Any, sql: str, params: Sequence[Any] | None = None) -> int:
    async with conn.cursor() as cur:
        return int(await cur.execute(sql, params) or 0)


@dataclass(frozen=True, slots=True)
class IndexDef:
    """A secondary index as SHOW INDEX describes it, re-creatable with ``add_sql``."""

    table: str
    name: str
    columns: tuple[tuple[str, int | None, bool], ...]  # (column, prefix length, descending)
    kind: str = "BTREE"  # or FULLTEXT

    def add_sql(self) -> str:
        parts = []
        for column, sub, desc in self.columns:
            text = f"`{column}`" + (f"({sub})" if sub else "") + (" DESC" if desc else "")
            parts.append(text)
        kind = "FULLTEXT INDEX" if self.kind == "FULLTEXT" else "INDEX"
        return f"ADD {kind} `{self.name}` ({', '.join(parts)})"


_INDEX_FIELDS = (
    "Non_unique",
    "Key_name",
    "Seq_in_index",
    "Column_name",
    "Collation",
    "Sub_part",
    "Packed",
    "Null",
    "Index_type",
    "Ignored",
)


async def index_shape(conn: Any, table: str) -> list[tuple[Any, ...]]:
    """SHOW INDEX without the statistics: what must be identical after the rebuild."""
    rows = await query(conn, f"SHOW INDEX FROM `{table}`")
    return sorted(tuple(str(row.get(f)) for f in _INDEX_FIELDS) for row in rows)


async def droppable_indexes(conn: Any, table: str) -> list[IndexDef]:
    """Non-unique, visible B-tree and FULLTEXT secondary indexes, in SHOW INDEX order (a
    FULLTEXT index maintained row by row is the slowest part of a bulk load)."""
    rows = await query(conn, f"SHOW INDEX FROM `{table}`")
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row["Key_name"]), []).append(row)
    out = []
    for name, cols in grouped.items():
        first = cols[0]
        if (
            name == "PRIMARY"
            or int(first["Non_unique"]) != 1
            or str(first["Index_type"]) not in ("BTREE", "FULLTEXT")
            or str(first.get("Ignored", "NO")) != "NO"
        ):
            continue
        cols.sort(key=lambda c: int(c["Seq_in_index"]))
        out.append(
            IndexDef(
                table,
                name,
                tuple(
                    (
                        str(c["Column_name"]),
                        int(c["Sub_part"]) if c["Sub_part"] is not None else None,
                        c["Collation"] == "D",
                    )
                    for c in cols
                ),
                str(first["Index_type"]),
            )
        )
    return out


async def check_columns(conn: Any, table: str, filled: Sequence[str]) -> list[str]:
    """Columns the TSV does not fill; raises if one of them is NOT NULL without a default."""
    rows = await query(
        conn,
        "SELECT COLUMN_NAME AS name, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, "
        "EXTRA AS extra FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
        (table,),
    )
    missing = [r for r in rows if r["name"] not in filled]
    for r in missing:
        if r["nullable"] == "NO" and r["dflt"] is None and "GENERATED" not in str(r["extra"]):
            raise RuntimeError(
                f"{table}.{r['name']} is NOT NULL without a default and the bench does not fill "
                "it: teach bench/search_data.py about the new column"
            )
    unknown = set(filled) - {r["name"] for r in rows}
    if unknown:
        raise RuntimeError(f"{table} has no column(s) {sorted(unknown)}: the schema changed")
    return sorted(r["name"] for r in missing)


def _rut(body: int) -> str:
    from domcctv.domain.rut import check_digit

    return f"{body}-{check_digit(body)}"


@dataclass
class ReferenceRows:
    company_ids: list[int]
    admin_id: int
    client_id: int
    client_company_id: int
    authors: list[int]
    supervisors: list[int]
    cameras: list[str]


async def create_reference_rows(
    database_url: str, rng: random.Random, vehicles: int, companies: int
) -> tuple[ReferenceRows, list[list[Any]], dict[str, list[Any]]]:
    """Companies, staff + client users, site and cameras, the plate registry (through the ORM,
    so every default is the model's). Returns the rows, [plate, company] and company styles."""
    import hashlib
    import secrets

    from bench._common import orm
    from domcctv.domain.access import Role
    from domcctv.models import Camera, CameraSource, Company, Site, User, Vehicle

    async with orm(database_url):
        ids = []
        styles: dict[str, list[Any]] = {}
        for n in range(companies):
            name, legal, city, region = COMPANIES[n % len(COMPANIES)]
            if n >= len(COMPANIES):
                name = f"{name} {n // len(COMPANIES) + 1}"
            slug = canonical(name.split()[-1]).lower().encode("ascii", "ignore").decode()
            company = await Company.create(
                rut=_rut(76_000_000 + n * 104_729),
                name=name,
                business_name=f"{name} {legal}",
                address=f"Camino {rng.choice(('Lo Boza', 'La Vara', 'Lonquén', 'El Noviciado'))} "
                f"{rng.randint(100, 9999)}",
                city=city,
                region=region,
                phone=f"+562{rng.randint(20000000, 29999999)}",
                email=f"contacto@{slug or 'empresa'}{n}.cl",
                primary_contact={"name": rng.choice(DRIVERS), "phone": "+56912345678"},
            )
            ids.append(company.id)
            styles[str(company.id)] = [
                "GD" if rng.random() < 0.55 else "FOLIO",
                rng.randint(100, 899) * 10_000,
                rng.sample(PROJECTS, rng.randint(2, 5)),
            ]
        staff = [
            ("admin.bench@domcctv.cl", "Ana", "Rojas", Role.ADMINISTRATOR),
            ("supervisor.bench@domcctv.cl", "Sergio", "Muñoz", Role.SUPERVISOR),
            ("operador1.bench@domcctv.cl", "Olga", "Pérez", Role.OPERATOR),
            ("operador2.bench@domcctv.cl", "Pablo", "Soto", Role.OPERATOR),
            ("operador3.bench@domcctv.cl", "Marta", "Vidal", Role.OPERATOR),
        ]
        users = {}
        for email, first, last, role in staff:
            users[email] = await User.create(
                email=email,
                password_hash="!bench-no-login",
                first_name=first,
                last_name=last,
                role=role,
                email_verified=True,
            )
        # Zipf-like company sizes; the client user belongs to the largest one.
        sizes = _cum([1 / (rank + 1) ** 0.8 for rank in range(len(ids))])
        plates = distinct_plates(rng, vehicles, old_share=0.25)
        owners = rng.choices(ids, cum_weights=sizes, k=len(plates))
        client_company = ids[0]
        client = await User.create(
            email="cliente.bench@andes.cl",
            password_hash="!bench-no-login",
            first_name="Carla",
            last_name="Fuentes",
            role=Role.CLIENT_USER,
            company_id=client_company,
            email_verified=True,
        )
        site = await Site.create(name="Planta Lo Aguirre", address="Ruta 68 km 17, Pudahuel")
        codes = []
        cameras: list[tuple[str, str]] = [gate[0] for gate in GATES] + [gate[1] for gate in GATES]
        for index, (code, name) in enumerate([*sorted(cameras), WEIGHBRIDGE]):
            await Camera.create(
                code=code,
                site_id=site.id,
                name=name,
                source=CameraSource.MANUAL,
                channel=1,
                serial_number=f"DS-2CD7A26G0-IZHS2024{index + 1:08d}",
                mac_address=f"44:a6:42:5e:00:{index:02x}",
                push_token_hash=hashlib.sha256(secrets.token_bytes(24)).hexdigest(),
                is_active=True,
            )
            codes.append(code)
        batch = [
            Vehicle(
                company_id=owner,
                plate=plate,
                plate_skeleton=skeleton(plate),
                description=rng.choice(("Camión tolva", "Tracto camión", "Camión mixer", "Rampla")),
            )
            for plate, owner in zip(plates, owners, strict=True)
        ]
        for start in range(0, len(batch), 2000):
            await Vehicle.bulk_create(batch[start : start + 2000])
    admin = users[staff[0][0]]
    authors = [u.id for u in users.values() if u.role in (Role.OPERATOR, Role.SUPERVISOR)]
    supervisors = [u.id for u in users.values() if u.role is Role.SUPERVISOR]
    rows = ReferenceRows(ids, admin.id, client.id, client_company, authors, supervisors, codes)
    return rows, [[p, o] for p, o in zip(plates, owners, strict=True)], styles


async def _watch_progress(target: MysqlTarget, conn_id: int, label: str, every: float) -> None:
    """Print the server's progress of a long statement (ALTER TABLE) every ``every`` seconds."""
    watcher = await connect(target)
    try:
        for _ in range(100_000):
            await asyncio.sleep(every)
            rows = await query(
                watcher,
                "SELECT STATE, TIME FROM information_schema.PROCESSLIST WHERE ID = %s",
                (conn_id,),
            )
            if rows:  # InnoDB reports no stage/progress for ALTER: say it is still going
                state, seconds = rows[0]["STATE"], rows[0]["TIME"]
                print(f"[search] {label}: {state or 'running'} ({seconds} s)", file=sys.stderr)
    finally:
        watcher.close()


async def rebuild_indexes(target: MysqlTarget, indexes: Sequence[IndexDef]) -> float:
    """Re-create the dropped indexes, one ALTER per table (one pass over the table)."""
    started = time.perf_counter()
    conn = await connect(target)
    try:
        await execute(conn, "SET SESSION foreign_key_checks = 0")
        conn_id = (await query(conn, "SELECT CONNECTION_ID() AS id"))[0]["id"]
        by_table: dict[str, list[IndexDef]] = {}
        for index in indexes:
            by_table.setdefault(index.table, []).append(index)
        for table, defs in by_table.items():
            print(f"[search] building {len(defs)} indexes on {table}...", file=sys.stderr)
            # B-trees in one pass over the table; InnoDB builds one FULLTEXT index per ALTER.
            btree = [d for d in defs if d.kind != "FULLTEXT"]
            groups = [btree] if btree else []
            groups += [[d] for d in defs if d.kind == "FULLTEXT"]
            for group in groups:
                watcher = asyncio.create_task(_watch_progress(target, conn_id, table, 15.0))
                try:
                    await execute(
                        conn, f"ALTER TABLE `{table}` " + ", ".join(d.add_sql() for d in group)
                    )
                finally:
                    watcher.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await watcher
    finally:
        conn.close()
    return time.perf_counter() - started


async def load_events(
    target: MysqlTarget,
    spec: DatasetSpec,
    tmp: Path,
    *,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """Drop the secondary indexes, stream the generator's chunks in, rebuild the indexes."""
    from bench._common import REPO, helper_env

    conn = await connect(target, local_infile=True)
    timings: dict[str, Any] = {}
    proc: asyncio.subprocess.Process | None = None
    try:
        for table, columns in (
            ("events", EVENT_COLUMNS),
            ("basic_event_metadata", METADATA_COLUMNS),
        ):
            timings[f"{table}_columns_left_to_defaults"] = await check_columns(conn, table, columns)
        before = {t: await index_shape(conn, t) for t in ("events", "basic_event_metadata")}
        indexes = [
            *(await droppable_indexes(conn, "events")),
            *(await droppable_indexes(conn, "basic_event_metadata")),
        ]
        await execute(conn, "SET SESSION foreign_key_checks = 0")
        await execute(conn, "SET SESSION unique_checks = 0")
        # The JSON columns' CHECK (json_valid(...)) costs ~10 % of the load; the generator
        # checks its own JSON instead (every 500th row is parsed back).
        await execute(conn, "SET SESSION check_constraint_checks = 0")
        for table in ("events", "basic_event_metadata"):
            names = [d.name for d in indexes if d.table == table]
            if names:
                await execute(
                    conn, f"ALTER TABLE `{table}` " + ", ".join(f"DROP INDEX `{n}`" for n in names)
                )
        spec_path = tmp / "spec.json"
        spec.write(spec_path)
        out = tmp / "chunks"
        out.mkdir(exist_ok=True)
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.search_data",
            "generate",
            "--spec",
            str(spec_path),
            "--out",
            str(out),
            "--ahead",
            str(AHEAD),
            cwd=REPO,
            env=helper_env(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 20,
        )
        assert proc.stdin is not None
        assert proc.stdout is not None
        loaded_events = loaded_meta = 0
        load_seconds = 0.0
        chunks = -(-spec.events // spec.chunk_rows)
        generator_stats: dict[str, Any] = {}
        for _ in range(chunks + 1):
            line = (await asyncio.wait_for(proc.stdout.readline(), 900)).decode()
            if not line:
                raise RuntimeError(f"the generator stopped (exit {await proc.wait()})")
            if line.startswith("done "):
                generator_stats = json.loads(line[5:])
                break
            _, index, n_ev, n_md, ev_path, md_path = line.split()
            t0 = time.perf_counter()
            for table, columns, path, expected in (
                ("events", EVENT_COLUMNS, ev_path, int(n_ev)),
                ("basic_event_metadata", METADATA_COLUMNS, md_path, int(n_md)),
            ):
                if expected:
                    got = await execute(
                        conn,
                        f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE `{table}` "
                        "CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' "
                        f"LINES TERMINATED BY '\\n' ({', '.join(columns)})",
                    )
                    warnings = await query(conn, "SHOW WARNINGS LIMIT 3")
                    if got != expected or warnings:
                        raise RuntimeError(
                            f"LOAD DATA into {table} stored {got} of {expected} rows: {warnings}"
                        )
                await asyncio.to_thread(Path(path).unlink, missing_ok=True)
            load_seconds += time.perf_counter() - t0
            loaded_events += int(n_ev)
            loaded_meta += int(n_md)
            if int(index) < chunks - AHEAD:  # the generator waits for this before chunk+AHEAD
                proc.stdin.write(b"next\n")
                await proc.stdin.drain()
            elapsed = time.perf_counter() - started
            progress(
                f"loaded {loaded_events:,}/{spec.events:,} events (+{loaded_meta:,} metadata) "
                f"in {elapsed:.0f}s ({load_seconds:.0f}s in LOAD DATA), "
                f"{loaded_events / max(elapsed, 1e-9):,.0f} events/s; "
                f"chunk {int(index) + 1}/{chunks}"
            )
        await asyncio.wait_for(proc.wait(), 60)
        timings["generate_and_load_s"] = round(time.perf_counter() - started, 1)
        timings["load_statements_s"] = round(load_seconds, 1)
        timings["generator"] = generator_stats
        timings["indexes_rebuilt"] = [f"{d.table}.{d.name}" for d in indexes]
        timings["index_build_s"] = round(await rebuild_indexes(target, indexes), 1)
        t0 = time.perf_counter()
        await query(conn, "ANALYZE TABLE `events`, `basic_event_metadata`, `vehicles`")
        timings["analyze_s"] = round(time.perf_counter() - t0, 1)
        after = {t: await index_shape(conn, t) for t in ("events", "basic_event_metadata")}
        timings["indexes_identical_to_migrations"] = before == after
        if before != after:
            raise RuntimeError(f"indexes differ after the rebuild: {before} != {after}")
        timings["loaded_events"] = loaded_events
        timings["loaded_metadata"] = loaded_meta
    finally:
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(proc.wait(), 10)
        conn.close()
    return timings


# --------------------------------------------------------------------------- child entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_data")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write the TSV chunks of a spec (used by bench.search)")
    gen.add_argument("--spec", type=Path, required=True)
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--ahead", type=int, default=2)
    args = parser.parse_args(argv)
    generate(DatasetSpec.read(args.spec), args.out, max(1, args.ahead))
    return 0


if __name__ == "__main__":
    sys.exit(main())
