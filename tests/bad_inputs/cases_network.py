"""Road networks: read_network on graphs, line layers (GeoDataFrame, GeoPackage, Shapefile, FileGDB), OSM, CBEngine."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import shapely

import healthcov as hc
from bad_inputs.corpus import UTM, X0, Y0, err, gpkg, line, ok, raw_line, roads, warn, write

NET = "io/networks.py"
PREP = "network/prepare.py"
MODES = "network/modes.py"


def _near(a: float, b: float, tol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _info(G: nx.MultiDiGraph) -> dict:
    return G.graph["healthcov"]


def _km(G: nx.MultiDiGraph) -> float:
    """Road km of a two-way graph (``length_km`` counts each direction)."""
    return _info(G)["length_km"] / 2


def _speeds(G: nx.MultiDiGraph) -> set[float]:
    return {round(d["speed_kph"], 6) for *_, d in G.edges(data=True)}


def _rn(gdf, **kw) -> nx.MultiDiGraph:
    return hc.read_network(gdf, mode=kw.pop("mode", "drive"), **kw)


CROSS = [line((0, 0), (2000, 0)), line((1000, -1000), (1000, 1000))]  # a + without a shared vertex
SHORT = [line((0, 0), (1000, 0)), line((1000.5, 0), (2000, 0))]  # ends 0.5 m short
ISLAND = [line((0, 0), (1000, 0), (2000, 0), (3000, 0)), line((0, 5000), (1000, 5000))]  # 3 km + a 1 km island
BRIDGE = [
    line((0, 0), (2000, 0)),
    line((1000, -1000), (1000, 1000)),
    line((2000, 0), (2000, 1000), (1000, 1000)),
    line((0, 0), (0, -1000), (1000, -1000)),
]  # a loop; the N-S road crosses the E-W one on a bridge


def _bridge(t: Path) -> nx.MultiDiGraph:
    return _rn(roads(BRIDGE, bridge=["no", "yes", "no", "no"]))


def _gbk_shp(t: Path, cpg: bool = False) -> Path:
    g = roads([line((0, 0), (1000, 0))], hw="主干路").to_crs(4326)
    g.to_file(t / "roads.shp", encoding="GBK")
    if not cpg:
        (t / "roads.cpg").unlink(missing_ok=True)
    return t / "roads.shp"


def _fgdb(t: Path) -> nx.MultiDiGraph:
    p = t / "roads.gdb"
    roads([line((0, 0), (1000, 0), (2000, 0))]).to_crs(4326).to_file(p, driver="OpenFileGDB", layer="roads")
    return hc.read_network(p, mode="drive", layer="roads")


def _lengths(value: float) -> nx.MultiDiGraph:
    return hc.read_network(raw_line(3, length=value), mode="drive")


def _one_zero_length() -> nx.MultiDiGraph:
    """Five nodes 1 km apart, lengths 1000 except the two edges between nodes 1 and 2 (0)."""
    G = raw_line(5, length=1000.0)
    for k in G[1][2]:
        G[1][2][k]["length"] = 0.0
    for k in G[2][1]:
        G[2][1][k]["length"] = 0.0
    return hc.read_network(G, mode="drive")


def _bad_node_x(value: object) -> nx.MultiDiGraph:
    G = raw_line(3)
    G.nodes[1]["x"] = value
    return G


def _nodes_only() -> nx.MultiDiGraph:
    G = raw_line(5)
    G.remove_edges_from(list(G.edges))
    assert G.number_of_nodes() == 5
    return G


def _tt(G: nx.MultiDiGraph) -> float:
    return max(d["travel_time"] for *_, d in G.edges(data=True))


def _graph_no_xy(t: Path) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs=UTM)
    G.add_edge(0, 1, highway="residential")
    return hc.read_network(G)


def _swapped(t: Path) -> nx.MultiDiGraph:
    g = roads([line((0, 0), (1000, 0))]).to_crs(4326)
    g["geometry"] = g.geometry.map(lambda ln: shapely.LineString([(y, x) for x, y in ln.coords]))
    return _rn(g)


def _z_lines(t: Path) -> nx.MultiDiGraph:
    return _rn(
        gpd.GeoDataFrame(
            {"highway": ["residential"]}, crs=UTM, geometry=[shapely.LineString([(X0, Y0, 5), (X0 + 1000, Y0, 9)])]
        )
    )


TRIANGLE = [line((0, 0), (1000, 0)), line((1000, 0), (500, 1000)), line((500, 1000), (0, 0))]


def _oneway(t: Path, value: str, column: str = "oneway") -> nx.MultiDiGraph:
    """The first side of a triangle is one-way (``value``), the others two-way: 1 + 2 + 2 edges."""
    return _rn(roads(TRIANGLE, **{column: [value, "no", "no"]}), directed=False)


LINES = [
    ok(
        "net-crossing-without-vertex",
        "two 2 km roads crossing in a + with no shared vertex",
        lambda t: _rn(roads(CROSS)),
        lambda G: _near(_km(G), 4.0) and G.number_of_nodes() == 5,
        why="line layers must be noded where roads cross (5 nodes, 4 km kept)",
    ),
    ok(
        "net-endpoints-0.5m-short",
        "two 1 km roads whose ends are 0.5 m apart",
        lambda t: _rn(roads(SHORT)),
        lambda G: _km(G) > 1.99 and G.number_of_nodes() == 3,
        why="endpoints within a documented tolerance are joined",
    ),
    ok(
        "net-bridge-not-noded",
        "a road crossing on a bridge=yes",
        _bridge,
        lambda G: (
            G.number_of_nodes() == 4
            and _near(_km(G), 8.0)
            and not any(_near(d["x"], X0 + 1000) and _near(d["y"], Y0) for _, d in G.nodes(data=True))
        ),
        why="a bridge crosses without a junction: no node at the crossing, 8 km in a loop",
    ),
    warn(
        "net-dropped-island-reported",
        "a 1 km island beside 3 km of road",
        lambda t: _rn(roads(ISLAND)),
        hc.HealthcovWarning,
        "1.0 km",
        "25",
        why="what the largest component drops is reported above 1 % (1 km of 4 km = 25 %)",
    ),
    ok(
        "net-unknown-class-cn",
        "road class 城市主干道 (CJJ 37-2012 urban arterial)",
        lambda t: _rn(roads([line((0, 0), (1000, 0))], hw="城市主干道")),
        lambda G: _speeds(G) == {40.0} and _near(_tt(G), 90.0),
        why="expected a warning when written (the class was unknown); the network-hygiene merge maps it, "
        "with its source (CJJ 37-2012 §3.1, network/modes.py CHINESE_ROAD_CLASSES), to OSM primary: "
        "40 km/h, 1 km in 90 s, which is the right answer rather than a fallback to warn about",
    ),
    ok(
        "net-unknown-class-en",
        "road class 'Primary Road'",
        lambda t: _rn(roads([line((0, 0), (1000, 0))], hw="Primary Road")),
        lambda G: _speeds(G) == {40.0} and _near(_tt(G), 90.0),
        why="expected a warning when written; English class names are now mapped to OSM classes "
        "('Primary Road' → primary, 40 km/h: 90 s per km)",
    ),
    warn(
        "net-unknown-class-cn-unmapped",
        "road class 机耕路 (a farm track, in no table)",
        lambda t: _rn(roads([line((0, 0), (1000, 0))], hw="机耕路")),
        hc.UnknownRoadClassWarning,
        "机耕路",
        "1.0 km",
        "25 km/h",
        check=lambda G: _speeds(G) == {25.0},
        why="a class in no table must list the class, its km and the fallback speed",
    ),
    warn(
        "net-unknown-class-mojibake",
        "road class 'Ö÷¸ÉÂ·' (GBK read as Latin-1)",
        lambda t: _rn(roads([line((0, 0), (1000, 0))], hw="Ö÷¸ÉÂ·")),
        hc.HealthcovWarning,
        "Ö÷¸ÉÂ·",
    ),
    ok(
        "net-chinese-class",
        "road class 主干路",
        lambda t: _rn(roads([line((0, 0), (1000, 0))], hw="主干路")),
        lambda G: _speeds(G) == {40.0},
    ),
    ok(
        "net-chinese-class-column",
        "class column 道路等级 = 次干路",
        lambda t: _rn(gpd.GeoDataFrame({"道路等级": ["次干路"]}, geometry=[line((0, 0), (1000, 0))], crs=UTM)),
        lambda G: _speeds(G) == {35.0},
    ),
    ok(
        "net-gbk-shapefile-no-cpg",
        "GBK shapefile, class 主干路, no .cpg",
        lambda t: hc.read_network(_gbk_shp(t)),
        lambda G: _speeds(G) == {40.0},
    ),
    ok(
        "net-gbk-shapefile-with-cpg",
        "GBK shapefile with its .cpg",
        lambda t: hc.read_network(_gbk_shp(t, True)),
        lambda G: _speeds(G) == {40.0},
    ),
    ok(
        "net-encoding-argument",
        "read_network(..., encoding='gbk')",
        lambda t: hc.read_network(_gbk_shp(t), encoding="gbk"),
        lambda G: _speeds(G) == {40.0},
    ),
    ok(
        "net-file-geodatabase",
        "a FileGDB layer of 2 km",
        _fgdb,
        lambda G: _near(_km(G), 2.0, 1e-3),
    ),
    ok(
        "net-multilinestring",
        "one MultiLineString of two touching 1 km parts",
        lambda t: _rn(roads([shapely.MultiLineString([line((0, 0), (1000, 0)), line((1000, 0), (2000, 0))])])),
        lambda G: _near(_km(G), 2.0),
    ),
    ok("net-z-coordinates", "LineString Z of 1 km", _z_lines, lambda G: _near(_km(G), 1.0)),
    ok(
        "net-oneway-yes",
        "oneway 'yes' on one side of a triangle",
        lambda t: _oneway(t, "yes"),
        lambda G: G.number_of_edges() == 5,
    ),
    ok(
        "net-oneway-column-chinese",
        "column 单向 = 'yes' on one side",
        lambda t: _oneway(t, "yes", "单向"),
        lambda G: G.number_of_edges() == 5,
    ),
    ok(
        "net-oneway-chinese-value",
        "oneway value '是' on one side",
        lambda t: _oneway(t, "是"),
        lambda G: G.number_of_edges() == 5,
    ),
    ok(
        "net-duplicate-lines",
        "the same 1 km road twice",
        lambda t: _rn(roads([line((0, 0), (1000, 0))] * 2)),
        lambda G: _near(_km(G), 1.0) and G.number_of_edges() == 2,
        why="a duplicated line is one road",
    ),
    ok(
        "net-zero-length-line",
        "a 1 km road plus a degenerate 0 m line",
        lambda t: _rn(roads([line((0, 0), (1000, 0)), line((5, 5), (5, 5))])),
        lambda G: _near(_km(G), 1.0),
        why="a degenerate line must not outweigh a real road",
    ),
    ok(
        "net-duplicate-reversed-directed",
        "one row per travel direction (A→B and B→A), directed=True",
        lambda t: _rn(roads([line((0, 0), (1000, 0)), line((1000, 0), (0, 0))]), directed=True),
        lambda G: G.number_of_edges() == 2 and _info(G)["noding"]["duplicate_lines_dropped"] == 0,
        why="a reversed line is the other direction of travel, not a duplicate",
    ),
    warn(
        "net-duplicate-lines-warned",
        "the same 1 km road twice",
        lambda t: _rn(roads([line((0, 0), (1000, 0))] * 2)),
        hc.RoadLinesDroppedWarning,
        "1 of 2 rows",
        "duplicate",
        "1.0 km",
        why="the duplicate is left out (net-duplicate-lines) and the warning names the rows and km",
    ),
    ok(
        "net-one-way-numeric",
        "oneway column 1.0 / 0.0 / 0.0 (a numeric shapefile column)",
        lambda t: _rn(roads(TRIANGLE, oneway=[1.0, 0.0, 0.0]), directed=False),
        lambda G: G.number_of_edges() == 5,
        why="1.0 is one-way like 1 (it was read as two-way: 6 edges); 0.0 is two-way",
    ),
    ok(
        "net-speed-column-units",
        "speed column '60 km/h'",
        lambda t: hc.read_network(
            roads([line((0, 0), (1000, 0))], maxspeed_kph=["60 km/h"]), mode="drive", speed="maxspeed_kph"
        ),
        lambda G: _near(_tt(G), 60.0),
        why="a unit after the number is understood: 1 km at 60 km/h is 60 s",
    ),
    ok(
        "net-keep-islands",
        "largest_component=False keeps the island",
        lambda t: _rn(roads(ISLAND), largest_component=False),
        lambda G: _near(_km(G), 4.0),
    ),
    err(
        "net-empty-layer",
        "a line layer with no rows",
        lambda t: _rn(roads([])),
        hc.EmptyInputError,
        "road",
    ),
    err(
        "net-points-layer",
        "points instead of lines",
        lambda t: _rn(gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[shapely.Point(X0, Y0)], crs=UTM)),
        hc.InputError,
        "line",
    ),
    err(
        "net-no-class-column",
        "lines without any road-class column",
        lambda t: _rn(gpd.GeoDataFrame({"foo": [1]}, geometry=[line((0, 0), (1000, 0))], crs=UTM)),
        hc.MissingColumnError,
        "road_class",
    ),
    err(
        "net-named-class-missing",
        "road_class='级别' absent",
        lambda t: _rn(roads([line((0, 0), (1000, 0))]), road_class="级别"),
        hc.MissingColumnError,
        "级别",
    ),
    err(
        "net-projected-no-crs",
        "UTM lines without a CRS",
        lambda t: _rn(roads([line((0, 0), (1000, 0))], crs=None)),
        hc.CRSError,
        "crs",
    ),
    warn(
        "net-lonlat-no-crs",
        "lon/lat lines without a CRS",
        lambda t: _rn(
            roads([line((0, 0), (1000, 0))]).pipe(
                lambda _: roads([line((0, 0), (1000, 0))]).to_crs(4326).set_crs(None, allow_override=True)
            )
        ),
        hc.AssumedCRSWarning,
        "wgs84",
    ),
    err(
        "net-swapped-lonlat",
        "lines with lat/lon swapped, labelled EPSG:4326",
        _swapped,
        hc.CRSError,
        "swap",
    ),
    err(
        "net-one-way-text",
        "oneway column 'sometimes'",
        lambda t: _oneway(t, "sometimes"),
        hc.InputError,
        "sometimes",
    ),
]


def _rl(**kw) -> nx.MultiDiGraph:
    return hc.read_network(raw_line(3), **kw)


GRAPHS = [
    ok(
        "graph-lengths-from-geometry",
        "a graph without length attributes",
        lambda t: _rl(mode="drive"),
        lambda G: _near(_tt(G), 180.0),
    ),
    err(
        "graph-zero-lengths",
        "edges with length=0 (1 km apart)",
        lambda t: _lengths(0.0),
        hc.EdgeLengthError,
        "length",
        "median 0",
        "recompute_length=True",
        why="edge lengths are checked against the geometry: when every length is 0 (median ratio 0) the "
        "column is unusable, so this is a clear EdgeLengthError naming the column and the fix "
        "(recompute_length=True) rather than a silent recomputation; a few zero lengths among good ones "
        "are recomputed with an EdgeLengthWarning (graph-some-zero-lengths)",
    ),
    err(
        "graph-km-lengths",
        "edges with length=1.0 (km, 1 km apart)",
        lambda t: _lengths(1.0),
        hc.EdgeLengthError,
        "length",
        "kilometres",
        why="a length in km (1.0 for 1,000 m) is caught by the geometry check; lengths in another unit "
        "are an EdgeLengthError (the user converts them or passes recompute_length=True), the better "
        "outcome than the warning first expected, since guessing a unit silently could be wrong",
    ),
    warn(
        "graph-some-zero-lengths",
        "two of eight edges with length=0, the others 1000 m (1 km apart)",
        lambda t: _one_zero_length(),
        hc.EdgeLengthWarning,
        "2 of 8 edges",
        "length",
        check=lambda G: all(_near(d["travel_time"], 180.0) for *_, d in G.edges(data=True)),
        why="a few zero lengths among good ones are measured from the geometry (1 km → 180 s at 20 km/h) "
        "and a warning counts them",
    ),
    ok(
        "graph-nan-lengths",
        "edges with length=NaN (recomputed from the nodes)",
        lambda t: _lengths(float("nan")),
        lambda G: _near(_tt(G), 180.0),
        why="missing lengths are recomputed from the node coordinates",
    ),
    ok("graph-right-lengths", "edges with length=1000", lambda t: _lengths(1000.0), lambda G: _near(_tt(G), 180.0)),
    err("graph-unknown-mode", "mode='fly'", lambda t: _rl(mode="fly"), hc.InputError, "fly"),
    ok(
        "graph-mode-case-space",
        "mode='Drive '",
        lambda t: _rl(mode="Drive "),
        lambda G: _info(G)["mode"]["name"] == "drive",
    ),
    err(
        "graph-negative-speed",
        "speeds={'residential': -20}",
        lambda t: _rl(speeds={"residential": -20.0}),
        hc.InputError,
        "residential",
    ),
    err(
        "graph-zero-speed",
        "speeds={'residential': 0}",
        lambda t: _rl(speeds={"residential": 0.0}),
        hc.InputError,
        "residential",
    ),
    err(
        "graph-nan-speed",
        "speeds={'residential': NaN}",
        lambda t: _rl(speeds={"residential": float("nan")}),
        hc.InputError,
        "residential",
    ),
    err(
        "graph-text-speed",
        "speeds={'residential': 'fast'}",
        lambda t: _rl(speeds={"residential": "fast"}),
        hc.InputError,
        "residential",
    ),
    err(
        "graph-speed-in-m-per-h",
        "speeds={'residential': 20000} (metres per hour)",
        lambda t: _rl(speeds={"residential": 20000}),
        hc.InputError,
        "residential",
        "200",
        why="was accepted: 1 km in 0.18 s; table speeds above 200 km/h are a unit mistake",
    ),
    err(
        "graph-speeds-list",
        "speeds=[40, 30] (a list, not a mapping)",
        lambda t: _rl(speeds=[40, 30]),
        hc.InputError,
        "speeds",
        "list",
        why="was a raw AttributeError",
    ),
    err(
        "graph-fallback-infinite",
        "fallback_kph=inf",
        lambda t: hc.read_network(raw_line(3, hw="城市景观道"), mode=hc.get_mode("drive", fallback_kph=float("inf"))),
        hc.InputError,
        "fallback_kph",
        why="was accepted: unknown classes driven in 0 s",
    ),
    err(
        "graph-bad-congestion",
        "congestion='rush'",
        lambda t: _rl(mode="ambulance", congestion="rush"),
        hc.InputError,
        "congestion",
    ),
    err(
        "graph-node-x-nan",
        "node 1 of a line graph with x = NaN",
        lambda t: hc.read_network(_bad_node_x(float("nan"))),
        hc.NetworkError,
        "1 (nan",
        why="was accepted: the edges to node 1 got lengths recomputed from NaN",
    ),
    err(
        "graph-node-x-text",
        "node 1 of a line graph with x = 'east'",
        lambda t: hc.read_network(_bad_node_x("east")),
        hc.NetworkError,
        "'east'",
        why="was a raw ValueError from numpy",
    ),
    ok(
        "graph-node-x-numeric-text",
        "node x/y as numeric text ('501000.0', as a hand-written GraphML gives)",
        lambda t: hc.read_network(_bad_node_x(str(X0 + 1000.0))),
        lambda G: _near(_tt(G), 180.0),
        why="numeric text is converted: 1 km at 20 km/h is 180 s",
    ),
    err(
        "graph-congestion-above-one",
        "congestion=5 (a factor above 1)",
        lambda t: _rl(mode="ambulance", congestion=5),
        hc.InputError,
        "congestion=5",
        "speed_factor",
        why="was accepted: every ambulance trip 5 times faster; congestion only slows traffic (peak 0.7)",
    ),
    err(
        "graph-to-crs-junk",
        "to_crs='junk'",
        lambda t: _rl(to_crs="junk"),
        hc.CRSError,
        "to_crs='junk'",
        "EPSG",
        why="was a raw pyproj CRSError (not a healthcov error)",
    ),
    err(
        "graph-crs-junk",
        "G.graph['crs'] = 'junk'",
        lambda t: hc.read_network(raw_line(3, crs="junk")),
        hc.CRSError,
        "G.graph['crs']",
        why="was a raw pyproj CRSError",
    ),
    err(
        "graph-negative-speed-factor",
        "speed_factor=-1",
        lambda t: _rl(speed_factor=-1.0),
        hc.InputError,
        "speed_factor",
    ),
    ok(
        "graph-faster-speeds",
        "speeds={'residential': 40}",
        lambda t: _rl(speeds={"residential": 40.0}),
        lambda G: _near(_tt(G), 90.0),
    ),
    ok(
        "graph-ambulance-peak",
        "ambulance, congestion='peak'",
        lambda t: _rl(mode="ambulance", congestion="peak"),
        lambda G: _near(_tt(G), 1000 / (20 * 1.2 * 0.7 / 3.6)),
        why="ambulance = drive × 1.2, × 0.7 at peak: 1 km at 16.8 km/h",
    ),
    ok(
        "graph-maxspeed-tag",
        "maxspeed '60' with use_maxspeed=True",
        lambda t: hc.read_network(raw_line(3, maxspeed="60"), mode="drive", use_maxspeed=True),
        lambda G: _near(_tt(G), 60.0),
    ),
    ok(
        "graph-maxspeed-mph",
        "maxspeed '30 mph'",
        lambda t: hc.read_network(raw_line(3, maxspeed="30 mph"), mode="drive", use_maxspeed=True),
        lambda G: _near(_tt(G), 1000 / (30 * 1.609344 / 3.6), 1e-4),
        why="30 mph = 48.28 km/h",
    ),
    err(
        "graph-no-crs",
        "a graph without graph['crs']",
        lambda t: hc.read_network(raw_line(3, crs=None)),
        hc.CRSError,
        "crs",
    ),
    err("graph-no-xy", "nodes without x/y", _graph_no_xy, hc.NetworkError, "x"),
    err(
        "graph-no-edges",
        "a graph without nodes or edges (nodes alone: graph-nodes-only)",
        lambda t: hc.read_network(nx.MultiDiGraph(crs=UTM)),
        hc.EmptyInputError,
        "road graph",
        why="an empty graph is both a NetworkError and an EmptyInputError (EmptyNetworkError)",
    ),
    err(
        "graph-nodes-only",
        "five nodes and no edges",
        lambda t: hc.read_network(_nodes_only()),
        hc.EmptyInputError,
        "no edges",
    ),
    err(
        "graph-walk-only-motorways",
        "mode='walk' on a motorway-only graph",
        lambda t: hc.read_network(raw_line(3, hw="motorway"), mode="walk"),
        hc.EmptyInputError,
        "walk",
    ),
    err("graph-not-a-graph", "read_network(3.14)", lambda t: hc.read_network(3.14), hc.InputError, "float"),
    ok(
        "graph-undirected",
        "an undirected nx.Graph",
        lambda t: hc.read_network(nx.MultiDiGraph(raw_line(3)).to_undirected()),
        lambda G: _near(_tt(G), 180.0),
    ),
    ok(
        "graph-carries-mode",
        "read_network(..., mode='walk')",
        lambda t: _rl(mode="walk"),
        lambda G: _info(G)["mode"]["name"] == "walk" and _near(_tt(G), 800.0),
    ),
]


def _rp(t: Path, name: str, content) -> nx.MultiDiGraph:
    return hc.read_network(write(t, name, content))


FILES = [
    err(
        "file-missing",
        "read_network('nope.osm')",
        lambda t: hc.read_network(t / "nope.osm"),
        hc.DataNotFoundError,
        "nope.osm",
    ),
    err("file-empty-gpkg", "a 0-byte .gpkg", lambda t: _rp(t, "roads.gpkg", b""), hc.InputError, "roads.gpkg"),
    err(
        "file-empty-geojson",
        "a 0-byte .geojson",
        lambda t: _rp(t, "roads.geojson", b""),
        hc.InputError,
        "roads.geojson",
    ),
    err("file-empty-osm", "a 0-byte .osm", lambda t: _rp(t, "roads.osm", b""), hc.InputError, "roads.osm"),
    err(
        "file-corrupt-osm",
        "an .osm that is not XML",
        lambda t: _rp(t, "roads.osm", "not xml"),
        hc.InputError,
        "roads.osm",
    ),
    err(
        "file-corrupt-graphml",
        "a .graphml that is not XML",
        lambda t: _rp(t, "roads.graphml", "<graphml"),
        hc.InputError,
        "roads.graphml",
    ),
    err(
        "file-corrupt-pbf",
        "a .osm.pbf of text",
        lambda t: _rp(t, "roads.osm.pbf", "hello"),
        hc.InputError,
        "roads.osm.pbf",
    ),
    err("file-unsupported-suffix", "roads.xlsx", lambda t: _rp(t, "roads.xlsx", b"PK"), hc.InputError, "roads.xlsx"),
    err(
        "file-cbengine-garbage",
        "a CBEngine .txt of words",
        lambda t: hc.read_cbengine(write(t, "roadnet.txt", "hello world\nfoo\n")),
        hc.InputError,
        "roadnet.txt",
    ),
    err(
        "file-cbengine-empty",
        "a 0-byte CBEngine .txt",
        lambda t: hc.read_cbengine(write(t, "roadnet.txt", "")),
        hc.InputError,
        "roadnet.txt",
    ),
    err(
        "file-geojson-points",
        "a GeoJSON of points",
        lambda t: hc.read_network(
            gpkg(
                t,
                gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[shapely.Point(120.1, 30.2)], crs=4326),
                "pts.gpkg",
            )
        ),
        hc.InputError,
        "line",
    ),
    err(
        "file-folder-without-edges", "a folder with no edges.shp", lambda t: hc.read_network(t), hc.InputError, "edges"
    ),
    err(
        "file-wrong-layer",
        "layer='streets' of a GeoPackage without it",
        lambda t: hc.read_network(gpkg(t, roads([line((0, 0), (1000, 0))]), "roads.gpkg"), layer="streets"),
        hc.InputError,
        "streets",
    ),
    ok(
        "file-gpkg-roundtrip",
        "a 2 km GeoPackage line layer",
        lambda t: hc.read_network(gpkg(t, roads([line((0, 0), (1000, 0), (2000, 0))]), "roads.gpkg")),
        lambda G: _near(_km(G), 2.0, 1e-3),
    ),
]


def _ra(t: Path, name: str, content) -> object:
    """The arrays form (pyosmium for OSM files) of a file read."""
    return hc.read_network(write(t, name, content), form="arrays")


_NODE = '<node id="{}" lat="30.2" lon="{}"/>'
_OSM_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
_OSM_NODES = "".join(_NODE.format(i, 120.1 + i * 0.001) for i in (1, 2, 3))
_WAY = '<way id="10">{}<tag k="{}" v="{}"/></way>'
_REFS = '<nd ref="1"/><nd ref="2"/><nd ref="3"/>'

#: the readers behind read_network(..., form="arrays"): pyosmium for OSM files
ARRAYS_FILES = [
    err(
        "arrays-empty-osm", "a 0-byte .osm, arrays form", lambda t: _ra(t, "roads.osm", b""), hc.InputError, "roads.osm"
    ),
    err(
        "arrays-corrupt-osm",
        "an .osm that is not XML, arrays form",
        lambda t: _ra(t, "roads.osm", "not xml"),
        hc.InputError,
        "roads.osm",
    ),
    err(
        "arrays-truncated-osm",
        "an .osm cut off in the middle of a way, arrays form",
        lambda t: _ra(t, "roads.osm", _OSM_HEAD + _OSM_NODES + '<way id="10"><nd ref="1"/><nd re'),
        hc.InputError,
        "roads.osm",
    ),
    err(
        "arrays-corrupt-pbf",
        "a .osm.pbf of text, arrays form",
        lambda t: _ra(t, "roads.osm.pbf", "hello"),
        hc.InputError,
        "roads.osm.pbf",
    ),
    err(
        "arrays-osm-no-highways",
        "an .osm whose only way is a building, arrays form",
        lambda t: _ra(t, "roads.osm", _OSM_HEAD + _OSM_NODES + _WAY.format(_REFS, "building", "yes") + "</osm>"),
        hc.EmptyInputError,
        "highway",
    ),
    warn(
        "arrays-osm-clipped",
        "an .osm whose way uses a node the file lacks, arrays form",
        lambda t: _ra(
            t,
            "roads.osm",
            _OSM_HEAD + _OSM_NODES + _WAY.format(_REFS + '<nd ref="99"/>', "highway", "residential") + "</osm>",
        ),
        hc.ClippedExtractWarning,
        "roads.osm",
        "99",
    ),
    err(
        "arrays-unknown-form",
        "read_network(..., form='igraph')",
        lambda t: hc.read_network(raw_line(3), form="igraph"),
        hc.InputError,
        "form=",
    ),
]

CASES = [*LINES, *GRAPHS, *FILES, *ARRAYS_FILES]
