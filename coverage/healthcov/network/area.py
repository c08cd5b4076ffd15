"""The area a road network covers, and the raster helpers isochrones share with it.

Below the isochrones in the layers (``io`` uses :func:`network_area` to see which part of a census
polygon the network reaches), so these live with the network.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import shapely
from scipy import ndimage

from ..errors import InputError
from .arrays import GraphArrays, graph_arrays

__all__ = ["CELL_RANGE_M", "disk", "grid_polygon", "metres_in_range", "network_area", "samples_along"]

#: allowed range of the grid cell and buffer (m): coarser cells are larger than most isochrones,
#: finer ones need millions of cells for a city
CELL_RANGE_M = (1.0, 5000.0)


def metres_in_range(value: Any, name: str, low: float, high: float) -> float:
    """``value`` as metres in ``[low, high]``, else an :class:`InputError` naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not low <= v <= high:
        msg = f"{name} must be a distance in metres between {low:g} and {high:,.0f}, got {value!r}"
        raise InputError(msg)
    return v


def samples_along(
    arr: GraphArrays, edge: np.ndarray, s: np.ndarray, e: np.ndarray, step: float
) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step`` metres (at most) along each interval, ends included."""
    if len(edge) == 0:
        return np.zeros(0), np.zeros(0)
    span = np.maximum(e - s, 0.0) * arr.length[edge]
    count = np.ceil(span / step).astype(np.int64) + 1
    rep = np.repeat(np.arange(len(edge)), count)
    first = np.repeat(np.cumsum(count) - count, count)
    k = np.arange(len(rep)) - first
    denom = np.maximum(count - 1, 1)[rep]
    frac = s[rep] + (e[rep] - s[rep]) * (k / denom)
    return arr.points_along(edge[rep], frac)


def disk(r: int) -> np.ndarray:
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return (xx * xx + yy * yy) <= r * r + 0.5


def grid_polygon(x: np.ndarray, y: np.ndarray, cell_m: float, fill_cells: int) -> Any:
    """Trace cells touched by the sample points (closed by ``fill_cells``) into a (Multi)Polygon."""
    from rasterio import features
    from rasterio.transform import Affine

    if len(x) == 0:
        return shapely.Polygon()
    pad = fill_cells + 2
    x0 = np.floor(x.min() / cell_m) * cell_m - pad * cell_m
    y1 = np.ceil(y.max() / cell_m) * cell_m + pad * cell_m
    ix = np.floor((x - x0) / cell_m).astype(np.int64)
    iy = np.floor((y1 - y) / cell_m).astype(np.int64)
    w = int(ix.max()) + pad + 1
    h = int(iy.max()) + pad + 1
    mask = np.zeros((h, w), dtype=bool)
    mask[iy, ix] = True
    if fill_cells > 0:
        mask = ndimage.binary_closing(mask, structure=disk(fill_cells))
    transform = Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1)
    polys = [
        shapely.geometry.shape(geom)
        for geom, val in features.shapes(mask.astype(np.uint8), mask=mask, transform=transform, connectivity=4)
        if val == 1
    ]
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def network_area(G: nx.MultiDiGraph, *, cell_m: float = 200.0, fill_m: float = 400.0) -> Any:
    """The area the network covers, as a (Multi)Polygon in ``G``'s CRS (grid method over all roads).

    Useful to keep only the facilities that the network can serve: ``fac[fac.within(area)]``.

    Examples
    --------
    >>> import healthcov as hc
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"))
    >>> round(hc.network_area(G).area / 1e6, 1) > 1.0
    True
    """
    cell_m = metres_in_range(cell_m, "cell_m", *CELL_RANGE_M)
    fill_m = metres_in_range(fill_m, "fill_m", 0.0, 4 * CELL_RANGE_M[1])
    arr = graph_arrays(G)
    m = arr.m
    x, y = samples_along(arr, np.arange(m), np.zeros(m), np.ones(m), cell_m / 2.0)
    return grid_polygon(x, y, float(cell_m), int(np.ceil(fill_m / cell_m)))
