"""Read facility points from files or frames, in any CRS and any Chinese coordinate system."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import local_utm, parse_crs, to_wgs84
from ..errors import (
    CRSError,
    EmptyInputError,
    GeometryConvertedWarning,
    InputError,
    InvalidGeometryError,
    describe_ids,
)
from ._common import LAT_NAMES, LON_NAMES, ensure_crs, existing_path, find_column, read_csv_any
from .vector import read_vector

__all__ = ["read_facilities", "read_points"]

_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".kml", ".gml", ".zip", ".parquet", ".gdb"}


def read_facilities(
    source: Any,
    *,
    coord_system: str = "wgs84",
    lon: str | None = None,
    lat: str | None = None,
    crs: Any = None,
    to_crs: Any = "utm",
    layer: str | int | None = None,
    encoding: str | None = None,
    name: str = "facilities",
) -> gpd.GeoDataFrame:
    """Read facility points and return them as a GeoDataFrame in a metric CRS.

    Parameters
    ----------
    source
        A path (GeoJSON, GeoPackage, Shapefile, FlatGeobuf, a File Geodatabase folder ``.gdb``,
        CSV or TSV with longitude/latitude columns), a GeoDataFrame, or a DataFrame with
        longitude/latitude columns. Vector files are read by :func:`healthcov.read_vector`: a
        Shapefile without ``.cpg`` whose text is GBK is read as GB18030 (with a warning), and a
        file of several layers needs ``layer=`` unless exactly one of them holds points. The
        index labels must be unique (results are joined back by index).
    coord_system
        ``"wgs84"`` (OSM, GPS), ``"gcj02"`` (AMap/Gaode, Tencent, DataV) or ``"bd09"``
        (Baidu). GCJ-02 and BD-09 coordinates are converted to WGS84 first: they are ~500 m
        off OSM roads in Zhejiang.
    lon, lat
        Column names for CSV/DataFrame input; found automatically when named ``lon``/``lng``/
        ``longitude``/``经度`` and ``lat``/``latitude``/``纬度``.
    crs
        CRS of the input when the file does not say (a Shapefile without ``.prj``).
    to_crs
        ``"utm"`` (default: the local UTM zone, EPSG:32651 for most of Zhejiang), any CRS, or
        ``None`` to keep WGS84.
    layer, encoding
        Passed to the file reader (CSV encoding defaults to UTF-8, then GB18030).
    name
        What to call the input in messages.

    Returns
    -------
    GeoDataFrame
        Every input row, in input order and with the input index and columns; polygons are
        replaced by ``representative_point()`` (with a warning).

    Examples
    --------
    >>> import healthcov as hc
    >>> fac = hc.read_facilities(hc.datasets.path("ningbo_hospitals"))
    >>> len(fac), fac.crs.to_epsg()
    (95, 32651)
    """
    gdf = _to_geodataframe(source, lon=lon, lat=lat, crs=crs, layer=layer, encoding=encoding, name=name)
    if len(gdf) == 0:
        msg = f"{name} is empty: no rows to read"
        raise EmptyInputError(msg)
    _check_unique_index(gdf, name)
    gdf = _to_points(gdf, name)
    gdf = ensure_crs(gdf, crs, name)
    key = str(coord_system).strip().lower()
    if key not in ("wgs84", "wgs", "epsg:4326"):
        if not gdf.crs.is_geographic:
            msg = (
                f"coord_system={coord_system!r} needs longitude/latitude input, but {name} is in {gdf.crs.to_string()}"
            )
            raise CRSError(msg)
        ll = gdf.to_crs(4326)
        x, y = to_wgs84(ll.geometry.x.to_numpy(), ll.geometry.y.to_numpy(), coord_system)
        gdf = gdf.set_geometry(gpd.GeoSeries(shapely.points(x, y), index=gdf.index, crs=4326))
        gdf.attrs["coord_system_converted_from"] = key
    if to_crs is not None:
        target = local_utm(gdf) if str(to_crs).lower() == "utm" else parse_crs(to_crs, "to_crs")
        gdf = gdf.to_crs(target)
    return gdf


read_points = read_facilities


def _to_geodataframe(
    source: Any, *, lon: str | None, lat: str | None, crs: Any, layer: Any, encoding: str | None, name: str
) -> gpd.GeoDataFrame:
    if isinstance(source, gpd.GeoDataFrame):
        if source.crs is None and crs is None:
            msg = (
                f"{name} (a GeoDataFrame) has no CRS: set one with .set_crs(...) or pass crs=, "
                "e.g. crs='EPSG:4326' for longitude/latitude"
            )
            raise CRSError(msg)
        return source.copy()
    if isinstance(source, pd.DataFrame):
        return _from_table(source.copy(), lon=lon, lat=lat, crs=crs, name=name)
    if isinstance(source, (str, Path)):
        path = existing_path(source, name)
        suffix = path.suffix.lower()
        if suffix in (".csv", ".txt", ".tsv"):
            df = read_csv_any(path, encoding)
            if len(df) == 0:
                msg = f"{name} ({str(path)!r}) is empty: a header ({', '.join(map(str, df.columns))}) and no rows"
                raise EmptyInputError(msg)
            return _from_table(df, lon=lon, lat=lat, crs=crs, name=f"{name} ({path.name})")
        try:  # read_vector: GB18030 fallback for a Shapefile without .cpg, File Geodatabase layers
            gdf = read_vector(path, layer, encoding, geometry_type="point", what=name)
        except InputError as exc:
            if exc.__cause__ is None:  # a message of read_vector's own (several layers, an encoding)
                raise
            cause = exc.__cause__
            msg = f"cannot read {name} from {str(path)!r}: {type(cause).__name__}: {cause}"
            if suffix not in _VECTOR_SUFFIXES:
                msg += " (expected GeoJSON, GeoPackage, Shapefile, FlatGeobuf or CSV with lon/lat columns)"
            raise InputError(msg) from exc
        if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
            gdf = _from_table(pd.DataFrame(gdf), lon=lon, lat=lat, crs=crs, name=f"{name} ({path.name})")
        if len(gdf) == 0:
            msg = f"{name} ({str(path)!r}) is empty: the file has no rows. Check the export or the layer= chosen"
            raise EmptyInputError(msg)
        return gdf
    msg = f"{name}: expected a path, a GeoDataFrame or a DataFrame with lon/lat columns, got {type(source).__name__}"
    raise InputError(msg)


def _from_table(df: pd.DataFrame, *, lon: str | None, lat: str | None, crs: Any, name: str) -> gpd.GeoDataFrame:
    xcol = find_column(df, lon, LON_NAMES, "longitude", name)
    ycol = find_column(df, lat, LAT_NAMES, "latitude", name)
    x = pd.to_numeric(df[xcol], errors="coerce")
    y = pd.to_numeric(df[ycol], errors="coerce")
    bad = df.index[~(np.isfinite(x) & np.isfinite(y))]
    if len(bad):
        labels = _labels(df, bad)
        msg = (
            f"{name}: {len(bad)} of {len(df)} rows have missing or non-numeric coordinates in "
            f"{xcol!r}/{ycol!r} (rows {labels}). Fix or drop those rows; nothing was read"
        )
        raise InvalidGeometryError(msg)
    crs = parse_crs(crs, f"crs (of {name})") if crs is not None else 4326
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs=crs)


def _check_unique_index(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Results are joined back to the facilities by index: two rows with one label would be mixed up."""
    dup = gdf.index[gdf.index.duplicated(keep=False)]
    if len(dup):
        msg = (
            f"{name}: {len(dup)} rows share a duplicate index label ({describe_ids(sorted(set(dup), key=str))}); "
            "results are joined back by index, so each facility needs its own label. "
            "Call .reset_index(drop=True) (or set a unique id column as the index) first"
        )
        raise InputError(msg)


def _labels(df: pd.DataFrame, index: Any) -> str:
    for c in ("name", "名称", "NAME", "Name"):
        if c in df.columns:
            return describe_ids([f"{i}: {df.at[i, c]}" for i in index])
    return describe_ids(list(index))


def _to_points(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    geom = gdf.geometry
    missing = geom.isna() | geom.is_empty
    if missing.any():
        msg = (
            f"{name}: {int(missing.sum())} of {len(gdf)} rows have no geometry "
            f"(rows {_labels(gdf, gdf.index[missing])}). Fix or drop them; nothing was read"
        )
        raise InvalidGeometryError(msg)
    coords = shapely.get_coordinates(geom.values)
    if not np.isfinite(coords).all():
        bad_rows = gdf.index[[not np.isfinite(shapely.get_coordinates(g)).all() for g in geom.values]]
        msg = f"{name}: rows {_labels(gdf, bad_rows)} have NaN or infinite coordinates. Fix or drop them"
        raise InvalidGeometryError(msg)
    not_point = geom.geom_type != "Point"
    if not_point.any():
        kinds = geom[not_point].geom_type.value_counts().to_dict()
        warnings.warn(
            f"{name}: {int(not_point.sum())} geometries are not points ({kinds}); each was replaced by its "
            "representative_point(), a point guaranteed to lie inside it",
            GeometryConvertedWarning,
            stacklevel=3,
        )
        gdf = gdf.copy()
        new = geom.copy()
        new[not_point] = geom[not_point].representative_point()
        gdf = gdf.set_geometry(new)
    return gdf
