"""Read road networks from OSM files, GraphML, bureau line layers or osmnx, ready to route."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from .._columns import LENGTH
from ..errors import EmptyNetworkError, InputError, NetworkError
from ..network.modes import TravelMode, get_mode
from ..network.noding import DEFAULT_SNAP_TOLERANCE_M
from ..network.prepare import NODING_KEY, prepare_graph
from ._common import existing_path
from .line_topology import (  # the line-layer vocabulary lives there; importable from here as before
    MISSING_CLASS,
    ONEWAY_BACKWARD,
    ONEWAY_FORWARD,
    ONEWAY_NAMES,
    ONEWAY_TWO_WAY,
    ROAD_CLASS_NAMES,
    LineLayer,
    line_layer,
    line_layer_path,
    oneway_flags,
    read_line_layer,
)

log = logging.getLogger(__name__)

__all__ = [
    "read_network",
    "network_from_place",
    "read_cbengine",
    "read_unprepared",
    "is_other_format",
    "tolerance",
    "MISSING_CLASS",
    "ONEWAY_BACKWARD",
    "ONEWAY_FORWARD",
    "ONEWAY_NAMES",
    "ONEWAY_TWO_WAY",
    "ROAD_CLASS_NAMES",
]

#: what read_network can return: a networkx MultiDiGraph or healthcov's arrays-first Network
FORMS = ("networkx", "arrays")
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
        A path to ``.osm``/``.osm.bz2``/``.xml`` (OSM XML: read with pyosmium in the arrays form,
        osmnx's ``graph_from_xml`` in the networkx form — the same topology), ``.osm.pbf``
        (pyosmium; only ways with a ``highway`` tag), ``.graphml`` (osmnx), a CBEngine road-net
        ``.txt``, or a line layer (GeoPackage, GeoJSON, Shapefile, a File Geodatabase ``.gdb``
        folder, or a folder holding ``edges.shp``) of roads with a road-class column, or a
        networkx graph such as one from osmnx.
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
        for the routable network; several times less memory). Line layers go straight to arrays
        (:func:`healthcov.read_topology`), OSM XML and ``.osm.pbf`` through pyosmium; GraphML,
        CBEngine text and networkx graphs are parsed as before, then converted. Both forms
        give the same nodes, edges and travel times, and every healthcov function accepts either.

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
    prep_kw = {
        "to_crs": to_crs,
        "largest_component": largest_component,
        "length_column": length_column,
        "recompute_length": recompute_length,
    }
    if form == "arrays":
        from ..network.build import prepare_arrays
        from .line_topology import read_topology

        raw, label, flag = read_topology(source, mode=tm, use_maxspeed=use_maxspeed, **lines_kw)
        tm = tm if flag is None else get_mode(tm, use_maxspeed=flag)
        prep_kw["length_column"] = length_column or "length"
        return _arrays_of(prepare_arrays, raw.project(prep_kw.pop("to_crs")), tm, source=label, **prep_kw)
    G, label, tm = read_unprepared(source, tm, use_maxspeed=use_maxspeed, **lines_kw)
    return prepare_graph(G, tm, source=label, **prep_kw)


def _arrays_of(prepare: Any, *args: Any, **kwargs: Any) -> Any:
    """prepare_arrays one call deeper, as network_from_graph calls it: its warnings name read_network's caller."""
    return prepare(*args, **kwargs)


def read_unprepared(
    source: Any, tm: TravelMode, *, use_maxspeed: bool | None = None, **lines_kw: Any
) -> tuple[nx.MultiDiGraph, str, TravelMode]:
    """The graph of ``source`` as read, before projection and the mode (the first half of read_network).

    Returns the graph, the source's label for messages and the mode, with ``use_maxspeed`` on
    when the source carries its own speeds (a speed column, CBEngine).
    """
    layer, encoding = lines_kw.pop("layer", None), lines_kw.pop("encoding", None)
    lines_kw["snap_tolerance_m"] = tolerance(lines_kw.get("snap_tolerance_m", DEFAULT_SNAP_TOLERANCE_M))
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


def tolerance(value: Any) -> float:
    """``snap_tolerance_m`` checked: metres between 0 and 50."""
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
    line_path = line_layer_path(path)
    if line_path is not None:
        gdf = read_line_layer(line_path, layer=kw.pop("layer"), encoding=kw.pop("encoding"))
        return _from_lines(gdf, name=f"road lines {line_path.name!r}", **kw)
    msg = (
        f"unknown road-network format {path.name!r}: use .osm/.osm.bz2, .osm.pbf, .graphml, a CBEngine .txt, "
        "or a line layer (.gpkg, .geojson, .shp, .gdb)"
    )
    raise NetworkError(msg)


def is_other_format(path: Path) -> bool:
    """Whether ``path`` is a network file other than a line layer (OSM XML, .pbf, GraphML, CBEngine)."""
    name = path.name.lower()
    return name.endswith((".graphml", ".osm", ".osm.bz2", ".xml", ".osm.xml", ".pbf")) or _is_cbengine(path)


def _read_pbf(path: Path, tm: TravelMode) -> nx.MultiDiGraph:
    """A ``.osm.pbf`` as osmnx would read it as XML (pyosmium; the same topology as the arrays form).

    Every highway way is kept and each mode's preparation removes the classes it may not use,
    as for ``.osm`` files (pyrosm, used before, pre-filtered the ways per mode and kept ways
    that reach beyond a clipped extract's edge).
    """
    from .osm_topology import osm_networkx

    del tm  # the roads no longer depend on the mode: the mode's preparation filters them
    return osm_networkx(path)  # type: ignore[no-any-return]


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
    lay = line_layer(
        gdf,
        crs=crs,
        road_class=road_class,
        oneway=oneway,
        speed=speed,
        directed=directed,
        snap_tolerance_m=snap_tolerance_m,
        node_crossings=node_crossings,
        length_column=length_column,
        name=name,
    )
    G = nx.MultiDiGraph(crs=lay.gdf.crs.to_string())
    for i, (x, y) in enumerate(lay.node_xy):
        G.add_node(i, x=float(x), y=float(y))
    _add_line_edges(G, lay)
    G.graph[NODING_KEY] = lay.stats
    return G


def _add_line_edges(G: nx.MultiDiGraph, lay: LineLayer) -> None:
    """The rows of ``lay`` as edges: both directions of a two-way road unless the layer is directed."""
    gdf, u, v, road_class, oneway, speed, directed = (
        lay.gdf,
        lay.u,
        lay.v,
        lay.road_class,
        lay.oneway,
        lay.speed,
        lay.directed,
    )
    # straight two-point lines need no stored geometry (osmnx's convention: the edge runs
    # straight from node to node); this halves the memory of big planning-bureau layers
    geoms: np.ndarray = np.asarray(np.where((lay.last - lay.first) == 1, None, gdf.geometry.values))
    n = len(gdf)
    fwd, back = oneway_flags(gdf[oneway], oneway) if oneway is not None else (np.zeros(n, bool), np.zeros(n, bool))
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
