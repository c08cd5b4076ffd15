"""Travel-time matrix between two sets of points, and the k nearest facilities of each demand point.

Built on the same pieces as :func:`healthcov.travel_times`: every point snaps to the nearest point
on its nearest edge (its access leg counts), the points of the smaller side become virtual source
nodes on the graph's CSR, and one ``scipy.sparse.csgraph.dijkstra`` call per batch of sources
(with ``limit=max_time_s``) gives each source's cost to every node; the cost to every point of
the other side follows from the two ends of its edge (and straight along the road when both
points sit on the same road). The matrix is long and sparse: one row per (origin, destination)
pair reachable within ``max_time_s``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from ._columns import DIST_M, FACILITY, TRAVEL_TIME, TRAVEL_TIME_S
from .errors import InputError
from .network.arrays import GraphArrays
from .network.prepare import require_prepared
from .network.snap import Snapped
from .traveltime import Sources, per_source_paths, point_costs, prepare_sources, resolve_direction, weight_name

__all__ = ["travel_time_matrix", "k_nearest", "ORIGIN", "DESTINATION", "RANK"]

ORIGIN = "origin"
DESTINATION = "destination"
RANK = "rank"
SEARCH_SIDES = ("auto", "origins", "destinations")
#: candidate pairs kept in memory before k_nearest reduces them to the k best per point
_REDUCE_ROWS = 4_000_000


def _check_limit(max_time_s: float | None) -> float:
    if max_time_s is None:
        return np.inf
    try:
        limit = float(max_time_s)
    except (TypeError, ValueError):
        limit = np.nan
    if not limit >= 0:
        msg = f"max_time_s must be a non-negative number of seconds (or None for no limit), got {max_time_s!r}"
        raise InputError(msg)
    return limit


def _search_side(search_from: str, n_origins: int, n_destinations: int) -> str:
    key = str(search_from).strip().lower()
    if key not in SEARCH_SIDES:
        msg = f"unknown search_from {search_from!r}: use one of {', '.join(map(repr, SEARCH_SIDES))}"
        raise InputError(msg)
    if key == "auto":
        return "origins" if n_origins < n_destinations else "destinations"
    return key


def _flip(direction: str) -> str:
    return "from_facility" if direction == "to_facility" else "to_facility"


def _pairs(
    arr: GraphArrays, src: Snapped, pts: Snapped, *, weight: str, direction: str, limit: float
) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(source number, point numbers, time, distance)`` of the points each source reaches.

    ``direction`` is that of the search: ``"from_facility"`` times trips from the source to the
    points, ``"to_facility"`` trips from the points to the source.
    """
    e = pts.edge
    for i, cost, other in per_source_paths(arr, src, weight=weight, direction=direction, limit=limit):
        node_t, node_d = (cost, other) if weight == TRAVEL_TIME else (other, cost)
        se = src.edge[i]
        near = np.isfinite(cost[arr.u[e]]) | np.isfinite(cost[arr.v[e]]) | (e == se) | (e == arr.twin[se])
        idx = np.flatnonzero(near)
        if len(idx) == 0:
            continue
        which = np.where(np.isfinite(cost), 0, -1)
        one = src.subset(np.array([i]))
        t, d, _ = point_costs(arr, pts.subset(idx), node_t, node_d, which, direction, weight, sources=one)
        c = t if weight == TRAVEL_TIME else d
        ok = np.isfinite(c) & (c <= limit)
        yield i, idx[ok], t[ok], d[ok]


def _searched_pairs(
    G: nx.MultiDiGraph,
    origins: Any,
    destinations: Any,
    *,
    max_time_s: float | None,
    direction: str | None,
    weight: str,
    max_snap_m: float | None,
    search_from: str,
) -> tuple[Sources, Sources, str, float, Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]]:
    """Snap both sides and return them with a generator of ``(origin pos, destination pos, t, d)`` chunks.

    Positions index the on-network rows (``Sources.positions``) of each side.
    """
    require_prepared(G)
    direction = resolve_direction(G, direction)
    wname = weight_name(weight)
    limit = _check_limit(max_time_s)
    arr, org = prepare_sources(G, origins, max_snap_m=max_snap_m, name="origins")
    _, dst = prepare_sources(G, destinations, max_snap_m=max_snap_m, name="destinations")
    side = _search_side(search_from, len(org.positions), len(dst.positions))
    # trips run origin -> destination ("to_facility": destinations are the facilities) or back
    if side == "destinations":
        src, pts, sdir = dst, org, direction
    else:
        src, pts, sdir = org, dst, _flip(direction)

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        for i, p, t, d in _pairs(arr, src.snapped, pts.snapped, weight=wname, direction=sdir, limit=limit):
            s = np.full(len(p), i, dtype=np.int64)
            yield (p, s, t, d) if side == "destinations" else (s, p, t, d)

    return org, dst, wname, limit, chunks()


def travel_time_matrix(
    G: nx.MultiDiGraph,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    max_time_s: float | None = None,
    direction: str | None = None,
    weight: str = "travel_time",
    max_snap_m: float | None = None,
    search_from: str = "auto",
) -> pd.DataFrame:
    """Travel time and distance between every origin and every destination, as a long table.

    Parameters
    ----------
    G
        A network from :func:`healthcov.read_network`.
    origins, destinations
        Points (GeoDataFrames, any CRS). Read ``origins`` as the demand side (homes, population
        points) and ``destinations`` as the facilities. Each point snaps to the nearest point on
        the nearest edge and its access leg is added; points farther than ``max_snap_m`` are
        named in a warning and have no rows.
    max_time_s
        Keep only pairs within this cost (seconds; metres with ``weight="length"``). The search
        stops there too, so a catchment limit makes the matrix much faster and smaller.
    direction
        ``"to_facility"`` times the trip origin → destination (residents travel to care; default
        for walk/bike/drive); ``"from_facility"`` the trip destination → origin (an ambulance
        drives to the patient; default for ambulance).
    weight
        ``"travel_time"`` (fastest paths) or ``"length"`` (shortest paths).
    max_snap_m
        Snapping limit (default per mode).
    search_from
        ``"auto"`` (the side with fewer points), ``"origins"`` or ``"destinations"``: which side's
        points are the sources of the searches. The result does not depend on it.

    Returns
    -------
    DataFrame
        ``origin`` and ``destination`` (index labels of the inputs), ``travel_time_s`` and
        ``dist_m`` (along the chosen path, both access legs included), sorted by origin (in input
        order) then by cost. A pair without a row is not connected within ``max_time_s``.
        ``.attrs`` records ``direction``, ``weight``, ``max_time_s`` and the labels of the
        points left out as off the network (``origins_off_network``, ``destinations_off_network``).

    Examples
    --------
    >>> import healthcov as hc
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive")
    >>> nodes = hc.nodes_frame(G)
    >>> m = hc.travel_time_matrix(G, nodes.iloc[:20], nodes.iloc[[0, 50, 100]], max_time_s=120)
    >>> list(m.columns), float(m["travel_time_s"].max()) <= 120
    (['origin', 'destination', 'travel_time_s', 'dist_m'], True)
    """
    org, dst, wname, limit, chunks = _searched_pairs(
        G,
        origins,
        destinations,
        max_time_s=max_time_s,
        direction=direction,
        weight=weight,
        max_snap_m=max_snap_m,
        search_from=search_from,
    )
    parts = list(chunks)
    o, s, t, d = (np.concatenate([p[j] for p in parts]) if parts else np.zeros(0) for j in range(4))
    o, s = o.astype(np.int64), s.astype(np.int64)
    order = np.lexsort((s, t if wname == TRAVEL_TIME else d, o))
    out = pd.DataFrame(
        {
            ORIGIN: origins.index[org.positions[o[order]]],
            DESTINATION: destinations.index[dst.positions[s[order]]],
            TRAVEL_TIME_S: t[order],
            DIST_M: d[order],
        }
    )
    out.attrs.update(_attrs(origins, destinations, org, dst, wname, limit, direction, G))
    return out


def _attrs(
    origins: Any, destinations: Any, org: Sources, dst: Sources, wname: str, limit: float, direction: Any, G: Any
) -> dict[str, Any]:
    return {
        "direction": resolve_direction(G, direction),
        "weight": wname,
        "max_time_s": None if not np.isfinite(limit) else limit,
        "origins_off_network": list(origins.index[~org.all_snapped.on_network]),
        "destinations_off_network": list(destinations.index[~dst.all_snapped.on_network]),
    }


Pairs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # origin, destination, t, d, cost


def _best_k(pairs: Pairs, k: int) -> Pairs:
    """The k cheapest rows per origin (ties: the earlier destination first)."""
    o, s, t, d, c = pairs
    order = np.lexsort((s, c, o))
    o, s, t, d, c = o[order], s[order], t[order], d[order], c[order]
    start = np.ones(len(o), dtype=bool)
    start[1:] = o[1:] != o[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(len(o)), 0))
    keep = (np.arange(len(o)) - first) < k
    return o[keep], s[keep], t[keep], d[keep], c[keep]


def k_nearest(
    G: nx.MultiDiGraph,
    demand: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    k: int = 3,
    max_time_s: float | None = None,
    direction: str | None = None,
    weight: str = "travel_time",
    max_snap_m: float | None = None,
) -> pd.DataFrame:
    """The ``k`` nearest facilities of every demand point, with their travel times.

    Same searches and options as :func:`travel_time_matrix` (``demand`` are its origins and
    ``facilities`` its destinations), without holding the whole matrix in memory.

    Returns
    -------
    DataFrame
        ``k`` rows per demand point (every input row, in input order), indexed by the demand
        index and ``rank`` (1 = nearest), with ``facility`` (index label), ``travel_time_s`` and
        ``dist_m``. Where fewer than ``k`` facilities are reachable within ``max_time_s`` (or the
        point is off the network) the remaining ranks have no facility and ``inf`` times.
        ``kn.xs(1, level="rank")`` is the nearest facility per point; ``kn.unstack("rank")`` a
        wide table.

    Examples
    --------
    >>> import healthcov as hc
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive")
    >>> nodes = hc.nodes_frame(G)
    >>> kn = hc.k_nearest(G, nodes.iloc[:5], nodes.iloc[[0, 50, 100, 140]], k=2)
    >>> kn.shape, list(kn.index.names), float(kn["travel_time_s"].iloc[0])
    ((10, 3), ['node', 'rank'], 0.0)
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        msg = f"k must be a whole number of facilities, at least 1, got {k!r}"
        raise InputError(msg)
    n_fac = len(facilities) if isinstance(facilities, (gpd.GeoDataFrame, gpd.GeoSeries)) else 0
    if n_fac and k > n_fac:
        msg = f"k={k} but there are only {n_fac} facilities: ask for k <= {n_fac}"
        raise InputError(msg)
    org, dst, wname, _, chunks = _searched_pairs(
        G,
        demand,
        facilities,
        max_time_s=max_time_s,
        direction=direction,
        weight=weight,
        max_snap_m=max_snap_m,
        search_from="auto",
    )
    best: Pairs = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0))
    buf: list[Pairs] = []
    rows = 0
    for o, s, t, d in chunks:
        buf.append((o, s, t, d, t if wname == TRAVEL_TIME else d))
        rows += len(o)
        if rows >= _REDUCE_ROWS:
            best, buf, rows = _best_k(_stack(best, buf), k), [], 0
    best = _best_k(_stack(best, buf), k)
    return _k_frame(demand, facilities, org, dst, best, k)


def _stack(best: Pairs, buf: list[Pairs]) -> Pairs:
    o, s, t, d, c = (np.concatenate([best[j], *(b[j] for b in buf)]) for j in range(5))
    return o, s, t, d, c


def _k_frame(demand: Any, facilities: Any, org: Sources, dst: Sources, best: Pairs, k: int) -> pd.DataFrame:
    o, s, t, d, _ = best
    n = len(demand)
    row = org.positions[o]  # row in the demand frame
    start = np.ones(len(o), dtype=bool)
    start[1:] = o[1:] != o[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(len(o)), 0))
    slot = row * k + (np.arange(len(o)) - first)
    tt, dd = np.full(n * k, np.inf), np.full(n * k, np.inf)
    tt[slot], dd[slot] = t, d
    fac_pos = np.full(n * k, -1, dtype=np.int64)
    fac_pos[slot] = dst.positions[s]
    labels = facilities.index.take(np.where(fac_pos >= 0, fac_pos, 0))
    fac = pd.Series(labels, dtype=labels.dtype if (fac_pos >= 0).all() else object)
    fac[fac_pos < 0] = None
    name = demand.index.name if demand.index.name is not None else "point"
    index = pd.MultiIndex.from_arrays([demand.index.repeat(k), np.tile(np.arange(1, k + 1), n)], names=[name, RANK])
    return pd.DataFrame({FACILITY: fac.to_numpy(), TRAVEL_TIME_S: tt, DIST_M: dd}, index=index)
