"""Urban or rural for each resident, where the plans' areas are coarser than their urban/rural split.

The plans set different thresholds for urban (城区/城市) and rural (农村) residents: a 15- against a
20-minute circle, 3.5 against 8–10 km, 11 against 15 minutes. When the areas are townships and
streets, the unit type decides (街道 → urban, 镇/乡 → rural: the profile's classifier). When they are
districts or counties, one class per area makes a whole county "urban" (all 10 Ningbo units and 82 of
90 Zhejiang counties by census urban share), so the rural thresholds never apply. Here the residents
themselves are classified:

* **by a built-up-area layer** the user gives (``built_up=`` polygons of 建成区 / 城镇建设用地):
  inside → urban, outside → rural;
* **by population density on a grid** (the default): the *Degree of Urbanisation* of the UN
  Statistical Commission (2020; Eurostat, FAO, ILO, OECD, UN-Habitat, World Bank, "A recommendation
  on the method to delineate cities, urban and rural areas for international statistical
  comparisons"): on a 1 km² grid, an **urban centre** is a cluster of contiguous cells (sharing an
  edge) of ≥ 1,500 inhabitants/km² with ≥ 50,000 inhabitants in all; an **urban cluster** is a
  cluster of cells (sharing an edge or a corner) of ≥ 300 inhabitants/km² with ≥ 5,000 in all;
  the rest are rural grid cells. Residents of urban centres and urban clusters (cities and towns,
  城镇) are ``urban``; the others ``rural``. The method's gap filling and smoothing are not done.

:func:`classify_residents` writes ``resident_class`` and ``resident_class_rule`` on the population
points; the assessment then judges each resident by the thresholds of their own class
(:func:`~healthcov.standards.readings.by_resident_class`), and every row says how many residents
were judged under each class and by which rule.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError, MissingColumnError

__all__ = ["classify_residents", "DEGURBA", "RESIDENT_CLASS", "RESIDENT_CLASS_RULE"]

RESIDENT_CLASS = "resident_class"
RESIDENT_CLASS_RULE = "resident_class_rule"

#: the grid thresholds (Degree of Urbanisation, UN Statistical Commission 2020)
DEGURBA = {
    "cell_m": 1000.0,
    "centre_density": 1500.0,
    "centre_pop": 50_000.0,
    "cluster_density": 300.0,
    "cluster_pop": 5_000.0,
    "source": "Degree of Urbanisation (UN Statistical Commission, 2020)",
}


def _clusters(mask: np.ndarray, pop: np.ndarray, min_pop: float, diagonal: bool) -> np.ndarray:
    """Cells of ``mask`` in connected clusters whose population reaches ``min_pop``."""
    from scipy import ndimage

    structure = np.ones((3, 3), int) if diagonal else None
    labels, n = ndimage.label(mask, structure=structure)
    if n == 0:
        return np.zeros_like(mask, bool)
    totals = ndimage.sum(pop, labels, index=np.arange(1, n + 1))
    keep = np.concatenate([[False], np.asarray(totals) >= min_pop])
    return keep[labels]


def _grid_classes(points: gpd.GeoDataFrame, pop: np.ndarray, t: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    cell = float(t["cell_m"])
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    ix = np.floor((x - x.min()) / cell).astype(int)
    iy = np.floor((y - y.min()) / cell).astype(int)
    grid = np.zeros((iy.max() + 1, ix.max() + 1))
    np.add.at(grid, (iy, ix), pop)
    km2 = (cell / 1000.0) ** 2
    dens = grid / km2
    centre = _clusters(dens >= t["centre_density"], grid, t["centre_pop"], diagonal=False)
    cluster = _clusters(dens >= t["cluster_density"], grid, t["cluster_pop"], diagonal=True)
    urban = (centre | cluster)[iy, ix]
    kinds = np.where(centre[iy, ix], "urban centre", np.where(cluster[iy, ix], "urban cluster", "rural grid cell"))
    cell_d = dens[iy, ix]
    words = [f"{k} ({d:,.0f}/km² in its {cell:g} m cell; {t['source']})" for k, d in zip(kinds, cell_d, strict=True)]
    return urban, words


def classify_residents(
    population: gpd.GeoDataFrame,
    *,
    built_up: gpd.GeoDataFrame | None = None,
    metric_crs: Any = None,
    thresholds: dict[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    """Classify each population point as urban or rural (a copy with ``resident_class`` and its rule).

    Parameters
    ----------
    population
        Points with a ``pop`` column (see :func:`~healthcov.spread_population`).
    built_up
        Polygons of the built-up area (建成区); given, points inside are urban and the others rural.
    metric_crs
        The CRS the grid is laid in (default: the points' own when projected, else their UTM zone).
    thresholds
        Overrides of :data:`DEGURBA` (``cell_m``, ``centre_density``, ``centre_pop``,
        ``cluster_density``, ``cluster_pop``, ``source``): say where other numbers come from.
    """
    if POP_COL not in population.columns:
        msg = "population has no 'pop' column: pass points with counts (see spread_population)"
        raise MissingColumnError(msg)
    if len(population) and not population.geom_type.eq("Point").all():
        msg = "population must be points to classify residents: spread polygons with spread_population first"
        raise InputError(msg)
    t = {**DEGURBA, **(thresholds or {})}
    unknown = set(t) - set(DEGURBA)
    if unknown:
        msg = f"unknown thresholds {sorted(unknown)}: use {', '.join(DEGURBA)}"
        raise InputError(msg)
    out = population.copy()
    if len(out) == 0:
        out[RESIDENT_CLASS], out[RESIDENT_CLASS_RULE] = pd.Series(dtype=object), pd.Series(dtype=object)
        return out
    crs = metric_crs or (out.crs if out.crs is not None and out.crs.is_projected else out.estimate_utm_crs())
    pts = out.to_crs(crs)
    pop = pd.to_numeric(pts[POP_COL], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    if built_up is not None:
        area = shapely.union_all(built_up.to_crs(crs).geometry.values)
        urban = shapely.within(pts.geometry.values, area) | shapely.touches(pts.geometry.values, area)
        words = ["inside the built-up area given" if u else "outside the built-up area given" for u in urban]
    else:
        urban, words = _grid_classes(pts, pop, t)
    out[RESIDENT_CLASS] = np.where(urban, "urban", "rural")
    out[RESIDENT_CLASS_RULE] = words
    out.attrs["resident_classes"] = "built-up area layer" if built_up is not None else str(t["source"])
    return out


POP_COL = "pop"
