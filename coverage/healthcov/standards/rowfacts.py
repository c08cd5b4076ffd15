"""Facts every verdict row carries beside its verdict (issue 10).

- ``data_coverage``: the share of the area's residents the rule's network reaches (population
  points snapped within ``max_snap_m``, over the area's population); rows under
  ``data_coverage_min`` get ``partial_data=True`` and a ``partial_data`` note;
- missing ≠ failing: a rule none of whose facility types is in the input is ``not_assessed``
  ("no ems_station in the input data") unless the user declares the data complete
  (``complete_types``);
- ``target_year``, ``baseline_2020``, ``plan_status`` / ``plan_status_zh`` from the profile's
  ``[document]`` table and the rule's ``base`` / ``base_by_area``;
- ``counted``: the facilities that counted in a count or ratio row ("id:name; …");
- the name of jurisdiction-wide rows.

:func:`finish_results` runs in :func:`~healthcov.standards.assemble.assemble`, so that a single
run and the merge of a partitioned run (which sees every facility) give the same rows.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .costs import demand_snap
from .notes import Note
from .profiles import load_profile
from .vocabulary import ALL

if TYPE_CHECKING:
    from .evaluators import RuleResult
    from .prepare import Context
    from .profiles import Rule

__all__ = [
    "area_row",
    "PLAN_STATUS_ZH",
    "ROW_FACT_COLUMNS",
    "ALL_AREAS_NAME",
    "RESOURCE_ZH",
    "types_zh",
    "jurisdiction_name",
    "area_data_coverage",
    "counted_text",
    "plan_facts",
    "finish_results",
]

#: the profile's ``[document] status`` in the plans' own words
PLAN_STATUS_ZH = {
    "issued": "已印发",
    "draft_for_approval": "送审稿",
    "first_draft": "初稿",
    "draft_for_comment": "征求意见稿",
}
ROW_FACT_COLUMNS = (
    "data_coverage",
    "partial_data",
    "supply_source",
    "counted",
    "target_year",
    "baseline_2020",
    "plan_status",
    "plan_status_zh",
)
#: the name of jurisdiction-wide rows when the areas are not one plan's units (area names are Chinese)
ALL_AREAS_NAME = "全部区域"
#: resources of ratio rules in the plans' words
RESOURCE_ZH = {
    "count": "机构数",
    "beds": "床位数",
    "rehab_beds": "康复床位数",
    "psych_beds": "精神科床位数",
    "infectious_beds": "传染病床位数",
    "doctors": "医师数",
    "nurses": "护士数",
    "psychiatrists": "精神科医师数",
    "ambulances": "救护车数",
}


def types_zh(types: Sequence[str]) -> str:
    """Facility type codes in Chinese (急救站（点）、乡镇卫生院…)."""
    from .facility_types import FACILITY_TYPES

    return "、".join(FACILITY_TYPES.get(t, {}).get("zh", t) for t in types)


#: numeric evidence a "not assessed for lack of facilities" row no longer states
_EVIDENCE = (
    "value",
    "margin",
    "share",
    "pop_covered",
    "pop_not_covered",
    "mean_min",
    "p90_min",
    "present",
    "shortfall",
)
#: notes that stay on such a row (the requirement and how it is stated)
_KEEP_CODES = {"population_factor", "lenient_requirement", "network_substituted", "no_network"}


def jurisdiction_name(ctx: Context) -> str:
    """Name of the jurisdiction-wide rows: the option, else the profile's city when the areas are its units."""
    if ctx.options.jurisdiction:
        return str(ctx.options.jurisdiction)
    units = ctx.profile.document.get("units") if ctx.profile.document else None
    if units and set(map(str, units)) == set(ctx.areas["area_name"].astype(str)):
        return str(ctx.profile.name_zh)
    return ALL_AREAS_NAME


def area_data_coverage(ctx: Context, mode: str, area_code: Any) -> float:
    """Share of the area's residents on the ``mode`` network (NaN without that network in the context)."""
    if not mode or (mode not in ctx.graphs and mode not in ctx.costs.snaps):
        return float("nan")
    on = np.asarray(demand_snap(ctx, mode).on_network, dtype=bool)
    m = ctx.in_area(area_code)
    area = ctx.areas.loc[ctx.areas["area_code"] == area_code]
    total = float(area["pop"].iloc[0]) if len(area) else float("nan")
    if not total > 0:
        return float("nan")
    return min(1.0, float(ctx.pop[m & on].sum()) / total)


def counted_text(fac: pd.DataFrame) -> str:
    """The facilities as ``"id:name; …"`` (id: an ``id`` / ``facility_id`` column, else the row label)."""
    if fac.empty:
        return ""
    idcol = next((c for c in ("facility_id", "id", "osm_id", "poi_id") if c in fac.columns), None)
    ids = fac[idcol].astype(str) if idcol else pd.Series(fac.index.astype(str), index=fac.index)
    names = fac["name"].fillna("").astype(str) if "name" in fac.columns else pd.Series("", index=fac.index)
    return "; ".join(f"{i}:{n}" for i, n in zip(ids, names, strict=True))


def _document(profile_id: str, fallback: Any) -> dict[str, Any]:
    try:
        return dict(load_profile(profile_id).document or {})
    except Exception:  # a profile given by path: its own document only
        return dict(fallback or {})


def plan_facts(rule: Rule, area_name: str | None, ctx: Context) -> dict[str, Any]:
    """Target year, 2020 baseline (where the plan gives one) and draft status of the rule's plan."""
    own = rule.profile == ctx.profile.id
    doc = dict(ctx.profile.document or {}) if own else _document(rule.profile, ctx.profile.document)
    p = rule.params
    base: Any = None
    by_area = dict(p.get("base_by_area", {}) or {})
    if area_name is not None and area_name in by_area:
        base = by_area[area_name]
    elif area_name is None and "base" in p:
        base = p.get("base")
    if int(doc.get("base_year", 2020) or 2020) != 2020:
        base = None  # a baseline of another year (Jiaxing's 2019) is not a 2020 value
    status = str(doc.get("status", "")) or None
    return {
        "target_year": float(doc["target_year"]) if doc.get("target_year") else float("nan"),
        "baseline_2020": float(base) if isinstance(base, (int, float)) else float("nan"),
        "plan_status": status,
        "plan_status_zh": PLAN_STATUS_ZH.get(status or "", status),
    }


def _declared_complete(rule: Rule, complete: Sequence[str] | None) -> bool:
    if not complete:
        return False
    return "*" in complete or all(t in complete for t in rule.facility_types)


def _missing(rule: Rule, row: dict[str, Any], ctx: Context, notes: list[Note]) -> tuple[dict[str, Any], list[Note]]:
    """A row judged with none of the rule's facilities in the input → not assessed (unless declared complete)."""
    if row.get("verdict") not in ("pass", "partial", "fail") or row.get("supply_source") == "statistics":
        return row, notes
    types = ", ".join(rule.facility_types)
    new = {**row, **dict.fromkeys(("verdict", "verdict_lenient", "verdict_strictest"), "not_assessed")}
    for c in _EVIDENCE:
        new[c] = float("nan")
    kept = [n for n in notes if n.code in _KEEP_CODES]
    kept.append(
        Note(
            "missing_in_input",
            row["area_code"],
            rule.id,
            f"未评估：输入数据中没有{types_zh(rule.facility_types)}（缺数据不等于未达标；如确认数据完整，可声明后判为未达标）",
            f"not assessed: no {types} in the input data (declare complete_types= if the data is complete: "
            "then it is a fail)",
        )
    )
    return new, kept


def _partial_note(row: dict[str, Any], rule_id: str, limit: float) -> Note | None:
    cov = row.get("data_coverage")
    if cov is None or not np.isfinite(cov) or cov >= limit - 1e-12:
        return None
    return Note(
        "partial_data",
        row["area_code"],
        rule_id,
        f"数据不全：路网仅覆盖本区域 {cov:.0%} 的居民，结论只就这部分居民而言",
        f"partial data: the network reaches {cov:.0%} of this area's residents, the verdict speaks for them only",
    )


def _jurisdiction_coverage(ctx: Context, by_mode: dict[str, dict[Any, float]], mode: str) -> float:
    """Population-weighted coverage of all areas, from their rows' ``data_coverage`` of ``mode``."""
    covs = by_mode.get(mode, {})
    pops = dict(zip(ctx.areas["area_code"], ctx.areas["pop"].astype(float), strict=True))
    if not covs or set(covs) != {c for c, p in pops.items() if p > 0}:
        direct = {c: area_data_coverage(ctx, mode, c) for c, p in pops.items() if p > 0}
        covs = direct if all(np.isfinite(v) for v in direct.values()) else covs
    if not covs:
        return float("nan")
    w = np.array([pops[c] for c in covs])
    return float(np.average(np.array(list(covs.values())), weights=w)) if w.sum() > 0 else float("nan")


def _coverage_by_mode(results: Sequence[RuleResult]) -> dict[str, dict[Any, float]]:
    out: dict[str, dict[Any, float]] = {}
    for res in results:
        for r in res.rows:
            cov, mode = r.get("data_coverage"), r.get("mode")
            if r["area_code"] != ALL and isinstance(mode, str) and mode and cov is not None and np.isfinite(cov):
                out.setdefault(mode, {})[r["area_code"]] = float(cov)
    return out


def _finish_row(
    rule: Rule, row: dict[str, Any], notes: list[Note], ctx: Context, by_mode: dict[str, dict[Any, float]]
) -> tuple[dict[str, Any], list[Note]]:
    row = dict(row)
    for c in ROW_FACT_COLUMNS:
        row.setdefault(c, None)
    if row["area_code"] == ALL and isinstance(row.get("mode"), str) and row["mode"]:
        cov = row.get("data_coverage")
        if cov is None or (isinstance(cov, float) and math.isnan(cov)):
            row["data_coverage"] = _jurisdiction_coverage(ctx, by_mode, row["mode"])
    absent = bool(rule.facility_types) and not ctx.facilities_of(tuple(rule.facility_types)).any()
    if absent and not _declared_complete(rule, ctx.options.complete_types):
        row, notes = _missing(rule, row, ctx, notes)
    note = _partial_note(row, rule.id, float(ctx.options.data_coverage_min))
    row["partial_data"] = note is not None
    if note is not None and not any(n.code == "partial_data" for n in notes):
        notes = [*notes, note]
    row.update(plan_facts(rule, None if row["area_code"] == ALL else str(row["area_name"]), ctx))
    return row, notes


def finish_results(results: Sequence[RuleResult], ctx: Context) -> list[RuleResult]:
    """The results with the row facts above; idempotent (a merge assembles rows assembled before)."""
    by_mode = _coverage_by_mode(results)
    out = []
    for res in results:
        try:
            rule = ctx.profile.rule(res.rule_id)
        except Exception:
            out.append(res)
            continue
        own: dict[Any, list[Note]] = {}
        other: list[Note] = []
        for n in res.notes:
            (own.setdefault(n.area_code, []) if n.rule_id == res.rule_id else other).append(n)
        rows, notes = [], list(other)
        for r in res.rows:
            row, row_notes = _finish_row(rule, r, own.pop(r["area_code"], []), ctx, by_mode)
            rows.append(row)
            notes += row_notes
        notes += [n for ns in own.values() for n in ns]
        out.append(dataclasses.replace(res, rows=tuple(rows), notes=tuple(notes)))
    return out


def area_row(rule: Any, area: pd.Series | None, cls: str, ctx: Context) -> dict[str, Any]:
    """The columns every row of ``rule`` starts with: the area (or the jurisdiction), its class, the
    rule and its source (used by every evaluator, the plain kinds and the plans' readings alike)."""
    return {
        "area_code": ALL if area is None else area["area_code"],
        "area_name": jurisdiction_name(ctx) if area is None else area["area_name"],
        "area_class": cls,
        "rule_id": rule.id,
        "rule_zh": rule.title_zh,
        "rule_en": rule.title_en,
        "kind": rule.kind,
        "status": rule.status,
        "profile": rule.profile,
        "source_ref": rule.source.get("ref", ""),
        "source_clause": rule.source.get("clause", ""),
        "source_quote": rule.source.get("quote", ""),
    }
