"""Where to build next: candidate sites, coverage matrices and facility-siting models.

Three steps, each usable on its own:

1. :func:`generate_candidates` proposes candidate sites (network nodes inside the uncovered
   areas, thinned to a minimum spacing, outside exclusion zones), or bring your own points.
2. :func:`candidate_coverage` builds the boolean demand × candidate coverage matrix on the road
   network, with one threshold per demand point, so urban cells (3.5 km) and rural cells (8 km)
   live in one model. :func:`straight_coverage` is the straight-line version.
3. :func:`solve_mclp` (maximal covering: the best ``k`` sites) and :func:`solve_lscp` (set
   covering: the fewest sites reaching a target share) choose among the candidates, with the
   existing facilities' coverage kept fixed. They solve an exact mixed-integer programme with
   HiGHS (``highspy``), or CBC through PuLP when asked, and fall back to the greedy heuristic for
   very large instances or when the MIP runs out of time; the result says which was used and
   how far from optimal it can be.

The models are the classic ones (Church & ReVelle 1974; Toregas et al. 1971), as in ``spopt``;
the coverage matrix is the only place distances enter, so per-demand thresholds cost nothing.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from ._columns import GRAPH_KEY, TRAVEL_TIME
from .errors import CRSError, EmptyInputError, InputError, InvalidGeometryError, describe_ids
from .network.prepare import require_prepared
from .network.snap import report_off_network, snap_graph_points
from .traveltime import _display_labels, _weight_name, augmented, nodes_frame, resolve_direction

__all__ = [
    "candidate_coverage",
    "straight_coverage",
    "generate_candidates",
    "solve_mclp",
    "solve_lscp",
    "SiteSolution",
    "SOLVERS",
    "MIP_MAX_NONZEROS",
]

logger = logging.getLogger(__name__)

#: accepted values of ``solver``
SOLVERS = ("auto", "highs", "cbc", "greedy")

#: with ``solver="auto"``, models with more coverage entries than this (after reduction) go greedy
MIP_MAX_NONZEROS = 20_000_000

# curve columns
N_SITES = "n_sites"
SITE = "site"
GAIN = "gain"
COVERED_WEIGHT = "covered_weight"
SHARE = "share"

#: greedy's worst-case relative gap for maximal covering: it gets at least (1 - 1/e) of the optimum
GREEDY_MCLP_GAP = 1.0 / math.e


# ---------------------------------------------------------------------------------------------
# coverage matrices
# ---------------------------------------------------------------------------------------------


def _thresholds(thresholds: Any, index: pd.Index, name: str) -> np.ndarray:
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
    wname = _weight_name(weight)
    arr, cgeom, cs = snap_graph_points(G, candidates, max_snap_m=max_snap_m, name="candidates")
    _, dgeom, ds = snap_graph_points(G, demand, max_snap_m=max_snap_m, name="demand")
    thr = _thresholds(thresholds, dgeom.index, "thresholds")
    if not batch_bytes > 0:
        msg = f"batch_bytes must be positive, got {batch_bytes!r}"
        raise InputError(msg)
    snap_limit = float(G.graph[GRAPH_KEY]["mode"]["max_snap_m"] if max_snap_m is None else max_snap_m)
    report_off_network(cgeom.index, cs, "candidates", snap_limit, labels=_display_labels(candidates))
    report_off_network(dgeom.index, ds, "demand points", snap_limit, labels=_display_labels(demand))

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
    thr = _thresholds(thresholds_m, dgeom.index, "thresholds_m")
    crs = pyproj.CRS.from_user_input(dgeom.crs)
    if crs.is_geographic:
        crs = dgeom.estimate_utm_crs()
        dgeom = dgeom.to_crs(crs)
    if pyproj.CRS.from_user_input(cgeom.crs) != crs:
        cgeom = cgeom.to_crs(crs)
    tree = shapely.STRtree(np.asarray(cgeom.values))
    qi, ti = tree.query(np.asarray(dgeom.values), predicate="dwithin", distance=thr)
    return sp.csr_matrix((np.ones(len(qi), dtype=bool), (qi, ti)), shape=(len(dgeom), len(cgeom)))


# ---------------------------------------------------------------------------------------------
# candidates
# ---------------------------------------------------------------------------------------------


def _polygons(areas: Any, crs: Any, name: str) -> Any:
    """The union of ``areas`` (polygons, in ``crs``), prepared for point-in-polygon tests."""
    if isinstance(areas, gpd.GeoDataFrame | gpd.GeoSeries):
        geom = areas.geometry if isinstance(areas, gpd.GeoDataFrame) else areas
        if len(geom) == 0:
            msg = f"{name} is empty: give at least one polygon (or None for no restriction)"
            raise EmptyInputError(msg)
        if geom.crs is None:
            msg = f"{name} has no CRS: set one with .set_crs(...)"
            raise CRSError(msg)
        geom = geom.to_crs(crs)
        values = np.asarray(geom.values)
        labels = list(geom.index)
    elif isinstance(areas, shapely.Geometry):
        values = np.array([areas], dtype=object)
        labels = [0]
    elif isinstance(areas, list | tuple) and all(isinstance(a, shapely.Geometry) for a in areas) and areas:
        values = np.array(list(areas), dtype=object)
        labels = list(range(len(values)))
    else:
        msg = (
            f"{name} must be polygons: a GeoDataFrame/GeoSeries, a shapely (Multi)Polygon in the network's CRS, "
            f"or a list of them; got {type(areas).__name__}"
        )
        raise InputError(msg)
    kinds = shapely.get_type_id(values)
    bad = ~np.isin(kinds, (3, 6)) | shapely.is_empty(values)  # Polygon, MultiPolygon
    if bad.any():
        msg = f"{name}: rows {describe_ids([labels[i] for i in np.flatnonzero(bad)])} are not (non-empty) polygons"
        raise InvalidGeometryError(msg)
    union = shapely.union_all(shapely.make_valid(values))
    shapely.prepare(union)
    return union


def _thin(x: np.ndarray, y: np.ndarray, spacing_m: float) -> np.ndarray:
    """Positions of a subset of points at least ``spacing_m`` apart (deterministic).

    Points are visited cell by cell on a ``spacing_m`` grid (row-major), nearest to the cell
    centre first; a point is kept unless a kept point lies closer than ``spacing_m``.
    """
    x0, y0 = float(x.min()), float(y.min())
    cx = np.floor((x - x0) / spacing_m).astype(np.int64)
    cy = np.floor((y - y0) / spacing_m).astype(np.int64)
    dc = np.hypot(x - (x0 + (cx + 0.5) * spacing_m), y - (y0 + (cy + 0.5) * spacing_m))
    order = np.lexsort((np.arange(len(x)), dc, cx, cy))
    kept: dict[tuple[int, int], list[tuple[float, float]]] = {}
    out: list[int] = []
    s2 = spacing_m * spacing_m
    for i in order.tolist():
        px, py, a, b = float(x[i]), float(y[i]), int(cx[i]), int(cy[i])
        near = False
        for da in (-1, 0, 1):
            for db in (-1, 0, 1):
                for qx, qy in kept.get((a + da, b + db), ()):
                    if (qx - px) ** 2 + (qy - py) ** 2 < s2:
                        near = True
                        break
                if near:
                    break
            if near:
                break
        if not near:
            kept.setdefault((a, b), []).append((px, py))
            out.append(i)
    return np.sort(np.asarray(out, dtype=np.int64))


def generate_candidates(
    G: nx.MultiDiGraph,
    *,
    within: Any = None,
    spacing_m: float | None = 1000.0,
    exclude: Any = None,
) -> gpd.GeoDataFrame:
    """Candidate sites from the network's nodes: inside ``within``, outside ``exclude``, thinned.

    Parameters
    ----------
    G
        A network from :func:`healthcov.read_network`.
    within
        Polygons to search (e.g. the areas a standard leaves uncovered): a GeoDataFrame or
        GeoSeries (any CRS), or shapely polygons in ``G``'s CRS. ``None``: the whole network.
        Nodes on the boundary count as inside.
    spacing_m
        Minimum distance between two candidates (metres); ``None`` or 0 keeps every node. Nodes
        are visited cell by cell on a ``spacing_m`` grid, nearest to the cell centre first, and
        kept unless a kept node lies closer: the result is deterministic and about one node per
        grid cell.
    exclude
        Polygons where no site may go (e.g. Ningbo's old city); nodes on their boundary are
        excluded too.

    Returns
    -------
    GeoDataFrame
        Points in ``G``'s CRS, indexed by node id (in ``G``'s node order).

    Examples
    --------
    >>> import healthcov as hc
    >>> from healthcov.siting import generate_candidates
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive")
    >>> cand = generate_candidates(G, spacing_m=1000)
    >>> 0 < len(cand) < G.number_of_nodes(), cand.crs == G.graph["crs"]
    (True, True)
    >>> float(cand.distance(cand.geometry.iloc[0]).iloc[1:].min()) >= 1000
    True
    """
    require_prepared(G)
    if spacing_m is not None and not (np.isfinite(spacing_m) and spacing_m >= 0):
        msg = f"spacing_m must be a non-negative number of metres (or None), got {spacing_m!r}"
        raise InputError(msg)
    nodes = nodes_frame(G)
    x, y = shapely.get_x(nodes.geometry.values), shapely.get_y(nodes.geometry.values)
    keep = np.ones(len(nodes), dtype=bool)
    counts = [f"{len(nodes)} network nodes"]
    if within is not None:
        keep &= shapely.intersects_xy(_polygons(within, nodes.crs, "within"), x, y)
        counts.append(f"{int(keep.sum())} inside `within`")
    if exclude is not None:
        keep &= ~shapely.intersects_xy(_polygons(exclude, nodes.crs, "exclude"), x, y)
        counts.append(f"{int(keep.sum())} outside `exclude`")
    if not keep.any():
        msg = (
            f"no candidate sites are left ({', '.join(counts)}): every node was excluded. Check that `within` and "
            "`exclude` overlap the network and use the right CRS, or widen `within`"
        )
        raise EmptyInputError(msg)
    pos = np.flatnonzero(keep)
    if spacing_m:
        pos = pos[_thin(x[pos], y[pos], float(spacing_m))]
    return nodes.iloc[pos].copy()


# ---------------------------------------------------------------------------------------------
# siting models
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SiteSolution:
    """Sites chosen by :func:`solve_mclp` or :func:`solve_lscp`.

    Attributes
    ----------
    chosen
        Candidate positions (columns of the coverage matrix; ``candidates.iloc[chosen]``), in
        order of marginal gain: each adds the most weight given the ones before it.
    gains
        Weight newly covered by each chosen site, given the sites before it.
    covered_weight
        Weight covered with the new sites, existing coverage included.
    existing_weight
        Weight covered by existing facilities alone (``covered_already``).
    total_weight
        Weight of all demand.
    share
        ``covered_weight / total_weight``.
    curve
        The marginal-gain curve: ``n_sites`` (0 = existing facilities only), ``site`` (position
        added at that step), ``gain``, ``covered_weight`` and ``share``.
    method
        ``"mip-highs"``, ``"mip-cbc"`` or ``"greedy"``.
    status
        The solver's status (``"Optimal"``, ``"Time limit reached"``…), or why greedy was used.
    gap
        Relative optimality gap: 0 when proven optimal. Maximal covering: (bound − new weight) /
        bound, with the MIP's dual bound or, for greedy, the tighter of its data-dependent
        submodular bound and 1/e. Set covering: (sites − lower bound on sites) / sites.
    elapsed_s
        Wall time of the solve.
    """

    chosen: np.ndarray
    gains: np.ndarray
    covered_weight: float
    existing_weight: float
    total_weight: float
    share: float
    curve: pd.DataFrame
    method: str
    status: str
    gap: float
    elapsed_s: float

    @property
    def new_weight(self) -> float:
        """Weight newly covered by the chosen sites."""
        return self.covered_weight - self.existing_weight

    def __repr__(self) -> str:
        return (
            f"SiteSolution({len(self.chosen)} sites, share {self.share:.4f} "
            f"(existing {self.existing_weight / self.total_weight:.4f}), method={self.method!r}, "
            f"status={self.status!r}, gap={self.gap:.3g}, {self.elapsed_s:.2f} s)"
        )


@dataclass
class _Problem:
    """A siting instance reduced to what matters: uncovered, coverable demand; useful, distinct sites."""

    A: sp.csc_matrix  # reduced demand rows × reduced sites (float 0/1)
    w: np.ndarray  # weight of each reduced row (merged identical rows)
    cols: np.ndarray  # candidate position of each reduced site
    n_cand: int
    total: float
    existing: float

    @property
    def coverable(self) -> float:
        return float(self.w.sum())


def _as_cover(cover: Any) -> sp.csc_matrix:
    if sp.issparse(cover):
        m = sp.csc_matrix(cover)
    else:
        try:
            arr = np.asarray(cover)
        except (TypeError, ValueError) as exc:
            msg = f"cover must be a (demand × candidate) boolean matrix, got {type(cover).__name__}"
            raise InputError(msg) from exc
        if arr.ndim != 2:
            msg = f"cover must be a 2-D (demand × candidate) matrix, got {arr.ndim} dimension(s)"
            raise InputError(msg)
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            msg = "cover has NaN or infinite entries: it must be boolean (True where a candidate covers a point)"
            raise InputError(msg)
        m = sp.csc_matrix(arr.astype(bool))
    if m.shape[1] == 0:
        msg = "there are no candidate sites (cover has 0 columns): give or generate at least one candidate"
        raise EmptyInputError(msg)
    if m.shape[0] == 0:
        msg = "there is no demand (cover has 0 rows)"
        raise EmptyInputError(msg)
    m = m.astype(bool).astype(np.float64)
    m.eliminate_zeros()
    m.sort_indices()
    return m


def _validate(cover: Any, weights: Any, covered_already: Any) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    A = _as_cover(cover)
    n_d = A.shape[0]
    problems = []
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        w = None
        problems.append(f"weights must be numbers, got {type(weights).__name__}")
    if w is not None:
        if w.ndim == 0:
            w = np.full(n_d, float(w))
        if w.shape != (n_d,):
            problems.append(f"weights has shape {w.shape} but cover has {n_d} demand rows")
        else:
            bad = ~np.isfinite(w) | (w < 0)
            if bad.any():
                problems.append(
                    f"weights must be finite and non-negative; rows {describe_ids(np.flatnonzero(bad).tolist())}"
                )
    if covered_already is None:
        ca = np.zeros(n_d, dtype=bool)
    else:
        ca_raw = np.asarray(covered_already)
        if ca_raw.shape != (n_d,):
            problems.append(f"covered_already has shape {ca_raw.shape} but cover has {n_d} demand rows")
            ca = np.zeros(n_d, dtype=bool)
        elif ca_raw.dtype.kind not in "biu" or not np.isin(ca_raw, (0, 1)).all():
            problems.append("covered_already must be booleans (True where existing facilities already cover a point)")
            ca = np.zeros(n_d, dtype=bool)
        else:
            ca = ca_raw.astype(bool)
    if problems or w is None:
        msg = "; ".join(problems)
        raise InputError(msg)
    if not w.sum() > 0:
        msg = "weights sum to zero: there is no demand to cover (give population or 1 per point)"
        raise InputError(msg)
    return A, w, ca


def _reduce(A: sp.csc_matrix, w: np.ndarray, ca: np.ndarray) -> _Problem:
    """The instance reduced to what matters (the optimum is unchanged).

    Rows: drop those already covered, weightless or coverable by no candidate; merge rows with
    the same candidate set (summing weights). Sites: drop those covering none of these rows,
    duplicates (keep the first) and dominated ones (covering a strict subset of another site's
    rows: swapping one for the other never loses weight).
    """
    n_c = A.shape[1]
    total, existing = float(w.sum()), float(w[ca].sum())
    csr = A.tocsr()
    active = (~ca) & (w > 0) & (np.diff(csr.indptr) > 0)
    sub = csr[np.flatnonzero(active)].tocsc()
    sub.sort_indices()
    wa = w[active]
    # identical sites: keep the first
    deg = np.diff(sub.indptr)
    useful = np.flatnonzero(deg > 0)
    keys = pd.Series([sub.indices[sub.indptr[j] : sub.indptr[j + 1]].tobytes() for j in useful])
    cols = useful[~keys.duplicated(keep="first").to_numpy()]
    sub = sub[:, cols]
    best = _undominated(sub)
    merged, wr = _merge_rows(sub[:, best].tocsr(), wa)
    return _Problem(A=merged, w=wr, cols=cols[best], n_cand=n_c, total=total, existing=existing)


def _undominated(C: sp.csc_matrix, block: int = 512) -> np.ndarray:
    """Columns of ``C`` (distinct 0/1 columns) that are not a strict subset of another column."""
    n = C.shape[1]
    deg = np.diff(C.indptr)
    keep = np.ones(n, dtype=bool)
    CT = C.T.tocsr()
    for start in range(0, n, block):
        idx = np.arange(start, min(start + block, n))
        overlap = (CT[idx] @ C).toarray()  # |N_j ∩ N_j'|
        dominated = (overlap == deg[idx, None]) & (deg[None, :] > deg[idx, None])
        keep[idx] = ~dominated.any(axis=1)
    return np.flatnonzero(keep)


def _merge_rows(sub: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csc_matrix, np.ndarray]:
    """Merge rows with the same set of sites, summing their weights."""
    sub.sort_indices()
    if sub.shape[0] == 0:
        return sub.tocsc(), np.zeros(0)
    rkeys = pd.Series([sub.indices[sub.indptr[i] : sub.indptr[i + 1]].tobytes() for i in range(sub.shape[0])])
    codes, uniq = pd.factorize(rkeys, sort=False)
    wr = np.bincount(codes, weights=w, minlength=len(uniq))
    firsts = np.unique(codes, return_index=True)[1]  # codes number rows in order of first appearance
    return sub[firsts].tocsc(), wr


def _greedy(P: _Problem, k: int | None = None, need: float | None = None) -> tuple[list[int], list[float], float, int]:
    """Greedy on the reduced problem: (sites, gains, upper bound for k sites, lower bound on sites for need).

    Stops after ``k`` sites, or once the new weight reaches ``need``, or when nothing is gained.
    Bounds (submodularity): for any step's covered set S, the best ``p`` sites cover at most
    f(S) + the ``p`` largest marginal gains at S.
    """
    AT = P.A.T.tocsr()
    rem = P.w.copy()
    chosen: list[int] = []
    gains: list[float] = []
    covered = 0.0
    ub = math.inf
    lb_sites = 0
    n = P.A.shape[1]
    steps = n if k is None else min(k, n)
    while True:
        g = AT @ rem
        if k is not None:
            top = np.partition(g, n - min(k, n))[n - min(k, n) :].sum() if n else 0.0
            ub = min(ub, covered + float(top))
        if need is not None:
            cs = np.cumsum(np.sort(g)[::-1])
            p = int(np.searchsorted(cs, need - covered - 1e-9 * max(need, 1.0))) + 1
            lb_sites = max(lb_sites, p if covered < need else 0)
        if len(chosen) >= steps or (need is not None and covered >= need - 1e-9 * max(need, 1.0)):
            break
        j = int(np.argmax(g))
        if g[j] <= 0:
            break
        chosen.append(j)
        gains.append(float(g[j]))
        covered += float(g[j])
        rem[P.A.indices[P.A.indptr[j] : P.A.indptr[j + 1]]] = 0.0
    return chosen, gains, ub, lb_sites


def _interchange(P: _Problem, sites: list[int], *, deadline: float, max_rounds: int = 1000) -> list[int]:
    """Improve ``sites`` by best-improvement single swaps (Teitz & Bart) until none helps.

    Swapping site s for candidate c changes the covered weight by gain(c) + overlap(c, s) - loss(s):
    the uncovered weight c adds, plus what c keeps of the weight only s covered, minus all the
    weight only s covered. All swaps are scored at once with two sparse products.
    """
    n_r, n = P.A.shape
    p = len(sites)
    if p == 0 or p >= n:
        return list(sites)
    sites = list(sites)
    A = P.A
    AT = A.T.tocsr()
    cnt = np.asarray(A[:, sites].sum(axis=1)).ravel()
    eps = 1e-12 * max(P.coverable, 1e-300)
    for _ in range(max_rounds):
        if time.perf_counter() > deadline:
            break
        gain = AT @ np.where(cnt == 0, P.w, 0.0)
        rows = np.flatnonzero(cnt == 1)
        AS = A[:, sites].tocsr()[rows]
        owner = AS.indices  # the one chosen site covering each of these rows
        B = sp.csr_matrix((P.w[rows], (rows, owner)), shape=(n_r, p))
        loss = np.bincount(owner, weights=P.w[rows], minlength=p)
        delta = gain[:, None] + (AT @ B).toarray() - loss[None, :]
        delta[sites, :] = -np.inf
        c, s = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if not delta[c, s] > eps:
            break
        out = sites[s]
        cnt[A.indices[A.indptr[out] : A.indptr[out + 1]]] -= 1
        cnt[A.indices[A.indptr[c] : A.indptr[c + 1]]] += 1
        sites[s] = int(c)
    return sites


def _order(P: _Problem, sites: Iterable[int]) -> tuple[list[int], list[float]]:
    """Sites (reduced) in greedy order of marginal gain; sites that add nothing are dropped."""
    sites = sorted(set(sites))
    if not sites:
        return [], []
    sub = _Problem(A=P.A[:, sites], w=P.w, cols=np.asarray(sites), n_cand=P.n_cand, total=P.total, existing=0.0)
    order, gains, _, _ = _greedy(sub, k=len(sites))
    return [sites[i] for i in order], gains


def _covered(P: _Problem, sites: list[int]) -> float:
    if not sites:
        return 0.0
    hit = np.asarray(P.A[:, sites].sum(axis=1)).ravel() > 0
    return float(P.w[hit].sum())


def _resolve_solver(solver: str) -> str:
    key = str(solver).strip().lower().replace("_", "-")
    key = {"mip": "auto", "pulp": "cbc", "mip-cbc": "cbc", "highspy": "highs", "mip-highs": "highs"}.get(key, key)
    if key not in SOLVERS:
        msg = f"unknown solver {solver!r}: use one of {', '.join(map(repr, SOLVERS))}"
        raise InputError(msg)
    return key


def _check_time(time_limit_s: float) -> float:
    try:
        t = float(time_limit_s)
    except (TypeError, ValueError) as exc:
        msg = f"time_limit_s must be a number of seconds, got {time_limit_s!r}"
        raise InputError(msg) from exc
    if not t > 0:
        msg = f"time_limit_s must be positive, got {time_limit_s!r}"
        raise InputError(msg)
    return t


@dataclass
class _MipResult:
    sites: list[int] | None  # None: no feasible solution found
    status: str
    optimal: bool
    bound: float  # dual bound (max: upper bound on the objective; min: lower bound); nan if unknown
    method: str


def _highs_solve(P: _Problem, *, k: int, start: list[int], time_limit_s: float) -> _MipResult:
    """Maximal covering with HiGHS.

    Variables: x_j ∈ {0, 1} (build site j), y_i ∈ [0, 1] (row i covered). Rows:
    y_i − Σ_{j ∈ N_i} x_j ≤ 0 and Σ x_j ≤ k; maximise Σ w_i y_i. y need not be integer: with
    integer x an optimum has y ∈ {0, 1}.
    """
    import highspy

    n_r, n_c = P.A.shape
    inf = highspy.kHighsInf
    M = sp.vstack(
        [
            sp.hstack([-P.A, sp.identity(n_r, format="csc")], format="csc"),
            sp.csc_matrix(np.concatenate([np.ones(n_c), np.zeros(n_r)])[None, :]),
        ],
        format="csc",
    )
    M.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = n_c + n_r
    lp.num_row_ = M.shape[0]
    lp.col_cost_ = np.concatenate([np.zeros(n_c), P.w])
    lp.col_lower_ = np.zeros(n_c + n_r)
    lp.col_upper_ = np.ones(n_c + n_r)
    lp.row_lower_ = np.full(n_r + 1, -inf)
    lp.row_upper_ = np.concatenate([np.zeros(n_r), [float(k)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = M.indptr.astype(np.int32)
    lp.a_matrix_.index_ = M.indices.astype(np.int32)
    lp.a_matrix_.value_ = M.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_c + [highspy.HighsVarType.kContinuous] * n_r
    lp.sense_ = highspy.ObjSense.kMaximize
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9 * max(P.coverable, 1e-300))
    h.setOptionValue("random_seed", 0)
    # HiGHS's MIP presolve spends most of its time on these models (dense columns) and removes
    # little that _reduce has not removed already
    h.setOptionValue("presolve", "off")
    h.passModel(lp)
    if start:
        x0 = np.zeros(n_c + n_r)
        x0[start] = 1.0
        x0[n_c:] = np.asarray(P.A[:, start].sum(axis=1)).ravel() > 0
        sol = highspy.HighsSolution()
        sol.col_value = x0.tolist()
        h.setSolution(sol)
    h.run()
    st = h.getModelStatus()
    info = h.getInfo()
    sites = None
    if int(info.primal_solution_status) == 2:  # kSolutionStatusFeasible
        x = np.asarray(h.getSolution().col_value)[:n_c]
        sites = np.flatnonzero(x > 0.5).tolist()
    bound = float(info.mip_dual_bound)
    return _MipResult(
        sites=sites,
        status=h.modelStatusToString(st),
        optimal=st == highspy.HighsModelStatus.kOptimal,
        bound=bound if math.isfinite(bound) else math.nan,
        method="mip-highs",
    )


def _cbc_solve(P: _Problem, *, k: int, time_limit_s: float) -> _MipResult:
    """The same model with CBC through PuLP (optional: ``pip install pulp``)."""
    try:
        import pulp
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = "solver='cbc' needs PuLP: pip install pulp (or install healthcov's 'dev' extra), or use solver='highs'"
        raise ImportError(msg) from exc
    n_r, n_c = P.A.shape
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    # PuLP ≥ 3.3 attaches variables to the problem (and deprecates bare LpVariable(...))
    var = prob.add_variable if hasattr(prob, "add_variable") else pulp.LpVariable
    x = [var(f"x{j}", 0, 1, cat="Integer") for j in range(n_c)]
    y = [var(f"y{i}", 0, 1) for i in range(n_r)]
    prob += pulp.lpSum(float(P.w[i]) * y[i] for i in range(n_r))
    prob += pulp.lpSum(x) <= int(k)
    csr = P.A.tocsr()
    for i in range(n_r):
        prob += y[i] <= pulp.lpSum(x[j] for j in csr.indices[csr.indptr[i] : csr.indptr[i + 1]])
    opts = {"msg": False, "timeLimit": float(time_limit_s), "gapRel": 0.0, "gapAbs": 0.0}
    with warnings.catch_warnings():
        # PuLP 3.3 deprecates its bundled CBC; PuLP 4 wants `pip install pulp[cbc]` and COIN_CMD
        warnings.simplefilter("ignore", DeprecationWarning)
        cmd = pulp.PULP_CBC_CMD(**opts) if hasattr(pulp, "PULP_CBC_CMD") else pulp.COIN_CMD(**opts)
    prob.solve(cmd)
    status = pulp.LpStatus[prob.status]
    optimal = prob.sol_status == pulp.LpSolutionOptimal
    sites = None
    if prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        sites = [j for j in range(n_c) if (x[j].value() or 0.0) > 0.5]
    value = pulp.value(prob.objective)
    return _MipResult(
        sites=sites,
        status=status if optimal else f"{status} ({pulp.LpSolution.get(prob.sol_status, prob.sol_status)})",
        optimal=optimal,
        bound=float(value) if optimal and value is not None else math.nan,  # PuLP does not report CBC's bound
        method="mip-cbc",
    )


def _mip(P: _Problem, *, k: int, start: list[int], solver: str, time_limit_s: float) -> _MipResult:
    if solver == "cbc":
        return _cbc_solve(P, k=k, time_limit_s=time_limit_s)
    return _highs_solve(P, k=k, start=start, time_limit_s=time_limit_s)


def _solution(P: _Problem, sites: list[int], *, method: str, status: str, gap: float, t0: float) -> SiteSolution:
    order, gains = _order(P, sites)
    chosen = P.cols[np.asarray(order, dtype=np.int64)] if order else np.zeros(0, dtype=np.int64)
    new = np.cumsum([0.0, *gains])
    covered = P.existing + new
    curve = pd.DataFrame(
        {
            N_SITES: np.arange(len(order) + 1),
            SITE: pd.array([pd.NA, *chosen.tolist()], dtype="Int64"),
            GAIN: [0.0, *gains],
            COVERED_WEIGHT: covered,
            SHARE: covered / P.total,
        }
    )
    covered_w = float(covered[-1])
    return SiteSolution(
        chosen=chosen,
        gains=np.asarray(gains, dtype=float),
        covered_weight=covered_w,
        existing_weight=P.existing,
        total_weight=P.total,
        share=covered_w / P.total,
        curve=curve,
        method=method,
        status=status,
        gap=float(gap),
        elapsed_s=time.perf_counter() - t0,
    )


def _rel_gap_max(value: float, bound: float) -> float:
    if not math.isfinite(bound) or bound <= 0:
        return 0.0 if bound <= 0 else math.nan
    return max(0.0, (bound - value) / bound)


def solve_mclp(
    cover: Any,
    weights: Any,
    k: int,
    *,
    covered_already: Any = None,
    solver: str = "auto",
    time_limit_s: float = 60.0,
) -> SiteSolution:
    """Maximal covering: the ``k`` sites that newly cover the most demand weight.

    Demand already covered by existing facilities (``covered_already``) gains nothing and is left
    out of the model, so the sites go where the gaps are. Sites that would add nothing are not
    returned, so ``chosen`` can be shorter than ``k`` when fewer sites already cover everything
    that can be covered.

    Before solving, the instance is reduced without changing the optimum: covered, weightless and
    uncoverable rows go, rows with the same candidate set merge, and candidates covering a
    subset of another candidate's rows (or the same rows) go.

    Parameters
    ----------
    cover
        Boolean demand × candidate matrix (sparse or dense), e.g. from :func:`candidate_coverage`.
    weights
        Demand weight per row (population); finite and non-negative.
    k
        Number of new sites, 1 ≤ k ≤ number of candidates.
    covered_already
        Boolean per row: covered by existing facilities.
    solver
        ``"highs"`` (exact MIP with HiGHS), ``"cbc"`` (exact MIP with CBC; needs ``pulp``),
        ``"greedy"`` (greedy, then single-site swaps while they help: seconds on any size,
        usually within a few per cent), or ``"auto"``: HiGHS, except greedy above
        :data:`MIP_MAX_NONZEROS` coverage entries or when greedy already covers every coverable
        point (then provably optimal). Any case is accepted.
    time_limit_s
        Time limit for the whole solve. When the MIP runs out of time the best solution found is
        kept (never worse than greedy, which starts it) and ``gap`` says how far from optimal it
        may be.

    Returns
    -------
    SiteSolution

    Examples
    --------
    Five demand points, three candidates; the best single site covers points 0–2 (weight 6), the
    best pair adds candidate 2 (points 3 and 4, weight 4+5):

    >>> import numpy as np
    >>> from healthcov.siting import solve_mclp
    >>> cover = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]], bool)
    >>> sol = solve_mclp(cover, [1, 2, 3, 4, 5], k=2, solver="highs")
    >>> sol.chosen.tolist(), sol.covered_weight, sol.method, sol.gap
    ([2, 0], 15.0, 'mip-highs', 0.0)
    >>> sol.curve[["n_sites", "covered_weight"]].values.tolist()
    [[0.0, 0.0], [1.0, 9.0], [2.0, 15.0]]
    """
    t0 = time.perf_counter()
    A, w, ca = _validate(cover, weights, covered_already)
    n_c = A.shape[1]
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        msg = f"k must be a whole number of sites, got {k!r}"
        raise InputError(msg)
    k = int(k)
    if k < 1 or k > n_c:
        msg = f"k={k} sites cannot be chosen from {n_c} candidate(s): use 1 ≤ k ≤ {n_c}, or add candidates"
        raise InputError(msg)
    solver = _resolve_solver(solver)
    tl = _check_time(time_limit_s)
    P = _reduce(A, w, ca)
    if P.A.shape[1] == 0:
        method = "greedy" if solver == "greedy" else _mip_name(solver)
        return _solution(P, [], method=method, status="nothing to gain", gap=0.0, t0=t0)
    g_sites, _, ub, _ = _greedy(P, k=k)
    h_sites = _interchange(P, g_sites, deadline=t0 + 0.25 * tl)
    h_value = _covered(P, h_sites)
    all_covered = h_value >= P.coverable * (1 - 1e-12)
    ub = min(ub, P.coverable)
    h_gap = 0.0 if all_covered else min(GREEDY_MCLP_GAP, _rel_gap_max(h_value, ub))
    if solver in ("auto", "greedy") and all_covered:
        # every coverable point is covered: nothing can do better
        status = "Optimal (greedy covers all coverable demand)"
        return _solution(P, h_sites, method="greedy", status=status, gap=0.0, t0=t0)
    if solver == "greedy":
        return _solution(P, h_sites, method="greedy", status="greedy + interchange (requested)", gap=h_gap, t0=t0)
    if solver == "auto" and P.A.nnz > MIP_MAX_NONZEROS:
        logger.info("MCLP: %d coverage entries > MIP_MAX_NONZEROS, solving greedily", P.A.nnz)
        status = f"greedy + interchange (model above {MIP_MAX_NONZEROS:,} coverage entries)"
        return _solution(P, h_sites, method="greedy", status=status, gap=h_gap, t0=t0)
    left = max(tl - (time.perf_counter() - t0), 1e-3)
    res = _mip(P, k=k, start=h_sites, solver=solver, time_limit_s=left)
    bound = min(res.bound, ub) if math.isfinite(res.bound) else ub
    if res.sites is not None:
        m_value = _covered(P, res.sites)
        if m_value >= h_value - 1e-9 * max(h_value, 1.0):
            gap = 0.0 if res.optimal else _rel_gap_max(m_value, bound)
            return _solution(P, res.sites, method=res.method, status=res.status, gap=gap, t0=t0)
    status = f"greedy + interchange ({res.method}: {res.status})"
    return _solution(P, h_sites, method="greedy", status=status, gap=min(h_gap, _rel_gap_max(h_value, bound)), t0=t0)


def _mip_name(solver: str) -> str:
    return "mip-cbc" if solver == "cbc" else "mip-highs"


def solve_lscp(
    cover: Any,
    weights: Any,
    target_share: float,
    *,
    covered_already: Any = None,
    solver: str = "auto",
    time_limit_s: float = 60.0,
) -> SiteSolution:
    """Set covering: the fewest new sites so that ``target_share`` of all demand weight is covered.

    The share counts existing coverage (``covered_already``) and new coverage together, of the
    TOTAL weight. With ``target_share=1`` this is the classic location set covering problem.

    Solved as a sequence of maximal-covering MIPs: greedy (with swaps) gives a first count p;
    then p − 1, p − 2, … sites are tried until the best p − 1 sites fall short of the target (or a
    lower bound is met), which proves the count optimal. The sites returned are the best-covering
    set of that size (``status`` says so when time ran out before that was proven).

    Parameters
    ----------
    cover, weights, covered_already, solver, time_limit_s
        As in :func:`solve_mclp`.
    target_share
        Share of the total weight to reach, in (0, 1].

    Returns
    -------
    SiteSolution
        ``gap`` is (sites − lower bound on the number of sites) / sites.

    Raises
    ------
    InputError
        When the target cannot be reached even with every candidate; the message gives the best
        share achievable.

    Examples
    --------
    >>> import numpy as np
    >>> from healthcov.siting import solve_lscp
    >>> cover = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]], bool)
    >>> sol = solve_lscp(cover, [1, 2, 3, 4, 5], target_share=1.0)
    >>> sol.chosen.tolist(), sol.share
    ([2, 0], 1.0)
    """
    t0 = time.perf_counter()
    A, w, ca = _validate(cover, weights, covered_already)
    try:
        target = float(target_share)
    except (TypeError, ValueError) as exc:
        msg = f"target_share must be a number in (0, 1], got {target_share!r}"
        raise InputError(msg) from exc
    if not 0 < target <= 1:
        msg = f"target_share must be in (0, 1] (a share, not a percentage), got {target_share!r}"
        raise InputError(msg)
    solver = _resolve_solver(solver)
    tl = _check_time(time_limit_s)
    P = _reduce(A, w, ca)
    tol = 1e-9 * P.total
    need = target * P.total - P.existing  # new weight needed
    if need <= tol:
        return _solution(
            P,
            [],
            method="greedy" if solver == "greedy" else _mip_name(solver),
            status="target already met by existing facilities",
            gap=0.0,
            t0=t0,
        )
    best_share = (P.existing + P.coverable) / P.total
    if P.coverable < need - tol:
        msg = (
            f"target_share={target:g} cannot be reached: with all {P.n_cand} candidates built, at most "
            f"{best_share:.2%} of the weight is covered ({P.existing / P.total:.2%} by existing facilities, "
            f"{P.coverable / P.total:.2%} more by the {P.A.shape[1]} useful candidates); lower target_share to "
            f"{math.floor(best_share * 1e4) / 1e4:g} or less, or add candidates / raise the thresholds"
        )
        raise InputError(msg)
    need = max(need - tol, 0.0)
    g_sites, _, _, lb = _greedy(P, need=need)
    lb = max(lb, 1)
    # try to do with fewer sites: drop the one adding least, repair by swaps
    h_sites = g_sites
    deadline = t0 + 0.25 * tl
    while len(h_sites) > lb and time.perf_counter() < deadline:
        trial = _interchange(P, _order(P, h_sites)[0][:-1], deadline=deadline)
        if _covered(P, trial) < need:
            break
        h_sites = trial

    def count_gap(n: int, lower: float) -> float:
        return max(0.0, (n - math.ceil(lower - 1e-6)) / n) if n else 0.0

    if solver == "greedy" or (solver == "auto" and P.A.nnz > MIP_MAX_NONZEROS):
        why = "requested" if solver == "greedy" else f"model above {MIP_MAX_NONZEROS:,} coverage entries"
        status = f"greedy + interchange ({why})"
        return _solution(P, h_sites, method="greedy", status=status, gap=count_gap(len(h_sites), lb), t0=t0)

    # Downward search: can p = |best| - 1 sites reach the target? Each step solves maximal covering
    # with p sites: its optimum reaches the target, or proves that p sites cannot.
    best, best_is_mip, best_status = h_sites, False, "greedy + interchange"
    method = "greedy"
    lower = float(lb)
    p = len(h_sites) - 1
    while p >= lb:
        left = tl - (time.perf_counter() - t0)
        if left <= 0:
            best_status = f"{best_status}; out of time at {p} sites"
            break
        start = _order(P, best)[0][:p]
        res = _mip(P, k=p, start=start, solver=solver, time_limit_s=left)
        method = res.method
        if res.sites is not None and _covered(P, res.sites) >= need:
            best, best_is_mip, best_status = res.sites, res.optimal, res.status
            p -= 1
            continue
        if res.optimal or res.bound < need:  # (a NaN bound compares False)
            lower = p + 1.0
        else:
            best_status = f"{res.status} at {p} sites"
        break
    else:
        lower = p + 1.0  # reached the lower bound
    proven = len(best) <= math.ceil(lower - 1e-6)
    maximal = best_is_mip or _covered(P, best) >= P.coverable * (1 - 1e-12)
    refine_status = ""
    if not maximal:
        # the count may be right, but a MIP can still pick that many sites covering more
        left = tl - (time.perf_counter() - t0)
        if left > 0:
            res = _mip(P, k=len(best), start=best, solver=solver, time_limit_s=left)
            method = res.method
            if res.sites is not None and _covered(P, res.sites) >= _covered(P, best):
                best = res.sites
            maximal, refine_status = res.optimal, res.status
        else:
            refine_status = "out of time"
    status = ("Optimal" if proven else best_status) + (
        "" if maximal else f" (coverage with {len(best)} sites not maximised: {refine_status})"
    )
    sites, gap = best, count_gap(len(best), lower)
    return _solution(P, sites, method=method, status=status, gap=gap, t0=t0)
