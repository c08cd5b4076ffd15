"""The assessment map: one rule at a time (radio buttons), its title and its own legend.

Each rule shows the areas coloured by verdict, the rule's service areas and uncovered residents
(both from :func:`healthcov.service_layers`: this module only draws), and the facilities of the
rule's types (thinned to a grid when there are many, so they do not hide the verdict colours).
District names are always on; suggested sites when given. No basemap by default (offline); the
presets are in :mod:`healthcov.report.basemaps`.
"""

from __future__ import annotations

import html
import json
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure, MacroElement, Template

from ..errors import InputError
from .basemaps import basemap
from .standalone import offline
from .text import VERDICT_COLOURS, VERDICT_SYMBOLS, fmt_value, norm_lang, requirement, verdict_text

__all__ = ["explore_assessment", "VERDICT_COLOURS", "FACILITY_COLOUR", "UNCOVERED_COLOUR", "SERVICE_COLOUR"]

FACILITY_COLOUR = "#1A1A1A"  # near-black dots with a white rim: no verdict colour is that dark
UNCOVERED_COLOUR = "#CC79A7"  # Okabe–Ito reddish purple
SERVICE_COLOUR = "#56B4E9"  # Okabe–Ito sky blue, drawn faint with a dashed dark outline
SITE_COLOUR = "#000000"

_TEXT = {
    "zh": {
        "verdict": "结论",
        "service_network": "服务范围（路网）",
        "service_straight": "服务范围（直线）",
        "uncovered": "未覆盖人口（每格 {cell} 米）",
        "facilities": "计入的设施",
        "facilities_n": "{n} 处设施",
        "sites": "建议选址",
        "rule": "选择标准",
        "people": "人",
        "area": "区域",
        "value": "现状值",
        "requirement": "要求",
        "none_drawn": "无服务范围图层",
    },
    "en": {
        "verdict": "Verdict",
        "service_network": "service area (network)",
        "service_straight": "service area (straight line)",
        "uncovered": "residents not covered (cells of {cell} m)",
        "facilities": "facilities counted",
        "facilities_n": "{n} facilities",
        "sites": "suggested sites",
        "rule": "Standard shown",
        "people": "residents",
        "area": "Area",
        "value": "Value",
        "requirement": "Requirement",
        "none_drawn": "no service-area layer",
    },
}


def _swatch(colour: str, kind: str = "box") -> str:
    if kind == "dot":
        return (
            f'<span style="display:inline-block;width:9px;height:9px;border-radius:50%;background:{colour};'
            'border:1.5px solid #fff;box-shadow:0 0 0 1px #555;margin:0 7px 0 2px;vertical-align:middle"></span>'
        )
    if kind == "dashed":
        return (
            f'<span style="display:inline-block;width:14px;height:12px;background:{colour}40;border:1.5px dashed #333;'
            'margin-right:6px;vertical-align:middle"></span>'
        )
    if kind == "hatch":
        return (
            '<span style="display:inline-block;width:14px;height:12px;margin-right:6px;vertical-align:middle;'
            f'border:1px solid #666;background:repeating-linear-gradient(45deg,{colour} 0 3px,#9a9a9a 3px 4px)"></span>'
        )
    return (
        f'<span style="display:inline-block;width:14px;height:12px;background:{colour};border:1px solid #666;'
        'margin-right:6px;vertical-align:middle"></span>'
    )


def _legend_html(result: Any, rid: str, lang: str, layers: Any, has_sites: bool) -> str:
    T = _TEXT[lang]
    t = result.table
    seen = set(t.loc[(t["rule_id"] == rid) & (t["area_code"] != "*"), "verdict"])
    rows = [
        f"<div>{_swatch(VERDICT_COLOURS[v], 'hatch' if v == 'not_applicable' else 'box')}"
        f"{VERDICT_SYMBOLS[v]} {html.escape(verdict_text(v, lang))}</div>"
        for v in VERDICT_COLOURS
        if v in seen or v in ("pass", "fail")
    ]
    if layers is not None:
        for metric in ("network", "straight"):
            if ((layers.areas["rule_id"] == rid) & (layers.areas["metric"] == metric)).any():
                rows.append(f"<div>{_swatch(SERVICE_COLOUR, 'dashed')}{html.escape(T['service_' + metric])}</div>")
        cells = layers.uncovered[layers.uncovered["rule_id"] == rid]
        if len(cells):
            label = T["uncovered"].format(cell=f"{float(cells['cell_m'].iloc[0]):,.0f}")
            rows.append(f"<div>{_swatch(UNCOVERED_COLOUR)}{html.escape(label)}</div>")
    rows.append(f"<div>{_swatch(FACILITY_COLOUR, 'dot')}{html.escape(T['facilities'])}</div>")
    if has_sites:
        rows.append(f"<div>{_swatch('#FFFFFF', 'dot').replace('#555', '#000')}{html.escape(T['sites'])}</div>")
    return "".join(rows)


def _areas_layer(result: Any, rules: list[str], lang: str, shown: gpd.GeoDataFrame) -> folium.GeoJson:
    """The areas once, with per rule ``v<i>`` (verdict) and ``t<i>`` (tooltip HTML); the rule control restyles them."""
    T = _TEXT[lang]
    part = shown[["area_code", "area_name", "geometry"]].copy()
    for i, rid in enumerate(rules):
        rows = result.table[(result.table["rule_id"] == rid) & (result.table["area_code"] != "*")]
        rows = rows.set_index("area_code")
        verdicts = part["area_code"].map(rows["verdict"]).fillna("not_applicable")
        part[f"v{i}"] = verdicts
        part[f"t{i}"] = [
            f"<b>{html.escape(str(name))}</b><br>{T['verdict']}: "
            f"{VERDICT_SYMBOLS[v]} {html.escape(verdict_text(v, lang))}"
            f"<br>{T['value']}: {html.escape(fmt_value(rows['value'].get(c), rows['unit'].get(c), lang))}"
            f"<br>{T['requirement']}: {html.escape(requirement(rows['standard'].get(c), lang))}"
            for name, c, v in zip(part["area_name"], part["area_code"], verdicts)
        ]
    part = part.drop(columns=["area_code"])
    return folium.GeoJson(
        part,
        name="areas",
        style_function=lambda f: {
            "fillColor": VERDICT_COLOURS.get(f["properties"].get("v0"), "#8C8C8C"),
            "color": "#333333",
            "weight": 1.2,
            "fillOpacity": 0.55,
        },
        control=False,
    )


def _service_layers(layers: Any, rid: str, lang: str, group: folium.FeatureGroup) -> None:
    T = _TEXT[lang]
    if layers is None:
        return
    part = layers.areas[layers.areas["rule_id"] == rid]
    for _, r in part.sort_values("metric", ascending=False).iterrows():
        straight = r["metric"] == "straight"
        unit = "公里" if (lang == "zh" and r["unit"] == "km") else "分钟" if lang == "zh" else r["unit"]
        name = f"{T['service_' + r['metric']]} ≤ {r['limit']:g} {unit}"
        folium.GeoJson(
            _lonlat(gpd.GeoDataFrame(geometry=[r.geometry], crs=layers.areas.crs)).__geo_interface__,
            style_function=lambda _f, s=straight: {
                "fillColor": SERVICE_COLOUR,
                "fillOpacity": 0.0 if s else 0.18,
                "color": "#333333",
                "weight": 1.5,
                "dashArray": "2 4" if s else "6 4",
            },
            tooltip=html.escape(name),
        ).add_to(group)
    cells = layers.uncovered[layers.uncovered["rule_id"] == rid]
    if len(cells):
        c = _lonlat(cells)
        top = float(c["pop"].max()) or 1.0
        c = gpd.GeoDataFrame(
            {"people": c["pop"].round(0).astype(int), "o": (0.35 + 0.6 * np.sqrt(c["pop"] / top)).round(2)},
            geometry=c.geometry.values,
            crs=4326,
        )
        folium.GeoJson(
            c,
            style_function=lambda f: {
                "fillColor": UNCOVERED_COLOUR,
                "fillOpacity": f["properties"]["o"],
                "color": UNCOVERED_COLOUR,
                "weight": 0.5,
            },
            tooltip=folium.GeoJsonTooltip(fields=["people"], aliases=[T["people"]]),
        ).add_to(group)


def _facility_points(result: Any, rid: str, region: Any, max_points: int) -> pd.DataFrame:
    """The rule's facilities near the areas as lon/lat points; thinned to a grid (with counts) when too many."""
    rule = result.profile.rule(rid)
    fac = result.facilities
    if rule.facility_types:
        fac = fac[fac["facility_type"].isin(rule.facility_types)]
    fac = fac[fac.geometry.intersects(region).to_numpy()]
    x, y = shapely.get_x(fac.geometry.values), shapely.get_y(fac.geometry.values)
    names = fac["name"].astype(str).to_numpy() if "name" in fac.columns else fac.index.astype(str).to_numpy()
    pts = pd.DataFrame({"x": x, "y": y, "n": 1, "name": names})
    if len(pts) > max_points:
        minx, miny, maxx, maxy = region.bounds
        cell = max(np.sqrt((maxx - minx) * (maxy - miny) / max_points), 1.0)
        pts["gx"], pts["gy"] = np.floor(pts["x"] / cell), np.floor(pts["y"] / cell)
        pts = pts.groupby(["gx", "gy"]).agg(x=("x", "mean"), y=("y", "mean"), n=("n", "sum"), name=("name", "first"))
    ll = gpd.GeoSeries(shapely.points(pts["x"], pts["y"]), crs=result.facilities.crs).to_crs(4326)
    return pd.DataFrame(
        {"lon": ll.x.to_numpy(), "lat": ll.y.to_numpy(), "n": pts["n"].to_numpy(), "name": pts["name"].to_numpy()}
    )


def _facilities_layer(pts: pd.DataFrame, lang: str, group: folium.FeatureGroup) -> None:
    T = _TEXT[lang]
    if pts.empty:
        return
    labels = [name if n == 1 else T["facilities_n"].format(n=n) for name, n in zip(pts["name"], pts["n"])]
    shown = gpd.GeoDataFrame(
        {"label": labels, "r": (2.5 + 1.5 * np.sqrt(pts["n"] - 1)).round(1)},
        geometry=shapely.points(pts["lon"], pts["lat"]),
        crs=4326,
    )
    folium.GeoJson(
        shown,
        marker=folium.CircleMarker(radius=3, fill=True, fill_opacity=1.0, color="#FFFFFF", weight=1),
        style_function=lambda f: {"radius": f["properties"]["r"], "fillColor": FACILITY_COLOUR, "color": "#FFFFFF"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(group)


_CONTROL_JS = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var groups = { {% for rid, g in this.groups %}{{ rid | tojson }}: {{ g }}{{ "," if not loop.last }}{% endfor %} };
  var info = {{ this.info | tojson }};
  var legend = L.control({position: 'bottomright'});
  legend.onAdd = function () {
    var d = L.DomUtil.create('div', 'healthcov-legend');
    d.style.cssText = 'background:#fff;padding:6px 9px;border:1px solid #888;border-radius:4px;' +
      'font:12px/1.45 sans-serif;max-width:260px';
    L.DomEvent.disableClickPropagation(d); return d; };
  legend.addTo(map);
  var title = L.control({position: 'topleft'});
  title.onAdd = function () {
    var d = L.DomUtil.create('div', 'healthcov-map-title');
    d.style.cssText = 'background:#fffe;padding:4px 8px;border:1px solid #888;border-radius:4px;' +
      'font:bold 14px sans-serif;max-width:340px';
    return d; };
  title.addTo(map);
  var pick = L.control({position: 'topright'});
  pick.onAdd = function () {
    var d = L.DomUtil.create('div', 'healthcov-rules');
    d.style.cssText = 'background:#fff;padding:6px 8px;border:1px solid #888;border-radius:4px;' +
      'font:12px/1.4 sans-serif;max-width:240px;max-height:60vh;overflow:auto';
    var h = '<b>' + info.heading + '</b>';
    info.order.forEach(function (rid) {
      h += '<label style="display:block;margin:2px 0"><input type="radio" name="healthcov-rule" value="' + rid +
        '" data-rule="' + rid + '"> ' + info.rules[rid].short + '</label>';
    });
    d.innerHTML = h;
    L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);
    d.addEventListener('change', function (e) { show(e.target.value); });
    return d; };
  pick.addTo(map);
  function show(rid) {
    Object.keys(groups).forEach(function (k) { if (k !== rid && map.hasLayer(groups[k])) map.removeLayer(groups[k]); });
    if (!map.hasLayer(groups[rid])) map.addLayer(groups[rid]);
    var i = info.order.indexOf(rid);
    {{ this.areas }}.eachLayer(function (l) {
      var p = l.feature.properties, v = p['v' + i];
      l.setStyle({fillColor: info.colours[v], dashArray: v === 'not_applicable' ? '4 3' : null});
      l.unbindTooltip(); l.bindTooltip(p['t' + i], {sticky: true});
    });
    {{ this.areas }}.bringToBack();
    legend.getContainer().innerHTML = '<b>' + info.rules[rid].title + '</b>' + info.rules[rid].legend +
      '<div style="margin-top:4px;color:#555">' + info.attribution + '</div>';
    title.getContainer().textContent = info.rules[rid].title;
    var r = pick.getContainer().querySelector('input[value="' + rid + '"]'); if (r) r.checked = true;
    window.healthcovRule = rid;
  }
  window.healthcovShowRule = show;
  show(info.order[0]);
})();
{% endmacro %}
"""


#: phone width: the rule picker and the legend shrink so they never overlap (the title is in the picker)
_SMALL_SCREEN_CSS = """<style>
@media (max-width: 560px), (max-height: 480px) {
  .healthcov-rules { max-height: 34vh !important; max-width: 170px !important; font-size: 11px !important; }
  .healthcov-legend { max-width: 175px !important; max-height: 40vh; overflow: auto; font-size: 10.5px !important; }
  .healthcov-map-title { display: none; }
}
</style>"""


class _RuleControl(MacroElement):
    def __init__(self, groups: list[tuple[str, str]], info: dict[str, Any], areas: str) -> None:
        super().__init__()
        self.areas = areas
        self._name = "HealthcovRuleControl"
        self.groups = groups
        self.info = info
        self._template = Template(_CONTROL_JS)


def _roads_layer(roads: gpd.GeoDataFrame, m: folium.Map) -> None:
    """The network's main roads, faint grey under everything: a basemap that needs no tiles."""
    widths = {"motorway": 2.2, "trunk": 2.0, "primary": 1.6, "secondary": 1.1, "tertiary": 0.7}
    folium.GeoJson(
        _lonlat(roads),
        name="roads",
        control=False,
        interactive=False,
        style_function=lambda f: {"color": "#9a9a9a", "weight": widths.get(f["properties"]["highway"], 0.7)},
    ).add_to(m)


def _labels(shown: gpd.GeoDataFrame, m: folium.Map) -> None:
    pts = shown.geometry.representative_point()
    for name, p in zip(shown["area_name"].astype(str), pts):
        folium.Marker(
            [p.y, p.x],
            icon=folium.DivIcon(
                html=f'<div class="area-label" style="white-space:nowrap;font:bold 13px sans-serif;color:#111;'
                f'text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;transform:translate(-50%,-50%)">'
                f"{html.escape(name)}</div>",
                icon_size=(0, 0),
            ),
            interactive=False,
        ).add_to(m)


def _lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """To EPSG:4326 with coordinates rounded to 1e-5° (about 1 m): half the bytes of full precision."""
    out = frame.to_crs(4326)
    out["geometry"] = shapely.set_precision(out.geometry.values, 1e-5)
    return out


def _new_map(bounds: np.ndarray, tiles: str | None, attribution: str | None) -> tuple[folium.Map, str]:
    minx, miny, maxx, maxy = bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=True, prefer_canvas=True)
    bm = basemap(tiles, attribution=attribution)
    credit = ""
    if bm is not None:
        for url, attr, sub in bm.layers:
            folium.TileLayer(url, attr=attr, name=bm.name, subdomains=sub, control=False).add_to(m)
        credit = bm.layers[0][1]
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m, credit


def explore_assessment(
    result: Any,
    layers: Any = None,
    *,
    lang: str = "zh",
    tiles: str | None = None,
    attribution: str | None = None,
    rules: list[str] | None = None,
    sites: gpd.GeoDataFrame | None = None,
    simplify_m: float = 30.0,
    max_facilities: int = 300,
) -> folium.Map:
    """Draw an assessment on a folium map, one rule at a time.

    Parameters
    ----------
    result
        What :func:`healthcov.assess` returned.
    layers
        :func:`healthcov.service_layers` of it: service areas and uncovered residents (without
        them the map shows verdicts and facilities only).
    lang
        ``"zh"`` or ``"en"``: every word on the map.
    tiles
        ``None`` (default, works offline), ``"osm"``, ``"tianditu"`` (key in ``$TIANDITU_KEY``) or
        a URL template with ``attribution``; AMap/GCJ-02 sources give a warning.
    rules
        Rule ids to offer (default: every rule with per-area verdicts).
    sites
        Suggested or planned sites to mark.
    max_facilities
        Above this many facilities of a rule's types, they are drawn as one dot per grid cell with
        the count in the tooltip.
    """
    if not hasattr(result, "table") or not hasattr(result, "areas"):
        msg = "explore_assessment needs the result of healthcov.assess(...)"
        raise InputError(msg)
    lang = norm_lang(lang)
    table = result.table
    area_rules = list(dict.fromkeys(table.loc[table["area_code"] != "*", "rule_id"]))
    if rules is not None:
        unknown = sorted(set(rules) - set(area_rules))
        if unknown:
            msg = f"rules {unknown} are not in the assessment; it has {area_rules}"
            raise InputError(msg)
        area_rules = list(rules)
    minx, miny, maxx, maxy = result.areas.total_bounds
    tol = max(simplify_m, max(maxx - minx, maxy - miny) / 3000.0)  # a tenth of a screen pixel at full view
    shown = result.areas.copy()
    shown["geometry"] = shown.geometry.simplify(tol)
    shown = _lonlat(shown)
    m, credit = _new_map(shown.total_bounds, tiles, attribution)
    region = shapely.union_all(result.areas.geometry.values).buffer(1000.0)
    has_sites = sites is not None and len(sites) > 0
    if tiles is None and layers is not None and layers.roads is not None and len(layers.roads):
        _roads_layer(layers.roads, m)
    areas_layer = _areas_layer(result, area_rules, lang, shown)
    areas_layer.add_to(m)
    groups, info_rules = [], {}
    for rid in area_rules:
        row = table[table["rule_id"] == rid].iloc[0]
        title = str(row["rule_zh"] if lang == "zh" else row["rule_en"])
        fg = folium.FeatureGroup(name=title, control=False, show=False)
        _service_layers(layers, rid, lang, fg)
        _facilities_layer(_facility_points(result, rid, region, max_facilities), lang, fg)
        fg.add_to(m)
        groups.append((rid, fg.get_name()))
        short = title if len(title) <= 22 else title[:21] + "…"
        info_rules[rid] = {
            "title": html.escape(title),
            "short": html.escape(short),
            "legend": _legend_html(result, rid, lang, layers, has_sites),
        }
    _labels(shown, m)
    if sites is not None and has_sites:
        for idx, r in sites.to_crs(4326).iterrows():
            folium.CircleMarker(
                [r.geometry.y, r.geometry.x],
                radius=8,
                color=SITE_COLOUR,
                weight=3,
                fill=True,
                fill_color="#FFFFFF",
                fill_opacity=1.0,
                tooltip=html.escape(str(r.get("name", idx))),
            ).add_to(m)
    info = {
        "heading": html.escape(_TEXT[lang]["rule"]),
        "order": area_rules,
        "rules": info_rules,
        "attribution": json.loads(json.dumps(credit)),
    }
    info["colours"] = VERDICT_COLOURS
    m.add_child(_RuleControl(groups, info, areas_layer.get_name()))
    root = m.get_root()
    if isinstance(root, Figure):
        root.header.add_child(folium.Element(_SMALL_SCREEN_CSS))
    return offline(m)
