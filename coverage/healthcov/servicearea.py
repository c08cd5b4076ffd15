"""What the report draws, computed once by the caller: service areas per rule and uncovered residents on a grid.

The report and the maps compute nothing (DESIGN.md): :func:`service_layers` turns an
:class:`~healthcov.standards.engine.Assessment` (and the networks it was assessed on) into two
GeoDataFrames that :func:`healthcov.write_report` and :func:`healthcov.explore_assessment` only
draw:

- ``areas``: per rule, the area its qualifying facilities serve — the network isochrone (minutes
  for service circles and response times, metres for service radii) and, for service radii, the
  straight-line buffer too;
- ``uncovered``: per time or distance rule, the residents the rule leaves uncovered, summed on
  square cells (250 m by default, coarser when a rule would need more than ``max_cells`` cells),
  so a report of a whole city stays a few megabytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .network.prepare import is_network

__all__ = ["ServiceLayers", "service_layers", "uncovered_grid", "main_roads", "MAIN_ROADS"]

#: columns of :attr:`ServiceLayers.areas`
AREA_COLUMNS = ["rule_id", "metric", "limit", "unit", "mode", "facilities", "area_km2", "geometry"]
#: columns of :attr:`ServiceLayers.uncovered`
UNCOVERED_COLUMNS = ["rule_id", "pop", "cell_m", "geometry"]
_TIME_KINDS = ("service_circle", "response_time")
#: road classes drawn as the offline basemap
MAIN_ROADS = ("motorway", "trunk", "primary", "secondary", "tertiary")


@dataclass(frozen=True)
class ServiceLayers:
    """The layers a report draws besides the areas' verdicts (see :func:`service_layers`).

    Attributes
    ----------
    areas
        One row per rule, metric (``"network"`` or ``"straight"``) and limit: the area served,
        with ``limit`` and ``unit`` (``"min"`` or ``"km"``), the travel ``mode`` and the number of
        ``facilities`` it was drawn from. In the assessment's CRS.
    uncovered
        One row per rule and grid cell with uncovered residents: ``pop`` (people) and ``cell_m``.
    notes
        Per rule id, why a layer is missing (no network, no facility of the rule's types …).
    roads
        The network's main roads (``highway`` of :data:`MAIN_ROADS`) within the areas, merged and
        simplified: an offline basemap for the maps. Empty without a network.
    """

    areas: gpd.GeoDataFrame
    uncovered: gpd.GeoDataFrame
    notes: dict[str, str] = field(default_factory=dict)
    roads: gpd.GeoDataFrame | None = None

    def rules(self) -> list[str]:
        """The rule ids that have a service area or uncovered residents."""
        return list(dict.fromkeys([*self.areas["rule_id"], *self.uncovered["rule_id"]]))


def uncovered_grid(
    demand: gpd.GeoDataFrame, covered: pd.Series | np.ndarray, *, cell_m: float = 250.0, max_cells: int = 4000
) -> gpd.GeoDataFrame:
    """Residents of the demand points that are not ``covered``, summed on square cells.

    The cells are ``cell_m`` wide in the demand's (projected) CRS, aligned on multiples of
    ``cell_m``; when more than ``max_cells`` cells would hold someone, the cell size doubles until
    they fit. Points with no ``area_code`` (outside every area) or no residents are left out.

    Returns a GeoDataFrame with ``pop`` (people), ``cell_m`` and the cell squares, sorted by cell.
    """
    if demand.crs is None or demand.crs.is_geographic:
        msg = "the demand points must be in a projected CRS (metres): use the assessment's demand"
        raise InputError(msg)
    if not cell_m > 0:
        msg = f"cell_m must be positive, got {cell_m!r}"
        raise InputError(msg)
    cov = np.asarray(covered, dtype=bool)
    keep = ~cov & (demand["pop"].to_numpy(dtype=float) > 0)
    if "area_code" in demand.columns:
        keep &= demand["area_code"].notna().to_numpy()
    d = demand[keep]
    x, y = shapely.get_x(d.geometry.values), shapely.get_y(d.geometry.values)
    size = float(cell_m)
    while True:
        gx, gy = np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64)
        cells = pd.DataFrame({"gx": gx, "gy": gy, "pop": d["pop"].to_numpy(dtype=float)})
        g = cells.groupby(["gx", "gy"], sort=True)["pop"].sum().reset_index()
        if len(g) <= max_cells:
            break
        size *= 2.0
    x0, y0 = g["gx"].to_numpy() * size, g["gy"].to_numpy() * size
    boxes = shapely.box(x0, y0, x0 + size, y0 + size)
    return gpd.GeoDataFrame({"pop": g["pop"].to_numpy(), "cell_m": size}, geometry=boxes, crs=demand.crs)


def main_roads(G: nx.MultiDiGraph, region: Any, *, simplify_m: float = 15.0) -> gpd.GeoDataFrame:
    """The main roads of ``G`` (one line per road class) that touch ``region``, in ``G``'s CRS."""
    lines = _main_road_lines(G)
    rows = []
    for cls in MAIN_ROADS:
        if cls in lines:
            merged = shapely.line_merge(shapely.union_all(lines[cls])).intersection(region)
            if not merged.is_empty:
                rows.append({"highway": cls, "geometry": merged.simplify(simplify_m)})
    return gpd.GeoDataFrame(rows, columns=["highway", "geometry"], geometry="geometry", crs=G.graph.get("crs"))


def _main_class(hw: Any) -> str | None:
    return next((h for h in (hw if isinstance(hw, (list, tuple)) else [hw]) if h in MAIN_ROADS), None)


def _main_road_lines(G: Any) -> dict[str, list[Any]]:
    """The lines of every main-road edge by class (a networkx graph, or a Network's arrays)."""
    lines: dict[str, list[Any]] = {}
    if isinstance(G, nx.Graph):
        xy = {n: (d["x"], d["y"]) for n, d in G.nodes(data=True)}
        for u, v, d in G.edges(data=True):
            cls = _main_class(d.get("highway"))
            if cls is not None:
                lines.setdefault(cls, []).append(d.get("geometry") or shapely.LineString([xy[u], xy[v]]))
        return lines
    classes = np.array([_main_class(h) for h in G.edge_data["highway"]], dtype=object)
    main = np.flatnonzero(classes != None)  # noqa: E711 (element-wise)
    for cls, geom in zip(classes[main], G.arrays.edge_geoms(main), strict=True):
        lines.setdefault(str(cls), []).append(geom)
    return lines


def _graphs(result: Any, graphs: Any) -> dict[str, nx.MultiDiGraph]:
    if graphs is None:
        return dict(getattr(result, "networks", {}) or {})
    if is_network(graphs):
        return {"drive": graphs}
    if isinstance(graphs, Mapping):
        return dict(graphs)
    msg = "graphs must be a network from read_network, a dict of them by mode, or None (the assessment's own)"
    raise InputError(msg)


def _qualifying(result: Any, rule_id: str) -> gpd.GeoDataFrame:
    rule = result.profile.rule(rule_id)
    fac = result.facilities
    if rule.facility_types:
        fac = fac[fac["facility_type"].isin(rule.facility_types)]
    return fac


def _row(rule_id: str, metric: str, limit: float, unit: str, mode: str, n: int, geom: Any) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "metric": metric,
        "limit": float(limit),
        "unit": unit,
        "mode": mode,
        "facilities": int(n),
        "area_km2": float(geom.area) / 1e6 if geom is not None else 0.0,
        "geometry": geom,
    }


def _network_area(G: nx.MultiDiGraph, fac: gpd.GeoDataFrame, *, minutes: float | None, metres: float | None) -> Any:
    from .isochrones import isochrones

    iso = isochrones(
        G,
        fac,
        minutes=[minutes] if minutes is not None else None,
        metres=[metres] if metres is not None else None,
        direction="from_facility",
        progress=False,
    )
    return iso.geometry.iloc[0] if len(iso) else None


def _near(fac: gpd.GeoDataFrame, region: Any, reach_m: float) -> gpd.GeoDataFrame:
    """The facilities that can serve someone in ``region`` (within ``reach_m`` of it)."""
    return fac[fac.geometry.intersects(region.buffer(reach_m)).to_numpy()]


def _rule_areas(result: Any, rid: str, rows: pd.DataFrame, graphs: dict, simplify_m: float) -> tuple[list, str]:
    """The service areas of one rule (straight buffers, network isochrones) and a note when some are missing."""
    kind = str(rows["kind"].iloc[0])
    region = shapely.union_all(result.areas.geometry.values)
    fac = _qualifying(result, rid)
    if fac.empty:
        return [], "no facility of the rule's types in the input"
    out, missing = [], []
    combos = rows[["mode", "limit"]].dropna().drop_duplicates()
    for mode, limit in combos.itertuples(index=False):
        limit, mode = float(limit), str(mode)
        # a facility further than the limit (straight) or than 2 km/min of travel cannot serve the areas
        reach = limit * 1000.0 if kind == "service_radius" else limit * 2000.0
        near = _near(fac, region, reach)
        if kind == "service_radius":
            geom = shapely.union_all(near.geometry.buffer(limit * 1000.0).values)
            out.append(_row(rid, "straight", limit, "km", mode, len(near), geom.simplify(simplify_m)))
        G = graphs.get(mode)
        if G is None:
            missing.append(mode)
            continue
        col = f"on_network_{mode}"
        routed = near[near[col].astype(bool).to_numpy()] if col in near.columns else near
        if routed.empty:
            continue
        if kind == "service_radius":
            geom, unit = _network_area(G, routed, minutes=None, metres=limit * 1000.0), "km"
        else:
            delay = float(result.assumptions.get("activation_delay_min", 0.0)) if kind == "response_time" else 0.0
            if limit - delay <= 0:
                continue
            geom, unit = _network_area(G, routed, minutes=limit - delay, metres=None), "min"
        if geom is not None:
            out.append(_row(rid, "network", limit, unit, mode, len(routed), geom.simplify(simplify_m)))
    note = (
        f"no {', '.join(sorted(set(missing)))} network given: the network service area is not drawn" if missing else ""
    )
    return out, note


def service_layers(
    result: Any,
    graphs: nx.MultiDiGraph | Mapping[str, nx.MultiDiGraph] | None = None,
    *,
    rules: list[str] | None = None,
    cell_m: float = 250.0,
    max_cells: int = 4000,
    simplify_m: float = 30.0,
    service_areas: bool = True,
) -> ServiceLayers:
    """Service areas and uncovered residents of an assessment, for the report and the maps to draw.

    Parameters
    ----------
    result
        What :func:`healthcov.assess` returned.
    graphs
        The networks the assessment used (default: ``result.networks``); ``{}`` draws the
        straight-line areas only.
    rules
        Rule ids to compute (default: every rule with areas and a time or distance limit).
    cell_m, max_cells
        Grid of the uncovered residents (see :func:`uncovered_grid`).
    simplify_m
        Display simplification of the service areas, in metres.
    service_areas
        ``False``: the uncovered residents only (no isochrones; fast).

    Examples
    --------
    >>> layers = service_layers(result)  # doctest: +SKIP
    >>> hc.write_report(result, "report.html", layers=layers)  # doctest: +SKIP
    """
    if not hasattr(result, "table") or not hasattr(result, "demand"):
        msg = "service_layers needs the result of healthcov.assess(...)"
        raise InputError(msg)
    t = result.table
    t = t[t["area_code"] != "*"]
    known = list(dict.fromkeys(t["rule_id"]))
    if rules is not None:
        unknown = sorted(set(rules) - set(known))
        if unknown:
            msg = f"rules {unknown} are not in the assessment; it has {known}"
            raise InputError(msg)
    wanted = list(rules) if rules is not None else known
    nets = _graphs(result, graphs)
    crs = result.areas.crs
    area_rows: list[dict[str, Any]] = []
    cells: list[gpd.GeoDataFrame] = []
    notes: dict[str, str] = {}
    for rid in wanted:
        rows = t[t["rule_id"] == rid]
        col = f"{rid}:covered"
        if col in result.demand.columns:
            grid = uncovered_grid(result.demand, result.demand[col], cell_m=cell_m, max_cells=max_cells)
            if len(grid):
                cells.append(grid.assign(rule_id=rid))
        kind = str(rows["kind"].iloc[0])
        if service_areas and (kind == "service_radius" or kind in _TIME_KINDS):
            found, note = _rule_areas(result, rid, rows, nets, simplify_m)
            area_rows += found
            if note:
                notes[rid] = note
    areas = gpd.GeoDataFrame(area_rows, columns=AREA_COLUMNS, geometry="geometry", crs=crs)
    if cells:
        unc = gpd.GeoDataFrame(pd.concat(cells, ignore_index=True), geometry="geometry", crs=crs)[UNCOVERED_COLUMNS]
    else:
        unc = gpd.GeoDataFrame({c: [] for c in UNCOVERED_COLUMNS[:-1]}, geometry=[], crs=crs)
    roads = None
    if nets:
        G = nets.get("drive") or next(iter(nets.values()))
        roads = main_roads(G, shapely.union_all(result.areas.geometry.values).buffer(2000.0))
    return ServiceLayers(areas=areas, uncovered=unc, notes=notes, roads=roads)
