"""Helpers shared by the readers."""

from __future__ import annotations

import codecs
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from ..crs import local_utm, parse_crs  # re-exported for io/networks.py and io/population.py; new code: healthcov.crs
from ..errors import (
    AssumedCRSWarning,
    CRSError,
    DataNotFoundError,
    EmptyInputError,
    InputError,
    MissingColumnError,
)

__all__ = ["LAT_NAMES", "LON_NAMES", "ensure_crs", "existing_path", "find_column", "local_utm", "read_csv_any"]

LON_NAMES = ("lon", "lng", "longitude", "long", "x", "经度", "wgs84_lon", "gcj02_lon", "lon_wgs84")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "wgs84_lat", "gcj02_lat", "lat_wgs84")


def existing_path(source: Any, what: str) -> Path:
    path = Path(source).expanduser()
    if not path.exists():
        hint = ""
        if not path.is_absolute():
            hint = f" (relative to {Path.cwd()})"
        msg = f"{what} file not found: {str(path)!r}{hint}. Check the path, or set HEALTHCOV_DATA for the shared data"
        raise DataNotFoundError(msg)
    return path


def read_csv_any(path: Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV, trying UTF-8 (with BOM) then GB18030, as Chinese offices often save GBK.

    A file without any column (0 bytes, or only blank lines) is an :class:`EmptyInputError`.
    A ``.tsv`` file is read as tab-separated.
    """
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        if encoding:
            return _read_csv_as(path, encoding, sep)
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(path, encoding=enc, sep=sep)
            except UnicodeDecodeError:
                continue
    except pd.errors.EmptyDataError:
        msg = f"{str(path)!r} is empty (no header, no rows): export the table again with its header line"
        raise EmptyInputError(msg) from None
    msg = f"cannot decode {str(path)!r} as UTF-8 or GB18030: pass encoding='...'"
    raise InputError(msg)


def _read_csv_as(path: Path, encoding: str, sep: str = ",") -> pd.DataFrame:
    try:
        codecs.lookup(encoding)
    except LookupError:
        msg = f"unknown encoding {encoding!r} for {str(path)!r}: use e.g. 'utf-8', 'gbk' or 'gb18030'"
        raise InputError(msg) from None
    try:
        return pd.read_csv(path, encoding=encoding, sep=sep)
    except UnicodeDecodeError as exc:
        msg = (
            f"cannot decode {str(path)!r} as {encoding!r} ({exc.reason} at byte {exc.start}): pass the file's "
            "encoding (e.g. encoding='gb18030' for GBK), or leave encoding= out to try UTF-8, then GB18030"
        )
        raise InputError(msg) from None


def find_column(df: pd.DataFrame, wanted: str | None, candidates: tuple[str, ...], what: str, source: str) -> str:
    if wanted is not None:
        if wanted not in df.columns:
            msg = f"{source}: column {wanted!r} ({what}) not found; columns are {list(df.columns)}"
            raise MissingColumnError(msg)
        return wanted
    lower = {str(c).strip().lower(): c for c in df.columns}
    for c in candidates:
        if c in lower:
            return str(lower[c])
    msg = (
        f"{source}: no {what} column found (looked for {', '.join(candidates[:5])}, …); "
        f"columns are {list(df.columns)}. Name it with the matching argument, e.g. "
        + ("lat='纬度'" if what == "latitude" else "lon='经度'" if what == "longitude" else f"the {what} column")
    )
    raise MissingColumnError(msg)


def looks_lonlat(bounds: np.ndarray) -> bool:
    minx, miny, maxx, maxy = bounds
    return bool(np.isfinite(bounds).all() and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90)


def ensure_crs(gdf: gpd.GeoDataFrame, crs: Any, source: str) -> gpd.GeoDataFrame:
    """Give ``gdf`` a CRS: the declared one, ``crs=``, or WGS84 with a warning when it looks lon/lat.

    Also refuses a declared CRS that contradicts the coordinates.
    """
    bounds = np.asarray(gdf.total_bounds, dtype=float)
    if crs is not None:
        crs = parse_crs(crs, f"crs (of {source})")
        if gdf.crs is not None and pyproj.CRS.from_user_input(crs) != gdf.crs:
            gdf = gdf.set_crs(crs, allow_override=True)
        elif gdf.crs is None:
            gdf = gdf.set_crs(crs)
    elif gdf.crs is None:
        if looks_lonlat(bounds):
            warnings.warn(
                f"{source} has no CRS; its coordinates look like longitude/latitude, so WGS84 (EPSG:4326) "
                "was assumed. Pass crs= to say otherwise (and coord_system='gcj02' for AMap/Tencent data)",
                AssumedCRSWarning,
                stacklevel=3,
            )
            gdf = gdf.set_crs(4326)
        else:
            msg = (
                f"{source} has no CRS and its coordinates are not longitude/latitude: pass crs= (e.g. crs='EPSG:4547')"
            )
            raise CRSError(msg)
    if gdf.crs.is_geographic and not looks_lonlat(bounds) and looks_lonlat(bounds[[1, 0, 3, 2]]):
        msg = (
            f"{source} says its CRS is {gdf.crs.to_string()} (degrees) but its x values "
            f"({bounds[0]:.4g}…{bounds[2]:.4g}) can only be latitudes and its y values "
            f"({bounds[1]:.4g}…{bounds[3]:.4g}) longitudes: longitude and latitude are swapped. Swap the "
            "columns (lon= is the east-west value, about 118–123 in Zhejiang) or the geometry's axes "
            "(shapely.ops.transform(lambda x, y: (y, x), geom))"
        )
        raise CRSError(msg)
    if gdf.crs.is_geographic and not looks_lonlat(bounds):
        msg = (
            f"{source} says its CRS is {gdf.crs.to_string()} (degrees) but its coordinates "
            f"({bounds.round(1).tolist()}) are not longitude/latitude: pass the right crs= "
            "(they look projected, in metres)"
        )
        raise CRSError(msg)
    if not gdf.crs.is_geographic and looks_lonlat(bounds) and np.ptp(bounds[[0, 2]]) < 10:
        msg = (
            f"{source} says its CRS is {gdf.crs.to_string()} (metres) but its coordinates "
            f"({bounds.round(4).tolist()}) look like longitude/latitude: pass crs='EPSG:4326'"
        )
        raise CRSError(msg)
    return gdf
