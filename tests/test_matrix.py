"""The travel-time matrix and k-nearest facilities: hand-computed tiny graphs, networkx on a real city.

Tiny graphs are in UTM 51N around (500,000, 3,300,000). Drive speeds (checked in
test_tiny_graphs.test_mode_speed_tables): residential 20 km/h → 1,000 m in 180 s (v = 5.5556 m/s);
access legs at 15 km/h → 10 m in 2.4 s, 30 m in 7.2 s, 40 m in 9.6 s.
"""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import healthcov as hc

X0, Y0 = 500_000.0, 3_300_000.0
CRS = "EPSG:32651"
V = 1000.0 / 180.0  # residential drive speed, m/s
LEG = math.hypot(500.0, 1000.0)  # 1,118.0339887 m


def _graph(nodes: dict, edges: list) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs=CRS)
    for n, (dx, dy) in nodes.items():
        G.add_node(n, x=X0 + dx, y=Y0 + dy)
    for u, v, two_way in edges:
        G.add_edge(u, v, highway="residential", oneway=not two_way)
        if two_way:
            G.add_edge(v, u, highway="residential", oneway=False)
    return hc.read_network(G, mode="drive")


def _pts(xy, index) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], index=index, crs=CRS)


@pytest.fixture(scope="module")
def line():
    """0 — 1 — 2 — 3 along y = 0, 1,000 m apart, two-way residential."""
    return _graph({i: (1000.0 * i, 0.0) for i in range(4)}, [(i, i + 1, True) for i in range(3)])


@pytest.fixture(scope="module")
def triangle():
    """0 → 1 one-way (1,000 m); 1 ↔ 2 and 2 ↔ 0 two-way (LEG each); 2 at (500, 1000)."""
    return _graph({0: (0.0, 0.0), 1: (1000.0, 0.0), 2: (500.0, 1000.0)}, [(0, 1, False), (1, 2, True), (2, 0, True)])


# A: 40 m below the middle of road 0-1 (x = 500); B: 30 m above node 2 (x = 2,000)
HOMES = [(500.0, -40.0), (2000.0, 30.0)]
# F: on road 2-3 at x = 2,500; H: at node 0
CARE = [(2500.0, 0.0), (0.0, 0.0)]
# (origin, destination): (time s, distance m), worked out by hand
LINE_PAIRS = {
    ("A", "H"): (500 / V + 9.6, 540.0),  # 90 s along the road + 9.6 s access = 99.6 s
    ("A", "F"): (2000 / V + 9.6, 2040.0),  # 360 + 9.6 = 369.6 s
    ("B", "F"): (500 / V + 7.2, 530.0),  # 90 + 7.2 = 97.2 s
    ("B", "H"): (2000 / V + 7.2, 2030.0),  # 360 + 7.2 = 367.2 s
}


@pytest.mark.parametrize("search_from", ["origins", "destinations", "auto"])
def test_line_matrix_by_hand(line, search_from):
    m = hc.travel_time_matrix(line, _pts(HOMES, ["A", "B"]), _pts(CARE, ["F", "H"]), search_from=search_from)
    assert list(m.columns) == ["origin", "destination", "travel_time_s", "dist_m"]
    # sorted by origin (input order) then time
    assert list(zip(m["origin"], m["destination"], strict=True)) == [("A", "H"), ("A", "F"), ("B", "F"), ("B", "H")]
    for o, d, t, dist in m.itertuples(index=False):
        assert t == pytest.approx(LINE_PAIRS[o, d][0], abs=1e-9)
        assert dist == pytest.approx(LINE_PAIRS[o, d][1], abs=1e-9)
    assert m["travel_time_s"].tolist() == pytest.approx([99.6, 369.6, 97.2, 367.2], abs=1e-9)
    assert m.attrs["direction"] == "to_facility" and m.attrs["max_time_s"] is None


def test_line_matrix_limit_keeps_pairs_within(line):
    m = hc.travel_time_matrix(line, _pts(HOMES, ["A", "B"]), _pts(CARE, ["F", "H"]), max_time_s=200)
    assert list(zip(m["origin"], m["destination"], strict=True)) == [("A", "H"), ("B", "F")]
    assert m["travel_time_s"].tolist() == pytest.approx([99.6, 97.2], abs=1e-9)
    assert m.attrs["max_time_s"] == 200.0
    # a limit exactly at a pair's time keeps it
    m = hc.travel_time_matrix(line, _pts(HOMES, ["A", "B"]), _pts(CARE, ["F", "H"]), max_time_s=500 / V + 7.2)
    assert list(m["origin"]) == ["B"]


@pytest.mark.parametrize("search_from", ["origins", "destinations"])
def test_one_way_directions_and_same_road(triangle, search_from):
    """Two points on the one-way road 0 → 1: o at x = 200, d at x = 700, both 10 m off it."""
    o = _pts([(200.0, -10.0), (1000.0, 0.0)], ["o", "at1"])
    d = _pts([(700.0, -10.0), (0.0, 0.0)], ["d", "at0"])
    to = hc.travel_time_matrix(triangle, o, d, direction="to_facility", search_from=search_from)
    got = {(a, b): (t, dist) for a, b, t, dist in to.itertuples(index=False)}
    # o → d straight along the one-way road: 500 m (90 s) + two 10 m legs (2.4 s each)
    assert got["o", "d"] == (pytest.approx(500 / V + 4.8, abs=1e-9), pytest.approx(520.0, abs=1e-9))
    # node 1 → node 0 cannot take the one-way road back: 1 → 2 → 0 = 2 LEG = 402.49 s
    assert got["at1", "at0"] == (pytest.approx(2 * LEG / V, abs=1e-9), pytest.approx(2 * LEG, abs=1e-9))
    # o → node 0: on to node 1 (800 m), round via 2 (2 LEG): 2,936.07 m
    assert got["o", "at0"][0] == pytest.approx((800 + 2 * LEG) / V + 2.4, abs=1e-9)
    fr = hc.travel_time_matrix(triangle, o, d, direction="from_facility", search_from=search_from)
    got = {(a, b): (t, dist) for a, b, t, dist in fr.itertuples(index=False)}
    # d → o: on to node 1 (300 m), round via 2 to node 0 (2 LEG), then 200 m = 497.29 s
    assert got["o", "d"][0] == pytest.approx((500 + 2 * LEG) / V + 4.8, abs=1e-9)
    assert got["o", "d"][1] == pytest.approx(500 + 2 * LEG + 20, abs=1e-9)
    # node 0 → node 1 along the one-way road: 180 s
    assert got["at1", "at0"][0] == pytest.approx(180.0, abs=1e-9)


@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_triangle_nodes_equal_networkx_and_hand(triangle, direction):
    """Every node to every node of the one-way triangle: networkx's Dijkstra and the hand numbers agree."""
    nodes = hc.nodes_frame(triangle)
    m = hc.travel_time_matrix(triangle, nodes, nodes, direction=direction)
    got = {(o, d): t for o, d, t in zip(m["origin"], m["destination"], m["travel_time_s"], strict=True)}
    assert len(got) == 9
    for d in nodes.index:
        # trips origin -> d: a search from d on the reversed graph; from_facility: d -> origin
        H = triangle.reverse(copy=True) if direction == "to_facility" else triangle
        for o, t in nx.single_source_dijkstra_path_length(H, d, weight="travel_time").items():
            assert got[o, d] == pytest.approx(t, abs=1e-9)
    # by hand (to_facility = trip origin -> destination): 0 -> 1 one-way 180 s; 1 -> 0 round via 2
    trip = {(0, 1): 180.0, (1, 0): 2 * LEG / V, (1, 2): LEG / V, (2, 0): LEG / V, (0, 2): LEG / V, (2, 1): LEG / V}
    for (a, b), t in trip.items():
        o, d = (a, b) if direction == "to_facility" else (b, a)
        assert got[o, d] == pytest.approx(t, abs=1e-9)


def test_length_weight_limit_in_metres(line):
    m = hc.travel_time_matrix(line, _pts(HOMES, ["A", "B"]), _pts(CARE, ["F", "H"]), weight="length", max_time_s=600)
    assert list(zip(m["origin"], m["destination"], m["dist_m"], strict=True)) == [
        ("A", "H", pytest.approx(540.0)),
        ("B", "F", pytest.approx(530.0)),
    ]
    assert m.attrs["weight"] == "length"


def test_k_nearest_by_hand(line):
    homes = _pts([*HOMES, (3000.0, 1500.0)], ["A", "B", "far"])  # "far": 1,500 m off the road (limit 1,000 m)
    care = _pts([*CARE, (3000.0, 0.0)], ["F", "H", "G"])  # G: at node 3
    with pytest.warns(hc.OffNetworkWarning, match="far"):
        kn = hc.k_nearest(line, homes, care, k=2)
    assert kn.index.names == ["point", "rank"]
    assert kn.index.tolist() == [("A", 1), ("A", 2), ("B", 1), ("B", 2), ("far", 1), ("far", 2)]
    assert kn["facility"].iloc[:4].tolist() == ["H", "F", "F", "G"] and kn["facility"].iloc[4:].isna().all()
    # A: H 99.6 s, F 369.6 s; B: F 97.2 s, G 1,000 m away = 180 + 7.2 = 187.2 s
    assert kn["travel_time_s"].tolist()[:4] == pytest.approx([99.6, 369.6, 97.2, 187.2], abs=1e-9)
    assert kn["dist_m"].tolist()[:4] == pytest.approx([540.0, 2040.0, 530.0, 1030.0], abs=1e-9)
    assert np.isinf(kn["travel_time_s"].iloc[4:]).all()
    # a limit leaves ranks empty, not dropped
    with pytest.warns(hc.OffNetworkWarning):
        kn = hc.k_nearest(line, homes, care, k=2, max_time_s=150)
    assert kn["facility"].notna().tolist() == [True, False, True, False, False, False]
    assert kn["facility"].dropna().tolist() == ["H", "F"]
    assert kn.xs(1, level="rank")["travel_time_s"].iloc[:2].tolist() == pytest.approx([99.6, 97.2])


def test_k_nearest_bounded_memory_gives_the_same(line, monkeypatch):
    """With a tiny reduction buffer k_nearest reduces after every search: same answer."""
    import healthcov.matrix as hm

    homes, care = _pts(HOMES, ["A", "B"]), _pts([*CARE, (3000.0, 0.0)], ["F", "H", "G"])
    full = hc.k_nearest(line, homes, care, k=2)
    monkeypatch.setattr(hm, "_REDUCE_ROWS", 1)
    pd.testing.assert_frame_equal(hc.k_nearest(line, homes, care, k=2), full)


def test_bad_arguments(line):
    homes, care = _pts(HOMES, ["A", "B"]), _pts(CARE, ["F", "H"])
    with pytest.raises(hc.InputError, match="k must be a whole number"):
        hc.k_nearest(line, homes, care, k=0)
    with pytest.raises(hc.InputError, match="only 2 facilities"):
        hc.k_nearest(line, homes, care, k=3)
    with pytest.raises(hc.InputError, match="max_time_s must be a non-negative"):
        hc.travel_time_matrix(line, homes, care, max_time_s=-5)
    with pytest.raises(hc.InputError, match="unknown search_from"):
        hc.travel_time_matrix(line, homes, care, search_from="both")
    with pytest.raises(hc.InputError, match="unknown direction"):
        hc.travel_time_matrix(line, homes, care, direction="sideways")
    with pytest.raises(hc.OffNetworkError, match="destinations"):
        hc.travel_time_matrix(line, homes, _pts([(0.0, 5000.0)], ["x"]))
    with pytest.raises(hc.InputError, match="origins must be a GeoDataFrame"):
        hc.travel_time_matrix(line, pd.DataFrame({"x": [1]}), care)


# --------------------------------------------------------------------------------------------
# real network: central Shanghai (3,686 nodes)


@pytest.mark.parametrize("direction", ["to_facility", "from_facility"])
def test_shanghai_matrix_equals_networkx(shanghai_drive, direction):
    G = shanghai_drive
    nodes = hc.nodes_frame(G)
    origins, dest = nodes.iloc[::97], nodes.iloc[[0, 500, 1500, 2500, 3500]]
    m = hc.travel_time_matrix(G, origins, dest, direction=direction)
    assert len(m) == len(origins) * len(dest) == 38 * 5  # one strongly connected component
    H = G.reverse(copy=True) if direction == "to_facility" else G
    checked = 0
    for d in dest.index:
        times, paths = nx.single_source_dijkstra(H, d, weight="travel_time")
        sub = m[m["destination"] == d].set_index("origin")
        want = np.array([times[o] for o in sub.index])
        assert np.abs(sub["travel_time_s"].to_numpy() - want).max() < 1e-6
        for o in sub.index[::5]:
            p = paths[o]
            length = sum(
                min(H[a][b].values(), key=lambda e: e["travel_time"])["length"] for a, b in itertools.pairwise(p)
            )
            assert sub.at[o, "dist_m"] == pytest.approx(length, abs=1e-6)
            checked += 1
    assert checked == 5 * 8


def test_shanghai_row_minimum_is_travel_times(shanghai_drive, shanghai_emergency):
    """Random homes (off the nodes, with access legs) against the real emergency centres."""
    G = shanghai_drive
    nodes = hc.nodes_frame(G)
    rng = np.random.default_rng(3)
    pick = nodes.iloc[rng.choice(len(nodes), 60, replace=False)]
    homes = gpd.GeoDataFrame(
        geometry=shapely.points(pick.geometry.x + rng.uniform(-80, 80, 60), pick.geometry.y + rng.uniform(-80, 80, 60)),
        index=pd.Index([f"h{i}" for i in range(60)]),
        crs=G.graph["crs"],
    )
    fac = shanghai_emergency.to_crs(G.graph["crs"])
    xmin, ymin, xmax, ymax = nodes.total_bounds
    fac = fac.cx[xmin:xmax, ymin:ymax]
    fac = fac[hc.snap_points(G, fac)["on_network"].to_numpy()]  # 27 of the 30 in the bounding box
    assert len(fac) == 27
    tt = hc.travel_times(G, fac, points=homes)
    m = hc.travel_time_matrix(G, homes, fac)
    best = m.groupby("origin")["travel_time_s"].min().reindex(homes.index)
    assert np.abs(best.to_numpy() - tt["travel_time_s"].to_numpy()).max() < 1e-6
    # k_nearest's three are the matrix's three smallest times of each row
    k3 = hc.k_nearest(G, homes, fac, k=3)
    top3 = m.groupby("origin", sort=False)["travel_time_s"].apply(lambda s: sorted(s)[:3])
    want3 = np.concatenate(top3.reindex(homes.index).to_list())
    assert np.abs(k3["travel_time_s"].to_numpy() - want3).max() < 1e-9
    # k_nearest's first is as near; facilities at one address tie, so compare times, not labels
    kn = k3.xs(1, level="rank")
    assert np.abs(kn["travel_time_s"].to_numpy() - tt["travel_time_s"].to_numpy()).max() < 1e-6
    pair = m.set_index(["origin", "destination"])["travel_time_s"]
    via_tt = pair.loc[list(zip(homes.index, tt["facility"], strict=True))].to_numpy()
    via_kn = pair.loc[list(zip(homes.index, kn["facility"], strict=True))].to_numpy()
    assert np.abs(via_tt - tt["travel_time_s"].to_numpy()).max() < 1e-6
    assert np.abs(via_kn - tt["travel_time_s"].to_numpy()).max() < 1e-6
    assert (kn["facility"].to_numpy() != tt["facility"].to_numpy()).sum() == 8  # ties, checked above
    # without a limit every home reaches every facility (one strongly connected component)
    assert len(m) == 60 * len(fac)


def test_invariants_on_two_way_roads(line):
    """On two-way roads the two directions agree; the input CRS does not matter; inputs stay unchanged."""
    homes, care = _pts(HOMES, ["A", "B"]), _pts(CARE, ["F", "H"])
    before = homes.copy()
    to = hc.travel_time_matrix(line, homes, care, direction="to_facility")
    fr = hc.travel_time_matrix(line, homes, care, direction="from_facility")
    pd.testing.assert_frame_equal(to, fr, check_exact=False, atol=1e-9)
    ll = hc.travel_time_matrix(line, homes.to_crs(4326), care.to_crs(4326))
    pd.testing.assert_frame_equal(ll, to, check_exact=False, atol=1e-6)
    pd.testing.assert_frame_equal(homes, before)
