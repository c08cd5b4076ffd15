"""The assessment map: areas coloured by verdict, facilities by type, uncovered population, service areas."""

from __future__ import annotations

import html
import math
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from .labels import labels
from .maps import BAND_COLOURS, OSM_ATTRIBUTION, _legend, _new_map

__all__ = ["explore_assessment", "VERDICT_COLOURS", "TYPE_COLOURS"]

VERDICT_COLOURS = {
    "pass": "#1a9850",
    "partial": "#fdae61",
    "fail": "#d73027",
    "not_applicable": "#bdbdbd",
    "not_assessed": "#878787",
}
TYPE_COLOURS = {
    "hospital_general": "#b2182b",
    "hospital_tcm": "#d6604d",
    "hospital_specialty": "#f4a582",
    "mch": "#c51b7d",
    "chc": "#2166ac",
    "chs_station": "#4393c3",
    "thc": "#1b7837",
    "village_clinic": "#5aae61",
    "clinic": "#92c5de",
    "ems_center": "#762a83",
    "ems_subcenter": "#9970ab",
    "ems_station": "#c2a5cf",
    "cdc": "#8c510a",
    "other": "#777777",
}
_VERDICT_LABEL = {
    "en": {
        "pass": "pass",
        "partial": "partial",
        "fail": "fail",
        "not_applicable": "not applicable",
        "not_assessed": "not assessed",
    },
    "zh": {
        "pass": "达标",
        "partial": "部分达标",
        "fail": "未达标",
        "not_applicable": "不适用",
        "not_assessed": "未评估",
    },
}
_TEXT = {
    "en": {
        "areas": "Areas by verdict",
        "uncovered": "Residents not covered",
        "radius": "Ambulance service area",
        "straight": "straight line",
        "network": "network",
        "value": "Value",
        "threshold": "Threshold",
        "margin": "Margin",
        "standard": "Standard",
        "class": "Class",
        "people": "people",
        "planned": "Suggested / planned sites",
        "type": "Type",
        "tier": "Tier",
        "circle": "Service circle",
    },
    "zh": {
        "areas": "各区域评估结果",
        "uncovered": "未覆盖人口",
        "radius": "急救服务半径",
        "straight": "直线距离",
        "network": "路网距离",
        "value": "指标值",
        "threshold": "标准",
        "margin": "差距",
        "standard": "标准要求",
        "class": "城乡类别",
        "people": "人",
        "planned": "建议/规划选址",
        "type": "类型",
        "tier": "等级",
        "circle": "服务圈",
    },
}
_CLASS = {
    "en": {"urban": "urban", "rural": "rural", "none": "no rule"},
    "zh": {"urban": "城区", "rural": "农村", "none": "无"},
}


def _fmt_value(v: Any, unit: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if unit == "share":
        return f"{float(v):.1%}"
    return f"{float(v):,.2f}".rstrip("0").rstrip(".")


def _grid_uncovered(demand: gpd.GeoDataFrame, covered_col: str, cell_m: float) -> gpd.GeoDataFrame:
    """Uncovered population summed on a display grid (cells of ``cell_m``)."""
    d = demand[~demand[covered_col].astype(bool) & (demand["pop"] > 0) & demand["area_code"].notna()]
    if d.empty:
        return gpd.GeoDataFrame({"pop": []}, geometry=[], crs=demand.crs)
    x, y = shapely.get_x(d.geometry.values), shapely.get_y(d.geometry.values)
    gx, gy = np.floor(x / cell_m).astype(np.int64), np.floor(y / cell_m).astype(np.int64)
    f = pd.DataFrame({"gx": gx, "gy": gy, "pop": d["pop"].to_numpy(), "wx": x * d["pop"], "wy": y * d["pop"]})
    g = f.groupby(["gx", "gy"], sort=True).sum()
    cx, cy = g["wx"] / g["pop"], g["wy"] / g["pop"]
    return gpd.GeoDataFrame({"pop": g["pop"].to_numpy()}, geometry=shapely.points(cx, cy), crs=demand.crs)


def explore_assessment(
    result: Any,
    *,
    m: folium.Map | None = None,
    lang: str = "zh",
    tiles: str | None = None,
    rules: list[str] | None = None,
    sites: gpd.GeoDataFrame | None = None,
    service_areas: bool = True,
    grid_m: float = 500.0,
    simplify_m: float = 30.0,
    facility_margin_m: float = 2000.0,
    attribution: str = OSM_ATTRIBUTION,
) -> folium.Map:
    """Draw an :class:`~healthcov.standards.engine.Assessment` on a folium map.

    Layers (each switchable in the layer control): one per rule with the areas coloured by verdict
    (tooltip: verdict, value, threshold, margin, standard); the ambulance service areas (network
    and straight-line radius); facilities by type (popup: name, type, tier, snap distance);
    residents not covered, summed on a ``grid_m`` display grid (circle size ∝ √people); and
    suggested or planned sites when ``sites`` is given. Only the first rule's layer is shown at
    first. Facilities farther than ``facility_margin_m`` from every area are left out, and types
    that no evaluated rule uses start switched off. ``tiles=None`` (default) draws no basemap: the
    map is readable offline.
    """
    table = getattr(result, "table", None)
    if table is None or not hasattr(result, "areas"):
        msg = "explore_assessment needs the result of healthcov.assess(...)"
        raise InputError(msg)
    L, T = labels(lang), _TEXT["zh" if labels(lang) is labels("zh") else "en"]
    key = "zh" if T is _TEXT["zh"] else "en"
    VL = _VERDICT_LABEL[key]
    areas = result.areas
    shown_areas = areas.copy()
    shown_areas["geometry"] = shown_areas.geometry.simplify(simplify_m)
    shown_areas = shown_areas.to_crs(4326)
    if m is None:
        m = _new_map(shown_areas.total_bounds, tiles)

    area_rules = [r for r in dict.fromkeys(table.loc[table["area_code"] != "*", "rule_id"])]
    if rules is not None:
        unknown = sorted(set(rules) - set(area_rules))
        if unknown:
            msg = f"rules {unknown} are not in the assessment; it has {area_rules}"
            raise InputError(msg)
        area_rules = list(rules)
    for i, rid in enumerate(area_rules):
        rows = table[(table["rule_id"] == rid) & (table["area_code"] != "*")].set_index("area_code")
        title = rows["rule_zh" if key == "zh" else "rule_en"].iloc[0]
        part = shown_areas[["area_code", "area_name", "area_class", "geometry"]].copy()
        part["verdict"] = part["area_code"].map(rows["verdict"]).fillna("not_assessed")
        part["verdict_text"] = part["verdict"].map(VL)
        part["class_text"] = part["area_class"].map(_CLASS[key]).fillna(part["area_class"])
        part["value_text"] = [_fmt_value(rows["value"].get(c), rows["unit"].get(c)) for c in part["area_code"]]
        part["threshold_text"] = [_fmt_value(rows["threshold"].get(c), rows["unit"].get(c)) for c in part["area_code"]]
        part["margin_text"] = [_fmt_value(rows["margin"].get(c), rows["unit"].get(c)) for c in part["area_code"]]
        part["standard"] = part["area_code"].map(rows["standard"]).fillna("")
        fg = folium.FeatureGroup(name=f"{T['areas']}: {title}", show=(i == 0))
        fields = ["area_name", "class_text", "verdict_text", "value_text", "threshold_text", "margin_text", "standard"]
        aliases = [L["name"], T["class"], title, T["value"], T["threshold"], T["margin"], T["standard"]]
        folium.GeoJson(
            part[[*fields, "verdict", "geometry"]],
            style_function=lambda f: {
                "fillColor": VERDICT_COLOURS.get(f["properties"]["verdict"], "#878787"),
                "color": "#333333",
                "weight": 1,
                "fillOpacity": 0.45,
            },
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
        ).add_to(fg)
        fg.add_to(m)

    # ambulance service areas: network (isochrones by metres) and straight-line buffers
    radius_rules = table[(table["kind"] == "service_radius") & (table["area_code"] != "*")]
    nets = getattr(result, "networks", {}) or {}
    if service_areas and len(radius_rules):
        rule = result.profile.rule(radius_rules["rule_id"].iloc[0])
        ems = result.facilities[result.facilities["facility_type"].isin(rule.facility_types)]
        limits = sorted({float(v) for v in radius_rules["limit"].dropna()}) or [3.5]
        if len(ems):
            for j, km in enumerate(limits):
                colour = BAND_COLOURS[min(j + 3, 6)]
                buf = gpd.GeoSeries([shapely.union_all(ems.geometry.buffer(km * 1000.0).values)], crs=ems.crs)
                fg = folium.FeatureGroup(name=f"{T['radius']} ≤ {km:g} km ({T['straight']})", show=False)
                folium.GeoJson(
                    buf.simplify(simplify_m).to_crs(4326).__geo_interface__,
                    style_function=lambda _f, c=colour: {
                        "fillColor": c,
                        "color": c,
                        "weight": 1,
                        "dashArray": "4 4",
                        "fillOpacity": 0.15,
                    },
                ).add_to(fg)
                fg.add_to(m)
            G = nets.get("ambulance") or nets.get("drive") or (next(iter(nets.values())) if nets else None)
            if G is not None:
                from ..isochrones import isochrones

                col = "on_network_" + str(radius_rules["mode"].iloc[0])
                on = ems[ems[col].astype(bool)] if col in ems.columns else ems
                iso = isochrones(G, on, metres=[km * 1000.0 for km in limits], direction="from_facility")
                for j, (_, r) in enumerate(iso.iloc[::-1].iterrows()):
                    colour = BAND_COLOURS[min(j, 6)]
                    fg = folium.FeatureGroup(
                        name=f"{T['radius']} ≤ {r['metres'] / 1000:g} km ({T['network']})", show=False
                    )
                    folium.GeoJson(
                        gpd.GeoSeries([r.geometry], crs=iso.crs).simplify(simplify_m).to_crs(4326).__geo_interface__,
                        style_function=lambda _f, c=colour: {
                            "fillColor": c,
                            "color": c,
                            "weight": 1,
                            "fillOpacity": 0.2,
                        },
                    ).add_to(fg)
                    fg.add_to(m)

    # residents not covered, per time/distance rule
    dem = result.demand
    for rid in area_rules:
        col = f"{rid}:covered"
        if col not in dem.columns:
            continue
        cells = _grid_uncovered(dem, col, grid_m)
        if cells.empty:
            continue
        title = table.loc[table["rule_id"] == rid, "rule_zh" if key == "zh" else "rule_en"].iloc[0]
        fg = folium.FeatureGroup(name=f"{T['uncovered']}: {title}", show=(rid == area_rules[0]))
        cells = cells.to_crs(4326)
        top = float(cells["pop"].max())
        cells["people"] = cells["pop"].round(0).astype(int)
        cells["r"] = 2.0 + 10.0 * np.sqrt(cells["pop"] / top)
        folium.GeoJson(
            cells[["people", "r", "geometry"]],
            marker=folium.CircleMarker(radius=4, fill=True, fill_opacity=0.6, color="#7f0000", weight=0),
            style_function=lambda f: {"radius": f["properties"]["r"], "fillColor": "#7f0000", "color": "#7f0000"},
            tooltip=folium.GeoJsonTooltip(fields=["people"], aliases=[T["people"]]),
        ).add_to(fg)
        fg.add_to(m)

    # facilities by type
    # only the facilities near the assessed areas (2 km around them), and the types no rule uses
    # switched off at first: thousands of clinics would hide the verdict colours
    near = areas.geometry.union_all().buffer(facility_margin_m)
    fac_m = result.facilities[result.facilities.intersects(near)]
    fac = fac_m.to_crs(4326)
    used = {t for r in result.profile.rules if r.kind != "reference" for t in r.facility_types}
    present_types = sorted(dict.fromkeys(fac["facility_type"]), key=lambda t: (t not in used, t))
    from ..standards.facility_types import FACILITY_TYPES

    snap_cols = [c for c in fac.columns if c.startswith("snap_dist_m_")]
    for t in present_types:
        part = fac[fac["facility_type"] == t]
        name_t = FACILITY_TYPES.get(t, {}).get(key, t)
        fg = folium.FeatureGroup(name=f"{L['facilities']}: {name_t} ({len(part)})", show=t in used)
        colour = TYPE_COLOURS.get(t, "#777777")
        # one GeoJSON layer per type (not one JS marker per facility): a tenth of the page size
        shown = gpd.GeoDataFrame(
            {
                "name": part["name"].astype(str) if "name" in part.columns else part.index.astype(str),
                "type": name_t,
                "tier": part["tier"].fillna("").astype(str) if "tier" in part.columns else "",
                **{f"{L['snap_dist_m']} ({c[12:]})": part[c].round(0) for c in snap_cols},
            },
            geometry=part.geometry.values,
            crs=4326,
        )
        fields = [c for c in shown.columns if c != "geometry"]
        folium.GeoJson(
            shown,
            marker=folium.CircleMarker(radius=5, fill=True, fill_opacity=0.9, color=colour, weight=1),
            style_function=lambda _f, c=colour: {"color": c, "fillColor": c},
            popup=folium.GeoJsonPopup(fields=fields, aliases=[L["name"], T["type"], T["tier"], *fields[3:]]),
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(fg)
        fg.add_to(m)

    if sites is not None and len(sites):
        fg = folium.FeatureGroup(name=T["planned"], show=True)
        for idx, row in sites.to_crs(4326).iterrows():
            folium.CircleMarker(  # plain Leaflet (RegularPolygonMarker needs a CDN plugin)
                location=[row.geometry.y, row.geometry.x],
                radius=9,
                color="#000000",
                weight=3,
                fill=True,
                fill_color="#ffff33",
                fill_opacity=1.0,
                tooltip=html.escape(str(row.get("name", idx))),
            ).add_to(fg)
        fg.add_to(m)

    items = [(VERDICT_COLOURS[v], VL[v]) for v in ("pass", "partial", "fail", "not_applicable")]
    items += [(TYPE_COLOURS.get(t, "#777777"), FACILITY_TYPES.get(t, {}).get(key, t)) for t in present_types]
    items.append(("#7f0000", T["uncovered"]))
    m.get_root().add_child(
        _legend(f"{result.profile.name_zh if key == 'zh' else result.profile.name_en}", items, attribution)
    )
    # collapsed: with a dozen rule layers an open control would hide the map (hover or tap to open)
    folium.LayerControl(collapsed=True).add_to(m)
    return m
