"""Interactive folium maps. Rendering converts to EPSG:4326 at the last moment."""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
from branca.element import MacroElement, Template

from .._columns import AREA_KM2, FACILITY, METRES, MINUTES, ON_NETWORK, SNAP_DIST_M
from ..errors import InputError
from .basemaps import basemap
from .labels import labels
from .standalone import offline

__all__ = ["explore_isochrones", "BAND_COLOURS"]

#: one colour per band, nearest first (ColorBrewer YlGnBu, reversed)
BAND_COLOURS = ("#0c2c84", "#225ea8", "#1d91c0", "#41b6c4", "#7fcdbb", "#c7e9b4", "#edf8b1")
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


def _new_map(bounds: np.ndarray, tiles: str | None, attribution: str | None = None) -> folium.Map:
    """A map fitted to ``bounds`` with the basemap preset ``tiles`` (see :func:`~.basemaps.basemap`)."""
    minx, miny, maxx, maxy = bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
    )
    low = str(tiles or "").strip().lower()
    preset = low in ("osm", "openstreetmap", "tianditu", "天地图") or "{z}" in low
    bm = basemap(tiles, attribution=attribution) if preset else None
    if bm is not None:
        for url, attr, sub in bm.layers:
            folium.TileLayer(url, attr=attr, name=bm.name, subdomains=sub, control=False).add_to(m)
    elif tiles:
        folium.TileLayer(tiles, name="basemap", attr=OSM_ATTRIBUTION, control=True).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


class _Title(MacroElement):
    """A title box in the map's top-left corner (class ``healthcov-map-title``)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "HealthcovTitle"
        self.text = text
        self._template = Template(
            "{% macro script(this, kwargs) %}"
            "(function () { var t = L.control({position: 'topleft'}); t.onAdd = function () {"
            "var d = L.DomUtil.create('div', 'healthcov-map-title');"
            "d.style.cssText = 'background:#fffe;padding:4px 8px;border:1px solid #888;border-radius:4px;"
            "font:bold 14px sans-serif;max-width:340px'; d.textContent = {{ this.text | tojson }}; return d; };"
            "t.addTo({{ this._parent.get_name() }}); })();"
            "{% endmacro %}"
        )


def _boundaries(areas: gpd.GeoDataFrame, m: folium.Map) -> None:
    """Area outlines with their names (``area_name`` when present), no fill."""
    shown = areas.to_crs(4326)
    folium.GeoJson(
        shown[["geometry"]],
        name="areas",
        control=False,
        interactive=False,
        style_function=lambda _f: {"color": "#333333", "weight": 1.5, "fill": False, "dashArray": "5 3"},
    ).add_to(m)
    if "area_name" in shown.columns:
        for name, p in zip(shown["area_name"].astype(str), shown.geometry.representative_point()):
            folium.Marker(
                [p.y, p.x],
                icon=folium.DivIcon(
                    html='<div style="white-space:nowrap;font:bold 12px sans-serif;color:#111;'
                    'text-shadow:0 0 3px #fff,0 0 3px #fff;transform:translate(-50%,-50%)">'
                    f"{html.escape(name)}</div>",
                    icon_size=(0, 0),
                ),
                interactive=False,
            ).add_to(m)


def _legend(title: str, items: list[tuple[str, str]], attribution: str) -> MacroElement:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};opacity:.75;'
        f'margin-right:6px;vertical-align:middle"></span>{html.escape(t)}</div>'
        for c, t in items
    )
    tpl = Template(
        "{% macro html(this, kwargs) %}"
        '<div class="healthcov-legend" style="position:absolute;bottom:28px;right:10px;z-index:9999;'
        'background:white;padding:8px 10px;border:1px solid #888;border-radius:4px;font:12px sans-serif">'
        f"<b>{html.escape(title)}</b>{rows}"
        f'<div style="margin-top:4px;color:#555">{html.escape(attribution)}</div></div>'
        "{% endmacro %}"
    )
    el = MacroElement()
    el._template = tpl
    return el


def _facility_markers(facilities: gpd.GeoDataFrame, L: dict[str, str], m: folium.Map) -> None:
    fac = facilities.to_crs(4326)
    fg = folium.FeatureGroup(name=L["facilities"], show=True)
    for idx, row in fac.iterrows():
        on = bool(row.get(ON_NETWORK, True))
        parts = [f"<b>{html.escape(str(row.get('name', idx)))}</b>"]
        for key in ("category", "type", SNAP_DIST_M):
            if key in fac.columns and row.get(key) is not None and row.get(key) == row.get(key):
                val = row[key]
                val = f"{val:.0f}" if isinstance(val, float) else str(val)
                parts.append(f"{html.escape(L.get(key, key))}: {html.escape(val)}")
        if not on:
            parts.append(html.escape(L["off_network"]))
        folium.CircleMarker(
            location=[row.geometry.y, row.geometry.x],
            radius=5,
            color="#b2182b" if on else "#777777",
            fill=True,
            fill_opacity=0.9,
            popup=folium.Popup("<br>".join(parts), max_width=300),
            tooltip=html.escape(str(row.get("name", idx))),
        ).add_to(fg)
    fg.add_to(m)


def explore_isochrones(
    iso: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame | None = None,
    *,
    m: folium.Map | None = None,
    lang: str = "en",
    tiles: str | None = None,
    simplify_m: float | None = None,
    attribution: str = OSM_ATTRIBUTION,
    title: str | None = None,
    areas: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Draw isochrone bands (and facilities) on a folium map, one switchable layer per band.

    Parameters
    ----------
    iso
        Output of :func:`healthcov.isochrones` (union or per facility).
    facilities
        Facility points to draw; ``snap_dist_m``/``on_network`` are shown when present.
    m
        An existing map to draw on; a new one is made otherwise.
    lang
        ``"zh"`` or ``"en"`` labels; names are shown as in the data.
    tiles
        A basemap (``"OpenStreetMap"``, ``"CartoDB positron"``; needs internet) or ``None``
        (default): the map is readable without one (offline, in a meeting room).
    simplify_m
        Display-only simplification tolerance in metres (default: a quarter of the grid cell).
    title
        Shown in the map's corner (default: "Service areas · mode (direction)" in ``lang``).
    areas
        Boundaries to outline (with ``area_name`` labels), e.g. the districts.

    Examples
    --------
    >>> import healthcov as hc
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"))
    >>> fac = hc.nodes_frame(G).iloc[[0]]
    >>> m = hc.explore_isochrones(hc.isochrones(G, fac, minutes=(2, 4)), fac, tiles=None)
    >>> type(m).__name__
    'Map'
    """
    if not isinstance(iso, gpd.GeoDataFrame) or iso.crs is None:
        msg = "iso must be the GeoDataFrame returned by healthcov.isochrones (with a CRS)"
        raise InputError(msg)
    L = labels(lang)
    col = MINUTES if MINUTES in iso.columns else METRES if METRES in iso.columns else None
    if col is None:
        msg = "iso has neither a 'minutes' nor a 'metres' column: pass the output of healthcov.isochrones"
        raise InputError(msg)
    tol = simplify_m if simplify_m is not None else (iso.attrs.get("cell_m") or 20.0) / 4.0
    shown = iso.copy()
    if not shown.crs.is_geographic and tol > 0:
        shown["geometry"] = shown.geometry.simplify(tol)
    shown = shown.to_crs(4326)
    if m is None:
        bounds = shown.total_bounds
        if facilities is not None and len(facilities):
            fb = facilities.to_crs(4326).total_bounds
            bounds = np.array(
                [min(bounds[0], fb[0]), min(bounds[1], fb[1]), max(bounds[2], fb[2]), max(bounds[3], fb[3])]
            )
        m = _new_map(bounds, tiles, attribution)
    unit = L["minutes"] if col == MINUTES else L["metres"]
    bands = sorted(shown[col].unique())
    colours = {b: BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)] for i, b in enumerate(bands)}
    mode = iso.attrs.get("mode")
    direction = iso.attrs.get("direction")
    for b in reversed(bands):
        part = shown[shown[col] == b]
        fg = folium.FeatureGroup(name=f"{L['isochrones']} ≤ {b:g} {unit}", show=True)
        fields = [c for c in (FACILITY, col, AREA_KM2) if c in part.columns]
        folium.GeoJson(
            part[[*fields, "geometry"]].round({AREA_KM2: 2}),
            style_function=lambda _f, c=colours[b]: {"fillColor": c, "color": c, "weight": 1, "fillOpacity": 0.35},
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[L.get(f, f) for f in fields]),
        ).add_to(fg)
        fg.add_to(m)
    if facilities is not None and len(facilities):
        _facility_markers(facilities, L, m)
    map_title = L["isochrones"]
    if mode:
        map_title += f" · {L.get(mode, mode)}"
    if direction:
        map_title += f" ({L.get(direction, direction)})"
    if areas is not None and len(areas):
        _boundaries(areas, m)
    m.add_child(_Title(title or map_title))
    items = [(colours[b], f"≤ {b:g} {unit}") for b in bands]
    if facilities is not None and len(facilities):
        items.append(("#b2182b", L["facilities"]))
    m.get_root().add_child(_legend(map_title, items, attribution))
    folium.LayerControl(collapsed=False).add_to(m)
    return offline(m)
