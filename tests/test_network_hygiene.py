"""Network hygiene: noding of line layers, dropped roads, unknown classes, edge lengths, encodings, .gdb.

Tiny line layers in UTM 51N whose answers are worked out by hand in the comments, plus the
shared real data where it applies.
"""

from __future__ import annotations

import logging
import math
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pyogrio
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import healthcov as hc
from healthcov.io.vector import looks_like_gbk_mojibake
from healthcov.network.modes import clean_class, get_mode, known_classes
from healthcov.network.prepare import prepare_graph

X0, Y0 = 500_000.0, 3_300_000.0
CRS = "EPSG:32651"
PRIMARY_S_PER_KM = 3600 / 40  # 90 s: primary at 40 km/h
RESIDENTIAL_S_PER_KM = 3600 / 20  # 180 s: residential at 20 km/h


def _lines(rows: list[tuple], **cols) -> gpd.GeoDataFrame:
    """rows: (road class, [(dx, dy), …]) from (X0, Y0); extra per-row columns as keyword lists."""
    geoms = [shapely.LineString([(X0 + x, Y0 + y) for x, y in pts]) for _, pts in rows]
    return gpd.GeoDataFrame({"highway": [hw for hw, _ in rows], **cols}, geometry=geoms, crs=CRS)


def _pts(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


def _time_at(G: nx.MultiDiGraph, fac_xy: tuple[float, float], node_xy: tuple[float, float]) -> float:
    """Travel time (s) from a facility on a node to the node at ``node_xy`` (offsets from X0, Y0)."""
    tt = hc.travel_times(G, _pts(fac_xy), direction="from_facility")
    nodes = hc.nodes_frame(G)
    d = np.hypot(nodes.geometry.x - (X0 + node_xy[0]), nodes.geometry.y - (Y0 + node_xy[1]))
    return float(tt.loc[d.idxmin(), "travel_time_s"])


# ------------------------------------------------------------------------------------------
# noding
# ------------------------------------------------------------------------------------------

CROSS = [("primary", [(0, 0), (2000, 0)]), ("residential", [(1000, -1000), (1000, 1000)])]


def test_crossing_roads_without_a_shared_vertex_are_joined():
    G = hc.read_network(_lines(CROSS), mode="drive")
    info = hc.graph_info(G)
    # the crossing at (1000, 0) splits both roads: 5 nodes, 4 two-way pieces = 8 edges, nothing dropped
    assert G.number_of_nodes() == 5 and G.number_of_edges() == 8
    assert info["noding"]["crossings_noded"] == 1 and info["noding"]["pieces_added"] == 2
    assert info["dropped_nodes"] == 0 and info["dropped_km"] == 0.0
    assert info["road_km_before_scc"] == pytest.approx(4.0)
    # from (0, 0): 1 km of primary (90 s) then 1 km of residential (180 s) to (1000, 1000)
    assert _time_at(G, (0, 0), (1000, 1000)) == pytest.approx(PRIMARY_S_PER_KM + RESIDENTIAL_S_PER_KM)


def test_roads_sharing_an_inner_vertex_are_joined_there():
    # two polylines through (1000, 0) as an inner vertex of both: before noding only line ends became nodes
    rows = [("primary", [(0, 0), (1000, 0), (2000, 0)]), ("residential", [(1000, -1000), (1000, 0), (1000, 1000)])]
    G = hc.read_network(_lines(rows), mode="drive")
    assert G.number_of_nodes() == 5 and hc.graph_info(G)["noding"]["crossings_noded"] == 1
    assert _time_at(G, (2000, 0), (1000, -1000)) == pytest.approx(PRIMARY_S_PER_KM + RESIDENTIAL_S_PER_KM)


def test_without_noding_crossing_roads_stay_apart_and_the_loss_is_warned():
    with pytest.warns(hc.DisconnectedRoadsWarning, match=r"2\.0 km of 4\.0 km of road \(50\.0%\)"):
        G = hc.read_network(_lines(CROSS), mode="drive", node_crossings=False)
    info = hc.graph_info(G)
    assert G.number_of_nodes() == 2 and info["dropped_nodes"] == 2
    assert info["dropped_km"] == pytest.approx(2.0) and info["dropped_share"] == 0.5
    assert info["noding"]["crossings_left"] is None  # not looked for


def test_the_issue_grid_keeps_all_28_8_km():
    # 4 horizontal and 4 vertical streets of 3.6 km each (28.8 km), crossing without shared vertices
    rows = [("residential", [(0, y), (3600, y)]) for y in (300, 1300, 2300, 3300)]
    rows += [("residential", [(x, 0), (x, 3600)]) for x in (300, 1300, 2300, 3300)]
    G = hc.read_network(_lines(rows), mode="walk")
    info = hc.graph_info(G)
    assert info["noding"]["crossings_noded"] == 16
    assert info["road_km_before_scc"] == pytest.approx(28.8) and info["dropped_km"] == 0.0
    # 16 crossings + 16 ends = 32 nodes; each street cut into 5 pieces: 40 pieces, both ways for walking
    assert G.number_of_nodes() == 32 and G.number_of_edges() == 80
    with pytest.warns(hc.DisconnectedRoadsWarning, match=r"25\.2 km of 28\.8 km"):
        hc.read_network(_lines(rows), mode="walk", node_crossings=False)  # keeps one street: 3.6 km


@pytest.mark.parametrize(
    "cols",
    [{"bridge": ["no", "yes"]}, {"tunnel": [None, "T"]}, {"layer": [0, 1]}, {"桥梁": ["否", "是"]}],
    ids=["bridge", "tunnel", "layer", "chinese-bridge"],
)
def test_bridges_tunnels_and_layers_do_not_join(cols):
    with pytest.warns(hc.DisconnectedRoadsWarning, match=r"50\.0%"):
        G = hc.read_network(_lines(CROSS, **cols), mode="drive")
    noding = hc.graph_info(G)["noding"]
    assert noding["crossings_separated"] == 1 and noding["crossings_noded"] == 0
    assert noding["grade_separation_columns"] == list(cols)
    assert G.number_of_nodes() == 2


def test_a_road_joins_a_bridge_at_its_end_but_not_in_its_middle():
    # the bridge (1000,-1000)→(1000,1000); a street starts at its north end, another ends on its middle
    rows = [*CROSS, ("residential", [(1000, 1000), (2000, 1000)]), ("residential", [(1500, 0), (1500, 500)])]
    lines = _lines(rows, bridge=["no", "yes", "no", "no"])
    lines.loc[3, "geometry"] = shapely.LineString([(X0 + 500, Y0 + 500), (X0 + 1000, Y0 + 500)])
    with pytest.warns(hc.DisconnectedRoadsWarning):
        G = hc.read_network(lines, mode="drive")
    noding = hc.graph_info(G)["noding"]
    # crossing with the primary and the street ending on the bridge's middle: both separated
    assert noding["crossings_separated"] == 2 and noding["crossings_noded"] == 0
    assert noding["line_pairs_meeting"] == 3  # the third pair meets at the bridge's end: a shared vertex


def test_a_road_ending_half_a_metre_short_is_joined():
    rows = [("primary", [(0, 0), (2000, 0)]), ("residential", [(1000, 0.5), (1000, 1000)])]
    G = hc.read_network(_lines(rows), mode="drive")
    noding = hc.graph_info(G)["noding"]
    assert noding["dangles_joined"] == 1 and noding["pieces_added"] == 1
    assert G.number_of_nodes() == 4 and hc.graph_info(G)["dropped_nodes"] == 0
    # the residential end moved 0.5 m onto the primary: it is now 1,000 m long
    assert _time_at(G, (0, 0), (1000, 1000)) == pytest.approx(PRIMARY_S_PER_KM + RESIDENTIAL_S_PER_KM)
    with pytest.warns(hc.DisconnectedRoadsWarning, match=r"1\.0 km of 3\.0 km"):
        hc.read_network(_lines(rows), mode="drive", snap_tolerance_m=0.4)
    with pytest.warns(hc.DisconnectedRoadsWarning):
        hc.read_network(_lines(rows), mode="drive", snap_tolerance_m=0)


def test_two_roads_ending_0_3_m_apart_meet_at_one_node():
    rows = [("residential", [(0, 0), (1000, 0)]), ("residential", [(1000.3, 0), (2000, 0)])]
    G = hc.read_network(_lines(rows), mode="drive")
    assert G.number_of_nodes() == 3 and hc.graph_info(G)["noding"]["dangles_joined"] == 2
    assert sum(d["length"] for _, _, d in G.edges(data=True)) / 2 == pytest.approx(2000.0)
    assert _time_at(G, (0, 0), (2000, 0)) == pytest.approx(2 * RESIDENTIAL_S_PER_KM)


def test_a_short_spur_does_not_fold_back_onto_its_own_road():
    # a 5 m spur leaving the road at (1000, 0) and running 0.5 m beside it: it is a dead end, left alone
    rows = [("residential", [(0, 0), (2000, 0)]), ("service", [(1000, 0), (1000.1, 0.5), (1005, 0.5)])]
    G = hc.read_network(_lines(rows), mode="walk", node_crossings=False)
    assert hc.graph_info(G)["noding"]["dangles_joined"] == 0


def test_node_lines_directly_and_bad_arguments():
    out = hc.node_lines(shapely.linestrings([[(0, 5), (10, 5)], [(5, 0), (5, 10)], [(20, 0), (30, 0)]]))
    assert out.parent.tolist() == [0, 0, 1, 1, 2]
    assert sorted(shapely.length(out.geometry).round(6).tolist()) == [5, 5, 5, 5, 10]
    with pytest.raises(hc.InputError, match="node_crossings must be True, False or 'auto'"):
        hc.read_network(_lines(CROSS), node_crossings="yes please")
    with pytest.raises(hc.InputError, match="snap_tolerance_m must be a distance"):
        hc.read_network(_lines(CROSS), snap_tolerance_m=-1)


def test_an_already_noded_layer_keeps_its_overpasses_unless_told():
    # 20 streets meeting at shared ends (a noded layer) and one overpass crossing a street mid-way
    rows = [("residential", [(i * 100, 0), (i * 100 + 100, 0)]) for i in range(20)]
    rows += [("residential", [(i * 100, 0), (i * 100, 100)]) for i in range(21)]
    rows += [("trunk", [(450, -500), (450, 500)])]
    with pytest.warns(hc.DisconnectedRoadsWarning, match=r"1 crossings without a shared vertex .*node_crossings=True"):
        G = hc.read_network(_lines(rows), mode="drive")
    noding = hc.graph_info(G)["noding"]
    assert noding["crossings_left"] == 1 and noding["crossings_noded"] == 0
    G2 = hc.read_network(_lines(rows), mode="drive", node_crossings=True)
    assert hc.graph_info(G2)["noding"]["crossings_noded"] == 1 and hc.graph_info(G2)["dropped_nodes"] == 0


# ------------------------------------------------------------------------------------------
# dropped roads
# ------------------------------------------------------------------------------------------


def test_a_small_island_is_logged_not_warned(caplog):
    # 200 km of a two-way road plus a 1 km island: 0.5 % dropped, below the 1 % warning threshold
    rows = [("residential", [(0, 0), (200_000, 0)]), ("residential", [(0, 5000), (1000, 5000)])]
    with caplog.at_level(logging.INFO, logger="healthcov"):
        G = hc.read_network(_lines(rows), mode="walk")
    info = hc.graph_info(G)
    assert info["dropped_km"] == pytest.approx(1.0) and info["dropped_share"] == pytest.approx(1 / 201, abs=1e-5)
    assert "1.0 km of 201.0 km of road (0.5%)" in caplog.text


def test_points_near_a_dropped_island_name_the_real_cause():
    # mainland road along y = 0; an island road 400 m long at y = 1000, dropped (0.4 of 2.4 km)
    rows = [("residential", [(0, 0), (2000, 0)]), ("residential", [(0, 1000), (400, 1000)])]
    with pytest.warns(hc.DisconnectedRoadsWarning):
        G = hc.read_network(_lines(rows), mode="walk")
    homes = _pts((100, 1010), (300, 1010))
    with pytest.raises(hc.OffNetworkError, match=r"2 of 2 homes lie nearer to roads dropped") as exc:
        hc.snap_points(G, homes, max_snap_m=500, name="homes")
    assert "GCJ" not in str(exc.value)
    with pytest.warns(hc.IslandSnapWarning, match="1 of 2 homes .* routed from the kept roads"):
        hc.snap_points(G, _pts((100, 1010), (500, 5)), name="homes")


# ------------------------------------------------------------------------------------------
# road classes
# ------------------------------------------------------------------------------------------


def test_chinese_and_english_bureau_classes_get_their_speeds():
    assert clean_class("城市主干道") == "primary" and clean_class("Primary Road") == "primary"
    assert clean_class("城市快速路") == "trunk" and clean_class(" 县道 ") == "secondary"
    assert clean_class("Urban  Expressway") == "trunk" and clean_class("motorway_link") == "motorway_link"
    drive = get_mode("drive")
    for name, kph in [("城市主干道", 40), ("城市次干路", 35), ("城市支路", 30), ("高速公路", 80), ("村道", 25)]:
        assert drive.speed_for(name) == kph, name
    assert {"primary", "footway"} <= known_classes(get_mode("walk"))


def test_unknown_classes_are_warned_with_their_km_and_fallback_speed():
    rows = [("城市主干道", [(0, 0), (1000, 0)]), ("Primary Road", [(1000, 0), (3000, 0)])]
    rows += [("mystery", [(3000, 0), (3500, 0)]), (None, [(3500, 0), (3800, 0)])]
    with pytest.warns(
        hc.UnknownRoadClassWarning, match=r"fallback speed 25 km/h: 'mystery' 0\.5 km; '\(no class\)' 0\.3 km"
    ):
        G = hc.read_network(_lines(rows), mode="drive")
    info = hc.graph_info(G)
    assert info["unknown_classes_km"] == {"mystery": 0.5, "(no class)": 0.3}
    # 城市主干道 and "Primary Road" are primary (40 km/h): 3 km in 270 s; then 0.8 km at 25 km/h (115.2 s)
    assert _time_at(G, (0, 0), (3000, 0)) == pytest.approx(3 * PRIMARY_S_PER_KM)
    assert _time_at(G, (0, 0), (3800, 0)) == pytest.approx(3 * PRIMARY_S_PER_KM + 800 / (25 / 3.6))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hc.read_network(_lines(rows), mode="drive", speeds={"mystery": 30, "(no class)": 10})


def test_mojibake_classes_are_flagged():
    garbled = "城市主干道".encode("gbk").decode("latin-1")
    with pytest.warns(hc.UnknownRoadClassWarning, match="encoding='gb18030'"):
        hc.read_network(_lines([(garbled, [(0, 0), (1000, 0)])]), mode="drive")
    assert looks_like_gbk_mojibake([garbled]) and not looks_like_gbk_mojibake(["Müllerstraße", "城市主干道"])


# ------------------------------------------------------------------------------------------
# edge lengths
# ------------------------------------------------------------------------------------------


def _square(lengths: dict | float | None, geometry: bool = True) -> nx.MultiDiGraph:
    """A 1 km square, two-way; each edge carries ``length`` (or not) and a straight geometry."""
    G = nx.MultiDiGraph(crs=CRS)
    corners = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]
    for i, (x, y) in enumerate(corners):
        G.add_node(i, x=X0 + x, y=Y0 + y)
    for i in range(4):
        j = (i + 1) % 4
        for a, b in ((i, j), (j, i)):
            attrs = {"highway": "residential"}
            value = lengths.get((a, b), 1000.0) if isinstance(lengths, dict) else lengths
            if value is not None:
                attrs["length"] = value
            if geometry:
                attrs["geometry"] = shapely.LineString(
                    [(G.nodes[a]["x"], G.nodes[a]["y"]), (G.nodes[b]["x"], G.nodes[b]["y"])]
                )
            G.add_edge(a, b, **attrs)
    return G


def test_lengths_in_kilometres_are_an_error_naming_the_column_and_the_fix():
    with pytest.raises(hc.EdgeLengthError, match=r"'length' are a median 0\.001 .*kilometres.*recompute_length=True"):
        hc.read_network(_square(1.0), mode="drive")
    G = hc.read_network(_square(1.0), mode="drive", recompute_length=True)
    assert {d["length"] for _, _, d in G.edges(data=True)} == {1000.0}
    assert hc.graph_info(G)["length_column"] == "geometry"


def test_zero_and_too_short_lengths_are_measured_from_the_geometry_with_a_warning():
    bad = {(0, 1): 0.0, (1, 0): 0.0, (1, 2): 500.0}
    with pytest.warns(hc.EdgeLengthWarning, match=r"3 of 8 edges .*0 missing.*3 zero or shorter"):
        G = hc.read_network(_square(bad), mode="drive")
    assert {d["length"] for _, _, d in G.edges(data=True)} == {1000.0}
    assert hc.graph_info(G)["lengths_recomputed"] == 3
    # without geometries, a length shorter than the straight line is kept (node positions may be rough)
    G = hc.read_network(_square({(1, 2): 800.0}, geometry=False), mode="drive")
    assert G.edges[1, 2, 0]["length"] == 800.0
    # a graph without any length is measured silently (nothing to contradict)
    G = hc.read_network(_square(None, geometry=False), mode="drive")
    assert G.edges[0, 1, 0]["length"] == pytest.approx(1000.0)


def test_another_length_column_and_line_layer_lengths():
    G = _square(None)
    for _, _, d in G.edges(data=True):
        d["len_m"] = 1100.0  # a winding road drawn straight
    H = hc.read_network(G, mode="drive", length_column="len_m")
    assert {d["length"] for _, _, d in H.edges(data=True)} == {1100.0}
    # line layers: the geometry by default; a column when named, shared out over noded pieces
    lines = _lines(CROSS, len_km=[2.0, 2.0], len_m=[2200.0, 2000.0])
    with pytest.raises(hc.EdgeLengthError, match="'len_km'"):
        hc.read_network(lines, mode="drive", length_column="len_km")
    L = hc.read_network(lines, mode="drive", length_column="len_m")
    assert sorted({round(d["length"], 6) for _, _, d in L.edges(data=True)}) == [1000.0, 1100.0]
    with pytest.raises(hc.MissingColumnError, match="length_column column 'nope' not found"):
        hc.read_network(lines, mode="drive", length_column="nope")


# ------------------------------------------------------------------------------------------
# encodings and File Geodatabases
# ------------------------------------------------------------------------------------------

GBK_ROWS = [("城市主干道", [(0, 0), (1000, 0)]), ("城市支路", [(1000, 0), (1000, 1000)])]


def _gbk_shapefile(tmp_path, cpg: bool):
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "道路.shp"
    _lines(GBK_ROWS).rename(columns={"highway": "道路等级"}).to_file(path, encoding="GBK")
    if not cpg:
        path.with_suffix(".cpg").unlink()
    return path


def test_gbk_shapefile_without_cpg_is_read_as_gb18030_with_a_warning(tmp_path):
    path = _gbk_shapefile(tmp_path, cpg=False)
    with pytest.warns(hc.TextEncodingWarning, match="no .cpg file"):
        G = hc.read_network(path, mode="drive")
    assert sorted({d["highway"] for _, _, d in G.edges(data=True)}) == ["城市主干道", "城市支路"]
    # primary (90 s per km) then tertiary (30 km/h: 120 s per km)
    assert _time_at(G, (0, 0), (1000, 1000)) == pytest.approx(90 + 120)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(hc.read_vector(path, encoding="gbk")) == 2
        assert list(hc.read_vector(_gbk_shapefile(tmp_path / "c", cpg=True))["道路等级"]) == ["城市主干道", "城市支路"]
        G = hc.read_network(path, mode="drive", encoding="gbk")
        assert hc.graph_info(G)["unknown_classes_km"] == {}
    with pytest.raises(hc.InputError, match="unknown encoding 'klingon'"):
        hc.read_vector(path, encoding="klingon")


def test_gbk_geojson_is_read_as_gb18030_with_a_warning(tmp_path):
    path = tmp_path / "roads.geojson"
    path.write_bytes(_lines(GBK_ROWS).to_crs(4326).to_json(ensure_ascii=False).encode("gbk"))
    with pytest.warns(hc.TextEncodingWarning, match=r"not UTF-8, so it was read as GB18030"):
        G = hc.read_network(path, mode="drive")
    assert _time_at(G, (0, 0), (1000, 1000)) == pytest.approx(90 + 120, rel=1e-3)


def test_nan_coordinates_are_an_error_naming_the_rows():
    lines = _lines(CROSS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # shapely notes the NaN it is asked to store
        lines.loc[1, "geometry"] = shapely.LineString([(X0, Y0), (np.nan, Y0)])
    with pytest.raises(hc.InvalidGeometryError, match=r"rows 1 have NaN or infinite coordinates"):
        hc.read_network(lines)


def test_file_geodatabase_layers(tmp_path):
    gdb = tmp_path / "roads.gdb"
    _lines(CROSS).to_file(gdb, driver="OpenFileGDB", layer="roads")
    _pts((0, 0)).assign(name=["clinic"]).to_file(gdb, driver="OpenFileGDB", layer="clinics")
    assert dict(pyogrio.list_layers(gdb).tolist()) == {"roads": "MultiLineString", "clinics": "Point"}
    G = hc.read_network(gdb, mode="drive")  # the one line layer is chosen
    assert G.number_of_nodes() == 5 and hc.graph_info(G)["mode"]["name"] == "drive"
    _lines(CROSS[:1]).to_file(gdb, driver="OpenFileGDB", layer="rail")
    with pytest.raises(hc.NetworkError, match=r"holds 3 layers: .*'roads'.*layer="):
        hc.read_network(gdb, mode="drive")
    assert hc.read_network(gdb, mode="walk", layer="roads").number_of_nodes() == 5
    with pytest.raises(hc.NetworkError, match=r"cannot read road lines .*'nope'"):
        hc.read_network(gdb, layer="nope")


def test_unreadable_vector_files_are_clear_errors(tmp_path):
    broken = tmp_path / "roads.gpkg"
    broken.write_bytes(b"this is not a GeoPackage")
    with pytest.raises(hc.NetworkError, match=r"cannot open .*roads\.gpkg"):
        hc.read_network(broken)
    with pytest.raises(hc.DataNotFoundError):
        hc.read_vector(tmp_path / "missing.shp")


# ------------------------------------------------------------------------------------------
# every graph carries its mode
# ------------------------------------------------------------------------------------------


def test_every_reader_records_the_mode(tmp_path, dalian_drive):
    assert dalian_drive.graph["healthcov"]["mode"]["name"] == "drive"
    sources = {
        "osm": hc.datasets.path("west_oakland_osm"),
        "cbengine": hc.datasets.path("nanchang_cbengine"),
        "lines": _lines(CROSS),
        "networkx": _square(1000.0),
    }
    for label, src in sources.items():
        for mode in ("walk", "ambulance"):
            G = hc.read_network(src, mode=mode)
            assert G.graph["healthcov"]["mode"]["name"] == mode, (label, mode)
    G = prepare_graph(_square(1000.0), get_mode("bike"))
    assert G.graph["healthcov"]["mode"]["name"] == "bike"
    again = hc.read_network(hc.read_network(_square(1000.0), mode="walk"), mode="ebike")
    assert again.graph["healthcov"]["mode"]["name"] == "ebike"


@pytest.mark.slow
def test_pbf_records_the_mode():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.DisconnectedRoadsWarning)
        warnings.simplefilter("ignore", hc.ClippedExtractWarning)
        G = hc.read_network(hc.datasets.path("helsinki_pbf"), mode="walk")
    assert G.graph["healthcov"]["mode"]["name"] == "walk"


def test_road_km_counts_two_way_roads_once():
    G = hc.read_network(_lines(CROSS), mode="walk")
    total = sum(d["length"] for _, _, d in G.edges(data=True)) / 1000
    assert total == pytest.approx(8.0) and hc.graph_info(G)["road_km_before_scc"] == pytest.approx(4.0)
    assert math.isclose(hc.graph_info(G)["length_km"], 8.0)


# ------------------------------------------------------------------------------------------
# invariants of noding (property-based)
# ------------------------------------------------------------------------------------------

_segment = st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20), st.integers(0, 20)).filter(
    lambda s: (s[0], s[1]) != (s[2], s[3])
)


def _interior_crossings(pieces: np.ndarray) -> int:
    """Pairs of pieces meeting at a point that is not an end of both (what noding must remove)."""
    i, j = shapely.STRtree(pieces).query(pieces, predicate="intersects")
    keep = i < j
    inter = shapely.intersection(pieces[i[keep]], pieces[j[keep]])
    parts, which = shapely.get_parts(inter, return_index=True)
    pts = shapely.get_type_id(parts) == 0
    a, b, p = i[keep][which[pts]], j[keep][which[pts]], parts[pts]
    ends = [shapely.get_point(pieces, 0), shapely.get_point(pieces, -1)]
    at_a = (shapely.distance(p, ends[0][a]) < 1e-6) | (shapely.distance(p, ends[1][a]) < 1e-6)
    at_b = (shapely.distance(p, ends[0][b]) < 1e-6) | (shapely.distance(p, ends[1][b]) < 1e-6)
    return int((~(at_a & at_b)).sum())


@settings(max_examples=100, deadline=None)
@given(st.lists(_segment, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_noding_leaves_no_crossing_keeps_length_and_ignores_row_order(segments, rnd):
    lines = shapely.linestrings([[(x0 * 10.0, y0 * 10.0), (x1 * 10.0, y1 * 10.0)] for x0, y0, x1, y1 in segments])
    out = hc.node_lines(lines, snap_tolerance_m=0, node_crossings=True)
    # every point where two pieces meet is an end of both (collinear overlaps aside: they are not points)
    assert _interior_crossings(out.geometry) == 0
    # nothing is lost or added: each row's pieces add up to the row's length
    per_row = np.bincount(out.parent, shapely.length(out.geometry), minlength=len(lines))
    np.testing.assert_allclose(per_row, shapely.length(lines), atol=1e-6)
    # the same pieces whatever the order of the rows
    order = list(range(len(lines)))
    rnd.shuffle(order)
    again = hc.node_lines(lines[order], snap_tolerance_m=0, node_crossings=True)
    key = sorted(shapely.to_wkt(shapely.normalize(out.geometry), rounding_precision=6))
    assert key == sorted(shapely.to_wkt(shapely.normalize(again.geometry), rounding_precision=6))
