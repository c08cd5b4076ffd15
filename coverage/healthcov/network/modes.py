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

__all__ = ["TravelMode", "MODES", "get_mode", "CHINESE_ROAD_CLASSES"]

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

#: Road-class names used by Chinese planning bureaus, mapped to OSM ``highway`` classes.
CHINESE_ROAD_CLASSES: Mapping[str, str] = MappingProxyType(
    {
        "高速公路": "motorway",
        "高速": "motorway",
        "快速路": "trunk",
        "城市快速路": "trunk",
        "国道": "trunk",
        "主干路": "primary",
        "主干道": "primary",
        "省道": "primary",
        "次干路": "secondary",
        "次干道": "secondary",
        "县道": "secondary",
        "支路": "tertiary",
        "乡道": "tertiary",
        "村道": "unclassified",
        "街巷": "residential",
        "小区道路": "residential",
        "步行道": "footway",
        "人行道": "footway",
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
            c = _clean_class(c)
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


def _clean_class(c: Any) -> str:
    s = str(c).strip()
    return CHINESE_ROAD_CLASSES.get(s, s.lower())


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
        bad = {k: v for k, v in speeds.items() if not isinstance(v, (int, float)) or not v > 0}
        if bad:
            msg = f"speeds must be positive numbers in km/h; got {bad!r}"
            raise InputError(msg)
        merged = dict(base.speeds_kph)
        merged.update({_clean_class(k): float(v) for k, v in speeds.items()})
        changes["speeds_kph"] = MappingProxyType(merged)
    if fallback_kph is not None:
        changes["fallback_kph"] = _positive(fallback_kph, "fallback_kph")
    if congestion is not None:
        if isinstance(congestion, str):
            ckey = congestion.strip().lower()
            if ckey not in _CONGESTION:
                msg = f"unknown congestion {congestion!r}: use 'off-peak', 'peak' or a factor such as 0.8"
                raise InputError(msg)
            changes["congestion_factor"] = _CONGESTION[ckey]
        else:
            changes["congestion_factor"] = _positive(congestion, "congestion")
    if speed_factor is not None:
        changes["speed_factor"] = _positive(speed_factor, "speed_factor")
    if access_speed_kph is not None:
        changes["access_speed_kph"] = _positive(access_speed_kph, "access_speed_kph")
    if max_snap_m is not None:
        changes["max_snap_m"] = _positive(max_snap_m, "max_snap_m")
    if use_maxspeed is not None:
        changes["use_maxspeed"] = bool(use_maxspeed)
    return replace(base, **changes) if changes else base


def _positive(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not v > 0:
        msg = f"{name} must be a positive number, got {value!r}"
        raise InputError(msg)
    return v
