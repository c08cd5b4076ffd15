"""The first screen of the report: the area × rule matrix, headline numbers, "not assessed, and why".

Also :func:`assessment_html`, the formatted table Jupyter shows for an assessment.
Everything here lays out ``Assessment.table``; nothing is computed beyond counting and summing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .text import (
    VERDICT_COLOURS,
    VERDICT_INK,
    VERDICT_RANK,
    VERDICT_SYMBOLS,
    fmt_num,
    fmt_value,
    norm_lang,
    note_text,
    requirement,
    verdict_text,
)

__all__ = ["Matrix", "build_matrix", "matrix_html", "assessment_html", "headlines", "not_assessed"]

_ASSESSED = ("pass", "partial", "fail")


@dataclass(frozen=True)
class Matrix:
    """Rows areas (worst first), columns rules; ``cells[(area_code, rule_id)]`` is a table row."""

    areas: list[tuple[str, str]]  # (area_code, area_name), worst first
    rules: list[tuple[str, str]]  # (rule_id, title in the report's language)
    cells: dict[tuple[str, str], dict[str, Any]]
    wide: list[dict[str, Any]]  # jurisdiction-wide rows (area_code "*")


def _title(row: Any, lang: str) -> str:
    return str(row["rule_zh"] if lang == "zh" else row["rule_en"])


def build_matrix(result: Any, lang: str = "zh") -> Matrix:
    """The area × rule matrix of an assessment (areas with the most failures, then partials, first)."""
    lang = norm_lang(lang)
    t = result.table
    per_area = t[t["area_code"] != "*"]
    rules = [(rid, _title(g.iloc[0], lang)) for rid, g in per_area.groupby("rule_id", sort=False)]
    rank = per_area.assign(r=per_area["verdict"].map(VERDICT_RANK).fillna(9))
    score = rank.groupby(["area_code", "area_name"], sort=False).agg(
        n_fail=("verdict", lambda v: int((v == "fail").sum())),
        n_partial=("verdict", lambda v: int((v == "partial").sum())),
    )
    score = score.reset_index().sort_values(["n_fail", "n_partial", "area_name"], ascending=[False, False, True])
    areas = list(zip(score["area_code"].astype(str), score["area_name"].astype(str)))
    cells = {(str(r["area_code"]), str(r["rule_id"])): r.to_dict() for _, r in per_area.iterrows()}
    wide = [r.to_dict() for _, r in t[t["area_code"] == "*"].iterrows()]
    return Matrix(areas=areas, rules=rules, cells=cells, wide=wide)


def _cell(row: dict[str, Any] | None, lang: str) -> str:
    v = "not_applicable" if row is None else str(row["verdict"])
    value = "" if row is None or v not in _ASSESSED else fmt_value(row.get("value"), row.get("unit"), lang)
    word = verdict_text(v, lang)
    return (
        f'<td class="cell v-{v}" data-verdict="{v}" title="{html.escape(word)}">'
        f'<span class="sym">{VERDICT_SYMBOLS.get(v, "")}</span> <span class="word">{html.escape(word)}</span>'
        f"{f'<br><span class=val>{html.escape(value)}</span>' if value else ''}</td>"
    )


def matrix_html(m: Matrix, lang: str, area_label: str) -> str:
    """The matrix as an HTML table (``#matrix``): a header of rules, a row per area."""
    head = "".join(f'<th scope="col" data-rule="{html.escape(rid)}">{html.escape(t)}</th>' for rid, t in m.rules)
    rows = []
    for code, name in m.areas:
        cells = "".join(_cell(m.cells.get((code, rid)), lang) for rid, _ in m.rules)
        rows.append(f'<tr data-area="{html.escape(code)}"><th scope="row">{html.escape(name)}</th>{cells}</tr>')
    return (
        '<table id="matrix" class="matrix"><thead><tr>'
        f'<th scope="col">{html.escape(area_label)}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def headlines(result: Any, lang: str) -> list[dict[str, Any]]:
    """Per rule with per-resident coverage: residents not covered, summed over the areas actually assessed."""
    t = result.table
    t = t[t["area_code"] != "*"]
    out = []
    for rid, g in t.groupby("rule_id", sort=False):
        if g["pop_not_covered"].isna().all() and not (g["verdict"] == "not_assessed").all():
            continue
        if str(g["kind"].iloc[0]) not in ("service_circle", "service_radius", "response_time"):
            continue
        assessed = g[g["verdict"].isin(_ASSESSED) & g["pop_not_covered"].notna()]
        out.append(
            {
                "rule_id": rid,
                "title": _title(g.iloc[0], lang),
                "assessed": len(assessed) > 0,
                "pop_not_covered": float(assessed["pop_not_covered"].sum()) if len(assessed) else None,
                "n_areas": len(assessed),
                "n_total": len(g),
                "n_fail": int((g["verdict"] == "fail").sum()),
            }
        )
    return out


def not_assessed(result: Any, lang: str) -> list[dict[str, Any]]:
    """Rules not assessed somewhere (with which areas and why, in plain words), and rules judged on absent data."""
    t = result.table
    out = []
    for rid, g in t.groupby("rule_id", sort=False):
        na = g[g["verdict"] == "not_assessed"]
        nodata = g[g["verdict"].eq("fail") & g["note"].fillna("").str.contains("no facilities of type")]
        for rows, kind in ((na, "not_assessed"), (nodata, "no_data")):
            if rows.empty:
                continue
            reasons: list[str] = []
            for n in rows["note"]:
                for part in note_text(n, lang):
                    if part not in reasons and not part.startswith(("还需", "need ")):
                        reasons.append(part)
            names = rows["area_name"].astype(str).tolist()
            every = len(rows) == len(g)
            out.append(
                {
                    "rule_id": rid,
                    "title": _title(g.iloc[0], lang),
                    "kind": kind,
                    "areas": ("全部区域" if lang == "zh" else "all areas")
                    if every and len(g) > 1
                    else "、".join(names)
                    if lang == "zh"
                    else ", ".join(names),
                    "reasons": reasons,
                }
            )
    return out


def _row_html(r: pd.Series, lang: str) -> str:
    v = str(r["verdict"])
    style = f"background:{VERDICT_COLOURS.get(v, '#ccc')};color:{VERDICT_INK.get(v, '#222')}"
    nc = r.get("pop_not_covered")
    cells = [
        html.escape(str(r["area_name"])),
        html.escape(_title(r, lang)),
        html.escape(requirement(r.get("standard"), lang)),
        html.escape(fmt_value(r.get("value"), r.get("unit"), lang)),
        f'<span class="v v-{v}" style="{style};padding:0 4px;border-radius:3px">'
        f"{VERDICT_SYMBOLS.get(v, '')} {html.escape(verdict_text(v, lang))}</span>",
        fmt_num(nc),
        fmt_value(r.get("mean_min"), "min", lang),
        fmt_value(r.get("p90_min"), "min", lang),
    ]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def assessment_html(result: Any, lang: str = "zh", *, max_rows: int = 500) -> str:
    """An assessment as a formatted HTML table (what Jupyter should show for it).

    Verdicts coloured and with their symbol, values with units (percent, minutes, facilities),
    residents not covered with thousands separators, mean and 90th-percentile minutes.
    """
    lang = norm_lang(lang)
    head = (
        ["区域", "标准", "要求", "现状值", "结论", "未覆盖人口（人）", "平均（分钟）", "P90（分钟）"]
        if lang == "zh"
        else ["Area", "Standard", "Requirement", "Value", "Verdict", "Not covered (residents)", "Mean", "P90"]
    )
    t = result.table
    body = "".join(_row_html(r, lang) for _, r in t.head(max_rows).iterrows())
    more = f"<p>… {len(t) - max_rows:,} more rows</p>" if len(t) > max_rows else ""
    title = html.escape(f"{result.profile.name_zh} / {result.profile.name_en}")
    return (
        f'<div class="healthcov-assessment"><b>{title}</b>'
        '<table style="border-collapse:collapse"><thead><tr>'
        + "".join(f"<th>{h}</th>" for h in head)
        + f"</tr></thead><tbody>{body}</tbody></table>{more}</div>"
    )
