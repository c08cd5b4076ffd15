"""The plans' own readings of clauses the generic kinds misread.

* **A disjunction** — "每个街道（或3-10万人）1家标准化社区卫生服务中心" (Zhejiang 002:131, Ningbo
  000:152): a ratio rule with ``or_per_unit = { unit_types = ["街道"], min = 1 }`` passes when the
  area has at least one centre per street **or** one per 30,000 residents (strict; one per
  100,000 is the lenient end). Streets per area come from the areas' ``n_streets`` column, from the
  areas themselves when they are streets, or from the shipped Ningbo/Jiaxing township codes
  (``admin_codes``). The row says which branch decided (``metric`` and a ``reading`` note).
* **A cap** — ``direction = "max"`` on a ratio rule ("控制在 5.80 张", Jiaxing 004:770): the rate
  must not exceed the amount.
* **Owner and grade** — ``owner = ["county"]`` / ``grade_min = "3B"`` on a count rule: only
  facilities run by those owners and of at least that grade count (:func:`qualified_mask`).

:func:`reading_evaluator` tells the engine's dispatcher which rules are read here; everything else
keeps its kind's evaluator.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .notes import NOTE_CODES, Note
from .prepare import Context
from .profiles import Rule
from .rowfacts import area_row, counted_text

__all__ = [
    "READING_NOTE_CODES",
    "qualified_mask",
    "streets_per_area",
    "streets_from_polygons",
    "reading_evaluator",
    "per_unit_or_pop",
    "ratio_cap",
    "qualified_count",
    "by_resident_class",
    "qualified_time",
]

#: note codes of this module (added to :data:`~healthcov.standards.notes.NOTE_CODES`)
READING_NOTE_CODES = {
    "reading": "which branch of a disjunctive rule (per street, or per residents) decided the verdict",
    "no_unit_count": "the number of streets (or other units) in the area is unknown",
    "cap": "the rule is a cap (a maximum), not a floor",
    "resident_classes": "how many residents were judged under each class (urban/rural) and by which rule",
    "qualified": "only facilities of the named owners / grades count",
}
NOTE_CODES.update(READING_NOTE_CODES)


@dataclass
class Piece:
    """One row, its notes and (time rules only) per-point values: what the engine's dispatcher collects."""

    row: dict[str, Any]
    notes: list[Note]
    points: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    sensitivity: list[dict[str, Any]] = field(default_factory=list)  # response-time rules only


@dataclass
class _Notes:
    rule_id: str
    area_code: Any
    items: list[Note] = field(default_factory=list)

    def add(self, code: str, zh: str, en: str) -> None:
        self.items.append(Note(code, self.area_code, self.rule_id, zh, en))


def _row(rule: Rule, area: pd.Series | None, cls: str, ctx: Context) -> dict[str, Any]:
    return area_row(rule, area, cls, ctx)


def _pair(v: Any) -> tuple[float, float]:
    if isinstance(v, (list, tuple)):
        a, b = float(v[0]), float(v[-1])
        return min(a, b), max(a, b)
    return float(v), float(v)


# --- owner and grade -------------------------------------------------------------------------------


def _grade_ok(grade: Any, grade_min: str) -> bool:
    """Whether a grade code reaches ``grade_min``: the level first (3 > 2 > 1), then the class (甲 > 乙 > 丙).

    A bare level ("3", 三级 without a class) reaches ``"3B"`` only at its level's top: it is
    counted as reaching the level (3 ≥ 3B) since the class is unknown — a lenient reading that the
    row's ``qualified`` note states.
    """
    if grade is None or (isinstance(grade, float) and math.isnan(grade)) or not str(grade):
        return False
    g, m = str(grade), str(grade_min)
    if g[0] != m[0]:
        return g[0] > m[0]
    if len(m) == 1 or len(g) == 1:
        return True
    return g[1] <= m[1]  # A < B < C alphabetically: A is the better class


def qualified_mask(facilities: pd.DataFrame, params: Mapping[str, Any]) -> np.ndarray:
    """Which facilities satisfy a rule's ``owner`` list and ``grade_min`` (all when the rule names neither).

    ``owner`` and ``grade`` are the columns :func:`~healthcov.classify_facilities` writes; a
    facility whose owner or grade is unknown does not count for a rule that needs it.
    """
    ok = np.ones(len(facilities), bool)
    owners = params.get("owner")
    if owners:
        col = facilities["owner"] if "owner" in facilities.columns else pd.Series("unknown", index=facilities.index)
        ok &= col.astype(str).isin([str(o) for o in owners]).to_numpy()
    gmin = params.get("grade_min")
    if gmin:
        col = facilities["grade"] if "grade" in facilities.columns else pd.Series(None, index=facilities.index)
        ok &= np.array([_grade_ok(g, str(gmin)) for g in col], bool)
    return ok


def _qualifier_text(params: Mapping[str, Any]) -> tuple[str, str]:
    from .typing_rules import OWNERS

    zh, en = [], []
    if params.get("owner"):
        zh.append("或".join(OWNERS.get(str(o), (str(o), str(o)))[0] for o in params["owner"]))
        en.append(" or ".join(OWNERS.get(str(o), (str(o), str(o)))[1] for o in params["owner"]))
    if params.get("grade_min"):
        zh.append(f"等级不低于 {params['grade_min']}")
        en.append(f"grade ≥ {params['grade_min']}")
    return "，".join(zh), ", ".join(en)


# --- streets per area --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _admin_codes() -> pd.DataFrame | None:
    from .. import datasets

    if not datasets.available():
        return None
    try:
        p = datasets.path("admin_codes")
    except Exception:
        return None
    return pd.read_csv(p, dtype={"id": str, "pid": str})


def _district_streets(codes: pd.DataFrame, code: str, name: str, suffixes: tuple[str, ...]) -> int | None:
    dist = codes[(codes["deep"] == 2) & ((codes["id"] == code[:6]) | (codes["ext_name"] == name))]
    if dist.empty:
        return None
    kids = codes[(codes["deep"] == 3) & (codes["pid"] == str(dist["id"].iloc[0]))]
    return int(kids["ext_name"].astype(str).str.endswith(suffixes).sum())


def streets_per_area(areas: pd.DataFrame, unit_types: tuple[str, ...] = ("街道",)) -> tuple[pd.Series, pd.Series]:
    """How many units (streets, 街道) each area holds, and where the number comes from.

    In order: the areas' own ``n_streets`` column (source ``"column n_streets"``); 1 for an area that
    is itself such a unit (its name ends in one of ``unit_types``), 0 for a township (镇/乡); the
    shipped Ningbo + Jiaxing township list (``"admin_codes"``: ``datasets.path("admin_codes")``,
    SOURCES.md §5, matched on the 6-digit area code or the district name). Unknown: NaN, with the
    source "unknown".
    """
    n = pd.Series(np.nan, index=areas.index, dtype=float)
    src = pd.Series("unknown", index=areas.index, dtype=object)
    names = areas["area_name"].astype(str)
    if "n_streets" in areas.columns:
        v = pd.to_numeric(areas["n_streets"], errors="coerce")
        n[v.notna()], src[v.notna()] = v[v.notna()], "column n_streets"
    todo = n.isna()
    own = todo & names.str.endswith(unit_types)
    n[own], src[own] = 1.0, "the area is a street"
    town = todo & ~own & names.str.endswith(("镇", "乡"))
    n[town], src[town] = 0.0, "the area is a township"
    codes = _admin_codes()
    if codes is not None:
        for i in n.index[n.isna()]:
            k = _district_streets(codes, str(areas.at[i, "area_code"]), names[i], unit_types)
            if k is not None:
                n[i], src[i] = float(k), "admin_codes"
    return n, src


def streets_from_polygons(
    areas: Any, townships: Any, *, name_column: str = "name", unit_types: tuple[str, ...] = ("街道",)
) -> pd.Series:
    """Streets per area counted from township/street polygons the user gives (for the ``n_streets`` column).

    A polygon counts for the area that holds its representative point when its name (``name_column``)
    ends in one of ``unit_types``. ``areas`` and ``townships`` are GeoDataFrames with a CRS.

    Examples
    --------
    ``areas["n_streets"] = streets_from_polygons(areas, townships, name_column="乡镇")``
    """
    from ..errors import InputError, MissingColumnError

    if name_column not in townships.columns:
        msg = f"the township polygons have no column {name_column!r}; columns are {list(townships.columns)}"
        raise MissingColumnError(msg)
    if areas.crs is None or townships.crs is None:
        msg = "areas and township polygons need a CRS to be matched (set it with .set_crs)"
        raise InputError(msg)
    streets = townships[townships[name_column].astype(str).str.endswith(unit_types)]
    pts = streets.to_crs(areas.crs).geometry.representative_point().to_numpy()
    counts = np.zeros(len(areas), int)
    tree = shapely.STRtree(areas.geometry.to_numpy())
    pt_idx, area_idx = tree.query(pts, predicate="within")
    _, first = np.unique(pt_idx, return_index=True)
    np.add.at(counts, area_idx[first], 1)
    return pd.Series(counts, index=areas.index, name="n_streets")


# --- evaluators ----------------------------------------------------------------------------------------


def _present(rule: Rule, area: pd.Series | None, ctx: Context) -> tuple[np.ndarray, float]:
    sel = ctx.facilities_of(tuple(rule.facility_types)) & qualified_mask(ctx.facilities, rule.params)
    if area is not None:
        sel &= (ctx.facilities["area_code"] == area["area_code"]).to_numpy()
    return sel, float(sel.sum())


def _unit_branch(rule: Rule, area: pd.Series, ctx: Context, k: float, n: _Notes) -> tuple[bool | None, str]:
    """The per-street branch: (passes?, words); ``None`` when the street count is unknown or zero."""
    alt = dict(rule.params.get("or_per_unit") or {})
    units = tuple(str(u) for u in alt.get("unit_types", ("街道",)))
    counts, srcs = streets_per_area(ctx.areas.loc[ctx.areas["area_code"] == area["area_code"]], units)
    if counts.empty or not np.isfinite(counts.iloc[0]):
        n.add(
            "no_unit_count",
            f"{'/'.join(units)}数量未知（可在区域表中给出街道数）：按人口分支判定",
            f"number of {'/'.join(units)} units unknown (add an n_streets column to the areas): "
            "the population branch decides",
        )
        return None, ""
    units_n = int(counts.iloc[0])
    if units_n == 0:
        n.add(
            "reading",
            f"区域内无{'/'.join(units)}：按人口分支判定",
            f"no {'/'.join(units)} in the area: the population branch decides",
        )
        return None, ""
    need = units_n * int(alt.get("min", 1))
    words = f"{k:.0f} {'≥' if k >= need else '<'} {need} ({units_n} {'/'.join(units)}, {srcs.iloc[0]})"
    return k >= need, words


def _decide(
    k: float, unit_ok: bool | None, unit_words: str, req: tuple[int, int], per: tuple[float, float]
) -> tuple[str, str]:
    """(verdict, which branch decided) of the disjunction."""
    if unit_ok:
        return "pass", f"per street: {unit_words}"
    if k >= req[0]:
        verdict, decided = "pass", f"per {per[0]:,.0f} residents: {k:.0f} ≥ {req[0]}"
    elif k >= req[1]:
        verdict, decided = "partial", f"only the lenient end, per {per[1]:,.0f} residents: {k:.0f} ≥ {req[1]}"
    else:
        verdict, decided = "fail", f"no branch met: {k:.0f} < {req[1]} (per {per[1]:,.0f})"
    if unit_ok is False:
        decided += f"; per street not met: {unit_words}"
    return verdict, decided


def per_unit_or_pop(rule: Rule, area: pd.Series | None, cls: str, ctx: Context) -> Piece:
    """ "One per street, or one per 30,000–100,000 residents": pass if either branch holds (strict per-pop end).

    ``partial`` when only the lenient population end (one per 100,000) holds; the ``metric``
    column and a ``reading`` note say which branch decided. Without ``or_per_unit`` (a rule with
    ``reading = "range"``, e.g. Fenghua's stations per 3,000–5,000 residents) only the population
    branch is read, and the row says which end of the range was met.
    """
    row = _row(rule, area, cls, ctx)
    n = _Notes(rule.id, row["area_code"])
    pop = float(ctx.areas["pop"].sum()) if area is None else float(area["pop"])
    if pop <= 0:
        n.add("no_population", "该区域无人口", "no population in the area")
        return Piece({**row, "verdict": "not_applicable"}, n.items)
    sel, k = _present(rule, area, ctx)
    per = _pair(rule.params.get("per"))
    amount = float(rule.params.get("amount", 1))
    req = (math.ceil(amount * pop / per[0] - 1e-9), math.ceil(amount * pop / per[1] - 1e-9))
    disjunctive = bool(rule.params.get("or_per_unit"))
    unit_ok, unit_words = (None, "") if area is None or not disjunctive else _unit_branch(rule, area, ctx, k, n)
    verdict, decided = _decide(k, unit_ok, unit_words, req, per)
    n.add("reading", f"判定依据：{decided}", f"decided by: {decided}")
    if verdict != "pass":
        n.add("shortfall", f"还需 {req[0] - k:.0f} 个", f"need {req[0] - k:.0f} more")
    names = ctx.facilities.loc[sel, "name"].astype(str).tolist() if "name" in ctx.facilities.columns else []
    if names:
        n.add("reading", "计入：" + "、".join(names[:20]), "counted: " + ", ".join(names[:20]))
    rng = f"{per[0]:,.0f}–{per[1]:,.0f}" if per[1] != per[0] else f"{per[0]:,.0f}"
    std = f"{amount:g} per {rng} residents" + (" or ≥ 1 per street" if disjunctive else "")
    out = {
        **row,
        "standard": std,
        "verdict": verdict,
        "verdict_lenient": "pass" if (unit_ok or k >= req[1]) else "fail",
        "value": k,
        "threshold": float(req[0]),
        "margin": k - float(req[0]),
        "unit": "facilities",
        "pop": pop,
        "required": float(req[0]),
        "present": k,
        "shortfall": 0.0 if verdict == "pass" else float(req[0] - k),
        "metric": decided,
        "limit": float(req[0]),
        "counted": counted_text(ctx.facilities.loc[sel]),
    }
    return Piece(out, n.items)


def _resource_total(rule: Rule, area: pd.Series | None, ctx: Context) -> float | None:
    resource = str(rule.params.get("resource", "count"))
    sel, k = _present(rule, area, ctx)
    if resource == "count":
        return k
    if resource not in ctx.facilities.columns:
        return None
    return float(pd.to_numeric(ctx.facilities.loc[sel, resource], errors="coerce").fillna(0).sum())


def ratio_cap(rule: Rule, area: pd.Series | None, cls: str, ctx: Context) -> Piece:
    """A ratio rule with ``direction = "max"``: the rate per ``per`` residents must not exceed ``amount``."""
    row = _row(rule, area, cls, ctx)
    n = _Notes(rule.id, row["area_code"])
    resource = str(rule.params.get("resource", "count"))
    pop = float(ctx.areas["pop"].sum()) if area is None else float(area["pop"])
    present = _resource_total(rule, area, ctx)
    n.add("cap", "上限（控制在…以内）：不超过即达标", "a cap (控制在): at or below it passes")
    if present is None:
        n.add(
            "no_resource_column",
            f"设施表没有 {resource!r} 列：补充后即可评估本规则",
            f"the facility table has no {resource!r} column: add it to assess this rule",
        )
        return Piece({**row, "verdict": "not_assessed"}, n.items)
    if pop <= 0:
        return Piece({**row, "verdict": "not_applicable"}, n.items)
    per = _pair(rule.params.get("per", 1))[0]
    cap = float(rule.params["amount"])
    rate = present / pop * per
    limit = cap * pop / per
    out = {
        **row,
        "standard": f"≤ {cap:g} {resource} per {per:,.0f} residents (cap)",
        "verdict": "pass" if rate <= cap + 1e-12 else "fail",
        "value": rate,
        "threshold": cap,
        "margin": cap - rate,
        "unit": f"{resource} per {per:,.0f}",
        "pop": pop,
        "required": limit,
        "present": present,
        "shortfall": 0.0,
        "metric": f"{rate:.2f} per {per:,.0f} (cap {cap:g})",
        "limit": limit,
    }
    return Piece(out, n.items)


def _missing_qualifiers(rule: Rule, ctx: Context) -> tuple[str, str] | None:
    """What the data lack to apply the rule's owner / grade (no facility of its types has one), else None."""
    fac = ctx.facilities.loc[ctx.facilities_of(tuple(rule.facility_types))]
    if rule.params.get("grade_min") and ("grade" not in fac.columns or not fac["grade"].notna().any()):
        return "医院等级", "hospital grades"
    owners_known = "owner" in fac.columns and bool((fac["owner"].astype(str) != "unknown").any())
    if rule.params.get("owner") and not owners_known:
        return "举办主体", "owners"
    return None


def qualified_count(rule: Rule, area: pd.Series | None, cls: str, ctx: Context) -> Piece:
    """A ``count_per_area`` rule with ``owner`` / ``grade_min``: only qualifying facilities count."""
    row = _row(rule, area, cls, ctx)
    n = _Notes(rule.id, row["area_code"])
    assert area is not None
    units = tuple(str(u) for u in rule.params.get("unit_types", ()))
    utype = str(area.get("unit_type", "") or "")
    if units and not (str(area["area_name"]).endswith(units) or utype in units):
        n.add("unit_type", f"适用于{'/'.join(units)}类单元", f"applies to units of type {'/'.join(units)}")
        return Piece({**row, "verdict": "not_applicable"}, n.items)
    need = int(rule.params.get("min", 1))
    missing = _missing_qualifiers(rule, ctx)
    if missing:
        n.add("qualified", f"数据中没有{missing[0]}：未评估", f"the data give no {missing[1]}: not assessed")
        return Piece({**row, "verdict": "not_assessed"}, n.items)
    sel, k = _present(rule, area, ctx)
    any_type = (
        ctx.facilities_of(tuple(rule.facility_types)) & (ctx.facilities["area_code"] == area["area_code"]).to_numpy()
    )
    zh, en = _qualifier_text(rule.params)
    names = ctx.facilities.loc[sel, "name"].astype(str).tolist() if "name" in ctx.facilities else []
    n.add(
        "qualified",
        f"只计{zh}：{int(k)} / {int(any_type.sum())} 个" + ("（" + "、".join(names[:10]) + "）" if names else ""),
        f"only {en} count: {int(k)} of {int(any_type.sum())}" + (" (" + ", ".join(names[:10]) + ")" if names else ""),
    )
    short = max(0, need - int(k))
    if short:
        n.add("shortfall", f"还需 {short} 个", f"need {short} more")
    out = {
        **row,
        "standard": f"≥ {need} ({en}) per {'/'.join(units) if units else 'area'}",
        "verdict": "pass" if k >= need else "fail",
        "value": k,
        "threshold": float(need),
        "margin": k - need,
        "unit": "facilities",
        "pop": float(area["pop"]),
        "required": float(need),
        "present": k,
        "shortfall": float(short),
        "limit": float(need),
        "counted": counted_text(ctx.facilities.loc[sel]),
    }
    return Piece(out, n.items)


Evaluator = Callable[[Rule, Any, str, Context], Any]

_SHARE_KINDS = ("service_circle", "service_radius")
_CLASS_WORDS = {"urban": ("城区", "urban"), "rural": ("农村", "rural"), "none": ("无标准", "no class")}


def _class_pieces(base: Evaluator, rule: Rule, area: pd.Series, ctx: Context, rc: np.ndarray) -> list[tuple[str, Any]]:
    """The rule on each class of residents of the area: the others' population set to 0 (same costs)."""
    m = ctx.in_area(area["area_code"])
    pop = ctx.pop
    out = []
    for c in ("urban", "rural", "none"):
        sel = m & (rc == c)
        if not (pop[sel] > 0).any():
            continue
        dem = ctx.demand.copy()
        dem.loc[~(rc == c), "pop"] = 0.0
        sub = replace(ctx, demand=dem)  # the same cost cache: costs do not depend on the population
        a = area.copy()
        a["area_class"] = c
        out.append((c, base(rule, a, c, sub)))
    return out


def _combine_rows(rule: Rule, ctx: Context, area: pd.Series, parts: list[tuple[str, Any]]) -> dict[str, Any]:
    rows = {c: p.row for c, p in parts if "pop" in p.row and np.isfinite(p.row.get("pop", np.nan))}
    base = dict(parts[0][1].row)
    base["area_class"] = area["area_class"]
    if not rows:
        return base
    pop = sum(r["pop"] for r in rows.values())
    cov = sum(r["pop_covered"] for r in rows.values())
    share = cov / pop if pop > 0 else float("nan")
    o = ctx.options
    if rule.kind in _SHARE_KINDS:
        verdict = (
            "pass" if share >= o.target_share - 1e-12 else ("partial" if share >= o.partial_share - 1e-12 else "fail")
        )
        value, threshold = share, o.target_share
    else:
        order = ["pass", "partial", "fail"]
        verdict = max((r["verdict"] for r in rows.values()), key=lambda v: order.index(v) if v in order else -1)
    means = [(r["pop"], r.get("mean_min", np.nan)) for r in rows.values()]
    ok = [(w, v) for w, v in means if np.isfinite(v)]
    if rule.kind not in _SHARE_KINDS:  # one limit per class (see standard): the value is the overall mean
        value = sum(w * v for w, v in ok) / sum(w for w, _ in ok) if ok else float("nan")
        threshold = float("nan") if len(rows) > 1 else float(base.get("threshold", float("nan")))
    base.update(
        standard=" | ".join(f"{c}: {r.get('standard', '')}" for c, r in rows.items()),
        verdict=verdict,
        verdict_lenient=verdict if rule.kind != "service_radius" else base.get("verdict_lenient", verdict),
        value=value,
        threshold=threshold,
        margin=value - threshold if rule.kind in _SHARE_KINDS else (base.get("margin") if len(rows) == 1 else np.nan),
        pop=pop,
        pop_covered=cov,
        pop_not_covered=pop - cov,
        share=share,
        mean_min=sum(w * v for w, v in ok) / sum(w for w, _ in ok) if ok else float("nan"),
        p90_min=max((r.get("p90_min", np.nan) for r in rows.values()), default=float("nan")),
    )
    if len(rows) > 1:
        base["limit"] = float("nan")  # one limit per class: see standard
    return base


def by_resident_class(base: Evaluator) -> Evaluator:
    """``base`` evaluated per class of resident when the population carries ``resident_class``.

    Each resident is judged by the threshold of their own class (urban 15 min, rural 20 min …);
    the row adds the classes up (residents covered within their own class's threshold) and its
    notes say how many residents were judged under each class and by which rule
    (:func:`~healthcov.standards.area_classes.classify_residents`). Without the column, ``base``
    runs unchanged.
    """
    from .area_classes import DEGURBA, RESIDENT_CLASS

    DEGURBA_SOURCE = str(DEGURBA["source"])

    def evaluate(rule: Rule, area: Any, cls: str, ctx: Context) -> Any:
        if area is None or RESIDENT_CLASS not in ctx.demand.columns:
            return base(rule, area, cls, ctx)
        rc = ctx.demand[RESIDENT_CLASS].astype(str).to_numpy()
        whole = base(rule, area, cls, ctx)  # snaps and costs cached with the full population (and its notes)
        parts = _class_pieces(base, rule, area, ctx, rc)
        if not parts:
            return whole
        row = _combine_rows(rule, ctx, area, parts)
        notes = [n for _, p in parts for n in p.notes]
        m = ctx.in_area(area["area_code"])
        how = str(ctx.demand.attrs.get("resident_classes", "resident_class column"))
        counts = {c: float(ctx.pop[m & (rc == c)].sum()) for c, _ in parts}
        code, area_code = "resident_classes", row["area_code"]
        for c, v in reversed(counts.items()):
            zh_c = _CLASS_WORDS[c][0]
            en = f"{v:,.0f} {_CLASS_WORDS[c][1]} residents judged by the {c} threshold"
            notes.insert(0, Note(code, area_code, rule.id, f"{zh_c}居民 {v:,.0f} 人按{zh_c}标准评估", en))
        how_zh = "联合国统计委员会2020年城乡划分方法（1公里网格人口密度）" if how == DEGURBA_SOURCE else how
        notes.insert(len(counts), Note(code, area_code, rule.id, f"居民城乡划分：{how_zh}", f"resident classes: {how}"))
        points = None
        recorded = [(c, p.points) for c, p in parts if p.points is not None]
        if recorded:
            vals = np.full(int(m.sum()), np.nan)
            covered = np.zeros(int(m.sum()), bool)
            for c, (_, v, cv) in recorded:
                own = rc[m] == c
                vals[own], covered[own] = np.asarray(v)[own], np.asarray(cv)[own]
            points = (m, vals, covered)
        return Piece(row, notes, points)

    return evaluate


def _qualified_context(rule: Rule, ctx: Context) -> Context:
    """``ctx`` with only the facilities of the rule's owners / grades, its own cost arrays (kept in the run's
    cache under a key of their own) and, for a rule with ``travel_mode``, that network for its circles."""
    from .costs import CostCache

    key = ("qualified", tuple(rule.params.get("owner") or ()), str(rule.params.get("grade_min") or ""))
    arrays = ctx.costs.arrays.setdefault(key, {})  # type: ignore[arg-type]
    costs = CostCache(arrays=arrays, snaps=ctx.costs.snaps, snap_notes=ctx.costs.snap_notes)  # type: ignore[arg-type]
    fac = ctx.facilities.loc[qualified_mask(ctx.facilities, rule.params)]
    options = ctx.options
    mode = rule.params.get("travel_mode")
    if mode:
        options = replace(options, circle_modes=dict.fromkeys(("urban", "rural", "none"), str(mode)))
    return replace(ctx, facilities=fac, costs=costs, options=options)


def qualified_time(base: Evaluator) -> Evaluator:
    """A time or distance rule with ``owner`` / ``grade_min`` (e.g. Jiaxing's tertiary hospital within one
    hour): ``base`` on the qualifying facilities only; not assessed when the data give no grades / owners."""

    def evaluate(rule: Rule, area: Any, cls: str, ctx: Context) -> Any:
        missing = _missing_qualifiers(rule, ctx)
        if missing:
            row = _row(rule, area, cls, ctx)
            n = _Notes(rule.id, row["area_code"])
            n.add("qualified", f"数据中没有{missing[0]}：未评估", f"the data give no {missing[1]}: not assessed")
            return Piece({**row, "verdict": "not_assessed"}, n.items)
        piece = base(rule, area, cls, _qualified_context(rule, ctx))
        zh, en = _qualifier_text(rule.params)
        k = int(qualified_mask(ctx.facilities, rule.params)[ctx.facilities_of(tuple(rule.facility_types))].sum())
        piece.notes.append(Note("qualified", piece.row["area_code"], rule.id, f"只计{zh}：{k} 个", f"only {en}: {k}"))
        return piece

    return evaluate


def reading_evaluator(rule: Rule, base: Evaluator | None = None) -> Evaluator | None:
    """The evaluator of this module for ``rule``, or ``None`` when the kind's own evaluator applies.

    ``base`` is the kind's own evaluator: time and distance rules get it wrapped by
    :func:`by_resident_class` (a no-op unless the population carries ``resident_class``).
    """
    p = rule.params
    if rule.kind == "ratio" and (p.get("or_per_unit") or p.get("reading") == "range"):
        return per_unit_or_pop
    if rule.kind == "ratio" and p.get("direction") == "max":
        return ratio_cap
    if rule.kind == "count_per_area" and (p.get("owner") or p.get("grade_min")):
        return qualified_count
    if base is not None and rule.kind in (*_SHARE_KINDS, "response_time"):
        if p.get("owner") or p.get("grade_min"):
            base = qualified_time(base)
        return by_resident_class(base)
    return None
