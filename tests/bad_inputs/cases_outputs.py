"""compare, suggest_sites, write_report, explore_assessment, Assessment methods, assess_partitioned (tiny world).

By hand (see bad_inputs.cases_assess): circle A share 0.5 fail, B pass; fleet A 2 needed, 1 present.
"""

from __future__ import annotations

from pathlib import Path

import dask
import folium
import geopandas as gpd
import pandas as pd

import healthcov as hc
from bad_inputs.cases_assess import CIRCLE, by_hand
from bad_inputs.corpus import (
    assess_world,
    err,
    gpkg,
    line,
    near,
    ok,
    profile,
    pts,
    roads,
    row,
    world_areas,
    world_fac,
    world_pop,
)
from healthcov.report.exports import write_csv

DIST = "distributed.py"
REP = "report/html_report.py"
MAP = "report/assessment_map.py"


_RES: dict = {}


def _res(t: Path):
    if "r" not in _RES:
        _RES["r"] = assess_world(t)
    return _RES["r"]


def _plan(t: Path):
    fac = pd.concat(
        [world_fac(), pts([(2000, 0)], name=["新中心"], facility_type=["chc"], ambulances=[0])], ignore_index=True
    )
    return hc.compare(_res(t), assess_world(t, fac=fac), names=("now", "plan"))


def _cmp_row(c, rule: str, area: str):
    return c.set_index(["rule_id", "area_code"]).loc[(rule, area)]


def _report(t: Path, name: str = "r.html", **kw) -> Path:
    return hc.write_report(_res(t), t / name, **kw)


def _report_files(t: Path) -> tuple:
    p = _report(t)
    csv = pd.read_csv(p.with_suffix(".csv"), encoding="utf-8-sig")
    return p.stat().st_size, len(csv), gpd.read_file(p.with_suffix(".gpkg"), layer="areas")["area_code"].tolist()


def _report_into_dir(t: Path) -> None:
    (t / "r.html").mkdir()
    try:
        _report(t)
    finally:
        left = sorted(p.name for p in t.iterdir() if p.name not in ("r.html", "tinyville.toml"))
        assert not left, f"files written although the report failed: {left}"


OUTPUTS = [
    ok("compare-self", "compare(res, res)", lambda t: hc.compare(_res(t), _res(t)), lambda c: not c["changed"].any()),
    ok(
        "compare-by-hand",
        "a CHC planned at x = 2 km",
        _plan,
        lambda c: (
            _cmp_row(c, CIRCLE, "A")["direction"] == "better" and near(_cmp_row(c, CIRCLE, "A")["share_plan"], 1.0)
        ),
        why="a CHC at x = 2 km puts all of A within 15 min of walking",
    ),
    err(
        "compare-not-assessments",
        "compare(table, table)",
        lambda t: hc.compare(_res(t).table, _res(t).table),
        hc.InputError,
        "assess",
    ),
    ok(
        "suggest-k1-by-hand",
        "suggest_sites(res, circle, k=1)",
        lambda t: hc.suggest_sites(_res(t), CIRCLE, k=1),
        lambda p: len(p.sites) == 1 and near(row(p.after, CIRCLE, "A")["share"], 1.0),
        why="one new CHC near x = 1–2 km covers the 300 residents left in A",
    ),
    err(
        "suggest-unknown-rule",
        "rule 'access.teleport'",
        lambda t: hc.suggest_sites(_res(t), "access.teleport", k=1),
        hc.HealthcovError,
        "access.teleport",
    ),
    err(
        "suggest-ratio-rule",
        "rule 'ems.fleet' (a ratio)",
        lambda t: hc.suggest_sites(_res(t), "ems.fleet", k=1),
        hc.InputError,
        "ems.fleet",
    ),
    err(
        "suggest-k-and-target",
        "k=1 and target_share=0.9",
        lambda t: hc.suggest_sites(_res(t), CIRCLE, k=1, target_share=0.9),
        hc.InputError,
        "k",
    ),
    err(
        "suggest-neither",
        "neither k nor target_share",
        lambda t: hc.suggest_sites(_res(t), CIRCLE),
        hc.InputError,
        "target_share",
    ),
    err("suggest-k-zero", "k=0", lambda t: hc.suggest_sites(_res(t), CIRCLE, k=0), hc.InputError, "k"),
    err(
        "suggest-target-above-1",
        "target_share=2",
        lambda t: hc.suggest_sites(_res(t), CIRCLE, target_share=2.0),
        hc.InputError,
        "target_share",
    ),
    err(
        "suggest-bad-solver",
        "solver='magic'",
        lambda t: hc.suggest_sites(_res(t), CIRCLE, k=1, solver="magic"),
        hc.InputError,
        "magic",
    ),
    err(
        "suggest-negative-spacing",
        "spacing_m=-100",
        lambda t: hc.suggest_sites(_res(t), CIRCLE, k=1, spacing_m=-100.0),
        hc.InputError,
        "spacing_m",
    ),
    err(
        "suggest-no-network",
        "an assessment made with G=None",
        lambda t: hc.suggest_sites(assess_world(t, G=None), CIRCLE, k=1),
        hc.InputError,
        "network",
    ),
    ok(
        "report-by-hand",
        "write_report(res, r.html)",
        _report_files,
        lambda r: r[0] > 10_000 and r[1] == 4 and r[2] == ["A", "B"],
    ),
    err("report-suffix", "write_report(res, r.pdf)", lambda t: _report(t, "r.pdf"), hc.InputError, "r.pdf"),
    err(
        "report-path-is-folder",
        "r.html is an existing folder",
        _report_into_dir,
        hc.InputError,
        "r.html",
        why="outputs are validated before any computation; nothing is half written",
    ),
    err(
        "report-bad-lang",
        "lang='fr'",
        lambda t: _report(t, lang="fr"),
        hc.InputError,
        "fr",
    ),
    err(
        "report-not-assessment",
        "write_report(table, ...)",
        lambda t: hc.write_report(_res(t).table, t / "r.html"),
        hc.InputError,
        "assess",
    ),
    err(
        "report-missing-folder",
        "r.html in a folder 'new' that does not exist",
        lambda t: _report(t, "new/r.html"),
        hc.InputError,
        "new",
        why="write_report does not create folders: a clear error naming it",
    ),
    ok(
        "explore-by-hand",
        "explore_assessment(res)",
        lambda t: hc.explore_assessment(_res(t)),
        lambda m: isinstance(m, folium.Map) and "\\u7532\\u8857\\u9053" in m.get_root().render(),
    ),
    err(
        "explore-unknown-rule",
        "rules=['access.teleport']",
        lambda t: hc.explore_assessment(_res(t), rules=["access.teleport"]),
        hc.InputError,
        "access.teleport",
    ),
    err("explore-bad-lang", "lang='fr'", lambda t: hc.explore_assessment(_res(t), lang="fr"), hc.InputError, "fr"),
    err(
        "explore-not-assessment",
        "explore_assessment(table)",
        lambda t: hc.explore_assessment(_res(t).table),
        hc.InputError,
        "assess",
    ),
    err(
        "layers-negative-grid",
        "service_layers(cell_m=-5): the uncovered-resident grid is drawn upstream of the map now",
        lambda t: hc.service_layers(_res(t), cell_m=-5.0),
        hc.InputError,
        "cell_m",
    ),
    err(
        "uncovered-ratio-rule",
        "res.uncovered('ems.fleet')",
        lambda t: _res(t).uncovered("ems.fleet"),
        hc.InputError,
        "ems.fleet",
    ),
    err(
        "to-csv-into-folder",
        "write_csv(res, an existing folder): file exports live in healthcov.report.exports",
        lambda t: write_csv(_res(t), t),
        hc.InputError,
        "folder",
    ),
]


def _roads_file(t: Path) -> Path:
    return gpkg(t, roads([line((1000.0 * i, 0), (1000.0 * (i + 1), 0)) for i in range(4)]), "roads.gpkg")


def _part(t: Path, network=None, **kw):
    return hc.distributed.assess_partitioned(
        _roads_file(t) if network is None else network,
        world_fac(),
        world_pop(),
        world_areas(),
        profile(t),
        modes=("walk", "drive"),
        progress=False,
        **kw,
    )


def _unreachable(t: Path):
    # import distributed first: its defaults enter dask's config on import, and a dask.config.set
    # made before that import would remove the whole "distributed" section when it exits
    import distributed  # noqa: F401

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        return _part(t, scheduler="tcp://127.0.0.1:9")


DISTRIBUTED = [
    ok(
        "dist-in-process-by-hand",
        "assess_partitioned(workers=0) on the tiny world",
        lambda t: _part(t, workers=0),
        by_hand,
        why="assess_partitioned gives assess's verdicts",
    ),
    err(
        "dist-unreachable-scheduler",
        "scheduler='tcp://127.0.0.1:9' (closed port, 2 s timeout)",
        _unreachable,
        hc.HealthcovError,
        "127.0.0.1:9",
        why="a closed port must fail fast with the address, not a raw OSError",
    ),
    err("dist-negative-workers", "workers=-2", lambda t: _part(t, workers=-2), hc.InputError, "workers"),
    err(
        "dist-missing-network",
        "network 'nope.gpkg'",
        lambda t: _part(t, network=t / "nope.gpkg", workers=0),
        hc.DataNotFoundError,
        "nope.gpkg",
    ),
    err(
        "dist-bad-template",
        "network '{county}.gpkg'",
        lambda t: _part(t, network=str(t / "{county}.gpkg"), workers=0),
        hc.InputError,
        "county",
    ),
    err(
        "dist-polygon-population",
        "census polygons as population",
        lambda t: hc.distributed.assess_partitioned(
            _roads_file(t),
            world_fac(),
            world_areas(pop=[600.0, 900.0]),
            world_areas(),
            profile(t),
            workers=0,
            progress=False,
        ),
        hc.InputError,
        "spread_population",
    ),
]

CASES = [*OUTPUTS, *DISTRIBUTED]
