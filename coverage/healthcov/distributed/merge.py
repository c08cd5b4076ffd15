"""The client's side of a partitioned run: the partitions' pieces → one :class:`~healthcov.standards.Assessment`.

The merge turns the pieces into :class:`~healthcov.standards.RuleResult` s (the client's ratio and
count rules, the partitions' per-area rows with their notes as data, jurisdiction-wide rules
evaluated with :func:`~healthcov.standards.evaluate` on the merged per-point costs) and calls
:func:`~healthcov.standards.assemble`, the same last stage as :func:`healthcov.assess`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..standards import (
    NETWORK_KINDS,
    Assessment,
    AssessOptions,
    Context,
    CostCache,
    Note,
    PointValues,
    RuleResult,
    assemble,
    base_row,
    evaluate,
    selected_rules,
)
from ..standards.profiles import Rule
from .common import FAC, ROW, format_error

__all__ = ["merge", "merge_facilities"]

_LOCAL = ("lack_of_data", "statuses", "outside_areas")  # notes of a partition that the client gives for the whole run


def merge_facilities(
    fac: gpd.GeoDataFrame, results: dict[int, dict[str, Any]], specs: list[dict[str, Any]], modes: Sequence[str]
) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Snapping columns per mode, from a partition where the facility's snapping equals the whole network's."""
    out = fac.copy()
    unknown: dict[str, int] = {}
    pos = out[FAC].to_numpy()
    code_of = dict(zip(pos, out["area_code"], strict=True))
    for m in modes:
        on: dict[int, bool] = {}
        dist: dict[int, float] = {}
        for owner_first in (True, False):  # the facility's own area first
            for i, res in sorted(results.items()):
                s = res["facilities"]
                rel = s[f"reliable_{m}"].to_numpy(dtype=bool) | s[f"reliable_dist_{m}"].to_numpy(dtype=bool)
                ids = s[FAC].to_numpy()
                if owner_first:
                    rel &= np.array([code_of.get(f) == specs[i]["area_code"] for f in ids], dtype=bool)
                sure = s[f"reliable_dist_{m}"].to_numpy(dtype=bool)[rel]
                for f, o, d, ok in zip(
                    ids[rel],
                    s[f"on_network_{m}"].to_numpy()[rel],
                    s[f"snap_dist_m_{m}"].to_numpy()[rel],
                    sure,
                    strict=True,
                ):
                    if f not in on:
                        on[f] = bool(o)
                    if ok and f not in dist:
                        dist[f] = float(d)
        known = np.array([f in on for f in pos], dtype=bool)
        unknown[m] = int((~known).sum())
        if known.all():
            out[f"on_network_{m}"] = np.array([on[f] for f in pos], dtype=bool)
        else:
            out[f"on_network_{m}"] = pd.array([on.get(f) for f in pos], dtype="boolean")
        out[f"snap_dist_m_{m}"] = np.array([dist.get(f, np.nan) for f in pos], dtype=float)
    return out, unknown


def _failed_note(rule_id: str, area_code: Any, zh: str, en: str) -> Note:
    return Note("partition_failed", area_code, rule_id, zh, en)


def _client_result(rule: Rule, base: Assessment) -> RuleResult:
    """A ratio or count rule: the client's own evaluation (it needs no network)."""
    t = base.table[base.table["rule_id"] == rule.id].drop(columns=["verdict_zh", "note"])
    return RuleResult(rule.id, tuple(t.to_dict("records")), None, tuple(base.notes_of(rule.id)))


def _area_result(rule: Rule, ctx: Context, parts: dict[str, Any], present: bool) -> RuleResult:
    """An area rule of the network kinds: each area's row and notes from its partition (or its failure)."""
    rows, notes, sens = [], [], []
    results, failures, specs = parts["results"], parts["failures"], parts["specs"]
    for i in range(len(specs)):
        if i in results:
            rows.append(dict(parts["rows"][i][rule.id]))
            sens += [r for r in results[i].get("sensitivity", ()) if r["rule_id"] == rule.id]
            for n in results[i]["notes"]:
                # the task saw only the facilities near its area: "none of this type" is the client's to say
                if n.rule_id == rule.id and not (present and n.code == "no_facilities"):
                    notes.append(n)
            continue
        area = ctx.areas.iloc[i]
        exc, _ = failures[i]
        what = f"partition {specs[i]['area_code']} ({specs[i]['area_name']}) failed: {format_error(exc)}"
        rows.append(
            {
                **base_row(rule, area, ctx),
                **dict.fromkeys(("verdict", "verdict_lenient", "verdict_strictest"), "not_assessed"),
            }
        )
        notes.append(_failed_note(rule.id, area["area_code"], f"未评估：分区{what}", f"not assessed: {what}"))
    return RuleResult(rule.id, tuple(rows), parts["values"].get(rule.id), tuple(notes), sensitivity=tuple(sens))


def _jurisdiction_result(rule: Rule, ctx: Context, failed: list[str], n: int) -> RuleResult:
    """A jurisdiction-wide network rule, evaluated on the merged per-point costs."""
    res = evaluate(rule, ctx)
    if not failed:
        return res
    rows = tuple(
        {**r, **dict.fromkeys(("verdict", "verdict_lenient", "verdict_strictest"), "not_assessed")} for r in res.rows
    )
    names = ", ".join(failed)
    lost = [
        _failed_note(
            rule.id,
            r["area_code"],
            f"未评估：{n} 个分区中 {len(failed)} 个失败（{names}）；数值仅涵盖其他区域",
            f"not assessed: {len(failed)} of {n} partitions failed ({names}); the values cover the other areas only",
        )
        for r in rows
    ]
    return RuleResult(rule.id, rows, res.per_point_values, (*lost, *res.notes))


def _point_values(
    demand: gpd.GeoDataFrame, results: dict[int, dict[str, Any]], rule_ids: Sequence[str]
) -> dict[str, PointValues]:
    """Per rule: the partitions' per-point values, at the points' places in the client's demand."""
    rows_of = {i: res["demand"][ROW].to_numpy(dtype=np.int64) for i, res in results.items()}
    out = {}
    for rid in rule_ids:
        have = [i for i in sorted(results) if rid in results[i]["demand"].columns]
        if not have:
            continue
        vals = np.full(len(demand), np.nan)
        cov = np.zeros(len(demand), dtype=bool)
        for i in have:
            vals[rows_of[i]] = results[i]["demand"][rid].to_numpy(dtype=float)
            cov[rows_of[i]] = results[i]["demand"][f"{rid}:covered"].to_numpy(dtype=bool)
        out[rid] = PointValues(vals, cov)
    return out


def _costs(demand: gpd.GeoDataFrame, results: dict[int, dict[str, Any]]) -> CostCache:
    """The partitions' jurisdiction-wide travel costs, at the points' places in the client's demand."""
    cache = CostCache()
    for i in sorted(results):
        rows = results[i]["demand"][ROW].to_numpy(dtype=np.int64)
        for key, vals in results[i]["jurisdiction"].items():
            cache.arrays.setdefault(key, np.full(len(demand), np.inf))[rows] = vals
    return cache


def _run_notes(base: Assessment, results: dict[int, dict[str, Any]], specs: list[dict[str, Any]]) -> list[Note]:
    """The client's notes about the run, and the partitions' (naming them unless all say the same)."""
    notes = [n for n in base.notes if n.rule_id is None and n.code != "lack_of_data"]
    seen: dict[Note, list[str]] = {}
    for i in sorted(results):
        for n in results[i]["run_notes"]:
            if n.code not in _LOCAL:
                seen.setdefault(n, []).append(str(specs[i]["area_name"]))
    for n, where in seen.items():
        if len(where) == len(results):
            notes.append(n)
        else:
            w = ", ".join(where)
            notes.append(Note(n.code, None, None, f"{w}：{n.text_zh}", f"{w}: {n.text_en}"))
    return notes


def _execution_notes(
    specs: list[dict[str, Any]],
    results: dict[int, dict[str, Any]],
    failures: dict[int, tuple[BaseException, str]],
    unknown: dict[str, int],
    info: dict[str, Any],
) -> list[Note]:
    """Snapping not computed, buffers too short, how the run went, and failed partitions."""
    out = []
    for m, k in unknown.items():
        if k:
            out.append(
                Note(
                    "partition",
                    None,
                    None,
                    f"{k} 个设施距所有区域都超过 {m} 缓冲距离：未计算其 {m} 路网吸附",
                    f"{k} facilities lie farther than the {m} buffer from every area: their {m} snapping "
                    "(on_network, snap_dist_m) was not computed",
                )
            )
    stats = [results[i]["stats"] for i in sorted(results)]
    doubt = {s["area_name"]: s["values_beyond_buffer"] for s in stats if s["values_beyond_buffer"]}
    short = {s["area_name"]: s["reach_beyond_buffer_m"] for s in stats if s["reach_beyond_buffer_m"]}
    if doubt or short:
        what = "; ".join(f"{a}: {v}" for a, v in {**short, **doubt}.items())
        out.append(
            Note(
                "partition",
                None,
                None,
                f"路网文件范围不足以检查每段行程（{what}）：超出缓冲区的时间可能偏长；请用更宽的缓冲区切分文件",
                f"the network files do not reach far enough to check every trip ({what}): times beyond the buffer "
                "may be too long; cut the files with a wider buffer",
            )
        )
    buf = ", ".join(f"{m} {b:,.0f} m" for m, b in info["buffer_m"].items())
    where = info.get("cluster") or info["engine"]
    sched = f" (scheduler {info['scheduler']}, {info['workers']} workers)" if info.get("scheduler") else ""
    en = f"run in {len(specs)} partitions by area on {where}{sched}; road buffer {buf}; {info['seconds']:.1f} s"
    out.append(
        Note(
            "execution",
            None,
            None,
            f"按区域分 {len(specs)} 个分区运行于 {where}{sched}；路网缓冲 {buf}；{info['seconds']:.1f} 秒",
            en,
        )
    )
    for i, (exc, _) in sorted(failures.items()):
        code, name = specs[i]["area_code"], specs[i]["area_name"]
        err = format_error(exc)
        out.append(
            Note(
                "partition_failed",
                None,
                None,
                f"分区 {code}（{name}）失败：{err}；其路网规则为未评估",
                f"partition {code} ({name}) failed: {err}; its network rules say not_assessed",
            )
        )
    return out


def _networks(results: dict[int, dict[str, Any]], modes: Sequence[str], info: dict[str, Any]) -> dict[str, Any]:
    stats = [results[i]["stats"] for i in sorted(results)]
    networks = {}
    for m in modes:
        infos = [g for g in (r["networks"].get(m) for r in results.values()) if g]
        networks[m] = {
            "mode": infos[0]["mode"] if infos else None,
            "nodes": int(sum(s["nodes"].get(m, 0) for s in stats)),
            "source": f"{info['network']}; {len(stats)} partitions, each cut to its area + buffer "
            "(nodes counted once per partition)",
        }
    return networks


def merge(
    *,
    base: Assessment,
    specs: list[dict[str, Any]],
    results: dict[int, dict[str, Any]],
    failures: dict[int, tuple[BaseException, str]],
    options: AssessOptions,
    modes: list[str],
    info: dict[str, Any],
) -> Assessment:
    """One :class:`Assessment` from the client's run without a network (``base``) and the partitions' pieces."""
    prof = base.profile
    n = len(specs)
    failed_codes = [specs[i]["area_code"] for i in sorted(failures)]
    failed_names = [f"{specs[i]['area_name']} ({specs[i]['area_code']})" for i in sorted(failures)]
    rules = selected_rules(prof, options.rules)
    rule_ids = [r.id for r in prof.rules]
    demand = base.demand.drop(
        columns=[
            c for c in base.demand.columns if c in rule_ids or (str(c).endswith(":covered") and c[:-8] in rule_ids)
        ]
    )
    fac_out, unknown = merge_facilities(base.facilities, results, specs, modes)
    ctx = Context(
        profile=prof,
        options=options,
        modes=tuple(modes),
        graphs={},  # the graphs stay on the workers: the costs the jurisdiction rules need are in `costs`
        areas=base.areas,
        demand=demand,
        facilities=fac_out,
        assigned=(demand["area_code"].notna() & ~demand["area_code"].isin(failed_codes)).to_numpy(),
        costs=_costs(demand, results),
        notes=tuple(_run_notes(base, results, specs)),
    )
    parts = {
        "results": results,
        "failures": failures,
        "specs": specs,
        "rows": {i: {r["rule_id"]: r for r in res["rows"]} for i, res in results.items()},
        "values": _point_values(demand, results, rule_ids),
    }
    out: list[RuleResult] = []
    for rule in rules:
        present = not rule.facility_types or bool(ctx.facilities_of(tuple(rule.facility_types)).any())
        if rule.kind not in NETWORK_KINDS:
            out.append(_client_result(rule, base))
        elif str(rule.params.get("scope", "area")) == "jurisdiction":
            out.append(_jurisdiction_result(rule, ctx, failed_names, n))
        else:
            out.append(_area_result(rule, ctx, parts, present))
    merged = assemble(
        out, ctx, reference=base.reference, notes=_execution_notes(specs, results, failures, unknown, info)
    )
    merged.areas.loc[merged.areas["area_code"].isin(failed_codes), "worst"] = "not_assessed"
    merged.demand = gpd.GeoDataFrame(merged.demand.drop(columns=[ROW]), geometry=demand.geometry.name, crs=demand.crs)
    merged.facilities = merged.facilities.drop(columns=[FAC])
    merged.networks = {}
    failed = {
        str(specs[i]["area_code"]): {"area_name": specs[i]["area_name"], "error": format_error(exc), "traceback": tb}
        for i, (exc, tb) in sorted(failures.items())
    }
    execution = {
        **info,
        "partitions": n,
        "partitions_failed": len(failures),
        "partitions_detail": [results[i]["stats"] for i in sorted(results)],
    }
    merged.assumptions = {
        **base.assumptions,
        "networks": _networks(results, modes, info),
        "notes": merged.assumptions["notes"],
        "execution": execution,
        "failed_partitions": failed,
    }
    merged.looser = base.looser
    return merged
