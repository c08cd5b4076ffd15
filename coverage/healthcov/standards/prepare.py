"""Preparation stages of an assessment: networks, areas, demand → areas, facilities → types and snapping.

Each stage is a public function on plain data; :func:`prepare` runs them in order and returns the
:class:`Context` that :func:`healthcov.standards.evaluate` reads.
"""

from __future__ import annotations

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

from .._columns import GRAPH_KEY
from ..errors import CRSError, EmptyInputError, HealthcovWarning, InputError, MissingColumnError, describe_ids
from ..io.area_checks import check_areas
from ..io.population import POP, read_areas
from ..network.prepare import is_network, require_prepared
from ..network.snap import report_off_network, snap_graph_points
from .costs import CostCache
from .notes import Note
from .options import AssessOptions
from .profiles import Profile, Rule, load_profile
from .statistics import prepared_statistics
from .statuses import SCENARIOS, normalize_status
from .vocabulary import EVALUATED_KINDS

__all__ = [
    "Context",
    "network_graphs",
    "prepare_areas",
    "assign_demand",
    "classify_areas",
    "prepare_facilities",
    "selected_rules",
    "prepare",
]

_URBAN_WORDS = {"urban", "城", "城区", "城市", "城镇", "市区", "u", "1", "true"}
_RURAL_WORDS = {"rural", "乡", "农村", "乡村", "乡镇", "r", "0", "false"}


@dataclass(frozen=True)
class Context:
    """Everything the rule evaluators read: prepared inputs and options.

    Attributes
    ----------
    profile, options
        The rule profile and the options of the run.
    modes
        The network modes available (``graphs`` may be empty when the travel costs are already
        in ``costs``, as in the merge of a partitioned run).
    graphs
        The road networks by mode (may be empty: no network).
    areas, demand, facilities
        Areas with ``pop``, ``area_km2``, ``density``, ``area_class`` and ``class_rule``;
        demand points with ``pop``, ``area_code`` and ``area_class``; facilities with
        ``facility_type``, ``area_code`` and per network ``on_network_<mode>`` /
        ``snap_dist_m_<mode>``.
    assigned
        Demand points inside some area (the ones that count for jurisdiction-wide rows).
    costs
        Travel costs and snapping computed so far (a cache; see :class:`CostCache`).
    notes
        Notes about the run (points outside every area, statuses, dropped network nodes).
    facts
        What the assumptions record: ``statuses``, ``scenario``, ``population_method``,
        ``area_population``.
    """

    profile: Profile
    options: AssessOptions
    modes: tuple[str, ...]
    graphs: Mapping[str, nx.MultiDiGraph]
    areas: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    assigned: np.ndarray
    costs: CostCache = field(default_factory=CostCache, repr=False)
    notes: tuple[Note, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def pop(self) -> np.ndarray:
        """Residents of each demand point."""
        return self.demand[POP].to_numpy(dtype=float)

    def in_area(self, area_code: Any) -> np.ndarray:
        """Which demand points lie in the area."""
        return (self.demand["area_code"] == area_code).to_numpy()

    def facilities_of(self, types: Sequence[str]) -> np.ndarray:
        """Which facilities have one of ``types`` (all of them when ``types`` is empty)."""
        ft = self.facilities["facility_type"].to_numpy()
        return np.isin(ft, list(types)) if types else np.ones(len(ft), bool)


def _mode_of(g: nx.MultiDiGraph) -> str | None:
    mode = g.graph.get(GRAPH_KEY, {}).get("mode")
    return str(mode.get("name")) if isinstance(mode, Mapping) and mode.get("name") else None


def network_graphs(G: Any) -> dict[str, nx.MultiDiGraph]:
    """The networks by mode: one network, a dict of them by mode, or ``None`` (no network: ``{}``).

    Each network must come from :func:`healthcov.read_network` (or ``prepare_graph``), all in one
    CRS, and under the key of the mode it was prepared for: ``{"walk": G_drive}`` would evaluate
    walking at car speed and is refused.
    """
    if G is None:
        return {}  # straight-line, ratio and count rules only
    if is_network(G):
        graphs = {_mode_of(G) or "drive": G}
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
        mode = _mode_of(g)
        if mode is not None and mode != name:
            msg = (
                f"G[{name!r}] was prepared for mode {mode!r} (its speeds and access rules are those of {mode}): "
                f"read it with read_network(..., mode={name!r}) or pass it as G[{mode!r}]"
            )
            raise InputError(msg)
        if crs is None:
            crs = g.graph["crs"]
        elif g.graph["crs"] != crs:
            msg = f"the networks are in different CRSs ({crs} and {g.graph['crs']}): read them with the same to_crs="
            raise InputError(msg)
    return graphs


def metric_crs(graphs: Mapping[str, nx.MultiDiGraph], areas: Any) -> str:
    """The networks' CRS, or without a network the UTM zone of the areas."""
    if graphs:
        return str(next(iter(graphs.values())).graph["crs"])
    from ..crs import local_utm

    a0 = read_areas(areas) if not isinstance(areas, gpd.GeoDataFrame) else areas
    if a0.crs is None:
        msg = "areas have no CRS: set one (e.g. .set_crs(4326)) or read them with read_areas"
        raise InputError(msg)
    return local_utm(a0).to_string()


def prepare_areas(areas: Any, crs: Any, *, allow_overlap: bool = False) -> gpd.GeoDataFrame:
    """The areas (read when a path or a frame without ``area_code``) in ``crs``, with ``area_km2``.

    Checked like :func:`~healthcov.read_areas` (:func:`~healthcov.io.area_checks.check_areas`):
    no areas, a missing or zero-area geometry, a bad ``pop`` or overlapping areas (unless
    ``allow_overlap``) are errors; invalid polygons are repaired with a warning.
    """
    if isinstance(areas, gpd.GeoDataFrame) and len(areas) == 0:
        msg = "areas has no rows: pass the polygons of the areas to assess (see read_areas)"
        raise EmptyInputError(msg)
    if not isinstance(areas, gpd.GeoDataFrame) or "area_code" not in areas.columns:
        ar = read_areas(areas, allow_overlap=allow_overlap)
    else:
        if areas.crs is None:
            msg = "areas have no CRS: set one (e.g. .set_crs(4326)) or read them with read_areas"
            raise CRSError(msg)
        ar = check_areas(areas, "areas", allow_overlap=allow_overlap)
    ar = ar.to_crs(crs).reset_index(drop=True)
    if ar["area_code"].duplicated().any():
        msg = (
            f"areas: area codes repeat: {describe_ids(sorted(set(ar.loc[ar['area_code'].duplicated(), 'area_code'])))}"
        )
        raise InputError(msg)
    ar["area_km2"] = ar.geometry.area / 1e6
    return ar


def _check_population(population: Any) -> None:
    if not isinstance(population, gpd.GeoDataFrame) or POP not in population.columns:
        msg = (
            "population must be a GeoDataFrame of points with a 'pop' column (see read_population / spread_population)"
        )
        raise InputError(msg)
    if population.crs is None:
        msg = "population points have no CRS: set one (e.g. .set_crs(4326)) or read them with read_population"
        raise CRSError(msg)
    if len(population) == 0:
        msg = "population has no rows"
        raise EmptyInputError(msg)
    raw = population[POP]
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals < 0) | raw.map(lambda v: isinstance(v, str)).to_numpy()
    if bad.any():
        shown = [f"{i} ({v!r})" for i, v in zip(population.index[bad], raw.to_numpy()[bad], strict=True)]
        msg = (
            f"population: column 'pop' must hold non-negative numbers; rows {describe_ids(shown)} do not. "
            "Fill or remove them, and convert text to numbers (an unknown count cannot be assessed)"
        )
        raise InputError(msg)


def _first_area(areas: gpd.GeoDataFrame, geoms: np.ndarray) -> np.ndarray:
    """The code of the first area each geometry intersects (``None`` outside every area)."""
    tree = shapely.STRtree(areas.geometry.values)
    gi, ai = tree.query(geoms, predicate="intersects")
    gi, first = np.unique(gi, return_index=True)
    out = np.full(len(geoms), None, dtype=object)
    out[gi] = areas["area_code"].to_numpy()[ai[first]]
    return out


def assign_demand(
    population: gpd.GeoDataFrame, areas: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, tuple[Note, ...], str]:
    """Demand points → areas, and the areas' population and density.

    Returns the areas (with ``pop``, ``density`` and, when the areas had published totals,
    ``pop_points``), the demand points (with ``area_code``), notes, and where the areas'
    population comes from.
    """
    _check_population(population)
    dem = population.to_crs(areas.crs).reset_index(drop=True)
    if not dem.geom_type.eq("Point").all():
        msg = "population must be points: spread polygon counts with spread_population(polygons, G) first"
        raise InputError(msg)
    dem["area_code"] = _first_area(areas, dem.geometry.values)
    outside = dem["area_code"].isna()
    pop_points = dem.groupby("area_code")[POP].sum()
    ar = areas.copy()
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
            stacklevel=3,
        )
    notes: tuple[Note, ...] = ()
    if outside.any():
        n, people = int(outside.sum()), float(dem.loc[outside, POP].sum())
        warnings.warn(
            f"{n} population points ({people:,.0f} people) lie outside every "
            "area and are not assessed (kept in .demand with area_code None)",
            HealthcovWarning,
            stacklevel=3,
        )
        notes = (
            Note(
                "outside_areas",
                None,
                None,
                f"{n} 个人口点（{people:,.0f} 人）不在任何区域内，未参与评估",
                f"{n} population points ({people:,.0f} people) lie outside every area and are not assessed",
            ),
        )
    return ar, dem, notes, pop_source


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


def _by_density_classes(areas: gpd.GeoDataFrame, profile: Profile, cls: pd.Series, rule: pd.Series) -> None:
    """Jiaxing-style classifier: density classes of the profile (fills ``cls`` and ``rule`` in place)."""
    c = dict(profile.classifier)
    dens = areas["density"]
    todo = cls.isna()
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
            f"density {d:,.0f}/km² → {label} (profile {profile.id}{', ' + str(src) if src else ''})" for d in dens[m]
        ]
        todo = cls.isna()


def _by_unit_type(areas: gpd.GeoDataFrame, profile: Profile, cls: pd.Series, rule: pd.Series) -> None:
    """Name suffix of the unit (街道 → urban, 镇/乡 → rural) as the profile lists them (in place)."""
    c = dict(profile.classifier)
    names = areas["area_name"].astype(str)
    todo = cls.isna()
    for label in ("urban", "rural"):
        for suf in c.get(label, []):
            m = todo & names.str.endswith(str(suf))
            cls[m] = label
            rule[m] = f"unit type {suf} → {label} (profile {profile.id})"
            todo = cls.isna()


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
    if str(dict(profile.classifier).get("method", "admin_type")) == "density":
        _by_density_classes(areas, profile, cls, rule)
    else:
        _by_unit_type(areas, profile, cls, rule)
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
    return cls.fillna("rural"), rule.fillna("no information: rural assumed")


#: the typing evidence kept beside ``facility_type`` (see :func:`~healthcov.classify_facilities`)
TYPING_EVIDENCE = ("grade", "owner", "type_rule", "type_source", "type_confidence", "type_note")


#: Chinese names of a status column (the same as ``healthcov.scenarios.STATUS_COLUMN_ALIASES``, which the
#: standards layer may not import)
STATUS_COLUMN_ALIASES = ("状态", "建设状态", "规划状态", "现状/规划")

#: Chinese names of a facility-type column, recognised when there is no ``facility_type``
TYPE_COLUMN_ALIASES = ("类型", "设施类型", "机构类型")


def _facility_types(facilities: gpd.GeoDataFrame, type_column: str | None, ems_hospital: bool) -> pd.DataFrame:
    if type_column is not None:
        if type_column not in facilities.columns:
            msg = f"facilities have no column {type_column!r}; columns are {list(facilities.columns)}"
            raise MissingColumnError(msg)
        col: str | None = type_column
    elif "facility_type" in facilities.columns:
        col = "facility_type"
    else:
        col = next((c for c in TYPE_COLUMN_ALIASES if c in facilities.columns), None)
    from .facility_types import classify_facilities

    kw: dict[str, Any] = {"type_column": col, "ems_include_hospital_emergency": ems_hospital}
    if "name" not in facilities.columns:
        kw["name_column"] = None
    typed = classify_facilities(facilities, **kw)
    typed["facility_type"] = typed["facility_type"].astype(str)
    return typed


def selected_rules(profile: Profile, rules: Sequence[str] | None = None) -> list[Rule]:
    """The profile's rules the engine evaluates (of :data:`EVALUATED_KINDS`), restricted to ``rules``."""
    wanted = None if rules is None else set(rules)
    return [r for r in profile.rules if (wanted is None or r.id in wanted) and r.kind in EVALUATED_KINDS]


def _filter_statuses(
    fac: gpd.GeoDataFrame, statuses: Sequence[str] | None, scenario: Any
) -> tuple[gpd.GeoDataFrame, tuple[str, ...] | None, tuple[Note, ...]]:
    """The facilities whose status counts, the statuses, and a note saying how many.

    The status column is ``status`` or a Chinese alias (状态, 建设状态 …); ``statuses`` without
    one is an error, since the filter could not be honoured.
    """
    if "status" not in fac.columns:
        found = [c for c in STATUS_COLUMN_ALIASES if c in fac.columns]
        if len(found) > 1:
            msg = f"facilities have several status columns {found}: keep one, or rename the one to use to 'status'"
            raise InputError(msg)
        if found:
            fac["status"] = fac[found[0]]
        elif statuses is not None:
            msg = (
                f"statuses={list(statuses)} but the facilities have no status column ('status' or 状态): "
                "add one (existing/planned…, or 现有/规划新建), or leave statuses out to count every facility"
            )
            raise MissingColumnError(msg)
        else:
            return fac, None, ()
    n_all = len(fac)
    fac["status"] = normalize_status(fac["status"]).to_numpy()
    if statuses is None:
        statuses = tuple(sorted(set(fac["status"]))) if scenario else SCENARIOS["existing"]
    else:
        statuses = tuple(normalize_status(pd.Series(list(statuses))))
    keep = fac["status"].isin(list(statuses))
    k, words = int(keep.sum()), ", ".join(statuses)
    note = Note(
        "statuses",
        None,
        None,
        f"{n_all} 个设施中 {k} 个的状态为 {words}，参与计算",
        f"{k} of {n_all} facilities have status {words} and count",
    )
    return fac[keep], statuses, (note,)


def _warn_unused_types(fac: gpd.GeoDataFrame, profile: Profile) -> None:
    used_types = {t for r in profile.rules if r.kind in EVALUATED_KINDS for t in r.facility_types}
    unmatched = sorted(set(fac["facility_type"]) - used_types)
    if unmatched:
        counts = fac["facility_type"].value_counts()
        warnings.warn(
            f"{int(counts[unmatched].sum())} facilities have types that no evaluated rule of profile {profile.id} uses "
            f"and count for nothing: {', '.join(f'{t} ({counts[t]})' for t in unmatched)}",
            HealthcovWarning,
            stacklevel=4,
        )


def _snap_facilities(fac: gpd.GeoDataFrame, graphs: Mapping[str, nx.MultiDiGraph], max_snap_m: float | None) -> None:
    """``on_network_<mode>`` and ``snap_dist_m_<mode>`` per network (in place), reporting off-network ones once.

    The GCJ-02 check (are the points shifted off the roads?) runs on the first network only: the
    networks of one run cover the same roads, and each check costs a nearest-road search.
    """
    for i, (name, g) in enumerate(graphs.items()):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _, geom, s = snap_graph_points(g, fac, max_snap_m=max_snap_m, name="facilities", check_offset=i == 0)
            limit = float(g.graph[GRAPH_KEY]["mode"]["max_snap_m"] if max_snap_m is None else max_snap_m)
            if not s.on_network.all() and s.on_network.any():
                report_off_network(geom.index, s, f"facilities (on the {name} network)", limit)
        for w in caught:
            warnings.warn(w.message, w.category, stacklevel=4)
        fac[f"on_network_{name}"] = s.on_network
        fac[f"snap_dist_m_{name}"] = s.dist_m


def prepare_facilities(
    facilities: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    graphs: Mapping[str, nx.MultiDiGraph],
    profile: Profile,
    options: AssessOptions,
) -> tuple[gpd.GeoDataFrame, tuple[str, ...] | None, tuple[Note, ...]]:
    """Facilities → types (``facility_type``), status filter, areas (``area_code``) and snapping per network.

    Returns the facilities that count, the statuses that count (``None``: no status column and
    none asked for), and notes.
    """
    if not isinstance(facilities, gpd.GeoDataFrame):
        msg = "facilities must be a GeoDataFrame (see read_facilities)"
        raise InputError(msg)
    if facilities.crs is None:
        msg = "facilities have no CRS: set one, or read them with read_facilities"
        raise InputError(msg)
    fac = facilities.to_crs(areas.crs).copy()
    if len(fac) == 0:
        msg = "facilities has no rows"
        raise EmptyInputError(msg)
    typed = _facility_types(fac, options.type_column, options.ems_include_hospital_emergency)
    fac["facility_type"] = typed["facility_type"].to_numpy()
    for col in TYPING_EVIDENCE:  # the evidence travels with each facility (unless the user gave it)
        if col in typed.columns and col not in facilities.columns:
            fac[col] = typed[col].to_numpy()
    fac, statuses, notes = _filter_statuses(fac, options.statuses, facilities.attrs.get("scenario"))
    _warn_unused_types(fac, profile)
    fac["area_code"] = _first_area(areas, fac.geometry.values)
    _snap_facilities(fac, graphs, options.max_snap_m)
    return fac, statuses, notes


def _network_notes(graphs: Mapping[str, nx.MultiDiGraph]) -> tuple[Note, ...]:
    out = []
    for name, g in graphs.items():
        k = g.graph[GRAPH_KEY].get("dropped_nodes")
        if k:
            out.append(
                Note(
                    "dropped_nodes",
                    None,
                    None,
                    f"{name} 路网：最大强连通分量之外的 {k} 个节点已删除",
                    f"{name} network: {k} nodes outside its largest strongly connected component were dropped",
                )
            )
    return tuple(out)


def prepare(
    G: Any,
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    areas: Any,
    profile: str | Profile,
    options: AssessOptions,
) -> Context:
    """All preparation stages in order: networks, areas, demand → areas, area classes, facilities."""
    graphs = network_graphs(G)
    prof = load_profile(profile)
    crs = metric_crs(graphs, areas)
    ar, dem, notes, pop_source = assign_demand(
        population, prepare_areas(areas, crs, allow_overlap=options.allow_overlap)
    )
    cls, cls_rule = classify_areas(ar, prof, class_column=options.class_column)
    ar["area_class"], ar["class_rule"] = cls.to_numpy(), cls_rule.to_numpy()
    dem["area_class"] = dem["area_code"].map(dict(zip(ar["area_code"], ar["area_class"], strict=True)))
    fac, statuses, fac_notes = prepare_facilities(facilities, ar, graphs, prof, options)
    facts = {
        "statuses": statuses,
        "scenario": facilities.attrs.get("scenario", "as given"),
        "population_method": population.attrs.get("population_method", "points with counts"),
        "area_population": pop_source,
        "statistics": prepared_statistics(options.statistics, ar),
        "demand_index": population.index.copy(),
    }
    return Context(
        profile=prof,
        options=options,
        modes=tuple(graphs),
        graphs=graphs,
        areas=ar,
        demand=dem,
        facilities=fac,
        assigned=dem["area_code"].notna().to_numpy(),
        notes=(*notes, *fac_notes, *_network_notes(graphs)),
        facts=facts,
    )
