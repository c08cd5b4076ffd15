"""Snap points to the nearest point on the nearest road edge (not merely the nearest node)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import shapely

from .._columns import (
    ACCESS_TIME_S,
    EDGE_FRAC,
    EDGE_KEY,
    EDGE_U,
    EDGE_V,
    GRAPH_KEY,
    ON_NETWORK,
    SNAP_DIST_M,
    SNAP_X,
    SNAP_Y,
)
from ..errors import (
    CoordinateSystemWarning,
    CRSError,
    EmptyInputError,
    InputError,
    InvalidGeometryError,
    IslandSnapWarning,
    OffNetworkError,
    OffNetworkWarning,
    describe_ids,
)
from .arrays import GraphArrays, graph_arrays

__all__ = ["snap_points", "Snapped", "NODE_TOLERANCE_M", "median_below", "road_distance"]

#: points this close (metres, along the edge) to an edge's end are taken to be at that node
NODE_TOLERANCE_M = 0.01
#: points snapping less than this far (metres) are not checked against dropped road islands
ISLAND_MIN_SNAP_M = 25.0


@dataclass(frozen=True)
class Snapped:
    """Snapping of n points to a graph's edges (internal edge indices)."""

    edge: np.ndarray  # internal edge index (oriented u -> v)
    frac: np.ndarray  # position along the edge, 0 at u, 1 at v
    dist_m: np.ndarray  # straight-line distance point -> edge
    x: np.ndarray
    y: np.ndarray
    on_network: np.ndarray
    access_time_s: np.ndarray

    def subset(self, mask: np.ndarray) -> Snapped:
        return Snapped(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


def _mode_info(G: nx.MultiDiGraph) -> dict[str, Any]:
    return dict(G.graph[GRAPH_KEY]["mode"])


def points_in_graph_crs(G: nx.MultiDiGraph, points: Any, name: str) -> gpd.GeoSeries:
    """Validate ``points`` (a GeoDataFrame/GeoSeries of points) and return them in ``G``'s CRS."""
    if isinstance(points, gpd.GeoDataFrame):
        geom = points.geometry
    elif isinstance(points, gpd.GeoSeries):
        geom = points
    else:
        msg = (
            f"{name} must be a GeoDataFrame of points (use healthcov.read_facilities to read a file or a "
            f"table with lon/lat columns), got {type(points).__name__}"
        )
        raise InputError(msg)
    if len(geom) == 0:
        msg = f"{name} is empty: there is nothing to route from"
        raise EmptyInputError(msg)
    if geom.crs is None:
        msg = f"{name} has no CRS: set one with .set_crs(...) (EPSG:4326 for longitude/latitude) or use read_facilities"
        raise CRSError(msg)
    missing = geom.isna() | geom.is_empty
    if missing.any():
        msg = f"{name}: rows {describe_ids(geom.index[missing])} have no geometry; fix or drop them"
        raise InvalidGeometryError(msg)
    if (geom.geom_type != "Point").any():
        bad = geom.index[geom.geom_type != "Point"]
        msg = (
            f"{name}: rows {describe_ids(bad)} are not points; read them with healthcov.read_facilities, "
            "which replaces polygons by representative points"
        )
        raise InvalidGeometryError(msg)
    xy = shapely.get_coordinates(geom.values)
    if not np.isfinite(xy).all():
        bad = geom.index[~np.isfinite(xy).all(axis=1)]
        msg = f"{name}: rows {describe_ids(bad)} have NaN or infinite coordinates; fix or drop them"
        raise InvalidGeometryError(msg)
    target = pyproj.CRS.from_user_input(G.graph["crs"])
    if geom.crs.is_geographic:
        b = geom.total_bounds
        if not (-180 <= b[0] <= b[2] <= 180 and -90 <= b[1] <= b[3] <= 90):
            msg = f"{name} claims {geom.crs.to_string()} (degrees) but its coordinates are not longitude/latitude"
            raise CRSError(msg)
    return geom.to_crs(target) if geom.crs != target else geom


def snap_xy(arr: GraphArrays, x: np.ndarray, y: np.ndarray, max_snap_m: float, access_kph: float) -> Snapped:
    """Snap coordinates (in the graph's CRS) to their nearest edges."""
    tree, rep = arr.tree()
    pts = shapely.points(x, y)
    (qi, ti), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    edge = np.empty(len(pts), dtype=np.int64)
    d = np.empty(len(pts))
    edge[qi] = rep[ti]
    d[qi] = dist
    geoms = arr.edge_geoms(edge)
    frac = shapely.line_locate_point(geoms, pts, normalized=True)
    frac = np.nan_to_num(np.clip(frac, 0.0, 1.0))
    # a point within NODE_TOLERANCE_M of an end of its edge is at that node (floating-point
    # noise must not turn "at the node" into "just past it" on a one-way street)
    glen = shapely.length(geoms)
    frac = np.where(frac * glen <= NODE_TOLERANCE_M, 0.0, frac)
    frac = np.where((1.0 - frac) * glen <= NODE_TOLERANCE_M, 1.0, frac)
    snapped = shapely.line_interpolate_point(geoms, frac, normalized=True)
    sx, sy = shapely.get_x(snapped), shapely.get_y(snapped)
    return Snapped(
        edge=edge,
        frac=frac,
        dist_m=d,
        x=sx,
        y=sy,
        on_network=d <= max_snap_m,
        access_time_s=d / (access_kph / 3.6),
    )


def snap_graph_points(
    G: nx.MultiDiGraph, points: Any, *, max_snap_m: float | None, name: str, check_offset: bool = True
) -> tuple[GraphArrays, gpd.GeoSeries, Snapped]:
    arr = graph_arrays(G)
    geom = points_in_graph_crs(G, points, name)
    mode = _mode_info(G)
    try:
        limit = float(mode["max_snap_m"] if max_snap_m is None else max_snap_m)
    except (TypeError, ValueError):
        limit = float("nan")
    if not limit > 0:
        msg = f"max_snap_m must be a positive distance in metres, got {max_snap_m!r}"
        raise InputError(msg)
    x, y = shapely.get_x(geom.values), shapely.get_y(geom.values)
    s = snap_xy(arr, x, y, limit, float(mode["access_speed_kph"]))
    _check_dropped_islands(G, x, y, s, name, limit)
    if check_offset:
        _check_gcj_offset(arr, geom, s, name)
    return arr, geom, s


def _check_dropped_islands(
    G: nx.MultiDiGraph, x: np.ndarray, y: np.ndarray, s: Snapped, name: str, limit: float
) -> None:
    """Name the real cause when points lie nearer to dropped road islands than to the kept network.

    A point next to a road outside the largest strongly connected component snaps to the kept
    roads farther away (a 400 m trip becomes one through the mainland); when every point is
    beyond ``max_snap_m`` because of that, the error says so instead of blaming coordinates.
    """
    info = G.graph[GRAPH_KEY]
    # ids and coordinates are recorded together; a graph cut from a bigger one lists no ids
    xy = (info.get("dropped_node_xy") or []) if info.get("dropped_node_ids") else []
    if len(xy) == 0:
        return
    from scipy.spatial import cKDTree

    d_island, _ = cKDTree(np.asarray(xy, dtype=float)).query(np.column_stack([x, y]))
    near = (d_island < 0.5 * s.dist_m) & (s.dist_m > ISLAND_MIN_SNAP_M)
    if not near.any():
        return
    what = (
        f"{int(near.sum())} of {len(near)} {name} lie nearer to roads dropped outside the largest strongly "
        f"connected component ({info.get('dropped_km', float('nan')):.1f} km of road, {len(xy):,} nodes) than "
        f"to the kept network (median {np.median(d_island[near]):.0f} m from a dropped road node, "
        f"{np.median(s.dist_m[near]):.0f} m from the kept roads)"
    )
    fix = (
        "The road network is not connected where these points are: check that its roads meet (line layers: "
        "raise snap_tolerance_m= or pass node_crossings=True to read_network), or read a larger area"
    )
    if not s.on_network.any():
        msg = f"{what}, and all are farther than max_snap_m={limit:g} m from the kept network. {fix}"
        raise OffNetworkError(msg)
    warnings.warn(f"{what}: they are routed from the kept roads. {fix}", IslandSnapWarning, stacklevel=4)


def _check_gcj_offset(arr: GraphArrays, geom: gpd.GeoSeries, s: Snapped, name: str) -> None:
    """Warn when points sit far from the roads but would sit on them after GCJ-02 → WGS84.

    Reuses the snapping already done (its median distance), and for the converted points asks
    only which of them have a road within half that median (:func:`median_below`), which is all
    the decision needs: no second snap.
    """
    from ..crs import gcj02_to_wgs84, in_china

    med = float(np.median(s.dist_m))
    if med < 20.0 or len(s.dist_m) < 3:  # points on the roads already
        return
    ll = geom.to_crs(4326)
    lon, lat = shapely.get_x(ll.values), shapely.get_y(ll.values)
    if np.mean(in_china(lon, lat)) < 0.5:
        return
    wl, wa = gcj02_to_wgs84(lon, lat)
    conv = gpd.GeoSeries(shapely.points(wl, wa), crs=4326).to_crs(geom.crs)
    med2 = median_below(arr, conv.values, 0.5 * med)
    if med2 is not None:
        warnings.warn(
            f"{name}: the points lie a median {med:.0f} m from the roads as given, but only {med2:.0f} m after "
            "converting GCJ-02 → WGS84. They are probably GCJ-02 (AMap, Tencent): read them with "
            "read_facilities(..., coord_system='gcj02')",
            CoordinateSystemWarning,
            stacklevel=4,
        )


def road_distance(arr: GraphArrays, pts: np.ndarray, max_distance: float | None = None) -> np.ndarray:
    """Distance (m) from each point to the nearest road; ``inf`` beyond ``max_distance`` when given.

    With ``max_distance`` the nearest-road search stops there (STRtree ``query_nearest`` with
    ``max_distance``: faster for the points far from every road); the distances are the same.
    (A ``dwithin`` query measuring every road within the bound was 6× slower on the Shanghai
    facilities, whose median distance — and so the bound — is kilometres.)
    """
    tree, _ = arr.tree()
    out = np.full(len(pts), np.inf)
    (qi, _), dist = tree.query_nearest(pts, max_distance=max_distance, return_distance=True, all_matches=False)
    out[qi] = dist
    if max_distance is not None:
        out[out > max_distance] = np.inf
    return out


def median_below(arr: GraphArrays, pts: np.ndarray, threshold: float) -> float | None:
    """The median distance from ``pts`` to the roads when it is below ``threshold``, else ``None``.

    Equal to ``median(road_distance(arr, pts))`` whenever that is below ``threshold``, but the
    nearest-road search only looks within ``threshold`` of each point: the median is below it
    exactly when enough points have a road that near, and then it is one of their distances.
    Only when exactly half of an even number of points do (the median is the mean of one near
    and one far distance) are the others searched without a bound.
    """
    n = len(pts)
    d = road_distance(arr, pts, max_distance=threshold)
    near = np.sort(d[d < threshold])
    half = n // 2
    if n % 2:  # the median is the middle distance
        return float(near[half]) if len(near) > half else None
    if len(near) > half:  # both middle distances are near
        return float(0.5 * (near[half - 1] + near[half]))
    if len(near) < half or half == 0:  # both are far
        return None
    far = road_distance(arr, pts[~(d < threshold)])
    med = float(0.5 * (near[-1] + far.min()))
    return med if med < threshold else None


def report_off_network(index: Any, s: Snapped, name: str, limit_m: float, labels: Any = None) -> None:
    """Warn (some) or raise (all) about points beyond ``max_snap_m``."""
    off = ~s.on_network
    if not off.any():
        return
    shown = labels if labels is not None else index
    ids = [shown[i] for i in np.flatnonzero(off)]
    if off.all():
        msg = (
            f"all {len(off)} {name} lie farther than max_snap_m={limit_m:g} m from the network "
            f"(nearest {s.dist_m.min():.0f} m). Check that they and the network cover the same area and use "
            "the same coordinate system (GCJ-02 data needs coord_system='gcj02'), or raise max_snap_m"
        )
        raise OffNetworkError(msg)
    warnings.warn(
        f"{int(off.sum())} of {len(off)} {name} lie farther than max_snap_m={limit_m:g} m from the network and "
        f"are left out of routing (kept with on_network=False): {describe_ids(ids)}",
        OffNetworkWarning,
        stacklevel=4,
    )


def snap_points(
    G: nx.MultiDiGraph,
    points: gpd.GeoDataFrame,
    *,
    max_snap_m: float | None = None,
    name: str = "points",
) -> gpd.GeoDataFrame:
    """Snap points to the nearest point on the nearest edge of ``G``.

    Returns a copy of ``points`` (same index and order, in ``G``'s CRS) with ``snap_dist_m``,
    ``on_network`` (False beyond ``max_snap_m``, default per mode), the edge (``edge_u``,
    ``edge_v``, ``edge_key``), the position along it (``edge_frac``, 0 at ``edge_u``), the
    snapped coordinates (``snap_x``, ``snap_y``) and ``access_time_s`` (the snap distance at
    the mode's access speed). Nothing is dropped.

    Examples
    --------
    >>> import healthcov as hc
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"))
    >>> nodes = hc.nodes_frame(G).iloc[:3]
    >>> snapped = hc.snap_points(G, nodes)
    >>> bool(snapped["on_network"].all()), float(snapped["snap_dist_m"].max())
    (True, 0.0)
    """
    arr, geom, s = snap_graph_points(G, points, max_snap_m=max_snap_m, name=name)
    out = points.copy() if isinstance(points, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=points.copy())
    out = out.set_geometry(geom.values) if out.crs != geom.crs else out
    existing = [c for c in (SNAP_DIST_M, ON_NETWORK, EDGE_U, EDGE_V, EDGE_KEY, EDGE_FRAC) if c in out.columns]
    if existing:
        out = out.drop(columns=existing)
    out[SNAP_DIST_M] = s.dist_m
    out[ON_NETWORK] = s.on_network
    out[EDGE_U] = arr.node_ids[arr.u[s.edge]]
    out[EDGE_V] = arr.node_ids[arr.v[s.edge]]
    out[EDGE_KEY] = arr.key[s.edge]
    out[EDGE_FRAC] = s.frac
    out[SNAP_X] = s.x
    out[SNAP_Y] = s.y
    out[ACCESS_TIME_S] = s.access_time_s
    return out
