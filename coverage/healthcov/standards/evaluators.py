"""Rule evaluators: one rule on a prepared :class:`~healthcov.standards.prepare.Context` → a :class:`RuleResult`.

Each kind of rule (service circle, service radius, response time, ratio, count per area) is a
function of the rule, one area (or ``None`` for the jurisdiction) and the context; it returns the
row, the notes of the row and, for time and distance rules, the per-point values of the area.
:func:`evaluate` runs it over the areas, adds the strictest version along the profile chain, and
returns plain data: no callbacks, nothing written to the context but the cost cache.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._columns import LENGTH, TRAVEL_TIME
from ..errors import InputError
from .access_rules import access_ratio_row
from .costs import delayed_response_min, network_costs, straight_distances
from .notes import Note
from .prepare import Context
from .profiles import Rule
from .profiles import strictest as strictest_rule
from .readings import reading_evaluator
from .rowfacts import RESOURCE_ZH, area_data_coverage, area_row, counted_text
from .sensitivity import response_sensitivity
from .statistics import statistics_supply
from .vocabulary import ALL

__all__ = ["RuleResult", "PointValues", "evaluate", "pick_mode", "value_by_class"]


@dataclass(frozen=True)
class PointValues:
    """Per demand point: the rule's value (minutes or km; NaN outside the evaluated areas) and coverage."""

    values: np.ndarray
    covered: np.ndarray


@dataclass(frozen=True)
class RuleResult:
    """What one rule gives: its rows (one per area, or the jurisdiction's), per-point values, and notes.

    ``rows`` are dicts of the columns of :data:`~healthcov.standards.vocabulary.TABLE_COLUMNS`
    without ``note``; the notes of a row are the :attr:`notes` with its ``area_code`` and this
    ``rule_id``; notes with ``rule_id=None`` are about the run (e.g. points off a network).
    """

    rule_id: str
    rows: tuple[dict[str, Any], ...]
    per_point_values: PointValues | None = None
    notes: tuple[Note, ...] = field(default=())
    #: rows of the response-time sensitivity table (see :mod:`healthcov.standards.sensitivity`)
    sensitivity: tuple[dict[str, Any], ...] = field(default=())


@dataclass
class _Piece:
    row: dict[str, Any]
    notes: list[Note]
    points: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    sensitivity: list[dict[str, Any]] = field(default_factory=list)


def value_by_class(spec: Any, cls: str) -> Any:
    """A rule parameter for an area class: ``spec`` itself, or ``spec[cls]``, else ``spec["all"]``."""
    if not isinstance(spec, Mapping):
        return spec
    if cls in spec:
        return spec[cls]
    if "all" in spec:
        return spec["all"]
    return None


def _pair(v: Any) -> tuple[float, float]:
    if isinstance(v, (list, tuple)):
        return float(v[0]), float(v[-1])
    return float(v), float(v)


def _fmt(x: float) -> str:
    return f"{x:g}"


def pick_mode(modes: Sequence[str], wanted: Sequence[str]) -> tuple[str, tuple[str, str] | None]:
    """The network a rule uses: the first wanted mode given, else the first one given (with a note in zh, en).

    An empty mode name means no network at all.
    """
    for i, w in enumerate(wanted):
        if w in modes:
            return w, None if i == 0 else (
                f"未提供{wanted[0]}路网，使用{w}路网",
                f"no {wanted[0]} network given; used the {w} network",
            )
    if not modes:
        return "", (
            "需要路网（未提供：请传入 G=read_network(...)）",
            "needs a road network (none was given: pass G=read_network(...))",
        )
    name = modes[0]
    return name, (f"未提供{wanted[0]}路网，使用{name}路网", f"no {wanted[0]} network given; used the {name} network")


def _verdict_share(share: float, target: float, partial: float) -> str:
    if not np.isfinite(share):
        return "not_applicable"
    if share >= target - 1e-12:
        return "pass"
    if share >= partial - 1e-12:
        return "partial"
    return "fail"


def _weighted_stats(values: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Population-weighted mean and 90th percentile of ``values`` (finite values only)."""
    ok = np.isfinite(values) & (w > 0)
    if not ok.any():
        return float("nan"), float("nan")
    v, ww = values[ok], w[ok]
    mean = float(np.average(v, weights=ww))
    order = np.argsort(v)
    cw = np.cumsum(ww[order])
    p90 = float(v[order][np.searchsorted(cw, 0.9 * cw[-1])])
    return mean, p90


def _base_row(rule: Rule, area: pd.Series | None, cls: str, ctx: Context) -> dict[str, Any]:
    return area_row(rule, area, cls, ctx)


def base_row(rule: Rule, area: pd.Series | None, ctx: Context) -> dict[str, Any]:
    """The identifying columns of a rule's row for ``area`` (``None``: the jurisdiction)."""
    return _base_row(rule, area, "all" if area is None else str(area["area_class"]), ctx)


class _Notes:
    """Builds the notes of one row."""

    def __init__(self, rule: Rule, area: pd.Series | None) -> None:
        self.rule_id = rule.id
        self.area_code = ALL if area is None else area["area_code"]
        self.items: list[Note] = []

    def add(self, code: str, zh: str, en: str) -> _Notes:
        if en:
            self.items.append(Note(code, self.area_code, self.rule_id, zh, en))
        return self

    def pick(self, picked: tuple[str, str] | None, code: str = "network_substituted") -> _Notes:
        if picked is not None:
            self.add(code, *picked)
        return self


def _no_population(row: dict[str, Any], n: _Notes, en: str = "no population in the area") -> _Piece:
    n.items = []
    n.add("no_population", "该区域无人口" if "area" in en else "无人口", en)
    return _Piece({**row, "verdict": "not_applicable"}, n.items)


def _circle(rule: Rule, area: pd.Series, cls: str, ctx: Context) -> _Piece:
    row = _base_row(rule, area, cls, ctx)
    n = _Notes(rule, area)
    minutes = value_by_class(rule.params.get("minutes"), cls)
    if minutes is None:
        n.add("no_threshold", f"规则中无{cls}标准", f"no {cls} threshold in the rule")
        return _Piece({**row, "verdict": "not_applicable"}, n.items)
    minutes = float(minutes)
    o = ctx.options
    mode, picked = pick_mode(ctx.modes, [(o.circle_modes or {}).get(cls, "walk")])
    if not mode:
        return _Piece({**row, "verdict": "not_assessed"}, n.pick(picked, "no_network").items)
    m = ctx.in_area(area["area_code"])
    w = ctx.pop[m]
    types = tuple(rule.facility_types)
    t_any = network_costs(ctx, mode, types, TRAVEL_TIME, "to_facility", None)[m] / 60.0
    t_own = network_costs(ctx, mode, types, TRAVEL_TIME, "to_facility", area["area_code"])[m] / 60.0
    t = t_any if o.cross_boundary else t_own
    total = float(w.sum())
    cov = float(w[t <= minutes].sum())
    share = cov / total if total > 0 else float("nan")
    other = float(w[(t_own if o.cross_boundary else t_any) <= minutes].sum()) / total if total > 0 else float("nan")
    mean, p90 = _weighted_stats(t, w)
    points = (m, t, t <= minutes)
    if total <= 0:
        piece = _no_population(row, n)
        piece.points = points
        return piece
    n.pick(picked)
    if np.isfinite(other):
        which_en, which_zh = ("only this area", "仅本区域") if o.cross_boundary else ("any area", "任一区域")
        n.add(
            "other_boundary_share",
            f"只计{which_zh}设施时的覆盖比例：{other:.1%}",
            f"share covered counting {which_en}'s facilities: {other:.1%}",
        )
    out = {
        **row,
        "standard": f"≤ {_fmt(minutes)} min ({mode}), ≥ {o.target_share:.0%} of residents",
        "verdict": _verdict_share(share, o.target_share, o.partial_share),
        "value": share,
        "threshold": o.target_share,
        "margin": share - o.target_share,
        "unit": "share",
        "pop": total,
        "pop_covered": cov,
        "pop_not_covered": total - cov,
        "share": share,
        "mean_min": mean,
        "p90_min": p90,
        "metric": "network travel time",
        "mode": mode,
        "limit": minutes,
        "data_coverage": area_data_coverage(ctx, mode, area["area_code"]),
    }
    return _Piece(out, n.items, points)


def _township_alternative(rule: Rule, area: pd.Series, ctx: Context, n: _Notes, verdict: str) -> str:
    """Rural radius rules: "or a station in every township" (evaluated for township areas)."""
    alt = dict(rule.params.get("alternative") or {})
    units = tuple(alt.get("unit_types", ("镇", "乡")))
    if not str(area["area_name"]).endswith(units):
        n.add(
            "township_alternative",
            "替代条件（每个乡镇一个站点）需要乡镇级区域：本单元未评估",
            "alternative (a station in every township) needs township areas: not evaluated for this unit",
        )
        return verdict
    sel = ctx.facilities_of(tuple(alt.get("facility_types", rule.facility_types)))
    k = int((sel & (ctx.facilities["area_code"] == area["area_code"]).to_numpy()).sum())
    ok = k >= int(alt.get("min", 1))
    word = "pass" if ok else "fail"
    n.add(
        "township_alternative",
        f"替代条件（乡镇内≥{alt.get('min', 1)}个站点）：{k} → {word}",
        f"alternative (≥{alt.get('min', 1)} station in the township): {k} → {word}",
    )
    if ok and verdict != "pass":
        n.add(
            "township_alternative",
            "综合结论：服务半径或乡镇站点 → 达标",
            "combined verdict: radius OR township station → pass",
        )
        return "pass"
    return verdict


def _radius_shares(
    w: np.ndarray, dn: np.ndarray, ds: np.ndarray, strict_km: float, lenient_km: float, metric: str
) -> tuple[str, str, str]:
    """The range text and the network / straight-line shares note (zh, en)."""
    total = float(w.sum())

    def share(dist: np.ndarray, km: float) -> float:
        return float(w[dist <= km].sum()) / total

    two = lenient_km != strict_km
    rng = f"{_fmt(strict_km)}–{_fmt(lenient_km)}" if two else _fmt(strict_km)
    net = f"{share(dn, strict_km):.1%}" + (f"/{share(dn, lenient_km):.1%}" if two else "")
    line = f"{share(ds, strict_km):.1%}" + (f"/{share(ds, lenient_km):.1%}" if two else "")
    zh_metric = "路网" if metric == "network" else "直线"
    if np.isnan(dn).all():  # no network given: no network figure
        return rng, f"{rng} 公里内（直线）：{line}", f"within {rng} km (straight line): {line}"
    zh = f"{rng} 公里内：路网 {net}，直线 {line}；结论采用{zh_metric}距离"
    en = f"within {rng} km: network {net}, straight line {line}; verdict uses {metric} distance"
    return rng, zh, en


def _radius(rule: Rule, area: pd.Series, cls: str, ctx: Context) -> _Piece:
    row = _base_row(rule, area, cls, ctx)
    n = _Notes(rule, area)
    spec = value_by_class(rule.params.get("radius_km"), cls)
    if spec is None:
        n.add("no_threshold", f"规则中无{cls}区域的服务半径", f"no radius for {cls} areas in the rule")
        return _Piece({**row, "verdict": "not_applicable"}, n.items)
    strict_km, lenient_km = _pair(spec)
    o = ctx.options
    mode, picked = pick_mode(ctx.modes, ["ambulance", "drive"])
    m = ctx.in_area(area["area_code"])
    w = ctx.pop[m]
    total = float(w.sum())
    if total <= 0:
        return _no_population(row, n)
    types = tuple(rule.facility_types)
    ds = straight_distances(ctx, types)[m] / 1000.0
    metric = o.radius_metric
    if not mode:
        dn = np.full(len(ds), np.nan)
        metric = "straight"
        n.add(
            "straight_line_fallback",
            "未提供路网：结论采用直线距离",
            "no road network given: the verdict uses straight-line distance",
        )
    else:
        area_key = None if o.cross_boundary else area["area_code"]
        dn = network_costs(ctx, mode, types, LENGTH, "from_facility", area_key)[m] / 1000.0
        n.pick(picked)
    d = dn if metric == "network" else ds
    s_strict = float(w[d <= strict_km].sum()) / total
    s_len = float(w[d <= lenient_km].sum()) / total
    v_len = _verdict_share(s_len, o.target_share, o.partial_share)
    rng, zh, en = _radius_shares(w, dn, ds, strict_km, lenient_km, metric)
    n.add("radius_shares", zh, en)
    verdict = _verdict_share(s_strict, o.target_share, o.partial_share)
    if rule.params.get("alternative") and cls == "rural":
        verdict = _township_alternative(rule, area, ctx, n, verdict)
    out = {
        **row,
        "standard": f"≤ {rng} km ({metric}), ≥ {o.target_share:.0%} of residents",
        "verdict": verdict,
        "verdict_lenient": "pass" if verdict == "pass" else v_len,
        "value": s_strict,
        "threshold": o.target_share,
        "margin": s_strict - o.target_share,
        "unit": "share",
        "pop": total,
        "pop_covered": s_strict * total,
        "pop_not_covered": (1 - s_strict) * total,
        "share": s_strict,
        "mean_min": float("nan"),
        "p90_min": float("nan"),
        "metric": f"{metric} distance",
        "mode": mode,
        "limit": strict_km,
        "data_coverage": area_data_coverage(ctx, mode, area["area_code"]),
    }
    return _Piece(out, n.items, (m, d, d <= strict_km))


def _response(rule: Rule, area: pd.Series | None, cls: str, ctx: Context) -> _Piece:
    row = _base_row(rule, area, cls, ctx)
    n = _Notes(rule, area)
    limit = value_by_class(rule.params.get("minutes_lt"), cls if area is not None else "all")
    if limit is None:
        n.add("no_threshold", f"规则中无{cls}响应时间目标", f"no {cls} response-time target in the rule")
        return _Piece({**row, "verdict": "not_applicable"}, n.items)
    limit = float(limit)
    o = ctx.options
    mode, picked = pick_mode(ctx.modes, ["ambulance", "drive"])
    if not mode:
        return _Piece({**row, "verdict": "not_assessed"}, n.pick(picked, "no_network").items)
    m = ctx.in_area(area["area_code"]) if area is not None else ctx.assigned
    w = ctx.pop[m]
    total = float(w.sum())
    if total <= 0:
        return _no_population(row, n)
    area_key = None if (o.cross_boundary or area is None) else area["area_code"]
    types = tuple(rule.facility_types)
    t_all = network_costs(ctx, mode, types, TRAVEL_TIME, "from_facility", area_key) / 60.0
    t = t_all[m]
    own = delayed_response_min(ctx, mode, types, area_key)
    resp = o.activation_delay_min + t if own is None else own[m]
    mean, p90 = _weighted_stats(resp, w)
    unreached = float(w[~np.isfinite(resp)].sum())
    within = float(w[resp < limit].sum())
    if not np.isfinite(mean):
        verdict = "fail"
    elif mean < limit:
        verdict = "pass" if unreached == 0 else "partial"
    else:
        verdict = "fail"
    delay = _fmt(o.activation_delay_min)
    if own is None:
        n.pick(picked).add(
            "activation_delay",
            f"出车准备 {delay} 分钟 + 自最近站点的车行时间",
            f"activation delay {delay} min + drive time from the nearest station",
        )
    else:
        n.pick(picked).add(
            "station_delays",
            f"各站点自身的出车准备时间（未填者按 {delay} 分钟）+ 车行时间，取最快到达者",
            f"each station's own activation delay (facility column activation_delay_min, else {delay} min) "
            "+ drive time, the fastest station",
        )
    if unreached:
        n.add(
            "unreached",
            f"{unreached:,.0f} 名居民无法到达（不计入平均值）",
            f"{unreached:,.0f} residents cannot be reached (left out of the mean)",
        )
    out = {
        **row,
        "standard": f"mean < {_fmt(limit)} min",
        "verdict": verdict,
        "value": mean,
        "threshold": limit,
        "margin": limit - mean if np.isfinite(mean) else float("-inf"),
        "unit": "min",
        "pop": total,
        "pop_covered": within,
        "pop_not_covered": total - within,
        "share": within / total,
        "mean_min": mean,
        "p90_min": p90,
        "metric": "network travel time",
        "mode": mode,
        "limit": limit,
        "data_coverage": area_data_coverage(ctx, mode, area["area_code"]) if area is not None else float("nan"),
    }
    piece = _Piece(out, n.items, (m, resp, resp < limit) if area is not None else None)
    piece.sensitivity = response_sensitivity(rule.id, area, ctx, t_all, limit)
    return piece


def _ratio_present(rule: Rule, area: pd.Series | None, ctx: Context, n: _Notes) -> tuple[float | None, str, str]:
    """How much of the ratio's resource the area has, where from, and the facilities that counted.

    From the facility table (a count, or the sum of its resource column), else from the
    area-level statistics; ``(None, "unknown", "")`` when neither has it.
    """
    resource = str(rule.params.get("resource", "count"))
    sel = ctx.facilities_of(tuple(rule.facility_types))
    if area is not None:
        sel &= (ctx.facilities["area_code"] == area["area_code"]).to_numpy()
    if resource == "count":
        return float(sel.sum()), "facilities", counted_text(ctx.facilities.loc[sel])
    if resource not in ctx.facilities.columns:
        stat = statistics_supply(ctx, resource, None if area is None else area["area_code"])
        if stat is None:
            return None, "unknown", ""
        n.add(
            "statistics",
            f"现有数量取自区域统计数据：{RESOURCE_ZH.get(resource, resource)} {stat:,.0f}",
            f"supply from the area statistics: {resource} = {stat:,.0f}",
        )
        return stat, "statistics", ""
    vals = pd.to_numeric(ctx.facilities.loc[sel, resource], errors="coerce")
    if vals.isna().any():
        k = int(vals.isna().sum())
        n.add(
            "missing_resource",
            f"{k} 个设施缺少 {resource!r} 数值（按 0 计）",
            f"{k} facilities have no {resource!r} value (counted as 0)",
        )
    return float(vals.fillna(0).sum()), "facilities", counted_text(ctx.facilities.loc[sel][vals.notna().to_numpy()])


def _ratio_base(rule: Rule, area: pd.Series | None, ctx: Context) -> tuple[float, float, float]:
    """Population, the population factor for the area, and the amount required per ``per``."""
    p = rule.params
    pop = float(ctx.areas["pop"].sum()) if area is None else float(area["pop"])
    factor = 1.0
    pf = p.get("population_factor")
    if pf:
        factor = float(pf.get("default", 1.0))
        name = None if area is None else str(area["area_name"])
        for k, v in dict(pf.get("by_area", {})).items():
            if name is not None and (name == k or name.startswith(str(k))):
                factor = float(v)
    amount = float(p.get("amount", 1.0))
    by_area = dict(p.get("amount_by_area", {}) or {})
    if area is not None and str(area["area_name"]) in by_area:
        amount = float(by_area[str(area["area_name"])])  # the plan's own target for this district
    return pop, factor, amount


def _ratio_requirement(rule: Rule, area: pd.Series | None, ctx: Context) -> dict[str, Any]:
    """The requirement of a ratio row: population, base factor, amount, per (strict, lenient), counts required."""
    pop, factor, amount = _ratio_base(rule, area, ctx)
    per_strict, per_lenient = _pair(rule.params.get("per"))
    per_strict, per_lenient = min(per_strict, per_lenient), max(per_strict, per_lenient)
    req_strict, req_len = amount * pop * factor / per_strict, amount * pop * factor / per_lenient
    resource = str(rule.params.get("resource", "count"))
    countable = resource in ("count", "ambulances", "vehicles", "stations")
    if countable:
        req_strict, req_len = math.ceil(req_strict - 1e-9), math.ceil(req_len - 1e-9)
    unit_word = {"count": "facilities"}.get(resource, resource)
    word = "facility" if unit_word == "facilities" and amount == 1 else unit_word
    per_txt = f"{per_strict:,.0f}–{per_lenient:,.0f}" if per_lenient != per_strict else f"{per_strict:,.0f}"
    base_en = f" (population base {factor:.0%})" if factor != 1.0 else ""
    return {
        "pop": pop,
        "factor": factor,
        "amount": amount,
        "per": (per_strict, per_lenient),
        "required": (req_strict, req_len),
        "countable": countable,
        "unit_word": unit_word,
        "standard": f"{_fmt(amount)} {word} per {per_txt} residents{base_en}",
        "rate_unit": f"{unit_word} per {per_strict:,.0f}",
    }


def _ratio(rule: Rule, area: pd.Series | None, cls: str, ctx: Context) -> _Piece:
    row = _base_row(rule, area, cls, ctx)
    n = _Notes(rule, area)
    present, source, counted = _ratio_present(rule, area, ctx, n)
    q = _ratio_requirement(rule, area, ctx)
    pop, factor, amount = q["pop"], q["factor"], q["amount"]
    (per_strict, per_lenient), (req_strict, req_len) = q["per"], q["required"]
    if pop <= 0:
        return _no_population(row, n, "no population")
    if factor != 1.0:
        n.add(
            "population_factor",
            f"人口基数 = {pop:,.0f} 的 {factor:.0%}",
            f"population base = {factor:.0%} of {pop:,.0f}",
        )
    if per_lenient != per_strict:
        n.add(
            "lenient_requirement",
            f"宽松标准（每 {_fmt(per_lenient)}）：需 {req_len:,.0f}",
            f"lenient ({_fmt(per_lenient)} per): {req_len:,.0f} required",
        )
    known = {
        **row,
        "standard": q["standard"],
        "threshold": amount,
        "unit": q["rate_unit"],
        "pop": pop,
        "required": float(req_strict),
        "limit": float(req_strict),
        "supply_source": source,
    }
    if present is None:
        resource = str(rule.params.get("resource", "count"))
        base = f"（{factor:.0%} 人口基数）" if factor != 1.0 else ""
        base_en = f" ({factor:.0%} base)" if factor != 1.0 else ""
        req = f"{req_strict:,}" if q["countable"] else f"{req_strict:,.2f}".rstrip("0").rstrip(".")
        n.add(
            "supply_unknown",
            f"需{RESOURCE_ZH.get(resource, resource)} {req}{base}；现有数量未知（设施数据缺该列，也无区域统计）",
            f"{req} {q['unit_word']} required{base_en}, supply unknown (the facility table has no {resource!r} "
            "column: add it, or give statistics=)",
        )
        return _Piece({**known, "verdict": "not_assessed"}, n.items)
    short = max(0.0, req_strict - present)
    more = format(math.ceil(short), ",")
    n.add("shortfall", *((f"还需 {more} 个", f"need {more} more") if short > 0 else ("已达要求", "requirement met")))
    rate = present / (pop * factor) * per_strict
    out = {
        **known,
        "verdict": "pass" if present >= req_strict else ("partial" if present >= req_len else "fail"),
        "verdict_lenient": "pass" if present >= req_len else "fail",
        "value": rate,
        "margin": rate - amount,
        "present": present,
        "shortfall": float(math.ceil(short)) if q["countable"] else short,
        "metric": f"{rate:.2f} per {_fmt(per_strict)}",
        "counted": counted,
    }
    return _Piece(out, n.items)


def _count(rule: Rule, area: pd.Series, cls: str, ctx: Context) -> _Piece:
    row = _base_row(rule, area, cls, ctx)
    n = _Notes(rule, area)
    units = tuple(str(u) for u in rule.params.get("unit_types", ()))
    utype = str(area.get("unit_type", "") or "")
    if units and not (str(area["area_name"]).endswith(units) or utype in units):
        both = "/".join(units)
        n.add("unit_type", f"适用于{both}类单元", f"applies to units of type {both}")
        return _Piece({**row, "verdict": "not_applicable"}, n.items)
    need = int(rule.params.get("min", 1))
    sel = ctx.facilities_of(tuple(rule.facility_types)) & (ctx.facilities["area_code"] == area["area_code"]).to_numpy()
    k = int(sel.sum())
    short = max(0, need - k)
    if short:
        n.add("shortfall", f"还需 {short} 个", f"need {short} more")
    out = {
        **row,
        "standard": f"≥ {need} per {'/'.join(units) if units else 'area'}",
        "verdict": "pass" if k >= need else "fail",
        "value": float(k),
        "threshold": float(need),
        "margin": float(k - need),
        "unit": "facilities",
        "pop": float(area["pop"]),
        "required": float(need),
        "present": float(k),
        "shortfall": float(short),
        "limit": float(need),
        "supply_source": "facilities",
        "counted": counted_text(ctx.facilities.loc[sel]),
    }
    return _Piece(out, n.items)


def _access(rule: Rule, area: pd.Series, cls: str, ctx: Context) -> _Piece:
    return _Piece(*access_ratio_row(rule, area, cls, ctx))  # standards/access_rules.py


_EVALUATORS = {
    "service_circle": _circle,
    "service_radius": _radius,
    "response_time": _response,
    "ratio": _ratio,
    "count_per_area": _count,
    "access_ratio": _access,
}


def _pieces(rule: Rule, ctx: Context) -> list[_Piece]:
    """The rule on every area (or on the jurisdiction, and the areas with their own targets)."""
    # the plans' readings and per-resident classes (standards/readings.py)
    fn = reading_evaluator(rule, _EVALUATORS[rule.kind]) or _EVALUATORS[rule.kind]
    if str(rule.params.get("scope", "area")) == "jurisdiction":
        if rule.kind not in ("response_time", "ratio"):
            msg = f"rule {rule.id}: scope='jurisdiction' is supported for response_time and ratio rules only"
            raise InputError(msg)
        pieces = [fn(rule, None, "all", ctx)]
        by_area = dict(rule.params.get("amount_by_area", {}) or {})
        if rule.kind == "ratio" and by_area:
            # the plan also sets a target per district (e.g. Ningbo's table 2): assess those areas too
            pieces += [fn(rule, a, a["area_class"], ctx) for _, a in ctx.areas.iterrows() if a["area_name"] in by_area]
        return pieces
    return [fn(rule, a, a["area_class"], ctx) for _, a in ctx.areas.iterrows()]


def _point_values(pieces: list[_Piece], n_points: int) -> PointValues | None:
    recorded = [p.points for p in pieces if p.points is not None]
    if not recorded:
        return None
    values = np.full(n_points, np.nan)
    covered = np.zeros(n_points, bool)
    for mask, v, c in recorded:
        values[mask] = v
        covered[mask] = c
    return PointValues(values, covered)


def _absent_note(rule: Rule, area_code: Any) -> Note:
    types = ", ".join(rule.facility_types)
    return Note(
        "no_facilities",
        area_code,
        rule.id,
        f"数据中没有类型为 {types} 的设施",
        f"no facilities of type {types} in the data",
    )


def evaluate(rule: Rule, context: Context) -> RuleResult:
    """Evaluate one rule on every area of a prepared context.

    With ``context.options.strictest``, a rule that overrides a parent is evaluated in its
    strictest version along the profile chain too (``verdict_strictest`` and a note); a rule
    whose facility types are absent from the data says so in a note. Notes about the run that the
    rule's travel costs brought up (points off a network) have ``rule_id=None``.
    """
    known = set(context.costs.snap_notes)
    pieces = _pieces(rule, context)
    if rule.facility_types and not context.facilities_of(tuple(rule.facility_types)).any():
        for p in pieces:
            p.notes.insert(0, _absent_note(rule, p.row["area_code"]))
    if context.options.strictest and rule.parent is not None:
        strict = strictest_rule(rule)
        if dict(strict.params) != dict(rule.params):
            for p, a in zip(pieces, _pieces(strict, context), strict=True):
                p.row["verdict_strictest"] = a.row.get("verdict")
                if a.row.get("standard"):
                    v, std = a.row.get("verdict"), a.row.get("standard", "")
                    p.notes.append(
                        Note(
                            "strictest",
                            p.row["area_code"],
                            rule.id,
                            f"最严适用标准（{strict.profile}）：{std} → {v}",
                            f"strictest applicable ({strict.profile}): {std} → {v}",
                        )
                    )
    for p in pieces:
        p.row.setdefault("verdict_strictest", p.row.get("verdict"))
        p.row.setdefault("verdict_lenient", p.row.get("verdict"))
    run_notes = [note for mode, note in context.costs.snap_notes.items() if mode not in known]
    return RuleResult(
        rule_id=rule.id,
        rows=tuple(p.row for p in pieces),
        per_point_values=_point_values(pieces, len(context.demand)),
        notes=(*run_notes, *(note for p in pieces for note in p.notes)),
        sensitivity=tuple(r for p in pieces for r in p.sensitivity),
    )
