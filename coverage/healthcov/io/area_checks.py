"""Checks shared by :func:`healthcov.read_areas` and the standards engine: every area frame goes through
:func:`check_areas`, so an invalid polygon is repaired the same way everywhere (and said), and a missing,
zero-area or overlapping area or an unusable published population is an error naming the areas.
"""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import GeometryConvertedWarning, InputError, InvalidGeometryError, OffNetworkWarning, describe_ids

__all__ = ["check_areas", "repair_areas", "area_labels", "OVERLAP_SHARE", "PartialNetworkWarning"]


class PartialNetworkWarning(OffNetworkWarning):
    """Census polygons that the road network covers only in part keep only that share of their residents
    (``spread_population(partial="scale")``); the polygons, their shares and the people left out are named."""


#: two areas overlap when their intersection exceeds this share of the smaller one (slivers between
#: neighbouring districts drawn from different sources stay far below it)
OVERLAP_SHARE = 0.01


def area_labels(gdf: gpd.GeoDataFrame, mask: Any) -> list[Any]:
    """The names of the areas selected by ``mask`` (``area_name`` when present, else the row labels)."""
    mask = np.asarray(mask, dtype=bool)
    if "area_name" in gdf.columns:
        return [str(v) for v in gdf["area_name"].to_numpy()[mask]]
    return list(gdf.index[mask])


def _polygonal(g: Any) -> Any:
    """The polygon parts of a repaired geometry (``make_valid`` may return lines beside them)."""
    if g is None or g.is_empty:
        return g
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", [g]) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def repair_areas(gdf: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    """``gdf`` with invalid polygons repaired by ``make_valid`` (a warning names them); a missing geometry or an
    area of 0 is an :class:`InvalidGeometryError` naming the areas. Used for areas and census polygons alike."""
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        msg = (
            f"{source}: areas {describe_ids(area_labels(gdf, missing))} have no geometry: "
            "draw their boundaries or remove the rows"
        )
        raise InvalidGeometryError(msg)
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        fixed = [_polygonal(g) for g in shapely.make_valid(gdf.geometry.values[invalid.to_numpy()])]
        gdf = gdf.copy()
        gdf.loc[invalid, gdf.geometry.name] = fixed
        warnings.warn(
            f"{source}: invalid (e.g. self-intersecting) boundaries of {describe_ids(area_labels(gdf, invalid))} "
            "were repaired with shapely.make_valid (a bow-tie becomes its two triangles)",
            GeometryConvertedWarning,
            stacklevel=4,
        )
    flat = shapely.area(gdf.geometry.values) <= 0
    if flat.any():
        msg = (
            f"{source}: areas {describe_ids(area_labels(gdf, flat))} have an area of 0 (collinear or repeated "
            "vertices): they have no density; fix their boundaries or remove the rows"
        )
        raise InvalidGeometryError(msg)
    return gdf


def _check_pop(gdf: gpd.GeoDataFrame, source: str, column: str) -> gpd.GeoDataFrame:
    raw = gdf[column]
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals < 0)
    if bad.any():
        shown = describe_ids([f"{n} ({v!r})" for n, v in zip(area_labels(gdf, bad), raw.to_numpy()[bad], strict=True)])
        msg = (
            f"{source}: column {column!r} (published population) must hold non-negative numbers; "
            f"areas {shown} do not. Write plain numbers (20000, not '20,000'), fill the unknown ones, "
            f"or drop the column to count the residents from the population points"
        )
        raise InputError(msg)
    gdf = gdf.copy()
    gdf[column] = vals
    return gdf


def _check_overlap(gdf: gpd.GeoDataFrame, source: str) -> None:
    geoms = gdf.geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return
    inter = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    smaller = np.minimum(shapely.area(geoms[left]), shapely.area(geoms[right]))
    over = inter > OVERLAP_SHARE * smaller
    if not over.any():
        return
    names = area_labels(gdf, np.ones(len(gdf), bool))
    pairs = [f"{names[i]} / {names[j]}" for i, j in zip(left[over], right[over], strict=True)]
    msg = (
        f"{source}: {len(pairs)} pairs of areas overlap ({describe_ids(pairs)}), so residents would be counted "
        "in two areas (e.g. a city polygon beside its districts): keep one level of areas, or pass "
        "allow_overlap=True if the overlap is intended"
    )
    raise InputError(msg)


def check_areas(
    gdf: gpd.GeoDataFrame, source: str = "areas", *, allow_overlap: bool = False, pop_column: str = "pop"
) -> gpd.GeoDataFrame:
    """``gdf`` with invalid polygons repaired (a :class:`GeometryConvertedWarning` names them) and checked.

    Raises :class:`InvalidGeometryError` for areas without a geometry or with an area of 0,
    :class:`InputError` for a ``pop_column`` that is NaN, negative or text in some rows, and for
    areas that overlap by more than :data:`OVERLAP_SHARE` of the smaller one unless
    ``allow_overlap``.
    """
    gdf = repair_areas(gdf, source)
    if pop_column in gdf.columns:
        gdf = _check_pop(gdf, source, pop_column)
    if not allow_overlap:
        _check_overlap(gdf, source)
    return gdf
