"""The task of a partitioned run: one area, its roads within a buffer, the network rules, small pieces back.

The task runs the engine's public stages (:func:`~healthcov.standards.prepare`,
:func:`~healthcov.standards.evaluate`, :func:`~healthcov.standards.assemble`) on its area, checks
that the buffer held every trip that matters, widens it when not, and returns the area's rows,
notes (as data), per-point values and the jurisdiction-wide travel costs of its points.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
import traceback
import warnings
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .._columns import GRAPH_KEY, TRAVEL_TIME
from ..io.population import POP
from ..standards import NETWORK_KINDS, Context, assemble, evaluate, pick_mode, prepare, selected_rules, value_by_class
from ..standards.costs import demand_snap, network_costs
from ..standards.profiles import Profile, load_profile
from ..standards.profiles import strictest as strictest_rule
from .buffers import numbers
from .common import FAC, MAX_ROUNDS, ROW, PartitionError

__all__ = ["run_partition", "partition", "rebuild", "clip"]


def clip(G: nx.MultiDiGraph, region: Any) -> tuple[nx.MultiDiGraph, bool]:
    """The roads of ``G`` that touch ``region`` (whole edges), and whether that is all of ``G``."""
    from ..network.arrays import graph_arrays

    arr = graph_arrays(G)
    tree, rep = arr.tree()
    hit = rep[tree.query(region, predicate="intersects")]
    twins = arr.twin[hit]
    keep = np.unique(np.concatenate([hit, twins[twins >= 0]]))
    if len(keep) == arr.m:
        return G, True
    if not isinstance(G, nx.Graph):  # a healthcov Network: cut in arrays
        return G.edge_subnetwork(keep), False
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


def top_mps(G: nx.MultiDiGraph) -> float:
    """Fastest speed on ``G`` (m/s), at least the access speed of its mode."""
    from ..network.arrays import graph_arrays

    arr = graph_arrays(G)
    ok = arr.travel_time > 0
    top = float(np.max(arr.length[ok] / arr.travel_time[ok])) if ok.any() else 0.0
    access = float(G.graph[GRAPH_KEY]["mode"]["access_speed_kph"]) / 3.6
    return max(top, access)


def peak_rss_mb() -> float:
    try:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return float(kb) / 1024.0 if sys.platform != "darwin" else float(kb) / 2**20
    except ImportError:  # pragma: no cover - Windows
        import psutil

        return float(psutil.Process().memory_info().peak_wset) / 2**20


def worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "in-process"


def limits(row: pd.Series, prof: Profile, top_mps: float) -> tuple[float, float]:
    """(metres of network reach, metres of straight-line reach) a row's thresholds need."""
    kind, limit = row["kind"], float(row["limit"])
    if kind in ("service_circle", "response_time"):
        return limit * 60.0 * top_mps, 0.0
    spec = value_by_class(prof.rule(row["rule_id"]).params.get("radius_km"), str(row["area_class"]))
    km = max(numbers(spec), default=limit)
    return km * 1000.0, km * 1000.0


# Python's warning filters are one global state per process: tasks running in threads of one
# process take turns, so that each one records its own warnings and restores the state it found.
_WARNINGS_LOCK = threading.Lock()


def run_partition(spec: dict[str, Any], facilities: gpd.GeoDataFrame) -> dict[str, Any]:
    """One area: read its networks, keep the buffer, assess, check the buffer, return small pieces.

    The task's warnings are recorded and returned (the client issues them, naming the partition).
    """
    with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = partition(spec, facilities)
        except Exception as exc:  # returned, not raised: exceptions do not all survive Dask's pickling
            kind = type(exc)
            out = {"error": (kind.__module__, kind.__qualname__, str(exc), traceback.format_exc())}
    out["warnings"] = [(w.category, str(w.message)) for w in caught]
    return out


def rebuild(module: str, name: str, message: str) -> BaseException:
    """The task's exception, as the same healthcov or built-in class where possible."""
    import builtins

    from .. import errors

    cls = getattr(errors, name, None) if module == "healthcov.errors" else None
    if cls is None and module == "builtins":
        cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(message)
        except Exception:  # pragma: no cover - a class with another signature
            pass
    return PartitionError(message, error_type=name)


def _clip_all(
    full: dict[str, nx.MultiDiGraph], poly: Any, buffers: dict[str, float]
) -> tuple[dict[str, nx.MultiDiGraph], dict[str, bool]]:
    graphs: dict[str, nx.MultiDiGraph] = {}
    whole: dict[str, bool] = {}
    for mode, G in full.items():
        graphs[mode], whole[mode] = clip(G, poly.buffer(buffers[mode]))
    return graphs, whole


def _jurisdiction_costs(ctx: Context, rule_ids: list[str]) -> dict[tuple[Any, ...], np.ndarray]:
    """Travel costs of every point for the jurisdiction-wide response-time rules (and their strictest versions)."""
    jur: dict[tuple[Any, ...], np.ndarray] = {}
    for rule in selected_rules(ctx.profile, rule_ids):
        if rule.kind != "response_time" or str(rule.params.get("scope", "area")) != "jurisdiction":
            continue
        mode = pick_mode(ctx.modes, ["ambulance", "drive"])[0]
        versions = [rule, strictest_rule(rule)] if ctx.options.strictest and rule.parent is not None else [rule]
        for r in versions:
            key = (mode, tuple(r.facility_types), TRAVEL_TIME, "from_facility", None)
            if key not in jur:
                jur[key] = network_costs(ctx, *key)
    return jur


def _checks(
    table: pd.DataFrame,
    demand: gpd.GeoDataFrame,
    code: Any,
    prof: Profile,
    top: dict[str, float],
    reach: dict[str, float],
    fac_radius: float,
    ctx: Context,
) -> tuple[dict[str, float], list[tuple[str, np.ndarray, float]]]:
    """Network reach each mode's thresholds need, and (mode, metres each value may reach, horizon) to check."""
    need: dict[str, float] = dict.fromkeys(reach, 0.0)
    checks: list[tuple[str, np.ndarray, float]] = []
    delay = float(ctx.options.activation_delay_min)
    own = table[(table["area_code"] == code) & table["kind"].isin(NETWORK_KINDS)]
    own = own[own["limit"].notna() & own["mode"].notna()]
    for _, row in own.iterrows():
        rid, mode, kind = row["rule_id"], str(row["mode"]), row["kind"]
        net_m, straight_m = limits(row, prof, top[mode])
        need[mode] = max(need[mode], net_m)
        if straight_m > fac_radius:  # straight-line distances need the facilities that far out
            need[mode] = max(need[mode], straight_m)
        if rid not in demand.columns:
            continue
        v = demand[rid].to_numpy(dtype=float)
        if kind == "service_circle":
            checks.append((mode, v * 60.0 * top[mode], reach[mode]))
        elif kind == "response_time":
            checks.append((mode, (v - delay) * 60.0 * top[mode], reach[mode]))
        elif ctx.options.radius_metric == "straight":
            checks.append((mode, v * 1000.0, fac_radius))
        else:
            checks.append((mode, v * 1000.0, reach[mode]))
    return need, checks


def _doubts(
    ctx: Context,
    checks: list[tuple[str, np.ndarray, float]],
    need: dict[str, float],
    buffers: dict[str, float],
    exact: dict[str, bool],
) -> dict[str, int]:
    """Values a buffer may have cut off, per mode (``need`` is raised in place to what they may reach)."""
    doubt: dict[str, int] = dict.fromkeys(need, 0)
    for mode, reach, horizon in checks:
        if exact[mode]:
            continue
        on = demand_snap(ctx, mode).on_network
        finite = np.isfinite(reach)
        bad = (finite & (reach > horizon * (1 - 1e-12))) | (~finite & ~np.isnan(reach) & on)
        if bad.any():
            doubt[mode] += int(bad.sum())
            far = 2.0 * buffers[mode] if (bad & ~finite).any() else float(reach[bad].max())
            need[mode] = max(need[mode], far)
    return doubt


def _assess_area(
    graphs: dict[str, nx.MultiDiGraph], fac: gpd.GeoDataFrame, pop: gpd.GeoDataFrame, spec: dict[str, Any]
) -> tuple[Any, Context]:
    """The engine's stages on one area: its network rules only."""
    ctx = prepare(graphs, fac, pop, spec["area"], load_profile(spec["profile"]), spec["options"])
    results = [evaluate(rule, ctx) for rule in selected_rules(ctx.profile, spec["rules"])]
    return assemble(results, ctx), ctx


def _population(spec: dict[str, Any]) -> tuple[gpd.GeoDataFrame, bool]:
    pop: gpd.GeoDataFrame = spec["population"]
    if len(pop):
        return pop, False
    # an area without people: one point of 0 people, so that its rows say "no population"
    area: gpd.GeoDataFrame = spec["area"]
    point = area.geometry.iloc[0].representative_point()
    return gpd.GeoDataFrame({POP: [0.0], ROW: [-1]}, geometry=[point], crs=area.crs), True


def partition(spec: dict[str, Any], facilities: gpd.GeoDataFrame) -> dict[str, Any]:
    """One area: assess its network rules on its roads + buffer, widening the buffer until every trip fits."""
    from ..io.networks import read_network

    t0 = time.perf_counter()
    code, poly = spec["area_code"], spec["area"].geometry.iloc[0]
    prof = load_profile(spec["profile"])
    max_snap_m = spec["options"].max_snap_m
    pop, empty = _population(spec)
    full = {
        mode: read_network(path, mode=mode, to_crs=spec["crs"], form="arrays", **spec["network_kwargs"])
        for mode, path in spec["sources"].items()
    }
    top = {m: top_mps(G) for m, G in full.items()}
    buffers = {m: float(spec["buffers"][m]) for m in full}
    complete, rounds = bool(spec["complete"]), 0
    while True:
        graphs, whole = _clip_all(full, poly, buffers)
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
        res, ctx = _assess_area(graphs, fac, pop, spec)
        jur = _jurisdiction_costs(ctx, spec["rules"])
        # Could the buffer have cut off a trip? A value up to the horizon is exact (its whole trip lies inside
        # the buffer); thresholds must lie within the horizon; a larger or infinite value of a point on the
        # network may be too large.
        reach = {m: buffers[m] - snap[m] for m in graphs}
        need, checks = _checks(res.table, res.demand, code, prof, top, reach, fac_radius, ctx)
        checks += [(mode, vals * top[mode], reach[mode]) for (mode, *_), vals in jur.items()]
        exact = {m: empty or (complete and whole[m]) for m in graphs}
        doubt = _doubts(ctx, checks, need, buffers, exact)
        widen = {m: n for m, n in need.items() if n > reach[m] * (1 + 1e-12) and not whole[m]}
        if not widen or rounds >= MAX_ROUNDS:
            break
        for m, n in widen.items():
            buffers[m] = max(1.5 * buffers[m], n + snap[m] + 1.0)
        rounds += 1
    state: dict[str, Any] = {
        "graphs": graphs,
        "full": full,
        "whole": whole,
        "buffers": buffers,
        "snap": snap,
        "need": need,
    }
    state.update(doubt=doubt, rounds=rounds, complete=complete, fac=fac, t0=t0)
    return _pieces(spec, res, jur, state, empty)


def _snaps(fac_out: gpd.GeoDataFrame, poly: Any, state: dict[str, Any]) -> pd.DataFrame:
    """Facilities whose snapping here equals the snapping on the whole network."""
    dist = shapely.distance(fac_out.geometry.values, poly)
    snaps = pd.DataFrame({FAC: fac_out[FAC].to_numpy()})
    for m in state["graphs"]:
        d = fac_out[f"snap_dist_m_{m}"].to_numpy(dtype=float)
        exact = state["complete"] and state["whole"][m]
        b = state["buffers"][m]
        snaps[f"on_network_{m}"] = fac_out[f"on_network_{m}"].to_numpy()
        snaps[f"snap_dist_m_{m}"] = d
        # every road within the snapping limit (or within the distance found) is in the buffer
        snaps[f"reliable_{m}"] = (dist <= b - state["snap"][m]) | exact
        snaps[f"reliable_dist_{m}"] = (dist + d <= b) | exact
    return snaps


def _pieces(
    spec: dict[str, Any], res: Any, jur: dict[tuple[Any, ...], np.ndarray], state: dict[str, Any], empty: bool
) -> dict[str, Any]:
    """What the client needs of one partition: small, picklable."""
    code = spec["area_code"]
    graphs, buffers, snap = state["graphs"], state["buffers"], state["snap"]
    beyond = {
        m: round(n, 1)
        for m, n in state["need"].items()
        if n > (buffers[m] - snap[m]) * (1 + 1e-12) and not (state["complete"] and state["whole"][m])
    }
    demand = res.demand.iloc[:0] if empty else res.demand
    own = res.table[res.table["area_code"] == code]
    return {
        "rows": own.drop(columns=["verdict_zh", "note"]).to_dict("records"),
        "notes": [n for n in res.notes if n.rule_id is not None and n.area_code == code],
        # the response-time sensitivity of this area (the jurisdiction's is recomputed by the merge)
        "sensitivity": res.sensitivity[res.sensitivity["area_code"] == code].to_dict("records"),
        "run_notes": [n for n in res.notes if n.rule_id is None],
        "demand": demand,
        "facilities": _snaps(res.facilities, spec["area"].geometry.iloc[0], state),
        "jurisdiction": {k: v[: len(demand)] for k, v in jur.items()},
        "networks": res.assumptions["networks"],
        "stats": {
            "area_code": code,
            "area_name": spec["area_name"],
            "worker": worker_name(),
            "pid": os.getpid(),
            "seconds": round(time.perf_counter() - state["t0"], 3),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "nodes": {m: g.number_of_nodes() for m, g in graphs.items()},
            "nodes_in_file": {m: g.number_of_nodes() for m, g in state["full"].items()},
            "whole_file": dict(state["whole"]),
            "buffer_m": {m: round(b, 1) for m, b in buffers.items()},
            "widened": state["rounds"],
            "facilities": len(state["fac"]),
            "points": len(demand),
            "values_beyond_buffer": {m: k for m, k in state["doubt"].items() if k},
            "reach_beyond_buffer_m": beyond,
        },
    }
