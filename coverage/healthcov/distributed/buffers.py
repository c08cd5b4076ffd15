"""Buffers around each partition, and where each task reads its roads."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd

from ..errors import InputError, describe_ids
from ..network.modes import MODES, get_mode
from ..network.prepare import is_network
from ..standards import selected_rules
from ..standards.profiles import Profile, load_profile
from ..standards.profiles import strictest as strictest_rule

__all__ = ["partition_buffers", "network_sources", "numbers", "resolve_mode", "top_kph"]


def numbers(spec: Any) -> list[float]:
    """Every number in a rule parameter (a number, a pair, or a mapping by area class)."""
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        return [x for v in spec.values() for x in numbers(v)]
    if isinstance(spec, (list, tuple)):
        return [float(v) for v in spec]
    return [float(spec)]


def resolve_mode(wanted: Sequence[str], modes: Sequence[str]) -> str:
    """The engine's choice of network: the first wanted mode present, else the first one given."""
    return next((w for w in wanted if w in modes), modes[0])


def top_kph(mode: str, network_kwargs: Mapping[str, Any]) -> float:
    tm = get_mode(
        mode,
        speeds=network_kwargs.get("speeds"),
        congestion=network_kwargs.get("congestion"),
        speed_factor=network_kwargs.get("speed_factor"),
        use_maxspeed=network_kwargs.get("use_maxspeed"),
    )
    allowed = [float(v) for k, v in tm.speeds_kph.items() if k not in tm.excluded]
    top = max([*allowed, tm.fallback_kph]) * tm.speed_factor * tm.congestion_factor
    return max(top, tm.access_speed_kph)


def partition_buffers(
    profile: str | Profile = "zhejiang",
    *,
    modes: Sequence[str] = ("walk", "drive", "ambulance"),
    circle_modes: Mapping[str, str] | None = None,
    rules: Sequence[str] | None = None,
    max_snap_m: float | None = None,
    network_kwargs: Mapping[str, Any] | None = None,
    top_speed_kph: float | Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Default buffer (m) around each partition, per network mode.

    For each mode: the largest time threshold of the rules that use it (service-circle minutes,
    response-time minutes with the activation delay *not* subtracted, and the stricter versions
    along the profile chain) times the mode's top speed, or the largest service radius; plus the
    mode's snapping limit (a facility that far from its road still snaps to the same road). A
    mode no rule uses gets the snapping limit only. The top speed is the fastest class of the
    mode's speed table (drive: motorway 80 km/h; ambulance ×1.2; walk 4.5 km/h), or the access
    speed when that is faster; ``top_speed_kph`` (one number, or one per mode) gives the fastest
    road of your network instead, when you know it (a network without motorways needs less).
    Use it to cut one network file per area with enough overlap.

    Examples
    --------
    >>> b = partition_buffers("zhejiang")
    >>> b["walk"]  # 20 min (rural circle, strictest) at 4.5 km/h + 500 m snapping
    2000.0
    >>> b["ambulance"]  # 15 min response at 96 km/h + 1,000 m snapping
    25000.0
    """
    prof = load_profile(profile)
    modes = [get_mode(m).name for m in modes]
    if not modes:
        msg = "modes must name at least one network (walk, drive, ambulance, bike, ebike)"
        raise InputError(msg)
    nk = dict(network_kwargs or {})
    cmodes = dict(circle_modes or {"urban": "walk", "rural": "drive"})
    need_s = dict.fromkeys(modes, 0.0)
    need_m = dict.fromkeys(modes, 0.0)
    for rule in selected_rules(prof, rules):
        versions = [rule, *(a for a in rule.ancestors if a.kind == rule.kind)]
        if rule.parent is not None:
            versions.append(strictest_rule(rule))
        for r in versions:
            p = r.params
            if r.kind == "service_circle":
                minutes = max(numbers(p.get("minutes")), default=0.0)
                for m in {*cmodes.values(), "walk"}:
                    mode = resolve_mode([m], modes)
                    need_s[mode] = max(need_s[mode], minutes * 60.0)
            elif r.kind == "response_time":
                mode = resolve_mode(["ambulance", "drive"], modes)
                need_s[mode] = max(need_s[mode], max(numbers(p.get("minutes_lt")), default=0.0) * 60.0)
            elif r.kind == "service_radius":
                mode = resolve_mode(["ambulance", "drive"], modes)
                need_m[mode] = max(need_m[mode], max(numbers(p.get("radius_km")), default=0.0) * 1000.0)
    out = {}
    for mode in modes:
        snap = float(MODES[mode].max_snap_m if max_snap_m is None else max_snap_m)
        top = top_speed_kph.get(mode) if isinstance(top_speed_kph, Mapping) else top_speed_kph
        kph = top_kph(mode, nk) if top is None else max(float(top), MODES[mode].access_speed_kph)
        reach = max(need_s[mode] * kph / 3.6, need_m[mode])
        out[mode] = float(round(reach + snap, 6))
    return out


def network_sources(
    network: Any, areas: gpd.GeoDataFrame, modes: Sequence[str]
) -> tuple[dict[str, dict[str, str]], bool, str]:
    """Per area code: {mode: path}; whether each file is the whole network; a description."""
    codes = [str(c) for c in areas["area_code"]]
    names = dict(zip(codes, areas["area_name"].astype(str), strict=True))
    if is_network(network):
        msg = (
            "assess_partitioned reads the road network inside each task and never ships a graph from the client: "
            "save it (net.save_graphml('roads.graphml') for a healthcov.Network, osmnx.save_graphml(G, …) for a "
            "networkx graph) on storage every worker can read and pass the path, "
            "or pass a path template such as 'roads/{area_code}.graphml'"
        )
        raise InputError(msg)
    if isinstance(network, (str, os.PathLike)):
        s = os.fspath(network)
        if "{" not in s:
            return {c: dict.fromkeys(modes, s) for c in codes}, True, f"one file: {s}"
        try:
            out = {c: {m: s.format(area_code=c, area_name=names[c], mode=m) for m in modes} for c in codes}
        except (KeyError, IndexError, ValueError) as exc:
            msg = f"network template {s!r} may use {{area_code}}, {{area_name}} and {{mode}} only ({exc})"
            raise InputError(msg) from None
        return out, False, f"one file per partition: {s}"
    if isinstance(network, Mapping):
        keys = [str(k) for k in network]
        if keys and set(keys) <= set(modes):  # one whole-network file per mode
            by_mode = {str(k): os.fspath(v) for k, v in network.items()}
            missing_modes = [m for m in modes if m not in by_mode]
            if missing_modes:
                msg = f"network: no file for mode(s) {missing_modes}; give one for each of {list(modes)}"
                raise InputError(msg)
            return {c: dict(by_mode) for c in codes}, True, f"one file per mode: {by_mode}"
        lookup = {str(k): v for k, v in network.items()}
        missing = [c for c in codes if c not in lookup]
        if missing:
            msg = (
                f"network: no file for {len(missing)} area(s) {describe_ids(missing)}; the mapping must have one "
                "entry per area code (a path, or a {mode: path} mapping)"
            )
            raise InputError(msg)
        out = {}
        for c in codes:
            v = lookup[c]
            if isinstance(v, Mapping):
                gaps = [m for m in modes if m not in v]
                if gaps:
                    msg = f"network[{c!r}] has no file for mode(s) {gaps}"
                    raise InputError(msg)
                out[c] = {m: os.fspath(v[m]) for m in modes}
            else:
                out[c] = dict.fromkeys(modes, os.fspath(v))
        return out, False, "one file per partition (mapping by area code)"
    msg = (
        f"network must be a file path, a path template with {{area_code}}, or a mapping by area code; "
        f"got {type(network).__name__}"
    )
    raise InputError(msg)
