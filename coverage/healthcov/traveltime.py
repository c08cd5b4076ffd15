"""Nearest-facility travel times from one multi-source shortest-path pass.

The search runs on the CSR arrays of the graph (``scipy.sparse.csgraph.dijkstra`` with
``min_only=True``: a C-speed multi-source Dijkstra). Each facility enters the graph as a
virtual node on the edge it snaps to, joined to both ends of that edge with the partial edge
cost plus its access leg, so a facility in the middle of a long road is not moved to a node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from ._columns import DIST_M, FACILITY, GRAPH_KEY, LENGTH, TRAVEL_TIME, TRAVEL_TIME_S
from .errors import InputError
from .network.arrays import GraphArrays, graph_arrays
from .network.prepare import require_prepared
from .network.snap import Snapped, report_off_network, snap_graph_points

__all__ = [
    "travel_times",
    "nodes_frame",
    "resolve_direction",
    "weight_name",
    "display_labels",
    "Sources",
    "multi_source",
    "per_source",
]

DIRECTIONS = ("to_facility", "from_facility")


def resolve_direction(G: nx.MultiDiGraph, direction: str | None) -> str:
    """``direction`` checked, or the mode's default (ambulance: from the facility; others: to it)."""
    if direction is None:
        return str(G.graph[GRAPH_KEY]["mode"].get("default_direction", "to_facility"))
    key = str(direction).strip().lower().replace("-", "_").replace(" ", "_")
    # "inbound"/"outbound" are refused: inbound to the facility or to the patient is ambiguous.
    key = {"to": "to_facility", "from": "from_facility"}.get(key, key)
    if key not in DIRECTIONS:
        msg = (
            f"unknown direction {direction!r}: use 'to_facility' (residents travel to care) "
            "or 'from_facility' (ambulances travel to patients)"
        )
        raise InputError(msg)
    return key


def resolve_limit(max_time_s: float | None) -> float:
    """``max_time_s`` checked: ``None`` is no limit (``inf``); a number must be >= 0 and not NaN."""
    if max_time_s is None:
        return float(np.inf)
    try:
        limit = float(max_time_s)
    except (TypeError, ValueError):
        limit = float("nan")
    if not limit >= 0:  # NaN fails this too
        msg = (
            f"max_time_s={max_time_s!r} is not a usable limit: give a number of seconds >= 0 "
            "(or metres with weight='length'), or None for no limit"
        )
        raise InputError(msg)
    return limit


def weight_name(weight: str) -> str:
    """The edge attribute for a weight: ``travel_time`` (seconds) or ``length`` (metres), with synonyms."""
    key = str(weight).strip().lower()
    if key in ("travel_time", "time", "travel_time_s"):
        return TRAVEL_TIME
    if key in ("length", "distance", "dist_m", "metres", "meters"):
        return LENGTH
    msg = f"unknown weight {weight!r}: use 'travel_time' or 'length'"
    raise InputError(msg)


@dataclass(frozen=True)
class Sources:
    """Facilities that are on the network, as virtual source nodes of a search."""

    labels: np.ndarray  # facility index labels (on-network only)
    positions: np.ndarray  # row positions in the input frame
    snapped: Snapped  # on-network snapping
    all_snapped: Snapped  # every input row


def prepare_sources(
    G: nx.MultiDiGraph, facilities: Any, *, max_snap_m: float | None, name: str
) -> tuple[GraphArrays, Sources]:
    arr, geom, s = snap_graph_points(G, facilities, max_snap_m=max_snap_m, name=name)
    limit = float(G.graph[GRAPH_KEY]["mode"]["max_snap_m"] if max_snap_m is None else max_snap_m)
    labels = display_labels(facilities)
    report_off_network(geom.index, s, name, limit, labels=labels)
    on = np.flatnonzero(s.on_network)
    return arr, Sources(labels=np.asarray(geom.index)[on], positions=on, snapped=s.subset(on), all_snapped=s)


def display_labels(frame: Any) -> list[str]:
    """How warnings name each row: ``index (name)`` when the frame has a name column, else the index."""
    if isinstance(frame, gpd.GeoDataFrame):
        for c in ("name", "名称", "NAME", "Name"):
            if c in frame.columns:
                return [f"{i} ({n})" for i, n in zip(frame.index, frame[c], strict=True)]
    return [str(i) for i in frame.index]


def virtual_entries(
    arr: GraphArrays, s: Snapped, weight: str, direction: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(source, column, cost, alt-cost) of the edges joining each virtual source to the graph."""
    w = arr.weight(weight)
    alt = arr.weight(LENGTH if weight == TRAVEL_TIME else TRAVEL_TIME)
    off = s.access_time_s if weight == TRAVEL_TIME else s.dist_m
    off_alt = s.dist_m if weight == TRAVEL_TIME else s.access_time_s
    e, f = s.edge, s.frac
    tw = arr.twin[e]
    has = tw >= 0
    twc = np.where(has, tw, e)
    src = np.arange(len(e))
    if direction == "from_facility":
        # leave along e towards v; along its twin towards u
        parts = [
            (src, arr.v[e], off + (1 - f) * w[e], off_alt + (1 - f) * alt[e], np.ones(len(e), bool)),
            (src, arr.u[e], off + f * w[twc], off_alt + f * alt[twc], has),
        ]
    else:
        # arrive along e from u; along its twin from v
        parts = [
            (src, arr.u[e], off + f * w[e], off_alt + f * alt[e], np.ones(len(e), bool)),
            (src, arr.v[e], off + (1 - f) * w[twc], off_alt + (1 - f) * alt[twc], has),
        ]
    # a point exactly at an end node is at that node, whatever the direction of the edge
    parts.append((src, arr.u[e], off, off_alt, f <= 0.0))
    parts.append((src, arr.v[e], off, off_alt, f >= 1.0))
    srcs = np.concatenate([p[0][p[4]] for p in parts])
    cols = np.concatenate([p[1][p[4]] for p in parts])
    cost = np.concatenate([p[2][p[4]] for p in parts])
    calt = np.concatenate([p[3][p[4]] for p in parts])
    order = np.lexsort((cost, cols, srcs))
    srcs, cols, cost, calt = srcs[order], cols[order], cost[order], calt[order]
    first = np.ones(len(srcs), bool)
    first[1:] = (srcs[1:] != srcs[:-1]) | (cols[1:] != cols[:-1])
    return srcs[first], cols[first], cost[first], calt[first]


@dataclass
class Augmented:
    matrix: sp.csr_matrix
    keys: np.ndarray  # sorted row * size + col of every entry
    alt: np.ndarray  # the other metric of every entry
    n: int
    n_src: int


def augmented(arr: GraphArrays, s: Snapped, weight: str, direction: str) -> Augmented:
    """The graph's CSR (transposed for searches towards the facilities) plus one row per source."""
    base = arr.csr(weight, reverse=(direction == "to_facility"))
    alt_w = arr.weight(LENGTH if weight == TRAVEL_TIME else TRAVEL_TIME)
    n, k = arr.n, len(s.edge)
    size = n + k
    srcs, cols, cost, calt = virtual_entries(arr, s, weight, direction)
    counts = np.bincount(srcs, minlength=k)
    indptr = np.concatenate([base.matrix.indptr.astype(np.int64), base.matrix.indptr[-1] + np.cumsum(counts)])
    indices = np.concatenate([base.matrix.indices, cols.astype(np.int32)])
    data = np.concatenate([base.matrix.data, cost])
    mat = sp.csr_matrix((data, indices, indptr), shape=(size, size))
    base_rows = base.keys // n
    base_cols = base.keys % n
    keys = np.concatenate([base_rows * size + base_cols, (srcs + n) * size + cols])
    alt = np.concatenate([alt_w[base.edge], calt])
    return Augmented(matrix=mat, keys=keys, alt=alt, n=n, n_src=k)


def _path_sums(aug: Augmented, pred: np.ndarray) -> np.ndarray:
    """Sum of the other metric along each node's shortest-path tree branch (pointer jumping)."""
    size = aug.matrix.shape[0]
    has = pred >= 0
    total = np.zeros(size)
    idx = np.flatnonzero(has)
    pos = np.searchsorted(aug.keys, pred[idx].astype(np.int64) * size + idx)
    total[idx] = aug.alt[pos]
    anc = np.where(has, pred, -1).astype(np.int64)
    while True:
        m = anc >= 0
        if not m.any():
            break
        nt = total.copy()
        na = anc.copy()
        nt[m] = total[m] + total[anc[m]]
        na[m] = anc[anc[m]]
        total, anc = nt, na
    return total


def multi_source(
    arr: GraphArrays, s: Snapped, *, weight: str, direction: str, limit: float = np.inf
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest-source cost, other metric along that path, and source number, for every node."""
    aug = augmented(arr, s, weight, direction)
    dist, pred, src = dijkstra(
        aug.matrix,
        directed=True,
        indices=np.arange(aug.n, aug.n + aug.n_src),
        min_only=True,
        return_predecessors=True,
        limit=limit,
    )
    other = _path_sums(aug, pred)
    src = np.where(src >= 0, src - aug.n, -1)
    reached = np.isfinite(dist)
    other[~reached] = np.inf
    return dist[: aug.n], other[: aug.n], src[: aug.n]


def per_source(
    arr: GraphArrays,
    s: Snapped,
    *,
    weight: str,
    direction: str,
    limit: float = np.inf,
    batch_bytes: int = 256 * 2**20,
):  # type: ignore[no-untyped-def]
    """Yield ``(source number, cost to every node)`` one source at a time (searched in batches)."""
    aug = augmented(arr, s, weight, direction)
    size = aug.matrix.shape[0]
    batch = max(1, int(batch_bytes // (8 * size)))
    for start in range(0, aug.n_src, batch):
        idx = np.arange(start, min(start + batch, aug.n_src))
        dist = dijkstra(aug.matrix, directed=True, indices=aug.n + idx, limit=limit)
        dist = np.atleast_2d(dist)
        for j, i in enumerate(idx):
            yield int(i), dist[j, : aug.n]


def nodes_frame(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """The graph's nodes as a GeoDataFrame of points in ``G``'s CRS, indexed by node id.

    The points are built once per graph (kept with its arrays, see :func:`healthcov.network.arrays.clear_cache`);
    every call returns a new frame that the caller may edit.
    """
    pts = graph_arrays(G).node_points()
    return gpd.GeoDataFrame(index=pts.index.copy(), geometry=pts.values.copy(), crs=pts.crs)


def travel_times(
    G: nx.MultiDiGraph,
    facilities: gpd.GeoDataFrame,
    *,
    points: gpd.GeoDataFrame | None = None,
    direction: str | None = None,
    weight: str = "travel_time",
    max_time_s: float | None = None,
    max_snap_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Time and distance to the nearest facility, for every node (or every point) of ``G``.

    One multi-source shortest-path pass over the whole graph, whatever the number of facilities.

    Parameters
    ----------
    G
        A network from :func:`healthcov.read_network`.
    facilities
        Facility points (any CRS; see :func:`healthcov.read_facilities`). Each snaps to the
        nearest point on the nearest edge; the access leg is added to its times. Rows farther
        than ``max_snap_m`` are named in a warning and not used.
    points
        Optional demand points (homes, population cells). When given, the result has one row
        per point (same index and order) instead of one per node.
    direction
        ``"to_facility"`` (residents travelling to care; default for walk/bike/drive) or
        ``"from_facility"`` (an ambulance travelling to the patient; default for ambulance).
        On one-way streets the two differ.
    weight
        ``"travel_time"`` (fastest paths) or ``"length"`` (shortest paths, for network radius
        rules).
    max_time_s
        Stop searching beyond this cost (seconds, or metres with ``weight="length"``); nodes
        beyond get ``inf``.
    max_snap_m
        Snapping limit (default per mode: walk 500 m, drive 1000 m).

    Returns
    -------
    GeoDataFrame
        Indexed by node id (or the points' index), with ``travel_time_s``, ``dist_m`` (along
        the chosen path, access legs included), ``facility`` (index label of the nearest
        facility; missing where none is reachable) and ``geometry``. Unreachable rows have
        ``inf`` times.

    Examples
    --------
    >>> import healthcov as hc
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive")
    >>> fac = hc.nodes_frame(G).iloc[[0, 50]]
    >>> tt = hc.travel_times(G, fac)
    >>> len(tt) == G.number_of_nodes(), float(tt["travel_time_s"].min())
    (True, 0.0)
    """
    require_prepared(G)
    direction = resolve_direction(G, direction)
    wname = weight_name(weight)
    arr, src = prepare_sources(G, facilities, max_snap_m=max_snap_m, name="facilities")
    limit = resolve_limit(max_time_s)
    cost, other, which = multi_source(arr, src.snapped, weight=wname, direction=direction, limit=limit)
    t, d = (cost, other) if wname == TRAVEL_TIME else (other, cost)
    if points is not None:
        return _point_result(G, arr, points, t, d, which, src, direction, max_snap_m, wname, limit)
    order = arr.g_order
    labels = _labels_for(src.labels, which[order])
    nodes = nodes_frame(G)
    nodes[TRAVEL_TIME_S] = t[order]
    nodes[DIST_M] = d[order]
    nodes[FACILITY] = labels
    return nodes[[TRAVEL_TIME_S, DIST_M, FACILITY, "geometry"]]


def _labels_for(labels: np.ndarray, which: np.ndarray) -> pd.array:
    out = np.empty(len(which), dtype=object)
    ok = which >= 0
    out[ok] = labels[which[ok]]
    out[~ok] = None
    try:
        return pd.array(out, dtype=pd.Series(labels).dtype if ok.all() else None)
    except (TypeError, ValueError):
        return pd.array(out)


def point_costs(
    arr: GraphArrays,
    p: Snapped,
    node_t: np.ndarray,
    node_d: np.ndarray,
    which: np.ndarray,
    direction: str,
    weight: str = TRAVEL_TIME,
    sources: Snapped | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time, distance and nearest source of snapped points, from node results of a search.

    A point on edge u->v is reached through u or through v (when the road is two-way), plus its
    own access leg; the better of the two by ``weight`` wins. With ``sources`` (the snapped
    sources of the search), a point on the same road as a source is also reached directly along
    that road, without going round through an end node.
    """
    e, g = p.edge, p.frac
    u, v = arr.u[e], arr.v[e]
    tw = arr.twin[e]
    has = tw >= 0
    twc = np.where(has, tw, e)
    tt, ln = arr.travel_time, arr.length
    inf = np.full(len(e), np.inf)
    if direction == "from_facility":
        # reach u then along e; or reach v then along the twin
        cands = [
            (node_t[u] + g * tt[e], node_d[u] + g * ln[e], which[u]),
            (
                np.where(has, node_t[v] + (1 - g) * tt[twc], inf),
                np.where(has, node_d[v] + (1 - g) * ln[twc], inf),
                which[v],
            ),
        ]
    else:
        # along e to v then on; or along the twin to u then on
        cands = [
            (node_t[v] + (1 - g) * tt[e], node_d[v] + (1 - g) * ln[e], which[v]),
            (np.where(has, node_t[u] + g * tt[twc], inf), np.where(has, node_d[u] + g * ln[twc], inf), which[u]),
        ]
    # a point exactly at an end node is at that node
    cands.append((np.where(g <= 0.0, node_t[u], inf), np.where(g <= 0.0, node_d[u], inf), which[u]))
    cands.append((np.where(g >= 1.0, node_t[v], inf), np.where(g >= 1.0, node_d[v], inf), which[v]))
    T = np.vstack([c[0] for c in cands])
    D = np.vstack([c[1] for c in cands])
    W = np.vstack([c[2] for c in cands])
    best = np.argmin(T if weight == TRAVEL_TIME else D, axis=0)
    cols = np.arange(len(e))
    t = T[best, cols] + p.access_time_s
    d = D[best, cols] + p.dist_m
    w = np.where(np.isfinite(t), W[best, cols], -1)
    if sources is not None and len(sources.edge) and len(e):
        st, sd, sw = _same_edge(arr, p, sources, direction, weight)
        better = (st < t) if weight == TRAVEL_TIME else (sd < d)
        t, d, w = np.where(better, st, t), np.where(better, sd, d), np.where(better, sw, w)
    return t, d, w


def _same_edge(
    arr: GraphArrays, p: Snapped, src: Snapped, direction: str, weight: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cost of going straight along the road between a source and a point on the same road.

    Each source sits on its edge at ``frac`` and, when the road is two-way, on the twin edge at
    ``1 - frac``. Along a directed edge one may only move from the tail end towards the head.
    """
    n = len(p.edge)
    out_t, out_d, out_w = np.full(n, np.inf), np.full(n, np.inf), np.full(n, -1)
    # a point on a two-way road sits on both of its directed edges (at g and at 1 - g)
    ptw = arr.twin[p.edge]
    phas = ptw >= 0
    p_edge = np.concatenate([p.edge, ptw[phas]])
    p_frac = np.concatenate([p.frac, 1.0 - p.frac[phas]])
    p_id = np.concatenate([np.arange(n), np.flatnonzero(phas)])
    tw = arr.twin[src.edge]
    has = tw >= 0
    s_edge = np.concatenate([src.edge, tw[has]])
    s_frac = np.concatenate([src.frac, 1.0 - src.frac[has]])
    s_id = np.concatenate([np.arange(len(src.edge)), np.flatnonzero(has)])
    s_at, s_ad = src.access_time_s[s_id], src.dist_m[s_id]
    order = np.argsort(s_edge, kind="stable")
    s_edge, s_frac, s_id, s_at, s_ad = s_edge[order], s_frac[order], s_id[order], s_at[order], s_ad[order]
    lo = np.searchsorted(s_edge, p_edge, side="left")
    hi = np.searchsorted(s_edge, p_edge, side="right")
    rows = np.flatnonzero(hi > lo)
    if len(rows) == 0:
        return out_t, out_d, out_w
    counts = (hi - lo)[rows]
    qi = np.repeat(rows, counts)  # position in the expanded point list
    si = np.concatenate([np.arange(a, b) for a, b in zip(lo[rows], hi[rows], strict=True)])
    e = p_edge[qi]
    gap = p_frac[qi] - s_frac[si] if direction == "from_facility" else s_frac[si] - p_frac[qi]
    ok = gap >= 0
    qi, si, e, gap = qi[ok], si[ok], e[ok], gap[ok]
    pi = p_id[qi]
    ct = gap * arr.travel_time[e] + s_at[si] + p.access_time_s[pi]
    cd = gap * arr.length[e] + s_ad[si] + p.dist_m[pi]
    order = np.lexsort((ct if weight == TRAVEL_TIME else cd, pi))
    pi, ct, cd, si = pi[order], ct[order], cd[order], si[order]
    first = np.unique(pi, return_index=True)[1]
    out_t[pi[first]], out_d[pi[first]], out_w[pi[first]] = ct[first], cd[first], s_id[si[first]]
    return out_t, out_d, out_w


def _point_result(
    G: nx.MultiDiGraph,
    arr: GraphArrays,
    points: Any,
    node_t: np.ndarray,
    node_d: np.ndarray,
    which: np.ndarray,
    src: Sources,
    direction: str,
    max_snap_m: float | None,
    weight: str,
    limit_cost: float = np.inf,
) -> gpd.GeoDataFrame:
    _, geom, p = snap_graph_points(G, points, max_snap_m=max_snap_m, name="points")
    limit = float(G.graph[GRAPH_KEY]["mode"]["max_snap_m"] if max_snap_m is None else max_snap_m)
    report_off_network(geom.index, p, "points", limit, labels=display_labels(points))
    t, d, w = point_costs(arr, p, node_t, node_d, which, direction, weight, sources=src.snapped)
    over = (t if weight == TRAVEL_TIME else d) > limit_cost
    t[over], d[over], w[over] = np.inf, np.inf, -1
    t[~p.on_network] = np.inf
    d[~p.on_network] = np.inf
    w[~p.on_network] = -1
    out = gpd.GeoDataFrame(index=geom.index, geometry=geom.values, crs=geom.crs)
    out[TRAVEL_TIME_S] = t
    out[DIST_M] = d
    out[FACILITY] = _labels_for(src.labels, w)
    out["snap_dist_m"] = p.dist_m
    out["on_network"] = p.on_network
    return out[[TRAVEL_TIME_S, DIST_M, FACILITY, "snap_dist_m", "on_network", "geometry"]]


def per_source_paths(
    arr: GraphArrays,
    s: Snapped,
    *,
    weight: str,
    direction: str,
    limit: float = np.inf,
    batch_bytes: int = 256 * 2**20,
):  # type: ignore[no-untyped-def]
    """Yield ``(source number, cost, other metric)`` to every node, one source at a time.

    Like :func:`per_source`, with the other metric (distance when searching by time, time when
    searching by length) summed along each node's shortest path. ``weight`` is
    ``"travel_time"`` or ``"length"`` (any spelling :func:`travel_times` accepts).
    """
    wname = weight_name(weight)
    aug = augmented(arr, s, wname, direction)
    size = aug.matrix.shape[0]
    batch = max(1, int(batch_bytes // (16 * size)))
    for start in range(0, aug.n_src, batch):
        idx = np.arange(start, min(start + batch, aug.n_src))
        dist, pred = dijkstra(aug.matrix, directed=True, indices=aug.n + idx, limit=limit, return_predecessors=True)
        dist, pred = np.atleast_2d(dist), np.atleast_2d(pred)
        for j, i in enumerate(idx):
            other = _path_sums(aug, pred[j])
            other[~np.isfinite(dist[j])] = np.inf
            yield int(i), dist[j, : aug.n], other[: aug.n]
