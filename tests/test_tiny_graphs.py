"""Travel times and isochrones on tiny hand-built graphs whose every answer is computed by hand.

All graphs are in UTM 51N (EPSG:32651) around x = 500,000, y = 3,300,000 (Zhejiang). Speeds
used below (from healthcov.network.modes, checked in ``test_mode_speed_tables``):

- drive: residential 20 km/h = 5.5556 m/s → 1,000 m in 180 s; primary 40 km/h → 1,000 m in 90 s;
  motorway 80 km/h → 1,000 m in 45 s; access leg 15 km/h → 40 m in 9.6 s, 30 m in 7.2 s.
- walk: 4.5 km/h = 1.25 m/s everywhere → 1,000 m in 800 s; access leg 4.5 km/h → 40 m in 32 s.
- ambulance: drive × speed_factor 1.2 (residential 24 km/h → 1,000 m in 150 s), × 0.7 at peak.
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
LEG = math.hypot(500.0, 1000.0)  # 1,118.0339887 m: each slanted side of the triangle below


def _graph(nodes: dict, edges: list, crs: str = CRS) -> nx.MultiDiGraph:
    """nodes: id -> (dx, dy) from (X0, Y0); edges: (u, v, highway, two_way, extra attrs)."""
    G = nx.MultiDiGraph(crs=crs)
    for n, (dx, dy) in nodes.items():
        G.add_node(n, x=X0 + dx, y=Y0 + dy)
    for u, v, hw, two_way, *extra in edges:
        attrs = extra[0] if extra else {}
        G.add_edge(u, v, highway=hw, oneway=not two_way, **attrs)
        if two_way:
            G.add_edge(v, u, highway=hw, oneway=False, **attrs)
    return G


def _pts(xy, index=None, crs: str = CRS, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols or None, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], index=index, crs=crs)


def _times(tt: gpd.GeoDataFrame, col: str = "travel_time_s") -> list[float]:
    return tt.sort_index()[col].tolist()


def line(n: int = 4, hw: str = "residential", ids=None) -> nx.MultiDiGraph:
    """A straight two-way road with nodes every 1,000 m along y = Y0."""
    ids = list(range(n)) if ids is None else ids
    nodes = {k: (1000.0 * i, 0.0) for i, k in enumerate(ids)}
    return _graph(nodes, [(a, b, hw, True) for a, b in itertools.pairwise(ids)])


def oneway_triangle() -> nx.MultiDiGraph:
    """0 → 1 is one-way (1,000 m); 1 ↔ 2 and 2 ↔ 0 are two-way (LEG each). All residential.

    (0)=(0, 0) ──one-way──▶ (1)=(1000, 0), (2)=(500, 1000) above them.
    """
    return _graph(
        {0: (0.0, 0.0), 1: (1000.0, 0.0), 2: (500.0, 1000.0)},
        [(0, 1, "residential", False), (1, 2, "residential", True), (2, 0, "residential", True)],
    )


# --------------------------------------------------------------------------------------------
# modes


def test_mode_speed_tables():
    drive, walk, amb = hc.get_mode("drive"), hc.get_mode("walk"), hc.get_mode("ambulance")
    assert drive.speeds_kph["residential"] == 20.0 and drive.speeds_kph["primary"] == 40.0
    assert drive.speeds_kph["motorway"] == 80.0 and drive.access_speed_kph == 15.0
    assert walk.fallback_kph == 4.5 and walk.access_speed_kph == 4.5 and walk.oneway is False
    assert "motorway" in walk.excluded and "footway" in drive.excluded
    assert amb.speed_factor == 1.2 and amb.congestion_factor == 1.0 and amb.default_direction == "from_facility"
    assert amb.speed_for("residential") == pytest.approx(24.0)
    assert hc.get_mode("ambulance", congestion="peak").speed_for("residential") == pytest.approx(20 * 1.2 * 0.7)
    assert hc.get_mode("Car") is hc.MODES["drive"] and hc.get_mode("foot") is hc.MODES["walk"]
    # speed of an osmnx-merged edge is the mean of its classes; Chinese classes map to OSM ones
    assert drive.speed_for(["primary", "residential"]) == pytest.approx(30.0)
    assert drive.speed_for("支路") == 30.0 and drive.speed_for("主干路") == 40.0
    assert walk.speed_for("motorway") is None and drive.speed_for("footway") is None


# --------------------------------------------------------------------------------------------
# snapping to the middle of an edge


def test_facility_mid_edge_snap_and_times_drive():
    G = hc.read_network(oneway_triangle(), mode="drive")
    fac = _pts([(300.0, -40.0)], name=["A"])  # 40 m below the one-way road, 300 m from node 0
    s = hc.snap_points(G, fac).iloc[0]
    # nearest point on 0 → 1 is (300, 0): 40 m away, 30 % along; 40 m at 15 km/h = 9.6 s
    assert s["snap_dist_m"] == pytest.approx(40.0, abs=1e-9)
    assert (s["edge_u"], s["edge_v"]) == (0, 1)
    assert s["edge_frac"] == pytest.approx(0.3, abs=1e-12)
    assert (s["snap_x"], s["snap_y"]) == (pytest.approx(X0 + 300.0), pytest.approx(Y0))
    assert s["access_time_s"] == pytest.approx(9.6, abs=1e-9)

    # residents drive TO the facility: from 0, 300 m along the one-way road (54 s) + 9.6 s
    # from 1 the one-way road cannot be driven backwards: 1 → 2 → 0 (2 × LEG) then 300 m
    # from 2: 2 → 0 (LEG) then 300 m
    to = hc.travel_times(G, fac, direction="to_facility")
    v = 1000.0 / 180.0  # m/s
    assert _times(to) == pytest.approx(
        [300 / v + 9.6, (2 * LEG + 300) / v + 9.6, (LEG + 300) / v + 9.6], abs=1e-9
    )  # [63.6, 466.0922, 264.8461]
    assert _times(to, "dist_m") == pytest.approx([340.0, 2 * LEG + 340.0, LEG + 340.0], abs=1e-9)
    assert to["facility"].tolist() == [0, 0, 0]

    # an ambulance drives FROM it: to 1 the remaining 700 m (126 s); to 2 via 1; to 0 all round
    fr = hc.travel_times(G, fac, direction="from_facility")
    assert _times(fr) == pytest.approx(
        [(700 + 2 * LEG) / v + 9.6, 700 / v + 9.6, (700 + LEG) / v + 9.6], abs=1e-9
    )  # [538.0922, 135.6, 336.8461]
    assert _times(fr, "dist_m") == pytest.approx([740 + 2 * LEG, 740.0, 740 + LEG], abs=1e-9)


def test_facility_mid_edge_walk_ignores_oneway():
    G = hc.read_network(oneway_triangle(), mode="walk")
    assert G.graph["healthcov"]["reverse_edges_added"] == 1  # 1 → 0 added for pedestrians
    fac = _pts([(300.0, -40.0)])
    # 40 m access at 1.25 m/s = 32 s; node 0: 300 m (240 s); node 1: 700 m back along the
    # one-way street (560 s); node 2: 0 → 2 is shorter (300 + LEG) than 1 → 2 (700 + LEG)
    expected = [272.0, 592.0, (300 + LEG) / 1.25 + 32.0]  # 1166.4272
    for direction in ("to_facility", "from_facility"):
        tt = hc.travel_times(G, fac, direction=direction)
        assert _times(tt) == pytest.approx(expected, abs=1e-9)
        assert _times(tt, "dist_m") == pytest.approx([340.0, 740.0, 340 + LEG], abs=1e-9)
    assert hc.snap_points(G, fac)["access_time_s"].iloc[0] == pytest.approx(32.0)


# --------------------------------------------------------------------------------------------
# one-way streets and directions


def test_oneway_direction_matters_for_drive_not_walk():
    drive = hc.read_network(oneway_triangle(), mode="drive")
    walk = hc.read_network(oneway_triangle(), mode="walk")
    assert drive.graph["healthcov"]["reverse_edges_added"] == 0
    fac = _pts([(0.0, 0.0)])  # exactly at node 0
    # drive to 0 from 1: 1 → 2 → 0 = 2 × LEG = 2236.07 m at 20 km/h = 402.49 s; from 0 to 1: 180 s
    to = hc.travel_times(drive, fac, direction="to_facility")
    fr = hc.travel_times(drive, fac, direction="from_facility")
    assert to.loc[1, "travel_time_s"] == pytest.approx(2 * LEG * 0.18, abs=1e-9)
    assert fr.loc[1, "travel_time_s"] == pytest.approx(180.0, abs=1e-9)
    assert to.loc[1, "dist_m"] == pytest.approx(2 * LEG) and fr.loc[1, "dist_m"] == pytest.approx(1000.0)
    # node 2 is LEG away both ways (two-way side): 201.246 s
    assert to.loc[2, "travel_time_s"] == pytest.approx(fr.loc[2, "travel_time_s"]) == pytest.approx(LEG * 0.18)
    # walking: 1,000 m at 1.25 m/s = 800 s in both directions
    for d in ("to_facility", "from_facility"):
        assert hc.travel_times(walk, fac, direction=d).loc[1, "travel_time_s"] == pytest.approx(800.0, abs=1e-9)
    # direction aliases
    assert hc.travel_times(drive, fac, direction="from").loc[1, "travel_time_s"] == pytest.approx(180.0)
    assert hc.travel_times(drive, fac, direction="To").loc[1, "travel_time_s"] == pytest.approx(402.4922, 1e-6)
    # "inbound" is ambiguous (to the facility, or to the patient?): refused, naming the argument
    with pytest.raises(hc.InputError, match="direction"):
        hc.travel_times(drive, fac, direction="inbound")
    # drive's default direction is to the facility
    assert hc.travel_times(drive, fac).loc[1, "travel_time_s"] == pytest.approx(2 * LEG * 0.18)


# --------------------------------------------------------------------------------------------
# walk excludes motorways


def _square() -> nx.MultiDiGraph:
    """(0)=(0,0) ─motorway─ (1)=(1000,0); 1 ─ 2=(1000,1000) ─ 3=(0,1000) ─ 0 residential; all two-way."""
    return _graph(
        {0: (0.0, 0.0), 1: (1000.0, 0.0), 2: (1000.0, 1000.0), 3: (0.0, 1000.0)},
        [
            (0, 1, "motorway", True),
            (1, 2, "residential", True),
            (2, 3, "residential", True),
            (3, 0, "residential", True),
        ],
    )


def test_walk_excludes_motorway():
    walk, drive = hc.read_network(_square(), mode="walk"), hc.read_network(_square(), mode="drive")
    info = walk.graph["healthcov"]
    assert info["edges_removed_by_mode"] == 2 and info["classes_removed_by_mode"] == {"motorway": 2}
    assert drive.graph["healthcov"]["edges_removed_by_mode"] == 0
    assert not walk.has_edge(0, 1) and drive.has_edge(0, 1)
    fac = _pts([(0.0, 0.0)])
    # walking to 1 goes round three sides: 3,000 m at 1.25 m/s = 2,400 s; to 3: 800 s; to 2: 1,600 s
    w = hc.travel_times(walk, fac)
    assert _times(w) == pytest.approx([0.0, 2400.0, 1600.0, 800.0], abs=1e-9)
    assert _times(w, "dist_m") == pytest.approx([0.0, 3000.0, 2000.0, 1000.0], abs=1e-9)
    # driving takes the motorway: 1,000 m at 80 km/h = 45 s; node 2 via 1: 45 + 180 = 225 s
    d = hc.travel_times(drive, fac)
    assert _times(d) == pytest.approx([0.0, 45.0, 225.0, 180.0], abs=1e-9)
    # a point 5 m from the motorway snaps to it when driving, but to the 0-3 street (400 m) when walking
    p = _pts([(400.0, 5.0)])
    assert hc.snap_points(drive, p)["snap_dist_m"].iloc[0] == pytest.approx(5.0)
    sw = hc.snap_points(walk, p).iloc[0]
    assert sw["snap_dist_m"] == pytest.approx(400.0) and {sw["edge_u"], sw["edge_v"]} == {0, 3}


# --------------------------------------------------------------------------------------------
# fastest vs shortest, ambulances


def _fast_or_short() -> nx.MultiDiGraph:
    """0 ─residential 1,000 m─ 1, or 0 ─primary 625 m─ 2 ─primary 625 m─ 1 (a 3-4-5 triangle: 500, 375)."""
    return _graph(
        {0: (0.0, 0.0), 1: (1000.0, 0.0), 2: (500.0, 375.0)},
        [(0, 1, "residential", True), (0, 2, "primary", True), (2, 1, "primary", True)],
    )


def test_weight_length_vs_travel_time():
    G = hc.read_network(_fast_or_short(), mode="drive")
    assert G.edges[0, 2, 0]["length"] == pytest.approx(625.0)  # computed from the coordinates
    fac = _pts([(0.0, 0.0)])
    # fastest to 1: via 2, 1,250 m at 40 km/h = 112.5 s; shortest: direct 1,000 m at 20 km/h = 180 s
    fast = hc.travel_times(G, fac)
    short = hc.travel_times(G, fac, weight="length")
    assert fast.loc[1, ["travel_time_s", "dist_m"]].tolist() == pytest.approx([112.5, 1250.0], abs=1e-9)
    assert short.loc[1, ["travel_time_s", "dist_m"]].tolist() == pytest.approx([180.0, 1000.0], abs=1e-9)
    # node 2: 625 m at 40 km/h = 56.25 s either way
    assert fast.loc[2, "travel_time_s"] == short.loc[2, "travel_time_s"] == pytest.approx(56.25)
    assert hc.travel_times(G, fac, weight="distance").equals(short)


def test_ambulance_speeds_are_drive_times_factor_and_congestion():
    fac = _pts([(0.0, 0.0)])
    amb = hc.read_network(_fast_or_short(), mode="ambulance")
    edge = amb.edges[0, 1, 0]
    assert edge["speed_kph"] == pytest.approx(24.0) and amb.edges[0, 2, 0]["speed_kph"] == pytest.approx(48.0)
    assert amb.graph["healthcov"]["mode"]["speed_factor"] == 1.2
    # 1,250 m at 48 km/h = 93.75 s (= 112.5 / 1.2); node 2: 56.25 / 1.2 = 46.875 s
    t = hc.travel_times(amb, fac)
    assert _times(t) == pytest.approx([0.0, 93.75, 46.875], abs=1e-9)
    # peak: × 0.7 → residential 16.8 km/h (1,000 m = 214.2857 s), primary 33.6 km/h (1,250 m = 133.9286 s)
    peak = hc.read_network(_fast_or_short(), mode="ambulance", congestion="peak")
    assert peak.graph["healthcov"]["mode"]["congestion_factor"] == 0.7
    assert _times(hc.travel_times(peak, fac)) == pytest.approx([0.0, 112.5 / 0.84, 56.25 / 0.84], abs=1e-9)
    assert hc.travel_times(peak, fac, weight="length").loc[1, "travel_time_s"] == pytest.approx(1000 / (16.8 / 3.6))
    # a numeric congestion factor and a speed_factor override through get_mode
    half = hc.read_network(_fast_or_short(), mode=hc.get_mode("ambulance", congestion=0.5, speed_factor=1.0))
    assert half.edges[0, 1, 0]["travel_time"] == pytest.approx(360.0)  # 1,000 m at 10 km/h


def test_ambulance_default_direction_is_from_facility():
    amb = hc.read_network(oneway_triangle(), mode="ambulance")
    fac = _pts([(0.0, 0.0)])
    # from 0 to 1 along the one-way road: 1,000 m at 24 km/h = 150 s (to 0 would be 2 × LEG / 6.667 m/s)
    assert hc.travel_times(amb, fac).loc[1, "travel_time_s"] == pytest.approx(150.0, abs=1e-9)
    assert hc.travel_times(amb, fac, direction="to_facility").loc[1, "travel_time_s"] == pytest.approx(2 * LEG * 0.15)


# --------------------------------------------------------------------------------------------
# limits, points, unreachable nodes


def test_max_time_s_gives_inf_beyond():
    G = hc.read_network(line(4), mode="drive")
    fac = _pts([(0.0, 0.0)])
    # nodes at 0, 180, 360, 540 s; a 400 s limit stops before node 3
    tt = hc.travel_times(G, fac, max_time_s=400)
    assert _times(tt) == [0.0, 180.0, 360.0, math.inf]
    assert tt["dist_m"].tolist()[3] == math.inf
    assert tt["facility"].isna().tolist() == [False, False, False, True]
    # with weight="length" the limit is in metres: 1,500 m reaches nodes 0 and 1 only
    tl = hc.travel_times(G, fac, weight="length", max_time_s=1500)
    assert _times(tl, "dist_m") == [0.0, 1000.0, math.inf, math.inf]
    # no limit: everything reached
    assert np.isfinite(hc.travel_times(G, fac)["travel_time_s"]).all()


def test_points_one_row_each_same_index_and_order():
    G = hc.read_network(line(4), mode="drive")
    fac = _pts([(0.0, 0.0)], index=["F"])
    pts = _pts([(2500.0, 30.0), (500.0, -20.0), (1000.0, 0.0)], index=["p", "q", "r"])
    tt = hc.travel_times(G, fac, points=pts)
    assert tt.index.tolist() == ["p", "q", "r"] and len(tt) == 3
    # p: 2,500 m (450 s) + 30 m access (7.2 s); q: 500 m (90 s) + 20 m (4.8 s); r: at node 1 (180 s)
    assert tt["travel_time_s"].tolist() == pytest.approx([457.2, 94.8, 180.0], abs=1e-9)
    assert tt["dist_m"].tolist() == pytest.approx([2530.0, 520.0, 1000.0], abs=1e-9)
    assert tt["snap_dist_m"].tolist() == pytest.approx([30.0, 20.0, 0.0], abs=1e-9)
    assert tt["on_network"].all() and tt["facility"].tolist() == ["F", "F", "F"]
    assert list(tt.columns) == ["travel_time_s", "dist_m", "facility", "snap_dist_m", "on_network", "geometry"]
    # reversed order in → reversed order out, same numbers
    back = hc.travel_times(G, fac, points=pts.iloc[::-1])
    assert back.index.tolist() == ["r", "q", "p"]
    assert back["travel_time_s"].tolist() == pytest.approx([180.0, 94.8, 457.2], abs=1e-9)


def test_points_off_network_are_kept_with_inf():
    G = hc.read_network(line(4), mode="drive")
    fac = _pts([(0.0, 0.0)])
    pts = _pts([(1000.0, 10.0), (1500.0, 2000.0)], index=[10, 20], name=["near", "far"])
    with pytest.warns(hc.OffNetworkWarning, match=r"1 of 2 points .*'20 \(far\)'"):
        tt = hc.travel_times(G, fac, points=pts)
    assert tt.index.tolist() == [10, 20]
    assert tt["on_network"].tolist() == [True, False]
    assert tt.loc[10, "travel_time_s"] == pytest.approx(180.0 + 2.4)  # node 1 + 10 m at 15 km/h
    assert tt.loc[20, "travel_time_s"] == math.inf and pd.isna(tt.loc[20, "facility"])
    assert tt.loc[20, "snap_dist_m"] == pytest.approx(2000.0)


def test_unreachable_nodes_are_inf_without_facility():
    # two separate two-way streets: 0 ─ 1 and 2 ─ 3
    G0 = _graph(
        {0: (0.0, 0.0), 1: (1000.0, 0.0), 2: (2000.0, 0.0), 3: (3000.0, 0.0)},
        [(0, 1, "residential", True), (2, 3, "residential", True)],
    )
    G = hc.read_network(G0, mode="drive", largest_component=False)
    assert G.number_of_nodes() == 4
    fac = _pts([(0.0, 0.0)], index=["F"])
    tt = hc.travel_times(G, fac)
    assert _times(tt) == [0.0, 180.0, math.inf, math.inf]
    assert tt.sort_index()["facility"].isna().tolist() == [False, False, True, True]
    p = hc.travel_times(G, fac, points=_pts([(2500.0, 10.0)], index=["x"]))
    assert p.loc["x", "travel_time_s"] == math.inf and p.loc["x", "on_network"] and pd.isna(p.loc["x", "facility"])
    # keeping the largest strongly connected component drops one of the two equal halves
    K = hc.read_network(G0, mode="drive")
    info = K.graph["healthcov"]
    assert K.number_of_nodes() == 2 and info["components"] == 2
    assert info["dropped_nodes"] == 2 and info["dropped_component_sizes"] == [2]
    assert info["nodes_before_scc"] == 4 and len(info["dropped_node_ids"]) == 2


def test_nearest_of_two_facilities_labelled():
    G = hc.read_network(line(5), mode="drive")
    fac = _pts([(0.0, 0.0), (4000.0, 0.0)], index=["west", "east"])
    tt = hc.travel_times(G, fac)
    # nodes 0, 1 nearer west; 3, 4 nearer east; node 2 is 360 s from both
    assert _times(tt) == pytest.approx([0.0, 180.0, 360.0, 180.0, 0.0])
    labels = tt.sort_index()["facility"].tolist()
    assert labels[:2] == ["west", "west"] and labels[3:] == ["east", "east"] and labels[2] in ("west", "east")


# --------------------------------------------------------------------------------------------
# speed overrides


def test_speed_overrides():
    fac = _pts([(0.0, 0.0)])
    # read_network(speeds=...): residential 30 km/h → 1,000 m in 120 s
    G = hc.read_network(line(2), mode="drive", speeds={"residential": 30})
    assert G.graph["healthcov"]["mode"]["speeds_kph"]["residential"] == 30.0
    assert hc.travel_times(G, fac).loc[1, "travel_time_s"] == pytest.approx(120.0)
    # the same through get_mode, with a Chinese class name: 支路 = tertiary at 36 km/h → 100 s
    G = hc.read_network(line(2, hw="tertiary"), mode=hc.get_mode("drive", speeds={"支路": 36}))
    assert hc.travel_times(G, fac).loc[1, "travel_time_s"] == pytest.approx(100.0)
    # an unknown class drives at the fallback, 25 km/h → 144 s; fallback_kph=50 → 72 s
    with pytest.warns(hc.UnknownRoadClassWarning, match="'mystery'"):
        G = hc.read_network(line(2, hw="mystery"), mode="drive")
    assert G.edges[0, 1, 0]["travel_time"] == pytest.approx(144.0)
    with pytest.warns(hc.UnknownRoadClassWarning, match="'mystery'"):
        G = hc.read_network(line(2, hw="mystery"), mode=hc.get_mode("drive", fallback_kph=50))
    assert G.edges[0, 1, 0]["travel_time"] == pytest.approx(72.0)
    # a Chinese road class in the highway attribute is understood: 主干路 = primary, 40 km/h → 90 s
    assert hc.read_network(line(2, hw="主干路"), mode="drive").edges[0, 1, 0]["travel_time"] == pytest.approx(90.0)
    # walking: the access speed can be overridden (40 m at 2 km/h = 72 s)
    W = hc.read_network(line(2), mode=hc.get_mode("walk", access_speed_kph=2.0))
    assert hc.snap_points(W, _pts([(500.0, 40.0)]))["access_time_s"].iloc[0] == pytest.approx(72.0)


def test_use_maxspeed():
    G0 = line(3)
    G0.edges[0, 1, 0]["maxspeed"] = "50"
    G0.edges[1, 2, 0]["maxspeed"] = "30 mph"  # 48.28032 km/h
    plain = hc.read_network(G0, mode="drive")
    assert plain.edges[0, 1, 0]["travel_time"] == pytest.approx(180.0)  # maxspeed ignored by default
    G = hc.read_network(G0, mode="drive", use_maxspeed=True)
    assert G.edges[0, 1, 0]["speed_kph"] == 50.0 and G.edges[0, 1, 0]["travel_time"] == pytest.approx(72.0)
    assert G.edges[1, 2, 0]["travel_time"] == pytest.approx(1000 / (30 * 1.609344 / 3.6))  # 74.5645 s
    assert G.edges[1, 0, 0]["travel_time"] == pytest.approx(180.0)  # no maxspeed on the way back


# --------------------------------------------------------------------------------------------
# inputs the graph reader and router accept


def test_read_network_leaves_the_input_graph_alone():
    G0 = oneway_triangle()
    before = {(u, v, k): dict(d) for u, v, k, d in G0.edges(keys=True, data=True)}
    hc.read_network(G0, mode="walk")
    assert G0.number_of_edges() == 5 and "healthcov" not in G0.graph
    assert {(u, v, k): dict(d) for u, v, k, d in G0.edges(keys=True, data=True)} == before


def test_undirected_and_lonlat_graphs():
    # an undirected nx.Graph is two-way everywhere
    U = nx.Graph(crs=CRS)
    U.add_node("a", x=X0, y=Y0)
    U.add_node("b", x=X0 + 1000.0, y=Y0)
    U.add_edge("a", "b", highway="residential")
    G = hc.read_network(U, mode="drive")
    assert G.number_of_edges() == 2
    tt = hc.travel_times(G, _pts([(1000.0, 0.0)]))
    assert tt.loc["a", "travel_time_s"] == pytest.approx(180.0) and tt.index.tolist() == ["a", "b"]
    # a lon/lat graph is projected to the local UTM zone (EPSG:32651 at 121.5° E)
    L = nx.MultiDiGraph(crs="EPSG:4326")
    L.add_node(1, x=121.50, y=29.87)
    L.add_node(2, x=121.51, y=29.87)
    L.add_edge(1, 2, highway="residential")
    L.add_edge(2, 1, highway="residential")
    P = hc.read_network(L, mode="drive")
    assert P.graph["crs"] == "EPSG:32651" and P.nodes[1]["lon"] == 121.50
    # 0.01° of longitude at 29.87° N ≈ 965.3 m (UTM scale factor included)
    assert P.edges[1, 2, 0]["length"] == pytest.approx(965.3, abs=1.0)


def test_facilities_in_lonlat_give_the_same_times():
    G = hc.read_network(oneway_triangle(), mode="drive")
    fac = _pts([(300.0, -40.0)])
    a = hc.travel_times(G, fac)
    b = hc.travel_times(G, fac.to_crs(4326))
    assert np.allclose(a["travel_time_s"], b["travel_time_s"], atol=1e-6)


def test_string_node_ids_that_look_like_numbers():
    # node ids "10", "20", "30" (e.g. from a CSV or a GraphML read without osmnx) must route too
    G = hc.read_network(line(3, ids=["10", "20", "30"]), mode="drive")
    tt = hc.travel_times(G, _pts([(0.0, 0.0)]))
    assert tt.index.tolist() == ["10", "20", "30"]
    assert tt["travel_time_s"].tolist() == pytest.approx([0.0, 180.0, 360.0])


def test_point_and_facility_on_the_same_edge():
    # facility 300 m and home 400 m along the 1,000 m road 0 ─ 1, both on it: 100 m apart,
    # 100 m at 20 km/h = 18 s (not via a node: 0 is 400 + 300 m away, 1 is 600 + 700 m away)
    G = hc.read_network(line(2), mode="drive")
    fac = _pts([(300.0, 0.0)])
    pts = _pts([(400.0, 0.0), (250.0, 0.0)], index=["east", "west"])
    for direction in ("to_facility", "from_facility"):
        tt = hc.travel_times(G, fac, points=pts, direction=direction)
        assert tt["dist_m"].tolist() == pytest.approx([100.0, 50.0], abs=1e-6), direction
        assert tt["travel_time_s"].tolist() == pytest.approx([18.0, 9.0], abs=1e-6), direction


# --------------------------------------------------------------------------------------------
# isochrones


def grid(n: int = 11, step: float = 200.0) -> nx.MultiDiGraph:
    """n × n two-way residential grid, ``step`` metres apart, node id = i * n + j at (i, j) · step."""
    nodes = {i * n + j: (step * i, step * j) for i in range(n) for j in range(n)}
    edges = []
    for i in range(n):
        for j in range(n):
            if i + 1 < n:
                edges.append((i * n + j, (i + 1) * n + j, "residential", True))
            if j + 1 < n:
                edges.append((i * n + j, i * n + j + 1, "residential", True))
    return _graph(nodes, edges)


@pytest.fixture(scope="module")
def grid_drive() -> nx.MultiDiGraph:
    return hc.read_network(grid(), mode="drive")


CENTRE = (1000.0, 1000.0)


def test_grid_isochrones_nested_and_monotone(grid_drive):
    iso = hc.isochrones(grid_drive, _pts([CENTRE]), minutes=(2, 1, 3))  # given unsorted
    assert iso["minutes"].tolist() == [1.0, 2.0, 3.0]
    assert list(iso.columns) == ["minutes", "area_km2", "geometry"] and iso.crs == CRS
    assert iso["area_km2"].is_monotonic_increasing and iso["area_km2"].iloc[0] > 0
    for small, big in zip(iso.geometry.iloc[:-1], iso.geometry.iloc[1:]):
        assert big.buffer(1e-6).contains(small)
    assert np.allclose(iso["area_km2"], iso.geometry.area / 1e6, rtol=1e-9, atol=0)
    assert iso.attrs["method"] == "grid" and iso.attrs["cell_m"] == 100.0 and iso.attrs["fill_m"] == 200.0
    assert iso.attrs["direction"] == "to_facility" and iso.attrs["facilities_used"] == 1
    # 3 minutes reach 1,000 m of road: every cell touched lies within the 2 × 2 km grid (+1 cell)
    minx, miny, maxx, maxy = iso.geometry.iloc[2].bounds
    assert minx >= X0 - 100 and miny >= Y0 - 100 and maxx <= X0 + 2100 and maxy <= Y0 + 2100
    # the 1-minute band (333 m of road each way) cannot be larger than its 100 m-cell bounding square
    assert iso["area_km2"].iloc[0] <= (2 * 333.4 + 200) ** 2 / 1e6


def test_hull_isochrones_are_the_hand_computed_diamonds(grid_drive):
    # on a grid, road within r metres (Manhattan) of the centre has the diamond |dx|+|dy| ≤ r as hull:
    # area 2 r². r = 333.33, 666.67, 1,000 m → 0.2222, 0.8889, 2.0 km²
    iso = hc.isochrones(grid_drive, _pts([CENTRE]), minutes=(1, 2, 3), method="hull")
    assert iso["area_km2"].tolist() == pytest.approx([2 * (1000 / 3) ** 2 / 1e6, 2 * (2000 / 3) ** 2 / 1e6, 2.0])
    # metres thresholds: r = 200 and 400 m → 0.08 and 0.32 km²
    iso_m = hc.isochrones(grid_drive, _pts([CENTRE]), metres=(400, 200), method="hull")
    assert iso_m["metres"].tolist() == [200.0, 400.0]
    assert iso_m["area_km2"].tolist() == pytest.approx([0.08, 0.32])


def test_per_facility_isochrones(grid_drive):
    fac = _pts([CENTRE, (400.0, 400.0)], index=["C", "D"], name=["centre", "south-west"])
    iso = hc.isochrones(grid_drive, fac, minutes=(1, 2, 3), per_facility=True)
    assert len(iso) == 6
    assert list(iso.columns) == ["facility", "minutes", "area_km2", "geometry"]
    assert iso["facility"].tolist() == ["C", "C", "C", "D", "D", "D"]
    assert iso["minutes"].tolist() == [1.0, 2.0, 3.0] * 2
    for _, one in iso.groupby("facility"):
        assert one["area_km2"].is_monotonic_increasing
        g = one.geometry.tolist()
        assert g[2].buffer(1e-6).contains(g[1]) and g[1].buffer(1e-6).contains(g[0])
    assert np.allclose(iso["area_km2"], iso.geometry.area / 1e6, rtol=1e-9, atol=0)
    # the same facility, alone, gives the same polygons as its per-facility rows
    alone = hc.isochrones(grid_drive, fac.loc[["C"]], minutes=(1, 2, 3))
    assert np.allclose(alone["area_km2"], iso.loc[iso["facility"] == "C", "area_km2"], rtol=1e-9)
    # the union isochrone of both covers each facility's own
    union = hc.isochrones(grid_drive, fac, minutes=(1, 2, 3))
    assert union.attrs["facilities_used"] == 2
    for m in (1.0, 2.0, 3.0):
        u = union.loc[union["minutes"] == m].geometry.iloc[0]
        for g in iso.loc[iso["minutes"] == m].geometry:
            assert u.buffer(1e-6).contains(g)


def test_buffer_isochrone_on_a_straight_road():
    # facility at the middle node of a 2 km two-way road: 1 minute at 20 km/h = 333.33 m each way,
    # so 666.67 m of road buffered by 10 m: a 686.67 × 20 m stadium, area 2·10·666.67 + π·10²
    # (shapely's 32-gon circle: 16·10²·sin(π/16)·2 = 312.14 m² instead of 314.16)
    G = hc.read_network(line(3), mode="drive")
    iso = hc.isochrones(G, _pts([(1000.0, 0.0)]), minutes=1, method="buffer", buffer_m=10)
    g = iso.geometry.iloc[0]
    assert g.bounds == pytest.approx((X0 + 1000 - 1000 / 3 - 10, Y0 - 10, X0 + 1000 + 1000 / 3 + 10, Y0 + 10))
    circle32 = 0.5 * 32 * 100 * math.sin(2 * math.pi / 32)
    assert g.area == pytest.approx(2 * 10 * 2000 / 3 + circle32, abs=0.5)
    assert iso.attrs["buffer_m"] == 10 and iso.attrs["cell_m"] is None


def test_isochrone_direction_on_a_oneway_chain():
    # one-way 0 → 1 → 2 (1,000 m each), facility at node 1, buffer 10 m, 1 minute = 333.33 m:
    # driving away reaches 1 → 2 only; driving towards it, the last 333.33 m of 0 → 1 only
    G0 = _graph(
        {0: (0.0, 0.0), 1: (1000.0, 0.0), 2: (2000.0, 0.0)},
        [(0, 1, "residential", False), (1, 2, "residential", False)],
    )
    G = hc.read_network(G0, mode="drive", largest_component=False)
    fac = _pts([(1000.0, 0.0)])
    out = hc.isochrones(G, fac, minutes=1, method="buffer", buffer_m=10, direction="from_facility")
    into = hc.isochrones(G, fac, minutes=1, method="buffer", buffer_m=10, direction="to_facility")
    assert out.geometry.iloc[0].bounds == pytest.approx((X0 + 990, Y0 - 10, X0 + 1000 + 1000 / 3 + 10, Y0 + 10))
    assert into.geometry.iloc[0].bounds == pytest.approx((X0 + 1000 - 1000 / 3 - 10, Y0 - 10, X0 + 1010, Y0 + 10))
    assert out["area_km2"].iloc[0] == pytest.approx(into["area_km2"].iloc[0], rel=1e-6)
    # ambulances default to from_facility
    amb = hc.read_network(G0, mode="ambulance", largest_component=False)
    assert hc.isochrones(amb, fac, minutes=1, method="buffer", buffer_m=10).attrs["direction"] == "from_facility"


def test_walk_isochrone_defaults():
    W = hc.read_network(grid(), mode="walk")
    iso = hc.isochrones(W, _pts([CENTRE]), minutes=(2, 4))
    assert iso.attrs["cell_m"] == 50.0 and iso.attrs["fill_m"] == 100.0 and iso.attrs["mode"] == "walk"
    # 4 minutes walking = 300 m: the band lies within 300 m (+ a cell and the closing) of the centre
    minx, miny, maxx, maxy = iso.geometry.iloc[1].bounds
    assert minx >= X0 + 600 and maxx <= X0 + 1400 and miny >= Y0 + 600 and maxy <= Y0 + 1400
    assert iso.geometry.iloc[1].contains(shapely.Point(X0 + 1000 + 250, Y0 + 1000))
    assert not iso.geometry.iloc[1].contains(shapely.Point(X0 + 1000 + 200, Y0 + 1000 + 200))  # 400 m by road


def test_point_and_facility_on_the_same_oneway_edge():
    # facility 300 m and home 400 m along the one-way 0 → 1 of the triangle (both on the road):
    # from the facility: 100 m with the traffic = 18 s; to it: on to 1 (600 m), 1 → 2 → 0 (2 × LEG),
    # then 300 m: 3,136.07 m = 564.49 s
    G = hc.read_network(oneway_triangle(), mode="drive")
    fac = _pts([(300.0, 0.0)])
    home = _pts([(400.0, 0.0)], index=["home"])
    fr = hc.travel_times(G, fac, points=home, direction="from_facility").loc["home"]
    assert (fr["travel_time_s"], fr["dist_m"]) == (pytest.approx(18.0), pytest.approx(100.0))
    to = hc.travel_times(G, fac, points=home, direction="to_facility").loc["home"]
    assert to["dist_m"] == pytest.approx(900 + 2 * LEG) and to["travel_time_s"] == pytest.approx((900 + 2 * LEG) * 0.18)
