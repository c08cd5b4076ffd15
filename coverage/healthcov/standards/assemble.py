"""The last stage: rule results → :class:`~healthcov.standards.assessment.Assessment`.

:func:`assemble` is the one place where rows become the verdict table, per-point values become
demand columns, verdicts are counted per area, and the run's notes and assumptions are written;
both :func:`healthcov.assess` and the merge of :func:`healthcov.assess_partitioned` call it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._columns import GRAPH_KEY
from ..errors import HealthcovWarning, InputError
from ..io.population import POP
from .assessment import Assessment
from .evaluators import RuleResult
from .notes import Note, render_notes
from .prepare import Context
from .profiles import Profile, looser_than_parent
from .rowfacts import finish_results
from .sensitivity import SENSITIVITY_COLUMNS
from .vocabulary import TABLE_COLUMNS, VERDICT_ZH

__all__ = ["assemble", "reference_rows", "verdict_table", "count_verdicts"]


def reference_rows(profile: Profile, rules: Sequence[str] | None = None) -> pd.DataFrame:
    """The profile's rules that are kept for the record but not evaluated, with the reason."""
    from .vocabulary import EVALUATED_KINDS

    wanted = None if rules is None else set(rules)
    rows = [
        {
            "rule_id": rule.id,
            "rule_zh": rule.title_zh,
            "rule_en": rule.title_en,
            "status": rule.status,
            "profile": rule.profile,
            "source_ref": rule.source.get("ref", ""),
            "source_clause": rule.source.get("clause", ""),
            "source_quote": rule.source.get("quote", ""),
            "reason": rule.params.get("reason", f"rule kind {rule.kind!r} is not evaluated spatially"),
        }
        for rule in profile.rules
        if (wanted is None or rule.id in wanted) and (rule.kind == "reference" or rule.kind not in EVALUATED_KINDS)
    ]
    return pd.DataFrame(rows)


def verdict_table(results: Iterable[RuleResult]) -> pd.DataFrame:
    """The rows of the results as the verdict table, each with its notes rendered in ``note``."""
    rows = []
    for res in results:
        by_area: dict[Any, list[Note]] = {}
        for n in res.notes:
            if n.rule_id == res.rule_id:
                by_area.setdefault(n.area_code, []).append(n)
        for row in res.rows:
            rows.append({**row, "note": render_notes(by_area.get(row["area_code"], []))})
    table = pd.DataFrame(rows)
    for c in TABLE_COLUMNS:
        if c not in table.columns:
            table[c] = np.nan
    table = table[TABLE_COLUMNS]
    table["verdict_zh"] = table["verdict"].map(VERDICT_ZH)
    return table


def count_verdicts(areas: Any, table: pd.DataFrame) -> Any:
    """The areas with ``n_pass``, ``n_partial``, ``n_fail`` and the ``worst`` verdict.

    ``worst`` comes from the rows that exist: fail, else partial, else pass; an area without any
    of these is ``not_assessed`` (or ``not_applicable`` when every row of it is).
    """
    out = areas.copy()
    counts = pd.crosstab(table["area_code"], table["verdict"])
    for verdict in ("pass", "partial", "fail", "not_applicable"):
        n = counts[verdict] if verdict in counts.columns else pd.Series(dtype=float)
        out[f"n_{verdict}"] = out["area_code"].map(n).fillna(0).astype(int)
    n_rows = out["area_code"].map(counts.sum(axis=1)).fillna(0).astype(int)
    only_na = (n_rows > 0) & (out["n_not_applicable"] == n_rows)
    none = np.where(only_na, "not_applicable", "not_assessed")
    out["worst"] = np.select(
        [out["n_fail"] > 0, out["n_partial"] > 0, out["n_pass"] > 0], ["fail", "partial", "pass"], default=none
    )
    return out.drop(columns="n_not_applicable")


def _lack_of_data(table: pd.DataFrame, notes: Sequence[Note], on_missing: str, profile_id: str) -> list[Note]:
    """Rows not assessed for lack of data (not for a failed partition): a note, a warning or an error.

    Rows not assessed because none of the rule's facility types is in the input get one run note
    and no warning (their rows say why; ``complete_types=`` turns them into verdicts).
    """
    failed = {(n.rule_id, n.area_code) for n in notes if n.code == "partition_failed"}
    absent = {(n.rule_id, n.area_code) for n in notes if n.code == "missing_in_input"}
    na = table[table["verdict"] == "not_assessed"]
    keys = list(zip(na["rule_id"], na["area_code"], strict=True))
    out = _absent_types(na[[k in absent for k in keys]])
    na = na[[k not in failed and k not in absent for k in keys]]
    if na.empty:
        return out
    na = na.drop_duplicates("rule_id")
    what = "; ".join(f"{r.rule_id}: {r.note}" for r in na.itertuples())
    if on_missing == "raise":
        msg = f"profile {profile_id}: rules need data the inputs lack — {what}"
        raise InputError(msg)
    if on_missing == "warn":
        warnings.warn(f"not assessed for lack of data — {what}", HealthcovWarning, stacklevel=4)
    return [
        *out,
        Note("lack_of_data", None, None, f"因缺少数据未评估 — {what}", f"not assessed for lack of data — {what}"),
    ]


def _absent_types(na: pd.DataFrame) -> list[Note]:
    """One run note (no warning: the rows say it) for rules none of whose facilities is in the input."""
    if na.empty:
        return []
    rules = ", ".join(dict.fromkeys(na["rule_id"]))
    rules_zh = "、".join(dict.fromkeys(na["rule_zh"].astype(str)))
    return [
        Note(
            "missing_in_input",
            None,
            None,
            f"输入数据中没有所需类型的设施，以下标准未评估（缺数据不等于未达标）：{rules_zh}",
            f"not assessed, no facility of their types in the input (not a fail, declare complete_types= if the "
            f"data is complete): {rules}",
        )
    ]


def _assumptions(ctx: Context, notes: list[str]) -> dict[str, Any]:
    o = ctx.options
    infos = {name: g.graph[GRAPH_KEY] for name, g in ctx.graphs.items()}
    statuses = ctx.facts.get("statuses")
    ar = ctx.areas
    return {
        "profile": ctx.profile.id,
        "profile_chain": list(ctx.profile.chain),
        "circle_modes": dict(o.circle_modes or {}),
        "networks": {
            name: {"mode": info["mode"], "nodes": info["nodes"], "source": info.get("source")}
            for name, info in infos.items()
        },
        "activation_delay_min": float(o.activation_delay_min),
        "target_share": float(o.target_share),
        "partial_share": float(o.partial_share),
        "radius_metric": o.radius_metric,
        "cross_boundary": bool(o.cross_boundary),
        "complete_types": list(o.complete_types) if o.complete_types else [],
        "data_coverage_min": float(o.data_coverage_min),
        "peak_speed_factor": float(o.peak_speed_factor),
        "sensitivity_delays_min": list(o.sensitivity_delays_min),
        "statistics": ctx.facts["statistics"].attrs.get("source", "statistics")
        if ctx.facts.get("statistics") is not None
        else None,
        "statuses": list(statuses) if statuses is not None else ["all (no status column)"],
        "scenario": ctx.facts.get("scenario", "as given"),
        "population_method": ctx.facts.get("population_method", "points with counts"),
        "population_total_points": float(ctx.demand[POP].sum()),
        "area_population": ctx.facts.get("area_population", ""),
        "area_classification": dict(zip(ar["area_name"], ar["class_rule"], strict=True)),
        "notes": notes,
    }


def assemble(
    results: Sequence[RuleResult],
    context: Context,
    *,
    reference: pd.DataFrame | None = None,
    notes: Sequence[Note] = (),
) -> Assessment:
    """The :class:`Assessment` of rule results on a context.

    The verdict table (rows in the order of ``results``), the demand points with each rule's
    per-point values (``<rule id>`` and ``<rule id>:covered``), verdict counts per area, the
    profile's looser-than-parent list, the assumptions, and every note as data. ``notes`` are
    extra notes about the run (e.g. how a partitioned run was executed), kept after the
    context's. Rows not assessed for lack of data are handled as ``context.options.on_missing``
    says.
    """
    results = finish_results(results, context)
    table = verdict_table(results)
    dem = context.demand.copy()  # the context stays as prepared
    for res in results:
        if res.per_point_values is not None:
            dem[res.rule_id] = res.per_point_values.values
            dem[f"{res.rule_id}:covered"] = res.per_point_values.covered
    index = context.facts.get("demand_index")
    if index is not None and len(index) == len(dem):
        dem.index = index  # the population's own labels, so rows join back
    areas = count_verdicts(context.areas, table)
    row_notes = [n for r in results for n in r.notes if n.rule_id is not None]
    run_notes = [n for r in results for n in r.notes if n.rule_id is None]
    run_notes = list(dict.fromkeys([*run_notes, *context.notes, *notes]))
    run_notes += _lack_of_data(table, row_notes, context.options.on_missing, context.profile.id)
    return Assessment(
        profile=context.profile,
        table=table,
        areas=areas,
        demand=dem,
        facilities=context.facilities.copy(),
        reference=reference if reference is not None else reference_rows(context.profile, context.options.rules),
        looser=pd.DataFrame(looser_than_parent(context.profile)),
        assumptions=_assumptions(context, [n.text_en for n in run_notes]),
        networks=dict(context.graphs),
        notes=[*run_notes, *row_notes],
        options=context.options,
        sensitivity=pd.DataFrame([r for res in results for r in res.sensitivity], columns=SENSITIVITY_COLUMNS),
    )
