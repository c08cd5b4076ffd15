"""The command line's arguments (``healthcov --help``); no logic beyond parsing."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["build_parser"]

EPILOG = """examples:
  healthcov demo                          # Shanghai: isochrones + every Zhejiang standard → ./healthcov-demo/
  healthcov demo --lang zh --quiet        # Chinese report; only warnings and errors on the terminal
  healthcov isochrones --network roads.osm.pbf --facilities clinics.csv --coord-system gcj02 \\
      --mode walk --minutes 5 10 15 --out clinics_walk.html
exit codes: 0 done, 2 bad input (one message on stderr; --debug shows the traceback), 1 unexpected error
"""

REPORT_EPILOG = """examples:
  healthcov report --network fenghua.osm.pbf --facilities clinics.csv --coord-system gcj02 \\
      --population worldpop_2020.tif --areas townships.gpkg --profile fenghua --out fenghua.html
  healthcov report --facilities hospitals.gpkg --population census.gpkg --areas census.gpkg \\
      --profile ningbo --out ningbo.html   # no network: the rules that need none (counts, ratios, straight radius)
  healthcov report --place "奉化区, 宁波市" ...                 # downloads the roads with osmnx (needs internet)
  healthcov report --network roads/{area_code}.graphml --workers 2 ...   # Dask, one task per area
  healthcov report --facilities "postgresql://me@gis/health#registry.hospitals" --to-postgis \\
      "postgresql://me@gis/health" --postgis-schema results ...   # PostGIS in and out (pip install healthcov[postgis])
exit codes: 0 done, 2 bad input (one message on stderr; --debug shows the traceback), 1 unexpected error
"""

POSTGIS = " or postgresql://user@host/db#schema.table"


def _common(top: bool) -> argparse.ArgumentParser:
    """-q/-v/--debug, accepted before or after the command (defaults set once, on the top parser)."""
    p = argparse.ArgumentParser(add_help=False)
    default: Any = False if top else argparse.SUPPRESS
    p.add_argument("-q", "--quiet", action="store_true", default=default, help="print only warnings and errors")
    p.add_argument("-v", "--verbose", action="store_true", default=default, help="say how long each step took")
    p.add_argument("--debug", action="store_true", default=default, help="show the traceback of an error")
    return p


def _tiles(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tiles",
        default=None,
        help="basemap: none (default: the map opens offline), osm, tianditu (key in $TIANDITU_KEY) or a tile URL",
    )
    p.add_argument("--no-tiles", action="store_true", help="no basemap (the default; kept for scripts)")
    p.add_argument("--title", default=None, help="title of the map or report (default: from the areas)")


def _network_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--road-class", default=None, help="line layers: the column with the road class (e.g. 道路等级)")
    p.add_argument("--layer", default=None, help="the layer to read from a GeoPackage / File Geodatabase network")
    p.add_argument("--encoding", default=None, help="text encoding of the input files (default: UTF-8, then GB18030)")
    p.add_argument("--network-sql", default=None, help="with a postgresql:// --network: an SQL query for the lines")


def _facility_inputs(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--facilities", required=required, help="points (GeoJSON/GPKG/SHP/CSV with lon/lat)" + POSTGIS)
    p.add_argument("--facilities-sql", default=None, help="with a postgresql:// --facilities: an SQL query")
    p.add_argument("--coord-system", default="wgs84", help="facilities: wgs84, gcj02 (AMap/Tencent) or bd09 (Baidu)")
    p.add_argument("--lon", default=None, help="CSV facilities: the longitude column (default: found by name)")
    p.add_argument("--lat", default=None, help="CSV facilities: the latitude column (default: found by name)")
    p.add_argument("--crs", default=None, help="facilities: their CRS when the file has none (e.g. EPSG:4549)")


def _add_demo(sub: Any, common: argparse.ArgumentParser) -> None:
    d = sub.add_parser(
        "demo",
        parents=[common],
        help="the main job on the embedded real data: isochrones + standards report for central Shanghai",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("--out", default="healthcov-demo", help="output folder (default: ./healthcov-demo)")
    d.add_argument("--dataset", choices=("auto", "shanghai", "helsinki"), default="auto")
    d.add_argument("--mode", default="ambulance", help="walk, bike, ebike, drive or ambulance (default)")
    d.add_argument("--minutes", type=float, nargs="+", default=[5.0, 10.0, 15.0])
    d.add_argument("--lang", default="en", choices=("en", "zh"))
    d.add_argument("--profile", default="zhejiang", help="rule profile for the demo report (default zhejiang)")
    d.add_argument("--no-report", action="store_true", help="isochrone map only, no standards report")
    _tiles(d)
    d.set_defaults(command="demo")


def _add_isochrones(sub: Any, common: argparse.ArgumentParser) -> None:
    i = sub.add_parser(
        "isochrones",
        parents=[common],
        help="isochrones of your facilities on your network → HTML map + GeoPackage",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    i.add_argument("--network", required=True, help=".osm/.osm.bz2/.osm.pbf/.graphml or a road line layer" + POSTGIS)
    _network_inputs(i)
    _facility_inputs(i)
    i.add_argument("--mode", default="drive")
    i.add_argument("--congestion", default=None, help="ambulance: peak, off-peak or a factor")
    i.add_argument("--direction", default=None, help="to_facility or from_facility (default per mode)")
    i.add_argument("--minutes", type=float, nargs="+", default=[5.0, 10.0, 15.0])
    i.add_argument("--per-facility", action="store_true")
    i.add_argument("--out", default="isochrones.html")
    i.add_argument("--lang", default="en", choices=("en", "zh"))
    _tiles(i)
    i.set_defaults(command="isochrones")


def _report_options(r: argparse.ArgumentParser) -> None:
    r.add_argument("--profile", default="zhejiang", help="zhejiang, ningbo, fenghua, beilun, jiaxing or a TOML file")
    r.add_argument("--modes", nargs="+", default=["walk", "drive", "ambulance"], help="networks to build (all three)")
    r.add_argument("--activation-delay", type=float, default=3.0, help="ambulance activation delay, min (default 3)")
    r.add_argument("--target-share", type=float, default=0.95, help="share covered for a pass (default 0.95)")
    r.add_argument("--radius-metric", choices=("network", "straight"), default="network")
    r.add_argument("--no-cross-boundary", action="store_true", help="count only each area's own facilities")
    r.add_argument("--lang", default="zh", choices=("zh", "en"))
    r.add_argument("--scheduler", default=None, help="a Dask scheduler (tcp://host:8786): one task per area there")
    r.add_argument("--workers", type=int, default=None, help="a local Dask cluster of N worker processes (0: no Dask)")
    r.add_argument("--statistics", default=None, help="area statistics (CSV/XLSX keyed by area_code: beds, doctors…)")
    r.add_argument("--statistics-year", type=int, default=None, help="with --statistics: the year of its columns")
    r.add_argument("--drop-codes", nargs="+", default=(), help="with --statistics: rows to leave out (e.g. 330200)")
    r.add_argument("--complete-types", nargs="+", default=None, help="facility types the input lists completely")
    r.add_argument("--jurisdiction", default=None, help="name of the jurisdiction-wide rows (default: from the areas)")
    r.add_argument("--out", default="report.html")
    r.add_argument("--to-postgis", default=None, help="also write the results to this postgresql:// database")
    r.add_argument("--postgis-schema", default="healthcov", help="schema for --to-postgis (default healthcov)")
    r.add_argument("--run-id", default=None, help="run id for --to-postgis (default: a new one)")


def _add_report(sub: Any, common: argparse.ArgumentParser) -> None:
    r = sub.add_parser(
        "report",
        parents=[common],
        help="assess a jurisdiction's standards per area → one self-contained HTML report + CSV + GPKG + XLSX",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = r.add_mutually_exclusive_group()
    src.add_argument(
        "--network", help=".osm/.pbf/.graphml or a road line layer" + POSTGIS + " (none: network-free rules)"
    )
    src.add_argument("--place", help='download the network with osmnx (needs internet), e.g. "奉化区, 宁波市"')
    _network_inputs(r)
    _facility_inputs(r)
    r.add_argument("--type-column", default=None, help="facility type column (default: facility_type, else inferred)")
    r.add_argument("--population", required=True, help="GeoTIFF, points with counts, or census polygons" + POSTGIS)
    r.add_argument("--population-sql", default=None, help="with a postgresql:// --population: an SQL query")
    r.add_argument("--pop-column", default=None)
    r.add_argument("--pop-cell", type=float, default=500.0, help="census polygons: grid cell (m) of the points (500)")
    r.add_argument("--areas", required=True, help="district / township polygons with name and code" + POSTGIS)
    r.add_argument("--areas-sql", default=None, help="with a postgresql:// --areas: an SQL query")
    r.add_argument("--areas-coord-system", default="wgs84")
    _report_options(r)
    _tiles(r)
    r.set_defaults(command="report")


def build_parser() -> argparse.ArgumentParser:
    """The ``healthcov`` command's parser."""
    from .. import __version__

    p = argparse.ArgumentParser(
        prog="healthcov",
        description="Who can reach care in time: travel times, isochrones and planning standards on road networks.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(top=True)],
    )
    p.add_argument("--version", action="version", version=f"healthcov {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    common = _common(top=False)
    _add_demo(sub, common)
    _add_isochrones(sub, common)
    _add_report(sub, common)
    pr = sub.add_parser("profiles", parents=[common], help="list the shipped rule profiles and their rules")
    pr.add_argument("name", nargs="?", help="one profile (default: all)")
    pr.set_defaults(command="profiles")
    return p
