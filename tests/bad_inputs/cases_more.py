"""More inputs found while writing the corpus: CSV dialects, duplicate labels, speed columns, far points."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import healthcov as hc
from bad_inputs.cases_assess import CIRCLE, by_hand
from bad_inputs.corpus import (
    UTM,
    X0,
    Y0,
    assess_world,
    err,
    graph,
    line,
    near,
    ok,
    pts,
    roads,
    row,
    warn,
    world_areas,
    world_fac,
    world_pop,
    write,
)

FAC = "io/facilities.py"
NET = "io/networks.py"
POPF = "io/population.py"
HZ = "120.155,30.274"


def _fac_csv(t: Path, text: str | bytes) -> gpd.GeoDataFrame:
    return hc.read_facilities(write(t, "fac.csv", text))


def _speed_col(value) -> object:
    r = roads([line((0, 0), (1000, 0), (2000, 0))], maxspeed_kph=[value])
    return hc.read_network(r, mode="drive", speed="maxspeed_kph")


def _max_time(G) -> float:
    return max(d["travel_time"] for *_, d in G.edges(data=True))


CSV = [
    ok(
        "fac-csv-utf8-bom",
        "an Excel CSV (UTF-8 with BOM) whose first column is lon",
        lambda t: _fac_csv(t, f"lon,lat,name\n{HZ},医院\n".encode("utf-8-sig")),
        lambda f: f["name"].tolist() == ["医院"],
    ),
    err(
        "fac-csv-semicolons",
        "a CSV separated by semicolons",
        lambda t: _fac_csv(t, f"lon;lat;name\n{HZ.replace(',', ';')};a\n"),
        hc.MissingColumnError,
        "lon;lat;name",
        why="a semicolon CSV shows as one column 'lon;lat;name': the message shows it",
    ),
    ok(
        "fac-tsv-tabs",
        "a .tsv file (tab-separated)",
        lambda t: hc.read_facilities(write(t, "fac.tsv", f"lon\tlat\tname\n{HZ.replace(',', chr(9))}\t医院\n")),
        lambda f: f["name"].tolist() == ["医院"] and f.crs.to_epsg() == 32651,
        why="the reader accepts .tsv: it was read as comma-separated, one column 'lon\\tlat\\tname'",
    ),
    err(
        "coords-lengths-differ",
        "to_wgs84 with 2 longitudes and 1 latitude",
        lambda t: hc.to_wgs84([120.1, 120.2], [30.2], "gcj02"),
        hc.InputError,
        "2 longitudes but 1 latitudes",
        why="numpy broadcast the one latitude to both points silently",
    ),
    err(
        "coords-text",
        "to_wgs84(['东经120'], [30.2], 'gcj02')",
        lambda t: hc.to_wgs84(["东经120"], [30.2], "gcj02"),
        hc.InputError,
        "numbers",
        "to_numeric",
        why="was a raw ValueError",
    ),
    ok(
        "fac-csv-spaces-in-header",
        "header ' lon , lat '",
        lambda t: _fac_csv(t, f" lon , lat \n{HZ}\n"),
        lambda f: len(f) == 1,
    ),
    ok("fac-csv-uppercase-header", "header LON,LAT", lambda t: _fac_csv(t, f"LON,LAT\n{HZ}\n"), lambda f: len(f) == 1),
    err(
        "fac-csv-degree-minutes",
        "lon '120°09′18″'",
        lambda t: _fac_csv(t, "lon,lat\n120°09′18″,30°16′26″\n"),
        hc.InputError,
        "lon",
    ),
    ok(
        "fac-csv-numpy-exotic",
        "lon/lat with trailing spaces ' 120.155 '",
        lambda t: _fac_csv(t, 'lon,lat\n" 120.155 "," 30.274 "\n'),
        lambda f: len(f) == 1,
    ),
]

SPEEDS = [
    ok(
        "net-speed-column",
        "speed column 60 km/h on one 2 km line",
        lambda t: _speed_col(60.0),
        lambda G: near(_max_time(G), 120.0),
    ),
    err(
        "net-speed-column-text",
        "speed column 'fast'",
        lambda t: _speed_col("fast"),
        hc.InputError,
        "maxspeed_kph",
    ),
    err(
        "net-speed-column-zero",
        "speed column 0",
        lambda t: _speed_col(0.0),
        hc.InputError,
        "maxspeed_kph",
        why="a 0 km/h speed cannot be used; say which column",
    ),
    err(
        "net-speed-column-missing",
        "speed='限速' absent",
        lambda t: hc.read_network(roads([line((0, 0), (1000, 0))]), speed="限速"),
        hc.MissingColumnError,
        "限速",
    ),
    ok(
        "net-maxspeed-none",
        "OSM maxspeed 'none' (ignored: the table speed)",
        lambda t: hc.read_network(
            __import__("bad_inputs.corpus").corpus.raw_line(3, maxspeed="signals"), mode="drive", use_maxspeed=True
        ),
        lambda G: near(_max_time(G), 180.0),
    ),
]


def _dup_index(t: Path):
    return assess_world(t, pop=world_pop().set_axis([0, 0, 1, 1, 2]), fac=world_fac().set_axis([7, 7]))


MORE = [
    ok("assess-duplicate-labels", "population index [0, 0, 1, 1, 2], facilities [7, 7]", _dup_index, by_hand),
    ok(
        "assess-multipolygon-area",
        "乙镇 in two parts",
        lambda t: assess_world(
            t,
            areas=world_areas().assign(
                geometry=[
                    world_areas().geometry[0],
                    shapely.MultiPolygon(
                        [
                            shapely.box(X0 + 2500, Y0 - 500, X0 + 3500, Y0 + 500),
                            shapely.box(X0 + 3500, Y0 - 500, X0 + 4500, Y0 + 500),
                        ]
                    ),
                ]
            ),
        ),
        by_hand,
    ),
    err("assess-no-rules", "rules=[]", lambda t: assess_world(t, rules=[]), hc.InputError, "rules"),
    ok(
        "report-no-exports",
        "write_report(exports=False)",
        lambda t: (hc.write_report(assess_world(t), t / "r.html", exports=False), sorted(p.name for p in t.iterdir())),
        lambda r: r[1] == ["r.html", "tinyville.toml"],
    ),
    ok(
        "explore-no-network",
        "explore_assessment of an assessment made with G=None",
        lambda t: hc.explore_assessment(assess_world(t, G=None)),
        lambda m: m is not None,
    ),
    warn(
        "tt-point-far",
        "a home 5 km from the road",
        lambda t: hc.travel_times(graph("drive"), pts([(0, 0)]), points=pts([(0, 0), (0, 5000)])),
        hc.OffNetworkWarning,
        "points",
        check=lambda r: r["travel_time_s"].iloc[0] == 0 and np.isinf(r["travel_time_s"].iloc[1]),
    ),
    warn(
        "iso-one-facility-far",
        "two clinics, one 50 km away",
        lambda t: hc.isochrones(graph("drive"), pts([(0, 0), (50_000, 0)]), minutes=3),
        hc.OffNetworkWarning,
        "facilities",
    ),
    ok(
        "iso-numpy-minutes",
        "minutes=np.array([3, 6])",
        lambda t: hc.isochrones(graph("drive"), pts([(0, 0)]), minutes=np.array([3.0, 6.0])),
        lambda r: r["minutes"].tolist() == [3.0, 6.0],
    ),
    ok(
        "grid-points-pass-through",
        "grid_population of a point of 5",
        lambda t: hc.grid_population(pts([(0, 0)], pop=[5.0]), cell_m=100.0),
        lambda g: g.geom_type.tolist() == ["Point"] and g["pop"].sum() == 5,
    ),
    err(
        "spread-missing-weight",
        "weight='人口权重' absent from the nodes",
        lambda t: hc.spread_population(
            gpd.GeoDataFrame({"pop": [10.0]}, geometry=[shapely.box(X0 - 500, Y0 - 500, X0 + 4500, Y0 + 500)], crs=UTM),
            graph("drive"),
            weight="人口权重",
        ),
        hc.InputError,
        "人口权重",
        why="a missing weight column must be named, not reported as 'no road node inside'",
    ),
    err(
        "snap-multipoint",
        "a MultiPoint to snap",
        lambda t: hc.snap_points(
            graph("drive"),
            gpd.GeoDataFrame(geometry=[shapely.MultiPoint([(X0, Y0 + 10), (X0 + 100, Y0 + 10)])], crs=UTM),
        ),
        hc.InvalidGeometryError,
        "read_facilities",
    ),
    ok(
        "pop-raster-lonlat",
        "a 2-cell GeoTIFF in EPSG:4326",
        lambda t: hc.read_population(_tif_ll(t)),
        lambda p: len(p) == 2 and near(p["pop"].sum(), 7.0),
    ),
    ok(
        "compare-different-rules",
        "compare(all rules, circle only): fleet rows kept, other side empty",
        lambda t: hc.compare(assess_world(t), assess_world(t, rules=[CIRCLE])),
        lambda c: len(c) == 4 and c.loc[c["rule_id"] == "ems.fleet", "verdict_b"].isna().all(),
    ),
]


def _tif_ll(t: Path) -> Path:
    import rasterio
    from rasterio.transform import from_origin

    p = t / "pop.tif"
    kw = {"driver": "GTiff", "height": 1, "width": 2, "count": 1, "dtype": "float32", "crs": "EPSG:4326"}
    with rasterio.open(p, "w", transform=from_origin(120.1, 30.3, 0.001, 0.001), nodata=-1.0, **kw) as dst:
        dst.write(np.array([[3.0, 4.0]], dtype="float32"), 1)
    return p


def _cities_and_districts(t: Path) -> gpd.GeoDataFrame:
    cities = hc.read_areas(hc.datasets.path("ningbo_jiaxing_cities_wgs84"))
    districts = hc.read_areas(hc.datasets.path("ningbo_jiaxing_districts_wgs84"))
    return hc.read_areas(pd.concat([cities, districts.to_crs(cities.crs)], ignore_index=True))


def _gcj_offset_m(t: Path) -> float:
    wgs = hc.read_areas(hc.datasets.path("ningbo_jiaxing_cities_wgs84")).to_crs(UTM)
    gcj = hc.read_areas(hc.datasets.path("ningbo_jiaxing_cities_gcj02"), coord_system="gcj02").to_crs(UTM)
    raw = hc.read_areas(hc.datasets.path("ningbo_jiaxing_cities_gcj02")).to_crs(UTM)
    return float(gcj.centroid.distance(wgs.centroid).max()), float(raw.centroid.distance(wgs.centroid).min())


REAL = [
    err(
        "real-city-plus-districts",
        "宁波市 and 嘉兴市 with their 17 districts in one layer (real boundaries)",
        _cities_and_districts,
        hc.InputError,
        "overlap",
        why="the issue's example: a city polygon plus its districts",
    ),
    ok(
        "real-gcj02-boundaries",
        "宁波市/嘉兴市 cut from AMap (GCJ-02), read with coord_system='gcj02'",
        _gcj_offset_m,
        lambda d: d[0] < 1.0 and 300 < d[1] < 900,
        why="converted they match the WGS84 file within 1 m; unconverted they are 300–900 m off",
    ),
]


def _gcj_points(t: Path):
    """Three clinics on the road, given in GCJ-02 lon/lat (as AMap would) but read as WGS84."""
    ll = pts([(500, 0), (1500, 0), (2500, 0)]).to_crs(4326)
    lon, lat = hc.wgs84_to_gcj02(ll.geometry.x.to_numpy(), ll.geometry.y.to_numpy())
    return hc.travel_times(graph("drive"), gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326))


def _half_covered(t: Path):
    """A district reaching 4 km beyond the end of the roads: half of it has no road."""
    poly = shapely.box(X0 - 500, Y0 - 500, X0 + 8500, Y0 + 500)
    areas = gpd.GeoDataFrame({"area_name": ["山区乡"], "pop": [900.0]}, geometry=[poly], crs=UTM)
    return hc.spread_population(areas, graph("drive"))


WARNINGS = [
    warn(
        "tt-gcj02-read-as-wgs84",
        "three AMap (GCJ-02) clinics on the road, read as WGS84",
        _gcj_points,
        hc.CoordinateSystemWarning,
        "gcj02",
        why="hundreds of metres off the roads as given, on them after GCJ-02 → WGS84",
    ),
    warn(
        "assess-area-without-residents",
        "乙镇 with pop 0 at all its points",
        lambda t: assess_world(t, pop=world_pop([100, 200, 300, 0, 0])),
        hc.HealthcovWarning,
        "乙镇",
        check=lambda r: row(r, CIRCLE, "B")["verdict"] == "not_applicable",
    ),
    warn(
        "assess-missing-resource-column",
        "facilities without an ambulances column",
        lambda t: assess_world(t, fac=world_fac().drop(columns="ambulances")),
        hc.HealthcovWarning,
        "ambulances",
        check=lambda r: row(r, "ems.fleet", "A")["verdict"] == "not_assessed",
        why="missing data is 'not assessed' with the reason, never a fail",
    ),
    warn(
        "assess-without-network-warns",
        "G=None with a service-circle rule",
        lambda t: assess_world(t, G=None),
        hc.HealthcovWarning,
        "road network",
        check=lambda r: row(r, CIRCLE, "A")["verdict"] == "not_assessed",
    ),
    warn(
        "spread-half-covered",
        "山区乡 of 900, 9 km × 1 km, with one 4 km road along its west half",
        _half_covered,
        hc.HealthcovWarning,
        "山区乡",
        check=lambda p: near(p["pop"].sum(), 84.0),
        why="the network covers 21 cells of 200 m = 0.84 of 9 km²: 84 kept; dropping 90 % must be said",
    ),
]

LEG_M = float(np.hypot(500.0, 1000.0))  # 1,118.03 m: each slanted side of the triangle


def _triangle_times(direction: str) -> list[float]:
    """0 → 1 one-way (1,000 m), 1 ↔ 2 and 2 ↔ 0 two-way (LEG_M each), residential 20 km/h; clinic on node 0."""
    r = roads(
        [line((0, 0), (1000, 0)), line((1000, 0), (500, 1000)), line((500, 1000), (0, 0))],
        oneway=["yes", "no", "no"],
    )
    G = hc.read_network(r, mode="drive", directed=False)
    tt = hc.travel_times(G, pts([(0, 0)]), points=pts([(1000, 0), (500, 1000)]), direction=direction)
    return [round(float(v), 3) for v in tt["travel_time_s"]]


def _areas_without_geometry() -> gpd.GeoDataFrame:
    a = world_areas()
    a.loc[1, "geometry"] = None
    return a


MORE2 = [
    ok(
        "tt-oneway-to-facility",
        "one-way 0 → 1, clinic on 0, residents travel to it",
        lambda t: _triangle_times("to_facility"),
        lambda r: r == [round(2 * LEG_M / (20 / 3.6), 3), round(LEG_M / (20 / 3.6), 3)],
        why="from node 1 the one-way forbids 1 → 0: 1 → 2 → 0 = 2 × 1,118 m = 402.5 s",
    ),
    ok(
        "tt-oneway-from-facility",
        "one-way 0 → 1, clinic on 0, an ambulance drives out",
        lambda t: _triangle_times("from_facility"),
        lambda r: r == [180.0, round(LEG_M / (20 / 3.6), 3)],
        why="0 → 1 along the one-way: 1,000 m = 180 s",
    ),
    ok(
        "assess-chinese-facility-types",
        "facility_type 社区卫生服务中心 / 急救站 (the plans' words)",
        lambda t: assess_world(t, fac=world_fac(facility_type=["社区卫生服务中心", "急救站"], name=["一", "二"])),
        by_hand,
    ),
    warn(
        "assess-unclassified-areas",
        "areas 甲区/乙区 that the profile's 街道/镇 classifier cannot place",
        lambda t: assess_world(t, areas=world_areas().assign(area_name=["甲区", "乙区"])),
        None,
        flag="class_rule",
        check=lambda r: r.areas["class_rule"].str.contains("default").all(),
        why="the density fallback is an analyst default, and class_rule says so on every row",
    ),
    err(
        "assess-area-without-geometry",
        "乙镇 with geometry None",
        lambda t: assess_world(t, areas=_areas_without_geometry()),
        hc.InvalidGeometryError,
        "乙镇",
    ),
    ok(
        "assess-area-census-column",
        "areas read with a census column 常住人口 = 1,000 / 900",
        lambda t: assess_world(t, areas=hc.read_areas(world_areas(**{"常住人口": [1000.0, 900.0]}))),
        lambda r: row(r, "ems.fleet", "A")["required"] == 4.0,
        why="read_population recognises 常住人口; the areas' published count must not be dropped",
    ),
]

CASES = [*CSV, *SPEEDS, *MORE, *MORE2, *REAL, *WARNINGS]
