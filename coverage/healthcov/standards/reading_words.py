"""The words of the plans' readings in the report's two languages.

The report translates the table's English requirement strings and note parts by pattern
(``report/text.py``: ``_REQ``, ``_NOTES``; ``report/methods.py``: ``_PHRASES_ZH``). These are the
patterns for what :mod:`~healthcov.standards.readings`, :mod:`~healthcov.standards.area_classes`
and :func:`~healthcov.spread_population` write, in the same ``(regex, zh(m), en(m))`` form, for
the report to append to its tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .access_words import ACCESS_NOTES, ACCESS_REQ
from .typing_rules import GRADE_LABELS, OWNERS

__all__ = ["READING_REQ", "READING_NOTES", "READING_PHRASES_ZH", "qualifier_zh"]

Pattern = tuple[re.Pattern[str], Callable[[re.Match[str]], str], Callable[[re.Match[str]], str]]

_SOURCES_ZH = {
    "column n_streets": "区域表所给街道数",
    "the area is a street": "本区域即街道",
    "admin_codes": "宁波、嘉兴乡镇街道名录",
}
_OWNER_ZH = {en: zh for zh, en in OWNERS.values()}
_DEGURBA_ZH = "联合国统计委员会2020年城乡划分方法（1公里网格人口密度）"


def qualifier_zh(text: str) -> str:
    """``county/district-run, grade ≥ 3B`` → ``县（区）办，三级乙等及以上``."""
    out = []
    for part in text.split(", "):
        m = re.fullmatch(r"grade ≥ (\w+)", part)
        if m:
            out.append(f"{GRADE_LABELS.get(m[1], m[1])}及以上")
        else:
            out.append("或".join(_OWNER_ZH.get(o, o) for o in part.split(" or ")))
    return "，".join(out)


def _src(s: str) -> str:
    return _SOURCES_ZH.get(s, s)


def _same(m: re.Match[str]) -> str:
    return m[0]


def _p(regex: str, zh: Callable[[re.Match[str]], str], en: Callable[[re.Match[str]], str] = _same) -> Pattern:
    return re.compile(regex), zh, en


READING_REQ: list[Pattern] = [
    _p(
        r"^(\d+) per ([\d,]+)–([\d,]+) residents or ≥ 1 per street$",
        lambda m: f"每个街道至少1个，或每{m[2]}–{m[3]}常住人口{m[1]}个",
    ),
    _p(r"^(\d+) per ([\d,]+)–([\d,]+) residents$", lambda m: f"每{m[2]}–{m[3]}常住人口{m[1]}个"),
    _p(r"^≥ (\d+) \((.+)\) per (.+)$", lambda m: f"每个{m[3]}至少{m[1]}个（{qualifier_zh(m[2])}）"),
    _p(
        r"^≤ ([\d.]+) (\w+) per ([\d,]+) residents \(cap\)$",
        lambda m: f"每{m[3]}常住人口不超过{m[1]}（{m[2]}）（上限）",
    ),
]

_DECIDED: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (
        r"per street: (\d+) ≥ (\d+) \((\d+) 街道, (.+)\)",
        lambda m: f"按街道：{m[1]} ≥ {m[2]}（{m[3]}个街道，{_src(m[4])}）",
    ),
    (r"per ([\d,]+) residents: (\d+) ≥ (\d+)", lambda m: f"按每{m[1]}人：{m[2]} ≥ {m[3]}"),
    (
        r"only the lenient end, per ([\d,]+) residents: (\d+) ≥ (\d+)",
        lambda m: f"仅达到宽松标准（每{m[1]}人）：{m[2]} ≥ {m[3]}",
    ),
    (r"no branch met: (\d+) < (\d+) \(per ([\d,]+)\)", lambda m: f"两种条件均未满足：{m[1]} < {m[2]}（每{m[3]}人）"),
]


def _decided(m: re.Match[str]) -> str:
    for regex, zh in _DECIDED:
        d = re.fullmatch(regex, m[1])
        if d:
            return f"判定依据：{zh(d)}"
    return f"判定依据：{m[1]}"


READING_NOTES: list[Pattern] = [
    _p(r"^decided by: (.+)$", _decided),
    _p(
        r"^per street not met: (\d+) < (\d+) \((\d+) 街道, (.+)\)$",
        lambda m: f"按街道未满足：{m[1]} < {m[2]}（{m[3]}个街道，{_src(m[4])}）",
    ),
    _p(r"^counted: (.+)$", lambda m: f"计入：{m[1].replace(', ', '、')}"),
    _p(
        r"^number of (.+) units unknown \(add an n_streets column to the areas\): the population branch decides$",
        lambda m: f"{m[1]}数量未知（可在区域表中给出街道数）：按人口条件判定",
    ),
    _p(r"^no (.+) in the area: the population branch decides$", lambda m: f"区域内无{m[1]}：按人口条件判定"),
    _p(
        r"^only (.+) count: (\d+) of (\d+)(?: \((.+)\))?$",
        lambda m: f"只计{qualifier_zh(m[1])}：{m[2]} / {m[3]} 个" + (f"（{m[4].replace(', ', '、')}）" if m[4] else ""),
    ),
    _p(r"^only (.+): (\d+)$", lambda m: f"只计{qualifier_zh(m[1])}：{m[2]} 个"),
    _p(
        r"^the data give no (hospital grades|owners): not assessed$",
        lambda m: f"数据中没有{'医院等级' if m[1] == 'hospital grades' else '举办主体'}：未评估",
    ),
    _p(r"^a cap \(控制在\): at or below it passes$", lambda m: "上限（控制在…以内）：不超过即达标"),
    _p(
        r"^([\d,]+) (urban|rural|no class) residents judged by the (\w+) threshold$",
        lambda m: f"{ {'urban': '城区', 'rural': '农村'}.get(m[2], '无标准') }居民 {m[1]} 人按该类标准评估",
    ),
    _p(
        r"^resident classes: (.+)$",
        lambda m: (
            "居民城乡划分："
            + ("联合国统计委员会2020年城乡划分方法（1公里网格人口密度）" if "Urbanisation" in m[1] else m[1])
        ),
    ),
]

READING_REQ += ACCESS_REQ  # the access_ratio kind's words (standards/access_words.py)
READING_NOTES += ACCESS_NOTES

#: ``report/methods.py`` phrases (regex, Chinese replacement)
READING_PHRASES_ZH: list[tuple[str, str]] = [
    (
        r"^census counts spread along the roads in proportion to length \(a point every ≤ ([\d.]+) m\).*$",
        r"普查人口沿道路按长度分布（每 \1 米一个点），并按路网覆盖比例缩放（估算值）",
    ),
]


def translate(text: str, table: list[Pattern], lang: str) -> Any:
    """``text`` by the first matching pattern of ``table`` (None when none matches): for tests and the report."""
    for pattern, zh, en in table:
        m = pattern.match(text.strip())
        if m:
            return zh(m) if lang == "zh" else en(m)
    return None
