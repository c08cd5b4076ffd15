"""Service-area polygons built from the road network (not from convex hulls).

Reached road, with partially reached edges cut where the time runs out, is turned into area:

- ``method="grid"`` (default): grid cells touched by reached road are marked on a raster
  (``cell_m``, default 100 m driving / 50 m walking), gaps narrower than ``2 × fill_m`` are
  closed (a morphological closing), and the raster is traced into polygons. Land far from any
  reached road — a river, a park without paths, an unreached block — stays a hole. One raster
  per band covers all facilities, so the union isochrone costs one geometry operation per
  band; per-facility polygons use a small raster around each facility. Sample points along
  the reached road are made and marked a chunk at a time (:func:`grid_polygon_along`), so a
  city-wide band needs the raster plus one chunk of points, not every point at once.
- ``method="buffer"``: the union of reached road pieces buffered by ``buffer_m``. Exact, but
  slower; for small sets.
- ``method="hull"``: convex hull of the reached road. Fast, but an over-estimate: it fills in
  land that cannot be reached (the complaint users have about other tools). Only for comparison.

Bands are nested: the 10-minute polygon contains the 5-minute one.

The union isochrone is one multi-source search. Per-facility isochrones search, for each
facility, only the nodes within straight-line reach of it (:func:`local_costs`: the largest
threshold times the network's top speed), so their cost follows what each facility reaches,
not the size of the network; the result is the same as a search of the whole network.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from ._columns import AREA_KM2, FACILITY, GRAPH_KEY, LENGTH, METRES, MINUTES, TRAVEL_TIME
from .errors import InputError
from .network.area import CELL_RANGE_M, grid_polygon_along, metres_in_range, network_area, samples_along
from .network.arrays import GraphArrays
from .network.prepare import require_prepared
from .network.snap import Snapped
from .traveltime import multi_source, per_source, prepare_sources, resolve_direction, virtual_entries

__all__ = ["isochrones", "network_area", "reached_intervals"]

METHODS = ("grid", "buffer", "hull")


def _progress(iterable: Iterable[Any], *, total: int, desc: str, enabled: bool | None) -> Iterable[Any]:
    if enabled is None:
        enabled = os.environ.get("HEALTHCOV_PROGRESS", "1") not in ("0", "false", "no") and total >= 20
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="facility")


def reached_intervals(
    arr: GraphArrays,
    node_cost: np.ndarray,
    threshold: float,
    *,
    weight: str,
    direction: str,
    sources: Snapped | None = None,
    source_cost: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edge, start fraction, end fraction) of every reached piece of road within ``threshold``.

    Fractions run along each directed edge's geometry from its tail ``u`` (0) to its head ``v``
    (1). An edge is reached from the end the traveller enters it by: from ``u`` when travelling
    away from a facility, towards ``v`` when travelling to one. The facilities' own edges are
    reached from the facility's position on them.
    """
    w = arr.weight(weight)
    t_entry = node_cost[arr.u] if direction == "from_facility" else node_cost[arr.v]
    parts = [edge_pieces(w, np.arange(arr.m), t_entry, threshold, direction)]
    if sources is not None and len(sources.edge):
        parts.extend(source_pieces(arr, w, sources, threshold, weight, direction, source_cost))
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


Pieces = tuple[np.ndarray, np.ndarray, np.ndarray]


def edge_pieces(w: np.ndarray, edges: np.ndarray, t_entry: np.ndarray, threshold: float, direction: str) -> Pieces:
    """The reached part of ``edges`` (ascending), entered at cost ``t_entry`` each."""
    ok = t_entry < threshold
    e, t = edges[ok], t_entry[ok]
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(w[e] > 0, (threshold - t) / w[e], 1.0)
    if direction == "from_facility":
        return e, np.zeros(len(e)), np.minimum(1.0, reach)
    return e, np.maximum(0.0, 1.0 - reach), np.ones(len(e))


def source_pieces(
    arr: GraphArrays,
    w: np.ndarray,
    sources: Snapped,
    threshold: float,
    weight: str,
    direction: str,
    source_cost: np.ndarray | None = None,
) -> list[Pieces]:
    """The reached parts of the facilities' own edges (and their twins), from the facility's position."""
    off = sources.access_time_s if weight == TRAVEL_TIME else sources.dist_m
    if source_cost is not None:
        off = np.asarray(source_cost, dtype=float)
    se, f = sources.edge, sources.frac
    tw = arr.twin[se]
    left = threshold - off
    ok = left >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        along = np.where(w[se] > 0, left / w[se], 1.0)
    if direction == "from_facility":
        own = (se[ok], f[ok], np.minimum(1.0, f + along)[ok])
    else:
        own = (se[ok], np.maximum(0.0, f - along)[ok], f[ok])
    has = ok & (tw >= 0)
    twc = tw[has]
    with np.errstate(divide="ignore", invalid="ignore"):
        along_t = np.where(w[twc] > 0, left[has] / w[twc], 1.0)
    g = 1.0 - f[has]  # position of the facility along the twin
    if direction == "from_facility":
        return [own, (twc, g, np.minimum(1.0, g + along_t))]
    return [own, (twc, np.maximum(0.0, g - along_t), g)]


# --------------------------------------------------------------------------------------------
# per-facility searches on the part of the network a facility can reach


@dataclass
class LocalIndex:
    """What per-facility searches need of a network, built once per :class:`GraphArrays`.

    A KD-tree of the node coordinates; the edges grouped by the node a traveller enters them by
    (tail or head, built on first use per direction); per weight the largest straight-line
    distance covered per unit of cost (see :func:`reach_per_cost`). About 40 bytes a node for
    the tree and 8 a node plus 4 an edge per direction.
    """

    tree: cKDTree
    groups: dict[str, tuple[np.ndarray | None, np.ndarray]] = field(default_factory=dict)
    speed: dict[str, float] = field(default_factory=dict)
    owner: Any = None  # weak reference to the arrays

    @classmethod
    def build(cls, arr: GraphArrays) -> LocalIndex:
        return cls(tree=cKDTree(np.column_stack([arr.x, arr.y])))

    def entered_by(self, arr: GraphArrays, direction: str) -> tuple[np.ndarray | None, np.ndarray]:
        """(edge order or ``None`` when the edges are in node order already, indptr) per entry node."""
        if direction not in self.groups:
            node = arr.u if direction == "from_facility" else arr.v
            indptr = np.zeros(arr.n + 1, dtype=np.int64)
            np.cumsum(np.bincount(node, minlength=arr.n), out=indptr[1:])
            ordered = bool(np.all(node[1:] >= node[:-1]))
            dtype = np.int32 if arr.m < 2**31 else np.int64
            order = None if ordered else np.argsort(node, kind="stable").astype(dtype)
            self.groups[direction] = (order, indptr)
        return self.groups[direction]


_LOCAL: dict[int, LocalIndex] = {}
_LOCAL_LOCK = threading.Lock()


def local_index(arr: GraphArrays) -> LocalIndex:
    """The :class:`LocalIndex` of ``arr``, built on first use and forgotten with ``arr``."""
    key = id(arr)
    with _LOCAL_LOCK:
        hit = _LOCAL.get(key)
        if hit is not None and hit.owner is not None and hit.owner() is arr:
            return hit
    index = LocalIndex.build(arr)
    try:
        index.owner = weakref.ref(arr)
    except TypeError:  # arrays that cannot be weakly referenced are not cached
        return index
    with _LOCAL_LOCK:
        _LOCAL[key] = index
    weakref.finalize(arr, _LOCAL.pop, key, None)
    return index


def reach_per_cost(arr: GraphArrays, index: LocalIndex, weight: str) -> float:
    """The most straight-line metres any edge covers per unit of ``weight`` (the network's top speed).

    Per edge the larger of its geometry's length and the distance between its end nodes, over
    its cost; a facility's partial edge may be costed by its twin, so the geometry over the
    twin's cost counts too. ``inf`` when an edge of positive length costs nothing.
    """
    if weight in index.speed:
        return index.speed[weight]
    coords, offsets, _ = arr.flat_coords()
    seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    seg[offsets[1:-1] - 1] = 0.0  # no length across edge boundaries
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    glen = cum[offsets[1:] - 1] - cum[offsets[:-1]]
    chord = np.hypot(arr.x[arr.u] - arr.x[arr.v], arr.y[arr.u] - arr.y[arr.v])
    w = arr.weight(weight)
    has = arr.twin >= 0
    dist = np.concatenate([np.maximum(glen, chord), glen[has]])
    cost = np.concatenate([w, w[arr.twin[has]]])
    moving = dist > 0
    if (cost[moving] <= 0).any():
        speed = float("inf")
    else:
        speed = float(np.max(dist[moving] / cost[moving])) if moving.any() else 0.0
    index.speed[weight] = speed
    return speed


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(a, a + c) for a, c in zip(starts, counts)])``, vectorised."""
    total = int(counts.sum())
    first = np.cumsum(counts) - counts
    return np.repeat(starts - first, counts) + np.arange(total)


@dataclass
class SourceGraph:
    """The network's CSR in the search's direction, and the edges joining each source to it."""

    matrix: sp.csr_matrix  # n × n, transposed for searches towards the facilities
    ptr: np.ndarray  # source i's joins are cols[ptr[i]:ptr[i + 1]], cost[...]
    cols: np.ndarray
    cost: np.ndarray


def source_graph(arr: GraphArrays, s: Snapped, weight: str, direction: str) -> SourceGraph:
    """:class:`SourceGraph` of the sources ``s``: the cached CSR plus O(sources) joins, nothing per node.

    The joins are those of the whole-network search's virtual source nodes
    (:func:`healthcov.traveltime.augmented`): from the facility's point along its edge (and the
    twin) to both ends, access leg included; a point at an end node joins that node directly.
    """
    srcs, cols, cost, _ = virtual_entries(arr, s, weight, direction)  # the cheapest join per node
    e = s.edge
    ptr = np.zeros(len(e) + 1, dtype=np.int64)
    np.cumsum(np.bincount(srcs, minlength=len(e)), out=ptr[1:])
    matrix = arr.csr(weight, reverse=(direction == "to_facility")).matrix
    return SourceGraph(matrix=matrix, ptr=ptr, cols=cols, cost=cost)


def _search_within(graph: SourceGraph, i: int, sub: np.ndarray, limit: float) -> tuple[np.ndarray, bool]:
    """Costs from source ``i`` to the nodes ``sub`` (sorted), searching only among them.

    Also says whether the result is exact: it is unless some edge leaving ``sub`` starts from a
    node (or the source) whose cost plus the edge's stays within ``limit`` — only then could a
    path through nodes outside ``sub`` reach something in time.
    """
    mat, k = graph.matrix, len(sub)
    ip = mat.indptr
    counts = ip[sub + 1] - ip[sub]
    idx = _ranges(ip[sub], counts)
    a, b = graph.ptr[i], graph.ptr[i + 1]
    rows = np.concatenate([np.repeat(np.arange(k), counts), np.full(b - a, k)])
    cols = np.concatenate([mat.indices[idx], graph.cols[a:b]])
    data = np.concatenate([mat.data[idx], graph.cost[a:b]])
    pos = np.searchsorted(sub, cols)
    inside = np.zeros(len(cols), dtype=bool)
    if k:
        inside = sub[np.minimum(pos, k - 1)] == cols
    indptr = np.zeros(k + 2, dtype=np.int64)
    np.cumsum(np.bincount(rows[inside], minlength=k + 1), out=indptr[1:])
    local = sp.csr_matrix((data[inside], pos[inside].astype(np.int32), indptr), shape=(k + 1, k + 1))
    dist = dijkstra(local, directed=True, indices=k, limit=limit)
    out = ~inside
    exact = not bool(np.any(dist[rows[out]] + data[out] <= limit))
    return dist[:k], exact


def local_costs(
    arr: GraphArrays, index: LocalIndex, graph: SourceGraph, i: int, one: Snapped, limit: float, weight: str
) -> tuple[np.ndarray, np.ndarray]:
    """(nodes, cost) of the nodes source ``i`` reaches within ``limit``, found near the source only.

    Why searching near the source is exact: every edge covers at most ``speed`` straight-line
    metres per unit of cost (:func:`reach_per_cost`), so a node at straight-line distance ``d``
    from the facility's point on the road costs at least ``access + d / speed`` (the access leg —
    snapping distance at the mode's access speed — is paid before the road). A node beyond
    ``(limit - access) × speed`` cannot be reached within ``limit`` by any path, and no path
    through such a node can come back within it either, so the search runs on the nodes inside
    that disk (a KD-tree query) and their edges among themselves (a CSR submatrix): its cost
    depends on the reached part of the network, not on the network's size. The search also
    checks that no edge leaving the disk could be used in time; if one could (a geometry that
    does not start at its node), it is repeated on the whole network.
    """
    off = float((one.access_time_s if weight == TRAVEL_TIME else one.dist_m)[0])
    if limit - off < 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    radius = (limit - off) * reach_per_cost(arr, index, weight) * (1.0 + 1e-9) + 1e-3
    if np.isfinite(radius):
        sub = np.sort(np.asarray(index.tree.query_ball_point([one.x[0], one.y[0]], radius), dtype=np.int64))
        dist, exact = _search_within(graph, i, sub, limit)
    else:
        exact = False
    if not exact:
        sub = np.arange(arr.n)
        dist, _ = _search_within(graph, i, sub, limit)
    keep = np.isfinite(dist)
    return sub[keep], dist[keep]


def facility_intervals(
    arr: GraphArrays, s: Snapped, costs: Sequence[float], *, weight: str, direction: str
) -> Iterator[tuple[int, list[Pieces]]]:
    """Yield ``(source number, reached intervals per threshold)`` one facility at a time.

    Equal to :func:`reached_intervals` on a whole-network search per facility, at a cost that
    depends on what each facility reaches (:func:`local_costs`).
    """
    graph = source_graph(arr, s, weight, direction)
    index = local_index(arr)
    order, indptr = index.entered_by(arr, direction)
    w = arr.weight(weight)
    limit = max(costs)
    for i in range(len(s.edge)):
        one = s.subset(np.array([i]))
        nodes, cost = local_costs(arr, index, graph, i, one, limit, weight)
        counts = indptr[nodes + 1] - indptr[nodes]
        edges = _ranges(indptr[nodes], counts)
        if order is not None:
            edges = order[edges].astype(np.int64)
        t_entry = np.repeat(cost, counts)
        o = np.argsort(edges, kind="stable")
        edges, t_entry = edges[o], t_entry[o]
        pieces: list[Pieces] = []
        for c in costs:
            parts = [edge_pieces(w, edges, t_entry, c, direction), *source_pieces(arr, w, one, c, weight, direction)]
            edge, start, end = (np.concatenate([p[j] for p in parts]) for j in range(3))
            pieces.append((edge, start, end))
        yield i, pieces


def _full_search_intervals(
    arr: GraphArrays, s: Snapped, costs: Sequence[float], *, weight: str, direction: str
) -> Iterator[tuple[int, list[Pieces]]]:
    """Baseline of :func:`facility_intervals`: one whole-network search and edge scan per facility."""
    for i, cost in per_source(arr, s, weight=weight, direction=direction, limit=max(costs)):
        one = s.subset(np.array([i]))
        pieces = [reached_intervals(arr, cost, c, weight=weight, direction=direction, sources=one) for c in costs]
        yield i, pieces


def _buffer_polygon(arr: GraphArrays, edge: np.ndarray, s: np.ndarray, e: np.ndarray, buffer_m: float) -> Any:
    from shapely.ops import substring

    if len(edge) == 0:
        return shapely.Polygon()
    pieces = []
    for g, a, b in zip(arr.edge_geoms(edge), s, e, strict=True):
        if a <= 0.0 and b >= 1.0:
            pieces.append(g)
        elif b > a:
            pieces.append(substring(g, a, b, normalized=True))
    return shapely.buffer(shapely.GeometryCollection(pieces), buffer_m)


def _hull_polygon(x: np.ndarray, y: np.ndarray) -> Any:
    if len(x) == 0:
        return shapely.Polygon()
    return shapely.convex_hull(shapely.multipoints(np.column_stack([x, y])))


def _thresholds(minutes: Any, metres: Any) -> tuple[str, list[float], list[float]]:
    """(column, thresholds as given, thresholds as search costs in s or m), sorted ascending."""
    if metres is not None:
        if minutes not in (None, (5, 10, 15)):
            msg = "give either minutes= or metres=, not both"
            raise InputError(msg)
        col, raw, unit = METRES, metres, 1.0
    else:
        col, raw, unit = MINUTES, minutes, 60.0
    values: list[Any] = [raw] if raw is None or np.isscalar(raw) else list(raw)
    if not values:
        msg = f"{col}= is empty: give at least one threshold"
        raise InputError(msg)
    bad = [v for v in values if not (isinstance(v, (int, float, np.number)) and np.isfinite(v) and v > 0)]
    if bad:
        msg = f"{col}= must hold positive numbers, got {bad!r}"
        raise InputError(msg)
    nums = sorted(float(v) for v in values)
    return col, nums, [v * unit for v in nums]


def _shape_settings(
    mode_name: str, cell_m: float | None, fill_m: float | None, buffer_m: float | None
) -> tuple[float, float, float]:
    """(cell, fill, buffer) in metres: the given values, or the mode's defaults (finer for walking)."""
    walkish = mode_name in ("walk", "bike", "ebike")
    low, high = CELL_RANGE_M
    cell = metres_in_range(cell_m, "cell_m", low, high) if cell_m is not None else (50.0 if walkish else 100.0)
    fill = metres_in_range(fill_m, "fill_m", 0.0, 4 * high) if fill_m is not None else 2.0 * cell
    buf = metres_in_range(buffer_m, "buffer_m", 0.01, high) if buffer_m is not None else cell
    return cell, fill, buf


def isochrones(
    G: nx.MultiDiGraph,
    facilities: gpd.GeoDataFrame,
    *,
    minutes: float | Sequence[float] | None = (5, 10, 15),
    metres: float | Sequence[float] | None = None,
    per_facility: bool = False,
    direction: str | None = None,
    method: str = "grid",
    cell_m: float | None = None,
    fill_m: float | None = None,
    buffer_m: float | None = None,
    max_snap_m: float | None = None,
    progress: bool | None = None,
) -> gpd.GeoDataFrame:
    """Areas reachable from (or to) the facilities within each threshold, as polygons.

    Parameters
    ----------
    G
        A network from :func:`healthcov.read_network`.
    facilities
        Facility points in any CRS.
    minutes, metres
        Thresholds in minutes of travel time, or in metres of network distance (service-radius
        rules). One row per threshold (per facility with ``per_facility=True``).
    per_facility
        One polygon per facility and band instead of the union of all facilities per band.
    direction
        ``"to_facility"`` or ``"from_facility"``; default per mode (see :func:`travel_times`).
    method
        ``"grid"`` (default), ``"buffer"`` (small sets) or ``"hull"`` (an over-estimate that
        fills unreachable land; for comparison only).
    cell_m, fill_m
        Grid method: cell size (default 100 m driving, 50 m walking/cycling) and the closing
        radius: unreached gaps narrower than ``2 × fill_m`` are filled (default ``2 × cell_m``).
        ``cell_m`` must lie in :data:`CELL_RANGE_M` (1–5,000 m), ``fill_m`` in 0–20,000 m.
    buffer_m
        Buffer method: distance around reached road (default ``cell_m``; at most 5,000 m).
    max_snap_m
        Snapping limit for the facilities (default per mode).
    progress
        Show a progress bar over facilities (default: when there are 20 or more; the environment
        variable ``HEALTHCOV_PROGRESS=0`` turns bars off).

    Returns
    -------
    GeoDataFrame
        In ``G``'s CRS, columns ``minutes`` (or ``metres``), ``area_km2``, ``geometry`` (and
        ``facility`` with ``per_facility=True``), sorted by facility and threshold. The mode,
        direction and method are in ``.attrs``.

    Examples
    --------
    >>> import healthcov as hc
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"), mode="walk")
    >>> fac = hc.nodes_frame(G).iloc[[0]]
    >>> iso = hc.isochrones(G, fac, minutes=(5, 10))
    >>> iso["minutes"].tolist(), bool(iso.geometry.iloc[1].contains(iso.geometry.iloc[0]))
    ([5.0, 10.0], True)
    """
    require_prepared(G)
    direction = resolve_direction(G, direction)
    method = str(method).strip().lower()
    if method not in METHODS:
        msg = f"unknown method {method!r}: use one of {', '.join(METHODS)}"
        raise InputError(msg)
    col, labels, costs = _thresholds(minutes, metres)
    weight = LENGTH if col == METRES else TRAVEL_TIME
    mode = G.graph[GRAPH_KEY]["mode"]
    cell, fill, buf = _shape_settings(mode["name"], cell_m, fill_m, buffer_m)
    fill_cells = int(np.ceil(fill / cell))
    step = cell / 2.0 if method == "grid" else min(cell, buf) / 2.0

    arr, src = prepare_sources(G, facilities, max_snap_m=max_snap_m, name="facilities")
    limit = max(costs)

    def polygon(edge: np.ndarray, s: np.ndarray, e: np.ndarray) -> Any:
        if method == "buffer":
            return _buffer_polygon(arr, edge, s, e, buf)
        if method == "hull":
            return _hull_polygon(*samples_along(arr, edge, s, e, step))
        return grid_polygon_along(arr, edge, s, e, step=step, cell_m=cell, fill_cells=fill_cells)

    rows: list[dict[str, Any]] = []
    if not per_facility and method != "hull":
        cost, _, _ = multi_source(arr, src.snapped, weight=weight, direction=direction, limit=limit)
        for lab, c in zip(labels, costs, strict=True):
            edge, s, e = reached_intervals(arr, cost, c, weight=weight, direction=direction, sources=src.snapped)
            rows.append({col: lab, "geometry": polygon(edge, s, e)})
    else:
        per: dict[float, list[Any]] = {lab: [] for lab in labels}
        it = facility_intervals(arr, src.snapped, costs, weight=weight, direction=direction)
        for i, pieces in _progress(it, total=len(src.labels), desc="isochrones", enabled=progress):
            for lab, (edge, s, e) in zip(labels, pieces, strict=True):
                geom = polygon(edge, s, e)
                if per_facility:
                    rows.append({FACILITY: src.labels[i], col: lab, "geometry": geom})
                else:
                    per[lab].append(geom)
        if not per_facility:
            rows = [{col: lab, "geometry": shapely.union_all(per[lab])} for lab in labels]
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=G.graph["crs"])
    if per_facility:
        out = out[[FACILITY, col, "geometry"]]
    out[col] = out[col].astype(float)
    out.insert(len(out.columns) - 1, AREA_KM2, out.geometry.area / 1e6)
    out.attrs.update(
        {
            "mode": mode["name"],
            "direction": direction,
            "method": method,
            "cell_m": cell if method == "grid" else None,
            "fill_m": fill if method == "grid" else None,
            "buffer_m": buf if method == "buffer" else None,
            "facilities_used": len(src.labels),
            "facilities_off_network": int((~src.all_snapped.on_network).sum()),
        }
    )
    return out.reset_index(drop=True)
