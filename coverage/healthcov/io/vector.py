"""Read any vector file (Shapefile, GeoPackage, GeoJSON, File Geodatabase …) with Chinese text intact.

Chinese offices often save Shapefiles in GBK without the ``.cpg`` file that says so; GDAL then
reads the text as Latin-1 and every Chinese name comes back as mojibake (``³ÇÊÐÖ÷¸ÉµÀ`` for
城市主干道). :func:`read_vector` notices and reads the file again as GB18030, with a warning.
"""

from __future__ import annotations

import codecs
import re
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import InputError, TextEncodingWarning
from ._common import existing_path

__all__ = ["read_vector", "list_layers", "looks_like_gbk_mojibake", "FALLBACK_ENCODING"]

#: the encoding tried when UTF-8 fails or gives mojibake (a superset of GBK and GB2312)
FALLBACK_ENCODING = "gb18030"

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HIGH_LATIN1 = re.compile(r"[\x80-\xff]")
_KINDS = {
    "line": ("LineString", "MultiLineString"),
    "point": ("Point", "MultiPoint"),
    "polygon": ("Polygon", "MultiPolygon"),
}


def list_layers(path: Any) -> list[tuple[str, str]]:
    """``(name, geometry type)`` of every layer in a vector file or File Geodatabase."""
    p = existing_path(path, "vector")
    try:
        return [(str(n), str(t)) for n, t in pyogrio.list_layers(p)]
    except Exception as exc:
        msg = f"cannot open {str(p)!r} as a vector file: {type(exc).__name__}: {exc}"
        raise InputError(msg) from exc


def looks_like_gbk_mojibake(texts: Any) -> bool:
    """True when most texts with Latin-1 high characters are really GBK/GB18030 bytes.

    >>> looks_like_gbk_mojibake(["城市主干道".encode("gbk").decode("latin-1")])
    True
    >>> looks_like_gbk_mojibake(["城市主干道", "Müllerstraße", "road"])
    False
    """
    suspicious = decoded = 0
    for t in texts:
        if not isinstance(t, str) or not _HIGH_LATIN1.search(t) or any(ord(c) > 0xFF for c in t):
            continue
        letters = [c for c in t if not (c.isspace() or c.isdigit() or c in "-_()（）.,")]
        if len(_HIGH_LATIN1.findall(t)) < 0.5 * len(letters):  # Latin text with a few accents
            continue
        suspicious += 1
        try:
            if _CJK.search(t.encode("latin-1").decode(FALLBACK_ENCODING)):
                decoded += 1
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return suspicious > 0 and decoded >= 0.8 * suspicious


def _choose_layer(path: Path, layer: str | int | None, geometry_type: str | None) -> str | int | None:
    if layer is not None:
        return layer
    layers = list_layers(path)
    if len(layers) <= 1:
        return None
    wanted = _KINDS.get(geometry_type or "", ())
    matching = [n for n, t in layers if t in wanted]
    if len(matching) == 1:
        return matching[0]
    shown = ", ".join(f"{n!r} ({t})" for n, t in layers)
    msg = f"{str(path)!r} holds {len(layers)} layers: {shown}. Pass layer='<name>' to say which one to read"
    raise InputError(msg)


def _text_sample(gdf: gpd.GeoDataFrame, limit: int = 2000) -> list[str]:
    texts = [str(c) for c in gdf.columns]
    for c in gdf.columns:
        col = gdf[c]
        if c == gdf.geometry.name or not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
            continue
        texts.extend(v for v in col.dropna().unique()[:limit] if isinstance(v, str))
    return texts


def _has_cpg(path: Path) -> bool:
    return path.with_suffix(".cpg").exists() or path.with_suffix(".CPG").exists()


def read_vector(
    path: Any,
    layer: str | int | None = None,
    encoding: str | None = None,
    columns: list[str] | None = None,
    *,
    geometry_type: str | None = None,
    what: str = "vector file",
) -> gpd.GeoDataFrame:
    """Read a vector layer with pyogrio, fixing the text encoding of Chinese files.

    Parameters
    ----------
    path
        A Shapefile, GeoPackage, GeoJSON, FlatGeobuf, a File Geodatabase folder (``.gdb``) or
        anything else GDAL reads.
    layer
        Layer name or index. When omitted and the file holds several layers, the one layer of
        ``geometry_type`` (``"line"``, ``"point"`` or ``"polygon"``) is read, else an error lists them.
    encoding
        Text encoding of the attributes (e.g. ``"gbk"``). When omitted: the file's own
        (``.cpg``, or UTF-8 for GeoPackage/GeoJSON); a Shapefile without ``.cpg`` whose text
        fails to decode or comes back as mojibake is read again as GB18030 with a
        :class:`~healthcov.network.hygiene.TextEncodingWarning`.
    columns
        Attribute columns to read (all by default).

    Examples
    --------
    >>> import healthcov as hc
    >>> roads = read_vector(hc.datasets.path("jinan_edges"), columns=["highway"])
    >>> len(roads), list(roads.columns)
    (28597, ['highway', 'geometry'])
    """
    p = existing_path(path, what)
    chosen = _choose_layer(p, layer, geometry_type)
    kw: dict[str, Any] = {"layer": chosen} if chosen is not None else {}
    if columns is not None:
        kw["columns"] = list(columns)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            msg = f"unknown encoding {encoding!r} for {what} {str(p)!r}: use e.g. 'utf-8', 'gbk' or 'gb18030'"
            raise InputError(msg) from None
        return _read(p, kw, encoding, what)
    is_shape = p.suffix.lower() in (".shp", ".dbf")
    try:
        gdf = _read(p, kw, None, what)
    except UnicodeDecodeError:
        if is_shape and _has_cpg(p):
            raise
        gdf = None
    if gdf is not None and not (is_shape and not _has_cpg(p) and looks_like_gbk_mojibake(_text_sample(gdf))):
        return gdf
    hint = (
        f", or add a .cpg file holding the encoding name next to {p.name!r}"
        if is_shape
        else " (GeoJSON and GeoPackage text should be UTF-8)"
    )
    warnings.warn(
        f"{what} {p.name!r}: its text is not UTF-8"
        + (" and there is no .cpg file saying which encoding it uses" if is_shape else "")
        + f", so it was read as {FALLBACK_ENCODING.upper()} (GBK). Pass encoding='...' to choose another{hint}",
        TextEncodingWarning,
        stacklevel=3,
    )
    return _read(p, kw, FALLBACK_ENCODING, what)


def _read(p: Path, kw: dict[str, Any], encoding: str | None, what: str) -> gpd.GeoDataFrame:
    try:
        if encoding is None:
            return gpd.read_file(p, **kw)
        return gpd.read_file(p, encoding=encoding, **kw)
    except UnicodeDecodeError:
        if encoding is None:
            raise
        msg = f"cannot decode the text of {what} {str(p)!r} as {encoding!r}: pass the right encoding='...'"
        raise InputError(msg) from None
    except InputError:
        raise
    except Exception as exc:
        msg = f"cannot read {what} {str(p)!r}: {type(exc).__name__}: {exc}"
        raise InputError(msg) from exc
