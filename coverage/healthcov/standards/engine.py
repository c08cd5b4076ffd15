"""Evaluate a jurisdiction's rule profile per area, with population-weighted evidence.

The engine knows kinds of rules; the TOML profiles give the numbers (see
:mod:`healthcov.standards.profiles`). For every area and rule it returns a verdict (``pass``,
``partial``, ``fail``, ``not_applicable`` or ``not_assessed``) together with its evidence:
value, threshold, margin, population covered and not covered, share, mean and 90th-percentile
time, required / present / shortfall for ratio and count rules, and the source clause.

Assumptions that no plan states (travel mode of a service circle, the coverage share that
counts as a pass, the ambulance activation delay, whether a service radius is network or
straight-line distance) are options with stated defaults (:class:`AssessOptions`), and they are
all written to :attr:`Assessment.assumptions` so that a report can print them.

:func:`assess` composes the stages: :mod:`~healthcov.standards.prepare` →
:mod:`~healthcov.standards.evaluators` → :mod:`~healthcov.standards.assemble`. This module
writes no files (exports are the report's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import networkx as nx

from ..errors import InputError
from .assemble import assemble, reference_rows
from .assessment import Assessment
from .evaluators import evaluate
from .options import AssessOptions
from .prepare import classify_areas, prepare, selected_rules
from .profiles import Profile
from .vocabulary import ALL, TABLE_COLUMNS, VERDICTS

__all__ = [
    "assess",
    "Assessment",
    "AssessOptions",
    "VERDICTS",
    "TABLE_COLUMNS",
    "ALL",
    "classify_areas",
    "write_layers",
]


def assess(
    G: nx.MultiDiGraph | Mapping[str, nx.MultiDiGraph] | None,
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | Any,
    profile: str | Profile = "zhejiang",
    *,
    options: AssessOptions | None = None,
    **kwargs: Any,
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
        rules only; the others are "not assessed" with the reason). Each network must sit under
        the key of the mode it was read for (``read_network(..., mode=)``): ``{"walk": G_drive}``
        is refused, since it would evaluate walking at car speed.
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
    ems_include_hospital_emergency
        Count hospital emergency departments (急诊科) and the 危重孕产妇/新生儿 rescue centres as
        ambulance stations. Default False: only the 120 service (急救中心, 分站, 急救站) counts,
        as the plans' 急救站点 mean (see :func:`~healthcov.classify_facilities`).
    complete_types
        Facility types for which the data is complete (``("ems_station", ...)``, or ``("*",)``):
        a rule with none of its facilities in the data then fails. Default: such rows are
        ``not_assessed`` with the reason ("no ems_station in the input data").
    data_coverage_min
        Rows whose area the network reaches for less than this share of residents (column
        ``data_coverage``) get ``partial_data=True`` and a note (default 0.90).
    statistics
        Area-level resources (:func:`healthcov.read_statistics`) keyed by ``area_code``: columns
        such as ``beds``, ``doctors``, ``nurses``, ``ambulances`` feed the ratio rules when the
        facility table lacks them.
    jurisdiction
        Name of the jurisdiction-wide rows (default: the profile's city when the areas are its
        units, else "全部区域 / all areas").
    peak_speed_factor, sensitivity_delays_min
        The response-time sensitivity table (:attr:`Assessment.sensitivity`): activation delays
        (default 3 and 5 min) × free-flow and peak-hour speed (peak = ``peak_speed_factor`` ×
        free-flow speed, default 0.7). A facility column ``activation_delay_min`` overrides the
        delay per station, in the verdict too.

    options
        All the options above as one :class:`~healthcov.standards.options.AssessOptions`
        (keyword options given as well override it). An unknown option is an error naming it.

    Returns
    -------
    Assessment

    Notes
    -----
    ``assess`` is the composition of public stages: :func:`~healthcov.standards.prepare.prepare`
    (networks, areas, demand → areas, area classes, facilities), one
    :func:`~healthcov.standards.evaluators.evaluate` per rule, and
    :func:`~healthcov.standards.assemble.assemble`.
    """
    opts = AssessOptions.from_kwargs(options, **kwargs)
    ctx = prepare(G, facilities, population, areas, profile, opts)
    unknown = sorted(set(opts.rules or ()) - {r.id for r in ctx.profile.rules})
    if unknown:
        msg = (
            f"rules: unknown rule ids {unknown} for profile {ctx.profile.id}: "
            f"use ids of {[r.id for r in ctx.profile.rules]}"
        )
        raise InputError(msg)
    results = [evaluate(rule, ctx) for rule in selected_rules(ctx.profile, opts.rules)]
    reference = reference_rows(ctx.profile, opts.rules)
    if not results and reference.empty:
        msg = f"no rules selected: the profile {ctx.profile.id} has {[r.id for r in ctx.profile.rules]}"
        raise InputError(msg)
    return assemble(results, ctx, reference=reference)


def write_layers(result: Assessment, path: Any) -> None:
    """Compatibility for ``report/html_report.py`` until it writes the layers itself (report/exports.py).

    Layers ``areas``, ``verdicts`` (table rows with their area's polygon), ``facilities``, ``demand``.
    """

    def strings(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        out = gdf.copy()
        for c in out.columns:
            if c != out.geometry.name and out[c].dtype == object:
                out[c] = out[c].astype(str)
        return out

    strings(result.areas).to_file(path, layer="areas", driver="GPKG")
    verdicts = result.areas[["area_code", "geometry"]].merge(result.table, on="area_code", how="right")
    verdicts = gpd.GeoDataFrame(verdicts[verdicts.geometry.notna()], geometry="geometry", crs=result.areas.crs)
    strings(verdicts).to_file(path, layer="verdicts", driver="GPKG")
    strings(result.facilities).to_file(path, layer="facilities", driver="GPKG")
    strings(result.demand).to_file(path, layer="demand", driver="GPKG")
