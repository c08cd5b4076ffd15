"""Planned versus existing on the tiny road of test_assess (answers by hand), and target-year population."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import healthcov as hc
from healthcov.scenarios import compare, normalize_status, project_population, scenario_facilities
from test_assess import PROFILE, X0, Y0, _road


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    prof = tmp_path_factory.mktemp("p") / "tiny.toml"
    prof.write_text(PROFILE, encoding="utf-8")
    crs = "EPSG:32651"
    areas = gpd.GeoDataFrame(
        {"area_name": ["甲街道", "乙镇"], "area_code": ["A", "B"]},
        geometry=[
            shapely.box(X0 - 500, Y0 - 500, X0 + 2500, Y0 + 500),
            shapely.box(X0 + 2500, Y0 - 500, X0 + 4500, Y0 + 500),
        ],
        crs=crs,
    )
    pop = gpd.GeoDataFrame(
        {"pop": [100.0, 200.0, 300.0, 400.0, 500.0], "source_area": ["A", "A", "A", "B", "B"]},
        geometry=shapely.points([(X0 + 1000.0 * i, Y0) for i in range(5)]),
        crs=crs,
    )
    fac = gpd.GeoDataFrame(
        {
            "name": ["甲中心", "甲站", "新中心", "新站"],
            "facility_type": ["chc", "ems_station", "chc", "ems_station"],
            "ambulances": [0, 1, 0, 1],
            "beds": [0.0, 0.0, 0.0, 0.0],
            "status": ["现有", "existing", "规划新建", "迁建"],
            "replaces": [None, None, None, "s1"],
        },
        geometry=shapely.points([(X0, Y0), (X0, Y0), (X0 + 2000, Y0), (X0 + 4000, Y0)]),
        crs=crs,
        index=pd.Index(["c1", "s1", "c2", "s2"]),
    )
    graphs = {"walk": _road("walk"), "drive": _road("drive")}
    return prof, graphs, fac, pop, areas


def test_scenario_facilities(setting):
    _, _, fac, _, _ = setting
    assert list(scenario_facilities(fac, "existing").index) == ["c1", "s1"]
    assert list(scenario_facilities(fac, "plan").index) == ["c1", "c2", "s2"]  # s1 relocated to s2
    assert normalize_status(pd.Series(["续建", "谋划", "merged"])).tolist() == [
        "under_construction",
        "proposed",
        "merged",
    ]
    with pytest.raises(hc.InputError, match="unknown facility status"):
        normalize_status(pd.Series(["maybe"]))
    with pytest.raises(hc.InputError, match="unknown scenario"):
        scenario_facilities(fac, "someday")


def test_plan_versus_existing_by_hand(setting):
    prof, graphs, fac, pop, areas = setting
    now = hc.assess(graphs, fac, pop, areas, profile=prof)  # no scenario named: today's facilities
    plan = hc.assess(graphs, scenario_facilities(fac, "plan"), pop, areas, profile=prof)
    assert now.assumptions["statuses"] == ["existing", "merged"] and plan.assumptions["scenario"] == "plan"
    d = compare(now, plan, names=("now", "plan")).set_index(["rule_id", "area_code"])
    # the planned CHC at x = 2 km puts every resident of 甲街道 within a 15-minute walk: 50 % → 100 %
    c = d.loc[("access.basic_circle", "A")]
    assert (c["verdict_now"], c["verdict_plan"], c["direction"]) == ("fail", "pass", "better")
    assert c["delta_pop_covered"] == pytest.approx(300.0)
    # the station relocated from x = 0 to x = 4 km: 甲街道's mean response 3 + (0, 3, 6) → 3 + (12, 9, 6) min
    r = d.loc[("ems.response", "A")]
    assert r["value_now"] == pytest.approx(7.0) and r["value_plan"] == pytest.approx(11.0)
    assert (r["verdict_plan"], r["direction"]) == ("fail", "worse")  # 11.0 is not < 11
    assert d["changed"].iloc[0]  # changed rows first


def test_project_population(setting):
    _, _, _, pop, areas = setting
    up = project_population(pop, 1.1)
    assert up["pop"].sum() == pytest.approx(1500 * 1.1) and "projected" in up.attrs["population_method"]
    per = project_population(pop, {"A": 2.0, "B": 1.0}, areas=areas.assign(pop=[600.0, 900.0]))
    assert per["pop"].tolist() == [200.0, 400.0, 600.0, 400.0, 500.0]
    assert per.attrs["areas"]["pop"].tolist() == [1200.0, 900.0]
    with pytest.raises(hc.InputError, match="no growth factor for areas 'B'"):
        project_population(pop, {"A": 2.0})


def test_suggest_sites_closes_the_gap_by_hand(setting):
    prof, graphs, fac, pop, areas = setting
    res = hc.assess(graphs, scenario_facilities(fac, "existing"), pop, areas, profile=prof)
    # 甲街道's residents at x = 2 km (300) are a 26.7-minute walk from the only CHC (x = 0): 50 % covered.
    # One CHC at x = 1, 2 or 3 km closes the gap (a 15-minute walk is 1,125 m); 乙镇 is already covered by car.
    plan = hc.suggest_sites(res, "access.basic_circle", k=1)
    assert len(plan.sites) == 1 and plan.sites["newly_covered"].tolist() == [300.0]
    assert plan.sites.geometry.x.iloc[0] - X0 in (1000.0, 2000.0, 3000.0)
    assert plan.solution.share == pytest.approx(1.0) and plan.solution.gap == 0.0
    assert plan.curve["covered_weight"].tolist() == [1200.0, 1500.0]
    after = plan.after.table.set_index("area_code")
    assert after.loc["A", "verdict"] == "pass" and after.loc["A", "share"] == 1.0
    fewest = hc.suggest_sites(res, "access.basic_circle", target_share=0.95, reassess=False)
    assert len(fewest.sites) == 1 and fewest.after is None
    with pytest.raises(hc.InputError, match="exactly one of k="):
        hc.suggest_sites(res, "access.basic_circle")
    with pytest.raises(hc.InputError, match="service_circle and service_radius"):
        hc.suggest_sites(res, "ems.fleet", k=1)
    everywhere = gpd.GeoDataFrame(geometry=[shapely.box(X0 - 9000, Y0 - 9000, X0 + 9000, Y0 + 9000)], crs="EPSG:32651")
    with pytest.raises(hc.InputError, match="no candidate"):
        hc.suggest_sites(res, "access.basic_circle", k=1, exclude=everywhere)


def test_report_with_sites_and_plan_sections(setting, tmp_path):
    prof, graphs, fac, pop, areas = setting
    now = hc.assess(graphs, scenario_facilities(fac, "existing"), pop, areas, profile=prof)
    plan = hc.assess(graphs, scenario_facilities(fac, "plan"), pop, areas, profile=prof)
    sites = hc.suggest_sites(now, "access.basic_circle", k=1)
    out = hc.write_report(now, tmp_path / "r.html", sites=sites, comparison=compare(now, plan, names=("现状", "规划")))
    text = out.read_text(encoding="utf-8")
    assert 'id="sites"' in text and "新增设施建议选址" in text and "建议选址 1" in text
    assert 'id="comparison"' in text and "规划与标准对照" in text and "现状" in text
    assert text.count("<tr><td>甲街道</td>") >= 2  # both changed rows of 甲街道 are listed
