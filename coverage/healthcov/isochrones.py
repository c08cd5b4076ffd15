"""Service-area polygons built from the road network (not from convex hulls).

Reached road, with partially reached edges cut where the time runs out, is turned into area:

- ``method="grid"`` (default): grid cells touched by reached road are marked on a raster
  (``cell_m``, default 100 m driving / 50 m walking), gaps narrower than ``2 × fill_m`` are
  closed (a morphological closing), and the raster is traced into polygons. Land far from any
  reached road — a river, a park without paths, an unreached block — stays a hole. One raster
  per band covers all facilities, so the union isochrone costs one geometry operation per
  band; per-facility polygons use a small raster around each facility.
- ``method="buffer"``: the union of reached road pieces buffered by ``buffer_m``. Exact, but
  slower; for small sets.
- ``method="hull"``: convex hull of the reached road. Fast, but an over-estimate: it fills in
  land that cannot be reached (the complaint users have about other tools). Only for comparison.

Bands are nested: the 10-minute polygon contains the 5-minute one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from ._columns import AREA_KM2, FACILITY, GRAPH_KEY, LENGTH, METRES, MINUTES, TRAVEL_TIME
from .errors import InputError
from .network.area import CELL_RANGE_M, grid_polygon, metres_in_range, network_area, samples_along
from .network.arrays import GraphArrays
from .network.prepare import require_prepared
from .network.snap import Snapped
from .traveltime import multi_source, per_source, prepare_sources, resolve_direction

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
    if direction == "from_facility":
        t0 = node_cost[arr.u]
        ok = t0 < threshold
        e = np.flatnonzero(ok)
        with np.errstate(divide="ignore", invalid="ignore"):
            reach = np.where(w[e] > 0, (threshold - t0[e]) / w[e], 1.0)
        starts, ends = np.zeros(len(e)), np.minimum(1.0, reach)
    else:
        t1 = node_cost[arr.v]
        ok = t1 < threshold
        e = np.flatnonzero(ok)
        with np.errstate(divide="ignore", invalid="ignore"):
            reach = np.where(w[e] > 0, (threshold - t1[e]) / w[e], 1.0)
        starts, ends = np.maximum(0.0, 1.0 - reach), np.ones(len(e))
    edges, s_all, e_all = [e], [starts], [ends]
    if sources is not None and len(sources.edge):
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
            edges.append(se[ok])
            s_all.append(f[ok])
            e_all.append(np.minimum(1.0, f + along)[ok])
        else:
            edges.append(se[ok])
            s_all.append(np.maximum(0.0, f - along)[ok])
            e_all.append(f[ok])
        has = ok & (tw >= 0)
        twc = tw[has]
        with np.errstate(divide="ignore", invalid="ignore"):
            along_t = np.where(w[twc] > 0, left[has] / w[twc], 1.0)
        g = 1.0 - f[has]  # position of the facility along the twin
        edges.append(twc)
        if direction == "from_facility":
            s_all.append(g)
            e_all.append(np.minimum(1.0, g + along_t))
        else:
            s_all.append(np.maximum(0.0, g - along_t))
            e_all.append(g)
    return np.concatenate(edges), np.concatenate(s_all), np.concatenate(e_all)


def _buffer_polygon(arr: GraphArrays, edge: np.ndarray, s: np.ndarray, e: np.ndarray, buffer_m: float) -> Any:
    from shapely.ops import substring

    if len(edge) == 0:
        return shapely.Polygon()
    pieces = []
    for ei, a, b in zip(edge, s, e, strict=True):
        g = arr.geoms[ei]
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
        x, y = samples_along(arr, edge, s, e, step)
        return _hull_polygon(x, y) if method == "hull" else grid_polygon(x, y, cell, fill_cells)

    rows: list[dict[str, Any]] = []
    if not per_facility and method != "hull":
        cost, _, _ = multi_source(arr, src.snapped, weight=weight, direction=direction, limit=limit)
        for lab, c in zip(labels, costs, strict=True):
            edge, s, e = reached_intervals(arr, cost, c, weight=weight, direction=direction, sources=src.snapped)
            rows.append({col: lab, "geometry": polygon(edge, s, e)})
    else:
        per: dict[float, list[Any]] = {lab: [] for lab in labels}
        it = per_source(arr, src.snapped, weight=weight, direction=direction, limit=limit)
        for i, cost in _progress(it, total=len(src.labels), desc="isochrones", enabled=progress):
            one = src.snapped.subset(np.array([i]))
            for lab, c in zip(labels, costs, strict=True):
                edge, s, e = reached_intervals(arr, cost, c, weight=weight, direction=direction, sources=one)
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
