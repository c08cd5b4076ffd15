"""Province scale: the same assessment, partitioned by area and run on Dask.

A province (Zhejiang: 90 counties, tens of thousands of facilities, millions of road nodes)
does not fit one :func:`healthcov.assess` call comfortably. :func:`assess_partitioned` runs one
Dask task per area (county, district): the task reads its own road network from a file (one
file for all, or one file per area on shared storage), keeps the roads within the area plus a
buffer wide enough for every cross-border trip the rules can count, takes the facilities in
that buffer and the population points inside the area, and runs :func:`healthcov.assess` for
that one area. The client merges the small per-area tables into the :class:`Assessment` the
single-machine path returns: per-area rows are the same, and jurisdiction-wide rows (a city's
mean response time, ratios with ``scope = "jurisdiction"``) are recomputed from the merged
per-point values, so they are the same too. The client never loads a road network.

Exactness. A trip of ``t`` seconds never leaves the circle of radius ``t × top speed`` around
its start, so the buffer ``threshold × top speed + snapping limit`` holds every trip up to the
threshold (see :func:`partition_buffers`). Times beyond it (which enter means and 90th
percentiles) are checked after each run: when a value may have been cut off by the buffer, the
task widens the buffer and runs again (as far as its network file reaches). What could not be
checked is counted per partition in ``assumptions["execution"]["partitions_detail"]``
(``values_beyond_buffer``) and named in the notes.

Division of labour. The client runs :func:`healthcov.assess` without a network (``G=None``) for
what needs none: areas and their population, classes, facility types and statuses, ratio and
count rules. The tasks run the network rules (service circles, radii, response times). Tasks
in threads of one worker process take turns (warning filters are per process); use worker
processes, one thread each, as ``workers=N`` does.
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import re
import sys
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._columns import GRAPH_KEY, TRAVEL_TIME
from .errors import HealthcovError, HealthcovWarning, InputError, OffNetworkWarning, describe_ids
from .io._common import local_utm
from .io.population import POP, read_areas
from .network.modes import MODES, get_mode
from .standards import engine as _engine
from .standards.engine import TABLE_COLUMNS, Assessment, assess
from .standards.profiles import Profile, Rule, load_profile
from .standards.profiles import strictest as strictest_rule

log = logging.getLogger(__name__)

__all__ = ["assess_partitioned", "partition_buffers", "PartitionFailedWarning", "PartitionError"]

ROW = "_healthcov_row"  # original position of a population point, carried through the tasks
FAC = "_healthcov_facility"  # original position of a facility
_SPATIAL = ("service_circle", "service_radius", "response_time")
_NETWORK_KWARGS = (
    *("speeds", "congestion", "speed_factor", "use_maxspeed", "crs", "to_crs", "layer"),
    *("road_class", "oneway", "speed", "directed", "largest_component"),
)
_MAX_ROUNDS = 12


class PartitionFailedWarning(HealthcovWarning):
    """A partition (area) failed; its rows say ``not_assessed`` and carry the error."""


class PartitionError(HealthcovError):
    """A partition's task raised an error of a kind that is not healthcov's (see ``error_type``)."""

    def __init__(self, message: str, error_type: str = "") -> None:
        super().__init__(message)
        self.error_type = error_type or type(self).__name__


# ---------------------------------------------------------------------------------------------
# buffers


def _numbers(spec: Any) -> list[float]:
    """Every number in a rule parameter (a number, a pair, or a mapping by area class)."""
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        return [x for v in spec.values() for x in _numbers(v)]
    if isinstance(spec, (list, tuple)):
        return [float(v) for v in spec]
    return [float(spec)]


def _resolve(wanted: Sequence[str], modes: Sequence[str]) -> str:
    """The engine's choice of network: the first wanted mode present, else the first one given."""
    return next((w for w in wanted if w in modes), modes[0])


def _selected_rules(profile: Profile, rules: Sequence[str] | None) -> list[Rule]:
    wanted = None if rules is None else set(rules)
    return [r for r in profile.rules if (wanted is None or r.id in wanted) and r.kind in _engine._EVALUATORS]


def _top_kph(mode: str, network_kwargs: Mapping[str, Any]) -> float:
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
    for rule in _selected_rules(prof, rules):
        versions = [rule, *(a for a in rule.ancestors if a.kind == rule.kind)]
        if rule.parent is not None:
            versions.append(strictest_rule(rule))
        for r in versions:
            p = r.params
            if r.kind == "service_circle":
                minutes = max(_numbers(p.get("minutes")), default=0.0)
                for m in {*cmodes.values(), "walk"}:
                    mode = _resolve([m], modes)
                    need_s[mode] = max(need_s[mode], minutes * 60.0)
            elif r.kind == "response_time":
                mode = _resolve(["ambulance", "drive"], modes)
                need_s[mode] = max(need_s[mode], max(_numbers(p.get("minutes_lt")), default=0.0) * 60.0)
            elif r.kind == "service_radius":
                mode = _resolve(["ambulance", "drive"], modes)
                need_m[mode] = max(need_m[mode], max(_numbers(p.get("radius_km")), default=0.0) * 1000.0)
    out = {}
    for mode in modes:
        snap = float(MODES[mode].max_snap_m if max_snap_m is None else max_snap_m)
        top = top_speed_kph.get(mode) if isinstance(top_speed_kph, Mapping) else top_speed_kph
        kph = _top_kph(mode, nk) if top is None else max(float(top), MODES[mode].access_speed_kph)
        reach = max(need_s[mode] * kph / 3.6, need_m[mode])
        out[mode] = float(round(reach + snap, 6))
    return out


# ---------------------------------------------------------------------------------------------
# network sources


def _network_sources(
    network: Any, areas: gpd.GeoDataFrame, modes: Sequence[str]
) -> tuple[dict[str, dict[str, str]], bool, str]:
    """Per area code: {mode: path}; whether each file is the whole network; a description."""
    codes = [str(c) for c in areas["area_code"]]
    names = dict(zip(codes, areas["area_name"].astype(str), strict=True))
    if isinstance(network, nx.Graph):
        msg = (
            "assess_partitioned reads the road network inside each task and never ships a graph from the client: "
            "save it (osmnx.save_graphml(G, 'roads.graphml')) on storage every worker can read and pass the path, "
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


# ---------------------------------------------------------------------------------------------
# the task


def _clip(G: nx.MultiDiGraph, region: Any) -> tuple[nx.MultiDiGraph, bool]:
    """The roads of ``G`` that touch ``region`` (whole edges), and whether that is all of ``G``."""
    from .network.arrays import graph_arrays

    arr = graph_arrays(G)
    tree, rep = arr.tree()
    hit = rep[tree.query(region, predicate="intersects")]
    twins = arr.twin[hit]
    keep = np.unique(np.concatenate([hit, twins[twins >= 0]]))
    if len(keep) == arr.m:
        return G, True
    ids = arr.node_ids
    edges = [(ids[u], ids[v], k) for u, v, k in zip(arr.u[keep], arr.v[keep], arr.key[keep], strict=True)]
    H = G.edge_subgraph(edges).copy()
    H.graph = dict(G.graph)
    info = dict(G.graph[GRAPH_KEY])
    info.update(
        nodes=H.number_of_nodes(),
        edges=len(edges),
        nodes_in_file=G.number_of_nodes(),
        dropped_node_ids=[],
    )
    H.graph[GRAPH_KEY] = info
    return H, False


def _top_mps(G: nx.MultiDiGraph) -> float:
    """Fastest speed on ``G`` (m/s), at least the access speed of its mode."""
    from .network.arrays import graph_arrays

    arr = graph_arrays(G)
    ok = arr.travel_time > 0
    top = float(np.max(arr.length[ok] / arr.travel_time[ok])) if ok.any() else 0.0
    access = float(G.graph[GRAPH_KEY]["mode"]["access_speed_kph"]) / 3.6
    return max(top, access)


def _peak_rss_mb() -> float:
    try:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return float(kb) / 1024.0 if sys.platform != "darwin" else float(kb) / 2**20
    except ImportError:  # pragma: no cover - Windows
        import psutil

        return float(psutil.Process().memory_info().peak_wset) / 2**20


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "in-process"


def _limits(row: pd.Series, prof: Profile, top_mps: float) -> tuple[float, float]:
    """(metres of network reach, metres of straight-line reach) a row's thresholds need."""
    kind, limit = row["kind"], float(row["limit"])
    if kind in ("service_circle", "response_time"):
        return limit * 60.0 * top_mps, 0.0
    spec = _engine._by_class(prof.rule(row["rule_id"]).params.get("radius_km"), str(row["area_class"]))
    km = max(_numbers(spec), default=limit)
    return km * 1000.0, km * 1000.0


# Python's warning filters are one global state per process: tasks running in threads of one
# process take turns, so that each one records its own warnings and restores the state it found.
_WARNINGS_LOCK = threading.Lock()


def _run_partition(spec: dict[str, Any], facilities: gpd.GeoDataFrame) -> dict[str, Any]:
    """One area: read its networks, keep the buffer, assess, check the buffer, return small pieces.

    The task's warnings are recorded and returned (the client issues them, naming the partition).
    """
    with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = _partition(spec, facilities)
        except Exception as exc:  # returned, not raised: exceptions do not all survive Dask's pickling
            kind = type(exc)
            out = {"error": (kind.__module__, kind.__qualname__, str(exc), traceback.format_exc())}
    out["warnings"] = [(w.category, str(w.message)) for w in caught]
    return out


def _rebuild(module: str, name: str, message: str) -> BaseException:
    """The task's exception, as the same healthcov or built-in class where possible."""
    import builtins

    from . import errors

    cls = getattr(errors, name, None) if module == "healthcov.errors" else None
    if cls is None and module == "builtins":
        cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(message)
        except Exception:  # pragma: no cover - a class with another signature
            pass
    return PartitionError(message, error_type=name)


def _partition(spec: dict[str, Any], facilities: gpd.GeoDataFrame) -> dict[str, Any]:
    from .io.networks import read_network

    t0 = time.perf_counter()
    code, name = spec["area_code"], spec["area_name"]
    area: gpd.GeoDataFrame = spec["area"]
    poly = area.geometry.iloc[0]
    kwargs: dict[str, Any] = dict(spec["assess_kwargs"])
    max_snap_m = kwargs.get("max_snap_m")
    delay = float(kwargs["activation_delay_min"])
    prof = load_profile(spec["profile"])

    pop: gpd.GeoDataFrame = spec["population"]
    empty = len(pop) == 0
    if empty:  # an area without people: one point of 0 people, so that its rows say "no population"
        pop = gpd.GeoDataFrame({POP: [0.0], ROW: [-1]}, geometry=[poly.representative_point()], crs=area.crs)

    full: dict[str, nx.MultiDiGraph] = {}
    for mode, path in spec["sources"].items():
        full[mode] = read_network(path, mode=mode, to_crs=spec["crs"], **spec["network_kwargs"])
    top = {m: _top_mps(G) for m, G in full.items()}
    buffers = {m: float(spec["buffers"][m]) for m in full}
    complete = bool(spec["complete"])
    rounds = 0
    while True:
        graphs: dict[str, nx.MultiDiGraph] = {}
        whole: dict[str, bool] = {}
        for mode, G in full.items():
            graphs[mode], whole[mode] = _clip(G, poly.buffer(buffers[mode]))
        snap = {
            m: float(g.graph[GRAPH_KEY]["mode"]["max_snap_m"] if max_snap_m is None else max_snap_m)
            for m, g in graphs.items()
        }
        exact_all = complete and all(whole.values())
        fac_radius = math.inf if exact_all else max(buffers[m] - snap[m] for m in graphs)
        fac = facilities if exact_all else facilities[shapely.dwithin(facilities.geometry.values, poly, fac_radius)]
        if len(fac) == 0 and not all(whole.values()):
            buffers = {m: 2.0 * b for m, b in buffers.items()}
            rounds += 1
            continue
        res = assess(graphs, fac, pop, area, prof, type_column=None, **kwargs)
        ctx = _engine._Context(graphs=graphs, demand=res.demand, facilities=res.facilities, max_snap_m=max_snap_m)
        jur: dict[tuple[Any, ...], np.ndarray] = {}
        for rule in _selected_rules(prof, spec["rules"]):
            if rule.kind != "response_time" or str(rule.params.get("scope", "area")) != "jurisdiction":
                continue
            mode = _engine._pick_graph(graphs, ["ambulance", "drive"])[0]
            versions = [rule, strictest_rule(rule)] if spec["strictest"] and rule.parent is not None else [rule]
            for r in versions:
                key = (mode, tuple(r.facility_types), TRAVEL_TIME, "from_facility", None)
                if key not in jur:
                    jur[key] = ctx.costs(*key)

        # Could the buffer have cut off a trip? A value up to the horizon is exact (its whole trip
        # lies inside the buffer); thresholds must lie within the horizon; a larger or infinite
        # value of a point on the network may be too large.
        need: dict[str, float] = dict.fromkeys(graphs, 0.0)  # network reach needed beyond the snapping limit
        doubt: dict[str, int] = dict.fromkeys(graphs, 0)
        checks: list[tuple[str, np.ndarray, float]] = []  # (mode, metres each value may reach, horizon)
        t = res.table
        own = t[(t["area_code"] == code) & t["kind"].isin(_SPATIAL) & t["limit"].notna() & t["mode"].notna()]
        for _, row in own.iterrows():
            rid, mode, kind = row["rule_id"], str(row["mode"]), row["kind"]
            net_m, straight_m = _limits(row, prof, top[mode])
            need[mode] = max(need[mode], net_m)
            if straight_m > fac_radius:  # straight-line distances need the facilities that far out
                need[mode] = max(need[mode], straight_m)
            if rid not in res.demand.columns:
                continue
            v = res.demand[rid].to_numpy(dtype=float)
            if kind == "service_circle":
                checks.append((mode, v * 60.0 * top[mode], buffers[mode] - snap[mode]))
            elif kind == "response_time":
                checks.append((mode, (v - delay) * 60.0 * top[mode], buffers[mode] - snap[mode]))
            elif kwargs["radius_metric"] == "straight":
                checks.append((mode, v * 1000.0, fac_radius))
            else:
                checks.append((mode, v * 1000.0, buffers[mode] - snap[mode]))
        for (mode, *_), vals in jur.items():
            checks.append((mode, vals * top[mode], buffers[mode] - snap[mode]))
        for mode, reach, horizon in checks:
            if empty or (complete and whole[mode]):
                continue
            on = ctx.demand_snap(mode).on_network
            finite = np.isfinite(reach)
            bad = (finite & (reach > horizon * (1 - 1e-12))) | (~finite & ~np.isnan(reach) & on)
            if bad.any():
                doubt[mode] += int(bad.sum())
                far = 2.0 * buffers[mode] if (bad & ~finite).any() else float(reach[bad].max())
                need[mode] = max(need[mode], far)
        widen = {m: n for m, n in need.items() if n > (buffers[m] - snap[m]) * (1 + 1e-12) and not whole[m]}
        if not widen or rounds >= _MAX_ROUNDS:
            break
        for m, n in widen.items():
            buffers[m] = max(1.5 * buffers[m], n + snap[m] + 1.0)
        rounds += 1

    # facilities whose snapping here equals the snapping on the whole network
    fac_out = res.facilities
    dist = shapely.distance(fac_out.geometry.values, poly)
    snaps = pd.DataFrame({FAC: fac_out[FAC].to_numpy()})
    for m in graphs:
        d = fac_out[f"snap_dist_m_{m}"].to_numpy(dtype=float)
        exact = complete and whole[m]
        snaps[f"on_network_{m}"] = fac_out[f"on_network_{m}"].to_numpy()
        snaps[f"snap_dist_m_{m}"] = d
        # every road within the snapping limit (or within the distance found) is in the buffer
        snaps[f"reliable_{m}"] = (dist <= buffers[m] - snap[m]) | exact
        snaps[f"reliable_dist_{m}"] = (dist + d <= buffers[m]) | exact
    unresolved = {m: n for m, n in doubt.items() if n}
    beyond = {
        m: round(n, 1)
        for m, n in need.items()
        if n > (buffers[m] - snap[m]) * (1 + 1e-12) and not (complete and whole[m])
    }
    demand = res.demand.iloc[:0] if empty else res.demand
    return {
        "table": res.table[res.table["area_code"] == code].drop(columns=["verdict_zh"]).to_dict("records"),
        "areas": res.areas,
        "demand": demand,
        "facilities": snaps,
        "jurisdiction": {k: v[: len(demand)] for k, v in jur.items()},
        "assumptions": res.assumptions,
        "reference": res.reference,
        "looser": res.looser,
        "stats": {
            "area_code": code,
            "area_name": name,
            "worker": _worker_name(),
            "pid": os.getpid(),
            "seconds": round(time.perf_counter() - t0, 3),
            "peak_rss_mb": round(_peak_rss_mb(), 1),
            "nodes": {m: g.number_of_nodes() for m, g in graphs.items()},
            "nodes_in_file": {m: g.number_of_nodes() for m, g in full.items()},
            "whole_file": dict(whole),
            "buffer_m": {m: round(b, 1) for m, b in buffers.items()},
            "widened": rounds,
            "facilities": len(fac),
            "points": len(demand),
            "values_beyond_buffer": unresolved,
            "reach_beyond_buffer_m": beyond,
        },
    }


# ---------------------------------------------------------------------------------------------
# running the tasks


def _progress_on(progress: bool) -> bool:
    return bool(progress) and os.environ.get("HEALTHCOV_PROGRESS", "1") not in ("0", "false", "no")


def _format_error(exc: BaseException) -> str:
    return f"{getattr(exc, 'error_type', type(exc).__name__)}: {exc}"


def _execute(
    specs: list[dict[str, Any]],
    facilities: gpd.GeoDataFrame,
    *,
    client: Any,
    scheduler: str | None,
    workers: int | None,
    progress: bool,
) -> tuple[dict[int, dict[str, Any]], dict[int, tuple[BaseException, str]], dict[str, Any]]:
    """Run every partition; results and failures by partition number, and how it was run."""
    from tqdm.auto import tqdm

    results: dict[int, dict[str, Any]] = {}
    failures: dict[int, tuple[BaseException, str]] = {}
    show = _progress_on(progress)
    bar = tqdm(total=len(specs), desc="partitions", unit="area", disable=not show)

    def done(i: int, res: dict[str, Any] | None, exc: BaseException | None, tb: str) -> None:
        if res is not None and "error" in res:
            module, name, message, tb = res["error"]
            exc, res = _rebuild(module, name, message), None
        if exc is not None:
            failures[i] = (exc, tb)
            log.warning("partition %s (%s) failed: %s", specs[i]["area_code"], specs[i]["area_name"], exc)
        elif res is not None:
            results[i] = res
        bar.set_postfix_str(str(specs[i]["area_name"]), refresh=False)
        bar.update()

    if client is None and scheduler is None and workers == 0:
        info: dict[str, Any] = {"engine": "in-process (workers=0: one partition after another, no Dask)"}
        try:
            for i, spec in enumerate(specs):
                try:
                    out = _run_partition(spec, facilities)
                except Exception as exc:
                    done(i, None, exc, traceback.format_exc())
                else:
                    done(i, out, None, "")
        finally:
            bar.close()
        info.update(scheduler=None, dashboard=None, workers=1, threads=1)
        return results, failures, info

    try:
        from distributed import Client, LocalCluster, as_completed, default_client
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        msg = "assess_partitioned needs Dask: pip install 'dask[distributed]'"
        raise ImportError(msg) from exc

    own: list[Any] = []
    try:
        if client is not None:
            c = client
            how = "the Dask client given"
        elif scheduler is not None:
            c = Client(scheduler)
            own.append(c)
            how = f"Dask scheduler at {scheduler}"
            if workers:
                c.wait_for_workers(int(workers))
        else:
            try:
                if workers is not None:
                    raise ValueError
                c = default_client()
                how = "the current default Dask client"
            except ValueError:
                n = int(workers) if workers else (os.cpu_count() or 1)
                cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True)
                c = Client(cluster)
                own.extend([c, cluster])
                how = f"LocalCluster started for this run ({n} worker processes, 1 thread each)"
        link = c.dashboard_link
        log.info("Dask dashboard: %s", link)
        if show:
            print(f"healthcov: Dask dashboard at {link}", file=sys.stderr)
        nthreads = c.nthreads()
        info = {
            "engine": "dask.distributed",
            "scheduler": c.scheduler.address if c.scheduler is not None else scheduler,
            "dashboard": link,
            "cluster": how,
            "workers": len(nthreads),
            "threads": int(sum(nthreads.values())),
        }
        token = uuid.uuid4().hex[:8]
        fac_future = c.scatter(facilities, broadcast=True, hash=False)
        spec_futures = c.scatter(specs, hash=False)
        futures = [
            c.submit(_run_partition, sf, fac_future, key=f"healthcov-{token}-{i}-{spec['area_code']}", pure=False)
            for i, (sf, spec) in enumerate(zip(spec_futures, specs, strict=True))
        ]
        number = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            i = number[fut.key]
            if fut.status == "error":
                err = fut.exception()
                tb = "".join(traceback.format_tb(fut.traceback())) if fut.traceback() is not None else ""
                done(i, None, err, tb)
            else:
                done(i, fut.result(), None, "")
            fut.release()
        del fac_future, spec_futures
    finally:
        bar.close()
        for obj in own:
            obj.close()
    return results, failures, info


# ---------------------------------------------------------------------------------------------
# merging


def _merge_facilities(
    fac: gpd.GeoDataFrame, results: dict[int, dict[str, Any]], specs: list[dict[str, Any]], modes: Sequence[str]
) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Snapping columns per mode, from a partition where the facility's snapping equals the whole network's."""
    out = fac.copy()
    unknown: dict[str, int] = {}
    pos = out[FAC].to_numpy()
    code_of = dict(zip(pos, out["area_code"], strict=True))
    for m in modes:
        on: dict[int, bool] = {}
        dist: dict[int, float] = {}
        for owner_first in (True, False):  # the facility's own area first
            for i, res in sorted(results.items()):
                s = res["facilities"]
                rel = s[f"reliable_{m}"].to_numpy(dtype=bool) | s[f"reliable_dist_{m}"].to_numpy(dtype=bool)
                ids = s[FAC].to_numpy()
                if owner_first:
                    rel &= np.array([code_of.get(f) == specs[i]["area_code"] for f in ids], dtype=bool)
                sure = s[f"reliable_dist_{m}"].to_numpy(dtype=bool)[rel]
                for f, o, d, ok in zip(
                    ids[rel],
                    s[f"on_network_{m}"].to_numpy()[rel],
                    s[f"snap_dist_m_{m}"].to_numpy()[rel],
                    sure,
                    strict=True,
                ):
                    if f not in on:
                        on[f] = bool(o)
                    if ok and f not in dist:
                        dist[f] = float(d)
        known = np.array([f in on for f in pos], dtype=bool)
        unknown[m] = int((~known).sum())
        if known.all():
            out[f"on_network_{m}"] = np.array([on[f] for f in pos], dtype=bool)
        else:
            out[f"on_network_{m}"] = pd.array([on.get(f) for f in pos], dtype="boolean")
        out[f"snap_dist_m_{m}"] = np.array([dist.get(f, np.nan) for f in pos], dtype=float)
    return out, unknown


def _absent(rule: Rule) -> str:
    return f"no facilities of type {', '.join(rule.facility_types)} in the data"


def _without(note: Any, piece: str) -> Any:
    """``note`` (parts joined by "; ") without the part ``piece``."""
    if not isinstance(note, str) or piece not in note:
        return note
    parts = note.split("; ")
    if piece in parts:
        parts.remove(piece)
    return "; ".join(parts)


def _jurisdiction_rows(
    rule: Rule, ctx: Any, *, strictest: bool, present: bool, failed: list[str], n: int
) -> list[dict]:
    """The engine's evaluation of a jurisdiction-wide rule, on the merged demand and facilities."""
    got = _engine._evaluate(rule, ctx)
    if not present:
        for r in got:
            r["note"] = "; ".join(x for x in (_absent(rule), r.get("note", "")) if x)
    if strictest and rule.parent is not None:
        strict = strictest_rule(rule)
        if dict(strict.params) != dict(rule.params):
            alt = _engine._evaluate(strict, ctx)
            for r, a in zip(got, alt, strict=True):
                r["verdict_strictest"] = a.get("verdict")
                if not a.get("standard"):
                    continue
                extra = f"strictest applicable ({strict.profile}): {a.get('standard', '')} → {a.get('verdict')}"
                r["note"] = "; ".join(x for x in (r.get("note", ""), extra) if x)
    for r in got:
        r.setdefault("verdict_strictest", r.get("verdict"))
        r.setdefault("verdict_lenient", r.get("verdict"))
        if failed:
            r["verdict"] = r["verdict_lenient"] = r["verdict_strictest"] = "not_assessed"
            miss = (
                f"{_FAILED}{len(failed)} of {n} partitions failed ({', '.join(failed)}); "
                "the values cover the other areas only"
            )
            r["note"] = "; ".join(x for x in (miss, r.get("note", "")) if x)
    return got


_FAILED = "not assessed: "
_LACK = "not assessed for lack of data"
_STATUS_NOTE = re.compile(r"^\d+ of \d+ facilities have status ")


def _lack_of_data(table: pd.DataFrame, on_missing: str, notes: list[str], profile_id: str) -> None:
    """The engine's handling of rows that lack data (failed partitions are reported separately)."""
    na = table[(table["verdict"] == "not_assessed") & ~table["note"].astype(str).str.startswith(_FAILED)]
    if na.empty:
        return
    na = na.drop_duplicates("rule_id")
    what = "; ".join(f"{r.rule_id}: {r.note}" for r in na.itertuples())
    notes.append(f"{_LACK} — {what}")
    if on_missing == "raise":
        msg = f"profile {profile_id}: rules need data the inputs lack — {what}"
        raise InputError(msg)
    if on_missing == "warn":
        warnings.warn(f"{_LACK} — {what}", HealthcovWarning, stacklevel=4)


def _merge(
    *,
    base: Assessment,
    specs: list[dict[str, Any]],
    results: dict[int, dict[str, Any]],
    failures: dict[int, tuple[BaseException, str]],
    opts: dict[str, Any],
    modes: list[str],
    info: dict[str, Any],
) -> Assessment:
    prof = base.profile
    n = len(specs)
    failed_codes = [specs[i]["area_code"] for i in sorted(failures)]
    failed_names = [f"{specs[i]['area_name']} ({specs[i]['area_code']})" for i in sorted(failures)]
    selected = _selected_rules(prof, opts["rules"])
    rule_ids = [r.id for r in prof.rules]

    # demand: the client's points with the tasks' per-point values, in the input's order
    demand = base.demand
    drop = [c for c in demand.columns if c in rule_ids or (str(c).endswith(":covered") and c[:-8] in rule_ids)]
    demand = demand.drop(columns=drop)
    rows_of = {i: res["demand"][ROW].to_numpy(dtype=np.int64) for i, res in results.items()}
    for rid in rule_ids:
        have = [i for i in sorted(results) if rid in results[i]["demand"].columns]
        if not have:
            continue
        vals = np.full(len(demand), np.nan)
        cov = np.zeros(len(demand), dtype=bool)
        for i in have:
            vals[rows_of[i]] = results[i]["demand"][rid].to_numpy(dtype=float)
            cov[rows_of[i]] = results[i]["demand"][f"{rid}:covered"].to_numpy(dtype=bool)
        demand[rid] = vals
        demand[f"{rid}:covered"] = cov

    fac_out, unknown = _merge_facilities(base.facilities, results, specs, modes)
    areas_out = base.areas.copy()

    ctx = _engine._Context(
        profile=prof,
        graphs=dict.fromkeys(modes, "the graphs stay on the workers"),  # the cached costs are all it needs
        areas=areas_out,
        demand=demand,
        facilities=fac_out,
        pop=demand[POP].to_numpy(dtype=float),
        in_area={},
        assigned=(demand["area_code"].notna() & ~demand["area_code"].isin(failed_codes)).to_numpy(),
        circle_modes=dict(opts["circle_modes"] or {"urban": "walk", "rural": "drive"}),
        activation_delay_min=float(opts["activation_delay_min"]),
        target_share=float(opts["target_share"]),
        partial_share=float(opts["partial_share"]),
        radius_metric=opts["radius_metric"],
        cross_boundary=bool(opts["cross_boundary"]),
        max_snap_m=opts["max_snap_m"],
    )
    ctx.record = lambda *a: None
    for i in sorted(results):
        for key, vals in results[i]["jurisdiction"].items():
            ctx.cache.setdefault(key, np.full(len(demand), np.inf))[rows_of[i]] = vals

    base_rows: dict[str, list[dict[str, Any]]] = {}
    for r in base.table.drop(columns=["verdict_zh"]).to_dict("records"):
        base_rows.setdefault(str(r["rule_id"]), []).append(r)
    by_area = [{r["rule_id"]: r for r in results[i]["table"]} if i in results else None for i in range(n)]
    rows: list[dict[str, Any]] = []
    for rule in selected:
        present = not rule.facility_types or bool(ctx.facilities_of(tuple(rule.facility_types)).any())
        if rule.kind not in _SPATIAL:  # ratio and count rules need no network: the client's rows
            rows.extend(base_rows.get(rule.id, []))
        elif str(rule.params.get("scope", "area")) == "jurisdiction":
            rows.extend(
                _jurisdiction_rows(
                    rule, ctx, strictest=bool(opts["strictest"]), present=present, failed=failed_names, n=n
                )
            )
        else:
            for i in range(n):
                got = by_area[i]
                if got is not None:
                    row = dict(got[rule.id])
                    if present:  # the task saw only the facilities near its area
                        row["note"] = _without(row["note"], _absent(rule))
                    rows.append(row)
                    continue
                a = areas_out.iloc[i]
                row = _engine._base_row(rule, a, str(a["area_class"]), ctx)
                exc, _ = failures[i]
                row.update(
                    verdict="not_assessed",
                    verdict_lenient="not_assessed",
                    verdict_strictest="not_assessed",
                    note=f"{_FAILED}partition {specs[i]['area_code']} ({specs[i]['area_name']}) failed: "
                    f"{_format_error(exc)}",
                )
                rows.append(row)
    table = pd.DataFrame(rows)
    for c in TABLE_COLUMNS:
        if c not in table.columns:
            table[c] = np.nan
    table = table[TABLE_COLUMNS]
    table["verdict_zh"] = table["verdict"].map(_engine._VERDICT_ZH)
    counts = pd.crosstab(table["area_code"], table["verdict"])
    for verdict in ("pass", "partial", "fail"):
        k = counts[verdict] if verdict in counts.columns else pd.Series(dtype=float)
        areas_out[f"n_{verdict}"] = areas_out["area_code"].map(k).fillna(0).astype(int)
    areas_out["worst"] = np.where(
        areas_out["n_fail"] > 0, "fail", np.where(areas_out["n_partial"] > 0, "partial", "pass")
    )
    areas_out.loc[areas_out["area_code"].isin(failed_codes), "worst"] = "not_assessed"

    # notes: the client's, the tasks' data caveats, and how the run was executed
    notes = [t for t in base.assumptions.get("notes", []) if not t.startswith(_LACK)]
    texts: dict[str, list[str]] = {}
    for i in sorted(results):
        for t in results[i]["assumptions"].get("notes", []):
            if t.startswith(_LACK) or _STATUS_NOTE.match(t) or "outside every area" in t:
                continue
            texts.setdefault(t, []).append(str(specs[i]["area_name"]))
    notes += [t if len(w) == len(results) else f"{', '.join(w)}: {t}" for t, w in texts.items()]
    _lack_of_data(table, opts["on_missing"], notes, prof.id)
    for m, k in unknown.items():
        if k:
            notes.append(
                f"{k} facilities lie farther than the {m} buffer from every area: their {m} snapping "
                "(on_network, snap_dist_m) was not computed"
            )
    stats = [results[i]["stats"] for i in sorted(results)]
    doubt = {s["area_name"]: s["values_beyond_buffer"] for s in stats if s["values_beyond_buffer"]}
    short = {s["area_name"]: s["reach_beyond_buffer_m"] for s in stats if s["reach_beyond_buffer_m"]}
    if doubt or short:
        notes.append(
            "the network files do not reach far enough to check every trip ("
            + "; ".join(f"{a}: {v}" for a, v in {**short, **doubt}.items())
            + "): times beyond the buffer may be too long; cut the files with a wider buffer"
        )
    buf = ", ".join(f"{m} {b:,.0f} m" for m, b in info["buffer_m"].items())
    notes.append(
        f"run in {n} partitions by area on {info.get('cluster') or info['engine']}"
        + (f" (scheduler {info['scheduler']}, {info['workers']} workers)" if info.get("scheduler") else "")
        + f"; road buffer {buf}; {info['seconds']:.1f} s"
    )
    failed = {
        str(specs[i]["area_code"]): {"area_name": specs[i]["area_name"], "error": _format_error(exc), "traceback": tb}
        for i, (exc, tb) in sorted(failures.items())
    }
    for code, f in failed.items():
        notes.append(f"partition {code} ({f['area_name']}) failed: {f['error']}; its network rules say not_assessed")

    networks = {}
    for m in modes:
        infos = [g for g in (r["assumptions"]["networks"].get(m) for r in results.values()) if g]
        networks[m] = {
            "mode": infos[0]["mode"] if infos else None,
            "nodes": int(sum(s["nodes"].get(m, 0) for s in stats)),
            "source": f"{info['network']}; {len(stats)} partitions, each cut to its area + buffer "
            "(nodes counted once per partition)",
        }
    info = {**info, "partitions": n, "partitions_failed": len(failures), "partitions_detail": stats}
    assumptions = {
        **base.assumptions,
        "networks": networks,
        "notes": notes,
        "execution": info,
        "failed_partitions": failed,
    }
    return Assessment(
        profile=prof,
        table=table,
        areas=areas_out,
        demand=gpd.GeoDataFrame(demand.drop(columns=[ROW]), geometry=demand.geometry.name, crs=demand.crs),
        facilities=fac_out.drop(columns=[FAC]),
        reference=base.reference,
        looser=base.looser,
        assumptions=assumptions,
        networks={},
    )


# ---------------------------------------------------------------------------------------------


def assess_partitioned(
    network: str | os.PathLike[str] | Mapping[str, Any],
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | Any,
    profile: str | Profile = "zhejiang",
    *,
    modes: Sequence[str] = ("walk", "drive", "ambulance"),
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    buffer_m: float | Mapping[str, float] | None = None,
    network_kwargs: Mapping[str, Any] | None = None,
    progress: bool = True,
    **assess_kwargs: Any,
) -> Assessment:
    """Assess every area like :func:`healthcov.assess`, one Dask task per area.

    Parameters
    ----------
    network
        Where each task reads its roads (the client never does):

        - one file (``"zhejiang.osm.pbf"``, ``.graphml``, ``.gpkg`` …): every task reads it and
          keeps the roads within its area + buffer (simple; each task reads the whole file);
        - a path template such as ``"/shared/roads/{area_code}.graphml"`` (``{area_name}`` and
          ``{mode}`` may be used too), or a mapping ``{area_code: path}`` (or
          ``{area_code: {mode: path}}``): one file per area, already cut to the area plus the
          buffer (see :func:`partition_buffers`), on storage every worker can read. This is the
          layout for a province: no process ever holds the whole network;
        - a mapping ``{mode: path}``: one whole-network file per mode.
    facilities, population, areas, profile
        As for :func:`healthcov.assess`; ``population`` must be points (a raster read with
        :func:`healthcov.read_population`, or polygons spread with
        :func:`healthcov.spread_population` beforehand).
    modes
        The networks each task builds from its file (default walk, drive and ambulance).
    client, scheduler, workers
        Where to run: a ``distributed.Client``; or the address of a running Dask scheduler
        (``"tcp://10.0.0.5:8786"``; with ``workers``, wait until that many workers joined); or
        ``workers=N`` to start a ``LocalCluster`` of N single-threaded worker processes for this
        run. ``workers=0`` runs the partitions one after another in this process, without Dask.
        With none of them: the current default Dask client, else a LocalCluster with one worker
        per CPU.
    buffer_m
        Metres of road kept around each area, one number or one per mode. Default: per mode,
        the largest threshold the rules use it for at the mode's top speed, plus its snapping
        limit (see :func:`partition_buffers`). A task widens its buffer when a threshold or a
        time it found needs more (as far as its file reaches), so results match the
        single-machine run; what it used is in ``assumptions["execution"]``.
    network_kwargs
        Passed to :func:`healthcov.read_network` in every task (``speeds``, ``congestion``,
        ``to_crs`` …). Default CRS: the UTM zone of the areas.
    progress
        Print the Dask dashboard link and show a progress bar over the partitions
        (``HEALTHCOV_PROGRESS=0`` turns them off too).
    **assess_kwargs
        The options of :func:`healthcov.assess` (``circle_modes``, ``activation_delay_min``,
        ``cross_boundary``, ``rules`` …).

    Returns
    -------
    Assessment
        What :func:`healthcov.assess` returns for the same inputs, with ``networks`` empty (the
        graphs stay on the workers). ``assumptions["execution"]`` says how the run was executed
        (scheduler, dashboard, workers, partitions, buffers, and per partition its worker,
        seconds, peak memory and network size); ``assumptions["failed_partitions"]`` names every
        partition that failed with its error, and a :class:`PartitionFailedWarning` is issued.
        A failed partition's areas keep all their rows: the network rules (circles, radii,
        response times) say ``not_assessed`` with the error in the note, the ratio and count
        rules (which need no network) are assessed as usual, and city-wide response times say
        ``not_assessed`` (their values cover the other areas). When every partition fails, the
        first error is raised. Facilities farther than the buffer from every area have no
        snapping columns (``<NA>``): no task saw the roads near them.

    Examples
    --------
    Two districts on a 4 km road; the clinic is in 乙镇, 1 km beyond the border of 甲街道:

    >>> import tempfile, pathlib, geopandas as gpd, shapely
    >>> x0, y0 = 500_000.0, 3_300_000.0
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> roads = gpd.GeoDataFrame(
    ...     {"highway": ["residential"] * 4},
    ...     geometry=[shapely.LineString([(x0 + 1000 * i, y0), (x0 + 1000 * (i + 1), y0)]) for i in range(4)],
    ...     crs=32651,
    ... )
    >>> roads.to_file(folder / "roads.gpkg")
    >>> boxes = [shapely.box(x0 - 500, y0 - 500, x0 + 2500, y0 + 500),
    ...          shapely.box(x0 + 2500, y0 - 500, x0 + 4500, y0 + 500)]
    >>> areas = gpd.GeoDataFrame({"area_name": ["甲街道", "乙镇"], "area_code": ["A", "B"]}, geometry=boxes, crs=32651)
    >>> homes = shapely.points([(x0 + 1000 * i, y0) for i in range(5)])
    >>> people = gpd.GeoDataFrame({"pop": [100.0] * 5}, geometry=homes, crs=32651)
    >>> clinic = gpd.GeoDataFrame({"facility_type": ["chc"]}, geometry=[shapely.Point(x0 + 3000, y0)], crs=32651)
    >>> res = assess_partitioned(
    ...     folder / "roads.gpkg", clinic, people, areas, "zhejiang", rules=["access.basic_circle"],
    ...     workers=0, progress=False,
    ... )
    >>> res.table[["area_name", "share", "verdict"]]
      area_name     share verdict
    0       甲街道  0.333333    fail
    1        乙镇  1.000000    pass
    >>> res.assumptions["execution"]["buffer_m"]
    {'walk': 2000.0, 'drive': 27666.666667, 'ambulance': 1000.0}
    """
    t0 = time.perf_counter()
    params = inspect.signature(assess).parameters
    allowed = [k for k, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    bad = sorted(set(assess_kwargs) - set(allowed))
    if bad:
        msg = f"unknown option(s) {bad}: assess_partitioned takes the options of assess ({', '.join(allowed)})"
        raise InputError(msg)
    opts = {k: assess_kwargs.get(k, params[k].default) for k in allowed}
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 0):
        msg = f"workers must be a whole number ≥ 0 (0: in this process, without Dask), got {workers!r}"
        raise InputError(msg)
    if client is not None and (scheduler is not None or workers is not None):
        msg = "give client=, or scheduler= (with workers= to wait for that many), or workers=; not several"
        raise InputError(msg)
    prof = load_profile(profile)
    modes = list(dict.fromkeys(get_mode(m).name for m in modes))
    if not modes:
        msg = "modes must name at least one network (walk, drive, ambulance, bike, ebike)"
        raise InputError(msg)
    nk = dict(network_kwargs or {})
    bad = sorted(set(nk) - set(_NETWORK_KWARGS))
    if bad:
        msg = f"unknown network_kwargs {bad}: use the options of read_network ({', '.join(_NETWORK_KWARGS)})"
        raise InputError(msg)

    # areas, in one metric CRS shared by the client and every task
    ar = read_areas(areas) if not isinstance(areas, gpd.GeoDataFrame) or "area_code" not in areas.columns else areas
    if ar.crs is None:
        msg = "areas have no CRS: set one (e.g. .set_crs(4326)) or read them with read_areas"
        raise InputError(msg)
    to_crs = nk.pop("to_crs", None)
    dst = pyproj.CRS.from_user_input(to_crs) if to_crs is not None else local_utm(ar)
    if dst.is_geographic:
        msg = f"network_kwargs to_crs={to_crs!r} is geographic (degrees): pass a metric CRS such as 'EPSG:32651'"
        raise InputError(msg)
    crs = dst.to_string()
    ar = ar.to_crs(crs).reset_index(drop=True)

    # The client does what needs no network, with the engine itself: areas (population, class),
    # population points → areas, facility types and statuses, and the ratio and count rules.
    dem = population
    if isinstance(population, gpd.GeoDataFrame):
        dem = population.reset_index(drop=True)
        dem[ROW] = np.arange(len(dem), dtype=np.int64)
    fac = facilities
    if isinstance(facilities, gpd.GeoDataFrame):
        fac = facilities.copy()
        fac[FAC] = np.arange(len(fac), dtype=np.int64)
    base = assess(None, fac, dem, ar, prof, **{**opts, "on_missing": "ignore"})
    if base.areas.crs != dst:
        base.areas, base.demand, base.facilities = (f.to_crs(crs) for f in (base.areas, base.demand, base.facilities))
    spatial = [r.id for r in _selected_rules(prof, opts["rules"]) if r.kind in _SPATIAL]

    default = partition_buffers(
        prof,
        modes=modes,
        circle_modes=opts["circle_modes"],
        rules=spatial,
        max_snap_m=opts["max_snap_m"],
        network_kwargs=nk,
    )
    if buffer_m is None:
        buffers = default
    elif isinstance(buffer_m, Mapping):
        extra = sorted(set(buffer_m) - set(modes))
        if extra:
            msg = f"buffer_m has modes {extra} that are not in modes={modes}"
            raise InputError(msg)
        buffers = {m: float(buffer_m.get(m, default[m])) for m in modes}
    else:
        buffers = dict.fromkeys(modes, float(buffer_m))
    if not all(b >= 0 and math.isfinite(b) for b in buffers.values()):
        msg = f"buffer_m must be zero or positive metres, got {buffer_m!r}"
        raise InputError(msg)
    sources, complete, described = _network_sources(network, ar, modes)

    task_kwargs = {k: opts[k] for k in allowed if k != "type_column"}
    task_kwargs.update(rules=spatial, on_missing="ignore", statuses=None)
    if "status" in base.facilities.columns:
        task_kwargs["statuses"] = list(base.assumptions["statuses"])
    if isinstance(profile, (str, os.PathLike)) and Path(os.fspath(profile)).is_file():
        profile_ref: Any = str(Path(os.fspath(profile)).resolve())
    else:
        profile_ref = profile if isinstance(profile, str) else prof
    point_cols = [*dem.columns]
    codes = base.demand["area_code"]
    specs = []
    for i in range(len(ar)):
        code = ar["area_code"].iloc[i]
        specs.append(
            {
                "area_code": code,
                "area_name": str(ar["area_name"].iloc[i]),
                "area": ar.iloc[[i]],
                "population": base.demand.loc[(codes == code).to_numpy(), point_cols],
                "sources": sources[str(code)],
                "complete": complete,
                "crs": crs,
                "network_kwargs": nk,
                "buffers": buffers,
                "profile": profile_ref,
                "rules": spatial,
                "strictest": bool(opts["strictest"]),
                "assess_kwargs": task_kwargs,
            }
        )
    info: dict[str, Any] = {"network": described, "buffer_m": buffers}
    info["buffer_rule"] = (
        "given (buffer_m)"
        if buffer_m is not None
        else "per mode: largest threshold × the mode's top speed, or the largest radius, + the snapping limit"
    )
    if spatial:
        log.info("%d partitions; buffer %s; network %s", len(specs), buffers, described)
        results, failures, how = _execute(
            specs, base.facilities, client=client, scheduler=scheduler, workers=workers, progress=progress
        )
    else:  # ratio and count rules only: nothing needs a network
        results, failures, how = {}, {}, {"engine": "no partitions (no rule needs a road network)"}
    info = {**how, **info}
    for i, (exc, _tb) in sorted(failures.items()):
        warnings.warn(
            f"partition {specs[i]['area_code']} ({specs[i]['area_name']}) failed: {_format_error(exc)}; its "
            "network rules are marked not_assessed (see assumptions['failed_partitions'])",
            PartitionFailedWarning,
            stacklevel=2,
        )
    if failures and not results:
        exc = failures[min(failures)][0]
        exc.add_note(
            f"all {len(specs)} partitions failed: "
            + "; ".join(f"{specs[i]['area_name']}: {_format_error(e)}" for i, (e, _) in sorted(failures.items()))
        )
        raise exc
    _reissue(results, specs)
    info["seconds"] = round(time.perf_counter() - t0, 2)
    out = _merge(base=base, specs=specs, results=results, failures=failures, opts=opts, modes=modes, info=info)
    _warn_off_network(out.facilities, modes, opts["max_snap_m"])
    return out


def _reissue(results: dict[int, dict[str, Any]], specs: list[dict[str, Any]]) -> None:
    """The tasks' own warnings, once each, naming the partitions.

    Left out: what the client reports for the whole run (plain HealthcovWarnings about types,
    empty areas and missing data) and facility snapping (reported merged, from the partitions
    where it is exact).
    """
    seen: dict[tuple[type[Warning], str], list[str]] = {}
    for i in sorted(results):
        for category, message in results[i]["warnings"]:
            if category is HealthcovWarning or issubclass(category, OffNetworkWarning):
                continue
            seen.setdefault((category, message), []).append(str(specs[i]["area_name"]))
    for (category, message), where in seen.items():
        warnings.warn(f"{', '.join(where)}: {message}", category, stacklevel=3)


def _warn_off_network(fac: gpd.GeoDataFrame, modes: Sequence[str], max_snap_m: float | None) -> None:
    for m in modes:
        if f"on_network_{m}" not in fac.columns:
            continue
        on = fac[f"on_network_{m}"]
        known = on.notna().to_numpy()
        off = known & ~on.fillna(True).to_numpy(dtype=bool)
        if off.any() and not off[known].all():
            limit = MODES[m].max_snap_m if max_snap_m is None else max_snap_m
            warnings.warn(
                f"{int(off.sum())} of {int(known.sum())} facilities (on the {m} network) lie farther than "
                f"max_snap_m={limit:g} m from the network and are left out of routing (kept with on_network=False): "
                f"{describe_ids(list(fac.index[off]))}",
                OffNetworkWarning,
                stacklevel=3,
            )
