"""Where to build next: sites that close an assessment's coverage gap for one rule.

Glue between :func:`healthcov.assess` and the facility-location solvers of
:mod:`healthcov.siting`: the demand, its urban/rural thresholds (3.5 km in urban areas and 8 km in
rural ones in the same model), what existing facilities already cover, and the re-assessment with
the chosen sites added.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError
from .candidates import generate_candidates, polygon_union
from .coverage import candidate_coverage, straight_coverage
from .model import SiteSolution
from .solvers import solve_lscp, solve_mclp

__all__ = ["suggest_sites", "SitePlan"]


@dataclass
class SitePlan:
    """What :func:`suggest_sites` returns.

    Attributes
    ----------
    sites
        The chosen sites in order of marginal gain, with ``newly_covered`` (residents each adds,
        given the ones before it), ``facility_type`` and ``status = "proposed"``.
    curve
        Population covered against the number of added sites (0 = existing facilities only).
    solution
        The solver's :class:`~healthcov.siting.SiteSolution` (method, status, optimality gap).
    before, after
        The assessment without and with the sites (``after`` re-runs ``rule`` only).
    candidates
        Every candidate considered.
    """

    rule: str
    sites: gpd.GeoDataFrame
    curve: pd.DataFrame
    solution: SiteSolution
    before: Any
    after: Any
    candidates: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        s = self.solution
        return (
            f"<SitePlan {self.rule}: {len(self.sites)} sites, covered {s.existing_weight:,.0f} → "
            f"{s.covered_weight:,.0f} of {s.total_weight:,.0f} residents ({s.share:.1%}); {s.method}, gap {s.gap:.2%}>"
        )


def _thresholds(result: Any, rule: Any, demand: gpd.GeoDataFrame) -> tuple[np.ndarray, str, str]:
    """Per-demand threshold (s or m), the weight and the rule's measure."""
    cls = demand["area_class"].astype(str).to_numpy()
    if rule.kind == "service_circle":
        spec = rule.params["minutes"]
        vals = [spec.get(c, spec.get("all")) if isinstance(spec, Mapping) else spec for c in cls]
        return np.array([np.nan if v is None else float(v) * 60.0 for v in vals]), "travel_time", "time"
    if rule.kind == "service_radius":
        spec = rule.params["radius_km"]

        def strict(v: Any) -> float:
            if v is None:
                return np.nan
            return float(min(v)) * 1000.0 if isinstance(v, (list, tuple)) else float(v) * 1000.0

        vals = [spec.get(c, spec.get("all")) if isinstance(spec, Mapping) else spec for c in cls]
        return np.array([strict(v) for v in vals]), "length", "distance"
    msg = f"rule {rule.id!r} is a {rule.kind} rule: sites can be suggested for service_circle and service_radius rules"
    raise InputError(msg)


def suggest_sites(
    result: Any,
    rule: str,
    *,
    k: int | None = None,
    target_share: float | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    spacing_m: float = 1000.0,
    exclude: Any = None,
    facility_type: str | None = None,
    solver: str = "auto",
    time_limit_s: float = 60.0,
    reassess: bool = True,
) -> SitePlan:
    """Choose new facility sites that close the gap an assessment found for one rule.

    Parameters
    ----------
    result
        An :class:`~healthcov.standards.engine.Assessment` (made with road networks).
    rule
        A ``service_circle`` or ``service_radius`` rule id of the assessment's profile.
    k, target_share
        Either the number of sites to add (maximal covering: the best ``k``) or the share of
        residents to reach (set covering: the fewest sites), e.g. the assessment's own
        ``target_share``. Exactly one.
    candidates
        Candidate points (land parcels, township seats, planned sites). Default: road nodes in the
        assessed areas, thinned to ``spacing_m``, outside ``exclude`` (polygons, e.g. an old city
        where no new hospital may go).
    facility_type
        Type given to the new sites (default: the rule's first facility type).

    Returns
    -------
    SitePlan
    """
    if (k is None) == (target_share is None):
        msg = "give exactly one of k= (number of sites to add) or target_share= (share of residents to reach)"
        raise InputError(msg)
    r = result.profile.rule(rule)
    demand, thr, already, weight, measure = _demand(result, r, rule)
    if not result.networks:
        msg = "the assessment was made without road networks: sites need G (see assess)"
        raise InputError(msg)
    notes: list[str] = []
    candidates = _candidates(result, candidates, spacing_m, exclude, notes)
    cover = _cover(result, candidates, demand, thr, weight, measure, notes)
    w = demand["pop"].to_numpy(dtype=float)
    if k is not None:
        sol = solve_mclp(cover, w, int(k), covered_already=already, solver=solver, time_limit_s=time_limit_s)
    else:
        assert target_share is not None
        share = float(target_share)
        sol = solve_lscp(cover, w, share, covered_already=already, solver=solver, time_limit_s=time_limit_s)
    ftype = facility_type or (r.facility_types[0] if r.facility_types else "other")
    sites = candidates.iloc[sol.chosen].copy()
    sites["newly_covered"] = sol.gains
    sites["facility_type"] = ftype
    sites["status"] = "proposed"
    sites["name"] = [f"建议选址 {i + 1} / suggested site {i + 1}" for i in range(len(sites))]
    after = _reassess(result, sites, rule) if reassess and len(sites) else None
    return SitePlan(
        rule=rule,
        sites=sites,
        curve=sol.curve,
        solution=sol,
        before=result,
        after=after,
        candidates=candidates,
        notes=notes,
    )


def _demand(result: Any, r: Any, rule: str) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray, str, str]:
    """The residents the rule can assess: (demand, threshold per point, covered already, weight, measure)."""
    thr_all, weight, measure = _thresholds(result, r, result.demand)
    dem = result.demand
    ok = dem["area_code"].notna().to_numpy() & np.isfinite(thr_all) & (dem["pop"].to_numpy() > 0)
    covered_col = f"{rule}:covered"
    if covered_col not in dem.columns:
        msg = f"the assessment has no per-resident coverage for {rule!r}: was it evaluated with a road network?"
        raise InputError(msg)
    already = dem.loc[ok, covered_col].astype(bool).to_numpy()
    return dem[ok], thr_all[ok], already, weight, measure


def _base_network(nets: Mapping[str, Any]) -> Any:
    return nets.get("drive") or nets.get("ambulance") or next(iter(nets.values()))


def _candidates(result: Any, candidates: Any, spacing_m: float, exclude: Any, notes: list[str]) -> gpd.GeoDataFrame:
    """The given candidates outside ``exclude``, or road nodes of the assessed areas."""
    if candidates is None:
        candidates = generate_candidates(
            _base_network(result.networks), within=result.areas, spacing_m=spacing_m, exclude=exclude
        )
        notes.append(f"candidates: road nodes in the assessed areas, at least {spacing_m:g} m apart")
    elif exclude is not None:
        poly = polygon_union(exclude, candidates.crs, "exclude")
        candidates = candidates[~candidates.intersects(poly)]
    if len(candidates) == 0:
        msg = "no candidate sites (all excluded, or none given): widen the areas or relax exclude="
        raise InputError(msg)
    return candidates


def _cover(
    result: Any,
    candidates: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    thr: np.ndarray,
    weight: str,
    measure: str,
    notes: list[str],
) -> sp.csr_matrix:
    """The coverage matrix measured as the assessment measured the rule."""
    nets, a = result.networks, result.assumptions
    base_net = _base_network(nets)
    if measure == "time":
        # walk in urban areas and drive in rural ones (the assessment's circle modes), in one model
        blocks = []
        cls = demand["area_class"].astype(str).to_numpy()
        order = np.arange(len(demand))
        for c in np.unique(cls):
            mode = a["circle_modes"].get(c, "walk")
            G = nets.get(mode) or base_net
            sel = cls == c
            block = candidate_coverage(G, candidates, demand[sel], thr[sel], weight=weight, direction="to_facility")
            blocks.append((order[sel], block))
            notes.append(f"{c} residents: {mode} network, ≤ {np.nanmax(thr[sel]) / 60:g} min")
        rows = np.concatenate([b[0] for b in blocks])
        cover = sp.vstack([b[1] for b in blocks]).tocsr()
        inv = np.empty_like(rows)
        inv[rows] = np.arange(len(rows))
        return cover[inv]
    if a["radius_metric"] == "straight":
        notes.append("straight-line radius, as in the assessment")
        return straight_coverage(candidates, demand, thr)
    G = nets.get("ambulance") or nets.get("drive") or base_net
    notes.append("network distance from the site, as in the assessment")
    return candidate_coverage(G, candidates, demand, thr, weight="length", direction="from_facility")


def _reassess(result: Any, sites: gpd.GeoDataFrame, rule: str) -> Any:
    """The assessment of ``rule`` with the sites added, under the first run's assumptions."""
    from ..standards.engine import assess

    a = result.assumptions
    fac = result.facilities.drop(
        columns=[c for c in result.facilities.columns if c.startswith(("on_network_", "snap_dist_m_"))]
    )
    fac = fac.drop(columns=[c for c in ("status",) if c in fac.columns])
    plus = pd.concat([fac, sites[["name", "facility_type", "geometry"]].to_crs(fac.crs)], ignore_index=True)
    plus = gpd.GeoDataFrame(plus, geometry="geometry", crs=fac.crs)
    areas = result.areas[["area_name", "area_code", "area_class", "pop", "geometry"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the same warnings as the first run
        return assess(
            result.networks,
            plus,
            result.demand[["pop", "geometry"]],
            areas,
            profile=result.profile,
            circle_modes=a["circle_modes"],
            activation_delay_min=a["activation_delay_min"],
            target_share=a["target_share"],
            partial_share=a["partial_share"],
            radius_metric=a["radius_metric"],
            cross_boundary=a["cross_boundary"],
            rules=[rule],
        )
