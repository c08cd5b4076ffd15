"""assess, compare, suggest_sites, write_report, explore_assessment, Assessment, assess_partitioned (tiny world).

The tiny world (bad_inputs.corpus): a 4 km two-way residential road, nodes every km at x = 0..4 km;
甲街道 A (urban, x ≤ 2.5 km, 100 + 200 + 300 residents) and 乙镇 B (rural, 400 + 500); a CHC and an
ambulance station (1 ambulance) at x = 0. By hand: circle A walks 0 / 13.3 / 26.7 min, 300 of 600
within 15 min → share 0.5 fail; B drives 9 / 12 min ≤ 20 → pass; fleet A needs ceil(600 / 300) = 2,
has 1 → fail; B needs 3, has 0.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import healthcov as hc
from bad_inputs.corpus import (
    UTM,
    X0,
    Y0,
    assess_world,
    box,
    err,
    graph,
    near,
    ok,
    pts,
    row,
    warn,
    world_areas,
    world_fac,
    world_pop,
)

ENG = "standards/engine.py"
DIST = "distributed.py"
REP = "report/html_report.py"
MAP = "report/assessment_map.py"
SUG = "suggest.py"
CIRCLE = "access.basic_circle"


def by_hand(res) -> bool:
    a, b, f = row(res, CIRCLE, "A"), row(res, CIRCLE, "B"), row(res, "ems.fleet", "A")
    return (
        near(a["share"], 0.5)
        and a["verdict"] == "fail"
        and b["verdict"] == "pass"
        and (f["required"], f["present"], f["verdict"]) == (2.0, 1.0, "fail")
    )


def _verdicts(res) -> list:
    t = res.table.sort_values(["rule_id", "area_code"])
    return list(zip(t["rule_id"], t["area_code"], t["verdict"], t["share"].round(9).fillna(-1)))


def _other_crs(t: Path, crs) -> bool:
    a = assess_world(t)
    b = assess_world(t, fac=world_fac().to_crs(crs), pop=world_pop().to_crs(crs), areas=world_areas().to_crs(crs))
    return _verdicts(a) == _verdicts(b)


def _permuted(t: Path) -> bool:
    a = assess_world(t)
    b = assess_world(
        t, fac=world_fac().iloc[::-1], pop=world_pop().iloc[[3, 0, 4, 2, 1]], areas=world_areas().iloc[::-1]
    )
    return _verdicts(a) == _verdicts(b)


BOWTIE_B = shapely.Polygon(
    [(X0 + 2500, Y0 - 500), (X0 + 4500, Y0 + 500), (X0 + 4500, Y0 - 500), (X0 + 2500, Y0 + 500)]
)  # two triangles of 0.5 km² each


def _areas_with(geom_b) -> gpd.GeoDataFrame:
    a = world_areas()
    a.loc[1, "geometry"] = geom_b
    return a


def _overlap() -> gpd.GeoDataFrame:
    city = gpd.GeoDataFrame({"area_name": ["市区"], "area_code": ["C"]}, geometry=[box(-500, -500, 4500, 500)], crs=UTM)
    return pd.concat([world_areas(), city], ignore_index=True)


def _status_fac(column: str) -> gpd.GeoDataFrame:
    return world_fac(**{column: ["现有", "规划新建"]})


def _planned_left_out(res) -> bool:
    """Only the existing CHC counts: the planned ambulance station is left out, so the fleet row has no
    ambulance station to count and is "not assessed" (issue 10: a type absent from the data is not a
    fail unless complete_types says so). Before issue 10 the row was a fail with present == 0."""
    fleet = row(res, "ems.fleet", "A")
    return res.facilities["facility_type"].tolist() == ["chc"] and fleet["verdict"] == "not_assessed"


def _graphs(walk, drive) -> dict:
    return {"walk": walk, "drive": drive}


ASSESS = [
    ok("assess-by-hand", "the tiny world", lambda t: assess_world(t), by_hand),
    ok(
        "assess-lonlat-inputs",
        "facilities, population and areas in EPSG:4326",
        lambda t: _other_crs(t, 4326),
        lambda same: same is True,
    ),
    ok("assess-cgcs2000-inputs", "inputs in EPSG:4549", lambda t: _other_crs(t, 4549), lambda same: same is True),
    ok("assess-permuted-rows", "every input's rows reversed or shuffled", _permuted, lambda same: same is True),
    ok(
        "assess-demand-keeps-index",
        "resident points indexed 'p0'…'p4'",
        lambda t: assess_world(t, pop=world_pop().set_axis([f"p{i}" for i in range(5)])),
        lambda r: r.demand.index.tolist() == [f"p{i}" for i in range(5)],
        why="users join per-resident coverage back by their own index",
    ),
    ok(
        "assess-area-pop-published",
        "areas with published pop 1,000 and 900",
        lambda t: assess_world(t, areas=world_areas(pop=[1000.0, 900.0])),
        lambda r: row(r, "ems.fleet", "A")["required"] == 4.0,
        why="published counts win: ceil(1,000 / 300) = 4 ambulances in A",
    ),
    ok(
        "assess-no-network",
        "G=None",
        lambda t: assess_world(t, G=None),
        lambda r: row(r, CIRCLE, "A")["verdict"] == "not_assessed" and row(r, "ems.fleet", "A")["verdict"] == "fail",
    ),
    ok(
        "assess-worst-from-rows",
        "only a rule that cannot be assessed (no ambulances column)",
        lambda t: assess_world(t, fac=world_fac().drop(columns="ambulances"), rules=["ems.fleet"]),
        lambda r: "pass" not in r.areas["worst"].tolist(),
        why="worst is computed from the rows that exist: none passes here",
    ),
    ok(
        "assess-pickles",
        "pickle.dumps(Assessment)",
        lambda t: pickle.loads(pickle.dumps(assess_world(t))),
        by_hand,
        why="Dask and caching pickle results",
    ),
    err(
        "assess-drive-under-walk-key",
        "{'walk': G_drive, 'drive': G_drive}",
        lambda t: assess_world(t, G=_graphs(graph("drive"), graph("drive"))),
        hc.InputError,
        "walk",
        why="each graph carries its mode: a drive graph under 'walk' is refused",
    ),
    err(
        "assess-walk-under-drive-key",
        "{'walk': G_walk, 'drive': G_walk}",
        lambda t: assess_world(t, G=_graphs(graph("walk"), graph("walk"))),
        hc.InputError,
        "drive",
    ),
    err(
        "assess-overlapping-areas",
        "a city polygon over its two districts",
        lambda t: assess_world(t, areas=_overlap()),
        hc.InputError,
        "overlap",
    ),
    ok(
        "assess-overlap-allowed",
        "allow_overlap=True with a city polygon",
        lambda t: assess_world(t, areas=_overlap(), allow_overlap=True),
        lambda r: near(row(r, CIRCLE, "A")["share"], 0.5),
    ),
    err(
        "assess-area-pop-nan",
        "areas' pop NaN in B",
        lambda t: assess_world(t, areas=world_areas(pop=[600, np.nan])),
        hc.InputError,
        "pop",
    ),
    err(
        "assess-area-pop-text",
        "areas' pop '20,000'",
        lambda t: assess_world(t, areas=world_areas(pop=["20,000", "900"])),
        hc.InputError,
        "pop",
    ),
    err(
        "assess-area-pop-negative",
        "areas' pop -900",
        lambda t: assess_world(t, areas=world_areas(pop=[600, -900])),
        hc.InputError,
        "pop",
    ),
    err(
        "assess-demand-pop-nan",
        "a resident point with pop NaN",
        lambda t: assess_world(t, pop=world_pop([100, np.nan, 300, 400, 500])),
        hc.InputError,
        "pop",
    ),
    err(
        "assess-demand-pop-negative",
        "a resident point with pop -200",
        lambda t: assess_world(t, pop=world_pop([100, -200, 300, 400, 500])),
        hc.InputError,
        "pop",
    ),
    err(
        "assess-demand-pop-text",
        "pop as text '200'",
        lambda t: assess_world(t, pop=world_pop(["100", "200", "300", "400", "500"])),
        hc.InputError,
        "pop",
    ),
    warn(
        "assess-bowtie-area",
        "乙镇 drawn as a bow-tie",
        lambda t: assess_world(t, areas=_areas_with(BOWTIE_B)),
        hc.GeometryConvertedWarning,
        "乙镇",
        check=lambda r: near(r.areas.set_index("area_code").loc["B", "area_km2"], 1.0, 1e-6),
        why="乙镇 as a bow-tie is two 0.5 km² triangles: 1.0 km², not 0",
    ),
    err(
        "assess-zero-area",
        "乙镇 as a zero-area polygon",
        lambda t: assess_world(
            t, areas=_areas_with(shapely.Polygon([(X0 + 2500, Y0), (X0 + 3500, Y0), (X0 + 4500, Y0)]))
        ),
        hc.InputError,
        "乙镇",
    ),
    err(
        "assess-statuses-without-column",
        "statuses=['planned'], no status column",
        lambda t: assess_world(t, statuses=["planned"]),
        hc.InputError,
        "status",
        why="a status filter without a status column cannot be honoured",
    ),
    ok(
        "assess-status-column",
        "status 现有 (CHC) / 规划新建 (ambulance station)",
        lambda t: assess_world(t, fac=_status_fac("status")),
        _planned_left_out,
        why="corrected after issue 10: the planned station is left out, so ems.fleet is 'not assessed' "
        "(no ambulance station in the data), no longer a fail with present 0",
    ),
    ok(
        "assess-status-column-chinese",
        "status column named 状态",
        lambda t: assess_world(t, fac=_status_fac("状态")),
        _planned_left_out,
        why="corrected after issue 10: the planned station is left out, so ems.fleet is 'not assessed' "
        "(no ambulance station in the data), no longer a fail with present 0",
    ),
    ok(
        "assess-type-column-chinese",
        "facility type column named 类型",
        lambda t: assess_world(t, fac=world_fac(name=["一号", "二号"]).rename(columns={"facility_type": "类型"})),
        by_hand,
    ),
    warn(
        "assess-unknown-facility-type",
        "facility_type 'spaceport' on one row",
        lambda t: assess_world(t, fac=world_fac(facility_type=["chc", "spaceport"])),
        hc.HealthcovWarning,
        "spaceport",
    ),
    warn(
        "assess-facility-off-network",
        "a third facility 50 km away",
        lambda t: assess_world(
            t,
            fac=pd.concat(
                [world_fac(), pts([(50_000, 0)], name=["远"], facility_type=["chc"], ambulances=[0])], ignore_index=True
            ),
        ),
        None,
        flag="on_network_walk",
        check=lambda r: r.facilities["on_network_walk"].tolist() == [True, True, False],
    ),
    warn(
        "assess-resident-outside-areas",
        "a resident point 10 km outside every area",
        lambda t: assess_world(t, pop=pd.concat([world_pop(), pts([(10_000, 10_000)], pop=[50.0])], ignore_index=True)),
        hc.HealthcovWarning,
        "outside",
    ),
    err(
        "assess-empty-population",
        "no resident points",
        lambda t: assess_world(t, pop=world_pop().iloc[:0]),
        hc.EmptyInputError,
        "population",
    ),
    err(
        "assess-empty-areas",
        "no areas",
        lambda t: assess_world(t, areas=world_areas().iloc[:0]),
        hc.EmptyInputError,
        "areas",
    ),
    err(
        "assess-empty-facilities",
        "no facilities",
        lambda t: assess_world(t, fac=world_fac().iloc[:0]),
        hc.EmptyInputError,
        "facilities",
    ),
    err(
        "assess-population-polygons",
        "areas passed as population",
        lambda t: assess_world(t, pop=world_areas(pop=[600.0, 900.0])),
        hc.InputError,
        "spread_population",
    ),
    err(
        "assess-population-no-crs",
        "resident points without a CRS",
        lambda t: assess_world(t, pop=world_pop().set_crs(None, allow_override=True)),
        hc.CRSError,
        "population",
    ),
    err(
        "assess-areas-duplicate-code",
        "both areas coded 'A'",
        lambda t: assess_world(t, areas=world_areas().assign(area_code=["A", "A"])),
        hc.InputError,
        "'A'",
    ),
    err(
        "assess-target-share",
        "target_share=1.5",
        lambda t: assess_world(t, target_share=1.5),
        hc.InputError,
        "target_share",
    ),
    err(
        "assess-partial-above-target",
        "partial_share=0.99 > target_share=0.95",
        lambda t: assess_world(t, partial_share=0.99),
        hc.InputError,
        "partial_share",
    ),
    err(
        "assess-negative-delay",
        "activation_delay_min=-3",
        lambda t: assess_world(t, activation_delay_min=-3),
        hc.InputError,
        "activation_delay_min",
    ),
    err(
        "assess-unknown-rule",
        "rules=['access.teleport']",
        lambda t: assess_world(t, rules=["access.teleport"]),
        hc.InputError,
        "access.teleport",
    ),
    err(
        "assess-bad-on-missing",
        "on_missing='shrug'",
        lambda t: assess_world(t, on_missing="shrug"),
        hc.InputError,
        "on_missing",
    ),
    err(
        "assess-bad-circle-mode",
        "circle_modes={'urban': 'fly'}",
        lambda t: assess_world(t, circle_modes={"urban": "fly"}),
        hc.InputError,
        "fly",
    ),
    err(
        "assess-bad-radius-metric",
        "radius_metric='crow'",
        lambda t: assess_world(t, radius_metric="crow"),
        hc.InputError,
        "radius_metric",
    ),
    err(
        "assess-unknown-profile",
        "profile='atlantis'",
        lambda t: hc.assess(None, world_fac(), world_pop(), world_areas(), profile="atlantis"),
        hc.ProfileError,
        "atlantis",
    ),
    err("assess-graph-list", "G=[G]", lambda t: assess_world(t, G=[graph()]), hc.InputError, "dict"),
    err(
        "assess-unprepared-graph",
        "{'drive': raw networkx graph}",
        lambda t: assess_world(t, G={"drive": __import__("bad_inputs.corpus").corpus.raw_line()}),
        hc.NetworkError,
        "read_network",
    ),
]

CASES = [*ASSESS]
