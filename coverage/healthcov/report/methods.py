"""The report's "methods and assumptions" in one language, with file names only (no paths)."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from ..standards.reading_words import READING_PHRASES_ZH
from .text import CLASS, MODES, STATUS, plan_name

__all__ = ["methods_rows", "class_rows", "file_name", "looser_rows"]

_KEYS = {
    "zh": {
        "chain": "标准层级",
        "modes": "服务圈出行方式",
        "delay": "急救出车准备时间",
        "share": "达标 / 部分达标覆盖率",
        "radius": "服务半径计算方式",
        "cross": "跨区就医",
        "statuses": "计入的设施状态",
        "population": "人口分布",
        "area_population": "区域人口",
        "network": "路网",
    },
    "en": {
        "chain": "Standards chain",
        "modes": "Service-circle travel modes",
        "delay": "Ambulance activation delay",
        "share": "Coverage share for pass / partial",
        "radius": "Service-radius distance",
        "cross": "Cross-boundary service",
        "statuses": "Facility statuses counted",
        "population": "Population",
        "area_population": "Area population",
        "network": "network",
    },
}
HIGHWAY_ZH = {
    "motorway": "高速公路",
    "motorway_link": "高速匝道",
    "trunk": "快速路",
    "trunk_link": "快速路匝道",
    "primary": "主干路",
    "primary_link": "主干路匝道",
    "secondary": "次干路",
    "secondary_link": "次干路匝道",
    "tertiary": "支路",
    "tertiary_link": "支路匝道",
    "residential": "居住区道路",
    "living_street": "生活街道",
    "service": "服务道路",
    "unclassified": "未分级道路",
    "footway": "人行道",
    "pedestrian": "步行街",
    "path": "小路",
    "steps": "台阶",
    "cycleway": "自行车道",
    "track": "田间道路",
}
_PHRASES_ZH = [
    (
        r"^census counts spread onto road nodes in proportion to road length.*$",
        "普查人口按道路长度分配到路网节点，并按路网覆盖比例缩放（估算值）",
    ),
    (r"^polygon counts spread evenly over a (\d+) m grid.*$", r"区域人口均匀分布到 \1 米网格（假设密度均匀；估算值）"),
    (r"^published totals of the areas.*$", "采用各区域公布的人口总数"),
    (r"^all \(no status column\)$", "全部（数据无状态列）"),
    (r"^census urban share (\d+)% \(≥ (\d+)% → urban\)$", r"普查城镇人口比例 \1%（≥\2% 为城区）"),
    (r"^census urban share (\d+)% \(< (\d+)% → rural\)$", r"普查城镇人口比例 \1%（<\2% 为农村）"),
]
_PHRASES_ZH.extend(READING_PHRASES_ZH)  # the plans' readings' own phrases


def file_name(value: Any) -> str:
    """A file name without its folder (a report never shows this machine's paths)."""
    text = str(value or "")
    if "/" in text or "\\" in text:
        return PurePath(text.replace("\\", "/")).name
    return text


def _zh(text: str) -> str:
    for pattern, repl in _PHRASES_ZH:
        if re.match(pattern, text):
            return re.sub(pattern, repl, text)
    return text


def _say(text: Any, lang: str) -> str:
    return _zh(str(text)) if lang == "zh" else str(text)


def methods_rows(assumptions: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """(label, value) rows of the assumptions an assessment's verdicts depend on."""
    K, a = _KEYS[lang], assumptions
    modes = a.get("circle_modes", {})
    sep = "；" if lang == "zh" else "; "
    rows = [
        (K["chain"], " → ".join(plan_name(p, lang) for p in a.get("profile_chain", []))),
        (K["modes"], sep.join(f"{CLASS[lang].get(k, k)}: {MODES[lang].get(v, v)}" for k, v in modes.items())),
        (K["delay"], f"{a.get('activation_delay_min', 0):g} {'分钟' if lang == 'zh' else 'min'}"),
        (K["share"], f"{a.get('target_share', 0):.0%} / {a.get('partial_share', 0):.0%}"),
        (
            K["radius"],
            {"network": "路网距离", "straight": "直线距离"}.get(
                str(a.get("radius_metric")), str(a.get("radius_metric"))
            )
            if lang == "zh"
            else str(a.get("radius_metric")),
        ),
        (
            K["cross"],
            ("是" if a.get("cross_boundary") else "否")
            if lang == "zh"
            else ("yes" if a.get("cross_boundary") else "no"),
        ),
        (K["statuses"], sep.join(_say(s, lang) for s in a.get("statuses", []))),
        (K["population"], _say(a.get("population_method", ""), lang)),
        (K["area_population"], _say(a.get("area_population", ""), lang)),
    ]
    for name, info in a.get("networks", {}).items():
        mode = info.get("mode", {})
        classes = HIGHWAY_ZH if lang == "zh" else {}
        speeds = ", ".join(f"{classes.get(k, k)} {v:g}" for k, v in list(mode.get("speeds_kph", {}).items())[:6])
        label = (
            f"{MODES[lang].get(name, name)}{K['network']}"
            if lang == "zh"
            else f"{MODES[lang].get(name, name)} {K['network']}"
        )
        if lang == "zh":
            value = (
                f"{info.get('nodes', 0):,} 个节点；数据 {file_name(info.get('source'))}；车速（公里/小时）{speeds} …"
            )
        else:
            value = f"{info.get('nodes', 0):,} nodes; data {file_name(info.get('source'))}; speeds (km/h) {speeds} …"
        rows.append((label, value))
    return rows


def class_rows(assumptions: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    return [(str(k), _say(v, lang)) for k, v in assumptions.get("area_classification", {}).items()]


def looser_rows(looser: Any, lang: str) -> list[dict[str, str]]:
    """Where a local plan is looser than the higher-level one, as readable rows."""
    out = []
    for _, r in looser.iterrows():
        out.append(
            {
                "title": str(r.get("title_zh" if lang == "zh" else "title_en", r.get("rule"))),
                "local": f"{plan_name(r.get('profile'), lang)}: {r.get('local')}",
                "parent": f"{plan_name(r.get('parent_profile'), lang)}: {r.get('parent')}",
            }
        )
    return out


STATUS_WORDS = STATUS
