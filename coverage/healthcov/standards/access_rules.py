"""The ``access_ratio`` rule kind: supply per 1,000 residents reachable within a catchment (2SFCA / E2SFCA).

A rule such as "≥ 5 beds per 1,000 residents reachable within 30 min by car" is evaluated in
two floating-catchment steps on the travel-time matrix from every demand point to every facility
of the rule's types (:func:`healthcov.travel_time_matrix`, cut at the catchment):

1. each facility ``j`` shares its supply ``S_j`` (a facility column such as ``beds`` or
   ``doctors``, or 1 per facility with ``resource = "count"``) among the residents who reach it,
   ``R_j = S_j / Σ_i P_i · w(t_ij)``;
2. each demand point ``i`` adds up what it reaches, ``A_i = per · Σ_j R_j · w(t_ij)``.

``w`` is 1 inside the catchment (``minutes``) and 0 beyond it (plain 2SFCA, Luo & Wang 2003), or
the stepwise weights of ``steps`` (E2SFCA, Luo & Qi 2009). Every demand point of the run takes
part in step 1 (residents outside the assessed areas use the facilities too). An area's value is
the population-weighted mean of ``A_i`` over its residents on the network, compared with the floor
``amount``: at or above it passes. The two steps are the ones of
:func:`healthcov.two_step_fca` (the tests check the rows against it), written here on the matrix
because the engine sits beside, not above, :mod:`healthcov.accessibility`.

Not assessed, never failed, when the data cannot say: no network of the rule's mode (no other
mode is substituted: a 30-minute walk is not a 30-minute drive), or a facility table without the
supply column. The kind needs the whole network at once (catchments cross area borders):
:func:`healthcov.assess_partitioned` leaves it ``not_assessed`` with that reason (see
:data:`~healthcov.standards.vocabulary.WHOLE_NETWORK_KINDS`).

No plan among the shipped profiles states such a rule; a user adds one in a TOML profile (see
``standards/profiles/examples/access_beds.toml``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._columns import TRAVEL_TIME_S
from ..errors import OffNetworkWarning
from ..matrix import DESTINATION, ORIGIN, travel_time_matrix
from .access_words import MODE_ZH
from .notes import NOTE_CODES, Note
from .rowfacts import RESOURCE_ZH, area_data_coverage, area_row, counted_text
from .vocabulary import ALL

if TYPE_CHECKING:
    from .prepare import Context
    from .profiles import Rule

__all__ = ["access_ratio_row", "catchment_scores", "catchment_minutes", "CatchmentScores", "ACCESS_NOTE_CODES"]

#: note codes of this module (added to :data:`~healthcov.standards.notes.NOTE_CODES`)
ACCESS_NOTE_CODES = {
    "catchment": "how a catchment ratio (2SFCA / E2SFCA) was computed, and the residents it reaches",
    "off_network_facilities": "facilities of a catchment rule off its network: their supply reaches nobody",
}
NOTE_CODES.update(ACCESS_NOTE_CODES)


@dataclass(frozen=True)
class CatchmentScores:
    """One rule's two steps over every demand point of a run.

    ``score``: ``A_i`` per ``per`` residents (NaN for points off the network); ``pairs_i`` /
    ``pairs_j``: the (demand point, facility) pairs inside the catchment (positions in the
    context's demand and in ``facility_rows``); ``facility_rows``: positions of the rule's
    facilities in the context's facility table; ``off_network``: how many of them are off the
    network; ``missing``: how many have no supply value (counted as 0).
    """

    score: np.ndarray
    pairs_i: np.ndarray
    pairs_j: np.ndarray
    facility_rows: np.ndarray
    off_network: int
    missing: int


def catchment_minutes(rule: Rule) -> float:
    """The rule's catchment in minutes (a number; the strictest version along a profile chain may hold ``{all: …}``)."""
    v = rule.params["minutes"]
    if isinstance(v, Mapping):
        v = v.get("all", min(v.values()))
    return float(v)


def _steps(rule: Rule) -> tuple[tuple[float, float], ...]:
    """``(upper minutes, weight)`` zones ending at the catchment: one zone of weight 1 for plain 2SFCA; E2SFCA's
    ``steps`` cut at the catchment (the strictest version of a rule may have a shorter one than its zones)."""
    minutes = catchment_minutes(rule)
    steps = rule.params.get("steps")
    if not steps:
        return ((minutes, 1.0),)
    zones = [(float(u), float(w)) for u, w in steps]
    inside = [(u, w) for u, w in zones if u < minutes]
    last = next((w for u, w in zones if u >= minutes), 0.0)
    return (*inside, (minutes, last))


def _weights(t_s: np.ndarray, steps: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Stepwise weight of each travel time (s): a time on a zone's upper bound belongs to that zone."""
    bounds = np.array([u * 60.0 for u, _ in steps])
    w = np.array([w for _, w in steps] + [0.0])
    return w[np.searchsorted(bounds, t_s, side="left")]


def _supply(rule: Rule, fac: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Supply per facility (1 each for ``count``) and how many lack a value (counted as 0)."""
    resource = str(rule.params["resource"])
    if resource == "count":
        return np.ones(len(fac)), 0
    vals = pd.to_numeric(fac[resource], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals < 0)
    return np.where(bad, 0.0, vals), int(bad.sum())


def catchment_scores(rule: Rule, ctx: Context) -> CatchmentScores:
    """The rule's 2SFCA / E2SFCA over every demand point (computed once per run and rule, then cached).

    Needs ``ctx.graphs[travel_mode]`` and, unless ``resource = "count"``, the supply column.
    """
    key = ("access_ratio", rule.profile, rule.id, str(sorted(dict(rule.params).items())))
    cached = ctx.costs.arrays.get(key)
    if isinstance(cached, CatchmentScores):
        return cached
    steps = _steps(rule)
    G = ctx.graphs[str(rule.params["travel_mode"])]
    rows = np.flatnonzero(ctx.facilities_of(tuple(rule.facility_types)))
    fac = ctx.facilities.iloc[rows].reset_index(drop=True)
    dem = ctx.demand[[ctx.demand.geometry.name]].reset_index(drop=True)
    supply, missing = _supply(rule, fac)
    pop = ctx.pop
    score: np.ndarray = np.zeros(len(dem))
    i = j = np.zeros(0, dtype=np.int64)
    off_fac = 0
    off_dem = np.zeros(len(dem), bool)
    if len(fac) and len(dem):
        with warnings.catch_warnings():  # the run warned about these points already; the rows' notes count them
            warnings.simplefilter("ignore", OffNetworkWarning)
            m = travel_time_matrix(G, dem, fac, max_time_s=steps[-1][0] * 60.0, max_snap_m=ctx.options.max_snap_m)
        w = _weights(m[TRAVEL_TIME_S].to_numpy(dtype=float), steps)
        keep = w > 0
        i = m[ORIGIN].to_numpy(dtype=np.int64)[keep]
        j = m[DESTINATION].to_numpy(dtype=np.int64)[keep]
        w = w[keep]
        reached_pop = np.bincount(j, weights=pop[i] * w, minlength=len(fac))  # step 1
        ratio = np.divide(supply, reached_pop, out=np.zeros(len(fac)), where=reached_pop > 0)
        score = np.bincount(i, weights=ratio[j] * w, minlength=len(dem)) * float(rule.params["per"])  # step 2
        off_dem[np.asarray(m.attrs.get("origins_off_network", []), dtype=np.int64)] = True
        off_fac = len(m.attrs.get("destinations_off_network", []))
    out = CatchmentScores(np.where(off_dem, np.nan, score), i, j, rows, off_fac, missing)
    ctx.costs.arrays[key] = out  # type: ignore[assignment]  # the cost cache holds this rule's two steps
    return out


def _resource_words(rule: Rule) -> tuple[str, str]:
    """(en, zh) of the supply: ``beds`` / ``床位数``; ``facilities`` / ``机构数`` for ``count``."""
    resource = str(rule.params["resource"])
    if resource == "count":
        return "facilities", RESOURCE_ZH["count"]
    return resource, RESOURCE_ZH.get(resource, resource)


def _method(rule: Rule) -> str:
    return "E2SFCA" if rule.params.get("steps") else "2SFCA"


def _standard(rule: Rule) -> str:
    p = rule.params
    en, _ = _resource_words(rule)
    return (
        f"≥ {float(p['amount']):g} {en} per {int(p['per']):,} residents within {catchment_minutes(rule):g} min "
        f"({p['travel_mode']}, {_method(rule)})"
    )


def _not_assessed(row: dict[str, Any], rule: Rule, code: str, zh: str, en: str) -> tuple[dict[str, Any], list[Note]]:
    return {**row, "verdict": "not_assessed"}, [Note(code, row["area_code"], rule.id, zh, en)]


def _missing_data(rule: Rule, row: dict[str, Any], ctx: Context) -> tuple[dict[str, Any], list[Note]] | None:
    """Not assessed for lack of the mode's network or of the supply column (None: the data is there)."""
    mode, minutes = str(rule.params["travel_mode"]), catchment_minutes(rule)
    if mode not in ctx.graphs:
        given = ", ".join(ctx.graphs) or "none"
        given_zh = "、".join(ctx.graphs) or "无"
        return _not_assessed(
            row,
            rule,
            "no_network",
            f"未评估：{minutes:g}分钟服务范围需要{MODE_ZH.get(mode, mode)}路网（已提供：{given_zh}），不以其他方式代替"
            "（分区运行 assess_partitioned 不计算跨分区的服务范围，请用 assess()）",
            f"not assessed: the {minutes:g}-min catchments need the {mode} road network (given: {given}), no other "
            f"mode stands in for it: pass G={{'{mode}': read_network(..., mode='{mode}')}} (assess_partitioned "
            "does not compute catchments across its partitions: use assess())",
        )
    resource = str(rule.params["resource"])
    if resource != "count" and resource not in ctx.facilities.columns:
        return _not_assessed(
            row,
            rule,
            "no_resource_column",
            f"未评估：设施数据缺少“{RESOURCE_ZH.get(resource, resource)}”（{resource}）一列，补充后可评估",
            f"the facility table has no '{resource}' column: add it (the supply of each facility) to assess "
            "this catchment rule",
        )
    return None


def _notes(rule: Rule, code: Any, reached: float, off_pop: float) -> list[Note]:
    p = rule.params
    mode, minutes = str(p["travel_mode"]), catchment_minutes(rule)
    en, zh = _resource_words(rule)
    zones = ", ".join(f"≤{u:g} min × {w:g}" for u, w in _steps(rule)) if p.get("steps") else ""
    how_en = f" with weights {zones}" if zones else ""
    how_zh = f"，分段权重 {zones.replace(' min', '分钟')}" if zones else ""
    out = [
        Note(
            "catchment",
            code,
            rule.id,
            f"{_method(rule)}：{MODE_ZH.get(mode, mode)}{minutes:g}分钟内可达的{zh}按各设施服务范围内人口分摊"
            f"{how_zh}；本区域 {reached:,.0f} 人可达至少一个设施",
            f"{_method(rule)}: {en} reachable within {minutes:g} min by {mode}{how_en}, each facility's supply "
            f"shared among the residents of its catchment, {reached:,.0f} residents of the area reach at least one",
        )
    ]
    if off_pop > 0:
        out.append(
            Note(
                "unreached",
                code,
                rule.id,
                f"{off_pop:,.0f} 名居民距{MODE_ZH.get(mode, mode)}路网过远（不计入平均值）",
                f"{off_pop:,.0f} residents are off the {mode} network (left out of the mean)",
            )
        )
    return out


def _run_notes(rule: Rule, code: Any, cs: CatchmentScores) -> list[Note]:
    """Facilities off the network, and without a supply value."""
    out = []
    mode, resource = str(rule.params["travel_mode"]), str(rule.params["resource"])
    if cs.off_network:
        out.append(
            Note(
                "off_network_facilities",
                code,
                rule.id,
                f"{cs.off_network} 个设施距{MODE_ZH.get(mode, mode)}路网过远：其供给不计入",
                f"{cs.off_network} facilities are off the {mode} network: their supply reaches nobody",
            )
        )
    if cs.missing:
        out.append(
            Note(
                "missing_resource",
                code,
                rule.id,
                f"{cs.missing} 个设施缺少 {resource!r} 数值（按 0 计）",
                f"{cs.missing} facilities have no {resource!r} value (counted as 0)",
            )
        )
    return out


def access_ratio_row(rule: Rule, area: pd.Series, cls: str, ctx: Context) -> tuple[dict[str, Any], list[Note]]:
    """The row and notes of an ``access_ratio`` rule for one area (see the module's docstring)."""
    en, _ = _resource_words(rule)
    p = rule.params
    mode = str(p["travel_mode"])
    row = {
        **area_row(rule, area, cls, ctx),
        "standard": _standard(rule),
        "threshold": float(p["amount"]),
        "unit": f"{en} per {int(p['per']):,}",
        "limit": catchment_minutes(rule),
        "mode": mode,
        "metric": f"{_method(rule)} {en} within {catchment_minutes(rule):g} min",
        "supply_source": "facilities",
    }
    code = area["area_code"] if area is not None else ALL
    missing = _missing_data(rule, row, ctx)
    if missing is not None:
        return missing
    m = ctx.in_area(code)
    w = ctx.pop[m]
    total = float(w.sum())
    row.update(pop=total, data_coverage=area_data_coverage(ctx, mode, code))
    if total <= 0:
        return {**row, "verdict": "not_applicable"}, [
            Note("no_population", code, rule.id, "该区域无人口", "no population in the area")
        ]
    cs = catchment_scores(rule, ctx)
    score = cs.score[m]
    on = np.isfinite(score)
    pos = np.flatnonzero(m)
    reach_i = np.isin(pos, cs.pairs_i)
    reached = float(w[reach_i].sum())
    notes = _notes(rule, code, reached, float(w[~on].sum())) + _run_notes(rule, code, cs)
    if not on.any():
        row.update(pop_covered=0.0, pop_not_covered=total)
        return {**row, "verdict": "not_assessed"}, notes
    value = float(np.average(score[on], weights=w[on])) if w[on].sum() > 0 else float(np.mean(score[on]))
    used = np.unique(cs.pairs_j[np.isin(cs.pairs_i, pos)])
    row.update(
        verdict="pass" if value >= float(p["amount"]) * (1 - 1e-9) else "fail",  # a floor: at it passes
        value=value,
        margin=value - float(p["amount"]),
        pop_covered=reached,
        pop_not_covered=total - reached,
        share=reached / total,
        counted=counted_text(ctx.facilities.iloc[cs.facility_rows[used]]),
    )
    return row, notes
