"""Candidate sites: network nodes inside the areas to serve, outside exclusion zones, thinned to a spacing."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from ..errors import CRSError, EmptyInputError, InputError, InvalidGeometryError, describe_ids
from ..network.prepare import require_prepared
from ..traveltime import nodes_frame

__all__ = ["generate_candidates", "polygon_union"]


def polygon_union(areas: Any, crs: Any, name: str) -> Any:
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
        keep &= shapely.intersects_xy(polygon_union(within, nodes.crs, "within"), x, y)
        counts.append(f"{int(keep.sum())} inside `within`")
    if exclude is not None:
        keep &= ~shapely.intersects_xy(polygon_union(exclude, nodes.crs, "exclude"), x, y)
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
