"""Read road networks from OSM files, GraphML, bureau line layers or osmnx, ready to route."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .._columns import LENGTH
from ..errors import (
    EmptyNetworkError,
    InputError,
    InvalidGeometryError,
    MissingColumnError,
    NetworkError,
    RoadLinesDroppedWarning,
    describe_ids,
)
from ..network.modes import TravelMode, get_mode, parse_maxspeed
from ..network.noding import DEFAULT_SNAP_TOLERANCE_M, grade_separation, node_lines
from ..network.prepare import NODING_KEY, prepare_graph
from ._common import ensure_crs, existing_path, local_utm
from .vector import read_vector

log = logging.getLogger(__name__)

__all__ = ["read_network", "network_from_place", "read_cbengine"]

ROAD_CLASS_NAMES = ("highway", "fclass", "road_class", "roadclass", "class", "type", "道路等级", "等级", "kind", "rank")
ONEWAY_NAMES = ("oneway", "one_way", "单向", "direction")
#: road class given to line-layer rows whose class is empty (warned about as an unknown class)
MISSING_CLASS = "(no class)"
#: what read_network can return: a networkx MultiDiGraph or healthcov's arrays-first Network
FORMS = ("networkx", "arrays")
_LINE_SUFFIXES = {".gdb", ".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml", ".kml", ".parquet", ".zip"}
_PYROSM_TYPES = {"walk": "walking", "bike": "cycling", "ebike": "cycling", "drive": "driving", "ambulance": "driving"}
_OSMNX_TYPES = {"walk": "walk", "bike": "bike", "ebike": "bike", "drive": "drive", "ambulance": "drive"}


def read_network(
    source: Any,
    *,
    mode: str | TravelMode = "drive",
    speeds: dict[str, float] | None = None,
    congestion: str | float | None = None,
    speed_factor: float | None = None,
    use_maxspeed: bool | None = None,
    crs: Any = None,
    to_crs: Any = None,
    layer: str | int | None = None,
    road_class: str | None = None,
    oneway: str | None = None,
    speed: str | None = None,
    directed: bool | None = None,
    largest_component: bool = True,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
    node_crossings: bool | str = "auto",
    length_column: str | None = None,
    recompute_length: bool = False,
    encoding: str | None = None,
    form: str = "networkx",
) -> Any:
    """Read a road network and prepare it for routing by ``mode``.

    Parameters
    ----------
    source
        A path to ``.osm``/``.osm.bz2``/``.xml`` (OSM XML), ``.osm.pbf`` (read with pyrosm),
        ``.graphml`` (osmnx), a CBEngine road-net ``.txt``, or a line layer (GeoPackage,
        GeoJSON, Shapefile, a File Geodatabase ``.gdb`` folder, or a folder holding ``edges.shp``)
        of roads with a road-class column, or a networkx graph such as one from osmnx.
    mode
        ``"walk"``, ``"bike"``, ``"ebike"``, ``"drive"`` or ``"ambulance"``, or a
        :class:`~healthcov.TravelMode`. Decides speeds, which roads may be used and whether
        one-way streets count.
    speeds, congestion, speed_factor, use_maxspeed
        Overrides of the mode's speed table (km/h by OSM ``highway`` class), the ambulance
        congestion (``"peak"``/``"off-peak"`` or a factor), the overall factor, and whether
        OSM ``maxspeed`` tags replace the table where present.
    crs
        CRS of a line layer without one (a Shapefile without ``.prj``). When missing and the
        coordinates look like longitude/latitude, WGS84 is assumed with a warning.
    to_crs
        Metric CRS to project to; default: the local UTM zone (EPSG:32651 for most of Zhejiang).
    layer, road_class, oneway, speed, directed
        For line layers: the layer name (required when a GeoPackage or ``.gdb`` holds several
        line layers); the road-class column (OSM classes, Chinese ones such as 城市主干道/次干路/
        支路/县道, or English ones such as ``"Primary Road"``; default: ``highway``, ``fclass``,
        ``道路等级`` …); the one-way column (``yes``/``1``/``FT``/``单向`` one-way along the line,
        ``-1``/``TF`` against it, ``no``/``0``/``双向`` or empty two-way; any other value is an
        :class:`~healthcov.InputError` listing it); a speed column in km/h (``60``, ``"60 km/h"``,
        ``"30 mph"``; empty cells keep the class speed, ``0``, negative or other text is an error
        naming the rows); and whether each row is one travel direction (default: guessed from how
        many rows have a reverse twin). Exact duplicate lines are left out with a
        :class:`~healthcov.RoadLinesDroppedWarning`, zero-length lines with an INFO log line; both
        are counted in ``G.graph["healthcov"]["noding"]``.
    largest_component
        Keep only the largest strongly connected component. The road km and share dropped are
        recorded in ``G.graph["healthcov"]`` (``dropped_km``, ``dropped_share``) and warned about
        (:class:`~healthcov.DisconnectedRoadsWarning`) above 1 % of the road length.
    snap_tolerance_m, node_crossings
        Noding of line layers (:func:`healthcov.network.noding.node_lines`): a dangling road end
        within ``snap_tolerance_m`` (default 1 m; 0 turns it off) of another road is joined to it;
        roads that cross without a shared vertex are split and joined where they cross, unless
        their ``layer`` values differ or the crossing lies inside a bridge or tunnel (``bridge``/
        ``tunnel``/``桥梁``/``隧道`` columns). ``node_crossings="auto"`` (default) leaves crossings
        alone in layers that are already noded (OSM-derived ones: crossings there are overpasses);
        ``True`` / ``False`` force it.
    length_column, recompute_length
        The edge attribute (graphs) or column (line layers) with lengths in metres (default:
        ``length`` for graphs, the geometry for line layers). Lengths are checked against the
        geometry: kilometres or other units raise :class:`~healthcov.EdgeLengthError`; zero,
        missing or too-short lengths are measured from the geometry with a warning.
        ``recompute_length=True`` measures every edge from its geometry.
    encoding
        Text encoding of a line layer's attributes (e.g. ``"gbk"``); by default a Shapefile
        without ``.cpg`` whose text is not UTF-8 is read as GB18030 with a warning.

    form
        ``"networkx"`` (default): an osmnx-style ``MultiDiGraph``. ``"arrays"``: a
        :class:`~healthcov.Network`, healthcov's arrays-first form (no networkx graph is built
        for the routable network; about a tenth of the memory). Both give the same nodes, edges
        and travel times, and every healthcov function accepts either.

    Returns
    -------
    networkx.MultiDiGraph or healthcov.Network
        Projected to metres, with ``length`` (m), ``speed_kph`` and ``travel_time`` (s) on every
        edge, and what was done in ``G.graph["healthcov"]``.

    Examples
    --------
    >>> import healthcov as hc
    >>> G = hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive")
    >>> G.graph["crs"], G.graph["healthcov"]["mode"]["name"]
    ('EPSG:32651', 'drive')
    """
    tm = get_mode(mode, speeds=speeds, congestion=congestion, speed_factor=speed_factor, use_maxspeed=use_maxspeed)
    if form not in FORMS:
        msg = f"form={form!r} is not one of {FORMS}: 'arrays' gives a healthcov.Network, 'networkx' a MultiDiGraph"
        raise InputError(msg)
    lines_kw: dict[str, Any] = {
        "crs": crs,
        "layer": layer,
        "encoding": encoding,
        "road_class": road_class,
        "oneway": oneway,
        "speed": speed,
        "directed": directed,
        "snap_tolerance_m": snap_tolerance_m,
        "node_crossings": node_crossings,
        "length_column": length_column,
    }
    G, label, tm = read_unprepared(source, tm, use_maxspeed=use_maxspeed, **lines_kw)
    prep_kw = {
        "to_crs": to_crs,
        "source": label,
        "largest_component": largest_component,
        "length_column": length_column,
        "recompute_length": recompute_length,
    }
    if form == "arrays":
        from ..network.build import network_from_graph

        return network_from_graph(G, tm, **prep_kw)
    return prepare_graph(G, tm, **prep_kw)


def read_unprepared(
    source: Any, tm: TravelMode, *, use_maxspeed: bool | None = None, **lines_kw: Any
) -> tuple[nx.MultiDiGraph, str, TravelMode]:
    """The graph of ``source`` as read, before projection and the mode (the first half of read_network).

    Returns the graph, the source's label for messages and the mode, with ``use_maxspeed`` on
    when the source carries its own speeds (a speed column, CBEngine).
    """
    layer, encoding = lines_kw.pop("layer", None), lines_kw.pop("encoding", None)
    lines_kw["snap_tolerance_m"] = _tolerance(lines_kw.get("snap_tolerance_m", DEFAULT_SNAP_TOLERANCE_M))
    speed = lines_kw.get("speed")
    if isinstance(source, nx.Graph):
        return _from_graph(source), "networkx graph", tm
    if isinstance(source, gpd.GeoDataFrame):
        G = _from_lines(source, name="road lines (GeoDataFrame)", **lines_kw)
        return G, "GeoDataFrame of roads", get_mode(tm, use_maxspeed=True) if speed is not None else tm
    if isinstance(source, (str, Path)):
        path = existing_path(source, "road network")
        G = _read_path(path, tm, layer=layer, encoding=encoding, **lines_kw)
        if speed is not None or _is_cbengine(path):
            tm = get_mode(tm, use_maxspeed=True if use_maxspeed is None else use_maxspeed)
        return G, str(path), tm
    msg = f"cannot read a road network from {type(source).__name__}: pass a file path or a networkx graph"
    raise InputError(msg)


def _tolerance(value: Any) -> float:
    try:
        tol = float(value)
    except (TypeError, ValueError):
        tol = float("nan")
    if not (np.isfinite(tol) and 0 <= tol <= 50):
        msg = f"snap_tolerance_m must be a distance in metres between 0 and 50 (default 1), got {value!r}"
        raise InputError(msg)
    return tol


def network_from_place(
    place: Any,
    *,
    mode: str | TravelMode = "drive",
    **kwargs: Any,
) -> nx.MultiDiGraph:
    """Download a network from OpenStreetMap with osmnx and prepare it (needs the internet).

    ``place`` is a place name (``"奉化区, 宁波市, 浙江省"``) or a shapely polygon in WGS84.
    Other keyword arguments go to :func:`read_network`.
    """
    import osmnx as ox

    tm = get_mode(mode)
    nt = _OSMNX_TYPES.get(tm.name, "all")
    try:
        if isinstance(place, shapely.Geometry):
            G = ox.graph_from_polygon(place, network_type=nt, retain_all=True)
        else:
            G = ox.graph_from_place(place, network_type=nt, retain_all=True)
    except Exception as exc:
        msg = (
            f"could not download the road network for {place!r} from OpenStreetMap ({exc}). "
            "This needs the internet; offline, save a network (.osm, .osm.pbf, .graphml) and use read_network"
        )
        raise NetworkError(msg) from exc
    return read_network(G, mode=tm, **kwargs)


def _from_graph(G: nx.Graph) -> nx.MultiDiGraph:
    if G.number_of_nodes() == 0:  # nodes without edges: prepare_graph says "has no edges"
        msg = "the road graph has no nodes (and no edges): there is no road to route on. Check the graph passed"
        raise EmptyNetworkError(msg)
    if not G.is_directed():
        G = G.to_directed()
    if not G.is_multigraph():
        G = nx.MultiDiGraph(G)
    else:
        G = G.copy()
    G.graph = dict(G.graph)
    G.graph.pop("healthcov", None)
    return G


def _read_path(path: Path, tm: TravelMode, **kw: Any) -> nx.MultiDiGraph:
    name = path.name.lower()
    try:
        if name.endswith(".graphml"):
            import osmnx as ox

            return ox.load_graphml(path)
        if name.endswith((".osm", ".osm.bz2", ".xml", ".osm.xml")):
            import osmnx as ox

            return ox.graph_from_xml(path, simplify=True, retain_all=True)
        if name.endswith(".pbf"):
            return _read_pbf(path, tm)
        if _is_cbengine(path):
            return read_cbengine(path)
    except (NetworkError, InputError):
        raise
    except Exception as exc:
        msg = f"cannot read the road network {str(path)!r}: {type(exc).__name__}: {exc}"
        raise NetworkError(msg) from exc
    if path.is_dir() and path.suffix.lower() != ".gdb":
        shp = path / "edges.shp"
        if not shp.exists():
            msg = f"{str(path)!r} is a folder without edges.shp: pass the road-line file itself (or a .gdb)"
            raise NetworkError(msg)
        path = shp
    if path.suffix.lower() in _LINE_SUFFIXES:
        try:
            gdf = read_vector(
                path, layer=kw.pop("layer"), encoding=kw.pop("encoding"), geometry_type="line", what="road lines"
            )
        except InputError as exc:
            raise NetworkError(str(exc)) from exc
        return _from_lines(gdf, name=f"road lines {path.name!r}", **kw)
    msg = (
        f"unknown road-network format {path.name!r}: use .osm/.osm.bz2, .osm.pbf, .graphml, a CBEngine .txt, "
        "or a line layer (.gpkg, .geojson, .shp, .gdb)"
    )
    raise NetworkError(msg)


def _read_pbf(path: Path, tm: TravelMode) -> nx.MultiDiGraph:
    import pyrosm

    osm = pyrosm.OSM(str(path))
    nodes, edges = osm.get_network(network_type=_PYROSM_TYPES.get(tm.name, "all"), nodes=True)
    if edges is None or len(edges) == 0:
        msg = f"the .pbf file {path.name!r} has no roads for mode {tm.name!r}"
        raise NetworkError(msg)
    G = nx.MultiDiGraph(crs="epsg:4326")
    for nid, x, y in zip(nodes["id"].to_numpy(), nodes["lon"].to_numpy(), nodes["lat"].to_numpy(), strict=True):
        G.add_node(int(nid), x=float(x), y=float(y))
    cols = [c for c in ("highway", "name", "maxspeed", "id") if c in edges.columns]
    ow = edges["oneway"].astype(str).str.lower() if "oneway" in edges.columns else pd.Series("no", index=edges.index)
    for (u, v, length, geom, o), attrs in zip(
        zip(edges["u"], edges["v"], edges["length"], edges.geometry, ow, strict=True),
        edges[cols].to_dict("records"),
        strict=True,
    ):
        d = {k: val for k, val in attrs.items() if val is not None and val == val}
        if "id" in d:
            d["osmid"] = d.pop("id")
        d[LENGTH] = float(length)
        is_oneway = o in ("yes", "true", "1")
        if o == "-1":
            G.add_edge(int(v), int(u), geometry=shapely.reverse(geom), oneway=True, reversed=True, **d)
            continue
        G.add_edge(int(u), int(v), geometry=geom, oneway=is_oneway, reversed=False, **d)
        if not is_oneway:
            G.add_edge(int(v), int(u), geometry=shapely.reverse(geom), oneway=False, reversed=True, **d)
    return G


#: one-way values read as "one way along the line", "against the line" and "two-way" (missing = two-way)
ONEWAY_FORWARD = ("yes", "true", "1", "t", "y", "ft", "是", "单向")
ONEWAY_BACKWARD = ("-1", "tf", "reverse", "reversed")
#: (OSM "reversible"/"alternating" roads change direction by time of day: two-way, as osmnx reads them)
ONEWAY_TWO_WAY: tuple[str, ...] = ("no", "false", "0", "f", "n", "否", "双向", "both", "", "nan", "none", "<na>")
ONEWAY_TWO_WAY += ("reversible", "alternating")


def _truth(values: pd.Series, column: str = "oneway", name: str = "road lines") -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward one-way flags; a value that is none of the known ones is an error."""
    s = values.astype(str).str.strip().str.lower().str.replace(r"\.0$", "", regex=True)
    fwd = s.isin(ONEWAY_FORWARD).to_numpy()
    back = s.isin(ONEWAY_BACKWARD).to_numpy()
    unknown = ~(fwd | back | s.isin(ONEWAY_TWO_WAY).to_numpy())
    if unknown.any():
        bad = values[unknown]
        counts = ", ".join(f"{v!r} ({n} rows)" for v, n in bad.astype(str).value_counts().head(5).items())
        msg = (
            f"{name}: the one-way column {column!r} holds values that say neither one-way nor two-way: {counts}. "
            f"Use yes/1/FT (one-way along the line), -1/TF (against it) or no/0 (two-way), or name another "
            f"column with oneway='<column>'"
        )
        raise InputError(msg)
    return fwd, back


def _drop_non_roads(gdf: gpd.GeoDataFrame, oneway: str | None, name: str) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Leave out rows that carry no road of their own; both are counted in the noding statistics.

    A zero-length line (every vertex within 1 cm) is a single point: left out with an INFO log
    line (no road is lost; left in, its self-loop could make the layer look directed or become a
    one-node "largest component"). An exact duplicate of an earlier row (same vertices in the
    same order, same one-way value) would count its road twice: left out with a
    :class:`RoadLinesDroppedWarning` giving the rows and km. A line reversed is not a duplicate
    (a directed layer has one row per travel direction).
    """
    length = gdf.geometry.length.to_numpy()
    zero = length < 0.01
    key = pd.DataFrame({"wkb": shapely.to_wkb(gdf.geometry.values, output_dimension=2)}, index=gdf.index)
    if oneway is not None:
        key["oneway"] = gdf[oneway].astype(str).to_numpy()
    dup = key.duplicated(keep="first").to_numpy() & ~zero
    stats = {"duplicate_lines_dropped": int(dup.sum()), "zero_length_lines_dropped": int(zero.sum())}
    if zero.all():
        msg = f"{name}: all {len(gdf):,} lines have zero length (each is a single point): there is no road to route on"
        raise EmptyNetworkError(msg)
    if zero.any():  # no road is lost: logged and counted, not warned about
        log.info("%s: %d zero-length lines left out (rows %s)", name, int(zero.sum()), describe_ids(gdf.index[zero]))
    if dup.any():
        warnings.warn(
            f"{name}: {int(dup.sum()):,} of {len(gdf):,} rows are exact duplicates of another row (same vertices "
            f"in the same order; rows {describe_ids(gdf.index[dup])}) and were left out, so their "
            f"{length[dup].sum() / 1000:.1f} km of road is not counted twice. "
            "G.graph['healthcov']['noding']['duplicate_lines_dropped'] counts them; remove them from the layer to "
            "silence this",
            RoadLinesDroppedWarning,
            stacklevel=4,
        )
    return gdf[~(dup | zero)], stats


def _check_speeds(values: pd.Series, column: str, name: str) -> None:
    """A speed column's values must be positive km/h (``60``, ``"60 km/h"``, ``"30 mph"``); empty cells
    keep the class speed, anything else (0, negative, text) is an error naming the rows."""
    present = values.notna() & (values.astype(str).str.strip() != "")
    parsed = values[present].map(parse_maxspeed)
    bad = parsed.index[parsed.isna()]
    if len(bad):
        shown = "; ".join(f"row {i}: {values.astype(object)[i]!r}" for i in bad[:5])
        shown += f" … ({len(bad)} rows in all)" if len(bad) > 5 else ""
        msg = (
            f"{name}: the speed column {column!r} holds values that are not a positive speed in km/h ({shown}). "
            "Fix them, leave them empty to use the road class's speed, or drop speed="
        )
        raise InputError(msg)


def _from_lines(
    gdf: gpd.GeoDataFrame,
    *,
    crs: Any,
    road_class: str | None,
    oneway: str | None,
    speed: str | None,
    directed: bool | None,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
    node_crossings: bool | str = "auto",
    length_column: str | None = None,
    name: str,
) -> nx.MultiDiGraph:
    gdf, n_empty = _clean_lines(gdf, crs, name)
    road_class, oneway = _line_columns(gdf, road_class, oneway, speed, length_column, name)
    if oneway is not None:
        _truth(gdf[oneway], oneway, name)  # refuses values that are neither one-way nor two-way
    if speed is not None:
        _check_speeds(gdf[speed], speed, name)
    gdf, dropped = _drop_non_roads(gdf, oneway, name)
    gdf, stats = _node(gdf, snap_tolerance_m, node_crossings, length_column, name)
    stats["rows_without_geometry"] = n_empty
    stats.update(dropped)
    coords, idx = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    first = np.searchsorted(idx, np.arange(len(gdf)), side="left")
    last = np.searchsorted(idx, np.arange(len(gdf)), side="right") - 1
    exact = np.vstack([coords[first], coords[last]])
    ends = exact.round(2)  # 1 cm: endpoints that meet share a node
    uniq, first_seen, inv = np.unique(ends, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    uniq = exact[first_seen]  # nodes sit exactly on a line end, not on the rounded grid
    u, v = inv[: len(gdf)], inv[len(gdf) :]
    if directed is None:
        directed = _rows_are_directed(u, v, name)
    G = nx.MultiDiGraph(crs=gdf.crs.to_string())
    for i, (x, y) in enumerate(uniq):
        G.add_node(i, x=float(x), y=float(y))
    # straight two-point lines need no stored geometry (osmnx's convention: the edge runs
    # straight from node to node); this halves the memory of big planning-bureau layers
    geoms: np.ndarray = np.asarray(np.where((last - first) == 1, None, gdf.geometry.values))
    _add_line_edges(G, gdf, u, v, geoms, road_class=road_class, oneway=oneway, speed=speed, directed=directed)
    G.graph[NODING_KEY] = stats
    return G


def _clean_lines(gdf: gpd.GeoDataFrame, crs: Any, name: str) -> tuple[gpd.GeoDataFrame, int]:
    """Drop rows without geometry (counted), explode multi-lines, project to the local UTM zone."""
    if len(gdf) == 0:
        msg = f"{name} has no rows: the road layer is empty. Check the file, the layer= read or the filter applied"
        raise EmptyNetworkError(msg)
    empty = (gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    if empty.all():
        msg = f"{name}: none of its {len(gdf)} rows has a geometry"
        raise NetworkError(msg)
    if empty.any():
        log.info("%s: %d rows without geometry are left out", name, int(empty.sum()))
    gdf = gdf[~empty].copy()
    types = set(gdf.geom_type.unique())
    if not types <= {"LineString", "MultiLineString"}:
        msg = f"{name} must hold lines (LineString/MultiLineString); found {sorted(types)}"
        raise NetworkError(msg)
    coords, idx = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    bad = np.unique(idx[~np.isfinite(coords).all(axis=1)])
    if len(bad):
        msg = f"{name}: rows {describe_ids(gdf.index[bad])} have NaN or infinite coordinates; fix or drop them"
        raise InvalidGeometryError(msg)
    if "MultiLineString" in types:
        gdf = gdf.explode(index_parts=False).reset_index(drop=True)
    gdf = ensure_crs(gdf, crs, name)
    return gdf.to_crs(local_utm(gdf)), int(empty.sum())


def _line_columns(
    gdf: gpd.GeoDataFrame,
    road_class: str | None,
    oneway: str | None,
    speed: str | None,
    length_column: str | None,
    name: str,
) -> tuple[str, str | None]:
    lower = {str(c).lower(): c for c in gdf.columns}
    if road_class is None:
        road_class = next((lower[c] for c in ROAD_CLASS_NAMES if c in lower), None)
        if road_class is None:
            msg = (
                f"{name} has no road-class column (looked for {', '.join(ROAD_CLASS_NAMES)}); "
                f"columns are {list(gdf.columns)}. Pass road_class='<column>'"
            )
            raise MissingColumnError(msg)
    if oneway is None:
        oneway = next((lower[c] for c in ONEWAY_NAMES if c in lower), None)
    for arg, col in (
        ("road_class", road_class),
        ("oneway", oneway),
        ("speed", speed),
        ("length_column", length_column),
    ):
        if col is not None and col not in gdf.columns:
            msg = f"{name}: {arg} column {col!r} not found; columns are {list(gdf.columns)}"
            raise MissingColumnError(msg)
    return road_class, oneway


def _node(
    gdf: gpd.GeoDataFrame, tol: float, node_crossings: bool | str, length_column: str | None, name: str
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Node the lines (see :mod:`healthcov.network.noding`); pieces keep their row's attributes."""
    level, bridge, used = grade_separation(gdf)
    try:
        noded = node_lines(
            gdf.geometry.values, snap_tolerance_m=tol, node_crossings=node_crossings, level=level, bridge=bridge
        )
    except ValueError as exc:
        raise InputError(f"{name}: {exc}") from exc
    stats = {**noded.stats, "grade_separation_columns": used}
    parent_len = gdf.geometry.length.to_numpy()
    out = gdf.iloc[noded.parent].reset_index(drop=True)
    out = out.set_geometry(gpd.GeoSeries(noded.geometry, crs=gdf.crs, index=out.index), crs=gdf.crs)
    if length_column is not None:  # a piece gets its share of its row's length
        share = shapely.length(noded.geometry) / np.where(parent_len[noded.parent] > 0, parent_len[noded.parent], 1.0)
        out[length_column] = pd.to_numeric(out[length_column], errors="coerce").to_numpy() * share
    if stats["dangles_joined"] or stats["crossings_noded"]:
        log.info(
            "%s: noded: %d dangling ends joined (tolerance %g m), %d crossings joined, %d rows became %d",
            name,
            stats["dangles_joined"],
            tol,
            stats["crossings_noded"],
            len(gdf),
            len(out),
        )
    return out, stats


def _rows_are_directed(u: np.ndarray, v: np.ndarray, name: str) -> bool:
    loop = u == v  # a loop is its own reverse twin: it says nothing about the layer's convention
    u, v = u[~loop], v[~loop]
    if len(u) == 0:
        return False
    pairs = pd.MultiIndex.from_arrays([u, v])
    rev = pd.MultiIndex.from_arrays([v, u])
    share = float(rev.isin(pairs).mean())
    log.info(
        "%s: %.0f%% of rows have a reverse twin, so rows are taken as %s",
        name,
        share * 100,
        "one travel direction each" if share >= 0.2 else "two-way roads",
    )
    return share >= 0.2


def _add_line_edges(
    G: nx.MultiDiGraph,
    gdf: gpd.GeoDataFrame,
    u: np.ndarray,
    v: np.ndarray,
    geoms: np.ndarray,
    *,
    road_class: str,
    oneway: str | None,
    speed: str | None,
    directed: bool,
) -> None:
    n = len(gdf)
    fwd, back = _truth(gdf[oneway], oneway) if oneway is not None else (np.zeros(n, bool), np.zeros(n, bool))
    keep_cols = [c for c in gdf.columns if c != gdf.geometry.name]
    columns = [str(c) for c in keep_cols]
    records = zip(*(gdf[c].to_numpy(dtype=object) for c in keep_cols), strict=True) if keep_cols else iter(())
    lengths = gdf.geometry.length.to_numpy()
    for i in range(n):
        rec = dict(zip(columns, next(records), strict=True)) if columns else {}
        d = {k: val for k, val in rec.items() if val is not None and val == val}
        hw = d.pop(road_class, MISSING_CLASS)
        if oneway is not None:
            d.pop(oneway, None)  # replaced by a boolean below
        d.pop("reversed", None)
        d["highway"] = str(hw)
        if speed is not None and speed in rec:
            d["maxspeed"] = rec[speed]
        d[LENGTH] = float(lengths[i])
        a, b = int(u[i]), int(v[i])
        g = geoms[i]
        if g is not None:
            d["geometry"] = g
        if directed:
            G.add_edge(a, b, oneway=bool(fwd[i] or back[i]), **d)
            continue
        if g is not None:
            d["geometry"] = shapely.reverse(g) if back[i] else g
        if back[i]:
            G.add_edge(b, a, oneway=True, reversed=True, **d)
            continue
        G.add_edge(a, b, oneway=bool(fwd[i]), reversed=False, **d)
        if not fwd[i]:
            if g is not None:
                d = {**d, "geometry": shapely.reverse(g)}
            G.add_edge(b, a, oneway=False, reversed=True, **d)


def _is_cbengine(path: Path) -> bool:
    if path.suffix.lower() != ".txt" or not path.is_file():
        return False
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline().split("//")[0].strip()
        second = fh.readline().split()
    return first.isdigit() and len(second) == 4


def read_cbengine(path: Any) -> nx.MultiDiGraph:
    """Read a CBEngine road-net text file (KDD Cup 2021 City Brain format) as a WGS84 graph.

    Intersections become nodes; each road becomes one edge per direction with its length and
    speed limit (kept as ``maxspeed``, km/h) and a road class derived from the limit
    (≥ 75 km/h ``trunk``, ≥ 55 ``primary``, ≥ 45 ``secondary``, else ``tertiary``).
    """
    path = existing_path(path, "CBEngine road net")
    with open(path, encoding="utf-8") as fh:
        lines = [ln.split("//")[0].strip() for ln in fh]
    lines = [ln for ln in lines if ln]
    pos = 0
    try:
        n_inter = int(lines[0])
        G = nx.MultiDiGraph(crs="epsg:4326")
        for ln in lines[1 : 1 + n_inter]:
            lat, lon, nid, _sig = ln.split()
            G.add_node(int(nid), x=float(lon), y=float(lat))
        pos = 1 + n_inter
        n_roads = int(lines[pos])
        pos += 1
        for _ in range(n_roads):
            f = lines[pos].split()
            a, b, length, vmax = int(f[0]), int(f[1]), float(f[2]), float(f[3]) * 3.6
            d1, d2 = int(f[6]), int(f[7])
            hw = "trunk" if vmax >= 75 else "primary" if vmax >= 55 else "secondary" if vmax >= 45 else "tertiary"
            G.add_edge(a, b, key=0, length=length, maxspeed=vmax, highway=hw, road_id=d1, oneway=False)
            G.add_edge(b, a, key=0, length=length, maxspeed=vmax, highway=hw, road_id=d2, oneway=False)
            pos += 3
    except (ValueError, IndexError) as exc:
        msg = f"{path.name!r} is not a valid CBEngine road net near record {pos + 1}: {exc}"
        raise NetworkError(msg) from exc
    if G.number_of_edges() == 0:
        msg = f"{path.name!r} has no roads"
        raise NetworkError(msg)
    return G
