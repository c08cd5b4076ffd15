"""Travel costs from demand points to the nearest qualifying facility, computed once per run.

:class:`CostCache` keeps what has been computed (network costs by mode, facility types, weight,
direction and area; straight-line distances; the demand points' snapping per mode). A partitioned
run's merge fills it with the partitions' arrays instead of graphs.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from .._columns import TRAVEL_TIME
from ..errors import InputError, OffNetworkError
from ..io.population import POP
from ..network.snap import Snapped, snap_graph_points
from ..traveltime import multi_source, point_costs, prepare_sources
from .notes import Note

if TYPE_CHECKING:
    from .prepare import Context

__all__ = [
    "CostCache",
    "CostKey",
    "network_costs",
    "straight_distances",
    "demand_snap",
    "station_delays",
    "delayed_response_min",
]

#: (mode, facility types, weight, direction, area code or None)
CostKey = tuple[str, tuple[str, ...], str, str, Any]


@dataclass
class CostCache:
    """Arrays over the demand points, by key; the snapping of the demand points per mode, with its notes."""

    arrays: dict[Hashable, np.ndarray] = field(default_factory=dict)
    snaps: dict[str, Snapped] = field(default_factory=dict)
    snap_notes: dict[str, Note] = field(default_factory=dict)


def demand_snap(ctx: Context, mode: str) -> Snapped:
    """The demand points snapped to the ``mode`` network (a note when some are off the network)."""
    cache = ctx.costs
    if mode not in cache.snaps:
        if mode not in ctx.graphs:
            msg = f"no {mode} network in this context: its costs were not precomputed"
            raise InputError(msg)
        s = snap_graph_points(
            ctx.graphs[mode], ctx.demand, max_snap_m=ctx.options.max_snap_m, name="population points"
        )[2]
        off = ~s.on_network
        if off.any():
            k, lost = int(off.sum()), float(ctx.demand[POP].to_numpy()[off].sum())
            cache.snap_notes[mode] = Note(
                "off_network_points",
                None,
                None,
                f"{k} 个人口点（{lost:,.0f} 人）距 {mode} 路网超过吸附距离：计为未覆盖",
                f"{k} population points ({lost:,.0f} people) are farther than the snapping limit from "
                f"the {mode} network: counted as not covered",
            )
        cache.snaps[mode] = s
    return cache.snaps[mode]


def network_costs(
    ctx: Context, mode: str, types: tuple[str, ...], weight: str, direction: str, area: Any
) -> np.ndarray:
    """Cost (s or m) from every demand point to the nearest facility of ``types`` (of ``area`` if given)."""
    key: CostKey = (mode, types, weight, direction, area)
    cache = ctx.costs.arrays
    if key in cache:
        return cache[key]
    sel = ctx.facilities_of(types)
    if area is not None:
        sel &= (ctx.facilities["area_code"] == area).to_numpy()
    out = _selected_costs(ctx, mode, sel, weight, direction)
    cache[key] = out
    return out


def _selected_costs(ctx: Context, mode: str, sel: np.ndarray, weight: str, direction: str) -> np.ndarray:
    """Cost from every demand point to the nearest of the selected facilities (inf: none reachable)."""
    s = demand_snap(ctx, mode)
    out = np.full(len(ctx.demand), np.inf)
    if sel.any():
        G = ctx.graphs[mode]
        fac = ctx.facilities.loc[sel]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # off-network facilities were reported once, up front
            try:
                arr, src = prepare_sources(G, fac, max_snap_m=ctx.options.max_snap_m, name="facilities")
            except OffNetworkError:  # all of them off the network: nobody is covered
                arr, src = None, None
        if arr is not None and src is not None and len(src.labels):
            cost, other, which = multi_source(arr, src.snapped, weight=weight, direction=direction)
            t, d = (cost, other) if weight == TRAVEL_TIME else (other, cost)
            pt, pd_, _ = point_costs(arr, s, t, d, which, direction, weight, sources=src.snapped)
            out = pt if weight == TRAVEL_TIME else pd_
            out = np.where(s.on_network, out, np.inf)
    return out


def station_delays(ctx: Context, types: tuple[str, ...]) -> np.ndarray | None:
    """Per facility of ``types``: its ``activation_delay_min`` (the option where empty); ``None``: no such column."""
    if "activation_delay_min" not in ctx.facilities.columns:
        return None
    import pandas as pd

    sel = ctx.facilities_of(types)
    vals = pd.to_numeric(ctx.facilities["activation_delay_min"], errors="coerce").to_numpy(dtype=float)[sel]
    if (vals < 0).any():
        msg = "facilities: activation_delay_min must be minutes >= 0 (leave it empty to use the option)"
        raise InputError(msg)
    return np.where(np.isnan(vals), float(ctx.options.activation_delay_min), vals)


def delayed_response_min(ctx: Context, mode: str, types: tuple[str, ...], area: Any) -> np.ndarray | None:
    """Minutes from the call to arrival with each station's own delay (min over stations of delay + drive).

    ``None`` when the facilities have no ``activation_delay_min`` column, or the network is not in
    the context (the merge of a partitioned run: the option's delay is used there).
    """
    delays = station_delays(ctx, types)
    if delays is None or mode not in ctx.graphs:
        return None
    sel_all = np.flatnonzero(ctx.facilities_of(types))
    if area is not None:
        in_area = (ctx.facilities["area_code"] == area).to_numpy()[sel_all]
        sel_all, delays = sel_all[in_area], delays[in_area]
    best = np.full(len(ctx.demand), np.inf)
    for d in np.unique(delays):
        sel = np.zeros(len(ctx.facilities), bool)
        sel[sel_all[delays == d]] = True
        key = (mode, types, TRAVEL_TIME, "from_facility", area, ("delay", float(d)))
        if key not in ctx.costs.arrays:
            ctx.costs.arrays[key] = _selected_costs(ctx, mode, sel, TRAVEL_TIME, "from_facility")
        best = np.minimum(best, float(d) + ctx.costs.arrays[key] / 60.0)
    return best


def straight_distances(ctx: Context, types: tuple[str, ...]) -> np.ndarray:
    """Straight-line distance (m) from every demand point to the nearest facility of ``types``."""
    key = ("straight", types)
    cache = ctx.costs.arrays
    if key not in cache:
        sel = ctx.facilities_of(types)
        pts = ctx.demand.geometry.values
        if sel.any():
            tree = shapely.STRtree(ctx.facilities.geometry.values[sel])
            idx = tree.nearest(pts)
            d = shapely.distance(pts, ctx.facilities.geometry.values[sel][idx])
        else:
            d = np.full(len(pts), np.inf)
        cache[key] = np.asarray(d, dtype=float)
    return cache[key]
