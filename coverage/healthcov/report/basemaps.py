"""Basemap presets: OpenStreetMap and 天地图 Tianditu, with their attribution; GCJ-02 sources are flagged.

Tianditu (天地图) serves CGCS2000 tiles, which match WGS84 to well under a metre at map scale, so
healthcov's WGS84 layers sit on them correctly. Its key comes from the environment variable
``TIANDITU_KEY`` (free from https://console.tianditu.gov.cn). AMap (高德), Tencent and Google China
tiles are in GCJ-02, shifted by 100–700 m from WGS84: a warning says so when one is used.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass

from ..errors import CoordinateSystemWarning, InputError

__all__ = ["Basemap", "basemap", "TIANDITU_KEY_ENV"]

TIANDITU_KEY_ENV = "TIANDITU_KEY"
OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
TIANDITU_ATTRIBUTION = "© 天地图 Tianditu · 国家地理信息公共服务平台"
_GCJ02 = re.compile(r"autonavi|amap|gaode|is\.autonavi|webrd|webst|map\.qq|gtimg|google\.cn", re.IGNORECASE)


@dataclass(frozen=True)
class Basemap:
    """Tile layers (URL template, attribution, subdomains) in drawing order, and the name shown."""

    name: str
    layers: tuple[tuple[str, str, str], ...]


def _tianditu(layer: str, key: str) -> str:
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
        f"&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
    )


def basemap(tiles: str | None, *, attribution: str | None = None) -> Basemap | None:
    """The tile layers for ``tiles``: ``None`` (no basemap: offline), ``"osm"``, ``"tianditu"`` or a URL template.

    A URL template needs ``attribution``. A GCJ-02 source (AMap/高德 …) gives a
    :class:`~healthcov.errors.CoordinateSystemWarning`: WGS84 data drawn on it is shifted by
    hundreds of metres.
    """
    if tiles is None:
        return None
    key = str(tiles).strip()
    low = key.lower()
    if low in ("osm", "openstreetmap"):
        return Basemap("OpenStreetMap", (("https://tile.openstreetmap.org/{z}/{x}/{y}.png", OSM_ATTRIBUTION, "abc"),))
    if low in ("tianditu", "天地图"):
        tk = os.environ.get(TIANDITU_KEY_ENV, "").strip()
        if not tk:
            msg = (
                f"the Tianditu basemap needs a key: set the environment variable {TIANDITU_KEY_ENV} "
                "(free at console.tianditu.gov.cn)"
            )
            raise InputError(msg)
        layers = tuple((_tianditu(x, tk), TIANDITU_ATTRIBUTION, "01234567") for x in ("vec", "cva"))
        return Basemap("天地图 Tianditu", layers)
    if "{z}" not in key:
        msg = f"tiles={tiles!r}: use None (no basemap), 'osm', 'tianditu' or a URL template with {{z}}/{{x}}/{{y}}"
        raise InputError(msg)
    if not attribution:
        msg = f"tiles={tiles!r}: a tile URL needs attribution= (the provider's copyright line)"
        raise InputError(msg)
    if _GCJ02.search(key):
        warnings.warn(
            f"the tiles {key.split('?')[0]!r} look like AMap/高德 (GCJ-02): healthcov's layers are WGS84 and will "
            "appear shifted by 100–700 m; use tiles='tianditu' or 'osm'",
            CoordinateSystemWarning,
            stacklevel=3,
        )
    return Basemap("basemap", ((key, attribution, "abc"),))
