"""The planning-meeting report: ONE self-contained HTML file, plus CSV, GeoPackage and Excel beside it.

The report computes nothing: it lays out an :class:`~healthcov.standards.engine.Assessment` and
the layers :func:`healthcov.service_layers` made of it. First screen: a title, the area × rule
matrix (worst areas first), residents not covered per rule and a "not assessed, and why" box.
Then the interactive map (one rule at a time), one A4 page per rule with a static map, chart and
table, and the methods. All files are written as one set (:func:`~.exports.write_files`).
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from ..errors import InputError
from .assessment_map import explore_assessment
from .evidence import (
    area_label,
    counted_names,
    note_words,
    partial_data_warnings,
    ratio_text,
    row_notes,
    sensitivity_table,
    status_text,
)
from .exports import write_csv, write_files, write_gpkg, write_xlsx
from .matrix import build_matrix, headlines, matrix_html, not_assessed
from .methods import class_rows, looser_rows, methods_rows
from .text import (
    STATUS,
    VERDICT_COLOURS,
    VERDICT_INK,
    VERDICT_SYMBOLS,
    caveat,
    clause_ref,
    fmt_num,
    fmt_value,
    norm_lang,
    note_text,
    plan_name,
    requirement,
    verdict_text,
)

__all__ = ["write_report", "render_report", "DEFAULT_SOURCES", "report_title", "report_sources", "bar_chart"]

DEFAULT_SOURCES = {
    "zh": [{"name": "OpenStreetMap 路网", "date": "见路网文件", "licence": "ODbL 1.0 — © OpenStreetMap 贡献者"}],
    "en": [
        {
            "name": "OpenStreetMap road network",
            "date": "as in the network file",
            "licence": "ODbL 1.0 — © OpenStreetMap contributors",
        }
    ],
}

_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "jurisdiction": "规划范围",
        "profile": "标准依据",
        "date": "生成日期",
        "sources": "数据来源",
        "overview": "总览：区域 × 标准",
        "headline": "未覆盖居民",
        "people": "人",
        "not_assessed_all": "未评估",
        "of_areas": "个区域",
        "na_box": "未评估的标准及原因",
        "nodata": "数据中缺少相应设施，结论仅反映输入数据",
        "area": "区域",
        "rule": "标准",
        "requirement": "要求",
        "value": "现状值",
        "verdict": "结论",
        "pop_nc": "未覆盖人口（人）",
        "mean": "平均（分钟）",
        "p90": "P90（分钟）",
        "shortfall": "缺口",
        "clause": "依据条款",
        "map": "交互地图（一次显示一项标准）",
        "pages": "分项标准",
        "table": "全部评估结果",
        "wide": "全市范围指标",
        "methods": "方法与假设",
        "classes": "城乡划分",
        "looser": "下级规划宽于上级标准之处",
        "local": "本级规划",
        "parent": "上级规划",
        "reference": "未做空间评估的标准",
        "reason": "原因",
        "notes": "数据说明",
        "name": "名称",
        "licence": "许可",
        "strictest": "从严标准结论",
        "status": "性质",
        "symbols": "✓ 达标　△ 部分达标　✗ 未达标　? 未评估　– 不适用",
        "chart_share": "覆盖率（虚线为标准）",
        "chart_min": "平均时间（分钟，虚线为标准）",
        "chart_ratio": "现有 / 需要（虚线为 100%）",
        "chart_rate": "现状比率（虚线为规划标准）",
        "partial_box": "数据不全：路网未覆盖全部居民",
        "coverage": "路网覆盖居民",
        "counted": "计入的设施",
        "sensitivity": "响应时间敏感性分析（平均响应时间，限值内居民比例）",
        "sens_limit": "限值",
        "footer": "本报告由 healthcov 生成；人口分布为估算值，结论供规划讨论参考。",
        "title_suffix": "卫生健康服务评估",
        "standard_of": "标准",
    },
    "en": {
        "jurisdiction": "Jurisdiction",
        "profile": "Standards",
        "date": "Date",
        "sources": "Data sources",
        "overview": "Overview: areas × standards",
        "headline": "Residents not covered",
        "people": "residents",
        "not_assessed_all": "not assessed",
        "of_areas": "areas",
        "na_box": "Not assessed, and why",
        "nodata": "the input has none of these facilities: the verdict reflects the input only",
        "area": "Area",
        "rule": "Standard",
        "requirement": "Requirement",
        "value": "Value",
        "verdict": "Verdict",
        "pop_nc": "Not covered (residents)",
        "mean": "Mean (min)",
        "p90": "P90 (min)",
        "shortfall": "Shortfall",
        "clause": "Clause",
        "map": "Interactive map (one standard at a time)",
        "pages": "Standard by standard",
        "table": "All verdicts",
        "wide": "Jurisdiction-wide indicators",
        "methods": "Methods and assumptions",
        "classes": "Urban / rural",
        "looser": "Where the local plan is looser than a higher-level standard",
        "local": "Local plan",
        "parent": "Higher-level plan",
        "reference": "Standards not assessed spatially",
        "reason": "Why",
        "notes": "Data caveats",
        "name": "Name",
        "licence": "Licence",
        "strictest": "Strictest applicable",
        "status": "Status",
        "symbols": "✓ pass   △ partial   ✗ fail   ? not assessed   – not applicable",
        "chart_share": "share covered (dashed: the standard)",
        "chart_min": "mean minutes (dashed: the standard)",
        "chart_ratio": "present / required (dashed: 100 %)",
        "chart_rate": "rate (dashed: the plan's rate)",
        "partial_box": "Partial data: the network does not reach every resident",
        "coverage": "Residents the network reaches",
        "counted": "Facilities counted",
        "sensitivity": "Response-time sensitivity (mean response, share of residents within the limit)",
        "sens_limit": "limit",
        "footer": "Made with healthcov. Population distribution is an estimate; verdicts support planning discussion.",
        "title_suffix": "health-care access",
        "standard_of": "standards",
    },
}

_TEMPLATE = jinja2.Environment(
    loader=jinja2.PackageLoader("healthcov.report", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
)


def report_title(result: Any, lang: str) -> str:
    """A title from the areas: ``黄浦区、静安区、虹口区卫生健康服务评估（宁波市标准）``."""
    lang = norm_lang(lang)
    names = [str(n) for n in result.areas["area_name"]]
    T = _TEXT[lang]
    if lang == "zh":
        where = "、".join(names) if len(names) <= 3 else f"{result.profile.name_zh}{len(names)}个区域"
        return f"{where}{T['title_suffix']}（{result.profile.name_zh}{T['standard_of']}）"
    where = ", ".join(names) if len(names) <= 3 else f"{len(names)} areas"
    return f"{where}: {T['title_suffix']} against the {result.profile.name_en} standards"


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    verdicts: Sequence[str],
    *,
    limit: float | None,
    unit: str,
    lang: str,
) -> str:
    """A horizontal bar chart as inline SVG; every bar labelled with its value and unit, also beyond 100 %."""
    vals = np.asarray(values, dtype=float)
    keep = np.isfinite(vals)
    if not keep.any():
        return ""
    top = max(float(np.nanmax(vals[keep])), float(limit or 0.0), 1.0 if unit == "share" else 0.0) or 1.0
    if limit is not None and np.isfinite(limit) and limit > 0:
        top = min(top, 2.0 * float(limit))  # 16,400 % would squash every other bar: longer ones end in "▶"
    h, w, left, right = 18, 380, 110, 90
    height = h * int(keep.sum()) + 28
    parts = [
        f'<svg class="chart" viewBox="0 0 {w + left + right} {height}" role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    i = 0
    for lab, v, verdict, k in zip(labels, vals, verdicts, keep):
        if not k:
            continue
        y, bw = 4 + i * h, min(max(0.0, v / top * w), w)
        more = "▶ " if v > top else ""
        colour = VERDICT_COLOURS.get(str(verdict), "#8C8C8C")
        parts.append(
            f'<text x="{left - 6}" y="{y + 12}" text-anchor="end" font-size="12">{html.escape(str(lab))}</text>'
            f'<rect x="{left}" y="{y}" width="{bw:.1f}" height="{h - 5}" fill="{colour}" '
            'stroke="#333" stroke-width=".5"/>'
            f'<text x="{left + bw + 4:.1f}" y="{y + 12}" font-size="11">'
            f"{more}{html.escape(fmt_value(v, unit, lang))}</text>"
        )
        i += 1
    if limit is not None and np.isfinite(limit):
        x = left + limit / top * w
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#000" stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="{height - 5}" font-size="11" text-anchor="middle">'
            f"{html.escape(fmt_value(limit, unit, lang))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _chart(rows: pd.DataFrame, kind: str, lang: str) -> tuple[str, str]:
    T = _TEXT[lang]
    labels, verdicts = rows["area_name"].tolist(), rows["verdict"].tolist()
    if kind in ("service_circle", "service_radius"):
        lim = rows["threshold"].dropna()
        return bar_chart(
            labels, rows["share"], verdicts, limit=float(lim.max()) if len(lim) else None, unit="share", lang=lang
        ), T["chart_share"]
    if kind == "response_time":
        lim = rows["threshold"].dropna()
        return bar_chart(
            labels, rows["mean_min"], verdicts, limit=float(lim.max()) if len(lim) else None, unit="min", lang=lang
        ), T["chart_min"]
    if kind in ("ratio", "access_ratio"):
        lim = rows["threshold"].dropna()
        unit = str(rows["unit"].dropna().iloc[0]) if rows["unit"].notna().any() else ""
        return bar_chart(
            labels, rows["value"], verdicts, limit=float(lim.max()) if len(lim) else None, unit=unit, lang=lang
        ), T["chart_rate"]
    if kind == "count_per_area":
        ratio = rows["present"].astype(float) / rows["required"].astype(float).replace(0, np.nan)
        return bar_chart(labels, ratio, verdicts, limit=1.0, unit="share", lang=lang), T["chart_ratio"]
    return "", ""


def _coverage(r: Any, lang: str) -> str:
    """The share of the area's residents the network reaches, flagged under the threshold."""
    cov = r.get("data_coverage")
    if _missing(cov):
        return ""
    flag = bool(r.get("partial_data")) and not _missing(r.get("partial_data"))
    return f"{float(cov):.0%}" + ((" ⚠ 数据不全" if lang == "zh" else " ⚠ partial data") if flag else "")


def _area_rows(result: Any, rows: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    out = []
    for _, r in rows.iterrows():
        v = str(r["verdict"])
        strict = str(r.get("verdict_strictest"))
        ratio = str(r.get("kind")) == "ratio"
        out.append(
            {
                "area": area_label(r["area_code"], r["area_name"], lang),
                "verdict": v,
                "symbol": VERDICT_SYMBOLS.get(v, ""),
                "verdict_text": verdict_text(v, lang),
                "requirement": requirement(r.get("standard"), lang),
                "value": (ratio_text(r, lang) or "–") if ratio else fmt_value(r.get("value"), r.get("unit"), lang),
                "pop_nc": fmt_num(r.get("pop_not_covered")),
                "mean": fmt_value(r.get("mean_min"), "min", lang).split(" ")[0],
                "p90": fmt_value(r.get("p90_min"), "min", lang).split(" ")[0],
                "shortfall": ""
                if _missing(r.get("shortfall")) or not r.get("shortfall")
                else fmt_num(r.get("shortfall")),
                "strictest": verdict_text(strict, lang) if strict not in (v, "nan", "None") else "",
                "coverage": _coverage(r, lang),
                "partial_data": bool(r.get("partial_data")) and not _missing(r.get("partial_data")),
                "counted": counted_names(r),
                "notes": row_notes(result, r, lang),
            }
        )
    return out


def _plan_facts(first: Any, lang: str) -> str:
    """Target year, 2020 baseline and the plan's status: ``目标年份 2025；2020年基线 4.72；规划文本状态 送审稿``."""
    parts = []
    year, base, status = first.get("target_year"), first.get("baseline_2020"), status_text(first, lang)
    if not _missing(year):
        parts.append(f"目标年份 {int(year)}" if lang == "zh" else f"target year {int(year)}")
    if not _missing(base):
        b = fmt_value(base, first.get("unit"), lang)
        parts.append(f"2020年基线 {b}" if lang == "zh" else f"2020 baseline {b}")
    if status:
        parts.append(f"规划文本状态 {status}" if lang == "zh" else f"plan status: {status}")
    return ("；" if lang == "zh" else "; ").join(parts)


def _rule_pages(result: Any, layers: Any, lang: str, static_maps: bool) -> list[dict[str, Any]]:
    from .static_maps import rule_map_svg

    t = result.table
    pages = []
    for rid, rows in t[t["area_code"] != "*"].groupby("rule_id", sort=False):
        first = rows.iloc[0]
        chart, chart_title = _chart(rows, str(first["kind"]), lang)
        pages.append(
            {
                "id": rid,
                "title": first["rule_zh"] if lang == "zh" else first["rule_en"],
                "status": STATUS[lang].get(str(first["status"]), str(first["status"])),
                "clause": clause_ref(first["profile"], first.get("source_clause"), first["source_ref"], lang),
                "quote": first["source_quote"] if lang == "zh" and isinstance(first["source_quote"], str) else "",
                "requirement": requirement(
                    rows["standard"].dropna().iloc[0] if rows["standard"].notna().any() else None, lang
                ),
                "map": rule_map_svg(result, rid, layers, lang=lang) if static_maps else "",
                "chart": chart,
                "chart_title": chart_title,
                "rows": (area_rows := _area_rows(result, rows, lang)),
                "notes": grouped_notes(area_rows, lang),
                "facts": _plan_facts(first, lang),
                "counted": [(r["area"], r["counted"]) for r in area_rows if r["counted"]],
                "coverage": any(r["coverage"] for r in area_rows),
                "sensitivity": sensitivity_table(result, str(rid), lang),
            }
        )
    return pages


def grouped_notes(rows: list[dict[str, Any]], lang: str) -> list[tuple[str, str]]:
    """Each note once, with the areas it concerns (every area: "全部区域" / "all areas")."""
    by_text: dict[str, list[str]] = {}
    for r in rows:
        text = ("；" if lang == "zh" else "; ").join(r["notes"])
        if text:
            by_text.setdefault(text, []).append(str(r["area"]))
    every = "全部区域" if lang == "zh" else "all areas"
    sep = "、" if lang == "zh" else ", "
    return [(every if len(a) == len(rows) > 1 else sep.join(a), text) for text, a in by_text.items()]


def _wide_rows(result: Any, lang: str) -> list[dict[str, Any]]:
    t = result.table
    rows = t[t["area_code"] == "*"]
    out = _area_rows(result, rows, lang)
    for row, (_, r) in zip(out, rows.iterrows()):
        row["rule"] = r["rule_zh"] if lang == "zh" else r["rule_en"]
        row["clause"] = clause_ref(r["profile"], r.get("source_clause"), r["source_ref"], lang)
    return out


def _sites_section(plan: Any, lang: str) -> dict[str, Any] | None:
    if plan is None:
        return None
    s = plan.solution
    rows = [
        {
            "n": i + 1,
            "name": r.get("name", ""),
            "lon": f"{r.geometry.x:.5f}",
            "lat": f"{r.geometry.y:.5f}",
            "gain": fmt_num(r["newly_covered"]),
        }
        for i, (_, r) in enumerate(plan.sites.to_crs(4326).iterrows())
    ]
    curve = plan.curve
    chart = bar_chart(
        curve["n_sites"].astype(str).tolist(),
        curve["share"],
        ["pass"] * len(curve),
        limit=None,
        unit="share",
        lang=lang,
    )
    after = None
    if plan.after is not None:
        t = plan.after.table
        after = [
            {"area": r.area_name, "verdict": r.verdict, "share": fmt_value(r.share, "share", lang)}
            for r in t[t["rule_id"] == plan.rule].itertuples()
        ]
    gap = f"{s.gap:.2%}"
    method = (
        f"{s.method}（{s.status}；最优性差距 {gap}；{s.elapsed_s:.1f} 秒）"
        if lang == "zh"
        else f"{s.method} ({s.status}; optimality gap {gap}; {s.elapsed_s:.1f} s)"
    )
    return {
        "rule": plan.rule,
        "rows": rows,
        "chart": chart,
        "method": method,
        "before": fmt_num(s.existing_weight),
        "after_total": fmt_num(s.covered_weight),
        "total": fmt_num(s.total_weight),
        "after": after,
        "notes": [n for note in plan.notes for n in note_text(note, lang)],
    }


def _comparison_section(cmp: pd.DataFrame | None, lang: str) -> list[dict[str, Any]] | None:
    if cmp is None:
        return None
    cols = [c for c in cmp.columns if c.startswith("verdict_")][:2]
    if len(cols) < 2:
        msg = "comparison must be the output of healthcov.compare(a, b)"
        raise InputError(msg)
    return [
        {
            "area": r["area_name"],
            "rule": r["rule_zh"] if lang == "zh" else r["rule_en"],
            "a": verdict_text(r[cols[0]], lang),
            "b": verdict_text(r[cols[1]], lang),
            "direction": r["direction"],
            "delta": fmt_num(r.get("delta_pop_covered")),
            "names": (cols[0][8:], cols[1][8:]),
        }
        for _, r in cmp[cmp["changed"]].iterrows()
    ]


def report_sources(sources: Any, lang: str) -> list[dict[str, str]]:
    """The data sources in the report's language: a list, or ``{"zh": [...], "en": [...]}``."""
    if sources is None:
        return DEFAULT_SOURCES[lang]
    if isinstance(sources, Mapping):
        if lang not in sources:
            msg = f"sources has no {lang!r} list: give {{'zh': [...], 'en': [...]}} or one list"
            raise InputError(msg)
        return list(sources[lang])
    return list(sources)


def plan_rows(result: Any, lang: str) -> list[tuple[str, str]]:
    """Methods rows: the target year(s) and each plan's text status (已印发, 送审稿, 初稿) behind the rules."""
    t = result.table
    if "target_year" not in t.columns:
        return []
    sep = "；" if lang == "zh" else "; "
    years = sorted({int(y) for y in t["target_year"].dropna()})
    status = {}
    for _, r in t.drop_duplicates("profile").iterrows():
        said = status_text(r, lang)
        if said:
            status[plan_name(r["profile"], lang)] = said
    rows = []
    if years:
        rows.append(("目标年份" if lang == "zh" else "Target year", "、".join(map(str, years))))
    if status:
        label = "规划文本状态" if lang == "zh" else "Plan status"
        rows.append((label, sep.join(f"{k}{'：' if lang == 'zh' else ': '}{v}" for k, v in status.items())))
    return rows


def run_notes(result: Any, lang: str) -> list[str]:
    """The run's data caveats (notes about no one rule); what the boxes on the first page say is left out."""
    if getattr(result, "notes", None):
        run = [n for n in result.notes if n.rule_id is None and n.code not in ("missing_in_input", "lack_of_data")]
        return list(dict.fromkeys(note_words(n, lang) for n in run))
    return [n for a in result.assumptions.get("notes", []) if (n := caveat(a, lang))]


def render_report(
    result: Any,
    layers: Any = None,
    *,
    lang: str = "zh",
    title: str | None = None,
    sources: Sequence[dict[str, str]] | Mapping[str, Sequence[dict[str, str]]] | None = None,
    map_html: str | None = None,
    date: str | None = None,
    sites: Any = None,
    comparison: pd.DataFrame | None = None,
    static_maps: bool = True,
    tiles: str | None = None,
) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    if not hasattr(result, "table") or not hasattr(result, "profile"):
        msg = "write_report needs the result of healthcov.assess(...)"
        raise InputError(msg)
    lang = norm_lang(lang)
    T = _TEXT[lang]
    m = build_matrix(result, lang)
    if map_html is None:
        from .standalone import standalone_html

        site_points = sites.sites if sites is not None else None
        map_html = standalone_html(explore_assessment(result, layers, lang=lang, sites=site_points, tiles=tiles))
    doc = result.profile.document
    reference = [
        {
            "rule": r["rule_zh"] if lang == "zh" else r["rule_en"],
            "clause": clause_ref(r["profile"], r.get("source_clause"), r["source_ref"], lang),
            "reason": r["reason"] if lang == "en" else "",
        }
        for _, r in result.reference.iterrows()
    ]
    notes = run_notes(result, lang)
    return _TEMPLATE.get_template("report.html").render(
        T=T,
        lang=lang,
        title=title or report_title(result, lang),
        profile=result.profile,
        plan=plan_name(result.profile.id, lang),
        doc_title=doc.get("title", "") if lang == "zh" else plan_name(result.profile.id, lang),
        doc_status=STATUS[lang].get(str(doc.get("status", "")), str(doc.get("status", ""))),
        date=date or _dt.date.today().isoformat(),
        sources=report_sources(sources, lang),
        matrix=matrix_html(m, lang, T["area"]),
        headlines=headlines(result, lang),
        na=not_assessed(result, lang),
        partial=partial_data_warnings(result, lang),
        pages=_rule_pages(result, layers, lang, static_maps),
        wide=_wide_rows(result, lang),
        map_srcdoc=map_html,
        methods=methods_rows(result.assumptions, lang) + plan_rows(result, lang),
        classes=class_rows(result.assumptions, lang),
        looser=looser_rows(result.looser, lang),
        reference=reference,
        notes=notes,
        sites=_sites_section(sites, lang),
        comparison=_comparison_section(comparison, lang),
        verdict_colours=VERDICT_COLOURS,
        verdict_ink=VERDICT_INK,
        fmt_num=fmt_num,
    )


def check_report_paths(path: str | Path, *, inputs: Iterable[Any] = (), exports: bool = True) -> Path:
    """Check a report's output paths before any work (the command line calls it before reading).

    ``path`` must end in ``.html`` and lie in an existing folder; neither it nor its exports
    (``.csv``, ``.gpkg``, ``.xlsx`` beside it) may be one of ``inputs`` or a folder. Returns the path.
    """
    path = Path(path)
    if path.is_dir():
        msg = f"report path {path.name!r} is a folder: give a file name such as {path.name}/report.html"
        raise InputError(msg)
    if path.suffix.lower() not in (".html", ".htm"):
        msg = f"report path {path.name!r} must end in .html"
        raise InputError(msg)
    if not path.parent.exists():
        msg = f"folder {path.parent.name!r} does not exist: create it first"
        raise InputError(msg)
    targets = [path] + ([path.with_suffix(s) for s in (".csv", ".gpkg", ".xlsx")] if exports else [])
    write_files({t: (lambda _p: None) for t in targets}, inputs=inputs, dry_run=True)
    return path


def write_report(
    result: Any,
    path: str | Path,
    layers: Any = None,
    *,
    lang: str = "zh",
    title: str | None = None,
    sources: Sequence[dict[str, str]] | Mapping[str, Sequence[dict[str, str]]] | None = None,
    exports: bool = True,
    sites: Any = None,
    comparison: pd.DataFrame | None = None,
    inputs: Iterable[Any] = (),
    tiles: str | None = None,
) -> Path:
    """Write the report to ``path`` (one self-contained HTML file) and its exports beside it.

    ``layers`` (from :func:`healthcov.service_layers`) adds the service areas and uncovered
    residents to the maps. Exports (``exports=True``): ``<name>.csv`` (verdict table),
    ``<name>.gpkg`` (QGIS-ready, see :func:`~.exports.write_gpkg`) and ``<name>.xlsx``. ``sites``
    (a :class:`~healthcov.SitePlan`) adds "where to build next"; ``comparison`` (from
    :func:`healthcov.compare`) a "plan versus standard" section. ``inputs``: the input files,
    which are never overwritten (refused before any work). All files are written as one set: on
    failure none is replaced and no temporary file is left.
    """
    path = check_report_paths(path, inputs=inputs, exports=exports)
    writers: dict[str | os.PathLike[str], Callable[[Path], None]] = {path: lambda _p: None}
    if exports:
        writers[path.with_suffix(".csv")] = lambda p: write_csv(result, p)
        writers[path.with_suffix(".gpkg")] = lambda p: write_gpkg(result, p, layers=layers, lang=lang)
        writers[path.with_suffix(".xlsx")] = lambda p: write_xlsx(result, p, lang=lang)
    text = render_report(
        result, layers, lang=lang, title=title, sources=sources, sites=sites, comparison=comparison, tiles=tiles
    )

    def write_html(p: Path) -> None:
        p.write_text(text, encoding="utf-8")

    writers[path] = write_html
    write_files(writers, inputs=inputs)
    return path
