"""Standards-engine benchmark: every rule of a profile on the real Shanghai data (issue 3: < 30 s).

Run from the repository root::

    .venv/bin/python benchmarks/bench_assess.py [--profile ningbo]

Loads the central-Shanghai OSM network for walking, driving and ambulances, spreads the 2020 census
of the districts the network covers onto it, and assesses all 7,129 Shanghai health POIs against
every rule of the profile. Prints each step's time and the peak memory as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings

os.environ.setdefault("HEALTHCOV_PROGRESS", "0")

import healthcov as hc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="ningbo")
    args = ap.parse_args(argv)
    rows: list[tuple[str, float]] = []

    def step(name: str, fn):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn()
        rows.append((name, time.perf_counter() - t0))
        print(f"  {name:<60} {rows[-1][1]:7.2f} s", flush=True)
        return out

    path = hc.datasets.path("shanghai_network")
    graphs = {
        m: step(f"read_network ({m})", lambda m=m: hc.read_network(path, mode=m))
        for m in ("walk", "drive", "ambulance")
    }
    G = graphs["drive"]

    def areas_and_pop():  # type: ignore[no-untyped-def]
        areas = hc.datasets.census_areas("shanghai")
        a = areas.to_crs(G.graph["crs"])
        share = (a.intersection(hc.network_area(G)).area / a.area).to_numpy()
        areas = areas[share > 0.4].reset_index(drop=True)
        return areas, hc.spread_population(areas, G, id_column="area_code")

    areas, pop = step("census areas + spread_population", areas_and_pop)
    fac = step("Shanghai health POIs (read + type)", hc.datasets.shanghai_health_facilities)
    res = step(f"assess: all rules of {args.profile}", lambda: hc.assess(graphs, fac, pop, areas, profile=args.profile))
    n_rules = res.table["rule_id"].nunique()
    # the same run as its public stages (assess is their composition): where the time goes
    opts = hc.AssessOptions()
    ctx = step(
        "  stage prepare (areas, demand, classes, facilities, snapping)",
        lambda: hc.prepare(graphs, fac, pop, areas, args.profile, opts),
    )
    rules = hc.standards.selected_rules(ctx.profile)
    results = step(f"  stage evaluate ({len(rules)} rules)", lambda: [hc.evaluate(r, ctx) for r in rules])
    staged = step("  stage assemble", lambda: hc.assemble(results, ctx))
    print(f"  stages give assess's table: {'yes' if staged.table.equals(res.table) else 'NO'}", flush=True)
    step("write_report (HTML + CSV + GeoPackage)", lambda: hc.write_report(res, "/tmp/healthcov_bench_report.html"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assess_s = next(s for n, s in rows if n.startswith("assess"))
    total = sum(s for _, s in rows)
    print()
    print(
        f"{len(fac):,} facilities, {len(pop):,} population points, {len(areas)} areas, {n_rules} evaluated rules "
        f"({len(res.reference)} reference rules listed); peak memory {peak:,.0f} MB"
    )
    print(f"assess {assess_s:.1f} s (target < 30 s); everything from files to report {total:.1f} s\n")
    print("| step | seconds |")
    print("|---|---:|")
    for name, s in rows:
        print(f"| {name} | {s:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
