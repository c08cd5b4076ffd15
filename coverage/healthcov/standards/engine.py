"""Evaluate a jurisdiction's rule profile per area, with population-weighted evidence.

The engine knows kinds of rules; the TOML profiles give the numbers (see
:mod:`healthcov.standards.profiles`). For every area and rule it returns a verdict (``pass``,
``partial``, ``fail``, ``not_applicable`` or ``not_assessed``) together with its evidence:
value, threshold, margin, population covered and not covered, share, mean and 90th-percentile
time, required / present / shortfall for ratio and count rules, and the source clause.

Assumptions that no plan states (travel mode of a service circle, the coverage share that
counts as a pass, the ambulance activation delay, whether a service radius is network or
straight-line distance) are parameters with stated defaults, and they are all written to
:attr:`Assessment.assumptions` so that a report can print them.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .._columns import GRAPH_KEY, LENGTH, TRAVEL_TIME
from ..errors import (
    EmptyInputError,
    HealthcovWarning,
    InputError,
    MissingColumnError,
    OffNetworkError,
    describe_ids,
)
from ..io.population import POP, read_areas
from ..network.prepare import require_prepared
from ..network.snap import Snapped, report_off_network, snap_graph_points
from ..traveltime import multi_source, point_costs, prepare_sources
from .profiles import Profile, Rule, load_profile

__all__ = ["assess", "Assessment", "VERDICTS", "classify_areas"]

VERDICTS = ("pass", "partial", "fail", "not_applicable", "not_assessed")
_VERDICT_ZH = {
    "pass": "达标",
    "partial": "部分达标",
    "fail": "未达标",
    "not_applicable": "不适用",
    "not_assessed": "未评估",
}
_CLASS_ZH = {"urban": "城区", "rural": "农村", "none": "无标准"}
_URBAN_WORDS = {"urban", "城", "城区", "城市", "城镇", "市区", "u", "1", "true"}
_RURAL_WORDS = {"rural", "乡", "农村", "乡村", "乡镇", "r", "0", "false"}
ALL = "*"  # area code of jurisdiction-wide rows

TABLE_COLUMNS = [
    "area_code",
    "area_name",
    "area_class",
    "rule_id",
    "rule_zh",
    "rule_en",
    "kind",
    "status",
    "standard",
    "verdict",
    "verdict_lenient",
    "verdict_strictest",
    "value",
    "threshold",
    "margin",
    "unit",
    "limit",
    "pop",
    "pop_covered",
    "pop_not_covered",
    "share",
    "mean_min",
    "p90_min",
    "required",
    "present",
    "shortfall",
    "metric",
    "mode",
    "profile",
    "source_ref",
    "source_clause",
    "source_quote",
    "note",
]


@dataclass
class Assessment:
    """What :func:`assess` returns: verdicts with their evidence, and how they were obtained.

    Attributes
    ----------
    table
        One row per area and rule (and one row per jurisdiction-wide rule with
        ``area_code == "*"``): the columns of :data:`TABLE_COLUMNS`.
    areas
        The areas (in the network's CRS) with ``area_class``, ``class_rule`` (which rule
        classified it), ``pop``, ``area_km2``, ``density``, and counts of verdicts.
    demand
        The demand points with ``pop``, ``area_code`` and, per time or distance rule, the
        evaluated value (``<rule id>``: minutes or km to the nearest qualifying facility) and
        whether the point is covered (``<rule id>:covered``).
    facilities
        The facilities with ``facility_type``, ``area_code`` and ``on_network``.
    reference
        The profile's rules that are kept for the record but not evaluated, with the reason.
    looser
        Where the local profile is looser than a higher-level one.
    assumptions
        Everything the verdicts depend on that the plans do not fix.
    """

    profile: Profile
    table: pd.DataFrame
    areas: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    reference: pd.DataFrame
    looser: pd.DataFrame
    assumptions: dict[str, Any] = field(default_factory=dict)
    networks: dict[str, nx.MultiDiGraph] = field(default_factory=dict, repr=False)

    def summary(self) -> pd.DataFrame:
        """Per rule: how many areas pass / partly pass / fail, and the population not covered."""
        t = self.table
        counts = pd.crosstab(t["rule_id"], t["verdict"]).reindex(columns=list(VERDICTS), fill_value=0)
        pop_nc = t.groupby("rule_id")["pop_not_covered"].sum(min_count=1)
        out = counts.join(pop_nc.rename("pop_not_covered"))
        titles = t.drop_duplicates("rule_id").set_index("rule_id")[["rule_zh", "rule_en", "kind"]]
        return titles.join(out).loc[list(dict.fromkeys(t["rule_id"]))]

    def failing(self) -> pd.DataFrame:
        """The rows that fail or partly pass, worst margin first."""
        t = self.table[self.table["verdict"].isin(["fail", "partial"])]
        return t.sort_values(["verdict", "margin"], ascending=[True, True])

    def uncovered(self, rule_id: str) -> gpd.GeoDataFrame:
        """The demand points (with ``pop``) that a time or distance rule leaves uncovered."""
        col = f"{rule_id}:covered"
        if col not in self.demand.columns:
            have = [c[: -len(":covered")] for c in self.demand.columns if str(c).endswith(":covered")]
            msg = f"rule {rule_id!r} has no per-resident coverage; rules with it: {have}"
            raise InputError(msg)
        d = self.demand
        return d[~d[col].astype(bool) & d["area_code"].notna() & (d[POP] > 0)]

    def to_gpkg(self, path: Any) -> None:
        """Write every layer (areas, verdicts joined to areas, facilities, demand) to one GeoPackage, atomically."""
        from .._io_atomic import atomic_path

        with atomic_path(path) as tmp:
            write_layers(self, tmp)

    def _repr_html_(self) -> str:
        """Jupyter shows the summary and the verdict table."""
        cols = ["area_name", "rule_zh", "standard", "verdict", "value", "threshold", "share", "shortfall", "source_ref"]
        head = html.escape(f"{self.profile.name_zh} / {self.profile.name_en}: {self!r}")
        return (
            f"<p><b>{head}</b></p>"
            + self.summary().to_html(na_rep="–")
            + self.table[cols].to_html(na_rep="–", index=False, max_rows=200)
        )

    def to_csv(self, path: Any) -> None:
        """Write the verdict table as UTF-8 CSV with a BOM (so Excel shows the Chinese), atomically."""
        from .._io_atomic import atomic_path

        with atomic_path(path) as tmp:
            self.table.to_csv(tmp, index=False, encoding="utf-8-sig")

    def __repr__(self) -> str:
        s = self.table["verdict"].value_counts()
        parts = ", ".join(f"{k} {int(s.get(k, 0))}" for k in VERDICTS if s.get(k, 0))
        return (
            f"<Assessment {self.profile.id}: {len(self.areas)} areas × {self.table['rule_id'].nunique()} rules; "
            f"{parts}>"
        )


def _strings(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for c in out.columns:
        if c != out.geometry.name and out[c].dtype == object:
            out[c] = out[c].astype(str)
    return out


def write_layers(result: Assessment, path: Any) -> None:
    """Layers ``areas``, ``verdicts`` (table rows with their area's polygon), ``facilities``, ``demand``."""
    _strings(result.areas).to_file(path, layer="areas", driver="GPKG")
    verdicts = result.areas[["area_code", "geometry"]].merge(result.table, on="area_code", how="right")
    verdicts = gpd.GeoDataFrame(verdicts[verdicts.geometry.notna()], geometry="geometry", crs=result.areas.crs)
    _strings(verdicts).to_file(path, layer="verdicts", driver="GPKG")
    _strings(result.facilities).to_file(path, layer="facilities", driver="GPKG")
    _strings(result.demand).to_file(path, layer="demand", driver="GPKG")


# ---------------------------------------------------------------------------------------------
# inputs


def _graphs(G: Any) -> dict[str, nx.MultiDiGraph]:
    if G is None:
        return {}  # straight-line, ratio and count rules only
    if isinstance(G, nx.Graph):
        graphs = {str(G.graph.get(GRAPH_KEY, {}).get("mode", {}).get("name", "drive")): G}
    elif isinstance(G, Mapping):
        graphs = dict(G)
    else:
        msg = "G must be a network from read_network, or a dict of them by mode, e.g. {'walk': Gw, 'drive': Gd}"
        raise InputError(msg)
    if not graphs:
        msg = "no network given: pass G=read_network(...), or G=None for the rules that need none"
        raise InputError(msg)
    crs = None
    for name, g in graphs.items():
        require_prepared(g, f"G[{name!r}]")
        if crs is None:
            crs = g.graph["crs"]
        elif g.graph["crs"] != crs:
            msg = f"the networks are in different CRSs ({crs} and {g.graph['crs']}): read them with the same to_crs="
            raise InputError(msg)
    return graphs


_NO_NETWORK = "needs a road network (none was given: pass G=read_network(...))"


def _pick_graph(graphs: dict[str, nx.MultiDiGraph], wanted: Sequence[str]) -> tuple[str, Any, str]:
    for i, w in enumerate(wanted):
        if w in graphs:
            return w, graphs[w], "" if i == 0 else f"no {wanted[0]} network given; used the {w} network"
    if not graphs:
        return "", None, _NO_NETWORK
    name = next(iter(graphs))
    return name, graphs[name], f"no {wanted[0]} network given; used the {name} network"


def _area_class_from_column(values: pd.Series) -> pd.Series:
    def norm(v: Any) -> str | None:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        s = str(v).strip().lower()
        if s in _URBAN_WORDS:
            return "urban"
        if s in _RURAL_WORDS:
            return "rural"
        if s in ("none", "无", "-"):
            return "none"
        msg = f"area class value {v!r} is neither urban (城区/urban) nor rural (农村/rural)"
        raise InputError(msg)

    return values.map(norm)


def classify_areas(
    areas: gpd.GeoDataFrame,
    profile: Profile,
    *,
    class_column: str | None = None,
    density_threshold: float = 1000.0,
    urban_share_threshold: float = 0.5,
) -> tuple[pd.Series, pd.Series]:
    """Urban/rural class of each area and the rule that decided it.

    Order: the user's column (``class_column``, or ``area_class`` / ``urban_rural`` when present);
    the profile's classifier (name suffix: 街道 street → urban, 镇/乡 → rural; or Jiaxing's density
    classes); a census urban-population share (``urban_share`` ≥ 0.5 → urban); population density
    (≥ ``density_threshold`` persons/km² → urban, an analyst default).
    """
    n = len(areas)
    cls = pd.Series([None] * n, index=areas.index, dtype=object)
    rule = pd.Series([None] * n, index=areas.index, dtype=object)
    col = class_column or next((c for c in ("area_class", "urban_rural", "城乡") if c in areas.columns), None)
    if class_column is not None and class_column not in areas.columns:
        msg = f"areas have no column {class_column!r}; columns are {list(areas.columns)}"
        raise MissingColumnError(msg)
    if col is not None:
        v = _area_class_from_column(areas[col])
        ok = v.notna()
        cls[ok], rule[ok] = v[ok], f"column {col!r}"
    c = dict(profile.classifier)
    method = str(c.get("method", "admin_type"))
    names = areas["area_name"].astype(str)
    todo = cls.isna()
    if method == "density":
        dens = areas["density"]
        for k in c.get("classes", []):
            m = todo & dens.notna()
            for op, fn in (("gt", np.greater), ("ge", np.greater_equal), ("lt", np.less), ("le", np.less_equal)):
                if op in k:
                    m &= fn(dens, float(k[op]))
            label = str(k["name"])
            label = {"urban_dense": "urban", "rural_medium": "rural", "sparse": "none"}.get(label, label)
            cls[m] = label
            src = c.get("source", "")
            rule[m] = [
                f"density {d:,.0f}/km² → {label} (profile {profile.id}{', ' + str(src) if src else ''})"
                for d in dens[m]
            ]
            todo = cls.isna()
    else:
        for label in ("urban", "rural"):
            for suf in c.get(label, []):
                m = todo & names.str.endswith(str(suf))
                cls[m] = label
                rule[m] = f"unit type {suf} → {label} (profile {profile.id})"
                todo = cls.isna()
    if "urban_share" in areas.columns:
        m = todo & areas["urban_share"].notna()
        us = areas["urban_share"].astype(float)
        cls[m] = np.where(us[m] >= urban_share_threshold, "urban", "rural")
        rule[m] = [f"census urban share {v:.0%} (≥ {urban_share_threshold:.0%} → urban)" for v in us[m]]
        todo = cls.isna()
    m = todo & areas["density"].notna()
    cls[m] = np.where(areas.loc[m, "density"] >= density_threshold, "urban", "rural")
    rule[m] = [
        f"density {d:,.0f}/km² (≥ {density_threshold:,.0f} → urban; analyst default)" for d in areas.loc[m, "density"]
    ]
    cls = cls.fillna("rural")
    rule = rule.fillna("no information: rural assumed")
    return cls, rule


def _facility_types(facilities: gpd.GeoDataFrame, type_column: str | None) -> pd.Series:
    if type_column is not None:
        if type_column not in facilities.columns:
            msg = f"facilities have no column {type_column!r}; columns are {list(facilities.columns)}"
            raise MissingColumnError(msg)
        col = type_column
    elif "facility_type" in facilities.columns:
        col = "facility_type"
    else:
        col = None
    from .facility_types import classify_facilities

    kw: dict[str, Any] = {"type_column": col}
    if "name" not in facilities.columns:
        kw["name_column"] = None
    return classify_facilities(facilities, **kw)["facility_type"].astype(str)


# ---------------------------------------------------------------------------------------------
# evaluation helpers


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


def _by_class(spec: Any, cls: str) -> Any:
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


class _Context:
    """Everything the rule evaluators share: inputs, cached searches, options."""

    profile: Profile
    graphs: dict[str, nx.MultiDiGraph]
    areas: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    pop: np.ndarray
    in_area: dict[str, np.ndarray]
    assigned: np.ndarray
    circle_modes: dict[str, str]
    activation_delay_min: float
    target_share: float
    partial_share: float
    radius_metric: str
    cross_boundary: bool
    max_snap_m: float | None
    record: Any

    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)
        self.cache: dict[Any, np.ndarray] = {}
        self.snaps: dict[str, Snapped] = {}
        self.notes: list[str] = []

    def demand_snap(self, mode: str) -> Snapped:
        if mode not in self.snaps:
            G = self.graphs[mode]
            s = snap_graph_points(G, self.demand, max_snap_m=self.max_snap_m, name="population points")[2]
            off = ~s.on_network
            if off.any():
                lost = float(self.demand[POP].to_numpy()[off].sum())
                self.notes.append(
                    f"{int(off.sum())} population points ({lost:,.0f} people) are farther than the snapping limit from "
                    f"the {mode} network: counted as not covered"
                )
            self.snaps[mode] = s
        return self.snaps[mode]

    def facilities_of(self, types: Sequence[str]) -> np.ndarray:
        ft = self.facilities["facility_type"].to_numpy()
        return np.isin(ft, list(types)) if types else np.ones(len(ft), bool)

    def costs(self, mode: str, types: tuple[str, ...], weight: str, direction: str, area: str | None) -> np.ndarray:
        """Cost (s or m) from every demand point to the nearest facility of ``types``."""
        key = (mode, types, weight, direction, area)
        if key in self.cache:
            return self.cache[key]
        sel = self.facilities_of(types)
        if area is not None:
            sel &= (self.facilities["area_code"] == area).to_numpy()
        s = self.demand_snap(mode)
        out = np.full(len(self.demand), np.inf)
        if sel.any():
            G = self.graphs[mode]
            fac = self.facilities.loc[sel]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # off-network facilities were reported once, up front
                try:
                    arr, src = prepare_sources(G, fac, max_snap_m=self.max_snap_m, name="facilities")
                except OffNetworkError:  # all of them off the network: nobody is covered
                    arr, src = None, None
            if arr is not None and src is not None and len(src.labels):
                cost, other, which = multi_source(arr, src.snapped, weight=weight, direction=direction)
                t, d = (cost, other) if weight == TRAVEL_TIME else (other, cost)
                pt, pd_, _ = point_costs(arr, s, t, d, which, direction, weight, sources=src.snapped)
                out = pt if weight == TRAVEL_TIME else pd_
                out = np.where(s.on_network, out, np.inf)
        self.cache[key] = out
        return out

    def straight(self, types: tuple[str, ...]) -> np.ndarray:
        key = ("straight", types)
        if key not in self.cache:
            sel = self.facilities_of(types)
            pts = self.demand.geometry.values
            if sel.any():
                tree = shapely.STRtree(self.facilities.geometry.values[sel])
                idx = tree.nearest(pts)
                d = shapely.distance(pts, self.facilities.geometry.values[sel][idx])
            else:
                d = np.full(len(pts), np.inf)
            self.cache[key] = np.asarray(d, dtype=float)
        return self.cache[key]


def _base_row(rule: Rule, area: pd.Series | None, cls: str, ctx: _Context) -> dict[str, Any]:
    return {
        "area_code": ALL if area is None else area["area_code"],
        "area_name": ctx.profile.name_zh if area is None else area["area_name"],
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
        "note": "",
    }


def _circle(rule: Rule, area: pd.Series, cls: str, ctx: _Context) -> dict[str, Any]:
    row = _base_row(rule, area, cls, ctx)
    minutes = _by_class(rule.params.get("minutes"), cls)
    if minutes is None:
        return {**row, "verdict": "not_applicable", "note": f"no {cls} threshold in the rule"}
    minutes = float(minutes)
    mode_want = ctx.circle_modes.get(cls, "walk")
    mode, g, note = _pick_graph(ctx.graphs, [mode_want])
    if g is None:
        return {**row, "verdict": "not_assessed", "note": note}
    m = ctx.in_area[area["area_code"]]
    w = ctx.pop[m]
    types = tuple(rule.facility_types)
    t_any = ctx.costs(mode, types, TRAVEL_TIME, "to_facility", None)[m] / 60.0
    t_own = ctx.costs(mode, types, TRAVEL_TIME, "to_facility", area["area_code"])[m] / 60.0
    t = t_any if ctx.cross_boundary else t_own
    total = float(w.sum())
    cov = float(w[t <= minutes].sum())
    share = cov / total if total > 0 else float("nan")
    other = float(w[(t_own if ctx.cross_boundary else t_any) <= minutes].sum()) / total if total > 0 else float("nan")
    mean, p90 = _weighted_stats(t, w)
    ctx.record(rule, m, t, t <= minutes)
    notes = [note] if note else []
    notes.append(
        f"share covered counting {'only this area' if ctx.cross_boundary else 'any area'}'s facilities: {other:.1%}"
        if np.isfinite(other)
        else ""
    )
    if total <= 0:
        return {**row, "verdict": "not_applicable", "note": "no population in the area"}
    return {
        **row,
        "standard": f"≤ {_fmt(minutes)} min ({mode}), ≥ {ctx.target_share:.0%} of residents",
        "verdict": _verdict_share(share, ctx.target_share, ctx.partial_share),
        "value": share,
        "threshold": ctx.target_share,
        "margin": share - ctx.target_share,
        "unit": "share",
        "pop": total,
        "pop_covered": cov,
        "pop_not_covered": total - cov,
        "share": share,
        "mean_min": mean,
        "p90_min": p90,
        "metric": "network travel time",
        "mode": mode,
        "note": "; ".join(n for n in notes if n),
        "limit": minutes,
    }


def _radius(rule: Rule, area: pd.Series, cls: str, ctx: _Context) -> dict[str, Any]:
    row = _base_row(rule, area, cls, ctx)
    spec = _by_class(rule.params.get("radius_km"), cls)
    if spec is None:
        return {**row, "verdict": "not_applicable", "note": f"no radius for {cls} areas in the rule"}
    strict_km, lenient_km = _pair(spec)
    mode, g, note = _pick_graph(ctx.graphs, ["ambulance", "drive"])
    m = ctx.in_area[area["area_code"]]
    w = ctx.pop[m]
    total = float(w.sum())
    if total <= 0:
        return {**row, "verdict": "not_applicable", "note": "no population in the area"}
    types = tuple(rule.facility_types)
    area_key = None if ctx.cross_boundary else area["area_code"]
    ds = ctx.straight(types)[m] / 1000.0
    metric = ctx.radius_metric
    if g is None:
        dn = np.full(len(ds), np.nan)
        metric, note = "straight", "no road network given: the verdict uses straight-line distance"
    else:
        dn = ctx.costs(mode, types, LENGTH, "from_facility", area_key)[m] / 1000.0
    d = dn if metric == "network" else ds

    def share(dist: np.ndarray, km: float) -> float:
        return float(w[dist <= km].sum()) / total

    s_strict, s_len = share(d, strict_km), share(d, lenient_km)
    v_strict = _verdict_share(s_strict, ctx.target_share, ctx.partial_share)
    v_len = _verdict_share(s_len, ctx.target_share, ctx.partial_share)
    ctx.record(rule, m, d, d <= strict_km)
    rng = f"{_fmt(strict_km)}–{_fmt(lenient_km)}" if lenient_km != strict_km else _fmt(strict_km)
    notes = [
        note,
        f"within {rng} km: network {share(dn, strict_km):.1%}"
        + (f"/{share(dn, lenient_km):.1%}" if lenient_km != strict_km else "")
        + f", straight line {share(ds, strict_km):.1%}"
        + (f"/{share(ds, lenient_km):.1%}" if lenient_km != strict_km else "")
        + f"; verdict uses {metric} distance",
    ]
    verdict = v_strict
    alt = rule.params.get("alternative")
    if alt and cls == "rural":
        units = tuple(alt.get("unit_types", ("镇", "乡")))
        if str(area["area_name"]).endswith(units):
            sel = ctx.facilities_of(tuple(alt.get("facility_types", rule.facility_types)))
            n = int((sel & (ctx.facilities["area_code"] == area["area_code"]).to_numpy()).sum())
            ok = n >= int(alt.get("min", 1))
            notes.append(
                f"alternative (≥{alt.get('min', 1)} station in the township): {n} → {'pass' if ok else 'fail'}"
            )
            if ok and verdict != "pass":
                verdict = "pass"
                notes.append("combined verdict: radius OR township station → pass")
        else:
            notes.append("alternative (a station in every township) needs township areas: not evaluated for this unit")
    return {
        **row,
        "standard": f"≤ {rng} km ({metric}), ≥ {ctx.target_share:.0%} of residents",
        "verdict": verdict,
        "verdict_lenient": "pass" if verdict == "pass" else v_len,
        "value": s_strict,
        "threshold": ctx.target_share,
        "margin": s_strict - ctx.target_share,
        "unit": "share",
        "pop": total,
        "pop_covered": s_strict * total,
        "pop_not_covered": (1 - s_strict) * total,
        "share": s_strict,
        "mean_min": float("nan"),
        "p90_min": float("nan"),
        "metric": f"{metric} distance",
        "mode": mode,
        "note": "; ".join(n for n in notes if n),
        "limit": strict_km,
    }


def _response(rule: Rule, area: pd.Series | None, cls: str, ctx: _Context) -> dict[str, Any]:
    row = _base_row(rule, area, cls, ctx)
    limit = _by_class(rule.params.get("minutes_lt"), cls if area is not None else "all")
    if limit is None:
        return {**row, "verdict": "not_applicable", "note": f"no {cls} response-time target in the rule"}
    limit = float(limit)
    mode, g, note = _pick_graph(ctx.graphs, ["ambulance", "drive"])
    if g is None:
        return {**row, "verdict": "not_assessed", "note": note}
    m = ctx.in_area[area["area_code"]] if area is not None else ctx.assigned
    w = ctx.pop[m]
    total = float(w.sum())
    if total <= 0:
        return {**row, "verdict": "not_applicable", "note": "no population in the area"}
    area_key = None if (ctx.cross_boundary or area is None) else area["area_code"]
    t = ctx.costs(mode, tuple(rule.facility_types), TRAVEL_TIME, "from_facility", area_key)[m] / 60.0
    resp = ctx.activation_delay_min + t
    mean, p90 = _weighted_stats(resp, w)
    unreached = float(w[~np.isfinite(resp)].sum())
    if area is not None:
        ctx.record(rule, m, resp, resp < limit)
    within = float(w[resp < limit].sum())
    if not np.isfinite(mean):
        verdict = "fail"
    elif mean < limit:
        verdict = "pass" if unreached == 0 else "partial"
    else:
        verdict = "fail"
    notes = [note, f"activation delay {_fmt(ctx.activation_delay_min)} min + drive time from the nearest station"]
    if unreached:
        notes.append(f"{unreached:,.0f} residents cannot be reached (left out of the mean)")
    return {
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
        "note": "; ".join(n for n in notes if n),
        "limit": limit,
    }


def _area_pop(area: pd.Series | None, ctx: _Context) -> float:
    if area is None:
        return float(ctx.areas["pop"].sum())
    return float(area["pop"])


def _ratio(rule: Rule, area: pd.Series | None, cls: str, ctx: _Context) -> dict[str, Any]:
    row = _base_row(rule, area, cls, ctx)
    p = rule.params
    resource = str(p.get("resource", "count"))
    sel = ctx.facilities_of(tuple(rule.facility_types))
    if area is not None:
        sel &= (ctx.facilities["area_code"] == area["area_code"]).to_numpy()
    if resource == "count":
        present = float(sel.sum())
    elif resource in ctx.facilities.columns:
        vals = pd.to_numeric(ctx.facilities.loc[sel, resource], errors="coerce")
        if vals.isna().any():
            row["note"] = f"{int(vals.isna().sum())} facilities have no {resource!r} value (counted as 0)"
        present = float(vals.fillna(0).sum())
    else:
        return {
            **row,
            "verdict": "not_assessed",
            "note": f"the facility table has no {resource!r} column: add it to assess this rule",
        }
    pop = _area_pop(area, ctx)
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
    per_strict, per_lenient = _pair(p.get("per"))
    per_strict, per_lenient = min(per_strict, per_lenient), max(per_strict, per_lenient)
    base = pop * factor
    req_strict = amount * base / per_strict
    req_len = amount * base / per_lenient
    countable = resource in ("count", "ambulances", "vehicles", "stations")
    if countable:
        req_strict, req_len = math.ceil(req_strict - 1e-9), math.ceil(req_len - 1e-9)
    if pop <= 0:
        return {**row, "verdict": "not_applicable", "note": "no population"}
    verdict = "pass" if present >= req_strict else ("partial" if present >= req_len else "fail")
    short = max(0.0, req_strict - present)
    rate = present / pop * per_strict
    unit_word = {"count": "facilities"}.get(resource, resource)
    per_txt = f"{per_strict:,.0f}–{per_lenient:,.0f}" if per_lenient != per_strict else f"{per_strict:,.0f}"
    word = "facility" if unit_word == "facilities" and amount == 1 else unit_word
    notes = [row["note"]] if row["note"] else []
    if factor != 1.0:
        notes.append(f"population base = {factor:.0%} of {pop:,.0f}")
    notes.append(f"{'need ' + format(math.ceil(short), ',') + ' more' if short > 0 else 'requirement met'}")
    if per_lenient != per_strict:
        notes.append(f"lenient ({_fmt(per_lenient)} per): {req_len:,.0f} required")
    return {
        **row,
        "standard": f"{_fmt(amount)} {word} per {per_txt} residents",
        "verdict": verdict,
        "verdict_lenient": "pass" if present >= req_len else "fail",
        "value": present,
        "threshold": float(req_strict),
        "margin": present - req_strict,
        "unit": unit_word,
        "pop": pop,
        "required": float(req_strict),
        "present": present,
        "shortfall": float(math.ceil(short)) if countable else short,
        "metric": f"{rate:.2f} per {_fmt(per_strict)}",
        "note": "; ".join(notes),
        "limit": float(req_strict),
    }


def _count(rule: Rule, area: pd.Series, cls: str, ctx: _Context) -> dict[str, Any]:
    row = _base_row(rule, area, cls, ctx)
    units = tuple(str(u) for u in rule.params.get("unit_types", ()))
    utype = str(area.get("unit_type", "") or "")
    name = str(area["area_name"])
    if units and not (name.endswith(units) or utype in units):
        return {**row, "verdict": "not_applicable", "note": f"applies to units of type {'/'.join(units)}"}
    need = int(rule.params.get("min", 1))
    sel = ctx.facilities_of(tuple(rule.facility_types)) & (ctx.facilities["area_code"] == area["area_code"]).to_numpy()
    n = int(sel.sum())
    short = max(0, need - n)
    return {
        **row,
        "standard": f"≥ {need} per {'/'.join(units) if units else 'area'}",
        "verdict": "pass" if n >= need else "fail",
        "value": float(n),
        "threshold": float(need),
        "margin": float(n - need),
        "unit": "facilities",
        "pop": float(area["pop"]),
        "required": float(need),
        "present": float(n),
        "shortfall": float(short),
        "note": f"need {short} more" if short else "",
        "limit": float(need),
    }


_EVALUATORS = {
    "service_circle": _circle,
    "service_radius": _radius,
    "response_time": _response,
    "ratio": _ratio,
    "count_per_area": _count,
}


def _evaluate(rule: Rule, ctx: _Context) -> list[dict[str, Any]]:
    fn = _EVALUATORS[rule.kind]
    scope = str(rule.params.get("scope", "area"))
    if scope == "jurisdiction":
        if rule.kind not in ("response_time", "ratio"):
            msg = f"rule {rule.id}: scope='jurisdiction' is supported for response_time and ratio rules only"
            raise InputError(msg)
        rows = [fn(rule, None, "all", ctx)]
        by_area = dict(rule.params.get("amount_by_area", {}) or {})
        if rule.kind == "ratio" and by_area:
            # the plan also sets a target per district (e.g. Ningbo's table 2): assess those areas too
            rows += [fn(rule, a, a["area_class"], ctx) for _, a in ctx.areas.iterrows() if a["area_name"] in by_area]
        return rows
    return [fn(rule, a, a["area_class"], ctx) for _, a in ctx.areas.iterrows()]


# ---------------------------------------------------------------------------------------------


def assess(
    G: nx.MultiDiGraph | Mapping[str, nx.MultiDiGraph] | None,
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | Any,
    profile: str | Profile = "zhejiang",
    *,
    type_column: str | None = None,
    class_column: str | None = None,
    circle_modes: Mapping[str, str] | None = None,
    activation_delay_min: float = 3.0,
    target_share: float = 0.95,
    partial_share: float = 0.80,
    radius_metric: str = "network",
    cross_boundary: bool = True,
    statuses: Sequence[str] | None = None,
    strictest: bool = True,
    rules: Sequence[str] | None = None,
    max_snap_m: float | None = None,
    on_missing: str = "warn",
) -> Assessment:
    """Assess every area against a jurisdiction's standards.

    Parameters
    ----------
    G
        A network from :func:`healthcov.read_network`, or a dict of them by mode
        (``{"walk": Gw, "drive": Gd, "ambulance": Ga}``). Service circles use ``circle_modes``
        (default: walk in urban areas, drive in rural ones); ambulance rules use the ambulance
        network, else the drive one. When a wanted mode is missing, the available network is
        used and the table says so. ``None``: no network (ratio, count and straight-line radius
        rules only; the others are "not assessed" with the reason).
    facilities
        Facility points with a ``facility_type`` column (codes of
        :data:`healthcov.standards.facility_types.FACILITY_TYPES`), or types recognisable from
        AMap type strings, OSM tags or names. Optional resource columns (``beds``, ``doctors``,
        ``nurses``, ``ambulances``) feed the ratio rules, and a ``status`` column the scenario
        filter ``statuses``.
    population
        Demand points with ``pop`` (see :func:`healthcov.read_population` and
        :func:`healthcov.spread_population`).
    areas
        Polygons (see :func:`healthcov.read_areas`) with ``area_name`` and ``area_code``;
        optional ``pop`` (published totals, used for ratio rules and density), ``unit_type``,
        ``urban_share`` or an urban/rural column.
    profile
        A shipped profile id (``zhejiang``, ``ningbo``, ``fenghua``, ``beilun``, ``jiaxing``) or
        a path to a TOML profile.
    activation_delay_min
        Minutes from the call to the ambulance leaving (no plan fixes it; default 3).
    target_share, partial_share
        Share of residents that must be covered for ``pass`` (default 95 %) and ``partial``
        (default 80 %): the plans give no percentage.
    radius_metric
        ``"network"`` (default) or ``"straight"``: which distance the radius verdict uses; both
        are reported.
    cross_boundary
        Whether residents may use facilities in a neighbouring area (default True); the other
        answer is given in the note of each circle row.
    statuses
        Facility statuses that count when there is a ``status`` column (codes or the plans'
        Chinese words, see :mod:`healthcov.scenarios`). Default: every row of a table made by
        :func:`healthcov.scenarios.scenario_facilities`, else today's facilities (existing, and
        merged ones that are still open).
    strictest
        Also evaluate the strictest version of each overridden rule along the profile chain
        (``verdict_strictest``).
    rules
        Only these rule ids.
    on_missing
        What to do when a rule needs data the inputs lack (a ``beds`` column, a road network):
        ``"warn"`` (default: a warning naming the rules and columns, and "not assessed" rows with
        the reason), ``"raise"`` (an :class:`~healthcov.InputError` naming them) or ``"ignore"``.

    Returns
    -------
    Assessment
    """
    graphs = _graphs(G)
    prof = load_profile(profile)
    if on_missing not in ("warn", "raise", "ignore"):
        msg = f"on_missing must be 'warn', 'raise' or 'ignore', got {on_missing!r}"
        raise InputError(msg)
    if radius_metric not in ("network", "straight"):
        msg = f"radius_metric must be 'network' or 'straight', got {radius_metric!r}"
        raise InputError(msg)
    for nm, v in (("target_share", target_share), ("partial_share", partial_share)):
        if not 0 < float(v) <= 1:
            msg = f"{nm} must be in (0, 1], got {v!r}"
            raise InputError(msg)
    if partial_share > target_share:
        msg = f"partial_share ({partial_share}) must not exceed target_share ({target_share})"
        raise InputError(msg)
    if not activation_delay_min >= 0:
        msg = f"activation_delay_min must be zero or positive, got {activation_delay_min!r}"
        raise InputError(msg)
    if graphs:
        crs = next(iter(graphs.values())).graph["crs"]
    else:
        from ..io._common import local_utm

        a0 = read_areas(areas) if not isinstance(areas, gpd.GeoDataFrame) else areas
        if a0.crs is None:
            msg = "areas have no CRS: set one (e.g. .set_crs(4326)) or read them with read_areas"
            raise InputError(msg)
        crs = local_utm(a0).to_string()

    # areas
    ar = read_areas(areas) if not isinstance(areas, gpd.GeoDataFrame) or "area_code" not in areas.columns else areas
    ar = ar.to_crs(crs).reset_index(drop=True)
    if ar["area_code"].duplicated().any():
        msg = (
            f"areas: area codes repeat: {describe_ids(sorted(set(ar.loc[ar['area_code'].duplicated(), 'area_code'])))}"
        )
        raise InputError(msg)
    ar["area_km2"] = ar.geometry.area / 1e6

    # population points → areas
    if not isinstance(population, gpd.GeoDataFrame) or POP not in population.columns:
        msg = (
            "population must be a GeoDataFrame of points with a 'pop' column (see read_population / spread_population)"
        )
        raise InputError(msg)
    if population.crs is None:
        msg = "population points have no CRS: set one (e.g. .set_crs(4326))"
        raise InputError(msg)
    if len(population) == 0:
        msg = "population has no rows"
        raise EmptyInputError(msg)
    dem = population.to_crs(crs).reset_index(drop=True)
    if not dem.geom_type.eq("Point").all():
        msg = "population must be points: spread polygon counts with spread_population(polygons, G) first"
        raise InputError(msg)
    tree = shapely.STRtree(ar.geometry.values)
    pi, ai = tree.query(dem.geometry.values, predicate="intersects")
    pi, first = np.unique(pi, return_index=True)
    dem_area = np.full(len(dem), None, dtype=object)
    dem_area[pi] = ar["area_code"].to_numpy()[ai[first]]
    dem["area_code"] = dem_area
    outside = dem["area_code"].isna()
    pop_points = dem.groupby("area_code")[POP].sum()
    if "pop" in ar.columns:
        ar["pop"] = pd.to_numeric(ar["pop"], errors="coerce")
        pop_source = "published totals of the areas (column 'pop')"
        ar["pop_points"] = ar["area_code"].map(pop_points).fillna(0.0)
    else:
        ar["pop"] = ar["area_code"].map(pop_points).fillna(0.0)
        pop_source = "sum of the population points"
    ar["density"] = ar["pop"] / ar["area_km2"]
    empty = ar["pop"].fillna(0) <= 0
    if empty.any():
        warnings.warn(
            f"{int(empty.sum())} areas have no population and get 'not applicable' for population rules: "
            f"{describe_ids(ar.loc[empty, 'area_name'].tolist())}",
            HealthcovWarning,
            stacklevel=2,
        )
    if outside.any():
        warnings.warn(
            f"{int(outside.sum())} population points ({dem.loc[outside, POP].sum():,.0f} people) lie outside every "
            "area and are not assessed (kept in .demand with area_code None)",
            HealthcovWarning,
            stacklevel=2,
        )
    cls, cls_rule = classify_areas(ar, prof, class_column=class_column)
    ar["area_class"], ar["class_rule"] = cls.to_numpy(), cls_rule.to_numpy()
    dem["area_class"] = dem["area_code"].map(dict(zip(ar["area_code"], ar["area_class"], strict=True)))

    # facilities
    if not isinstance(facilities, gpd.GeoDataFrame):
        msg = "facilities must be a GeoDataFrame (see read_facilities)"
        raise InputError(msg)
    fac = facilities.to_crs(crs).copy() if facilities.crs is not None else None
    if fac is None:
        msg = "facilities have no CRS: set one, or read them with read_facilities"
        raise InputError(msg)
    if len(fac) == 0:
        msg = "facilities has no rows"
        raise EmptyInputError(msg)
    fac["facility_type"] = _facility_types(fac, type_column).to_numpy()
    n_all = len(fac)
    status_note = ""
    if "status" in fac.columns:
        from ..scenarios import SCENARIOS, normalize_status

        fac["status"] = normalize_status(fac["status"]).to_numpy()
        if statuses is None:
            scen = facilities.attrs.get("scenario")
            statuses = tuple(sorted(set(fac["status"]))) if scen else SCENARIOS["existing"]
        else:
            statuses = tuple(normalize_status(pd.Series(list(statuses))))
        keep = fac["status"].isin(list(statuses))
        status_note = f"{int(keep.sum())} of {n_all} facilities have status {', '.join(statuses)} and count"
        fac = fac[keep]
    used_types = {t for r in prof.rules if r.kind in _EVALUATORS for t in r.facility_types}
    unmatched = sorted(set(fac["facility_type"]) - used_types)
    if unmatched:
        counts = fac["facility_type"].value_counts()
        warnings.warn(
            f"{int(counts[unmatched].sum())} facilities have types that no evaluated rule of profile {prof.id} uses "
            f"and count for nothing: {', '.join(f'{t} ({counts[t]})' for t in unmatched)}",
            HealthcovWarning,
            stacklevel=2,
        )
    fi, fa = tree.query(fac.geometry.values, predicate="intersects")
    fi, first = np.unique(fi, return_index=True)
    fac_area = np.full(len(fac), None, dtype=object)
    fac_area[fi] = ar["area_code"].to_numpy()[fa[first]]
    fac["area_code"] = fac_area
    for name, g in graphs.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _, geom, s = snap_graph_points(g, fac, max_snap_m=max_snap_m, name="facilities", check_offset=True)
            limit = float(g.graph[GRAPH_KEY]["mode"]["max_snap_m"] if max_snap_m is None else max_snap_m)
            if not s.on_network.all() and s.on_network.any():
                report_off_network(geom.index, s, f"facilities (on the {name} network)", limit)
        for w in caught:
            warnings.warn(w.message, w.category, stacklevel=2)
        fac[f"on_network_{name}"] = s.on_network
        fac[f"snap_dist_m_{name}"] = s.dist_m

    ctx = _Context(
        profile=prof,
        graphs=graphs,
        areas=ar,
        demand=dem,
        facilities=fac,
        pop=dem[POP].to_numpy(dtype=float),
        in_area={c: (dem["area_code"] == c).to_numpy() for c in ar["area_code"]},
        assigned=~outside.to_numpy(),
        circle_modes=dict(circle_modes or {"urban": "walk", "rural": "drive"}),
        activation_delay_min=float(activation_delay_min),
        target_share=float(target_share),
        partial_share=float(partial_share),
        radius_metric=radius_metric,
        cross_boundary=bool(cross_boundary),
        max_snap_m=max_snap_m,
    )
    values: dict[str, np.ndarray] = {}
    covered: dict[str, np.ndarray] = {}

    def record(rule: Rule, mask: np.ndarray, v: np.ndarray, c: np.ndarray) -> None:
        values.setdefault(rule.id, np.full(len(dem), np.nan))[mask] = v
        covered.setdefault(rule.id, np.zeros(len(dem), bool))[mask] = c

    ctx.record = record

    from .profiles import strictest as strictest_rule

    rows: list[dict[str, Any]] = []
    reference: list[dict[str, Any]] = []
    wanted = None if rules is None else set(rules)
    for rule in prof.rules:
        if wanted is not None and rule.id not in wanted:
            continue
        if rule.kind == "reference" or rule.kind not in _EVALUATORS:
            reference.append(
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
            )
            continue
        got = _evaluate(rule, ctx)
        if rule.facility_types and not ctx.facilities_of(tuple(rule.facility_types)).any():
            absent = f"no facilities of type {', '.join(rule.facility_types)} in the data"
            for r in got:
                r["note"] = "; ".join(x for x in (absent, r.get("note", "")) if x)
        if strictest and rule.parent is not None:
            strict = strictest_rule(rule)
            if dict(strict.params) != dict(rule.params):
                saved = dict(values), dict(covered)
                alt = _evaluate(strict, ctx)
                values.clear()
                values.update(saved[0])
                covered.clear()
                covered.update(saved[1])
                for r, a in zip(got, alt, strict=True):
                    r["verdict_strictest"] = a.get("verdict")
                    if not a.get("standard"):
                        continue
                    extra = f"strictest applicable ({strict.profile}): {a.get('standard', '')} → {a.get('verdict')}"
                    r["note"] = "; ".join(x for x in (r.get("note", ""), extra) if x)
        for r in got:
            r.setdefault("verdict_strictest", r.get("verdict"))
            r.setdefault("verdict_lenient", r.get("verdict"))
        rows.extend(got)
    if not rows and not reference:
        msg = f"no rules selected: the profile {prof.id} has {[r.id for r in prof.rules]}"
        raise InputError(msg)

    table = pd.DataFrame(rows)
    for c in TABLE_COLUMNS:
        if c not in table.columns:
            table[c] = np.nan
    table = table[TABLE_COLUMNS]
    table["verdict_zh"] = table["verdict"].map(_VERDICT_ZH)

    for rid, vals in values.items():
        dem[rid] = vals
        dem[f"{rid}:covered"] = covered[rid]
    counts = pd.crosstab(table["area_code"], table["verdict"])
    for verdict in ("pass", "partial", "fail"):
        n = counts[verdict] if verdict in counts.columns else pd.Series(dtype=float)
        ar[f"n_{verdict}"] = ar["area_code"].map(n).fillna(0).astype(int)
    ar["worst"] = np.where(ar["n_fail"] > 0, "fail", np.where(ar["n_partial"] > 0, "partial", "pass"))

    from .profiles import looser_than_parent

    looser = pd.DataFrame(looser_than_parent(prof))
    infos = {name: g.graph[GRAPH_KEY] for name, g in graphs.items()}
    notes = list(dict.fromkeys(ctx.notes))
    if outside.any():
        notes.append(
            f"{int(outside.sum())} population points ({dem.loc[outside, POP].sum():,.0f} people) lie outside "
            "every area and are not assessed"
        )
    if status_note:
        notes.append(status_note)
    for name, info in infos.items():
        if info.get("dropped_nodes"):
            notes.append(
                f"{name} network: {info['dropped_nodes']} nodes outside its largest strongly connected component "
                "were dropped"
            )
    assumptions = {
        "profile": prof.id,
        "profile_chain": list(prof.chain),
        "circle_modes": ctx.circle_modes,
        "networks": {
            name: {"mode": info["mode"], "nodes": info["nodes"], "source": info.get("source")}
            for name, info in infos.items()
        },
        "activation_delay_min": ctx.activation_delay_min,
        "target_share": ctx.target_share,
        "partial_share": ctx.partial_share,
        "radius_metric": radius_metric,
        "cross_boundary": ctx.cross_boundary,
        "statuses": list(statuses) if statuses is not None else ["all (no status column)"],
        "scenario": facilities.attrs.get("scenario", "as given"),
        "population_method": population.attrs.get("population_method", "points with counts"),
        "population_total_points": float(dem[POP].sum()),
        "area_population": pop_source,
        "area_classification": dict(zip(ar["area_name"], ar["class_rule"], strict=True)),
        "notes": notes,
    }
    fac_out = fac.copy()
    if not table.empty and (table["verdict"] == "not_assessed").any():
        na = table[table["verdict"] == "not_assessed"].drop_duplicates("rule_id")
        what = "; ".join(f"{r.rule_id}: {r.note}" for r in na.itertuples())
        notes.append(f"not assessed for lack of data — {what}")
        if on_missing == "raise":
            msg = f"profile {prof.id}: rules need data the inputs lack — {what}"
            raise InputError(msg)
        if on_missing == "warn":
            warnings.warn(f"not assessed for lack of data — {what}", HealthcovWarning, stacklevel=2)
    return Assessment(
        profile=prof,
        table=table,
        areas=ar,
        demand=dem,
        facilities=fac_out,
        reference=pd.DataFrame(reference),
        looser=looser,
        assumptions=assumptions,
        networks=graphs,
    )
