"""Accessibility beyond "nearest": two-step floating catchment area scores (2SFCA and E2SFCA).

Both steps run on a travel-time matrix (:func:`healthcov.travel_time_matrix`, trips from the
demand points to the facilities):

1. every facility ``j`` divides its supply ``S_j`` (beds, doctors, a capacity, or 1) by the
   population that reaches it within the catchment, ``R_j = S_j / Σ_i P_i · w(t_ij)``;
2. every demand point ``i`` adds up the ratios of the facilities it reaches,
   ``A_i = Σ_j R_j · w(t_ij)``, reported per 1,000 residents.

Plain 2SFCA (Luo & Wang 2003) weighs every pair inside the catchment 1 and every pair outside 0.
The enhanced 2SFCA (Luo & Qi 2009, *Health & Place* 15:1100–1107) splits the catchment into
travel-time zones with stepwise weights; their default, 0–10 / 10–20 / 20–30 minutes →
1.00 / 0.68 / 0.22, is :data:`LUO_QI_2009_STEPS`. A pair exactly on a zone's upper bound belongs
to that zone (as in pysal's ``access.weights.step_fn``).

The population-weighted mean of ``A_i`` over every demand point equals the total supply of the
facilities that anyone reaches divided by the total population: the scores share supply out,
they do not create it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from ._columns import TRAVEL_TIME_S
from .errors import CRSError, EmptyInputError, HealthcovWarning, InputError, MissingColumnError, describe_ids
from .matrix import DESTINATION, ORIGIN, travel_time_matrix

__all__ = [
    "two_step_fca",
    "enhanced_two_step_fca",
    "catchment_ratios",
    "accessibility",
    "area_accessibility",
    "LUO_QI_2009_STEPS",
]

#: Luo & Qi (2009) travel-time zones (upper bound in minutes, weight)
LUO_QI_2009_STEPS: tuple[tuple[float, float], ...] = ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))
POP = "pop"
ASSESSED = "assessed"
REASON = "not_assessed_reason"
FACILITIES_REACHED = "facilities_reached"
OFF_NETWORK = "off the network (farther than max_snap_m from every road) / 离路网过远，未评估"


def _steps(steps: Any) -> tuple[tuple[float, float], ...]:
    """Validated ``(upper minutes, weight)`` zones, sorted by upper bound."""
    if isinstance(steps, str):
        if steps.strip().lower().replace("-", "_") in ("luo_qi_2009", "luo_qi", "e2sfca"):
            return LUO_QI_2009_STEPS
        msg = f"unknown steps {steps!r}: use 'luo_qi_2009' or a list of (upper_minutes, weight) pairs"
        raise InputError(msg)
    try:
        out = tuple(sorted((float(u), float(w)) for u, w in steps))
    except (TypeError, ValueError):
        out = ()
    ok = len(out) > 0 and all(u > 0 and np.isfinite(u) and 0 <= w <= 1 for u, w in out)
    if not ok or len({u for u, _ in out}) != len(out):
        msg = (
            f"steps must be (upper_minutes, weight) pairs with distinct positive bounds and weights in [0, 1], "
            f"e.g. {LUO_QI_2009_STEPS}; got {steps!r}"
        )
        raise InputError(msg)
    return out


def _weights(t_s: np.ndarray, steps: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Stepwise weight of every travel time (seconds); 0 beyond the last zone."""
    bounds = np.array([u * 60.0 for u, _ in steps])
    w = np.array([w for _, w in steps] + [0.0])
    return w[np.searchsorted(bounds, t_s, side="left")]


def _values(frame: Any, column: str | None, name: str, what: str) -> np.ndarray:
    """Non-negative finite numbers of ``column`` (1 per row when ``column`` is None)."""
    if column is None:
        return np.ones(len(frame))
    if column not in frame.columns:
        msg = f"{name} has no column {column!r} ({what}); columns are {list(frame.columns)[:12]}"
        raise MissingColumnError(msg)
    vals = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals < 0)
    if bad.any():
        msg = (
            f"{name}: column {column!r} ({what}) must hold non-negative numbers; rows "
            f"{describe_ids(frame.index[bad])} do not. Fill or drop them (an unknown value cannot be assessed)"
        )
        raise InputError(msg)
    return vals


def _check_frames(matrix: Any, demand: Any, supply: Any) -> None:
    if not isinstance(matrix, pd.DataFrame) or not {ORIGIN, DESTINATION, TRAVEL_TIME_S} <= set(matrix.columns):
        msg = "matrix must be a DataFrame with origin, destination and travel_time_s (see travel_time_matrix)"
        raise InputError(msg)
    for frame, name in ((demand, "demand"), (supply, "facilities")):
        if not isinstance(frame, pd.DataFrame):
            msg = f"{name} must be a DataFrame or GeoDataFrame, got {type(frame).__name__}"
            raise InputError(msg)
        if len(frame) == 0:
            msg = f"{name} has no rows"
            raise EmptyInputError(msg)
        if frame.index.has_duplicates:
            dup = frame.index[frame.index.duplicated()].unique()
            msg = f"{name}: index labels repeat ({describe_ids(dup)}); the matrix refers to rows by label"
            raise InputError(msg)


def _pairs(
    matrix: pd.DataFrame, demand: pd.DataFrame, supply: pd.DataFrame, steps: tuple[tuple[float, float], ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(demand row, facility row, weight) of every matrix pair inside the catchment."""
    catchment_s = steps[-1][0] * 60.0
    cut = matrix.attrs.get("max_time_s")
    if cut is not None and cut < catchment_s:
        msg = (
            f"the matrix was cut at max_time_s={cut:g} s but the catchment is {catchment_s:g} s: "
            f"recompute it with max_time_s >= {catchment_s:g}"
        )
        raise InputError(msg)
    t = matrix[TRAVEL_TIME_S].to_numpy(dtype=float)
    i = demand.index.get_indexer(matrix[ORIGIN])
    j = supply.index.get_indexer(matrix[DESTINATION])
    for pos, col, name in ((i, ORIGIN, "demand"), (j, DESTINATION, "facilities")):
        if (pos < 0).any():
            msg = (
                f"matrix {col} labels {describe_ids(pd.unique(matrix[col][pos < 0]))} are not in the index of "
                f"{name}: compute the matrix from these same frames"
            )
            raise InputError(msg)
    w = _weights(t, steps)
    keep = w > 0
    return i[keep], j[keep], w[keep]


def _ratios(
    i: np.ndarray, j: np.ndarray, w: np.ndarray, pop: np.ndarray, cap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Step 1: weighted population reaching each facility, and supply per resident of it."""
    demand_w = np.bincount(j, weights=pop[i] * w, minlength=len(cap))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(demand_w > 0, cap / demand_w, 0.0)
    return demand_w, ratio


def _reasons(mask: np.ndarray, reason: str) -> np.ndarray:
    out = np.full(len(mask), None, dtype=object)
    out[np.asarray(mask, dtype=bool)] = reason
    return out


def _label(capacity: str | None, per: int, method: str) -> str:
    return f"{capacity or 'facilities'}_per_{per}_{method}"


def _fca(
    matrix: pd.DataFrame,
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    *,
    capacity: str | None,
    pop: str,
    steps: tuple[tuple[float, float], ...],
    per: int,
    method: str,
) -> pd.DataFrame:
    _check_frames(matrix, demand, supply)
    if not isinstance(per, (int, np.integer)) or isinstance(per, bool) or per < 1:
        msg = f"per must be a whole number of residents (1,000 for 'per 1,000'), got {per!r}"
        raise InputError(msg)
    P = _values(demand, pop, "demand", "residents")
    S = _values(supply, capacity, "facilities", "supply")
    i, j, w = _pairs(matrix, demand, supply, steps)
    _, ratio = _ratios(i, j, w, P, S)
    score = np.bincount(i, weights=ratio[j] * w, minlength=len(demand)) * per
    reached = np.bincount(i, minlength=len(demand))
    off = demand.index.isin(matrix.attrs.get("origins_off_network", []))
    out = pd.DataFrame(index=demand.index)
    out[POP] = P
    out[_label(capacity, per, method)] = np.where(off, np.nan, score)
    out[FACILITIES_REACHED] = np.where(off, 0, reached)
    out[ASSESSED] = ~off
    out[REASON] = _reasons(off, OFF_NETWORK)
    if isinstance(demand, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry=demand.geometry.values, crs=demand.crs)
    out.attrs.update({"method": method, "steps_min": steps, "capacity": capacity or "1 per facility"})
    return out


def two_step_fca(
    matrix: pd.DataFrame,
    demand: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    capacity: str | None = None,
    pop: str = POP,
    minutes: float = 30.0,
    per: int = 1000,
) -> pd.DataFrame:
    """2SFCA score of every demand point: supply reachable within ``minutes``, shared among its users.

    Parameters
    ----------
    matrix
        From :func:`healthcov.travel_time_matrix` (``demand`` as origins, ``facilities`` as
        destinations), with ``max_time_s`` of at least ``minutes × 60`` (or none).
    demand
        Demand points (index labels as in the matrix) with a population column ``pop``.
    facilities
        Facilities (index labels as in the matrix). ``capacity`` names their supply column
        (``"beds"``, ``"doctors"``…); ``None`` counts 1 per facility.
    minutes
        Catchment: a pair counts fully up to and including this travel time, not at all beyond.
    per
        Residents the score is expressed per (1,000: beds per 1,000 residents).

    Returns
    -------
    DataFrame (GeoDataFrame when ``demand`` is one)
        One row per demand point, same index and order: ``pop``, the score
        ``<capacity>_per_<per>_2sfca`` (e.g. ``beds_per_1000_2sfca``; ``facilities_per_1000_2sfca``
        without a capacity), ``facilities_reached``, ``assessed`` and ``not_assessed_reason``.
        Points the matrix lists as off the network get no score (NaN, not assessed); points
        that reach no facility score 0.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"origin": ["a", "b"], "destination": ["X", "X"], "travel_time_s": [300.0, 900.0]})
    >>> dem = pd.DataFrame({"pop": [1000.0, 3000.0]}, index=["a", "b"])
    >>> fac = pd.DataFrame({"beds": [20.0]}, index=["X"])
    >>> two_step_fca(m, dem, fac, capacity="beds")["beds_per_1000_2sfca"].tolist()
    [5.0, 5.0]
    """
    steps = _steps([(minutes, 1.0)])
    return _fca(matrix, demand, facilities, capacity=capacity, pop=pop, steps=steps, per=per, method="2sfca")


def enhanced_two_step_fca(
    matrix: pd.DataFrame,
    demand: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    capacity: str | None = None,
    pop: str = POP,
    steps: str | Sequence[tuple[float, float]] = LUO_QI_2009_STEPS,
    per: int = 1000,
) -> pd.DataFrame:
    """E2SFCA score of every demand point: 2SFCA with stepwise distance-decay weights in both steps.

    ``steps`` are ``(upper_minutes, weight)`` zones; the default (or ``"luo_qi_2009"``) is Luo & Qi
    2009's 0–10 / 10–20 / 20–30 min → 1.00 / 0.68 / 0.22. The catchment ends at the last bound.
    Other parameters and the result are those of :func:`two_step_fca`; the score column ends in
    ``_e2sfca``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"origin": ["a", "b"], "destination": ["X", "X"], "travel_time_s": [300.0, 900.0]})
    >>> dem = pd.DataFrame({"pop": [1000.0, 3000.0]}, index=["a", "b"])
    >>> fac = pd.DataFrame({"beds": [20.0]}, index=["X"])
    >>> r = enhanced_two_step_fca(m, dem, fac, capacity="beds")  # weights 1.0 (5 min) and 0.68 (15 min)
    >>> [round(v, 4) for v in r["beds_per_1000_e2sfca"]]  # 20 / (1000 + 0.68 * 3000) = 6.5789 per 1,000
    [6.5789, 4.4737]
    """
    return _fca(matrix, demand, facilities, capacity=capacity, pop=pop, steps=_steps(steps), per=per, method="e2sfca")


def catchment_ratios(
    matrix: pd.DataFrame,
    demand: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    capacity: str | None = None,
    pop: str = POP,
    steps: str | Sequence[tuple[float, float]] = ((30.0, 1.0),),
    per: int = 1000,
) -> pd.DataFrame:
    """Step 1 alone: each facility's supply per ``per`` residents of its (weighted) catchment.

    Returns one row per facility (same index and order) with ``supply``, ``pop_in_catchment``
    (weighted by ``steps``; plain 2SFCA by default, 30 min) and ``supply_per_<per>_catchment``
    (NaN where nobody reaches the facility: there is no one to share it with).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"origin": ["a", "b"], "destination": ["X", "X"], "travel_time_s": [300.0, 900.0]})
    >>> dem = pd.DataFrame({"pop": [1000.0, 3000.0]}, index=["a", "b"])
    >>> fac = pd.DataFrame({"beds": [20.0, 5.0]}, index=["X", "Y"])
    >>> catchment_ratios(m, dem, fac, capacity="beds")["supply_per_1000_catchment"].tolist()
    [5.0, nan]
    """
    _check_frames(matrix, demand, facilities)
    zones = _steps(steps)
    P = _values(demand, pop, "demand", "residents")
    S = _values(facilities, capacity, "facilities", "supply")
    i, j, w = _pairs(matrix, demand, facilities, zones)
    demand_w, _ = _ratios(i, j, w, P, S)
    out = pd.DataFrame(index=facilities.index)
    out["supply"] = S
    out["pop_in_catchment"] = demand_w
    with np.errstate(divide="ignore", invalid="ignore"):
        out[f"supply_per_{per}_catchment"] = np.where(demand_w > 0, S / demand_w * per, np.nan)
    return out


def accessibility(
    G: nx.MultiDiGraph,
    demand: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    capacity: str | None = None,
    pop: str = POP,
    method: str = "e2sfca",
    minutes: float = 30.0,
    steps: str | Sequence[tuple[float, float]] = LUO_QI_2009_STEPS,
    per: int = 1000,
    direction: str | None = None,
    max_snap_m: float | None = None,
) -> gpd.GeoDataFrame:
    """2SFCA (``method="2sfca"``, catchment ``minutes``) or E2SFCA (``"e2sfca"``, zones ``steps``) on ``G``.

    Computes the travel-time matrix from ``demand`` to ``facilities`` cut at the catchment, then
    the scores (see :func:`two_step_fca`). Aggregate per area with :func:`area_accessibility`.

    Examples
    --------
    >>> import healthcov as hc
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive")
    >>> nodes = hc.nodes_frame(G).assign(pop=100.0)
    >>> fac = nodes.iloc[[0, 100]].assign(beds=[50.0, 150.0])
    >>> r = hc.accessibility(G, nodes, fac, capacity="beds", method="2sfca", minutes=5)
    >>> round(float((r["pop"] * r["beds_per_1000_2sfca"]).sum() / r["pop"].sum()), 3)  # 200 beds / 14,600 people
    13.699
    """
    key = str(method).strip().lower()
    if key not in ("2sfca", "e2sfca"):
        msg = f"unknown method {method!r}: use '2sfca' or 'e2sfca'"
        raise InputError(msg)
    zones = _steps([(minutes, 1.0)] if key == "2sfca" else steps)
    m = travel_time_matrix(
        G, demand, facilities, max_time_s=zones[-1][0] * 60.0, direction=direction, max_snap_m=max_snap_m
    )
    if key == "2sfca":
        return two_step_fca(m, demand, facilities, capacity=capacity, pop=pop, minutes=minutes, per=per)
    return enhanced_two_step_fca(m, demand, facilities, capacity=capacity, pop=pop, steps=zones, per=per)


def area_accessibility(scores: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Population-weighted mean of every score column of :func:`two_step_fca` per area.

    A demand point belongs to the area its point lies in (the first, where areas overlap).
    Returns the areas (same index and order) with ``pop`` (all points inside), ``pop_assessed``,
    the mean score of each ``*_2sfca`` / ``*_e2sfca`` column over the assessed population, and
    ``not_assessed_reason`` where an area has no assessed residents. Points outside every area
    are named in a warning and counted in ``.attrs["pop_outside_areas"]``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> areas = gpd.GeoDataFrame({"area_name": ["west", "east"]}, geometry=[shapely.box(0, 0, 10, 10),
    ...     shapely.box(10, 0, 20, 10)], crs="EPSG:32651")
    >>> scores = gpd.GeoDataFrame({"pop": [100.0, 300.0, 50.0], "beds_per_1000_2sfca": [2.0, 6.0, 1.0],
    ...     "assessed": True}, geometry=shapely.points([(1, 1), (2, 2), (15, 5)]), crs="EPSG:32651")
    >>> area_accessibility(scores, areas)["beds_per_1000_2sfca"].tolist()  # (100 × 2 + 300 × 6) / 400
    [5.0, 1.0]
    """
    if not isinstance(scores, gpd.GeoDataFrame) or POP not in scores.columns:
        msg = "scores must be the GeoDataFrame that two_step_fca / accessibility return for demand points"
        raise InputError(msg)
    if not isinstance(areas, gpd.GeoDataFrame) or len(areas) == 0:
        msg = "areas must be a non-empty GeoDataFrame of polygons (see read_areas)"
        raise InputError(msg)
    if areas.crs is None or scores.crs is None:
        msg = "scores and areas need a CRS each: set one with .set_crs(...) (EPSG:4326 for longitude/latitude)"
        raise CRSError(msg)
    cols = [c for c in scores.columns if c.endswith(("_2sfca", "_e2sfca"))]
    if not cols:
        msg = "scores has no *_2sfca or *_e2sfca column: pass the result of two_step_fca or accessibility"
        raise InputError(msg)
    pts = scores.to_crs(areas.crs) if scores.crs != areas.crs else scores
    pi, ai = shapely.STRtree(areas.geometry.values).query(pts.geometry.values, predicate="intersects")
    pi, first = np.unique(pi, return_index=True)
    area_of = np.full(len(pts), -1)
    area_of[pi] = ai[first]
    pop = scores[POP].to_numpy(dtype=float)
    inside = area_of >= 0
    if not inside.all():
        warnings.warn(
            f"{int((~inside).sum())} demand points ({pop[~inside].sum():,.0f} people) lie outside every area and "
            f"are left out of the area means: {describe_ids(scores.index[~inside])}",
            HealthcovWarning,
            stacklevel=2,
        )
    ok = inside & scores[ASSESSED].to_numpy(dtype=bool)
    n = len(areas)
    out = areas.copy()
    out[POP] = np.bincount(area_of[inside], weights=pop[inside], minlength=n)
    w_pop = np.bincount(area_of[ok], weights=pop[ok], minlength=n)
    out["pop_assessed"] = w_pop
    for c in cols:
        s = np.bincount(area_of[ok], weights=pop[ok] * scores[c].to_numpy(dtype=float)[ok], minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[c] = np.where(w_pop > 0, s / w_pop, np.nan)
    out[REASON] = _reasons(w_pop <= 0, "no assessed residents in the area / 区内无可评估人口")
    out.attrs["pop_outside_areas"] = float(pop[~inside].sum())
    return out
