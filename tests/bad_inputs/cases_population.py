"""Readers: read_population, spread_population, grid_population, datasets."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import geopandas as gpd
import numpy as np
import shapely

import healthcov as hc
from bad_inputs.cases_readers import HZ, areas_frame
from bad_inputs.corpus import UTM, X0, Y0, box, err, graph, near, ok, warn, write


def _pop_csv(tmp: Path, rows: str) -> gpd.GeoDataFrame:
    return hc.read_population(write(tmp, "pop.csv", f"lon,lat,pop\n{rows}"))


def _tif(tmp: Path, data, crs="EPSG:32651", nodata=-1.0) -> Path:
    import rasterio
    from rasterio.transform import from_origin

    arr = np.asarray(data, dtype="float32")
    p = tmp / "pop.tif"
    kw = {"driver": "GTiff", "height": arr.shape[0], "width": arr.shape[1], "count": 1, "dtype": "float32"}
    with rasterio.open(p, "w", crs=crs, transform=from_origin(X0, Y0 + 200, 100, 100), nodata=nodata, **kw) as dst:
        dst.write(arr, 1)
    return p


P1 = f"{HZ[0]},{HZ[1]}"
POPULATION = [
    err(
        "pop-missing-file",
        "read_population('nope.tif')",
        lambda t: hc.read_population(t / "nope.tif"),
        hc.DataNotFoundError,
        "nope.tif",
    ),
    err(
        "pop-empty-csv-0-bytes",
        "0-byte CSV",
        lambda t: hc.read_population(write(t, "pop.csv", "")),
        hc.EmptyInputError,
        "pop.csv",
    ),
    err("pop-header-only", "CSV with a header and no rows", lambda t: _pop_csv(t, ""), hc.EmptyInputError, "pop"),
    err(
        "pop-no-count-column",
        "points without a count column",
        lambda t: hc.read_population(write(t, "pop.csv", f"lon,lat,foo\n{P1},3\n")),
        hc.MissingColumnError,
        "pop",
    ),
    err(
        "pop-named-column-missing",
        "pop_column='人口数' absent",
        lambda t: hc.read_population(write(t, "pop.csv", f"lon,lat,pop\n{P1},3\n"), pop_column="人口数"),
        hc.MissingColumnError,
        "人口数",
    ),
    err("pop-nan-count", "one empty count", lambda t: _pop_csv(t, f"{P1},\n{P1},5\n"), hc.InputError, "pop"),
    err("pop-negative-count", "count -3", lambda t: _pop_csv(t, f"{P1},-3\n"), hc.InputError, "pop"),
    err("pop-text-count", "count '20,000'", lambda t: _pop_csv(t, f'{P1},"20,000"\n'), hc.InputError, "pop"),
    err(
        "pop-raster-no-crs",
        "GeoTIFF without a CRS",
        lambda t: hc.read_population(_tif(t, [[1, 2], [3, 4]], crs=None)),
        hc.InputError,
        "pop.tif",
    ),
    err(
        "pop-raster-all-nodata",
        "GeoTIFF of nodata only",
        lambda t: hc.read_population(_tif(t, [[-1, -1]])),
        hc.EmptyInputError,
        "pop.tif",
    ),
    err(
        "pop-raster-bad-band",
        "band=3 of a one-band GeoTIFF",
        lambda t: hc.read_population(_tif(t, [[1, 2]]), band=3),
        hc.InputError,
        "band",
    ),
    err(
        "pop-raster-negative-cells",
        "GeoTIFF with a -5 cell (nodata is -1)",
        lambda t: hc.read_population(_tif(t, [[1, -5]])),
        hc.InputError,
        "pop.tif",
    ),
    err(
        "pop-corrupt-tif",
        "a text file named .tif",
        lambda t: hc.read_population(write(t, "pop.tif", "hello")),
        hc.InputError,
        "pop.tif",
    ),
    ok(
        "pop-raster-counts",
        "2×2 GeoTIFF [[1, 2], [nodata, 0]]",
        lambda t: hc.read_population(_tif(t, [[1, 2], [-1, 0]])),
        lambda p: len(p) == 2 and near(p["pop"].sum(), 3.0),
        why="nodata and zero cells carry nobody: 1 + 2 = 3 residents in 2 points",
    ),
    ok(
        "pop-raster-cell-centres",
        "1×2 GeoTIFF, 100 m cells",
        lambda t: hc.read_population(_tif(t, [[1, 2]])),
        lambda p: near(p.to_crs(UTM).geometry.x.min(), X0 + 50, 1e-3),
    ),
    ok(
        "pop-csv-counts",
        "two rows 3 and 5",
        lambda t: _pop_csv(t, f"{P1},3\n{P1},5\n"),
        lambda p: p["pop"].tolist() == [3.0, 5.0],
    ),
    ok(
        "pop-chinese-count",
        "column 常住人口",
        lambda t: hc.read_population(write(t, "pop.csv", f"lon,lat,常住人口\n{P1},7\n")),
        lambda p: p["pop"].tolist() == [7.0],
    ),
    ok(
        "pop-polygons-kept",
        "census polygons",
        lambda t: hc.read_population(areas_frame([box(0, 0, 10, 10)], pop=[9])),
        lambda p: p.geometry.geom_type.tolist() == ["Polygon"] and p["pop"].tolist() == [9],
    ),
]


def _spread(geoms, pops, **kw) -> gpd.GeoDataFrame:
    return hc.spread_population(areas_frame(geoms, pop=pops), graph("drive"), **kw)


BIG = box(-500, -500, 4500, 500)  # covers all 5 nodes of the line graph (0..4 km)
SPREAD = [
    ok(
        "spread-by-road-length",
        "one polygon of 1,000 over nodes 0..4 km",
        lambda t: _spread([BIG], [1000.0], partial="all"),
        lambda p: near(p["pop"].sum(), 1000.0) and len(p) == 40 and near(p["pop"].max(), 25.0),
        why="residents are placed along the roads (one point per 100 m, since the readings merge; before: on "
        "the nodes, max 250): 4,000 m of road → 40 points of 1,000 / 40 = 25",
    ),
    ok(
        "spread-two-polygons",
        "two polygons 600 and 900",
        lambda t: _spread([box(-500, -500, 2500, 500), box(2500, -500, 4500, 500)], [600.0, 900.0], partial="all"),
        lambda p: near(p["pop"].sum(), 1500.0),
    ),
    warn(
        "spread-self-intersecting",
        "a bow-tie census polygon",
        lambda t: hc.spread_population(
            areas_frame(
                [
                    shapely.Polygon(
                        [(X0 - 500, Y0 - 500), (X0 + 4500, Y0 + 500), (X0 + 4500, Y0 - 500), (X0 - 500, Y0 + 500)]
                    )
                ],
                pop=[100.0],
            ),
            graph("drive"),
            partial="all",
        ),
        hc.GeometryConvertedWarning,
        "区0",
        check=lambda p: near(p["pop"].sum(), 100.0),
    ),
    err("spread-nan-pop", "pop NaN", lambda t: _spread([BIG], [np.nan]), hc.InputError, "pop"),
    err("spread-negative-pop", "pop -100", lambda t: _spread([BIG], [-100.0]), hc.InputError, "pop"),
    err(
        "spread-missing-pop-column",
        "pop_column='人口' absent",
        lambda t: _spread([BIG], [1.0], pop_column="人口"),
        hc.MissingColumnError,
        "人口",
    ),
    err(
        "spread-bad-partial",
        "partial='some'",
        lambda t: _spread([BIG], [1.0], partial="some"),
        hc.InputError,
        "partial",
    ),
    err(
        "spread-unprepared-graph",
        "a raw networkx graph",
        lambda t: hc.spread_population(
            areas_frame([BIG], pop=[1.0]), __import__("bad_inputs.corpus").corpus.raw_line()
        ),
        hc.InputError,
        "read_network",
    ),
    warn(
        "spread-polygon-off-network",
        "a district 50 km away",
        lambda t: _spread([BIG, box(50_000, 0, 51_000, 1000)], [10.0, 20.0]),
        hc.HealthcovWarning,
        "区1",
        check=lambda p: "区1" in str(p.attrs.get("unplaced")),
        why="an unplaced district must be named, not given by row number",
    ),
]


def _grid(cell_m: float, pop: float = 200.0) -> gpd.GeoDataFrame:
    return hc.grid_population(areas_frame([box(0, 0, 2000, 1000)], pop=[pop]), cell_m=cell_m)


GRID = [
    ok(
        "grid-two-cells",
        "2×1 km polygon of 200, 1 km cells",
        lambda t: _grid(1000.0),
        lambda g: len(g) == 2 and near(g["pop"].sum(), 200.0) and near(g["pop"].max(), 100.0),
        why="200 residents over a 2 × 1 km polygon, 1 km cells → 2 cells of 100",
    ),
    ok(
        "grid-fine-cells",
        "2×1 km polygon of 200, 250 m cells",
        lambda t: _grid(250.0),
        lambda g: len(g) == 32 and near(g["pop"].sum(), 200.0),
    ),
    err("grid-zero-cell", "cell_m=0", lambda t: _grid(0.0), hc.InputError, "cell_m"),
    err("grid-negative-cell", "cell_m=-100", lambda t: _grid(-100.0), hc.InputError, "cell_m"),
    err("grid-nan-cell", "cell_m=NaN", lambda t: _grid(float("nan")), hc.InputError, "cell_m"),
    err("grid-nan-pop", "pop NaN", lambda t: _grid(1000.0, np.nan), hc.InputError, "pop"),
    ok(
        "grid-lonlat-projected",
        "0.1° × 0.1° polygon of 5 in lon/lat",
        lambda t: hc.grid_population(
            areas_frame([shapely.box(120.1, 30.2, 120.2, 30.3)], crs=4326, pop=[5.0]), cell_m=1000.0
        ),
        lambda g: g.crs.to_epsg() == 32651 and near(g["pop"].sum(), 5.0) and 100 < len(g) < 125,
        why="degrees are projected to UTM before gridding: 0.1° ≈ 9.6 × 11.1 km → ~111 cells",
    ),
]


def _env(path: str):
    return mock.patch.dict(os.environ, {"HEALTHCOV_DATA": path})


def _data_dir_missing(tmp: Path):
    with _env(str(tmp / "nowhere")):
        return hc.datasets.data_dir()


DATASETS = [
    err(
        "data-unknown-name",
        "datasets.path('atlantis')",
        lambda t: hc.datasets.path("atlantis"),
        hc.InputError,
        "atlantis",
    ),
    err("data-dir-missing", "HEALTHCOV_DATA pointing nowhere", _data_dir_missing, hc.DataNotFoundError, "nowhere"),
    err(
        "data-census-unknown-region",
        "census_areas('atlantis')",
        lambda t: hc.datasets.census_areas("atlantis"),
        hc.InputError,
        "atlantis",
    ),
    err(
        "data-unknown-category",
        "shanghai_health_facilities('牙医')",
        lambda t: hc.datasets.shanghai_health_facilities("牙医"),
        hc.InputError,
        "牙医",
        "口腔医院",
        why="the message lists the categories there are (口腔医院 is the dentists' one)",
    ),
    ok(
        "data-name-any-case",
        "datasets.path('Ningbo_Hospitals ')",
        lambda t: hc.datasets.path("Ningbo_Hospitals "),
        lambda p: p.name == "ningbo_hospitals_osm.geojson",
        why="dataset names are matched in any case, without surrounding spaces",
    ),
]

CASES = [*POPULATION, *SPREAD, *GRID, *DATASETS]
