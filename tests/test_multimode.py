"""read_networks (one read for every mode) and the per-network caches (node points, vertex key).

Every mode's graph from ``read_networks`` must equal ``read_network(source, mode=m)``: the
same nodes in the same order with the same attributes, the same edges (keys, order and every
attribute, geometries included), the same ``G.graph`` (the ``healthcov`` record included) and
the same travel times from a set of facilities.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import networkx as nx
import numpy as np
import pytest
import shapely

import healthcov as hc
from healthcov.network.arrays import clear_cache, graph_arrays
from healthcov.traveltime import nodes_frame

MODES = ("walk", "drive", "ambulance")


def _same(a: Any, b: Any) -> bool:
    """Equal values; NaN equals NaN; geometries equal exactly; containers element-wise."""
    if isinstance(a, shapely.Geometry) or isinstance(b, shapely.Geometry):
        return isinstance(a, shapely.Geometry) and isinstance(b, shapely.Geometry) and a.equals_exact(b, 0.0)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def assert_identical(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> None:
    """Exhaustive comparison: node order and attributes, edge order/keys/attributes, graph record."""
    assert list(G.nodes) == list(H.nodes)
    for n, d in G.nodes(data=True):
        assert _same(d, H.nodes[n]), n
    ge = list(G.edges(keys=True, data=True))
    he = list(H.edges(keys=True, data=True))
    assert [e[:3] for e in ge] == [e[:3] for e in he]
    bad = [e[:3] for e, f in zip(ge, he, strict=True) if not _same(e[3], f[3])]
    assert not bad, f"{len(bad)} edges differ, e.g. {bad[:3]}"
    assert G.graph.keys() == H.graph.keys()
    for k in G.graph.keys() - {"created_date"}:  # osmnx stamps the time of each parse: two reads differ
        assert _same(G.graph[k], H.graph[k]), k


def _read_each(source: Any, **kw: Any) -> dict[str, nx.MultiDiGraph]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {m: hc.read_network(source, mode=m, **kw) for m in MODES}


def _read_all(source: Any, **kw: Any) -> dict[str, nx.MultiDiGraph]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hc.read_networks(source, modes=MODES, **kw)


def _facilities(G: nx.MultiDiGraph, k: int = 12) -> Any:
    """``k`` points 25 m east of evenly spread nodes (so they snap onto edges, not nodes)."""
    nodes = nodes_frame(G)
    pick = nodes.iloc[np.linspace(0, len(nodes) - 1, k).astype(int)].reset_index(drop=True)
    return pick.set_geometry(pick.geometry.translate(25.0, 0.0))


def _check_same_times(each: dict[str, nx.MultiDiGraph], once: dict[str, nx.MultiDiGraph]) -> None:
    fac = _facilities(each["drive"])
    for m in MODES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = hc.travel_times(each[m], fac)
            b = hc.travel_times(once[m], fac)
        assert a.index.equals(b.index)
        np.testing.assert_array_equal(a["travel_time_s"].to_numpy(), b["travel_time_s"].to_numpy())
        np.testing.assert_array_equal(a["dist_m"].to_numpy(), b["dist_m"].to_numpy())
        assert a["facility"].equals(b["facility"])
        assert np.isfinite(a["travel_time_s"]).mean() > 0.9  # a real search, not an empty one


@pytest.fixture(scope="module")
def shanghai_pair(data_dir):
    p = hc.datasets.path("shanghai_network")
    return _read_each(p), _read_all(p)


def test_shanghai_osm_every_mode_identical(shanghai_pair):
    each, once = shanghai_pair
    assert list(once) == list(MODES)
    for m in MODES:
        assert_identical(each[m], once[m])
        assert once[m].graph["healthcov"]["mode"]["name"] == m
    # the modes really differ (walk takes footways and ignores one-way streets)
    assert once["walk"].number_of_edges() > once["drive"].number_of_edges()
    assert once["walk"].graph["healthcov"]["reverse_edges_added"] > 0
    assert once["drive"].graph["healthcov"]["reverse_edges_added"] == 0


def test_shanghai_osm_same_travel_times(shanghai_pair):
    _check_same_times(*shanghai_pair)


def test_graphs_share_nothing(shanghai_pair):
    _, once = shanghai_pair
    u, v, k = next(e for e in once["drive"].edges(keys=True) if once["ambulance"].has_edge(*e))
    assert once["drive"].edges[u, v, k] is not once["ambulance"].edges[u, v, k]
    once["drive"].edges[u, v, k]["probe"] = 1
    assert "probe" not in once["ambulance"].edges[u, v, k]
    del once["drive"].edges[u, v, k]["probe"]
    assert once["drive"].nodes[u] is not once["ambulance"].nodes[u]
    assert once["walk"].graph["healthcov"] is not once["drive"].graph["healthcov"]


def test_dalian_graphml_identical_with_options(data_dir):
    p = hc.datasets.path("dalian_graphml")
    kw = {"speeds": {"residential": 12.0}, "congestion": "peak", "to_crs": "EPSG:32651"}
    each, once = _read_each(p, **kw), _read_all(p, **kw)
    for m in MODES:
        assert_identical(each[m], once[m])
    assert once["drive"].graph["healthcov"]["mode"]["speeds_kph"]["residential"] == 12.0
    _check_same_times(each, once)


def test_jinan_lines_identical(jinan_drive):
    p = hc.datasets.path("jinan_edges")
    each, once = _read_each(p), _read_all(p)
    for m in MODES:
        assert_identical(each[m], once[m])
    assert_identical(once["drive"], jinan_drive)
    _check_same_times(each, once)


def test_graph_source_identical(dalian_drive):
    # an already-read graph: each mode is prepared from it again
    raw = hc.read_network(hc.datasets.path("dalian_graphml"), mode="drive", largest_component=False)
    each, once = _read_each(raw), _read_all(raw)
    for m in MODES:
        assert_identical(each[m], once[m])


def test_warnings_point_at_the_caller(data_dir):
    p = hc.datasets.path("shanghai_network")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hc.read_networks(p, modes=("drive",))
    dropped = [w for w in caught if issubclass(w.category, hc.DisconnectedRoadsWarning)]
    assert dropped, [str(w.message) for w in caught]
    assert all(w.filename == __file__ for w in dropped)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"mode": "drive"}, "modes="),
        ({"modes": ("drive", "car")}, "given twice"),
        ({"modes": ()}, "empty"),
        ({"modes": ("drive", "helicopter")}, "helicopter"),
        ({"spede": 3}, "unknown options"),
    ],
)
def test_bad_options_are_named(data_dir, kw, match):
    with pytest.raises(hc.HealthcovError, match=match):
        hc.read_networks(hc.datasets.path("dalian_graphml"), **kw)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(hc.HealthcovError, match=r"nowhere\.osm"):
        hc.read_networks(tmp_path / "nowhere.osm")


def test_broken_osm_file_is_a_network_error(tmp_path):
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><node id='1' lat='30' lon='120'", encoding="utf-8")
    with pytest.raises(hc.NetworkError, match=r"broken\.osm"):
        hc.read_networks(bad)


def test_one_mode_as_a_string(data_dir):
    Gs = hc.read_networks(hc.datasets.path("dalian_graphml"), modes="walk")
    assert list(Gs) == ["walk"]


# --- caches ------------------------------------------------------------------------------


def test_node_points_built_once_and_frames_independent(dalian_drive):
    arr = graph_arrays(dalian_drive)
    a = nodes_frame(dalian_drive)
    assert arr.node_points() is arr.node_points()
    b = nodes_frame(dalian_drive)
    assert a is not b
    a["x_m"] = 1.0
    a.index.name = "changed"
    a.loc[a.index[0], "geometry"] = shapely.Point(0, 0)
    c = nodes_frame(dalian_drive)
    assert list(c.columns) == ["geometry"]
    assert c.index.name == "node"
    assert c.geometry.iloc[0].equals(b.geometry.iloc[0])
    assert not c.geometry.iloc[0].equals(shapely.Point(0, 0))
    # the points are the nodes' coordinates, in G.nodes order
    xy = np.array([(d["x"], d["y"]) for _, d in dalian_drive.nodes(data=True)])
    np.testing.assert_array_equal(shapely.get_coordinates(c.geometry.values), xy)
    assert list(c.index) == list(dalian_drive.nodes)
    assert c.crs == dalian_drive.graph["crs"]


def test_node_points_forgotten_with_the_arrays(dalian_drive):
    G = dalian_drive.copy()
    first = graph_arrays(G).node_points()
    clear_cache(G)
    assert graph_arrays(G).node_points() is not first


def test_vertex_key_built_once_and_points_unchanged(dalian_drive):
    arr = graph_arrays(dalian_drive)
    key = arr.vertex_key()
    assert arr.vertex_key() is key
    coords, offsets, _ = arr.flat_coords()
    assert len(key) == len(coords) and np.all(np.diff(key) >= 0)
    # a point halfway along every edge is the geometry's own interpolation
    edges = np.arange(arr.m)
    x, y = arr.points_along(edges, np.full(arr.m, 0.5))
    mid = shapely.line_interpolate_point(arr.geoms, 0.5, normalized=True)
    np.testing.assert_allclose(np.column_stack([x, y]), shapely.get_coordinates(mid), atol=1e-6)
    # the ends are the first and last vertices exactly
    x0, y0 = arr.points_along(edges, np.zeros(arr.m))
    np.testing.assert_array_equal(np.column_stack([x0, y0]), coords[offsets[:-1]])


def test_warnings_point_at_the_caller_when_read_per_mode(data_dir):
    # a line layer is read once per mode (through read_network): its warnings still name the caller
    p = hc.datasets.path("jinan_edges")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hc.read_networks(p, modes=("walk",))
    assert caught
    assert all(w.filename == __file__ for w in caught), [(w.filename, str(w.message)[:80]) for w in caught]


# --- the demo reads the .osm once ---------------------------------------------------------


def test_demo_reads_the_osm_once_for_its_modes(data_dir):
    from healthcov.demo import isochrone_demo

    each = _read_each(hc.datasets.path("shanghai_network"), form="arrays")
    first = isochrone_demo("shanghai", mode="ambulance")
    assert list(first.graphs) == ["walk", "drive", "ambulance"]
    assert first.graph is first.graphs["ambulance"]
    for m in MODES:  # what the demo routes on is what read_network(..., form="arrays") gives
        a, b = first.graphs[m].arrays, each[m].arrays
        assert isinstance(first.graphs[m], hc.Network)
        for name in ("node_ids", "x", "y", "u", "v", "length", "travel_time", "twin", "coords", "offsets"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=f"{m}: {name}")
        assert _same(first.graphs[m].graph["healthcov"], each[m].graph["healthcov"]), m
    # while the first result is held, a second demo run reuses its graphs instead of reading again
    again = isochrone_demo("shanghai", mode="walk")
    assert again.graph is first.graphs["walk"]
    assert all(again.graphs[m] is first.graphs[m] for m in MODES)
    assert again.shares["share_of_nodes"].between(0, 1).all()


def test_points_along_bent_and_straight_edges_by_hand():
    # 1 -> 2 bends at (100, 0): 100 m east then 100 m north; 2 -> 3 is straight, 100 m east
    G = nx.MultiDiGraph(crs="EPSG:32651")
    G.add_node(1, x=500_000.0, y=3_300_000.0)
    G.add_node(2, x=500_100.0, y=3_300_100.0)
    G.add_node(3, x=500_200.0, y=3_300_100.0)
    bent = shapely.LineString([(500_000, 3_300_000), (500_100, 3_300_000), (500_100, 3_300_100)])
    G.add_edge(1, 2, highway="primary", geometry=bent, length=200.0)
    G.add_edge(2, 3, highway="primary", length=100.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        H = hc.read_network(G, mode="walk")  # walk: both directions
    arr = graph_arrays(H)
    i12 = int(np.flatnonzero((arr.node_ids[arr.u] == 1) & (arr.node_ids[arr.v] == 2))[0])
    i32 = int(np.flatnonzero((arr.node_ids[arr.u] == 3) & (arr.node_ids[arr.v] == 2))[0])
    x, y = arr.points_along(np.array([i12, i12, i12, i32, i32]), np.array([0.25, 0.75, 1.0, 0.3, 0.0]))
    np.testing.assert_allclose(x - 500_000, [50, 100, 100, 170, 200], atol=1e-9)
    np.testing.assert_allclose(y - 3_300_000, [0, 50, 100, 100, 100], atol=1e-9)


def test_osm_and_graphml_parsed_once(data_dir, monkeypatch):
    import healthcov.io.multimode as multimode

    calls = []
    real_parse = multimode._parse
    monkeypatch.setattr(multimode, "_parse", lambda p: calls.append(p) or real_parse(p))
    monkeypatch.setattr(multimode, "read_network", lambda *a, **k: pytest.fail("read_network was called"))
    p = hc.datasets.path("dalian_graphml")
    # line-layer options at their defaults (as a form or the command line passes them) change nothing
    Gs = hc.read_networks(p, layer=None, encoding=None, snap_tolerance_m=1.0, node_crossings="auto")
    assert list(Gs) == list(MODES) and calls == [p]


def test_line_layer_options_read_per_mode(data_dir, monkeypatch):
    import healthcov.io.multimode as multimode

    seen = []
    monkeypatch.setattr(
        multimode, "read_network", lambda source, mode, **kw: seen.append((mode, kw)) or nx.MultiDiGraph()
    )
    hc.read_networks(hc.datasets.path("dalian_graphml"), modes=("walk", "drive"), snap_tolerance_m=5)
    assert seen == [("walk", {"snap_tolerance_m": 5}), ("drive", {"snap_tolerance_m": 5})]
