"""healthcov's arrays-first ``Network`` (``read_network(..., form="arrays")``): hand-computed answers on a
tiny layer, the networkx form as the independent check on real data, and the conversions at the edges."""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point

import healthcov as hc
from healthcov.network.arrays import graph_arrays

CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 3_300_000.0


def _tiny_lines() -> gpd.GeoDataFrame:
    """A 1 km primary road A-B (two-way), a 1 km residential B-C one-way B->C, and C-A 1.5 km residential
    with a bend (two-way). Drive: primary 40 km/h, residential 20 km/h."""
    A, B, C = (X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000)
    bend = (X0 + 250, Y0 + 1000)  # C -> bend 750 m, bend -> A: hypot(250, 1000) = 1030.78 m
    return gpd.GeoDataFrame(
        {"highway": ["primary", "residential", "residential"], "oneway": ["no", "yes", "no"]},
        geometry=[LineString([A, B]), LineString([B, C]), LineString([C, bend, A])],
        crs=CRS,
    )


def test_tiny_layer_by_hand():
    net = hc.read_network(_tiny_lines(), mode="drive", form="arrays")
    assert isinstance(net, hc.Network) and net.number_of_nodes() == 3
    # edges: A<->B, B->C, C<->A = 5
    assert net.number_of_edges() == 5
    a = net.arrays
    ca = 750.0 + float(np.hypot(250.0, 1000.0))
    assert sorted(np.round(a.length, 6).tolist()) == sorted(np.round([1000, 1000, 1000, ca, ca], 6).tolist())
    # to a facility at A (residents travel to it): from B 1000 m at 40 km/h = 90 s; from C: C->A 1780.78 m at
    # 20 km/h = 320.54 s (C->B is against the one-way street)
    fac = gpd.GeoDataFrame({"name": ["A"]}, geometry=[Point(X0, Y0)], crs=CRS)
    tt = hc.travel_times(net, fac, direction="to_facility")
    xy = {(round(x), round(y)): t for x, y, t in zip(tt.geometry.x, tt.geometry.y, tt["travel_time_s"], strict=True)}
    assert xy[(round(X0), round(Y0))] == pytest.approx(0.0)
    assert xy[(round(X0 + 1000), round(Y0))] == pytest.approx(1000 / (40 / 3.6))
    assert xy[(round(X0 + 1000), round(Y0 + 1000))] == pytest.approx(ca / (20 / 3.6))
    # from A (an ambulance leaving it): C is reached via B (90 s + 1000 m at 20 km/h = 270 s), shorter than 320.54 s
    out = hc.travel_times(net, fac, direction="from_facility")
    c = out[(out.geometry.x.round() == round(X0 + 1000)) & (out.geometry.y.round() == round(Y0 + 1000))]
    assert float(c["travel_time_s"].iloc[0]) == pytest.approx(90 + 1000 / (20 / 3.6))
    # the bent edge keeps its vertex: its geometry is made from the coordinate array on demand
    bent = np.flatnonzero(np.isclose(a.length, ca))
    assert {len(g.coords) for g in a.edge_geoms(bent)} == {3}


def test_walk_adds_the_reverse_of_one_way_streets():
    net = hc.read_network(_tiny_lines(), mode="walk", form="arrays")
    G = hc.read_network(_tiny_lines(), mode="walk")
    assert net.number_of_edges() == G.number_of_edges() == 6
    assert net.graph["healthcov"]["reverse_edges_added"] == G.graph["healthcov"]["reverse_edges_added"] == 1


@pytest.fixture(scope="module")
def shanghai_pair():
    path = hc.datasets.path("shanghai_network")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hc.read_network(path, mode="drive"), hc.read_network(path, mode="drive", form="arrays")


def _edge_table(arr):
    ids = arr.node_ids
    rows = sorted(
        (str(ids[u]), str(ids[v]), round(float(L), 6), round(float(t), 6))
        for u, v, L, t in zip(arr.u, arr.v, arr.length, arr.travel_time, strict=True)
    )
    return rows


def test_same_network_as_networkx_on_shanghai(shanghai_pair):
    G, net = shanghai_pair
    a, b = graph_arrays(G), net.arrays
    assert sorted(a.node_ids.tolist()) == sorted(b.node_ids.tolist())
    assert _edge_table(a) == _edge_table(b)
    gi, ni = G.graph["healthcov"], net.graph["healthcov"]
    for k in set(gi) | set(ni):
        if k == "length_km":
            assert ni[k] == pytest.approx(gi[k], rel=1e-12)
        else:
            assert ni[k] == gi[k], k


def test_to_networkx_and_graphml_round_trip(shanghai_pair, tmp_path):
    G, net = shanghai_pair
    fac = hc.datasets.shanghai_health_facilities().iloc[:30]
    ref = hc.travel_times(G, fac)
    H = net.to_networkx()
    assert isinstance(H, nx.MultiDiGraph) and H.number_of_edges() == G.number_of_edges()
    got = hc.travel_times(H, fac).loc[ref.index]
    np.testing.assert_allclose(got["travel_time_s"], ref["travel_time_s"], rtol=1e-12)
    path = tmp_path / "roads.graphml"
    net.save_graphml(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = hc.read_network(path, mode="drive", form="arrays")
    again = hc.travel_times(back, fac).loc[ref.index]
    np.testing.assert_allclose(again["travel_time_s"], ref["travel_time_s"], rtol=1e-9)
    # the networkx form of the network converts to the same arrays
    conv = hc.Network.from_networkx(G)
    assert _edge_table(conv.arrays) == _edge_table(net.arrays)


def test_frames_and_subnetwork(shanghai_pair):
    G, net = shanghai_pair
    nodes, edges = net.nodes_frame(), net.edges_frame()
    assert len(nodes) == net.number_of_nodes() and len(edges) == net.number_of_edges()
    np.testing.assert_allclose(edges.geometry.length.to_numpy(), edges["length"].to_numpy(), rtol=0.02)
    box = nodes.geometry.union_all().centroid.buffer(1500)
    from healthcov.distributed.task import clip

    sub_g, whole_g = clip(G, box)
    sub_n, whole_n = clip(net, box)
    assert not whole_g and not whole_n
    assert isinstance(sub_n, hc.Network)
    assert _edge_table(graph_arrays(sub_g)) == _edge_table(sub_n.arrays)
    assert sub_n.graph["healthcov"]["nodes_in_file"] == net.number_of_nodes()


def test_network_is_accepted_and_refused_clearly(shanghai_pair):
    _, net = shanghai_pair
    hc.clear_cache(net)  # nothing cached outside the Network: a no-op, not an error
    assert graph_arrays(net) is net.arrays
    assert "Network drive" in repr(net) and net.memory_bytes() > 0
    with pytest.raises(hc.InputError, match="form="):
        hc.read_network(_tiny_lines(), mode="drive", form="igraph")
    areas = gpd.GeoDataFrame({"pop": [100.0]}, geometry=[nodes_hull(net)], crs=net.crs)
    with pytest.raises(hc.MissingColumnError, match="to_networkx"):
        hc.spread_population(areas, net, weight="households")


def nodes_hull(net):
    return net.nodes_frame().geometry.union_all().convex_hull


def test_main_roads_of_a_network(shanghai_pair):
    """The report's road layer from a Network: the same classes and lengths as from the networkx form
    (line order differs, so simplified lengths agree to 0.1 %)."""
    from healthcov.servicearea import main_roads

    G, net = shanghai_pair
    region = net.nodes_frame().geometry.union_all().convex_hull.buffer(-1000)
    a, b = main_roads(G, region), main_roads(net, region)
    assert a["highway"].tolist() == b["highway"].tolist() == ["primary", "secondary", "tertiary"]
    np.testing.assert_allclose(b.geometry.length.to_numpy(), a.geometry.length.to_numpy(), rtol=1e-3)
