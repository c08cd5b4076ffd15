"""Travel times on the real networks: equal to networkx's Dijkstra, and the real numbers of the data.

``to_facility`` means residents travel TO the facility: the cost of node n is the shortest path
n → facility, i.e. a search from the facilities on the reversed graph. ``from_facility`` searches
the graph as it is (an ambulance leaving its station).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

import healthcov as hc

COLUMN = {"travel_time": "travel_time_s", "length": "dist_m"}


def _node_facilities(G: nx.MultiDiGraph, positions) -> object:
    """A handful of the graph's own nodes as facilities, so snapping is exact (0 m, at the node)."""
    return hc.nodes_frame(G).iloc[list(positions)]


def _assert_equals_networkx(G: nx.MultiDiGraph, fac, direction: str, weight: str) -> None:
    got = hc.travel_times(G, fac, direction=direction, weight=weight)
    H = G.reverse(copy=True) if direction == "to_facility" else G
    want = nx.multi_source_dijkstra_path_length(H, list(fac.index), weight=weight)
    assert len(want) == len(got) == G.number_of_nodes()  # one strongly connected component: all reached
    w = np.array([want[n] for n in got.index])
    diff = np.abs(got[COLUMN[weight]].to_numpy() - w)
    assert diff.max() < 1e-6, (direction, weight, float(diff.max()))


SHANGHAI_FAC = (0, 500, 1500, 2500, 3500)
JINAN_FAC = (0, 2000, 5000, 8000, 11000)


@pytest.mark.parametrize("weight", ["travel_time", "length"])
@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_shanghai_equals_networkx(shanghai_drive, direction, weight):
    _assert_equals_networkx(shanghai_drive, _node_facilities(shanghai_drive, SHANGHAI_FAC), direction, weight)


@pytest.mark.parametrize("weight", ["travel_time", "length"])
@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_jinan_equals_networkx(jinan_drive, direction, weight):
    _assert_equals_networkx(jinan_drive, _node_facilities(jinan_drive, JINAN_FAC), direction, weight)


@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_shanghai_distance_and_label_follow_the_networkx_path(shanghai_drive, direction):
    """dist_m is the length of the fastest path, and facility is the source that path starts from."""
    G = shanghai_drive
    fac = _node_facilities(G, SHANGHAI_FAC)
    tt = hc.travel_times(G, fac, direction=direction)
    H = G.reverse(copy=True) if direction == "to_facility" else G
    _, paths = nx.multi_source_dijkstra(H, list(fac.index), weight="travel_time")
    checked = 0
    for n in tt.index[::23]:
        p = paths[n]
        length = sum(min(H[a][b].values(), key=lambda d: d["travel_time"])["length"] for a, b in itertools.pairwise(p))
        assert tt.at[n, "dist_m"] == pytest.approx(length, abs=1e-6)
        assert tt.at[n, "facility"] == p[0]
        checked += 1
    assert checked == 161  # 3,686 nodes, every 23rd
    # the directions differ on a real city's one-way streets
    other = hc.travel_times(G, fac, direction="from_facility" if direction == "to_facility" else "to_facility")
    assert (np.abs(tt["travel_time_s"] - other["travel_time_s"]) > 1.0).mean() > 0.5


def _twin(G, u, v, length):
    """The reverse edge v → u of (nearly) the same length: the same road the other way, or None."""
    best = None
    for d in G.get_edge_data(v, u, default={}).values():
        if abs(d["length"] - length) <= max(1.0, 0.02 * length) and (
            best is None or abs(d["length"] - length) < abs(best["length"] - length)
        ):
            best = d
    return best


def _networkx_with_virtual_facilities(G, snapped, direction: str, weight: str) -> dict:
    """networkx Dijkstra with each facility as a virtual node on its snapped edge (independent re-derivation).

    A facility at fraction f along u → v, with access leg a, leaves along u → v to v at a + (1 - f)·w
    and along the twin v → u to u at a + f·w'; residents arrive at it from u at f·w + a and from v at
    (1 - f)·w' + a (searched on the reversed graph).
    """
    H = G.copy() if direction == "from_facility" else G.reverse(copy=True)
    sources = []
    for label, r in snapped.iterrows():
        s = ("facility", label)
        sources.append(s)
        d = G.edges[r["edge_u"], r["edge_v"], r["edge_key"]]
        f = r["edge_frac"]
        access = r["access_time_s"] if weight == "travel_time" else r["snap_dist_m"]
        tw = _twin(G, r["edge_u"], r["edge_v"], d["length"])
        if direction == "from_facility":
            H.add_edge(s, r["edge_v"], **{weight: access + (1 - f) * d[weight]})
            if tw is not None:
                H.add_edge(s, r["edge_u"], **{weight: access + f * tw[weight]})
        else:
            H.add_edge(s, r["edge_u"], **{weight: access + f * d[weight]})
            if tw is not None:
                H.add_edge(s, r["edge_v"], **{weight: access + (1 - f) * tw[weight]})
        if f <= 0:
            H.add_edge(s, r["edge_u"], **{weight: access})
        if f >= 1:
            H.add_edge(s, r["edge_v"], **{weight: access})
    return nx.multi_source_dijkstra_path_length(H, sources, weight=weight)


# ------------------------------------------------------------------------------------------
# real counts


def test_shanghai_network_counts(shanghai_drive):
    G = shanghai_drive
    info = hc.graph_info(G)
    print({k: v for k, v in info.items() if k not in ("mode", "dropped_node_ids")})
    assert G.graph["crs"] == "EPSG:32651" and info["mode"]["name"] == "drive"
    assert info["nodes_before_scc"] == 3827  # osmnx graph_from_xml(simplify=True, retain_all=True)
    assert G.number_of_nodes() == info["nodes"] == 3686
    assert G.number_of_edges() == info["edges"] == 8809
    assert info["length_km"] == pytest.approx(1298.053, abs=1e-3)
    assert info["components"] == 129 and info["dropped_nodes"] == 141
    assert info["edges_removed_by_mode"] == 0 and info["reverse_edges_added"] == 0
    # kept + dropped == read; the dropped ids are really gone
    assert info["nodes"] + info["dropped_nodes"] == info["nodes_before_scc"]
    assert len(info["dropped_node_ids"]) == 141 and not any(n in G for n in info["dropped_node_ids"])
    # the 20 largest dropped components are listed; the smallest listed has 1 node, so the other
    # 128 - 20 = 108 dropped components are single nodes: 33 + 108 = 141
    sizes = info["dropped_component_sizes"]
    assert sizes == [5, 4, 2, 2, 2, 2, 2, 2] + [1] * 12
    assert sum(sizes) + (info["components"] - 1 - len(sizes)) == info["dropped_nodes"]
    assert nx.number_strongly_connected_components(G) == 1


def test_jinan_network_counts(jinan_drive):
    G = jinan_drive
    info = hc.graph_info(G)
    print({k: v for k, v in info.items() if k not in ("mode", "dropped_node_ids", "dropped_node_xy")})
    assert G.graph["crs"] == "EPSG:32650"  # Jinan, 117° E: UTM zone 50
    assert info["nodes_before_scc"] == 12766
    # noding joins 7 dangling ends that stop 2 mm to 0.35 m short of another road (before noding:
    # 11,850 nodes, 27,411 edges, 687 components, 916 nodes dropped; see the test below)
    assert G.number_of_nodes() == info["nodes"] == 11855
    assert G.number_of_edges() == info["edges"] == 27423
    assert info["components"] == 685 and info["dropped_nodes"] == 911
    assert info["nodes"] + info["dropped_nodes"] == info["nodes_before_scc"]
    noding = info["noding"]
    assert noding["dangles_joined"] == 7 and noding["crossings_noded"] == 0
    # an OSM-derived layer is already noded: its 1,806 remaining crossings (1.7 % of the 108,037 pairs
    # of rows that meet) are over/underpasses, kept apart
    assert noding["crossings_left"] == 1806 and noding["line_pairs_meeting"] == 108037
    assert noding["rows_collapsed"] == 0  # the one row of length 0 is left out before noding (it is no road)
    sizes = info["dropped_component_sizes"]
    assert len(sizes) == 20 and sizes[:3] == [42, 24, 17] and sizes == sorted(sizes, reverse=True)
    # the 684 dropped components hold 911 nodes: listed ones plus at least one node per unlisted one
    assert sum(sizes) + (info["components"] - 1 - len(sizes)) <= info["dropped_nodes"]
    assert info["length_km"] == pytest.approx(4890.301, abs=1e-3)
    # road km counting each two-way road once: 216.3 of 3,483.1 km (6.2 %) is dropped
    assert info["dropped_km"] == pytest.approx(216.292, abs=1e-3) and info["dropped_share"] == 0.06211
    assert info["road_km_before_scc"] == pytest.approx(3482.56, abs=1e-3)
    assert nx.number_strongly_connected_components(G) == 1


def test_jinan_without_noding_tolerance_keeps_the_old_numbers():
    with pytest.warns(hc.AssumedCRSWarning), pytest.warns(hc.DisconnectedRoadsWarning, match=r"217\.0 km of 3481\.9"):
        G = hc.read_network(hc.datasets.path("jinan_edges"), mode="drive", snap_tolerance_m=0)
    info = hc.graph_info(G)
    assert (G.number_of_nodes(), G.number_of_edges(), info["components"], info["dropped_nodes"]) == (
        11850,
        27410,  # 27,411 before the one zero-length line was left out (it is no road)
        687,
        916,
    )
    assert info["length_km"] == pytest.approx(4889.119, abs=1e-3)


# ------------------------------------------------------------------------------------------
# Shanghai emergency centres (急救中心)


@pytest.fixture(scope="module")
def emergency_snapped(shanghai_drive, shanghai_emergency):
    return hc.snap_points(shanghai_drive, shanghai_emergency, name="急救中心")


def test_emergency_centres_on_network(shanghai_emergency, emergency_snapped):
    assert len(shanghai_emergency) == 108
    on = emergency_snapped["on_network"]
    # the network covers central Shanghai only: 28 of 108 centres lie within 1,000 m of its roads
    assert int(on.sum()) == 28
    d = emergency_snapped.loc[on, "snap_dist_m"]
    assert float(d.min()) == pytest.approx(2.863, abs=1e-3) and float(d.max()) == pytest.approx(995.0, abs=0.1)
    assert float(d.median()) == pytest.approx(33.493, abs=1e-3)
    assert float(emergency_snapped["snap_dist_m"].median()) == pytest.approx(7408.33, abs=0.01)


def test_emergency_centres_travel_times(shanghai_drive, shanghai_emergency, emergency_snapped):
    with pytest.warns(hc.OffNetworkWarning, match=r"80 of 108 facilities .*上海市医疗急救中心.*\(80 in all\)"):
        tt = hc.travel_times(shanghai_drive, shanghai_emergency)
    assert len(tt) == 3686 and np.isfinite(tt["travel_time_s"]).all()
    # driving to the nearest centre from every node of central Shanghai
    assert float(tt["travel_time_s"].median()) == pytest.approx(162.398, abs=1e-3)
    assert float(tt["travel_time_s"].max()) == pytest.approx(1110.973, abs=1e-3)
    assert float(tt["dist_m"].median()) == pytest.approx(1410.431, abs=1e-3)
    assert float((tt["travel_time_s"] <= 600).mean()) == pytest.approx(3544 / 3686)
    # 21 of the 28 on-network centres are the nearest one for some node; never an off-network one
    on_labels = set(emergency_snapped.index[emergency_snapped["on_network"]])
    assert tt["facility"].nunique() == 21 and set(tt["facility"]) <= on_labels
    # leaving the off-network centres out by hand changes nothing
    only_on = shanghai_emergency.loc[sorted(on_labels)]
    same = hc.travel_times(shanghai_drive, only_on)
    assert np.array_equal(same["travel_time_s"].to_numpy(), tt["travel_time_s"].to_numpy())
    # an ambulance leaving the centres (from_facility) on the one-way streets
    amb = hc.travel_times(shanghai_drive, only_on, direction="from_facility")
    assert float(amb["travel_time_s"].median()) == pytest.approx(172.467, abs=1e-3)


@pytest.mark.parametrize("weight", ["travel_time", "length"])
@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_mid_edge_facilities_equal_networkx_with_virtual_nodes(
    shanghai_drive, shanghai_emergency, emergency_snapped, direction, weight
):
    """The 28 real centres sit mid-edge, 3–995 m off the road; networkx with virtual nodes agrees."""
    snapped = emergency_snapped[emergency_snapped["on_network"]]
    assert ((snapped["edge_frac"] > 0) & (snapped["edge_frac"] < 1)).sum() >= 20
    want = _networkx_with_virtual_facilities(shanghai_drive, snapped, direction, weight)
    got = hc.travel_times(shanghai_drive, shanghai_emergency.loc[snapped.index], direction=direction, weight=weight)
    w = np.array([want[n] for n in got.index])
    assert np.abs(got[COLUMN[weight]].to_numpy() - w).max() < 1e-6


def test_centres_as_their_own_points(shanghai_drive, shanghai_emergency, emergency_snapped):
    """A point where a facility is: at most the two access legs (to the road and back), exactly that
    unless another centre is nearer."""
    snapped = emergency_snapped[emergency_snapped["on_network"]]
    fac = shanghai_emergency.loc[snapped.index]
    nearer = {}
    for direction in ("to_facility", "from_facility"):
        tt = hc.travel_times(shanghai_drive, fac, points=fac, direction=direction)
        assert tt.index.equals(fac.index)
        legs = 2 * snapped["access_time_s"]
        assert (tt["travel_time_s"] <= legs + 1e-6).all()
        at_own = np.isclose(tt["travel_time_s"], legs, rtol=0, atol=1e-6)
        assert np.allclose(tt.loc[at_own, "dist_m"], 2 * snapped.loc[at_own, "snap_dist_m"], atol=1e-6)
        nearer[direction] = sorted(tt.index[~at_own])
        assert (tt.loc[~at_own, "facility"] != tt.index[~at_own]).all()
        # two pairs of centres share an address (海宁路 3165/3167, 控江路 3738/3739): either label is right
        assert tt.loc[3167, "facility"] in (3165, 3167) and tt.loc[3739, "facility"] in (3738, 3739)
    # 光华中西医结合医院-门急诊 (1644, 838 m off the road) is nearer another centre both ways; 上海市医疗急救中心
    # (155) and 上海市第一妇婴保健院-急诊 (1758) share two-way roads with centres 64 and 2074, which reach them
    # along the road either way
    assert nearer == {"to_facility": [155, 1644, 1758], "from_facility": [155, 1644, 1758]}
    tt = hc.travel_times(shanghai_drive, fac, points=fac.loc[[155, 1644]], direction="to_facility")
    assert tt["facility"].tolist() == [64, 1428]
    assert tt["travel_time_s"].tolist() == pytest.approx([8.182652, 281.013873], abs=1e-6)


def test_dalian_doctest_numbers(dalian_drive):
    fac = hc.nodes_frame(dalian_drive).iloc[[0, 50]]
    tt = hc.travel_times(dalian_drive, fac)
    assert len(tt) == 146 and float(tt["travel_time_s"].min()) == 0.0
    want = nx.multi_source_dijkstra_path_length(dalian_drive.reverse(copy=True), list(fac.index), weight="travel_time")
    assert np.abs(tt["travel_time_s"].to_numpy() - np.array([want[n] for n in tt.index])).max() < 1e-6
