"""The first screen of the report: the area × rule matrix, headline numbers, "not assessed, and why".

Also :func:`assessment_html`, the formatted table Jupyter shows for an assessment.
Everything here lays out ``Assessment.table``; nothing is computed beyond counting and summing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .evidence import area_label, ratio_text, reason_words
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

__all__ = ["Matrix", "cell_value", "build_matrix", "matrix_html", "assessment_html", "headlines", "not_assessed"]

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


def cell_value(row: dict[str, Any] | None, lang: str) -> str:
    """The value a matrix cell shows: ratio rows as rate / plan's rate with the counts; else value with unit."""
    if row is None:
        return ""
    v = str(row["verdict"])
    if str(row.get("kind")) == "ratio" and v in (*_ASSESSED, "not_assessed"):
        return ratio_text(row, lang)
    return fmt_value(row.get("value"), row.get("unit"), lang) if v in _ASSESSED else ""


def _cell(row: dict[str, Any] | None, lang: str) -> str:
    v = "not_applicable" if row is None else str(row["verdict"])
    value = cell_value(row, lang)
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


def _reasons(result: Any, rows: pd.DataFrame, lang: str) -> list[str]:
    """Why rows are not assessed, in plain words: by note code (``missing_in_input``…), else the note text."""
    reasons: list[str] = []
    for _, r in rows.iterrows():
        notes = result.notes_of(str(r["rule_id"]), str(r["area_code"])) if getattr(result, "notes", None) else []
        words = [w for n in notes if (w := reason_words(n, lang))] if notes else None
        if not words:
            words = [p for p in note_text(r.get("note"), lang) if not p.startswith(("还需", "need "))]
        reasons += [w for w in words if w not in reasons]
    return reasons


def not_assessed(result: Any, lang: str) -> list[dict[str, Any]]:
    """Rules not assessed somewhere, with which areas and why in plain words (from the notes' codes)."""
    t = result.table
    out = []
    for rid, g in t.groupby("rule_id", sort=False):
        rows = g[g["verdict"] == "not_assessed"]
        if rows.empty:
            continue
        names = [area_label(c, a, lang) for c, a in zip(rows["area_code"], rows["area_name"])]
        every = len(rows) == len(g) and len(g) > 1
        out.append(
            {
                "rule_id": rid,
                "title": _title(g.iloc[0], lang),
                "kind": "not_assessed",
                "areas": ("全部区域" if lang == "zh" else "all areas")
                if every
                else ("、" if lang == "zh" else ", ").join(names),
                "reasons": _reasons(result, rows, lang),
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
