"""Coverage matrices: which candidate sites cover which demand points, on the road network or as the crow flies.

:func:`candidate_coverage` builds the boolean demand × candidate matrix on the road network, with one
threshold per demand point, so urban cells (3.5 km) and rural cells (8 km) live in one model;
:func:`straight_coverage` is the straight-line version. The matrix is the only place distances
enter the siting models.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from .._columns import GRAPH_KEY, TRAVEL_TIME
from ..errors import CRSError, EmptyInputError, InputError, InvalidGeometryError, describe_ids
from ..network.prepare import require_prepared
from ..network.snap import report_off_network, snap_graph_points
from ..traveltime import augmented, display_labels, resolve_direction, weight_name

__all__ = ["candidate_coverage", "straight_coverage", "per_point_thresholds"]


def per_point_thresholds(thresholds: Any, index: pd.Index, name: str) -> np.ndarray:
    """A float array with one threshold per demand row (a scalar is broadcast)."""
    n = len(index)
    if isinstance(thresholds, pd.Series) and not thresholds.index.equals(index):
        missing = index.difference(thresholds.index)
        if len(missing):
            msg = (
                f"{name} is a Series whose index lacks demand rows {describe_ids(missing)}: give one threshold "
                "per demand point (same index) or a scalar"
            )
            raise InputError(msg)
        thresholds = thresholds.reindex(index)
    try:
        thr = np.asarray(thresholds, dtype=float)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be a number or one number per demand point, got {type(thresholds).__name__}"
        raise InputError(msg) from exc
    if thr.ndim == 0:
        thr = np.full(n, float(thr))
    if thr.shape != (n,):
        msg = f"{name} has shape {thr.shape} but there are {n} demand points: give one threshold per point or a scalar"
        raise InputError(msg)
    bad = np.isnan(thr) | (thr < 0)
    if bad.any():
        msg = (
            f"{name} must be non-negative numbers; demand rows {describe_ids(index[bad])} have negative or NaN "
            "thresholds"
        )
        raise InputError(msg)
    return thr


def _batches(total: int, size: int, desc: str) -> Iterator[np.ndarray]:
    starts: Iterable[int] = range(0, total, size)
    n_batches = -(-total // size)
    if os.environ.get("HEALTHCOV_PROGRESS", "1") not in ("0", "false", "no") and n_batches >= 20:
        from tqdm.auto import tqdm

        starts = tqdm(starts, total=n_batches, desc=desc, unit="batch")
    for start in starts:
        yield np.arange(start, min(start + size, total))


def candidate_coverage(
    G: nx.MultiDiGraph,
    candidates: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    thresholds: Any,
    *,
    weight: str = "travel_time",
    direction: str | None = "from_facility",
    max_snap_m: float | None = None,
    batch_bytes: int = 256 * 2**20,
) -> sp.csr_matrix:
    """Which candidate sites cover which demand points on the road network.

    Demand point ``i`` is covered by candidate ``j`` when the network cost between them is at
    most ``thresholds[i]``. Candidates and demand points snap once to their nearest edges (with
    access legs, as in :func:`healthcov.travel_times`); one bounded shortest-path search runs per
    candidate, in batches, so memory stays at about ``batch_bytes``. The result equals running
    :func:`healthcov.travel_times` from each candidate alone and comparing with the thresholds.

    Parameters
    ----------
    G
        A network from :func:`healthcov.read_network`.
    candidates
        Candidate sites (points, any CRS). Sites farther than ``max_snap_m`` from the network
        are named in an :class:`~healthcov.OffNetworkWarning` and cover nothing (their column
        stays empty, so positions still match ``candidates``).
    demand
        Demand points (population cells, network nodes). Points off the network are named in a
        warning and covered by nothing.
    thresholds
        Largest cost at which a point counts as covered: one value per demand point (an array,
        or a Series with ``demand``'s index), or a scalar for all. Seconds with
        ``weight="travel_time"``, metres with ``weight="length"``. Per-point values are how an
        urban 3.5 km and a rural 8 km standard live in the same model.
    weight
        ``"travel_time"`` or ``"length"``.
    direction
        ``"from_facility"`` (default: an ambulance driving out to the patient) or
        ``"to_facility"``; ``None`` takes the mode's default.
    max_snap_m
        Snapping limit (default per mode).
    batch_bytes
        Memory for one batch of searches.

    Returns
    -------
    scipy.sparse.csr_matrix
        Boolean, shape ``(len(demand), len(candidates))``; rows and columns in input order.

    Examples
    --------
    >>> import healthcov as hc
    >>> from healthcov.siting import candidate_coverage
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive")
    >>> nodes = hc.nodes_frame(G)
    >>> cover = candidate_coverage(G, nodes.iloc[[0, 100]], nodes, 2000, weight="length")
    >>> cover.shape == (len(nodes), 2), cover.dtype
    (True, dtype('bool'))
    >>> bool(cover[0, 0]), bool(cover[100, 1])  # every site covers its own node
    (True, True)
    """
    require_prepared(G)
    direction = resolve_direction(G, direction)
    wname = weight_name(weight)
    arr, cgeom, cs = snap_graph_points(G, candidates, max_snap_m=max_snap_m, name="candidates")
    _, dgeom, ds = snap_graph_points(G, demand, max_snap_m=max_snap_m, name="demand")
    thr = per_point_thresholds(thresholds, dgeom.index, "thresholds")
    if not batch_bytes > 0:
        msg = f"batch_bytes must be positive, got {batch_bytes!r}"
        raise InputError(msg)
    snap_limit = float(G.graph[GRAPH_KEY]["mode"]["max_snap_m"] if max_snap_m is None else max_snap_m)
    report_off_network(cgeom.index, cs, "candidates", snap_limit, labels=display_labels(candidates))
    report_off_network(dgeom.index, ds, "demand points", snap_limit, labels=display_labels(demand))

    n_d, n_c = len(dgeom), len(cgeom)
    on_c = np.flatnonzero(cs.on_network)
    on_d = np.flatnonzero(ds.on_network)
    pts = ds.subset(on_d)
    tmax = thr[on_d]
    limit = float(tmax.max()) if len(tmax) else 0.0

    # each demand point is reached through (at most) two end nodes of its edge, as in point_costs
    w = arr.weight(wname)
    e, g = pts.edge, pts.frac
    tw = arr.twin[e]
    has = tw >= 0
    twc = np.where(has, tw, e)
    inf = np.inf
    if direction == "from_facility":
        # reach u, then along e; or reach v, then back along the twin
        n1, a1 = arr.u[e], g * w[e]
        n2 = arr.v[e]
        a2 = np.where(g >= 1.0, 0.0, np.where(has, (1 - g) * w[twc], inf))
    else:
        # along e to v, then on; or along the twin to u, then on
        n1, a1 = arr.v[e], (1 - g) * w[e]
        n2 = arr.u[e]
        a2 = np.where(g <= 0.0, 0.0, np.where(has, g * w[twc], inf))
    access = pts.access_time_s if wname == TRAVEL_TIME else pts.dist_m

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    if len(on_c) and len(on_d):
        aug = augmented(arr, cs.subset(on_c), wname, direction)
        size = aug.matrix.shape[0]
        batch = max(1, int(batch_bytes // (8 * (size + 4 * len(on_d)))))
        for idx in _batches(len(on_c), batch, "coverage"):
            dist = np.atleast_2d(dijkstra(aug.matrix, directed=True, indices=aug.n + idx, limit=limit))
            cost = np.minimum(dist[:, n1] + a1, dist[:, n2] + a2) + access
            bi, di = np.nonzero(cost <= tmax)
            rows.append(on_d[di])
            cols.append(on_c[idx[bi]])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(n_d, n_c))


def _point_series(points: Any, name: str) -> gpd.GeoSeries:
    if isinstance(points, gpd.GeoDataFrame):
        geom = points.geometry
    elif isinstance(points, gpd.GeoSeries):
        geom = points
    else:
        msg = f"{name} must be a GeoDataFrame or GeoSeries of points, got {type(points).__name__}"
        raise InputError(msg)
    if len(geom) == 0:
        msg = f"{name} is empty"
        raise EmptyInputError(msg)
    if geom.crs is None:
        msg = f"{name} has no CRS: set one with .set_crs(...) (EPSG:4326 for longitude/latitude)"
        raise CRSError(msg)
    missing = geom.isna() | geom.is_empty
    if missing.any():
        msg = f"{name}: rows {describe_ids(geom.index[missing])} have no geometry; fix or drop them"
        raise InvalidGeometryError(msg)
    return geom


def straight_coverage(candidates: Any, demand: Any, thresholds_m: Any) -> sp.csr_matrix:
    """Which candidate sites lie within a straight-line distance of which demand points.

    The straight-line counterpart of :func:`candidate_coverage` (for radius rules measured as
    the crow flies, or as a quick upper bound of network coverage). Distances are measured in
    ``demand``'s CRS, or in its UTM zone when that CRS is in degrees; candidates are reprojected
    to match.

    Parameters
    ----------
    candidates, demand
        GeoDataFrames or GeoSeries (points; other geometries are measured from their nearest
        point).
    thresholds_m
        Metres: one per demand point, or a scalar.

    Returns
    -------
    scipy.sparse.csr_matrix
        Boolean, shape ``(len(demand), len(candidates))``: distance ≤ threshold.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import points
    >>> from healthcov.siting import straight_coverage
    >>> cand = gpd.GeoSeries(points([(0, 0), (1000, 0)]), crs=32651)
    >>> dem = gpd.GeoSeries(points([(0, 300), (900, 0), (5000, 0)]), crs=32651)
    >>> straight_coverage(cand, dem, [500, 50, 8000]).toarray()
    array([[ True, False],
           [False, False],
           [ True,  True]])
    """
    cgeom = _point_series(candidates, "candidates")
    dgeom = _point_series(demand, "demand")
    thr = per_point_thresholds(thresholds_m, dgeom.index, "thresholds_m")
    crs = pyproj.CRS.from_user_input(dgeom.crs)
    if crs.is_geographic:
        crs = dgeom.estimate_utm_crs()
        dgeom = dgeom.to_crs(crs)
    if pyproj.CRS.from_user_input(cgeom.crs) != crs:
        cgeom = cgeom.to_crs(crs)
    tree = shapely.STRtree(np.asarray(cgeom.values))
    qi, ti = tree.query(np.asarray(dgeom.values), predicate="dwithin", distance=thr)
    return sp.csr_matrix((np.ones(len(qi), dtype=bool), (qi, ti)), shape=(len(dgeom), len(cgeom)))
