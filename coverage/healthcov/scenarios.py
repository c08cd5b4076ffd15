"""Planned versus existing: facility scenarios, target-year population, and what changes between two assessments.

The plans list facilities by status — 现有 existing, 续建 under construction, 规划新建/迁建/扩建 planned,
谋划 proposed, and stations that are relocated (迁建) or merged. A facility table with a ``status``
column (English codes or those Chinese words) gives two or more scenarios; each is assessed with
:func:`healthcov.assess`, and :func:`compare` lists per area and rule what the plan changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import InputError, MissingColumnError, describe_ids
from .standards.statuses import SCENARIOS, STATUSES, normalize_status  # the engine's vocabulary, re-exported

__all__ = ["STATUSES", "normalize_status", "scenario_facilities", "compare", "project_population"]


def scenario_facilities(
    facilities: gpd.GeoDataFrame,
    scenario: str | Sequence[str] = "plan",
    *,
    status_column: str = "status",
    replaces_column: str = "replaces",
) -> gpd.GeoDataFrame:
    """The facilities of one scenario, with ``status`` normalised.

    ``scenario`` is a name — ``"existing"`` (today, merged stations still open), ``"committed"``
    (plus under construction), ``"plan"`` (plus planned and relocated sites; merged stations and
    the old sites that relocated rows name in ``replaces`` are closed), ``"plan_and_proposed"`` —
    or a list of statuses. A relocated row is the new site; its ``replaces`` column names the
    index label of the old one.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> f = gpd.GeoDataFrame({"status": ["现有", "规划新建", "合并"]}, geometry=shapely.points([(0, 0)] * 3), crs=3857)
    >>> scenario_facilities(f, "existing")["status"].tolist(), scenario_facilities(f, "plan")["status"].tolist()
    (['existing', 'merged'], ['existing', 'planned'])
    """
    status_column = _status_column(facilities, status_column)
    if isinstance(scenario, str):
        if scenario not in SCENARIOS:
            msg = f"unknown scenario {scenario!r}: use {', '.join(SCENARIOS)} or a list of statuses"
            raise InputError(msg)
        keep = SCENARIOS[scenario]
        name = scenario
    else:
        keep = tuple(normalize_status(pd.Series(list(scenario))))
        name = "+".join(keep)
    fac = facilities.copy()
    fac[status_column] = normalize_status(fac[status_column]).to_numpy()
    sel = fac[status_column].isin(keep).to_numpy().copy()
    if "relocated" in keep and replaces_column in fac.columns:
        old = fac.loc[fac[status_column] == "relocated", replaces_column].dropna()
        missing = [o for o in old if o not in fac.index]
        if missing:
            msg = f"relocated facilities replace unknown rows {describe_ids(missing)} (column {replaces_column!r})"
            raise InputError(msg)
        sel &= ~fac.index.isin(list(old))
    out = fac[sel].copy()
    out.attrs["scenario"] = name
    if status_column != "status":
        out["status"] = out[status_column]
    return out


def project_population(
    population: gpd.GeoDataFrame,
    growth: float | Mapping[str, float] | pd.Series,
    *,
    areas: gpd.GeoDataFrame | None = None,
    area_column: str = "source_area",
) -> gpd.GeoDataFrame:
    """Population scaled to a target year: one growth factor, or one per area (code → factor).

    With per-area factors, points are matched on ``area_column`` (``spread_population`` writes
    ``source_area``); ``areas`` (with ``area_code`` and ``pop``) are scaled the same way when given
    (returned in ``.attrs["areas"]``). Every area needs a factor: a missing one is an error.
    """
    out = population.copy()
    if isinstance(growth, (int, float, np.number)):
        if not float(growth) > 0:
            msg = f"growth must be a positive factor, got {growth!r}"
            raise InputError(msg)
        out["pop"] = out["pop"] * float(growth)
        factors = None
    else:
        factors = pd.Series(growth, dtype=float)
        if area_column not in out.columns:
            msg = f"population points have no {area_column!r} column to match the per-area growth factors"
            raise MissingColumnError(msg)
        keys = out[area_column].astype(str)
        f = keys.map(factors.rename(index=str))
        if f.isna().any():
            msg = f"no growth factor for areas {describe_ids(sorted(set(keys[f.isna()])))}"
            raise InputError(msg)
        out["pop"] = out["pop"] * f.to_numpy()
    out.attrs = dict(population.attrs)
    out.attrs["population_method"] = (
        str(population.attrs.get("population_method", "points with counts"))
        + f"; projected with growth {growth if factors is None else 'factors per area'}"
    )
    if areas is not None:
        a = areas.copy()
        if "pop" in a.columns:
            if factors is None:
                a["pop"] = a["pop"] * float(growth)  # type: ignore[arg-type]
            else:
                a["pop"] = a["pop"] * a["area_code"].astype(str).map(factors.rename(index=str))
        out.attrs["areas"] = a
    return out


def compare(a: Any, b: Any, *, names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Per area and rule, what changes from assessment ``a`` to ``b`` (e.g. existing → plan).

    Columns: area, rule, ``verdict_<a>``, ``verdict_<b>``, ``changed``, ``direction`` (better /
    worse / same), value and population covered in each, and their deltas. Rows are matched on
    (``area_code``, ``rule_id``); a row in only one assessment is kept with the other side empty.
    """
    for x in (a, b):
        if not hasattr(x, "table"):
            msg = "compare needs two results of healthcov.assess(...)"
            raise InputError(msg)
    na, nb = names
    keys = ["area_code", "rule_id"]
    cols = ["verdict", "value", "pop_covered", "pop_not_covered", "share", "mean_min", "shortfall"]
    left = a.table[[*keys, "area_name", "rule_zh", "rule_en", "kind", "standard", *cols]]
    right = b.table[[*keys, *cols]]
    m = left.merge(right, on=keys, how="outer", suffixes=(f"_{na}", f"_{nb}"), indicator=True)
    rank = {"fail": 0, "partial": 1, "pass": 2}
    ra = m[f"verdict_{na}"].map(rank)
    rb = m[f"verdict_{nb}"].map(rank)
    m["changed"] = m[f"verdict_{na}"] != m[f"verdict_{nb}"]
    m["direction"] = np.where(rb > ra, "better", np.where(rb < ra, "worse", "same"))
    for c in ("value", "pop_covered", "share", "shortfall"):
        m[f"delta_{c}"] = m[f"{c}_{nb}"] - m[f"{c}_{na}"]
    m = m.drop(columns="_merge")
    return m.sort_values(["changed", "rule_id", "area_code"], ascending=[False, True, True]).reset_index(drop=True)


#: the Chinese column names planners use for the status of a facility (checked after the given name)
STATUS_COLUMN_ALIASES = ("状态", "建设状态", "规划状态", "现状/规划")


def _status_column(facilities: Any, status_column: str) -> str:
    """The status column: the given one, else a Chinese alias (状态, 建设状态 …), else an error."""
    if status_column in facilities.columns:
        return status_column
    if status_column == "status":
        found = [c for c in STATUS_COLUMN_ALIASES if c in facilities.columns]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            msg = f"facilities have several status columns {found}: name the one to use with status_column="
            raise MissingColumnError(msg)
    msg = (
        f"facilities have no {status_column!r} column (nor 状态): add one ({', '.join(STATUSES)}, or the plans' "
        "words 现有/规划新建/迁建/合并) to build scenarios, or name yours with status_column="
    )
    raise MissingColumnError(msg)
