"""Travel modes and their default speed tables, tuned for Chinese roads.

OSM ``maxspeed`` is missing on most Chinese roads (the Dalian graph in the shared data has
none), so every mode carries a speed for each OSM ``highway`` class. The defaults are typical
*travel* speeds, not posted limits:

- ``drive``: urban Chinese road classes (快速路 expressways are usually tagged ``trunk`` or
  ``motorway`` in OSM; 主干路 arterials ``primary``; 次干路 ``secondary``; 支路 ``tertiary`` /
  ``residential``), average speeds including intersection delay.
- ``ambulance``: drive speeds times ``speed_factor`` (1.2: lights and sirens) times a
  congestion factor (``off-peak`` 1.0, ``peak`` 0.7).
- ``walk``: 4.5 km/h everywhere pedestrians may go; motorways excluded; one-way ignored.
- ``bike``: 15 km/h; ``ebike`` (电动自行车, GB 17761 caps them at 25 km/h): 20 km/h.

Every number can be overridden with ``speeds={...}`` and the mode used is written to
``G.graph["healthcov"]`` so reports can print it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ..errors import InputError

__all__ = [
    "TravelMode",
    "MODES",
    "get_mode",
    "CHINESE_ROAD_CLASSES",
    "ENGLISH_ROAD_CLASSES",
    "KNOWN_OSM_CLASSES",
    "clean_class",
    "known_classes",
]

# km/h, by OSM highway class
_DRIVE_KPH: dict[str, float] = {
    "motorway": 80.0,
    "motorway_link": 40.0,
    "trunk": 60.0,
    "trunk_link": 35.0,
    "primary": 40.0,
    "primary_link": 30.0,
    "secondary": 35.0,
    "secondary_link": 25.0,
    "tertiary": 30.0,
    "tertiary_link": 25.0,
    "unclassified": 25.0,
    "road": 25.0,
    "residential": 20.0,
    "living_street": 10.0,
    "service": 15.0,
    "track": 10.0,
}

_NOT_FOR_CARS = frozenset(
    {
        "footway",
        "pedestrian",
        "path",
        "steps",
        "cycleway",
        "bridleway",
        "corridor",
        "elevator",
        "platform",
        "proposed",
        "construction",
        "abandoned",
        "raceway",
        "bus_guideway",
        "escape",
        "busway",
    }
)
_NOT_FOR_PEOPLE = frozenset(
    {"motorway", "motorway_link", "proposed", "construction", "abandoned", "raceway", "bus_guideway", "busway"}
)

#: Road-class names used by Chinese planning bureaus, mapped to OSM ``highway`` classes, whose
#: drive speeds (``_DRIVE_KPH``: average travel speeds including intersection delay) then apply.
#: Sources of each mapping:
#:
#: - urban roads, CJJ 37-2012 《城市道路工程设计规范》 §3.1 design speeds (GB 50220-95 and
#:   GB/T 51328-2018 give the same classes): 快速路 60–100 km/h → ``trunk`` (60); 主干路 40–60
#:   → ``primary`` (40); 次干路 30–50 → ``secondary`` (35); 支路 20–40 → ``tertiary`` (30).
#:   The travel speed used is at the low end of the design-speed range (an assumption: signals
#:   and traffic keep average urban speeds below design speeds).
#: - highway technical grades, JTG B01-2014 《公路工程技术标准》 design speeds: 高速公路 80–120
#:   → ``motorway`` (80); 一级公路 60–100 → ``trunk`` (60); 二级公路 60–80 → ``primary`` (40,
#:   an assumption: mixed traffic through villages); 三级公路 30–40 → ``secondary`` (35);
#:   四级公路 20–30 → ``unclassified`` (25).
#: - administrative classes (国道/省道/县道/乡道/村道) carry no design speed of their own; they
#:   are mapped to the technical grade they usually have in Zhejiang (an assumption): 国道 →
#:   ``trunk``, 省道 → ``primary``, 县道 → ``secondary``, 乡道 → ``tertiary``, 村道 → ``unclassified``.
#: - ramps (匝道) → ``motorway_link`` (40), side roads (辅路) → ``secondary`` (35), estate and
#:   lane roads → ``residential`` (20): assumptions, as in OSM China tagging practice.
CHINESE_ROAD_CLASSES: Mapping[str, str] = MappingProxyType(
    {
        "高速公路": "motorway",
        "高速": "motorway",
        "快速路": "trunk",
        "城市快速路": "trunk",
        "城市快速道路": "trunk",
        "一级公路": "trunk",
        "国道": "trunk",
        "主干路": "primary",
        "主干道": "primary",
        "城市主干路": "primary",
        "城市主干道": "primary",
        "二级公路": "primary",
        "省道": "primary",
        "次干路": "secondary",
        "次干道": "secondary",
        "城市次干路": "secondary",
        "城市次干道": "secondary",
        "三级公路": "secondary",
        "县道": "secondary",
        "辅路": "secondary",
        "支路": "tertiary",
        "城市支路": "tertiary",
        "乡道": "tertiary",
        "四级公路": "unclassified",
        "村道": "unclassified",
        "等外公路": "unclassified",
        "匝道": "motorway_link",
        "街巷": "residential",
        "小区道路": "residential",
        "内部道路": "service",
        "步行道": "footway",
        "人行道": "footway",
        "步行街": "pedestrian",
        "非机动车道": "cycleway",
        "自行车道": "cycleway",
    }
)

#: English road-class names seen in bureau and commercial layers (compared in lower case),
#: mapped like their Chinese equivalents above (same sources; "expressway" is 高速公路 in
#: Chinese English usage, "urban expressway" 城市快速路).
ENGLISH_ROAD_CLASSES: Mapping[str, str] = MappingProxyType(
    {
        "expressway": "motorway",
        "freeway": "motorway",
        "urban expressway": "trunk",
        "national road": "trunk",
        "national highway": "trunk",
        "primary road": "primary",
        "main road": "primary",
        "arterial": "primary",
        "arterial road": "primary",
        "major arterial": "primary",
        "provincial road": "primary",
        "provincial highway": "primary",
        "secondary road": "secondary",
        "minor arterial": "secondary",
        "sub-arterial": "secondary",
        "collector": "secondary",
        "collector road": "secondary",
        "county road": "secondary",
        "side road": "secondary",
        "tertiary road": "tertiary",
        "branch road": "tertiary",
        "local road": "tertiary",
        "township road": "tertiary",
        "village road": "unclassified",
        "residential road": "residential",
        "street": "residential",
        "ramp": "motorway_link",
        "footpath": "footway",
        "sidewalk": "footway",
    }
)


@dataclass(frozen=True)
class TravelMode:
    """How people or vehicles move on the network.

    Parameters
    ----------
    name
        Mode name (``walk``, ``bike``, ``ebike``, ``drive``, ``ambulance``).
    speeds_kph
        Speed for each OSM ``highway`` class, km/h.
    fallback_kph
        Speed for classes not in ``speeds_kph`` (and not excluded).
    excluded
        ``highway`` classes this mode may not use.
    oneway
        Whether one-way streets are respected. ``False`` adds the missing reverse edges.
    access_speed_kph
        Speed of the leg between a point and the road it snaps to.
    max_snap_m
        Points farther than this from every road are reported as off-network.
    speed_factor, congestion_factor
        Multipliers applied to every speed (ambulance: lights and sirens, peak traffic).
    default_direction
        ``"to_facility"`` (a resident travels to the clinic) or ``"from_facility"`` (an
        ambulance travels from the station to the patient).
    """

    name: str
    speeds_kph: Mapping[str, float]
    fallback_kph: float
    excluded: frozenset[str] = field(default_factory=frozenset)
    oneway: bool = True
    access_speed_kph: float = 5.0
    max_snap_m: float = 500.0
    speed_factor: float = 1.0
    congestion_factor: float = 1.0
    default_direction: str = "to_facility"
    use_maxspeed: bool = False

    def speed_for(self, highway: Any, maxspeed: Any = None) -> float | None:
        """Speed in km/h for one edge, or ``None`` when the mode may not use it.

        ``highway`` may be a list (osmnx keeps a list when simplification merged classes):
        the edge is usable if any class is, and its speed is the mean of the usable ones.
        """
        classes = highway if isinstance(highway, (list, tuple, set)) else [highway]
        speeds = []
        for c in classes:
            c = clean_class(c)
            if c in self.excluded:
                continue
            speeds.append(float(self.speeds_kph.get(c, self.fallback_kph)))
        if not speeds:
            return None
        kph = sum(speeds) / len(speeds)
        if self.use_maxspeed:
            ms = parse_maxspeed(maxspeed)
            if ms is not None:
                kph = ms
        return kph * self.speed_factor * self.congestion_factor

    def describe(self) -> dict[str, Any]:
        """Plain-dict description, stored in ``G.graph['healthcov']['mode']``."""
        return {
            "name": self.name,
            "speeds_kph": dict(self.speeds_kph),
            "fallback_kph": self.fallback_kph,
            "excluded": sorted(self.excluded),
            "oneway": self.oneway,
            "access_speed_kph": self.access_speed_kph,
            "max_snap_m": self.max_snap_m,
            "speed_factor": self.speed_factor,
            "congestion_factor": self.congestion_factor,
            "default_direction": self.default_direction,
            "use_maxspeed": self.use_maxspeed,
        }


def clean_class(c: Any) -> str:
    """The OSM ``highway`` class for a road-class value (Chinese or English names mapped)."""
    s = str(c).strip()
    if s in CHINESE_ROAD_CLASSES:
        return CHINESE_ROAD_CLASSES[s]
    low = s.lower()
    words = " ".join(low.replace("_", " ").split())
    return ENGLISH_ROAD_CLASSES.get(words, low)


#: OSM ``highway`` values every mode recognises (a speed, an exclusion, or the mode's own speed)
KNOWN_OSM_CLASSES = (
    frozenset(_DRIVE_KPH)
    | _NOT_FOR_CARS
    | _NOT_FOR_PEOPLE
    # rarer OSM values whose fallback speed is deliberate (a walk on a trail, a drive into a rest area)
    | frozenset({"trail", "rest_area", "services", "emergency_bay", "crossing", "ladder", "unknown"})
)


def known_classes(mode: TravelMode) -> frozenset[str]:
    """Cleaned class names ``mode`` has a deliberate speed or exclusion for."""
    return KNOWN_OSM_CLASSES | frozenset(mode.speeds_kph) | mode.excluded


def parse_maxspeed(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h (``"60"``, ``"30 mph"``, ``["40", "60"]``)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        vals = [v for v in (parse_maxspeed(x) for x in value) if v is not None]
        return sum(vals) / len(vals) if vals else None
    if isinstance(value, (int, float)):
        return float(value) if value == value and value > 0 else None
    s = str(value).strip().lower()
    factor = 1.609344 if "mph" in s else 1.0
    num = "".join(ch for ch in s.split(";")[0] if ch.isdigit() or ch == ".")
    try:
        v = float(num) * factor
    except ValueError:
        return None
    return v if v > 0 else None


MODES: Mapping[str, TravelMode] = MappingProxyType(
    {
        "walk": TravelMode(
            "walk",
            speeds_kph={},
            fallback_kph=4.5,
            excluded=_NOT_FOR_PEOPLE,
            oneway=False,
            access_speed_kph=4.5,
            max_snap_m=500.0,
        ),
        "bike": TravelMode(
            "bike",
            speeds_kph={"steps": 2.0},
            fallback_kph=15.0,
            excluded=_NOT_FOR_PEOPLE,
            oneway=True,
            access_speed_kph=4.5,
            max_snap_m=500.0,
        ),
        "ebike": TravelMode(
            "ebike",
            speeds_kph={"steps": 2.0, "footway": 8.0, "pedestrian": 8.0},
            fallback_kph=20.0,
            excluded=_NOT_FOR_PEOPLE,
            oneway=True,
            access_speed_kph=4.5,
            max_snap_m=500.0,
        ),
        "drive": TravelMode(
            "drive",
            speeds_kph=MappingProxyType(dict(_DRIVE_KPH)),
            fallback_kph=25.0,
            excluded=_NOT_FOR_CARS,
            oneway=True,
            access_speed_kph=15.0,
            max_snap_m=1000.0,
        ),
        "ambulance": TravelMode(
            "ambulance",
            speeds_kph=MappingProxyType(dict(_DRIVE_KPH)),
            fallback_kph=25.0,
            excluded=_NOT_FOR_CARS,
            oneway=True,
            access_speed_kph=15.0,
            max_snap_m=1000.0,
            speed_factor=1.2,
            default_direction="from_facility",
        ),
    }
)

#: the highest speed a table, fallback or access speed may give (km/h): above it a unit is wrong
MAX_KPH = 200.0

_CONGESTION = {"off-peak": 1.0, "offpeak": 1.0, "none": 1.0, "peak": 0.7}


def get_mode(
    mode: str | TravelMode,
    *,
    speeds: Mapping[str, float] | None = None,
    fallback_kph: float | None = None,
    congestion: str | float | None = None,
    speed_factor: float | None = None,
    access_speed_kph: float | None = None,
    max_snap_m: float | None = None,
    use_maxspeed: bool | None = None,
) -> TravelMode:
    """Return a :class:`TravelMode` by name (any case), with optional overrides.

    Examples
    --------
    >>> get_mode("Ambulance", congestion="peak").congestion_factor
    0.7
    >>> get_mode("drive", speeds={"residential": 15}).speeds_kph["residential"]
    15.0
    """
    if isinstance(mode, TravelMode):
        base = mode
    else:
        key = str(mode).strip().lower().replace("-", "").replace("_", "")
        key = {"ebicycle": "ebike", "cycle": "bike", "bicycle": "bike", "car": "drive", "foot": "walk"}.get(key, key)
        if key not in MODES:
            msg = f"unknown mode {mode!r}: use one of {', '.join(sorted(MODES))} (any case), or a TravelMode"
            raise InputError(msg)
        base = MODES[key]
    changes: dict[str, Any] = {}
    if speeds:
        changes["speeds_kph"] = _merged_speeds(base, speeds)
    if fallback_kph is not None:
        changes["fallback_kph"] = _positive(fallback_kph, "fallback_kph", MAX_KPH)
    if congestion is not None:
        changes["congestion_factor"] = _congestion_factor(congestion)
    if speed_factor is not None:
        changes["speed_factor"] = _positive(speed_factor, "speed_factor")
    if access_speed_kph is not None:
        changes["access_speed_kph"] = _positive(access_speed_kph, "access_speed_kph", MAX_KPH)
    if max_snap_m is not None:
        changes["max_snap_m"] = _positive(max_snap_m, "max_snap_m")
    if use_maxspeed is not None:
        changes["use_maxspeed"] = bool(use_maxspeed)
    return replace(base, **changes) if changes else base


def _merged_speeds(base: TravelMode, speeds: Any) -> Mapping[str, float]:
    if not isinstance(speeds, Mapping):
        msg = f"speeds must map road classes to km/h, e.g. {{'primary': 40}}; got {type(speeds).__name__}"
        raise InputError(msg)
    bad = {k: v for k, v in speeds.items() if not isinstance(v, (int, float)) or not 0 < v <= MAX_KPH}
    if bad:
        msg = f"speeds must be positive numbers in km/h (at most {MAX_KPH:g}); got {bad!r}"
        raise InputError(msg)
    merged = dict(base.speeds_kph)
    merged.update({clean_class(k): float(v) for k, v in speeds.items()})
    return MappingProxyType(merged)


def _congestion_factor(congestion: Any) -> float:
    if isinstance(congestion, str):
        ckey = congestion.strip().lower()
        if ckey not in _CONGESTION:
            msg = f"unknown congestion {congestion!r}: use 'off-peak', 'peak' or a factor such as 0.8"
            raise InputError(msg)
        return _CONGESTION[ckey]
    factor = _positive(congestion, "congestion")
    if factor > 1.0:  # congestion slows traffic: a factor above 1 is a speed-up, not congestion
        msg = (
            f"congestion={congestion!r} would make traffic faster than free flow: give a factor between "
            "0 and 1 (peak is 0.7), 'peak' or 'off-peak'; to raise speeds use speed_factor="
        )
        raise InputError(msg)
    return factor


def _positive(value: Any, name: str, high: float = float("inf")) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not 0 < v < float("inf"):
        msg = f"{name} must be a positive number, got {value!r}"
        raise InputError(msg)
    if v > high:
        msg = f"{name} must be at most {high:g} km/h, got {value!r} (a speed in another unit?)"
        raise InputError(msg)
    return v
