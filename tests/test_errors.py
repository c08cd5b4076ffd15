"""Every error path: the right exception class, a message that names the input and says what to do."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import healthcov as hc

X0, Y0 = 500_000.0, 3_300_000.0
CRS = "EPSG:32651"


def _road(hw: str = "residential", crs: str | None = CRS, xy: bool = True) -> nx.MultiDiGraph:
    """Two-way 0 ─ 1 ─ 2 along y = Y0, 1,000 m apart (unprepared)."""
    G = nx.MultiDiGraph() if crs is None else nx.MultiDiGraph(crs=crs)
    for i in range(3):
        G.add_node(i, **({"x": X0 + 1000.0 * i, "y": Y0} if xy else {}))
    for a, b in ((0, 1), (1, 2)):
        G.add_edge(a, b, highway=hw)
        G.add_edge(b, a, highway=hw)
    return G


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return hc.read_network(_road(), mode="drive")


def _pts(xy, index=None, crs=CRS, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols or None, geometry=[shapely.Point(x, y) for x, y in xy], index=index, crs=crs)


ON = (X0 + 500.0, Y0 + 10.0)  # 10 m from the road


def test_hierarchy():
    for cls in (
        hc.DataNotFoundError,
        hc.CRSError,
        hc.EmptyInputError,
        hc.MissingColumnError,
        hc.InvalidGeometryError,
        hc.NetworkError,
        hc.OffNetworkError,
    ):
        assert issubclass(cls, hc.InputError) and issubclass(cls, ValueError) and issubclass(cls, hc.HealthcovError)
    assert issubclass(hc.DataNotFoundError, FileNotFoundError) and issubclass(hc.MissingColumnError, KeyError)
    assert not issubclass(hc.ProfileError, hc.InputError) and issubclass(hc.ProfileError, ValueError)
    for w in (hc.AssumedCRSWarning, hc.OffNetworkWarning, hc.GeometryConvertedWarning, hc.CoordinateSystemWarning):
        assert issubclass(w, hc.HealthcovWarning) and issubclass(w, UserWarning)


def test_every_error_and_warning_lives_in_errors_and_keeps_its_old_import():
    """The hygiene and database classes moved into healthcov.errors; the old names are the same objects."""
    from healthcov import errors
    from healthcov.io import postgis
    from healthcov.network import hygiene

    for name in errors.__all__:
        assert getattr(hc, name) is getattr(errors, name), name
    for mod, names in (
        (hygiene, ("DisconnectedRoadsWarning", "IslandSnapWarning", "UnknownRoadClassWarning", "EdgeLengthWarning",
                   "EdgeLengthError", "TextEncodingWarning")),
        (postgis, ("DatabaseError", "DatabaseConnectionError", "DatabaseAuthError", "MissingExtraError")),
    ):  # fmt: skip
        for name in names:
            assert getattr(mod, name) is getattr(errors, name), name
            assert getattr(mod, name).__module__ == "healthcov.errors", name
    assert issubclass(hc.EmptyNetworkError, hc.NetworkError) and issubclass(hc.EmptyNetworkError, hc.EmptyInputError)
    assert issubclass(hc.EdgeLengthError, hc.NetworkError) and issubclass(hc.DatabaseAuthError, hc.DatabaseError)
    assert issubclass(hc.MissingExtraError, ImportError) and not issubclass(hc.MissingExtraError, hc.InputError)
    for w in (hc.RoadLinesDroppedWarning, hc.TextEncodingWarning, hc.IslandSnapWarning):
        assert issubclass(w, hc.HealthcovWarning)
    assert issubclass(hc.IslandSnapWarning, hc.DisconnectedRoadsWarning)


# ------------------------------------------------------------------------------------------
# missing files


def test_missing_files(tmp_path, monkeypatch):
    with pytest.raises(hc.DataNotFoundError, match=r"road network file not found: '.*missing\.osm'"):
        hc.read_network(tmp_path / "missing.osm")
    with pytest.raises(FileNotFoundError):  # also catchable as the built-in
        hc.read_network(str(tmp_path / "missing.graphml"))
    with pytest.raises(hc.DataNotFoundError, match=r"clinics file not found: '.*clinics\.csv'"):
        hc.read_facilities(tmp_path / "clinics.csv", name="clinics")
    with pytest.raises(hc.DataNotFoundError, match=r"facilities file not found: 'nowhere\.geojson' \(relative to "):
        hc.read_facilities("nowhere.geojson")
    with pytest.raises(hc.DataNotFoundError, match="CBEngine road net file not found"):
        hc.read_cbengine(tmp_path / "roadnet.txt")
    with pytest.raises(hc.InputError, match="unknown dataset 'shanghai_hospitals': use one of admin_codes"):
        hc.datasets.path("shanghai_hospitals")
    monkeypatch.setenv("HEALTHCOV_DATA", str(tmp_path / "no-such-folder"))
    with pytest.raises(hc.DataNotFoundError, match=r"HEALTHCOV_DATA=.*no-such-folder.* is not a folder"):
        hc.datasets.path("dalian_graphml")
    assert hc.datasets.available() is False
    monkeypatch.setenv("HEALTHCOV_DATA", str(tmp_path))  # a folder, but without the files
    with pytest.raises(hc.DataNotFoundError, match="dataset 'dalian_graphml' is missing: expected"):
        hc.datasets.path("dalian_graphml")


# ------------------------------------------------------------------------------------------
# unreadable, empty or unusable networks


def test_unreadable_network_files(tmp_path):
    bad = tmp_path / "garbage.osm"
    bad.write_text("this is not XML", encoding="utf-8")
    with pytest.raises(hc.NetworkError, match=r"cannot read the road network '.*garbage\.osm': ParseError"):
        hc.read_network(bad)
    gml = tmp_path / "garbage.graphml"
    gml.write_text("<graphml", encoding="utf-8")
    with pytest.raises(hc.NetworkError, match=r"garbage\.graphml"):
        hc.read_network(gml)
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"></osm>', encoding="utf-8")
    with pytest.raises(hc.NetworkError, match=r"cannot read the road network '.*empty\.osm'"):
        hc.read_network(empty)
    odd = tmp_path / "roads.abc"
    odd.write_text("x", encoding="utf-8")
    with pytest.raises(hc.NetworkError, match=r"unknown road-network format 'roads\.abc'"):
        hc.read_network(odd)
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(hc.NetworkError, match=r"is a folder without edges\.shp"):
        hc.read_network(folder)
    cb = tmp_path / "roadnet.txt"
    cb.write_text("2\n30.0 120.0 1 1\n30.1 120.1 2 1\n1\n1 2 oops 10 1 1 100 101\n", encoding="utf-8")
    with pytest.raises(hc.NetworkError, match=r"'roadnet\.txt' is not a valid CBEngine road net near record 5"):
        hc.read_network(cb)
    with pytest.raises(hc.InputError, match="cannot read a road network from int"):
        hc.read_network(42)


def test_unusable_line_layers(tmp_path):
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(hc.NetworkError, match=r"road lines 'empty\.geojson' has no rows"):
        hc.read_network(empty)
    points = gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[shapely.Point(121.5, 29.8)], crs=4326)
    with pytest.raises(hc.NetworkError, match=r"must hold lines .*found \['Point'\]"):
        hc.read_network(points)
    line = shapely.LineString([(121.50, 29.80), (121.51, 29.80)])
    noclass = gpd.GeoDataFrame({"name": ["中山路"]}, geometry=[line], crs=4326)
    with pytest.raises(hc.MissingColumnError, match=r"no road-class column .*columns are \['name', 'geometry'\]"):
        hc.read_network(noclass)
    with pytest.raises(hc.MissingColumnError, match="road_class column 'grade' not found"):
        hc.read_network(noclass, road_class="grade")
    roads = gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[line], crs=4326)
    with pytest.raises(hc.MissingColumnError, match="oneway column 'one_way' not found"):
        hc.read_network(roads, oneway="one_way")
    with pytest.raises(hc.MissingColumnError, match="speed column 'vmax' not found"):
        hc.read_network(roads, speed="vmax")
    # CRS contradictions
    with pytest.raises(hc.CRSError, match=r"says its CRS is EPSG:32651 \(metres\) but .* look like longitude/latitude"):
        hc.read_network(roads.set_crs(32651, allow_override=True))
    metres = gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[shapely.LineString([(X0, Y0), (X0 + 9, Y0)])])
    with pytest.raises(hc.CRSError, match="has no CRS and its coordinates are not longitude/latitude: pass crs="):
        hc.read_network(metres)


def test_unusable_graphs(G):
    with pytest.raises(hc.NetworkError, match="the road graph has no nodes"):
        hc.read_network(nx.MultiDiGraph(crs=CRS))
    lonely = nx.MultiDiGraph(crs=CRS)
    lonely.add_node(0, x=X0, y=Y0)
    with pytest.raises(hc.EmptyInputError, match="the road network networkx graph has no edges"):
        hc.read_network(lonely)
    with pytest.raises(hc.CRSError, match=r"the road graph has no 'crs' in G.graph"):
        hc.read_network(_road(crs=None))
    with pytest.raises(hc.NetworkError, match="road graph nodes 0, 1, 2 have no 'x'/'y' coordinates"):
        hc.read_network(_road(xy=False))
    with pytest.raises(hc.CRSError, match=r"EPSG:2263 is not in metres"):  # US feet
        hc.read_network(_road(crs="EPSG:2263"))
    with pytest.raises(hc.CRSError, match=r"to_crs='EPSG:4326' is geographic"):
        hc.read_network(_road(), to_crs="EPSG:4326")
    with pytest.raises(
        hc.EmptyInputError, match=r"no edges usable by mode 'walk' \(removed classes: {'motorway': 4}\)"
    ):
        hc.read_network(_road("motorway"), mode="walk")
    with pytest.raises(hc.EmptyInputError, match="mode 'drive'"):
        hc.read_network(_road("footway"), mode="drive")
    # a graph that did not go through read_network
    fac = _pts([ON])
    for call in (
        lambda: hc.travel_times(_road(), fac),
        lambda: hc.isochrones(_road(), fac),
        lambda: hc.snap_points(_road(), fac),
    ):
        with pytest.raises(hc.NetworkError, match=r"G is not a network prepared by healthcov: pass it through"):
            call()
    with pytest.raises(hc.NetworkError, match="not a network prepared"):
        hc.travel_times(nx.DiGraph(G), fac)


# ------------------------------------------------------------------------------------------
# facilities without CRS, in a wrong CRS, off the network


def test_facilities_without_crs(G, tmp_path):
    bare = gpd.GeoDataFrame(geometry=[shapely.Point(*ON)])
    with pytest.raises(hc.CRSError, match=r"facilities has no CRS: set one with \.set_crs"):
        hc.travel_times(G, bare)
    with pytest.raises(hc.CRSError, match="points has no CRS"):
        hc.travel_times(G, _pts([ON]), points=bare)
    with pytest.raises(hc.CRSError, match=r"clinics \(a GeoDataFrame\) has no CRS"):
        hc.read_facilities(bare, name="clinics")
    with pytest.raises(hc.CRSError, match="facilities has no CRS"):
        hc.isochrones(G, bare)
    with pytest.raises(hc.CRSError, match="has no CRS"):
        hc.snap_points(G, bare)


def test_facilities_in_a_wrong_crs(G):
    # metres labelled as degrees
    with pytest.raises(hc.CRSError, match=r"facilities claims EPSG:4326 \(degrees\) but its coordinates are not"):
        hc.travel_times(G, _pts([ON], crs=4326))
    # degrees labelled as metres: 121.5 m east of the UTM origin, 3,337 km from the road
    lonlat_as_utm = _pts([(121.55, 29.81), (121.56, 29.82)], crs=CRS)
    with pytest.raises(hc.OffNetworkError, match=r"all 2 facilities lie farther than max_snap_m=1000 m .*\(nearest 33"):
        hc.travel_times(G, lonlat_as_utm)
    with pytest.raises(hc.OffNetworkError, match="all 2 facilities"):
        hc.isochrones(G, lonlat_as_utm)
    with pytest.raises(hc.CRSError, match=r"coord_system='gcj02' needs longitude/latitude input, but .* EPSG:32651"):
        hc.read_facilities(_pts([ON]), coord_system="gcj02")
    with pytest.raises(hc.CRSError, match=r"says its CRS is EPSG:4326 .* are not longitude/latitude"):
        hc.read_facilities(pd.DataFrame({"lon": [X0], "lat": [Y0]}))


def test_real_facilities_on_the_wrong_network(dalian_drive, shanghai_emergency):
    # Shanghai's emergency centres on the Dalian network: all 108 are 783 km or more away
    with pytest.raises(hc.OffNetworkError, match=r"all 108 facilities .* \(nearest 783143 m\).*coord_system='gcj02'"):
        hc.travel_times(dalian_drive, shanghai_emergency)


def test_some_facilities_off_network(G):
    fac = _pts([ON, (X0 + 1500, Y0 + 5000), (X0 + 2000, Y0 - 3000)], index=["a", "b", "c"], name=["近", "远", "更远"])
    with pytest.warns(
        hc.OffNetworkWarning, match=r"2 of 3 facilities lie farther than max_snap_m=1000 m .*'b \(远\)', 'c \(更远\)'"
    ):
        tt = hc.travel_times(G, fac)
    assert set(tt["facility"]) == {"a"} and len(tt) == 3
    # the limit can be tightened: 10 m is on, 9 m is not
    with pytest.raises(
        hc.OffNetworkError, match=r"all 1 facilities lie farther than max_snap_m=9 m .*\(nearest 10 m\)"
    ):
        hc.travel_times(G, fac.loc[["a"]], max_snap_m=9)
    with pytest.raises(hc.InputError, match="max_snap_m must be a positive distance in metres, got -1"):
        hc.travel_times(G, fac.loc[["a"]], max_snap_m=-1)
    # points, too, are named when off the network
    pts = _pts([(X0, Y0 + 5000)], index=["home"])
    with pytest.raises(hc.OffNetworkError, match="all 1 points lie farther"):
        hc.travel_times(G, fac.loc[["a"]], points=pts)
    with pytest.warns(hc.OffNetworkWarning, match=r"1 of 2 facilities .*: 'b'$"):
        iso = hc.isochrones(G, fac.drop(columns="name").loc[["a", "b"]], minutes=1)
    assert iso.attrs["facilities_used"] == 1 and iso.attrs["facilities_off_network"] == 1


def test_more_than_five_off_network_are_counted(G):
    xy = [ON] + [(X0 + 100 * i, Y0 + 5000) for i in range(7)]
    with pytest.warns(hc.OffNetworkWarning, match=r"7 of 8 facilities .*'1', '2', '3', '4', '5', … \(7 in all\)"):
        hc.travel_times(G, _pts(xy))


# ------------------------------------------------------------------------------------------
# empty, missing or bad geometries


def test_empty_facilities(G, tmp_path):
    empty = gpd.GeoDataFrame(geometry=[], crs=CRS)
    with pytest.raises(hc.EmptyInputError, match="facilities is empty: there is nothing to route from"):
        hc.travel_times(G, empty)
    with pytest.raises(hc.EmptyInputError, match="facilities is empty"):
        hc.isochrones(G, empty)
    with pytest.raises(hc.EmptyInputError, match="points is empty"):
        hc.travel_times(G, _pts([ON]), points=empty)
    csv = tmp_path / "none.csv"
    csv.write_text("name,lon,lat\n", encoding="utf-8")
    with pytest.raises(
        hc.EmptyInputError, match=r"clinics \(.*none\.csv.\) is empty: a header \(name, lon, lat\) and no rows"
    ):
        hc.read_facilities(csv, name="clinics")
    with pytest.raises(hc.EmptyInputError, match="facilities is empty"):
        hc.read_facilities(gpd.GeoDataFrame(geometry=[], crs=4326))


def test_nan_and_missing_geometries(G, tmp_path):
    nan = _pts([ON, (X0, np.nan)], index=["ok", "bad"])
    with pytest.raises(hc.InvalidGeometryError, match="facilities: rows 'bad' have NaN or infinite coordinates"):
        hc.travel_times(G, nan)
    with pytest.raises(hc.InvalidGeometryError, match="points: rows 'bad' have NaN"):
        hc.travel_times(G, _pts([ON]), points=nan)
    none = gpd.GeoDataFrame(geometry=[shapely.Point(*ON), None], index=["ok", "gone"], crs=CRS)
    with pytest.raises(hc.InvalidGeometryError, match="facilities: rows 'gone' have no geometry"):
        hc.travel_times(G, none)
    with pytest.raises(hc.InvalidGeometryError, match=r"1 of 2 rows have no geometry \(rows 'gone'\)"):
        hc.read_facilities(none)
    with pytest.raises(hc.InvalidGeometryError, match="rows 'bad' have NaN or infinite coordinates"):
        hc.read_facilities(nan)
    poly = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 10, Y0 + 10)], index=["site"], crs=CRS)
    with pytest.raises(hc.InvalidGeometryError, match=r"rows 'site' are not points; read them with .*read_facilities"):
        hc.travel_times(G, poly)
    csv = tmp_path / "nan.csv"
    csv.write_text("name,lon,lat\n甲,121.5,29.8\n乙,,29.9\n丙,abc,29.7\n", encoding="utf-8")
    with pytest.raises(
        hc.InvalidGeometryError,
        match=r"facilities \(nan\.csv\): 2 of 3 rows have missing or non-numeric coordinates in 'lon'/'lat' "
        r"\(rows '1: 乙', '2: 丙'\)",
    ):
        hc.read_facilities(csv)
    with pytest.raises(hc.InputError, match=r"must be a GeoDataFrame of points .* got DataFrame"):
        hc.travel_times(G, pd.DataFrame({"lon": [121.5], "lat": [29.8]}))
    with pytest.raises(hc.InputError, match=r"facilities: expected a path, a GeoDataFrame or a DataFrame .* got list"):
        hc.read_facilities([(121.5, 29.8)])


def test_unreadable_facility_file(tmp_path):
    f = tmp_path / "clinics.xlsx"
    f.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(hc.InputError, match=r"cannot read facilities from '.*clinics\.xlsx'.*expected GeoJSON"):
        hc.read_facilities(f)
    with pytest.raises(hc.InputError, match="unknown coord_system 'mars2000'"):
        hc.read_facilities(pd.DataFrame({"lon": [121.5], "lat": [29.8]}), coord_system="mars2000")


# ------------------------------------------------------------------------------------------
# missing columns


def test_missing_lon_lat_columns(tmp_path):
    csv = tmp_path / "nolon.csv"
    csv.write_text("name,east,north\na,121.5,29.8\n", encoding="utf-8")
    with pytest.raises(
        hc.MissingColumnError,
        match=r"facilities \(nolon\.csv\): no longitude column found .*columns are \['name', 'east', 'north'\]",
    ) as info:
        hc.read_facilities(csv)
    assert str(info.value).startswith("facilities (nolon.csv)")  # not quoted like a KeyError
    with pytest.raises(KeyError):
        hc.read_facilities(csv)
    with pytest.raises(hc.MissingColumnError, match=r"column '经度' \(longitude\) not found"):
        hc.read_facilities(csv, lon="经度", lat="north")
    with pytest.raises(hc.MissingColumnError, match=r"column 'lat' \(latitude\) not found"):
        hc.read_facilities(csv, lon="east", lat="lat")
    assert len(hc.read_facilities(csv, lon="east", lat="north")) == 1
    with pytest.raises(hc.MissingColumnError, match=r"clinics: no latitude column found .*columns are \['lon'\]"):
        hc.read_facilities(pd.DataFrame({"lon": [121.5]}), name="clinics")


def test_missing_latitude_hint_names_lat():
    # the hint must point at the argument that fixes it: lat=..., not lon=...
    with pytest.raises(hc.MissingColumnError, match="no latitude column") as info:
        hc.read_facilities(pd.DataFrame({"lon": [121.5], "北纬": [29.8]}))
    assert "lat=" in str(info.value) and "lon=" not in str(info.value)


# ------------------------------------------------------------------------------------------
# arguments


def test_unknown_mode_and_bad_overrides():
    with pytest.raises(
        hc.InputError, match=r"unknown mode 'helicopter': use one of ambulance, bike, drive, ebike, walk"
    ):
        hc.read_network(_road(), mode="helicopter")
    with pytest.raises(hc.InputError, match="unknown mode 'boat'"):
        hc.get_mode("boat")
    with pytest.raises(
        hc.InputError, match=r"speeds must be positive numbers in km/h \(at most 200\); got {'primary': -5}"
    ):
        hc.read_network(_road(), speeds={"primary": -5})
    with pytest.raises(hc.InputError, match="speeds must be positive"):
        hc.get_mode("drive", speeds={"residential": "fast"})
    with pytest.raises(hc.InputError, match="unknown congestion 'rush': use 'off-peak', 'peak' or a factor"):
        hc.read_network(_road(), mode="ambulance", congestion="rush")
    with pytest.raises(hc.InputError, match="congestion must be a positive number, got 0"):
        hc.get_mode("ambulance", congestion=0)
    with pytest.raises(hc.InputError, match="fallback_kph must be a positive number, got -1"):
        hc.get_mode("drive", fallback_kph=-1)
    with pytest.raises(hc.InputError, match="speed_factor must be a positive number, got 'x'"):
        hc.get_mode("drive", speed_factor="x")
    with pytest.raises(hc.InputError, match="max_snap_m must be a positive number"):
        hc.get_mode("walk", max_snap_m=float("nan"))


def test_unknown_direction_and_weight(G):
    fac = _pts([ON])
    with pytest.raises(hc.InputError, match=r"unknown direction 'sideways': use 'to_facility' .* or 'from_facility'"):
        hc.travel_times(G, fac, direction="sideways")
    with pytest.raises(hc.InputError, match="unknown direction 'up'"):
        hc.isochrones(G, fac, direction="up")
    with pytest.raises(hc.InputError, match="unknown weight 'cost': use 'travel_time' or 'length'"):
        hc.travel_times(G, fac, weight="cost")


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [(0, r"\[0\]"), (-5, r"\[-5\]"), ([5, -1], r"\[-1\]"), (float("nan"), r"\[nan\]"), ("10", r"\['10'\]")],
)
def test_bad_minutes(G, minutes, shown):
    with pytest.raises(hc.InputError, match=rf"minutes= must hold positive numbers, got {shown}"):
        hc.isochrones(G, _pts([ON]), minutes=minutes)


def test_bad_thresholds_and_isochrone_settings(G):
    fac = _pts([ON])
    with pytest.raises(hc.InputError, match="minutes= is empty: give at least one threshold"):
        hc.isochrones(G, fac, minutes=[])
    with pytest.raises(hc.InputError, match=r"metres= must hold positive numbers, got \[-100\]"):
        hc.isochrones(G, fac, metres=[500, -100])
    with pytest.raises(hc.InputError, match="give either minutes= or metres=, not both"):
        hc.isochrones(G, fac, minutes=[5], metres=[500])
    with pytest.raises(hc.InputError, match="unknown method 'voronoi': use one of grid, buffer, hull"):
        hc.isochrones(G, fac, method="voronoi")
    with pytest.raises(hc.InputError, match=r"cell_m must be a distance in metres between 1 and 5,000, got 0"):
        hc.isochrones(G, fac, cell_m=0)
    with pytest.raises(hc.InputError, match=r"cell_m must be .* got 'big'"):
        hc.isochrones(G, fac, cell_m="big")
    with pytest.raises(hc.InputError, match=r"cell_m must be .* between 1 and 5,000, got 1000000000\.0"):
        hc.isochrones(G, fac, cell_m=1e9)  # was accepted: an isochrone of 10^12 km²
    with pytest.raises(hc.InputError, match=r"buffer_m must be a distance in metres .* got -5"):
        hc.isochrones(G, fac, method="buffer", buffer_m=-5)
    with pytest.raises(hc.InputError, match=r"fill_m must be a distance in metres between 0 and 20,000, got -1"):
        hc.isochrones(G, fac, fill_m=-1)
    with pytest.raises(hc.InputError, match=r"cell_m must be .* got -1"):
        hc.network_area(G, cell_m=-1)  # was a raw numpy ValueError


# ------------------------------------------------------------------------------------------
# GCJ-02 coordinates on a WGS84 network


def _to_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same places as AMap would give them: WGS84 → GCJ-02, labelled (wrongly) as EPSG:4326."""
    ll = gdf.to_crs(4326)
    gx, gy = hc.wgs84_to_gcj02(ll.geometry.x.to_numpy(), ll.geometry.y.to_numpy())
    return gdf.set_geometry(gpd.points_from_xy(gx, gy, crs=4326))


def test_gcj02_points_on_a_sparse_wgs84_road():
    # a 10 km east-west road at 29.87° N near Ningbo, in WGS84; clinics exactly on it
    R = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(11):
        R.add_node(i, x=121.50 + 0.01 * i, y=29.87)
    for i in range(10):
        R.add_edge(i, i + 1, highway="primary")
        R.add_edge(i + 1, i, highway="primary")
    R = hc.read_network(R, mode="drive")
    on_road = gpd.GeoDataFrame(
        {"name": ["甲", "乙", "丙"]},
        geometry=shapely.points([(121.52, 29.87), (121.55, 29.87), (121.58, 29.87)]),
        crs=4326,
    )
    shifted = _to_gcj02(on_road)  # ≈ 285 m south of the road (and 400 m east along it)
    with pytest.warns(hc.CoordinateSystemWarning, match=r"facilities: the points lie a median 28\d m from the roads"):
        hc.travel_times(R, shifted)
    with pytest.warns(hc.CoordinateSystemWarning, match=r"points: .*read_facilities\(\.\.\., coord_system='gcj02'\)"):
        hc.travel_times(R, on_road, points=shifted)
    with pytest.warns(hc.CoordinateSystemWarning, match="GCJ-02"):
        snapped = hc.snap_points(R, shifted)
    assert snapped["snap_dist_m"].median() == pytest.approx(285, abs=10)
    # read as GCJ-02 they are back on the road, and nothing is said
    table = pd.DataFrame({"lon": shifted.geometry.x, "lat": shifted.geometry.y})
    fixed = hc.read_facilities(table, coord_system="gcj02")
    assert hc.snap_points(R, fixed)["snap_dist_m"].max() < 0.01
    hc.travel_times(R, on_road)  # WGS84 on WGS84: no warning (warnings are errors here)


def _shifted_on_network_centres(G, centres):
    on = centres[hc.snap_points(G, centres)["on_network"]]
    assert len(on) == 28
    return on, _to_gcj02(on)


def test_gcj02_shift_of_real_centres_is_not_detectable_in_a_dense_city(shanghai_drive, shanghai_emergency):
    # A known limit, kept visible: the 28 real centres given as GCJ-02 sit 40 m from some road, against 34 m
    # when right, so snapping cannot tell (the README says: pass coord_system= for AMap/Tencent data).
    on, shifted = _shifted_on_network_centres(shanghai_drive, shanghai_emergency)
    assert shifted.to_crs(on.crs).distance(on).median() == pytest.approx(483.5, abs=0.1)  # ≈ 480 m off
    with pytest.warns(hc.OffNetworkWarning):
        hc.travel_times(shanghai_drive, shifted)


def test_gcj02_shifted_road_points_in_a_dense_city_warn(shanghai_drive):
    # 41 of the network's own nodes (exactly on the roads, 0 m) moved to GCJ-02: 30.5 m median from the
    # nearest road as given, 0 m after GCJ-02 → WGS84. A clear signal; it must be reported.
    nodes = hc.nodes_frame(shanghai_drive)
    shifted = _to_gcj02(nodes.iloc[:: len(nodes) // 40])
    with pytest.warns(hc.CoordinateSystemWarning, match="coord_system='gcj02'"):
        out = hc.snap_points(shanghai_drive, shifted)
    assert out["snap_dist_m"].median() == pytest.approx(30.52, abs=0.01)
