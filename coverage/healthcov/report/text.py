"""Words of the report in one language: verdicts, palette, requirements, notes and clause references.

A Chinese report is entirely Chinese and an English one entirely English: the assessment's
English requirement strings and notes are translated here by pattern (the words the engine
writes); a note no pattern knows is shown as it is, marked ``(英文原文)`` in a Chinese report so
the reader knows why.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import InputError
from ..standards.reading_words import READING_NOTES, READING_REQ
from ..standards.rowfacts import RESOURCE_ZH

__all__ = [
    "VERDICT_COLOURS",
    "VERDICT_SYMBOLS",
    "VERDICT_TEXT",
    "norm_lang",
    "verdict_text",
    "requirement",
    "note_text",
    "clause_ref",
    "plan_name",
    "fmt_num",
    "fmt_value",
    "caveat",
    "rate_unit",
    "types_text",
]

#: Okabe–Ito colours: pass (blue) and fail (vermillion) stay apart under deuteranopia and protanopia;
#: "not assessed" is a mid grey, "not applicable" a light grey drawn hatched
VERDICT_COLOURS = {
    "pass": "#0072B2",
    "partial": "#F0E442",
    "fail": "#D55E00",
    "not_assessed": "#8C8C8C",
    "not_applicable": "#E4E4E4",
}
#: text colour on each verdict colour (contrast ≥ 4.5)
VERDICT_INK = {
    "pass": "#FFFFFF",
    "partial": "#222222",
    "fail": "#222222",
    "not_assessed": "#FFFFFF",
    "not_applicable": "#333333",
}
VERDICT_SYMBOLS = {"pass": "✓", "partial": "△", "fail": "✗", "not_assessed": "?", "not_applicable": "–"}
VERDICT_TEXT = {
    "zh": {
        "pass": "达标",
        "partial": "部分达标",
        "fail": "未达标",
        "not_assessed": "未评估",
        "not_applicable": "不适用",
    },
    "en": {
        "pass": "pass",
        "partial": "partial",
        "fail": "fail",
        "not_assessed": "not assessed",
        "not_applicable": "not applicable",
    },
}
#: how bad a verdict is, for sorting (worst first)
VERDICT_RANK = {"fail": 0, "partial": 1, "not_assessed": 2, "pass": 3, "not_applicable": 4}

MODES = {
    "zh": {"walk": "步行", "bike": "自行车", "ebike": "电动自行车", "drive": "驾车", "ambulance": "救护车"},
    "en": {"walk": "walking", "bike": "cycling", "ebike": "e-bike", "drive": "driving", "ambulance": "ambulance"},
}
STATUS = {
    "zh": {"binding": "约束性", "guiding": "指导性", "issued": "已印发", "first_draft": "征求意见稿", "draft": "草案"},
    "en": {
        "binding": "binding",
        "guiding": "guiding",
        "issued": "issued",
        "first_draft": "first draft",
        "draft": "draft",
    },
}
CLASS = {
    "zh": {"urban": "城区", "rural": "农村", "all": "全域", "none": "—"},
    "en": {"urban": "urban", "rural": "rural", "all": "whole area", "none": "—"},
}
#: short names of the plans (by profile id) for clause references
PLAN_SHORT = {
    "zhejiang": ("浙江省规划", "Zhejiang plan"),
    "ningbo": ("宁波市规划", "Ningbo plan"),
    "fenghua": ("奉化区规划", "Fenghua plan"),
    "beilun": ("北仑区规划", "Beilun plan"),
    "jiaxing": ("嘉兴市规划", "Jiaxing plan"),
}
#: resources in the plans' words (the standards' table; "count" is left as it is)
RESOURCES_ZH = {k: v for k, v in RESOURCE_ZH.items() if k != "count"}


def norm_lang(lang: str) -> str:
    """``"zh"`` or ``"en"``; anything else is an error that says what to pass."""
    key = str(lang).strip().lower()
    key = {"cn": "zh", "zh-cn": "zh", "chinese": "zh", "中文": "zh", "english": "en"}.get(key, key)
    if key not in ("zh", "en"):
        msg = f"unknown lang {lang!r}: use 'zh' (中文) or 'en'"
        raise InputError(msg)
    return key


def verdict_text(verdict: Any, lang: str) -> str:
    return VERDICT_TEXT[lang].get(str(verdict), str(verdict))


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def fmt_num(v: Any, digits: int = 0) -> str:
    """A number with thousands separators (``"–"`` when missing)."""
    if _missing(v):
        return "–"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    return f"{float(v):,.{digits}f}"


_MEASURE_ZH = {
    "facilities": "个",
    "beds": "张",
    "rehab_beds": "张",
    "psych_beds": "张",
    "infectious_beds": "张",
    "doctors": "人",
    "nurses": "人",
    "psychiatrists": "人",
    "ambulances": "辆",
}


def rate_unit(unit: Any, lang: str) -> tuple[str, str]:
    """``"facilities per 30,000"`` → (``"个/3万人"``, ``"个"``) in Chinese, (``"per 30,000"``, ``"facilities"``)."""
    m = re.match(r"^(\w+) per ([\d,]+)$", str(unit))
    if m is None:  # a plain count ("facilities"): no base population
        if lang == "zh" and str(unit) in _MEASURE_ZH:
            return _MEASURE_ZH[str(unit)], _MEASURE_ZH[str(unit)]
        return str(unit), ""
    res, base = m[1], int(m[2].replace(",", ""))
    if lang == "en":
        return f"per {base:,}", res
    if base == 1000:
        where = "千人"
    elif base % 10000 == 0:
        where = f"{base // 10000}万人" if base > 10000 else "万人"
    else:
        where = f"{base:,}人"
    measure = _MEASURE_ZH.get(res, "")
    return f"{measure}/{where}", measure


def fmt_value(v: Any, unit: Any, lang: str) -> str:
    """A table value with its unit: ``98.8%``, ``5.2 分钟`` / ``5.2 min``, ``26 个`` / ``26 facilities``."""
    if _missing(v):
        return "–"
    if unit == "share":
        return f"{float(v):.1%}"
    if unit == "min":
        return f"{float(v):.1f} 分钟" if lang == "zh" else f"{float(v):.1f} min"
    if unit == "facilities":
        n = f"{float(v):,.0f}"
        return f"{n} 个" if lang == "zh" else f"{n} facilities"
    text = f"{float(v):,.2f}".rstrip("0").rstrip(".")
    if isinstance(unit, str) and re.match(r"^\w+ per [\d,]+$", unit):
        rate, measure = rate_unit(unit, lang)
        return f"{text} {rate}" if lang == "zh" else f"{text} {measure} {rate}"
    return f"{text} {unit}" if isinstance(unit, str) and unit else text


def _types_zh(codes: str) -> str:
    from ..standards.facility_types import FACILITY_TYPES

    return "、".join(FACILITY_TYPES.get(c.strip(), {}).get("zh", c.strip()) for c in codes.split(","))


def types_text(codes: str, lang: str) -> str:
    """Facility type codes (``"ems_center, ems_station"``) as the report's words."""
    return _types_zh(codes) if lang == "zh" else _types_en(codes)


def _types_en(codes: str) -> str:
    from ..standards.facility_types import FACILITY_TYPES

    return ", ".join(FACILITY_TYPES.get(c.strip(), {}).get("en", c.strip()) for c in codes.split(","))


_METRIC_ZH = {"network": "路网距离", "straight": "直线距离", "straight line": "直线距离"}
_REQ = [
    (
        re.compile(r"^≤ ([\d.]+) min \((\w+)\), ≥ (\d+)% of residents$"),
        lambda m: f"{MODES['zh'].get(m[2], m[2])}{m[1]}分钟内，覆盖≥{m[3]}%居民",
        lambda m: f"≤ {m[1]} min {MODES['en'].get(m[2], m[2])}, ≥ {m[3]} % of residents",
    ),
    (
        re.compile(r"^≤ ([\d.]+) km \(([\w ]+)\), ≥ (\d+)% of residents$"),
        lambda m: f"{_METRIC_ZH.get(m[2], m[2])}{m[1]}公里内，覆盖≥{m[3]}%居民",
        lambda m: f"≤ {m[1]} km ({m[2]}), ≥ {m[3]} % of residents",
    ),
    (
        re.compile(r"^mean < ([\d.]+) min$"),
        lambda m: f"平均响应时间＜{m[1]}分钟",
        lambda m: f"mean response < {m[1]} min",
    ),
    (re.compile(r"^≥ (\d+) per (.+)$"), lambda m: f"每个{m[2]}至少{m[1]}个", lambda m: f"≥ {m[1]} per district/county"),
    (
        re.compile(r"^([\d.]+) (\w+) per ([\d,]+) residents(?: \(population base (\d+)%\))?$"),
        lambda m: _rate_req_zh(m[1], m[2], m[3], m[4]),
        lambda m: m[0],
    ),
    (
        re.compile(r"^(\d+) facility per ([\d,]+)–([\d,]+) residents$"),
        lambda m: f"每{m[2]}–{m[3]}常住人口{m[1]}个",
        lambda m: m[0],
    ),
]


def _rate_req_zh(n: str, res: str, base: str, factor: str | None) -> str:
    """``6.6 beds per 1,000 residents`` → ``每千人床位数6.6张``; the population base (300%) said in words."""
    rate, measure = rate_unit(f"{res} per {base}", "zh")
    where = rate.split("/", 1)[1]
    text = f"每{where}{RESOURCES_ZH.get(res, res)}{n}{measure}"
    return f"{text}（人口基数按常住人口的{factor}%计）" if factor else text


_NOTES = [
    (
        re.compile(r"^no facilities of type ([\w, ]+) in the data$"),
        lambda m: f"数据中没有{_types_zh(m[1])}",
        lambda m: f"no {_types_en(m[1])} in the data",
    ),
    (
        re.compile(r"^needs a road network.*$"),
        lambda m: "需要路网，但未提供路网",
        lambda m: "needs a road network; none was given",
    ),
    (
        re.compile(r"^the facility table has no '(\w+)' column.*$"),
        lambda m: f"设施数据缺少“{RESOURCES_ZH.get(m[1], m[1])}”（{m[1]}）一列，补充后可评估",
        lambda m: f"the facility table has no '{m[1]}' column; add it to assess this standard",
    ),
    (re.compile(r"^need (\d+) more$"), lambda m: f"还需{m[1]}个", lambda m: m[0]),
    (
        re.compile(r"^applies to units of type (.+)$"),
        lambda m: f"仅适用于{m[1]}",
        lambda m: f"applies to units of type {m[1]} only",
    ),
    (re.compile(r"^requirement met$"), lambda m: "已达到要求", lambda m: m[0]),
    (
        re.compile(r"^share covered counting only this area's facilities: ([\d.]+%)$"),
        lambda m: f"只计本区域设施时覆盖率为{m[1]}",
        lambda m: m[0],
    ),
    (
        re.compile(r"^within ([\d.]+) km: network ([\d.]+%), straight line ([\d.]+%)$"),
        lambda m: f"{m[1]}公里内：路网距离{m[2]}，直线距离{m[3]}",
        lambda m: m[0],
    ),
    (re.compile(r"^verdict uses (network|straight) distance$"), lambda m: f"结论按{_METRIC_ZH[m[1]]}", lambda m: m[0]),
    (
        re.compile(r"^no road network given: the verdict uses straight-line distance$"),
        lambda m: "未提供路网：结论按直线距离",
        lambda m: m[0],
    ),
    (
        re.compile(r"^activation delay ([\d.]+) min \+ drive time from the nearest station$"),
        lambda m: f"出车准备{m[1]}分钟＋从最近站点出发的行车时间",
        lambda m: m[0],
    ),
    (
        re.compile(r"^lenient \((\d+) per\): (\d+) required$"),
        lambda m: f"按宽松标准（每{int(m[1]):,}人）需{m[2]}个",
        lambda m: f"lenient (1 per {int(m[1]):,}): {m[2]} required",
    ),
    (
        re.compile(r"^strictest applicable \((\w+)\): (.+) → (\w+)$"),
        lambda m: (
            f"从严标准（{PLAN_SHORT.get(m[1], (m[1],))[0]}）：{requirement(m[2], 'zh')} → {verdict_text(m[3], 'zh')}"
        ),
        lambda m: m[0],
    ),
]


# the plans' readings (standards/readings.py) write their own requirements and notes: their words
_REQ.extend(READING_REQ)
_NOTES.extend(READING_NOTES)


def _translate(text: str, table: list, lang: str) -> str | None:
    for pattern, zh, en in table:
        m = pattern.match(text.strip())
        if m:
            return zh(m) if lang == "zh" else en(m)
    return None


def requirement(standard: Any, lang: str) -> str:
    """A requirement (the table's ``standard``) in the report's language."""
    if _missing(standard) or not str(standard).strip():
        return "–"
    parts = str(standard).split(" | ")  # per-resident rows: "urban: … | rural: …"
    if len(parts) > 1:
        return " | ".join(_class_requirement(p, lang) for p in parts)
    out = _translate(str(standard), _REQ, lang)
    return out if out is not None else str(standard)


def _class_requirement(part: str, lang: str) -> str:
    """``"urban: ≤ 15 min (walk)…"``: the class in the report's language, the requirement translated."""
    cls, sep, rest = part.partition(": ")
    if not sep or cls not in ("urban", "rural"):
        return requirement(part, lang)
    label = {"urban": "城镇", "rural": "农村"}[cls] if lang == "zh" else cls
    return f"{label}{'：' if lang == 'zh' else ': '}{requirement(rest, lang)}"


def note_text(note: Any, lang: str) -> list[str]:
    """The parts of a table note (``"; "``-separated), each in the report's language."""
    if _missing(note) or not str(note).strip():
        return []
    out = []
    for part in str(note).split("; "):
        t = _translate(part, _NOTES, lang)
        if t is None:
            t = part if lang == "en" else f"{part}（英文原文）"
        out.append(t)
    return out


def plan_name(profile_id: Any, lang: str) -> str:
    names = PLAN_SHORT.get(str(profile_id))
    if names is None:
        return str(profile_id)
    return names[0] if lang == "zh" else names[1]


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _section_en(clause: str) -> str:
    """``二（三）基层…`` → ``§2.3``; ``表1`` → ``table 1``; ``二（一）3. …`` → ``§2.1.3``."""
    m = re.match(r"^表(\d+)", clause)
    if m:
        return f"table {m[1]}"
    m = re.match(r"^([一二三四五六七八九十]+)(?:（([一二三四五六七八九十]+)）)?(?:(\d+)\.)?", clause)
    if not m or not m[1]:
        return ""
    parts = [str(_CN_DIGITS.get(m[1], m[1]))]
    if m[2]:
        parts.append(str(_CN_DIGITS.get(m[2], m[2])))
    if m[3]:
        parts.append(m[3])
    return "§" + ".".join(parts)


def clause_ref(profile_id: Any, source_clause: Any, source_ref: Any, lang: str) -> str:
    """``《宁波市规划》二（三）基层医疗卫生机构·机构设置，第152行`` / ``Ningbo plan §2.3, line 152``.

    Several references (``"000:56; 000:180"``) give one line list; the seed file prefix is dropped.
    """
    lines = [r.split(":", 1)[1] if ":" in r else r for r in str(source_ref or "").split("; ") if r]
    clauses = [c for c in str(source_clause or "").split("; ") if c and not _missing(source_clause)]
    plan = plan_name(profile_id, lang)
    if lang == "zh":
        sec = "；".join(clauses)
        where = f"第{'、'.join(lines)}行" if lines else ""
        return f"《{plan}》{sec}{'，' if sec and where else ''}{where}"
    secs = [s for s in (_section_en(c) for c in clauses) if s]
    where = f"line{'s' if len(lines) > 1 else ''} {', '.join(lines)}" if lines else ""
    return f"{plan} {'; '.join(secs)}{', ' if secs and where else ''}{where}".replace("  ", " ").strip()


_CAVEATS = [
    (
        re.compile(r"^(\w+) network: (\d+) nodes outside its largest strongly connected component were dropped$"),
        lambda m: f"{MODES['zh'].get(m[1], m[1])}路网：{m[2]} 个不连通的节点已去除",
    ),
]


def caveat(text: Any, lang: str) -> str:
    """An assessment-wide data caveat in the report's language; "" for the not-assessed list (the box has it)."""
    t = str(text)
    if t.startswith("not assessed for lack of data"):
        return ""
    if lang == "en":
        return t
    for pattern, zh in _CAVEATS:
        m = pattern.match(t)
        if m:
            return zh(m)
    return f"{t}（英文原文）"
