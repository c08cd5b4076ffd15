"""Readers: read_facilities and read_areas."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import healthcov as hc
from bad_inputs.corpus import UTM, X0, Y0, box, csv_points, err, gpkg, near, ok, pts, warn, write

FAC = "io/facilities.py"
POPF = "io/population.py"
COMMON = "io/_common.py"
DATA = "datasets.py"
LONLAT = "lon,lat\n"
HZ = (120.155, 30.274)  # Hangzhou, WGS84


def _fac_csv(tmp: Path, text: str, **kw) -> gpd.GeoDataFrame:
    return hc.read_facilities(write(tmp, "fac.csv", text), **kw)


def _three(tmp: Path) -> Path:
    return csv_points(tmp, pts([(0, 0), (1000, 0), (2000, 0)], name=["a", "b", "c"]), "fac.csv")


def _gbk_csv(tmp: Path) -> Path:
    p = tmp / "fac.csv"
    p.write_bytes("name,lon,lat\n杭州市第一人民医院,120.155,30.274\n".encode("gbk"))
    return p


def _gbk_shp(tmp: Path) -> Path:
    g = gpd.GeoDataFrame({"name": ["杭州市第一人民医院"]}, geometry=[shapely.Point(*HZ)], crs=4326)
    p = tmp / "fac.shp"
    g.to_file(p, encoding="GBK")
    (tmp / "fac.cpg").unlink(missing_ok=True)
    return p


def _fgdb_points(tmp: Path) -> Path:
    g = gpd.GeoDataFrame({"name": ["杭州市第一人民医院"]}, geometry=[shapely.Point(*HZ)], crs=4326)
    p = tmp / "fac.gdb"
    g.to_file(p, driver="OpenFileGDB", layer="clinics")
    return p


def _two_layers(tmp: Path, first: str, second: str) -> Path:
    """``first`` a point layer; ``second`` another point layer, or a road line layer when named 'roads'."""
    p = tmp / "layers.gpkg"
    gpd.GeoDataFrame({"name": ["杭州市第一人民医院"]}, geometry=[shapely.Point(*HZ)], crs=4326).to_file(p, layer=first)
    if second == "roads":
        other = gpd.GeoDataFrame({"highway": ["primary"]}, geometry=[shapely.LineString([HZ, (HZ[0] + 0.01, HZ[1])])])
    else:
        other = gpd.GeoDataFrame({"name": ["b"]}, geometry=[shapely.Point(HZ[0] + 0.01, HZ[1])])
    other.set_crs(4326).to_file(p, layer=second)
    return p


def _multi(tmp: Path) -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.MultiPoint([HZ, (HZ[0] + 0.01, HZ[1])])], crs=4326)
    return hc.read_facilities(g)


def _zpoints(tmp: Path) -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(*HZ, 12.0)], crs=4326)
    return hc.read_facilities(gpkg(tmp, g, "z.gpkg"))


def _mixed(tmp: Path) -> gpd.GeoDataFrame:
    geoms = [shapely.Point(X0, Y0), box(100, 100, 300, 300), shapely.LineString([(X0, Y0), (X0 + 100, Y0)])]
    return hc.read_facilities(gpd.GeoDataFrame({"name": ["p", "poly", "line"]}, geometry=geoms, crs=UTM))


def _geo(geoms, crs=UTM, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols or None, geometry=geoms, crs=crs)


def _gcj_shift(tmp: Path) -> float:
    p = write(tmp, "fac.csv", f"{LONLAT}{HZ[0]},{HZ[1]}\n")
    a = hc.read_facilities(p).geometry.iloc[0]
    b = hc.read_facilities(p, coord_system="gcj02").geometry.iloc[0]
    return a.distance(b)


FACILITIES = [
    err(
        "fac-missing-file",
        "read_facilities('nope.csv')",
        lambda t: hc.read_facilities(t / "nope.csv"),
        hc.DataNotFoundError,
        "nope.csv",
    ),
    err(
        "fac-directory", "a folder as the facilities file", lambda t: hc.read_facilities(t), hc.InputError, "facilities"
    ),
    err(
        "fac-empty-csv-0-bytes",
        "0-byte CSV",
        lambda t: _fac_csv(t, ""),
        hc.EmptyInputError,
        "fac.csv",
        why="an empty export is a user mistake: say which file is empty",
    ),
    err(
        "fac-header-only-csv",
        "CSV with a header and no rows",
        lambda t: _fac_csv(t, LONLAT),
        hc.EmptyInputError,
        "fac.csv",
    ),
    err(
        "fac-no-lonlat-columns",
        "CSV with foo,bar columns",
        lambda t: _fac_csv(t, "foo,bar\n120.1,30.2\n"),
        hc.MissingColumnError,
        "lon",
    ),
    err("fac-text-coordinate", "lon 'abc'", lambda t: _fac_csv(t, f"{LONLAT}abc,30.2\n"), hc.InputError, "lon"),
    err(
        "fac-nan-coordinate",
        "one empty lat",
        lambda t: _fac_csv(t, f"{LONLAT}120.1,30.2\n120.2,\n"),
        hc.InputError,
        "lat",
    ),
    err(
        "fac-swapped-lonlat",
        "lon and lat columns swapped (lon=30, lat=120)",
        lambda t: _fac_csv(t, f"{LONLAT}30.274,120.155\n"),
        hc.InputError,
        "swap",
        why="lat 120 is impossible: the likely cause (swapped columns) is the fix to name",
    ),
    err("fac-lon-out-of-range", "lon 200", lambda t: _fac_csv(t, f"{LONLAT}200,30\n"), hc.InputError, "lon"),
    err(
        "fac-crs-junk",
        "crs='junk' for a CSV",
        lambda t: _fac_csv(t, f"{LONLAT}{HZ[0]},{HZ[1]}\n", crs="junk"),
        hc.CRSError,
        "crs",
        "junk",
        "fac.csv",
        why="was a raw pyproj CRSError",
    ),
    err(
        "fac-to-crs-junk",
        "to_crs='junk'",
        lambda t: _fac_csv(t, f"{LONLAT}{HZ[0]},{HZ[1]}\n", to_crs="junk"),
        hc.CRSError,
        "to_crs='junk'",
        why="was a raw pyproj CRSError",
    ),
    err(
        "fac-bad-coord-system",
        "coord_system='utm'",
        lambda t: _fac_csv(t, f"{LONLAT}{HZ[0]},{HZ[1]}\n", coord_system="utm"),
        hc.InputError,
        "coord_system",
    ),
    err(
        "fac-unsupported-suffix",
        "an .xlsx file",
        lambda t: hc.read_facilities(write(t, "fac.xlsx", b"PK\x03\x04")),
        hc.InputError,
        "fac.xlsx",
    ),
    err("fac-not-a-table", "read_facilities(42)", lambda t: hc.read_facilities(42), hc.InputError, "int"),
    err(
        "fac-empty-geodataframe",
        "GeoDataFrame with no rows",
        lambda t: hc.read_facilities(_geo([])),
        hc.EmptyInputError,
        "facilities",
    ),
    err(
        "fac-none-geometry",
        "a row with geometry None",
        lambda t: hc.read_facilities(_geo([shapely.Point(X0, Y0), None])),
        hc.InvalidGeometryError,
        "facilities",
    ),
    err(
        "fac-empty-point",
        "a row with POINT EMPTY",
        lambda t: hc.read_facilities(_geo([shapely.Point(X0, Y0), shapely.Point()])),
        hc.InvalidGeometryError,
        "facilities",
    ),
    err(
        "fac-projected-no-crs",
        "UTM metres without a CRS",
        lambda t: hc.read_facilities(_geo([shapely.Point(X0, Y0)], crs=None)),
        hc.CRSError,
        "crs",
    ),
    err(
        "fac-gibberish-csv",
        "a binary file named .csv",
        lambda t: hc.read_facilities(write(t, "fac.csv", bytes(range(256)) * 4)),
        hc.InputError,
        "fac.csv",
    ),
    err(
        "fac-duplicate-index",
        "two facilities with the same index label",
        lambda t: hc.read_facilities(_geo([shapely.Point(X0, Y0), shapely.Point(X0 + 10, Y0)]).set_axis([7, 7])),
        hc.InputError,
        "duplicate",
        why="results are joined back by index: duplicate labels would mix facilities up",
    ),
    err(
        "fac-lonlat-wrong-crs-label",
        "lon/lat numbers labelled EPSG:32651",
        lambda t: hc.read_facilities(_geo([shapely.Point(*HZ)], crs=UTM)),
        hc.CRSError,
        "crs",
    ),
    err(
        "fac-lonlat-no-crs",
        "lon/lat GeoDataFrame without a CRS",
        lambda t: hc.read_facilities(_geo([shapely.Point(*HZ)], crs=None)),
        hc.CRSError,
        "crs=",
        why="a GeoDataFrame without CRS is refused (crs= says how); files without .prj get AssumedCRSWarning",
    ),
    warn(
        "fac-polygons",
        "hospital footprints as polygons",
        lambda t: hc.read_facilities(_geo([box(0, 0, 100, 100)])),
        hc.GeometryConvertedWarning,
        "polygon",
    ),
    warn(
        "fac-mixed-geometry",
        "a point, a polygon and a line",
        _mixed,
        hc.GeometryConvertedWarning,
        "line",
        why="footprints and lines become representative points: converted, so warned",
    ),
    warn("fac-multipoint", "a MultiPoint of two sites", _multi, hc.GeometryConvertedWarning, "multipoint"),
    ok(
        "fac-csv-roundtrip",
        "three lon/lat rows",
        lambda t: hc.read_facilities(_three(t)),
        lambda f: (
            len(f) == 3 and f.crs.to_epsg() == 32651 and near(f.geometry.x.iloc[1] - f.geometry.x.iloc[0], 1000.0, 1e-3)
        ),
    ),
    ok(
        "fac-text-numbers",
        "lon/lat as quoted strings",
        lambda t: _fac_csv(t, f'{LONLAT}"{HZ[0]}","{HZ[1]}"\n'),
        lambda f: len(f) == 1 and f.geometry.iloc[0].is_valid,
    ),
    ok(
        "fac-chinese-columns",
        "经度/纬度 columns",
        lambda t: _fac_csv(t, f"名称,经度,纬度\n医院,{HZ[0]},{HZ[1]}\n"),
        lambda f: f["名称"].tolist() == ["医院"],
    ),
    ok(
        "fac-wgs84-dash-spelling",
        "coord_system='WGS-84'",
        lambda t: _fac_csv(t, f"{LONLAT}{HZ[0]},{HZ[1]}\n", coord_system="WGS-84"),
        lambda f: len(f) == 1,
    ),
    ok(
        "fac-gcj02-upper",
        "coord_system='GCJ-02'",
        lambda t: _fac_csv(t, f"{LONLAT}{HZ[0]},{HZ[1]}\n", coord_system="GCJ-02"),
        lambda f: len(f) == 1,
    ),
    ok(
        "fac-gcj-shift",
        "GCJ-02 point in Hangzhou",
        _gcj_shift,
        lambda d: 300 < d < 700,
        why="GCJ-02 → WGS84 moves Hangzhou points by about 500 m",
    ),
    ok(
        "fac-gbk-csv",
        "GBK CSV without encoding=",
        lambda t: hc.read_facilities(_gbk_csv(t)),
        lambda f: f["name"].iloc[0] == "杭州市第一人民医院",
    ),
    ok(
        "fac-gbk-shapefile-no-cpg",
        "GBK shapefile without .cpg",
        lambda t: hc.read_facilities(_gbk_shp(t)),
        lambda f: f["name"].iloc[0] == "杭州市第一人民医院",
        why="Chinese bureau shapefiles are GBK and often lack .cpg: retry GB18030, never mojibake",
    ),
    ok("fac-z-coordinates", "PointZ in a GeoPackage", _zpoints, lambda f: len(f) == 1 and f.geometry.iloc[0].x > 0),
    ok(
        "fac-plain-dataframe",
        "pandas DataFrame with lon/lat",
        lambda t: hc.read_facilities(pd.DataFrame({"lon": [HZ[0]], "lat": [HZ[1]]})),
        lambda f: f.crs.to_epsg() == 32651,
    ),
    ok(
        "fac-keeps-order-and-index",
        "index labels 'z','a'",
        lambda t: hc.read_facilities(_geo([shapely.Point(X0, Y0), shapely.Point(X0 + 5, Y0)]).set_axis(["z", "a"])),
        lambda f: f.index.tolist() == ["z", "a"],
    ),
]


def areas_frame(geoms, crs=UTM, **cols) -> gpd.GeoDataFrame:
    n = len(geoms)
    base = {"area_name": [f"区{i}" for i in range(n)], "area_code": [f"A{i}" for i in range(n)]}
    base.update(cols)
    return gpd.GeoDataFrame(base, geometry=geoms, crs=crs)


BOWTIE = shapely.Polygon([(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000)])
FLAT = shapely.Polygon([(X0, Y0), (X0 + 1000, Y0), (X0 + 2000, Y0)])


def _areas_pop(pop: list) -> gpd.GeoDataFrame:
    return hc.read_areas(areas_frame([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], pop=pop))


AREAS = [
    err(
        "areas-missing-file",
        "read_areas('nope.gpkg')",
        lambda t: hc.read_areas(t / "nope.gpkg"),
        hc.DataNotFoundError,
        "nope.gpkg",
    ),
    err(
        "areas-empty",
        "GeoDataFrame with no rows",
        lambda t: hc.read_areas(areas_frame([])),
        hc.EmptyInputError,
        "areas",
    ),
    err(
        "areas-points",
        "points instead of polygons",
        lambda t: hc.read_areas(areas_frame([shapely.Point(X0, Y0)])),
        hc.InputError,
        "polygon",
    ),
    err(
        "areas-lines",
        "boundary lines instead of polygons",
        lambda t: hc.read_areas(areas_frame([shapely.LineString([(X0, Y0), (X0 + 9, Y0 + 9)])])),
        hc.InputError,
        "polygon",
    ),
    err(
        "areas-no-name-column",
        "polygons with only a 'foo' column",
        lambda t: hc.read_areas(gpd.GeoDataFrame({"foo": [1]}, geometry=[box(0, 0, 10, 10)], crs=UTM)),
        hc.MissingColumnError,
        "name",
    ),
    err(
        "areas-named-column-missing",
        "name_column='区名' absent",
        lambda t: hc.read_areas(areas_frame([box(0, 0, 10, 10)]), name_column="区名"),
        hc.MissingColumnError,
        "区名",
    ),
    err(
        "areas-overlap-city-and-district",
        "a city polygon plus one of its districts",
        lambda t: hc.read_areas(areas_frame([box(0, 0, 2000, 2000), box(0, 0, 1000, 1000)])),
        hc.InputError,
        "overlap",
        why="overlapping areas count residents twice: refuse unless allow_overlap=True",
    ),
    err(
        "areas-duplicate-code",
        "two areas with area_code 'A0'",
        lambda t: hc.read_areas(areas_frame([box(0, 0, 10, 10), box(20, 0, 30, 10)], area_code=["A0", "A0"])),
        hc.InputError,
        "A0",
    ),
    err(
        "areas-zero-area",
        "a polygon with three collinear vertices",
        lambda t: hc.read_areas(areas_frame([FLAT])),
        hc.InvalidGeometryError,
        "区0",
        why="a zero-area polygon has no density: refuse it, naming the area",
    ),
    err(
        "areas-nan-pop",
        "pop NaN in one area",
        lambda t: _areas_pop([100.0, np.nan]),
        hc.InputError,
        "pop",
        why="an unknown published count is an input error, not 'not applicable'",
    ),
    err(
        "areas-negative-pop",
        "pop -5",
        lambda t: _areas_pop([100.0, -5.0]),
        hc.InputError,
        "pop",
    ),
    err(
        "areas-text-pop",
        "pop '20,000' as text",
        lambda t: _areas_pop(["20,000", "300"]),
        hc.InputError,
        "pop",
    ),
    err(
        "areas-bad-coord-system",
        "coord_system='utm'",
        lambda t: hc.read_areas(areas_frame([box(0, 0, 10, 10)]).to_crs(4326), coord_system="utm"),
        hc.InputError,
        "coord_system",
    ),
    warn(
        "areas-bowtie-repaired",
        "a bow-tie (self-intersecting) district",
        lambda t: hc.read_areas(areas_frame([BOWTIE])),
        hc.GeometryConvertedWarning,
        "区0",
        check=lambda a: near(a.geometry.area.sum(), 500_000.0, 1e-3),
        why="a bow-tie is repaired to its two triangles (0.5 km²) and the repair is said",
    ),
    warn(
        "areas-lonlat-no-crs",
        "lon/lat polygons without a CRS",
        lambda t: hc.read_areas(areas_frame([shapely.box(120.1, 30.2, 120.2, 30.3)], crs=None)),
        hc.AssumedCRSWarning,
        "wgs84",
    ),
    ok(
        "areas-keeps-names",
        "two districts",
        lambda t: hc.read_areas(areas_frame([box(0, 0, 10, 10), box(20, 0, 30, 10)])),
        lambda a: a["area_name"].tolist() == ["区0", "区1"] and a["area_code"].tolist() == ["A0", "A1"],
    ),
    ok(
        "areas-chinese-columns",
        "名称/代码 columns",
        lambda t: hc.read_areas(
            gpd.GeoDataFrame({"名称": ["甲街道"], "代码": ["330101"]}, geometry=[box(0, 0, 10, 10)], crs=UTM)
        ),
        lambda a: a["area_name"].tolist() == ["甲街道"] and a["area_code"].tolist() == ["330101"],
        why="代码 is the usual Chinese code column",
    ),
    ok(
        "areas-multipolygon",
        "a district in two parts",
        lambda t: hc.read_areas(areas_frame([shapely.MultiPolygon([box(0, 0, 10, 10), box(20, 0, 30, 10)])])),
        lambda a: len(a) == 1,
    ),
    ok(
        "areas-numeric-code",
        "area_code as integers",
        lambda t: hc.read_areas(areas_frame([box(0, 0, 10, 10)], area_code=[330101])),
        lambda a: str(a["area_code"].iloc[0]) == "330101",
    ),
]


def _gbk_areas(tmp: Path) -> Path:
    g = areas_frame([box(0, 0, 1000, 1000)], area_name=["西湖区"]).to_crs(4326)
    g.to_file(tmp / "areas.shp", encoding="GBK")
    (tmp / "areas.cpg").unlink(missing_ok=True)
    return tmp / "areas.shp"


def _gbk_areas_csv_pop(tmp: Path) -> Path:
    p = tmp / "pop.csv"
    p.write_bytes(f"名称,lon,lat,人口\n西湖村,{HZ[0]},{HZ[1]},120\n".encode("gbk"))
    return p


ENCODINGS = [
    ok(
        "areas-gbk-shapefile-no-cpg",
        "GBK district names in a shapefile without .cpg",
        lambda t: hc.read_areas(_gbk_areas(t)),
        lambda a: a["area_name"].tolist() == ["西湖区"],
    ),
    ok(
        "areas-encoding-argument",
        "read_areas(..., encoding='gbk')",
        lambda t: hc.read_areas(_gbk_areas(t), encoding="gbk"),
        lambda a: a["area_name"].tolist() == ["西湖区"],
    ),
    ok(
        "pop-gbk-csv",
        "GBK CSV with 人口 and no encoding=",
        lambda t: hc.read_population(_gbk_areas_csv_pop(t)),
        lambda p: p["pop"].tolist() == [120.0] and p["名称"].tolist() == ["西湖村"],
    ),
    ok(
        "pop-encoding-argument",
        "read_population(..., encoding='gbk')",
        lambda t: hc.read_population(_gbk_areas_csv_pop(t), encoding="gbk"),
        lambda p: p["pop"].tolist() == [120.0],
    ),
    ok(
        "fac-encoding-argument",
        "read_facilities(..., encoding='gbk')",
        lambda t: hc.read_facilities(_gbk_csv(t), encoding="gbk"),
        lambda f: f["name"].iloc[0] == "杭州市第一人民医院",
    ),
    err(
        "fac-wrong-encoding-argument",
        "a GBK CSV read with encoding='utf-8'",
        lambda t: hc.read_facilities(_gbk_csv(t), encoding="utf-8"),
        hc.InputError,
        "fac.csv",
        "utf-8",
        "gb18030",
        why="was a raw UnicodeDecodeError; the message names the file, the encoding tried and the fix",
    ),
    err(
        "fac-unknown-encoding",
        "encoding='gbk2' (no such codec)",
        lambda t: hc.read_facilities(_gbk_csv(t), encoding="gbk2"),
        hc.InputError,
        "gbk2",
        "fac.csv",
        why="was a raw LookupError",
    ),
    ok(
        "fac-file-geodatabase",
        "a FileGDB with one point layer",
        lambda t: hc.read_facilities(_fgdb_points(t)),
        lambda f: f["name"].tolist() == ["杭州市第一人民医院"] and f.crs.to_epsg() == 32651,
        why="facilities are read through read_vector, like road lines: .gdb folders work",
    ),
    err(
        "fac-two-point-layers",
        "a GeoPackage with two point layers and no layer=",
        lambda t: hc.read_facilities(_two_layers(t, "clinics", "hospitals")),
        hc.InputError,
        "clinics",
        "hospitals",
        "layer=",
        why="reading the first layer silently could be the wrong one: the layers are listed",
    ),
    ok(
        "fac-point-layer-beside-roads",
        "a GeoPackage with a road layer and one point layer",
        lambda t: hc.read_facilities(_two_layers(t, "clinics", "roads")),
        lambda f: f["name"].tolist() == ["杭州市第一人民医院"],
        why="the one point layer is the facilities",
    ),
]

CASES = [*FACILITIES, *AREAS, *ENCODINGS]
