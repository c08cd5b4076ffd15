"""What the verdict engine says beside each verdict, in the report's language.

Notes come from :attr:`Assessment.notes` (:class:`~healthcov.standards.notes.Note`) by code:
``text_zh`` / ``text_en``, or plain words of the report's own for the codes a reader must act on
(``missing_in_input``, ``no_network``, ``supply_unknown``…). The regex translation of
:mod:`.text` is only the fallback for a Chinese text that still carries English words.
Also here: ratio rows as a rate against the plan's rate with the counts, the partial-data
warnings, the facilities that counted and the response-time sensitivity table.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from .text import RESOURCES_ZH, caveat, fmt_num, fmt_value, note_text, rate_unit, types_text, verdict_text

__all__ = [
    "note_words",
    "row_notes",
    "reason_words",
    "REASON_CODES",
    "partial_data_warnings",
    "ratio_text",
    "counted_names",
    "sensitivity_table",
    "status_text",
    "area_label",
]

#: note codes that say why a row is not assessed (the "not assessed, and why" box shows these)
REASON_CODES = (
    "missing_in_input",
    "no_facilities",
    "no_network",
    "supply_unknown",
    "no_resource_column",
    "no_population",
    "no_threshold",
)
_LATIN = re.compile(r"[A-Za-z]{3,}")
_PLAN_STATUS_EN = {
    "issued": "issued",
    "draft_for_approval": "draft for approval",
    "first_draft": "first draft",
    "draft": "draft",
}


def area_label(code: Any, name: Any, lang: str) -> str:
    """An area's name; the engine's city-wide row "全部区域" / "all areas" in the report's language."""
    if str(code) == "*" and str(name) in ("全部区域", "all areas"):
        return "全部区域" if lang == "zh" else "all areas"
    return str(name)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _resource(text_en: str) -> str | None:
    m = re.search(r"has no '(\w+)' column", text_en) or re.search(r"required, supply unknown", text_en)
    if m is None:
        return None
    if m.groups():
        return m[1]
    m = re.match(r"^[\d,.]+ (\w+) required", text_en)
    return m[1] if m else None


def reason_words(note: Any, lang: str) -> str | None:
    """Plain words for a reason code, the same for every area (``None``: not a reason note)."""
    code, en = note.code, str(note.text_en)
    if code in ("missing_in_input", "no_facilities"):
        m = re.search(r"no (?:facilities of type )?([\w, ]+?) in the (?:input )?data", en)
        types = m[1] if m else ""
        return (
            f"输入数据中没有{types_text(types, 'zh')}"
            if lang == "zh"
            else f"no {types_text(types, 'en')} in the input data"
        )
    if code == "no_network":
        return "需要路网，但未提供路网" if lang == "zh" else "needs a road network; none was given"
    if code in ("supply_unknown", "no_resource_column"):
        res = _resource(en) or ""
        if lang == "zh":
            return f"设施数据缺少“{RESOURCES_ZH.get(res, res)}”（{res}）一列，也没有分区统计数据；补充后可评估"
        return f"the supply of {res} is unknown: add the column '{res}' to the facilities or give area statistics"
    if code in REASON_CODES:
        return note_words(note, lang)
    return None


def note_words(note: Any, lang: str) -> str:
    """One note in the report's language: its own text, or (zh text with English in it) a translation."""
    if lang == "en":
        return str(note.text_en)
    zh = str(note.text_zh or "")
    if zh and not _LATIN.search(zh):
        return zh
    if note.code in ("missing_in_input", "no_facilities", "no_network", "supply_unknown", "no_resource_column"):
        return reason_words(note, lang) or zh
    parts = note_text(note.text_en, "zh")
    if any(p.endswith("（英文原文）") for p in parts):
        said = caveat(str(note.text_en), "zh")  # run-wide caveats (dropped network nodes…)
        if not said.endswith("（英文原文）"):
            return said
    return "；".join(parts) if parts else zh


def row_notes(result: Any, row: Any, lang: str) -> list[str]:
    """The notes of one table row in the report's language (from ``Assessment.notes``; else the ``note`` text)."""
    notes = getattr(result, "notes", None)
    if notes:
        mine = result.notes_of(str(row["rule_id"]), str(row["area_code"]))
        if mine:
            out: list[str] = []
            for n in mine:
                t = note_words(n, lang)
                if t and t not in out:
                    out.append(t)
            return out
    return note_text(row.get("note"), lang)


def _pct(v: Any) -> str:
    return f"{float(v):.0%}"


def partial_data_warnings(result: Any, lang: str) -> list[dict[str, Any]]:
    """Per area whose rows are flagged ``partial_data``: how many of its residents the network reaches."""
    t = result.table
    if "partial_data" not in t.columns:
        return []
    flagged = t[t["partial_data"].fillna(False).astype(bool)]
    out = []
    for (code, raw), g in flagged.groupby(["area_code", "area_name"], sort=False):
        cov = g["data_coverage"].dropna()
        pct = _pct(cov.min()) if len(cov) else "?"
        titles = list(dict.fromkeys(g["rule_zh" if lang == "zh" else "rule_en"].astype(str)))
        name = area_label(code, raw, lang)
        if lang == "zh":
            text = f"路网只覆盖{name} {pct} 的居民：{'、'.join(titles)}的结论只代表这部分居民"
        else:
            text = (
                f"the network reaches {pct} of the residents of {name}: "
                f"the verdicts of {', '.join(titles)} speak for them only"
            )
        cover = float(cov.min()) if len(cov) else None
        out.append({"area_code": str(code), "area": name, "coverage": cover, "text": text})
    return out


def _rate(v: Any) -> str:
    return f"{float(v):,.2f}".rstrip("0").rstrip(".")


def ratio_text(row: Any, lang: str) -> str:
    """A ratio row: rate against the plan's rate with units, and the counts.

    ``"0.63 / 1 per 30,000 (14 of 23)"``, ``"0.63 / 1 个/3万人（现有 14，需 23）"``; supply unknown:
    ``"23 required"`` / ``"需 23"``.
    """
    rate_words, measure = rate_unit(row.get("unit"), lang)
    unit = rate_words if lang == "zh" else f"{measure} {rate_words}".strip()
    value, thr, present, req = (row.get(k) for k in ("value", "threshold", "present", "required"))
    if _missing(value) or _missing(present):
        if _missing(req):
            return ""
        return f"需 {fmt_num(req)}" if lang == "zh" else f"{fmt_num(req)} required"
    rate = f"{_rate(value)} / {_rate(thr)} {unit}" if not _missing(thr) else f"{_rate(value)} {unit}"
    if lang == "zh":
        return f"{rate}（现有 {fmt_num(present)}，需 {fmt_num(req)}）"
    return f"{rate} ({fmt_num(present)} of {fmt_num(req)})"


def counted_names(row: Any) -> list[str]:
    """The names of the facilities that counted (``counted`` is ``"id:name; id:name"``)."""
    c = row.get("counted")
    if _missing(c) or not str(c).strip():
        return []
    return [p.split(":", 1)[1] if ":" in p else p for p in str(c).split("; ") if p]


def status_text(row: Any, lang: str) -> str:
    """The plan's draft status (送审稿, 初稿, 已印发) of a row."""
    if lang == "zh":
        v = row.get("plan_status_zh")
        return "" if _missing(v) else str(v)
    v = row.get("plan_status")
    return "" if _missing(v) else _PLAN_STATUS_EN.get(str(v), str(v).replace("_", " "))


def sensitivity_table(result: Any, rule_id: str, lang: str) -> dict[str, Any] | None:
    """Per area: mean response (and verdict) for each activation delay × free-flow / peak speed."""
    s = getattr(result, "sensitivity", None)
    if s is None or len(s) == 0:
        return None
    s = s[s["rule_id"] == rule_id]
    if s.empty:
        return None
    speed = {"free_flow": ("畅通", "free flow"), "peak": ("高峰", "peak")}
    cols = list(dict.fromkeys(zip(s["activation_delay_min"], s["speed"], s["speed_factor"])))
    header = []
    for delay, sp, factor in cols:
        word = speed.get(str(sp), (str(sp), str(sp)))[0 if lang == "zh" else 1]
        header.append(
            f"出车 {delay:g} 分钟·{word}（车速×{factor:g}）"
            if lang == "zh"
            else f"{delay:g} min delay, {word} (speed ×{factor:g})"
        )
    rows = []
    for (code, name), g in s.groupby(["area_code", "area_name"], sort=False):
        cells = []
        for delay, sp, _ in cols:
            r = g[(g["activation_delay_min"] == delay) & (g["speed"] == sp)]
            if r.empty:
                cells.append(("", "not_assessed"))
                continue
            r0 = r.iloc[0]
            text = (
                f"{fmt_value(r0['mean_min'], 'min', lang)}，{fmt_value(r0['share_within'], 'share', lang)}"
                if lang == "zh"
                else (f"{fmt_value(r0['mean_min'], 'min', lang)}, {fmt_value(r0['share_within'], 'share', lang)}")
            )
            cells.append((f"{text} {verdict_text(r0['verdict'], lang)}", str(r0["verdict"])))
        rows.append({"area_code": str(code), "area": str(name), "cells": cells})
    limit = s["limit_min"].dropna()
    return {
        "header": header,
        "rows": rows,
        "limit": fmt_value(float(limit.iloc[0]), "min", lang) if len(limit) else "",
    }
