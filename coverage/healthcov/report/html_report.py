"""The planning-meeting report: ONE self-contained HTML file, plus GeoPackage and CSV exports beside it.

The report computes nothing: it lays out an :class:`~healthcov.standards.engine.Assessment`
(summary, verdict table in the plans' layout, the interactive map, a section per standard with a
small chart, methods and assumptions). Everything is written to temporary files first and renamed
at the end, so a failed run leaves no partial file and never replaces a good report.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from .._io_atomic import atomic_path
from ..errors import InputError
from .assessment_map import _VERDICT_LABEL, VERDICT_COLOURS, explore_assessment

__all__ = ["write_report", "render_report", "DEFAULT_SOURCES"]

DEFAULT_SOURCES = [
    {
        "name": "OpenStreetMap road network",
        "date": "as in the network file",
        "licence": "ODbL 1.0 — © OpenStreetMap contributors",
    },
]

_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "卫生健康服务可及性评估报告",
        "jurisdiction": "规划范围",
        "profile": "标准依据",
        "date": "生成日期",
        "sources": "数据来源",
        "summary": "评估摘要",
        "rule": "标准",
        "pass": "达标",
        "partial": "部分达标",
        "fail": "未达标",
        "na": "不适用/未评估",
        "pop_nc": "未覆盖人口",
        "worst": "问题最多的区域",
        "table": "分区评估结果",
        "area": "区域",
        "class": "城乡",
        "standard": "标准要求",
        "value": "现状值",
        "verdict": "结论",
        "shortfall": "缺口",
        "source": "依据条款",
        "map": "交互地图",
        "sections": "分项标准",
        "methods": "方法与假设",
        "looser": "下级规划宽于上级标准之处",
        "reference": "未做空间评估的标准",
        "reason": "原因",
        "notes": "数据说明",
        "name": "名称",
        "licence": "许可",
        "strictest": "从严标准结论",
        "lenient": "宽松结论",
        "footer": "本报告由 healthcov 生成；人口分布为估算值，结论供规划讨论参考。",
    },
    "en": {
        "title": "Health-care accessibility assessment",
        "jurisdiction": "Jurisdiction",
        "profile": "Standards",
        "date": "Date",
        "sources": "Data sources",
        "summary": "Summary",
        "rule": "Standard",
        "pass": "pass",
        "partial": "partial",
        "fail": "fail",
        "na": "n/a / not assessed",
        "pop_nc": "Residents not covered",
        "worst": "Areas with most failures",
        "table": "Verdicts by area",
        "area": "Area",
        "class": "Class",
        "standard": "Requirement",
        "value": "Value",
        "verdict": "Verdict",
        "shortfall": "Shortfall",
        "source": "Clause",
        "map": "Interactive map",
        "sections": "Standard by standard",
        "methods": "Methods and assumptions",
        "looser": "Where the local plan is looser than a higher-level standard",
        "reference": "Standards not assessed spatially",
        "reason": "Why",
        "notes": "Data caveats",
        "name": "Name",
        "licence": "Licence",
        "strictest": "Strictest applicable",
        "lenient": "Lenient",
        "footer": "Made with healthcov. Population distribution is an estimate; verdicts support planning discussion.",
    },
}
_VERDICT = {"zh": _VERDICT_LABEL["zh"], "en": {**_VERDICT_LABEL["en"], "not_applicable": "n/a"}}
_CLASS = {"zh": {"urban": "城区", "rural": "农村", "all": "全域", "none": "—"}, "en": {}}

_TEMPLATE = jinja2.Environment(
    loader=jinja2.PackageLoader("healthcov.report", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)


def _fmt(v: Any, unit: Any = None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    if unit == "share":
        return f"{float(v):.1%}"
    if isinstance(v, (int, float, np.number)):
        return f"{float(v):,.2f}".rstrip("0").rstrip(".")
    return str(v)


def _bar_chart(rows: pd.DataFrame, label_col: str, value_col: str, limit: float | None, unit: str | None) -> str:
    """A small horizontal bar chart as inline SVG (value per area, the threshold as a line)."""
    rows = rows[np.isfinite(rows[value_col].astype(float))]
    if rows.empty:
        return ""
    vals = rows[value_col].astype(float).to_numpy()
    top = max(float(vals.max()), float(limit or 0.0)) or 1.0
    if unit == "share":
        top = 1.0
    h, w, left = 16, 460, 120
    height = h * len(rows) + 24
    parts = [
        f'<svg class="chart" viewBox="0 0 {w + left + 70} {height}" width="{w + left + 70}" height="{height}" '
        'role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (_, r) in enumerate(rows.iterrows()):
        v = float(r[value_col])
        y = 4 + i * h
        colour = VERDICT_COLOURS.get(str(r.get("verdict")), "#888")
        parts.append(
            f'<text x="{left - 6}" y="{y + 11}" text-anchor="end" font-size="11">'
            f"{html.escape(str(r[label_col]))}</text>"
            f'<rect x="{left}" y="{y}" width="{max(0.0, v / top * w):.1f}" height="{h - 4}" fill="{colour}"/>'
            f'<text x="{left + max(0.0, v / top * w) + 4:.1f}" y="{y + 11}" font-size="10">{_fmt(v, unit)}</text>'
        )
    if limit is not None and np.isfinite(limit):
        x = left + limit / top * w
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 16}" stroke="#000" stroke-dasharray="3 2"/>'
            f'<text x="{x:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">{_fmt(limit, unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _sections(result: Any, lang: str) -> list[dict[str, Any]]:
    t = result.table
    out = []
    for rid in dict.fromkeys(t["rule_id"]):
        rows = t[t["rule_id"] == rid]
        first = rows.iloc[0]
        area_rows = rows[rows["area_code"] != "*"].copy()
        chart = ""
        if len(area_rows) and first["kind"] in ("service_circle", "service_radius"):
            chart = _bar_chart(area_rows, "area_name", "share", float(area_rows["threshold"].dropna().max()), "share")
        elif len(area_rows) and first["kind"] == "response_time":
            lim = area_rows["threshold"].dropna()
            chart = _bar_chart(area_rows, "area_name", "mean_min", float(lim.max()) if len(lim) else None, "min")
        elif len(area_rows) and first["kind"] in ("ratio", "count_per_area"):
            area_rows["present_share"] = area_rows["present"] / area_rows["required"].replace(0, np.nan)
            chart = _bar_chart(area_rows, "area_name", "present_share", 1.0, "share")
        counts = rows["verdict"].value_counts()
        out.append(
            {
                "id": rid,
                "title": first["rule_zh"] if lang == "zh" else first["rule_en"],
                "other_title": first["rule_en"] if lang == "zh" else first["rule_zh"],
                "status": first["status"],
                "kind": first["kind"],
                "source_ref": first["source_ref"],
                "quote": first["source_quote"],
                "profile": first["profile"],
                "chart": chart,
                "counts": {k: int(counts.get(k, 0)) for k in ("pass", "partial", "fail")},
                "notes": sorted({n for n in rows["note"].dropna().astype(str) if n})[:6],
            }
        )
    return out


def _sites_section(plan: Any, lang: str) -> dict[str, Any] | None:
    if plan is None:
        return None
    s = plan.solution
    rows = []
    for i, (_, r) in enumerate(plan.sites.to_crs(4326).iterrows()):
        rows.append(
            {
                "n": i + 1,
                "name": r.get("name", ""),
                "lon": f"{r.geometry.x:.5f}",
                "lat": f"{r.geometry.y:.5f}",
                "gain": f"{r['newly_covered']:,.0f}",
            }
        )
    chart = _bar_chart(
        plan.curve.assign(label=plan.curve["n_sites"].astype(str), verdict="pass"), "label", "share", None, "share"
    )
    after = None
    if plan.after is not None:
        t = plan.after.table
        after = [
            {"area": r.area_name, "verdict": r.verdict, "share": _fmt(r.share, "share")}
            for r in t[t["rule_id"] == plan.rule].itertuples()
        ]
    return {
        "rule": plan.rule,
        "rows": rows,
        "chart": chart,
        "method": f"{s.method} ({s.status}; optimality gap {s.gap:.2%}; {s.elapsed_s:.1f} s)",
        "before": f"{s.existing_weight:,.0f}",
        "after_total": f"{s.covered_weight:,.0f}",
        "total": f"{s.total_weight:,.0f}",
        "after": after,
        "notes": plan.notes,
    }


def _comparison_section(cmp: pd.DataFrame | None, lang: str) -> list[dict[str, Any]] | None:
    if cmp is None:
        return None
    cols = [c for c in cmp.columns if c.startswith("verdict_")][:2]
    if len(cols) < 2:
        msg = "comparison must be the output of healthcov.compare(a, b)"
        raise InputError(msg)
    out = []
    for _, r in cmp[cmp["changed"]].iterrows():
        out.append(
            {
                "area": r["area_name"],
                "rule": r["rule_zh"] if lang == "zh" else r["rule_en"],
                "a": _VERDICT[lang].get(str(r[cols[0]]), str(r[cols[0]])),
                "b": _VERDICT[lang].get(str(r[cols[1]]), str(r[cols[1]])),
                "direction": r["direction"],
                "delta": _fmt(r.get("delta_pop_covered")),
                "names": (cols[0][8:], cols[1][8:]),
            }
        )
    return out


def render_report(
    result: Any,
    *,
    lang: str = "zh",
    title: str | None = None,
    sources: Sequence[dict[str, str]] | None = None,
    map_html: str | None = None,
    date: str | None = None,
    sites: Any = None,
    comparison: pd.DataFrame | None = None,
) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    if not hasattr(result, "table") or not hasattr(result, "profile"):
        msg = "write_report needs the result of healthcov.assess(...)"
        raise InputError(msg)
    lang = "zh" if str(lang).lower().startswith(("zh", "cn")) else "en"
    T, V = _TEXT[lang], _VERDICT[lang]
    t = result.table
    summary = result.summary().reset_index()
    worst = result.areas.sort_values(["n_fail", "n_partial"], ascending=False)
    worst = worst[worst["n_fail"] + worst["n_partial"] > 0].head(5)
    rows = []
    for _, r in t.iterrows():
        rows.append(
            {
                "area": r["area_name"],
                "cls": _CLASS[lang].get(str(r["area_class"]), str(r["area_class"])),
                "rule": r["rule_zh"] if lang == "zh" else r["rule_en"],
                "standard": r["standard"] if isinstance(r["standard"], str) else "",
                "value": _fmt(r["value"], r["unit"]),
                "verdict": str(r["verdict"]),
                "verdict_text": V.get(str(r["verdict"]), str(r["verdict"])),
                "strictest": V.get(str(r["verdict_strictest"]), "") if r["verdict_strictest"] != r["verdict"] else "",
                "shortfall": _fmt(r["shortfall"]) if r["shortfall"] == r["shortfall"] and r["shortfall"] else "",
                "source": " · ".join(
                    x
                    for x in (
                        r.get("source_clause") if isinstance(r.get("source_clause"), str) else "",
                        r["source_ref"],
                    )
                    if x
                ),
                "note": r["note"] if isinstance(r["note"], str) else "",
            }
        )
    a = result.assumptions
    methods = [
        ("profile chain / 标准层级", " → ".join(a.get("profile_chain", []))),
        ("service-circle travel modes / 服务圈出行方式", ", ".join(f"{k}: {v}" for k, v in a["circle_modes"].items())),
        ("ambulance activation delay / 急救出车准备时间", f"{a['activation_delay_min']:g} min"),
        ("coverage share for pass / partial / 达标覆盖率", f"{a['target_share']:.0%} / {a['partial_share']:.0%}"),
        ("radius verdict metric / 服务半径计算方式", a["radius_metric"]),
        ("cross-boundary service / 跨区就医", "yes" if a["cross_boundary"] else "no"),
        ("facility statuses counted / 计入的设施状态", ", ".join(a["statuses"])),
        ("population / 人口", a["population_method"]),
        ("area population / 区域人口", a["area_population"]),
    ]
    for name, info in a.get("networks", {}).items():
        mode = info["mode"]
        speeds = ", ".join(f"{k} {v:g}" for k, v in list(mode.get("speeds_kph", {}).items())[:8])
        methods.append(
            (
                f"{name} network / 路网",
                f"{info['nodes']:,} nodes; source {info.get('source')}; speeds (km/h) {speeds} …; "
                f"factor {mode.get('speed_factor', 1):g}",
            )
        )
    classes = [(k, v) for k, v in a.get("area_classification", {}).items()]
    if map_html is None:
        from .standalone import standalone_html

        site_points = sites.sites if sites is not None else None
        map_html = standalone_html(explore_assessment(result, lang=lang, sites=site_points))
    return _TEMPLATE.get_template("report.html").render(
        T=T,
        lang=lang,
        title=title or T["title"],
        profile=result.profile,
        date=date or _dt.date.today().isoformat(),
        sources=list(sources) if sources is not None else DEFAULT_SOURCES,
        summary=summary.to_dict("records"),
        worst=worst[["area_name", "n_fail", "n_partial"]].to_dict("records"),
        pop_nc=float(t.loc[t["kind"] == "service_circle", "pop_not_covered"].sum()),
        rows=rows,
        sections=_sections(result, lang),
        methods=methods,
        classes=classes,
        notes=a.get("notes", []),
        looser=result.looser.to_dict("records") if len(result.looser) else [],
        reference=result.reference.to_dict("records") if len(result.reference) else [],
        map_srcdoc=map_html,
        sites=_sites_section(sites, lang),
        comparison=_comparison_section(comparison, lang),
        verdict_colours=VERDICT_COLOURS,
        fmt=_fmt,
    )


def write_report(
    result: Any,
    path: str | Path,
    *,
    lang: str = "zh",
    title: str | None = None,
    sources: Sequence[dict[str, str]] | None = None,
    exports: bool = True,
    sites: Any = None,
    comparison: pd.DataFrame | None = None,
) -> Path:
    """Write the report to ``path`` (one self-contained HTML file) and the exports beside it.

    Exports (with ``exports=True``): ``<name>.gpkg`` (layers ``areas`` with verdict counts,
    ``facilities``, ``demand`` with per-rule coverage, ``verdicts`` joined to the areas) and
    ``<name>.csv`` (the verdict table, UTF-8 with BOM for Excel). ``sites`` (a
    :class:`~healthcov.SitePlan`) adds a "where to build next" section and map layer;
    ``comparison`` (from :func:`healthcov.compare`) a "plan versus standard" section. All files are written to
    temporary names and renamed only when every one of them succeeded.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        msg = f"report path {str(path)!r} must end in .html"
        raise InputError(msg)
    if not path.parent.exists():
        msg = f"folder {str(path.parent)!r} does not exist: create it first"
        raise InputError(msg)
    text = render_report(result, lang=lang, title=title, sources=sources, sites=sites, comparison=comparison)
    with ExitStack() as stack:
        tmp_html = stack.enter_context(atomic_path(path))
        tmp_html.write_text(text, encoding="utf-8")
        if exports:
            tmp_csv = stack.enter_context(atomic_path(path.with_suffix(".csv")))
            result.table.to_csv(tmp_csv, index=False, encoding="utf-8-sig")
            tmp_gpkg = stack.enter_context(atomic_path(path.with_suffix(".gpkg")))
            _write_gpkg(result, tmp_gpkg)
    return path


def _write_gpkg(result: Any, path: Path) -> None:
    from ..standards.engine import write_layers

    write_layers(result, path)
