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

__all__ = [
    "CELL_RANGE_M",
    "CHUNK_POINTS",
    "CellMask",
    "chunk_bounds",
    "disk",
    "grid_polygon",
    "grid_polygon_along",
    "metres_in_range",
    "network_area",
    "sample_counts",
    "samples_along",
]

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
    count = sample_counts(arr, edge, s, e, step)
    rep = np.repeat(np.arange(len(edge)), count)
    first = np.repeat(np.cumsum(count) - count, count)
    k = np.arange(len(rep)) - first
    denom = np.maximum(count - 1, 1)[rep]
    frac = s[rep] + (e[rep] - s[rep]) * (k / denom)
    return arr.points_along(edge[rep], frac)


def sample_counts(arr: GraphArrays, edge: np.ndarray, s: np.ndarray, e: np.ndarray, step: float) -> np.ndarray:
    """How many points :func:`samples_along` puts on each interval (ends included)."""
    span = np.maximum(e - s, 0.0) * arr.length[edge]
    return np.ceil(span / step).astype(np.int64) + 1


def chunk_bounds(count: np.ndarray, chunk_points: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` runs of intervals holding at most ``chunk_points`` points each.

    An interval with more points than that is a run of its own (an interval is never split).
    """
    if len(count) == 0:
        return []
    cum = np.cumsum(count)
    out: list[tuple[int, int]] = []
    start, base = 0, 0
    while start < len(count):
        stop = int(np.searchsorted(cum, base + chunk_points, side="right"))
        stop = max(stop, start + 1)
        out.append((start, stop))
        base = int(cum[stop - 1])
        start = stop
    return out


def disk(r: int) -> np.ndarray:
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return (xx * xx + yy * yy) <= r * r + 0.5


class CellMask:
    """Raster cells touched by points, marked a batch at a time (the raster grows to fit).

    Cells are indexed on one global grid (column ``floor(x / cell_m)``, row ``floor(-y / cell_m)``,
    north up), so where a point falls never depends on which batch brought it or on the extent
    seen so far: marking in batches gives the same raster as marking everything at once.
    """

    def __init__(self, cell_m: float) -> None:
        self.cell_m = float(cell_m)
        self.col0 = 0  # global column of mask column 0
        self.row0 = 0  # global row of mask row 0
        self.mask = np.zeros((0, 0), dtype=bool)

    def add(self, x: np.ndarray, y: np.ndarray) -> None:
        if len(x) == 0:
            return
        gx = np.floor(np.asarray(x, dtype=float) / self.cell_m).astype(np.int64)
        gy = np.floor(-np.asarray(y, dtype=float) / self.cell_m).astype(np.int64)
        self._fit(int(gx.min()), int(gx.max()), int(gy.min()), int(gy.max()))
        self.mask[gy - self.row0, gx - self.col0] = True

    def _fit(self, c0: int, c1: int, r0: int, r1: int) -> None:
        h, w = self.mask.shape
        if h and w:
            if c0 >= self.col0 and r0 >= self.row0 and c1 < self.col0 + w and r1 < self.row0 + h:
                return
            c0, r0 = min(c0, self.col0), min(r0, self.row0)
            c1, r1 = max(c1, self.col0 + w - 1), max(r1, self.row0 + h - 1)
        grown = np.zeros((r1 - r0 + 1, c1 - c0 + 1), dtype=bool)
        if h and w:
            grown[self.row0 - r0 : self.row0 - r0 + h, self.col0 - c0 : self.col0 - c0 + w] = self.mask
        self.mask, self.col0, self.row0 = grown, c0, r0

    def polygon(self, fill_cells: int) -> Any:
        """The marked cells closed by ``fill_cells`` and traced into a (Multi)Polygon."""
        from rasterio import features
        from rasterio.transform import Affine

        if not self.mask.any():
            return shapely.Polygon()
        pad = fill_cells + 2
        mask = np.pad(self.mask, pad)
        if fill_cells > 0:
            mask = ndimage.binary_closing(mask, structure=disk(fill_cells))
        c = self.cell_m
        transform = Affine(c, 0.0, (self.col0 - pad) * c, 0.0, -c, -(self.row0 - pad) * c)
        polys = [
            shapely.geometry.shape(geom)
            for geom, val in features.shapes(mask.astype(np.uint8), mask=mask, transform=transform, connectivity=4)
            if val == 1
        ]
        if not polys:
            return shapely.Polygon()
        return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def grid_polygon(x: np.ndarray, y: np.ndarray, cell_m: float, fill_cells: int) -> Any:
    """Trace cells touched by the sample points (closed by ``fill_cells``) into a (Multi)Polygon."""
    cells = CellMask(cell_m)
    cells.add(x, y)
    return cells.polygon(fill_cells)


#: sample points made at once by :func:`grid_polygon_along` (16 bytes each, plus temporaries)
CHUNK_POINTS = 200_000


def grid_polygon_along(
    arr: GraphArrays,
    edge: np.ndarray,
    s: np.ndarray,
    e: np.ndarray,
    *,
    step: float,
    cell_m: float,
    fill_cells: int,
    chunk_points: int = CHUNK_POINTS,
) -> Any:
    """:func:`grid_polygon` of the points every ``step`` m along the intervals, ``chunk_points`` at a time.

    The result equals ``grid_polygon(*samples_along(arr, edge, s, e, step), cell_m, fill_cells)``
    (cells sit on one global grid, see :class:`CellMask`), but only one chunk of sample points
    exists at any time, so the memory needed is the raster plus ``chunk_points`` points, however
    much road is reached.
    """
    if chunk_points < 1:
        msg = f"chunk_points must be a positive number of points, got {chunk_points!r}"
        raise InputError(msg)
    cells = CellMask(cell_m)
    count = sample_counts(arr, edge, s, e, step)
    for a, b in chunk_bounds(count, int(chunk_points)):
        cells.add(*samples_along(arr, edge[a:b], s[a:b], e[a:b], step))
    return cells.polygon(fill_cells)


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
    edge, s, e = np.arange(m), np.zeros(m), np.ones(m)
    fill_cells = int(np.ceil(fill_m / cell_m))
    return grid_polygon_along(arr, edge, s, e, step=cell_m / 2.0, cell_m=float(cell_m), fill_cells=fill_cells)
