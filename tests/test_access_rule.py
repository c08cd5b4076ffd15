"""The ``access_ratio`` rule kind: supply per 1,000 residents reachable within a catchment (2SFCA / E2SFCA).

Tiny graph (UTM 51N, a straight two-way residential road, nodes every 1,000 m at x = 0 … 4,000;
drive 20 km/h → 1,000 m in 180 s; every point sits on the road, so no access leg):

- facilities A (x = 0, 20 beds) and B (x = 4,000, 30 beds);
- demand p1 (x = 0, 1,000 residents), p2 (1,000, 2,000), p3 (3,000, 1,000), p4 (4,000, 4,000);
- areas 甲街道 (x < 2,000: p1, p2) and 乙街道 (p3, p4).

Catchment 11 min = 660 s = 3,667 m: A reaches p1 (0 s), p2 (180 s), p3 (540 s), not p4 (720 s);
B reaches p4, p3, p2, not p1. Step 1: R_A = 20 / 4,000; R_B = 30 / (2,000 + 1,000 + 4,000) = 30 / 7,000.
Step 2 (per 1,000): p1 = 5, p2 = p3 = 5 + 30/7 = 65/7, p4 = 30/7.
甲街道 = (1,000 × 5 + 2,000 × 65/7) / 3,000 = 55/7 = 7.857; 乙街道 = (1,000 × 65/7 + 4,000 × 30/7) / 5,000
= 37/7 = 5.286. Against a floor of 6: 甲 passes, 乙 fails. The scores share the 50 beds out:
3,000 × 55/7 + 5,000 × 37/7 = 50,000 (= 50 beds × 1,000).

E2SFCA with zones ≤ 5 min × 1.0, ≤ 11 min × 0.5 (p3 from A and p2 from B at 9 min weigh 0.5):
R_A = 20 / (1,000 + 2,000 + 500) = 20 / 3,500, R_B = 30 / (4,000 + 1,000 + 1,000) = 30 / 6,000;
p1 = 40/7, p2 = 40/7 + 2.5, p3 = 20/7 + 5, p4 = 5; 甲 = 155/21 = 7.381, 乙 = 39/7 = 5.571.
"""

from __future__ import annotations

import itertools
import re
import warnings
from importlib import resources
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import healthcov as hc
from healthcov.distributed import assess_partitioned
from healthcov.errors import ProfileError
from healthcov.report.text import note_text, requirement
from healthcov.standards.notes import NOTE_CODES
from healthcov.standards.vocabulary import EVALUATED_KINDS, NETWORK_KINDS, WHOLE_NETWORK_KINDS

X0, Y0 = 500_000.0, 3_300_000.0
CRS = "EPSG:32651"

HEADER = """schema = 1
id = "tiny_access"
{extends}level = "district"
name = {{ zh = "测试区", en = "Test District" }}

[document]
title = "测试规则"
file = "tiny.txt"
status = "issued"
base_year = 2020
target_year = 2025
"""

RULE = """
[[rules]]
id = "test.beds_11min"
kind = "access_ratio"
status = "guiding"
title = {{ zh = "驾车11分钟内可达床位", en = "beds within 11 min by car" }}
facility_types = ["hospital_general"]
resource = "{resource}"
amount = {amount}
per = {per}
minutes = 11
travel_mode = "{mode}"
{extra}source = {{ ref = "test", quote = "测试规则，非规划条文" }}
"""


def _profile(tmp_path: Path, *, resource="beds", amount=6, per=1000, mode="drive", extra="", extends="") -> Path:
    p = tmp_path / "tiny_access.toml"
    ext = f'extends = "{extends}"\n' if extends else ""
    rule = RULE.format(resource=resource, amount=amount, per=per, mode=mode, extra=extra)
    p.write_text(HEADER.format(extends=ext) + rule, encoding="utf-8")
    return p


def _line_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs=CRS)
    for i in range(5):
        G.add_node(i, x=X0 + 1000.0 * i, y=Y0)
    for a, b in itertools.pairwise(range(5)):
        G.add_edge(a, b, highway="residential", oneway=False)
        G.add_edge(b, a, highway="residential", oneway=False)
    return G


def _inputs(beds=True):
    cols = {"name": ["A", "B"], "facility_type": ["hospital_general"] * 2}
    if beds:
        cols["beds"] = [20.0, 30.0]
    fac = gpd.GeoDataFrame(cols, geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 4000, Y0)], crs=CRS)
    pop = gpd.GeoDataFrame(
        {"pop": [1000.0, 2000.0, 1000.0, 4000.0]},
        geometry=[shapely.Point(X0 + x, Y0) for x in (0, 1000, 3000, 4000)],
        crs=CRS,
    )
    areas = gpd.GeoDataFrame(
        {"area_code": ["W", "E"], "area_name": ["甲街道", "乙街道"]},
        geometry=[
            shapely.box(X0 - 500, Y0 - 500, X0 + 2000, Y0 + 500),
            shapely.box(X0 + 2000, Y0 - 500, X0 + 4500, Y0 + 500),
        ],
        crs=CRS,
    )
    return fac, pop, areas


@pytest.fixture(scope="module")
def drive():
    return hc.read_network(_line_graph(), mode="drive")


def _rows(res) -> pd.DataFrame:
    return res.table[res.table["rule_id"] == "test.beds_11min"].set_index("area_code")


# --- the tiny graph, by hand ------------------------------------------------------------------------------------


def test_tiny_2sfca_by_hand(tmp_path, drive):
    fac, pop, areas = _inputs()
    res = hc.assess({"drive": drive}, fac, pop, areas, profile=str(_profile(tmp_path)))
    t = _rows(res)
    assert t.loc["W", "value"] == pytest.approx(55 / 7, rel=1e-9)
    assert t.loc["E", "value"] == pytest.approx(37 / 7, rel=1e-9)
    assert (t.loc["W", "verdict"], t.loc["E", "verdict"]) == ("pass", "fail")
    assert t.loc["E", "margin"] == pytest.approx(37 / 7 - 6, rel=1e-9)
    # the scores share the 50 beds out: they do not create any
    assert float((t["pop"] * t["value"]).sum()) / 1000 == pytest.approx(50.0, rel=1e-9)
    w = t.loc["W"]
    assert (w["kind"], w["threshold"], w["limit"], w["unit"], w["mode"]) == (
        "access_ratio",
        6.0,
        11.0,
        "beds per 1,000",
        "drive",
    )
    assert w["standard"] == "≥ 6 beds per 1,000 residents within 11 min (drive, 2SFCA)"
    assert w["metric"] == "2SFCA beds within 11 min" and w["supply_source"] == "facilities"
    assert (w["pop"], w["pop_covered"], w["pop_not_covered"], w["share"]) == (3000.0, 3000.0, 0.0, 1.0)
    assert w["counted"] == "0:A; 1:B"  # p2 reaches both hospitals
    note = res.notes_of("test.beds_11min", "W", code="catchment")[0]
    assert "3,000 residents of the area reach at least one" in note.text_en and "3,000 人" in note.text_zh


def test_tiny_e2sfca_steps_by_hand(tmp_path, drive):
    fac, pop, areas = _inputs()
    prof = _profile(tmp_path, extra="steps = [[5, 1.0], [11, 0.5]]\n")
    t = _rows(hc.assess({"drive": drive}, fac, pop, areas, profile=str(prof)))
    assert t.loc["W", "value"] == pytest.approx(155 / 21, rel=1e-9)
    assert t.loc["E", "value"] == pytest.approx(39 / 7, rel=1e-9)
    assert t.loc["W", "standard"].endswith("(drive, E2SFCA)")


def test_tiny_count_per_10000(tmp_path, drive):
    """Supply 1 per facility: R_A = 1/4,000, R_B = 1/7,000; 甲 = (1,000 × 2.5 + 2,000 × (2.5 + 10/7)) / 3,000."""
    fac, pop, areas = _inputs(beds=False)
    t = _rows(
        hc.assess(
            {"drive": drive}, fac, pop, areas, profile=str(_profile(tmp_path, resource="count", per=10000, amount=3))
        )
    )
    assert t.loc["W", "value"] == pytest.approx((2500 + 2000 * (2.5 + 10 / 7)) / 3000, rel=1e-9)
    assert t.loc["W", "unit"] == "facilities per 10,000" and t.loc["W", "verdict"] == "pass"  # 3.452 ≥ 3


def test_tiny_agrees_with_two_step_fca(tmp_path, drive):
    """The engine's two steps equal healthcov.two_step_fca on the same matrix (an independent path)."""
    fac, pop, _ = _inputs()
    m = hc.travel_time_matrix(drive, pop, fac, max_time_s=660)
    scores = hc.two_step_fca(m, pop, fac, capacity="beds", minutes=11)["beds_per_1000_2sfca"].to_numpy()
    assert scores == pytest.approx([5, 65 / 7, 65 / 7, 30 / 7], rel=1e-9)


# --- not assessed, never failed ----------------------------------------------------------------------------------


def test_no_network_of_the_mode_is_not_assessed(tmp_path, drive):
    fac, pop, areas = _inputs()
    walk = hc.read_network(_line_graph(), mode="walk")
    with pytest.warns(hc.HealthcovWarning, match="not assessed for lack of data"):
        res = hc.assess({"walk": walk}, fac, pop, areas, profile=str(_profile(tmp_path)))
    t = _rows(res)
    assert set(t["verdict"]) == {"not_assessed"}  # the walk network does not stand in for the drive one
    assert t["value"].isna().all() and (t["threshold"] == 6.0).all() and (t["limit"] == 11.0).all()
    n = res.notes_of("test.beds_11min", "W", code="no_network")[0]
    assert "drive road network (given: walk)" in n.text_en and "驾车路网（已提供：walk）" in n.text_zh
    with pytest.warns(hc.HealthcovWarning):
        none = _rows(hc.assess(None, fac, pop, areas, profile=str(_profile(tmp_path))))
    assert set(none["verdict"]) == {"not_assessed"}


def test_missing_supply_column_is_not_assessed(tmp_path, drive):
    fac, pop, areas = _inputs(beds=False)
    with pytest.warns(hc.HealthcovWarning, match="'beds'"):
        res = hc.assess({"drive": drive}, fac, pop, areas, profile=str(_profile(tmp_path)))
    assert set(_rows(res)["verdict"]) == {"not_assessed"}
    n = res.notes_of("test.beds_11min", "E", code="no_resource_column")[0]
    assert "no 'beds' column" in n.text_en and "床位数" in n.text_zh


def test_missing_and_off_network_supply_noted(tmp_path, drive):
    fac, pop, areas = _inputs()
    far = gpd.GeoDataFrame(
        {"name": ["C", "D"], "facility_type": ["hospital_general"] * 2, "beds": [np.nan, 99.0]},
        geometry=[shapely.Point(X0 + 2000, Y0), shapely.Point(X0 + 2000, Y0 + 5000)],
        crs=CRS,
    )
    both = pd.concat([fac, far], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # D is off the network: snapping warns
        res = hc.assess({"drive": drive}, both, pop, areas, profile=str(_profile(tmp_path)))
    codes = {n.code for n in res.notes_of("test.beds_11min", "W")}
    assert {"missing_resource", "off_network_facilities"} <= codes
    assert all(n.code in NOTE_CODES and n.text_zh and n.text_en for n in res.notes)  # every note coded, zh and en
    # C counts 0 beds but takes part in nothing else; D reaches nobody: the values are those without them
    assert _rows(res).loc["W", "value"] == pytest.approx(55 / 7, rel=1e-9)


def test_no_facility_of_the_types_is_not_assessed(tmp_path, drive):
    """Missing is not failing: no hospital in the data gives not_assessed, unless the data is declared complete."""
    fac, pop, areas = _inputs()
    fac["facility_type"] = "clinic"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = hc.assess({"drive": drive}, fac, pop, areas, profile=str(_profile(tmp_path)))
        complete = hc.assess(
            {"drive": drive}, fac, pop, areas, profile=str(_profile(tmp_path)), complete_types=["hospital_general"]
        )
    assert set(_rows(res)["verdict"]) == {"not_assessed"}
    assert res.notes_of("test.beds_11min", "W", code="missing_in_input")
    t = _rows(complete)
    assert set(t["verdict"]) == {"fail"} and (t["value"] == 0).all()  # declared complete: nothing reachable


# --- profiles ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "key", "says"),
    [
        ({"mode": "car"}, "travel_mode", "use one of walk"),
        ({"per": "1000.5"}, "per", "whole number of residents"),
        ({"amount": -1}, "amount", "must be positive"),
        ({"extra": "steps = [[5, 1.0], [10, 0.5]]\n"}, "steps", "the last zone must end there"),
        ({"extra": "steps = [[5, 1.0], [11, 1.5]]\n"}, "steps", "outside (0, 1]"),
        ({"extra": 'scope = "jurisdiction"\n'}, "scope", "unknown key 'scope' for a access_ratio rule"),
    ],
)
def test_profile_errors_name_file_rule_and_key(tmp_path, edit, key, says):
    path = _profile(tmp_path, **edit)
    with pytest.raises(ProfileError) as e:
        hc.load_profile(path)
    msg = str(e.value)
    assert str(path) in msg and "rule 'test.beds_11min'" in msg and f"'{key}'" in msg and says in msg
    assert re.search(r"line \d+", msg)


def test_profile_missing_key(tmp_path):
    path = _profile(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("minutes = 11\n", ""), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"rule 'test.beds_11min': key 'minutes' is missing: a access_ratio rule"):
        hc.load_profile(path)


def test_no_plan_states_a_catchment_rule():
    for pid in hc.list_profiles():
        assert not [r.id for r in hc.load_profile(pid).rules if r.kind == "access_ratio"], pid


def test_example_profile_ships_and_loads():
    path = resources.files("healthcov.standards.profiles") / "examples" / "access_beds.toml"
    text = path.read_text(encoding="utf-8")
    assert "EXAMPLE RULE, NOT A PLAN'S" in text
    prof = hc.load_profile(str(path))
    assert prof.chain == ("example_access_beds", "zhejiang")
    beds = prof.rule("example.beds_within_30min_drive")
    assert (beds.kind, beds.params["resource"], beds.params["minutes"], beds.params["per"]) == (
        "access_ratio",
        "beds",
        30,
        1000,
    )
    walk = prof.rule("example.primary_care_within_30min_walk")
    assert walk.params["steps"] == ((10, 1.0), (20, 0.68), (30, 0.22)) and walk.params["travel_mode"] == "walk"


def test_user_profile_extends_a_plan(tmp_path, drive):
    fac, pop, areas = _inputs()
    prof = hc.load_profile(_profile(tmp_path, extends="zhejiang"))
    assert (
        prof.rule("test.beds_11min").kind == "access_ratio" and prof.rule("access.basic_circle").profile == "zhejiang"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = hc.assess({"drive": drive}, fac, pop, areas, profile=prof, rules=["test.beds_11min"])
    assert _rows(res).loc["W", "value"] == pytest.approx(55 / 7, rel=1e-9)


def test_child_override_and_its_strictest_version(tmp_path, drive):
    """A child profile overrides the rule (E2SFCA, 11 min); the parent's 8-min catchment is the strictest one.

    The strictest version keeps the child's zones cut at 8 min (≤ 5 × 1.0, ≤ 8 × 0.5): nothing is 9 min
    away within 8, so R_A = 20 / 3,000, R_B = 30 / 5,000 → p1 = p2 = 20/3, p3 = p4 = 6; 甲 = 20/3, 乙 = 6.
    """
    from healthcov.standards import AssessOptions, evaluate, prepare
    from healthcov.standards.profiles import strictest

    (tmp_path / "p").mkdir()
    parent = _profile(tmp_path / "p", extra="steps = [[5, 1.0], [8, 0.5]]\n")
    parent.write_text(parent.read_text(encoding="utf-8").replace("minutes = 11", "minutes = 8"), encoding="utf-8")
    child = _profile(tmp_path, extra="steps = [[5, 1.0], [11, 0.5]]\n")
    child.write_text(
        child.read_text(encoding="utf-8").replace('id = "tiny_access"', 'id = "child"\nextends = "p/tiny_access.toml"'),
        encoding="utf-8",
    )
    prof = hc.load_profile(child)
    rule = prof.rule("test.beds_11min")
    assert rule.parent is not None and rule.parent.params["minutes"] == 8
    fac, pop, areas = _inputs()
    t = _rows(hc.assess({"drive": drive}, fac, pop, areas, profile=prof))
    assert t.loc["W", "value"] == pytest.approx(155 / 21, rel=1e-9)  # the child's own rule, as above
    strict = strictest(rule)
    ctx = prepare({"drive": drive}, fac, pop, areas, prof, AssessOptions())
    rows = {r["area_code"]: r for r in evaluate(strict, ctx).rows}
    assert rows["W"]["value"] == pytest.approx(20 / 3, rel=1e-9) and rows["E"]["value"] == pytest.approx(6, rel=1e-9)
    assert rows["W"]["limit"] == 8.0 and rows["W"]["standard"].endswith("within 8 min (drive, E2SFCA)")


# --- report words ------------------------------------------------------------------------------------------------


def test_report_words_both_languages(tmp_path, drive):
    fac, pop, areas = _inputs()
    res = hc.assess({"drive": drive}, fac, pop, areas, profile=str(_profile(tmp_path)))
    row = _rows(res).loc["W"]
    assert requirement(row["standard"], "zh") == "驾车11分钟内可达床位数：每千人≥6张（两步移动搜寻法）"
    assert requirement(row["standard"], "en") == row["standard"]
    zh = note_text(row["note"], "zh")
    assert zh and all("英文原文" not in part for part in zh), zh
    assert (
        zh[0] == "两步移动搜寻法：驾车11分钟内可达的床位数按各设施服务范围内人口分摊，本区域 3,000 人可达至少一个设施"
    )
    html = hc.write_report(res, tmp_path / "r.html", lang="zh").read_text(encoding="utf-8")
    assert "驾车11分钟内可达床位数：每千人≥6张" in html and "7.86" in html
    # the rule's page draws its value against the floor (a bar per area, labelled with value and unit)
    en = hc.write_report(res, tmp_path / "r_en.html", lang="en").read_text(encoding="utf-8")
    assert '<text x="494.0" y="16" font-size="11">7.86 beds per 1,000</text>' in en
    with pytest.warns(hc.HealthcovWarning):
        na = hc.assess(
            {"walk": hc.read_network(_line_graph(), mode="walk")}, fac, pop, areas, profile=str(_profile(tmp_path))
        )
    text = note_text(_rows(na).loc["W", "note"], "zh")
    assert text[0].startswith("未评估：11分钟服务范围需要驾车路网（已提供：walk）"), text


# --- the partitioned path --------------------------------------------------------------------------------------


def test_partitioned_run_says_not_assessed(tmp_path):
    """Catchments cross partitions: the kind is not partitioned, and its rows say why (never a fail)."""
    assert "access_ratio" in EVALUATED_KINDS and "access_ratio" in WHOLE_NETWORK_KINDS
    assert "access_ratio" not in NETWORK_KINDS
    fac, pop, areas = _inputs()
    roads = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame(
        {"highway": ["residential"] * 4},
        geometry=[shapely.LineString([(X0 + a, Y0), (X0 + a + 1000, Y0)]) for a in range(0, 4000, 1000)],
        crs=CRS,
    ).to_file(roads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = assess_partitioned(str(roads), fac, pop, areas, str(_profile(tmp_path)), workers=0, progress=False)
        single = hc.assess(
            {"drive": hc.read_network(str(roads), mode="drive")}, fac, pop, areas, profile=str(_profile(tmp_path))
        )
    t = _rows(res)
    assert set(t["verdict"]) == {"not_assessed"}
    assert all("assess_partitioned does not compute catchments across its partitions" in n for n in t["note"])
    assert _rows(single).loc["W", "value"] == pytest.approx(55 / 7, rel=1e-9)  # the same file, whole: assessed


# --- real data: central Shanghai ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shanghai(data_dir, tmp_path_factory):
    G = hc.read_network(hc.datasets.path("shanghai_network"), mode="drive")
    areas = hc.datasets.census_areas("shanghai")
    covered = areas.to_crs(G.graph["crs"]).intersection(hc.network_area(G)).area / areas.to_crs(G.graph["crs"]).area
    areas = areas[covered.to_numpy() > 0.4].reset_index(drop=True)  # 黄浦, 静安, 虹口
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pop = hc.spread_population(areas, G, id_column="area_code")
    fac = hc.datasets.shanghai_health_facilities()
    # a synthetic, deterministic beds column: 10 × (length of the name mod 9, + 1) beds
    fac["beds"] = [10.0 * (len(str(n)) % 9 + 1) for n in fac["name"]]
    path = tmp_path_factory.mktemp("sh") / "tiny_access.toml"
    rule = RULE.format(resource="beds", amount=6, per=1000, mode="drive", extra="").replace(
        "minutes = 11", "minutes = 10"
    )
    rule = rule.replace('["hospital_general"]', '["hospital_general", "hospital_tcm"]')
    path.write_text(HEADER.format(extends="") + rule, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = hc.assess({"drive": G}, fac, pop, areas, profile=str(path))
    return G, res


def _independent(G, res, types=("hospital_general", "hospital_tcm")):
    """2SFCA with healthcov.two_step_fca on a matrix of the engine's own inputs, averaged per area by hand."""
    dem = res.demand.reset_index(drop=True)
    fac = res.facilities[res.facilities["facility_type"].isin(types)].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.OffNetworkWarning)  # 276 of the 420 hospitals lie outside the network
        m = hc.travel_time_matrix(G, dem, fac, max_time_s=600)
    s = hc.two_step_fca(m, dem, fac, capacity="beds", minutes=10)
    ok = s["assessed"].to_numpy()
    out = {}
    for code in res.areas["area_code"]:
        sel = (dem["area_code"] == code).to_numpy() & ok
        out[code] = float(np.average(s["beds_per_1000_2sfca"].to_numpy()[sel], weights=dem["pop"].to_numpy()[sel]))
    return m, dem, fac, out


def test_shanghai_cross_checked(shanghai):
    G, res = shanghai
    t = res.table.set_index("area_code")
    _, _, fac, direct = _independent(G, res)
    assert len(fac) == 420 and len(t) == 3
    for code, v in direct.items():
        assert t.loc[code, "value"] == pytest.approx(v, rel=1e-9)
    # measured on this data: 黄浦 5.23, 静安 5.27, 虹口 3.69 synthetic beds per 1,000 within 10 min: all under 6
    assert t.set_index("area_name")["value"].round(2).to_dict() == {"黄浦区": 5.23, "静安区": 5.27, "虹口区": 3.69}
    assert set(t["verdict"]) == {"fail"}
    hp = t[t["area_name"] == "黄浦区"].iloc[0]
    assert hp["pop_covered"] == pytest.approx(655_322, abs=1) and hp["limit"] == 10.0 and hp["mode"] == "drive"
    assert bool(t[t["area_name"] == "静安区"]["partial_data"].iloc[0])  # the network covers 46 % of 静安


def test_shanghai_matches_pysal_access(shanghai):
    access = pytest.importorskip("access")
    G, res = shanghai
    m, dem, fac, _ = _independent(G, res)
    dem = dem[~dem.index.isin(m.attrs["origins_off_network"])]
    cost = m[["origin", "destination", "travel_time_s"]].assign(minutes=m["travel_time_s"] / 60.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecations inside access
        A = access.Access(
            demand_df=pd.DataFrame({"did": dem.index, "pop": dem["pop"].to_numpy()}),
            demand_index="did",
            demand_value="pop",
            supply_df=pd.DataFrame({"sid": fac.index, "beds": fac["beds"].to_numpy()}),
            supply_index="sid",
            supply_value="beds",
            cost_df=cost[["origin", "destination", "minutes"]],
            cost_origin="origin",
            cost_dest="destination",
            cost_name="minutes",
        )
        a = A.two_stage_fca(name="2sfca", max_cost=10, normalize=False)
    score = a.iloc[:, 0].reindex(dem.index).fillna(0.0).to_numpy() * 1000
    t = res.table.set_index("area_code")
    for code in res.areas["area_code"]:
        sel = (dem["area_code"] == code).to_numpy()
        assert t.loc[code, "value"] == pytest.approx(
            np.average(score[sel], weights=dem["pop"].to_numpy()[sel]), rel=1e-9
        )
