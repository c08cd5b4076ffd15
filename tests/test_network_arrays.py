"""``read_network(form="arrays")`` equals ``form="networkx"`` on every reader, and read_networks reads once.

Line layers are built straight into arrays (:mod:`healthcov.io.line_topology`, no networkx
graph); OSM XML, GraphML and CBEngine go through the generic path (``raw_from_networkx``).
For each source and mode the two forms must give the same node ids and coordinates, the same
edge multiset (u, v, length to 1e-9 m, travel time to 1e-9 s), the same
``graph["healthcov"]`` record (float sums to 1e-9 relative), the same warnings (classes and
counts) and the same travel times from 20 points.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import healthcov as hc
from healthcov.io import multimode
from healthcov.io.line_topology import line_layer, lines_topology, read_topology

# the synthetic layer has a duplicate row, a row without class and an island on purpose:
# assert_same counts these warnings in both forms
pytestmark = [
    pytest.mark.filterwarnings("ignore::healthcov.RoadLinesDroppedWarning"),
    pytest.mark.filterwarnings("ignore::healthcov.UnknownRoadClassWarning"),
    pytest.mark.filterwarnings("ignore::healthcov.DisconnectedRoadsWarning"),
]
MODES = ("walk", "drive", "ambulance")
UTM = "EPSG:32651"


# -- comparison helpers ---------------------------------------------------------------------------
def _read(source: Any, form: str, **kw: Any) -> tuple[Any, Counter]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        G = hc.read_network(source, form=form, **kw)
    return G, Counter(w.category.__name__ for w in caught)


def _nx_nodes(G: nx.MultiDiGraph) -> pd.DataFrame:
    ids = list(G.nodes)
    return pd.DataFrame(
        {"x": [G.nodes[n]["x"] for n in ids], "y": [G.nodes[n]["y"] for n in ids]}, index=pd.Index(ids)
    ).sort_index()


def _net_nodes(net: hc.Network) -> pd.DataFrame:
    a = net.arrays
    return pd.DataFrame({"x": a.x, "y": a.y}, index=pd.Index(a.node_ids.tolist())).sort_index()


def _nx_edges(G: nx.MultiDiGraph) -> pd.DataFrame:
    rows = [(u, v, d["length"], d["travel_time"]) for u, v, d in G.edges(data=True)]
    df = pd.DataFrame(rows, columns=["u", "v", "length", "travel_time"])
    return df.sort_values(["u", "v", "length", "travel_time"]).reset_index(drop=True)


def _net_edges(net: hc.Network) -> pd.DataFrame:
    a = net.arrays
    ids = a.node_ids
    df = pd.DataFrame({"u": ids[a.u], "v": ids[a.v], "length": a.length, "travel_time": a.travel_time})
    df["u"], df["v"] = df["u"].tolist(), df["v"].tolist()  # plain ids, as networkx holds them
    return df.sort_values(["u", "v", "length", "travel_time"]).reset_index(drop=True)


def _same_record(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert sorted(a) == sorted(b), f"{path}: keys {sorted(set(a) ^ set(b))} differ"
        for k in a:
            _same_record(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            _same_record(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float) and not (math.isnan(a) and math.isnan(b)):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), f"{path}: {a} != {b}"
    elif isinstance(a, float) and isinstance(b, float):
        pass  # both NaN
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _record(G: Any) -> dict[str, Any]:
    info = dict(G.graph["healthcov"])
    # the dropped nodes are the same set: the arrays form lists them in node order
    for k in ("dropped_node_ids", "dropped_node_xy"):
        if k in info:
            info[k] = sorted(info[k])
    return info


def _points(G: nx.MultiDiGraph, k: int = 20, seed: int = 7) -> gpd.GeoDataFrame:
    nodes = _nx_nodes(G)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(nodes), size=min(k, len(nodes)), replace=False)
    xy = nodes.to_numpy()[pick] + rng.uniform(-15, 15, size=(len(pick), 2))
    return gpd.GeoDataFrame(
        {"name": [f"p{i}" for i in range(len(pick))]}, geometry=gpd.points_from_xy(*xy.T), crs=G.graph["crs"]
    )


def assert_same(source: Any, **kw: Any) -> tuple[nx.MultiDiGraph, hc.Network]:
    """Both forms of ``read_network(source, **kw)``: nodes, edges, record, warnings and travel times equal."""
    G, w_nx = _read(source, "networkx", **kw)
    net, w_arr = _read(source, "arrays", **kw)
    assert isinstance(net, hc.Network)
    assert w_arr == w_nx
    pd.testing.assert_frame_equal(_net_nodes(net), _nx_nodes(G), check_exact=True)
    e_nx, e_arr = _nx_edges(G), _net_edges(net)
    assert len(e_arr) == len(e_nx)
    assert (e_arr[["u", "v"]].to_numpy() == e_nx[["u", "v"]].to_numpy()).all()
    np.testing.assert_allclose(e_arr["length"], e_nx["length"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(e_arr["travel_time"], e_nx["travel_time"], rtol=0, atol=1e-9)
    assert net.graph["crs"] == G.graph["crs"]
    _same_record(_record(G), _record(net))
    pts = _points(G)
    t_nx = hc.travel_times(G, pts)
    t_arr = hc.travel_times(net, pts)
    t_nx, t_arr = t_nx.sort_index(), t_arr.sort_index()
    assert list(t_arr.index) == list(t_nx.index)
    np.testing.assert_allclose(t_arr["travel_time_s"], t_nx["travel_time_s"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(t_arr["dist_m"], t_nx["dist_m"], rtol=1e-9, atol=1e-9)
    assert t_arr["facility"].tolist() == t_nx["facility"].tolist()  # pd.NA (none reachable) is one object
    return G, net


# -- synthetic line layers ------------------------------------------------------------------------
X0, Y0 = 650_000.0, 3_300_000.0  # in Zhejiang, UTM zone 51N: the layer stays in its own CRS


def _line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def _grid_layer() -> gpd.GeoDataFrame:
    """A 5×5 block grid drawn as long lines that cross without shared vertices (noding needed),
    with one-way rows (yes, -1, TF, FT), a speed column, a duplicate row, a zero-length row, a
    dangling end 0.6 m short of a road, an island far away and a bent (shaped) road."""
    rows: list[tuple[shapely.LineString, str, str, Any]] = []
    for i in range(6):
        c = i * 100.0
        rows.append((_line((0, c), (500, c)), "secondary" if i % 2 else "residential", "no", None))
        rows.append((_line((c, 0), (c, 500)), "primary" if i == 3 else "residential", "no", "40"))
    rows += [
        (_line((50, 50), (50, 99.4)), "service", "yes", None),  # dangling 0.6 m short of y=100
        (_line((150, 20), (150, 80)), "residential", "-1", "20 km/h"),
        (_line((150, 80), (180, 80)), "residential", "TF", None),
        (_line((180, 80), (180, 20), (150, 20)), "residential", "FT", None),
        (_line((250, 50), (270, 50)), "tertiary", "", None),
        (_line((250, 50), (270, 50)), "tertiary", "", None),  # exact duplicate
        (_line((330, 330), (330, 330.001)), "residential", "no", None),  # zero length
        (_line((5000, 5000), (5100, 5000), (5100, 5100)), "residential", "no", None),  # island
        (_line((300, 150), (360, 160), (400, 150)), "footway", "no", None),
        (_line((420, 420), (480, 440)), None, "no", None),  # no class
    ]
    geoms, hw, ow, sp = zip(*rows)
    return gpd.GeoDataFrame({"highway": hw, "oneway": ow, "maxspeed_kph": sp}, geometry=list(geoms), crs=UTM)


def _directed_layer() -> gpd.GeoDataFrame:
    """Each row one travel direction: most roads drawn twice, once each way, one of them bent."""
    ab = [((0, 0), (100, 0)), ((100, 0), (100, 100)), ((100, 100), (0, 100)), ((0, 100), (0, 0)), ((0, 0), (100, 100))]
    geoms, hw = [], []
    for k, (a, b) in enumerate(ab):
        geoms.append(_line(a, b))
        hw.append("primary" if k == 4 else "residential")
        if k != 2:  # the top road is one-way: drawn once
            geoms.append(_line(b, (50.0, 50.0 + 10 * k), a) if k == 0 else _line(b, a))
            hw.append(hw[-1])
    return gpd.GeoDataFrame({"fclass": hw}, geometry=geoms, crs=UTM)


def _lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.set_crs(UTM, allow_override=True).to_crs(4326)


@pytest.mark.parametrize("mode", MODES)
def test_grid_layer_with_one_way_speed_duplicates_noding_and_an_island(mode):
    gdf = _grid_layer()
    _G, net = assert_same(gdf, mode=mode, speed="maxspeed_kph")
    noding = net.graph["healthcov"]["noding"]
    assert noding["crossings_noded"] > 0 and noding["dangles_joined"] >= 1
    a = net.arrays  # the end 0.6 m short of y=100 was joined onto that road
    assert np.hypot(a.x - X0 - 50.0, a.y - Y0 - 100.0).min() < 1e-6
    assert noding["duplicate_lines_dropped"] == 1 and noding["zero_length_lines_dropped"] == 1
    assert net.graph["healthcov"]["dropped_km"] > 0  # the island


def test_grid_layer_written_to_a_geopackage_in_lonlat(tmp_path):
    path = tmp_path / "roads.gpkg"
    _lonlat(_grid_layer()).to_file(path, layer="roads")
    for mode in MODES:
        assert_same(path, mode=mode, speed="maxspeed_kph", node_crossings=True)


def test_length_column_and_recompute(tmp_path):
    gdf = _grid_layer()
    gdf["len_m"] = gdf.geometry.length * 1.02
    gdf.loc[3, "len_m"] = np.nan
    assert_same(gdf, mode="drive", length_column="len_m")
    assert_same(gdf, mode="drive", recompute_length=True, largest_component=False)


@pytest.mark.parametrize("mode", MODES)
def test_directed_layer(mode):
    _G, net = assert_same(_directed_layer(), mode=mode)
    assert net.graph["healthcov"]["noding"] is not None


def test_directed_given_and_to_crs():
    assert_same(_directed_layer(), mode="drive", directed=False, to_crs="EPSG:3857")


def test_lines_topology_rows_match_the_layer():
    gdf = _grid_layer()
    with pytest.warns(hc.RoadLinesDroppedWarning, match="1 of 22 rows"):
        raw = lines_topology(gdf, speed="maxspeed_kph")
    lay = line_layer(gdf, speed="maxspeed_kph")
    assert raw.n == len(lay.node_xy) and raw.rows == len(lay.gdf)
    assert not raw.directed
    # unshaped rows run exactly node to node; shaped ones keep their own vertices
    flat = np.flatnonzero(~raw.shaped)
    np.testing.assert_array_equal(raw.coords[raw.offsets[flat]], np.column_stack([raw.x, raw.y])[raw.u[flat]])
    np.testing.assert_array_equal(raw.coords[raw.offsets[flat + 1] - 1], np.column_stack([raw.x, raw.y])[raw.v[flat]])
    assert ((np.diff(raw.offsets)[flat]) == 2).all() and (np.diff(raw.offsets)[raw.shaped] > 2).all()
    # -1 / TF run against the row, yes / FT along it; nothing else is one-way
    ow = lay.gdf["oneway"].str.lower()
    assert (raw.backward == ow.isin(["-1", "tf"]).to_numpy()).all()
    assert (raw.forward == ow.isin(["yes", "ft"]).to_numpy()).all()
    assert "(no class)" in set(raw.highway)
    np.testing.assert_allclose(raw.length, lay.gdf.geometry.length, rtol=0, atol=0)


def test_node_ids_are_numpy_unique_order_of_rounded_ends():
    """The integer-key node numbering equals the original np.unique(axis=0) of ends rounded to 1 cm."""
    lay = line_layer(hc.read_vector(hc.datasets.path("jinan_edges")).set_crs(4326))
    exact = np.vstack([lay.coords[lay.first], lay.coords[lay.last]])
    _, first_seen, inv = np.unique(exact.round(2), axis=0, return_index=True, return_inverse=True)
    np.testing.assert_array_equal(lay.node_xy, exact[first_seen])
    np.testing.assert_array_equal(lay.u, inv.ravel()[: len(lay.first)])
    np.testing.assert_array_equal(lay.v, inv.ravel()[len(lay.first) :])


def test_arrays_form_builds_no_networkx_graph_for_a_line_layer(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("a networkx graph was built")

    monkeypatch.setattr(nx.MultiDiGraph, "add_edge", refuse)
    monkeypatch.setattr(nx.MultiDiGraph, "add_node", refuse)
    net = hc.read_network(_grid_layer(), mode="drive", form="arrays")
    assert net.number_of_edges() > 0


def test_bad_line_layers_give_the_same_errors_in_both_forms():
    gdf = _grid_layer()
    gdf.loc[0, "oneway"] = "sometimes"
    for form in ("networkx", "arrays"):
        with pytest.raises(hc.InputError, match="sometimes"):
            hc.read_network(gdf, form=form)
    for form in ("networkx", "arrays"):
        with pytest.raises(hc.InputError, match="speed column"):
            hc.read_network(_grid_layer().assign(maxspeed_kph="fast"), speed="maxspeed_kph", form=form)
        with pytest.raises(hc.InputError, match="snap_tolerance_m"):
            hc.read_network(_grid_layer(), snap_tolerance_m=500, form=form)


# -- shared datasets ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_jinan_shapefile(data_dir, mode):
    G, net = assert_same(hc.datasets.path("jinan_edges"), mode=mode)
    assert net.number_of_nodes() == G.number_of_nodes() > 10_000


@pytest.mark.parametrize("name", ["dalian_graphml", "shenzhen_graphml", "nanchang_cbengine"])
@pytest.mark.parametrize("mode", MODES)
def test_generic_readers(data_dir, name, mode):
    assert_same(hc.datasets.path(name), mode=mode)


def test_shanghai_osm(data_dir):
    for mode in MODES:
        assert_same(hc.datasets.path("shanghai_network"), mode=mode)


def test_read_topology_of_a_graph_and_of_cbengine(data_dir):
    raw, label, flag = read_topology(hc.datasets.path("nanchang_cbengine"))
    assert flag is True and raw.directed and label.endswith(".txt")
    raw, label, flag = read_topology(_grid_layer(), speed="maxspeed_kph")
    assert flag is True and label == "GeoDataFrame of roads"
    raw, label, flag = read_topology(_grid_layer())
    assert flag is None and not raw.directed


# -- read_networks(form="arrays") -----------------------------------------------------------------
def _same_networks(nets: dict[str, hc.Network], source: Any, **kw: Any) -> None:
    for mode, net in nets.items():
        one = hc.read_network(source, mode=mode, form="arrays", **kw)
        pd.testing.assert_frame_equal(_net_nodes(net), _net_nodes(one), check_exact=True)
        pd.testing.assert_frame_equal(_net_edges(net), _net_edges(one), check_exact=True)
        _same_record(_record(one), _record(net))


@pytest.mark.parametrize("name", ["jinan_edges", "dalian_graphml", "nanchang_cbengine"])
def test_read_networks_arrays_equals_read_network_per_mode(data_dir, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nets = hc.read_networks(hc.datasets.path(name), modes=MODES, form="arrays")
        assert sorted(nets) == sorted(MODES)
        _same_networks(nets, hc.datasets.path(name))


def test_read_networks_arrays_reads_a_line_layer_once(monkeypatch):
    import healthcov.io.line_topology as lt

    calls = []
    real = lt.lines_topology
    monkeypatch.setattr(lt, "lines_topology", lambda *a, **k: calls.append(1) or real(*a, **k))
    gdf = _grid_layer()
    nets = hc.read_networks(gdf, modes=MODES, form="arrays", speed="maxspeed_kph")
    assert len(calls) == 1
    _same_networks(nets, gdf, speed="maxspeed_kph")


def test_read_networks_arrays_of_osm_and_a_graph(data_dir):
    p = hc.datasets.path("shanghai_network")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nets = hc.read_networks(p, modes=("walk", "ambulance"), form="arrays")
        _same_networks(nets, p)
    G = nx.MultiDiGraph(crs="EPSG:32651")
    G.add_node(1, x=0.0, y=0.0)
    G.add_node(2, x=100.0, y=0.0)
    G.add_edge(1, 2, highway="primary", length=100.0, oneway=True)
    G.add_edge(2, 1, highway="primary", length=100.0, oneway=True)
    nets = hc.read_networks(G, modes=("walk", "drive"), form="arrays")
    # walk ignores one-way: each one-way edge gets its reverse, as in the networkx form
    assert {m: n.number_of_edges() for m, n in nets.items()} == {"walk": 4, "drive": 2}
    assert hc.read_network(G, mode="walk").number_of_edges() == 4
    # 100 m of primary at the drive speed, both ways
    assert np.allclose(nets["drive"].arrays.travel_time, 100 / (nets["drive"].edge_data["speed_kph"] / 3.6))


def test_read_networks_rejects_an_unknown_form():
    with pytest.raises(hc.InputError, match="form"):
        hc.read_networks(_grid_layer(), modes=("walk",), form="igraph")


def test_read_networks_networkx_form_is_unchanged(monkeypatch):
    seen = []
    monkeypatch.setattr(
        multimode, "read_network", lambda source, mode, **kw: seen.append((mode, kw)) or nx.MultiDiGraph()
    )
    hc.read_networks(_grid_layer(), modes=("walk", "drive"))
    assert [m for m, _ in seen] == ["walk", "drive"]


# -- the vectorised pieces keep their results -----------------------------------------------------
def test_fast_road_km_equals_hygiene_road_km():
    from healthcov.network.build import fast_dropped_summary, fast_road_km
    from healthcov.network.hygiene import dropped_summary, road_km

    rng = np.random.default_rng(0)
    for n, m in ((3, 10), (50, 400), (5000, 20000)):
        u, v = rng.integers(0, n, m), rng.integers(0, n, m)
        u[1::2] = v[::2][: len(u[1::2])]  # many reverse twins
        length = np.round(rng.uniform(0, 30, m), 2)
        length[::7], length[::11] = np.nan, -0.0
        assert fast_road_km(u, v, length) == road_km(u, v, length)  # the same sum, to the last bit
        keep = rng.random(n) < 0.8
        assert fast_dropped_summary(u, v, length, keep, n) == dropped_summary(u, v, length, keep, n)
    # node numbers too large for one integer key, and a length too large for one: the fallback orders
    u, v = np.array([2**40, 3, 2**40, 3]), np.array([3, 2**40, 5, 5])
    length = np.array([10.0, 10.0, 1e300, 1.0])
    assert fast_road_km(u, v, length) == road_km(u, v, length)
    # by hand: 3-4 both ways (100 m, once), 4-5 one way (50 m), a 3-4 of another length (20 m)
    u, v, length = np.array([3, 4, 4, 3]), np.array([4, 3, 5, 4]), np.array([100.0, 100.0, 50.0, 20.0])
    assert fast_road_km(u, v, length) == pytest.approx(0.17)


def test_node_lines_refuses_what_is_not_a_line():
    for bad in ([shapely.Point(0, 0)], [None], ["LINESTRING (0 0, 1 1)"]):
        with pytest.raises(hc.InputError, match="LineStrings"):
            hc.node_lines(np.array(bad, dtype=object))


def test_node_lines_gives_two_dimensional_pieces():
    lines = [shapely.LineString([(0, 0, 5), (10, 0, 5)]), shapely.LineString([(10, 0, 1), (10, 10, 1)])]
    out = hc.node_lines(lines)
    assert not shapely.has_z(out.geometry).any()
    assert [list(g.coords) for g in out.geometry] == [[(0.0, 0.0), (10.0, 0.0)], [(10.0, 0.0), (10.0, 10.0)]]


def test_unique_inverse_equals_numpy_unique():
    from healthcov.network.noding import unique_inverse

    rng = np.random.default_rng(2)
    for n in (1, 7, 5000):
        x = rng.integers(-20, 20, n)
        for got, want in zip(
            unique_inverse(x), np.unique(x, return_index=True, return_inverse=True, return_counts=True)
        ):
            np.testing.assert_array_equal(got, np.asarray(want).ravel())
    uniq, first, inv, counts = unique_inverse(np.array([5, 3, 5, 9, 3, 3]))
    assert (uniq.tolist(), first.tolist(), inv.tolist(), counts.tolist()) == (
        [3, 5, 9],
        [1, 0, 3],
        [1, 0, 1, 2, 0, 0],
        [3, 2, 1],
    )


def test_crossings_found_in_blocks_equal_one_query(monkeypatch):
    from healthcov.network import noding

    lines = _grid_layer().geometry.values
    whole = hc.node_lines(lines, node_crossings=True)
    monkeypatch.setattr(noding, "QUERY_CHUNK", 3)
    blocks = hc.node_lines(lines, node_crossings=True)
    assert whole.stats == blocks.stats and whole.stats["crossings_noded"] == 35
    assert (whole.parent == blocks.parent).all()
    assert all(shapely.equals_exact(whole.geometry, blocks.geometry, 0.0))


def test_lines_topology_leaves_the_callers_frame_alone_unless_told():
    gdf = _grid_layer()
    before = gdf.copy()
    raw = lines_topology(gdf, speed="maxspeed_kph")
    pd.testing.assert_frame_equal(gdf, before)
    again = lines_topology(gdf, speed="maxspeed_kph", release_input=True)  # a frame read only for this
    assert list(gdf.columns) == ["highway", "oneway", "maxspeed_kph"]
    np.testing.assert_array_equal(again.coords, raw.coords)
    np.testing.assert_array_equal(again.u, raw.u)


def test_arrays_form_warnings_name_the_callers_line():
    for call in (
        lambda: hc.read_network(_grid_layer(), mode="walk", form="arrays"),
        lambda: hc.read_networks(_grid_layer(), modes=("walk",), form="arrays"),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        kinds = {w.category.__name__: w.filename for w in caught}
        assert {"RoadLinesDroppedWarning", "UnknownRoadClassWarning", "DisconnectedRoadsWarning"} <= set(kinds)
        for kind in ("UnknownRoadClassWarning", "DisconnectedRoadsWarning"):
            assert kinds[kind] == __file__, (kind, kinds[kind])


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_pbf(mode):
    assert_same(hc.datasets.helsinki_pbf(), mode=mode)


def test_read_networks_arrays_reads_a_pbf_once(monkeypatch):
    import healthcov.io.line_topology as lt

    seen = []
    real = lt.read_topology
    monkeypatch.setattr(lt, "read_topology", lambda *a, **k: seen.append(k["mode"].name) or real(*a, **k))
    p = hc.datasets.helsinki_pbf()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nets = hc.read_networks(p, modes=MODES, form="arrays")
        assert seen == ["walk"]  # one read of every highway way; each mode's preparation filters them
        monkeypatch.setattr(lt, "read_topology", real)
        _same_networks(nets, p)
