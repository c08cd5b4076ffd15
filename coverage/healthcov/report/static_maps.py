"""Static maps for paper and projector: one per rule, drawn with matplotlib into inline SVG.

The same layers as the interactive map (verdict colours, "not applicable" hatched, service areas,
uncovered residents, facilities, district names), so a printed A4 page shows the right rule.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

import geopandas as gpd
import shapely

from .assessment_map import FACILITY_COLOUR, SERVICE_COLOUR, UNCOVERED_COLOUR
from .text import VERDICT_COLOURS, VERDICT_SYMBOLS, verdict_text

__all__ = ["rule_map_svg"]

_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "DejaVu Sans"]
_TEXT = {
    "zh": {"service": "服务范围", "uncovered": "未覆盖人口", "facilities": "计入的设施"},
    "en": {"service": "service area", "uncovered": "residents not covered", "facilities": "facilities counted"},
}


def rule_map_svg(
    result: Any,
    rule_id: str,
    layers: Any = None,
    *,
    lang: str = "zh",
    width_in: float = 7.0,
    height_in: float = 6.2,
    simplify_m: float = 60.0,
) -> str:
    """One rule's static map as an ``<svg>`` element (text kept as text, no external file)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    T = _TEXT[lang]
    plt.rcParams["font.sans-serif"] = _FONTS
    plt.rcParams["svg.fonttype"] = "none"  # text as <text>: small, searchable, prints crisply
    t = result.table
    rows = t[(t["rule_id"] == rule_id) & (t["area_code"] != "*")].set_index("area_code")
    areas = result.areas[["area_code", "area_name", "geometry"]].copy()
    minx, miny, maxx, maxy = areas.total_bounds
    areas["geometry"] = areas.geometry.simplify(max(simplify_m, max(maxx - minx, maxy - miny) / 800.0))
    areas["verdict"] = areas["area_code"].map(rows["verdict"]).fillna("not_applicable")
    fig, ax = plt.subplots(figsize=(width_in, height_in))
    # geopandas' plot() ends with plt.draw(), which renders the whole figure on the Agg canvas after
    # every layer (half the report's time in the demo): only the final savefig needs to draw
    fig.canvas.draw_idle = lambda *args, **kwargs: None  # type: ignore[method-assign]
    ax.set_axis_off()
    try:
        for v, part in areas.groupby("verdict"):
            part.plot(
                ax=ax,
                color=VERDICT_COLOURS.get(str(v), "#8C8C8C"),
                edgecolor="#333333",
                linewidth=0.6,
                alpha=0.8,
                hatch="///" if v == "not_applicable" else None,
            )
        handles = [
            Patch(
                facecolor=VERDICT_COLOURS[v],
                edgecolor="#333",
                hatch="///" if v == "not_applicable" else None,
                label=f"{VERDICT_SYMBOLS[v]} {verdict_text(v, lang)}",
            )
            for v in VERDICT_COLOURS
            if v in set(areas["verdict"])
        ]
        handles += _draw_layers(ax, result, rule_id, layers, T)
        minx, miny, maxx, maxy = areas.total_bounds
        pad = 0.03 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        for name, p in zip(areas["area_name"], areas.geometry.representative_point()):
            ax.annotate(str(name), (p.x, p.y), ha="center", va="center", fontsize=9, fontweight="bold")
        ax.set_axis_off()
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
        buf = io.StringIO()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")  # the browser draws the text
            fig.savefig(buf, format="svg", bbox_inches="tight")
    finally:
        plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"(\d+\.\d)\d+", r"\1", svg)  # a tenth of a point is plenty on A4: a third of the bytes
    return re.sub(r'(<svg[^>]*?) width="[^"]+" height="[^"]+"', r'\1 class="static-map" role="img"', svg, count=1)


def _draw_layers(ax: Any, result: Any, rule_id: str, layers: Any, T: dict[str, str]) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if layers is not None:
        part = layers.areas[layers.areas["rule_id"] == rule_id]
        if len(part):
            part.plot(ax=ax, facecolor=SERVICE_COLOUR + "30", edgecolor="#222222", linewidth=0.8, linestyle="--")
            handles.append(Patch(facecolor=SERVICE_COLOUR + "30", edgecolor="#222", linestyle="--", label=T["service"]))
        cells = layers.uncovered[layers.uncovered["rule_id"] == rule_id]
        if len(cells):
            cells.plot(ax=ax, color=UNCOVERED_COLOUR, linewidth=0)
            handles.append(Patch(facecolor=UNCOVERED_COLOUR, label=T["uncovered"]))
    rule = result.profile.rule(rule_id)
    fac = result.facilities
    if rule.facility_types:
        fac = fac[fac["facility_type"].isin(rule.facility_types)]
    region = shapely.union_all(result.areas.geometry.values)
    fac = fac[fac.geometry.intersects(region).to_numpy()]
    if len(fac):
        gpd.GeoSeries(fac.geometry.values, crs=fac.crs).plot(
            ax=ax, color=FACILITY_COLOUR, markersize=5, edgecolor="white", linewidth=0.3
        )
        handles.append(
            Line2D([], [], marker="o", color="w", markerfacecolor=FACILITY_COLOUR, markersize=5, label=T["facilities"])
        )
    return handles
