"""The words of the ``access_ratio`` rows (:mod:`~healthcov.standards.access_rules`) in the report's two languages.

Same ``(regex, zh(m), en(m))`` form as :mod:`~healthcov.standards.reading_words`, which appends
these to the patterns the report translates the table's English requirement and notes by.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["ACCESS_REQ", "ACCESS_NOTES", "MODE_ZH", "per_residents_zh"]

Pattern = tuple[re.Pattern[str], Callable[[re.Match[str]], str], Callable[[re.Match[str]], str]]

MODE_ZH = {"walk": "步行", "drive": "驾车", "ambulance": "救护车", "bike": "自行车", "ebike": "电动自行车"}
_RES_ZH = {
    "facilities": ("机构数", "个"),
    "beds": ("床位数", "张"),
    "doctors": ("医师数", "人"),
    "nurses": ("护士数", "人"),
}
_METHOD_ZH = {"2SFCA": "两步移动搜寻法", "E2SFCA": "分段权重两步移动搜寻法"}


def per_residents_zh(per: str) -> str:
    """``1,000`` → ``千人``, ``10,000`` → ``万人``, ``30,000`` → ``3万人``, else ``5,000人``."""
    n = int(per.replace(",", ""))
    if n == 1000:
        return "千人"
    if n % 10000 == 0:
        return f"{n // 10000}万人" if n > 10000 else "万人"
    return f"{n:,}人"


def _res(en: str) -> tuple[str, str]:
    return _RES_ZH.get(en, (en, ""))


def _mode(m: str) -> str:
    return MODE_ZH.get(m, m)


def _same(m: re.Match[str]) -> str:
    return m[0]


def _p(regex: str, zh: Callable[[re.Match[str]], str], en: Callable[[re.Match[str]], str] = _same) -> Pattern:
    return re.compile(regex), zh, en


ACCESS_REQ: list[Pattern] = [
    _p(
        r"^≥ ([\d.]+) (\w+) per ([\d,]+) residents within ([\d.]+) min \((\w+), (E?2SFCA)\)$",
        lambda m: (
            f"{_mode(m[5])}{m[4]}分钟内可达{_res(m[2])[0]}：每{per_residents_zh(m[3])}≥{m[1]}{_res(m[2])[1]}"
            f"（{_METHOD_ZH[m[6]]}）"
        ),
    ),
]

ACCESS_NOTES: list[Pattern] = [
    _p(
        r"^(E?2SFCA): (\w+) reachable within ([\d.]+) min by (\w+)(?: with weights (.+?))?, each facility's supply "
        r"shared among the residents of its catchment, ([\d,]+) residents of the area reach at least one$",
        lambda m: (
            f"{_METHOD_ZH[m[1]]}：{_mode(m[4])}{m[3]}分钟内可达的{_res(m[2])[0]}按各设施服务范围内人口分摊"
            + (f"（分段权重 {m[5].replace(' min', '分钟')}）" if m[5] else "")
            + f"，本区域 {m[6]} 人可达至少一个设施"
        ),
    ),
    _p(
        r"^not assessed: the ([\d.]+)-min catchments need the (\w+) road network \(given: (.+?)\).*$",
        lambda m: (
            f"未评估：{m[1]}分钟服务范围需要{_mode(m[2])}路网（已提供：{'无' if m[3] == 'none' else m[3]}），"
            "不以其他方式代替（分区运行不计算跨分区的服务范围，请用 assess()）"
        ),
    ),
    _p(
        r"^([\d,]+) residents are off the (\w+) network \(left out of the mean\)$",
        lambda m: f"{m[1]} 名居民距{_mode(m[2])}路网过远（不计入平均值）",
    ),
    _p(
        r"^(\d+) facilities are off the (\w+) network: their supply reaches nobody$",
        lambda m: f"{m[1]} 个设施距{_mode(m[2])}路网过远：其供给不计入",
    ),
    _p(
        r"^(\d+) facilities have no '(\w+)' value \(counted as 0\)$",
        lambda m: f"{m[1]} 个设施缺少 {m[2]} 数值（按 0 计）",
    ),
]
