"""The plans' readings (issue 10): the CHC disjunction, caps as maxima, owner and grade in count rules,
and plan comparisons between like quantities only. Hand-built cases with hand-computed answers, and the
real Ningbo data."""

from __future__ import annotations

import textwrap
import warnings

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import healthcov as hc
from healthcov import assess
from healthcov.errors import ProfileError
from healthcov.standards.profiles import compare_with_parents, load_profile, looser_than_parent
from healthcov.standards.readings import qualified_mask, streets_per_area

CRS = "EPSG:32651"
X0, Y0 = 500_000.0, 3_400_000.0

HEAD = """
schema = 1
id = "readingsville"
level = "county"
name = { zh = "读数县", en = "Readingsville" }
[document]
title = "测试"
file = "none.txt"
status = "first_draft"
base_year = 2020
target_year = 2025
"""

CHC_RULE = """
[[rules]]
id = "basic.chc_per_pop"
kind = "ratio"
status = "guiding"
title = { zh = "每个街道（或3-10万人）1家", en = "One per street, or per 30,000-100,000" }
facility_types = ["chc"]
resource = "count"
amount = 1
per = [30000, 100000]
or_per_unit = { unit_types = ["街道"], min = 1 }
source = { ref = "002:131", quote = "每个街道（或3-10万人）举办好1家标准化社区卫生服务中心" }
"""


def _profile(tmp_path, rules: str):
    p = tmp_path / "readingsville.toml"
    p.write_text(textwrap.dedent(HEAD) + textwrap.dedent(rules), encoding="utf-8")
    return p


def _areas(names, pops, **cols):
    geoms = [shapely.box(X0 + 10_000 * i, Y0, X0 + 10_000 * i + 5_000, Y0 + 5_000) for i in range(len(names))]
    return gpd.GeoDataFrame(
        {"area_name": names, "area_code": [f"A{i}" for i in range(len(names))], "pop": pops, **cols},
        geometry=geoms,
        crs=CRS,
    )


def _population(areas):
    c = areas.geometry.centroid
    return gpd.GeoDataFrame({"pop": areas["pop"].to_numpy()}, geometry=c.to_numpy(), crs=CRS)


def _facilities(counts, ftype="chc", **cols):
    """``counts[i]`` facilities of ``ftype`` inside area ``i``."""
    pts, names = [], []
    for i, k in enumerate(counts):
        for j in range(k):
            pts.append((X0 + 10_000 * i + 100 + 200 * j, Y0 + 100))
            names.append(f"设施{i}-{j}")
    return gpd.GeoDataFrame(
        {"name": names, "facility_type": [ftype] * len(names), **cols}, geometry=shapely.points(pts), crs=CRS
    )


def _run(tmp_path, rules, areas, fac):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)
        res = assess(None, fac, _population(areas), areas, profile=_profile(tmp_path, rules))
    return res.table.set_index(["rule_id", "area_name"])


def test_chc_disjunction_by_hand(tmp_path):
    # 甲区: 10 streets, 10 centres, 662,030 residents → the street branch passes (pop branch would need 23)
    # 乙区: 4 streets, 3 centres, 95,000 residents → per street fails (3 < 4), per 30,000: ceil(3.17) = 4 → no;
    #       per 100,000: 1 → only the lenient end: partial
    # 丙区: 2 streets, 2 centres, 45,000 → street branch passes
    # 丁区: 5 streets, 2 centres, 60,000 → street fails (2 < 5) but per 30,000: 2 ≥ 2 → pass by population
    # 戊区: 3 streets, 0 centres, 50,000 → fail, no branch met
    areas = _areas(
        ["甲区", "乙区", "丙区", "丁区", "戊区"],
        [662_030.0, 95_000.0, 45_000.0, 60_000.0, 50_000.0],
        n_streets=[10, 4, 2, 5, 3],
    )
    t = _run(tmp_path, CHC_RULE, areas, _facilities([10, 3, 2, 2, 0]))
    rows = t.xs("basic.chc_per_pop", level=0)
    assert rows["verdict"].tolist() == ["pass", "partial", "pass", "pass", "fail"]
    assert rows.loc["甲区", "metric"].startswith("per street: 10 ≥ 10 (10 街道, column n_streets)")
    assert rows.loc["乙区", "metric"].startswith("only the lenient end, per 100,000 residents: 3 ≥ 1")
    assert "per street not met: 3 < 4" in rows.loc["乙区", "metric"]
    assert rows.loc["丁区", "metric"].startswith("per 30,000 residents: 2 ≥ 2")
    assert rows.loc["戊区", "metric"].startswith("no branch met: 0 < 1")
    assert rows.loc["乙区", "verdict_lenient"] == "pass" and rows.loc["戊区", "verdict_lenient"] == "fail"
    assert rows["required"].tolist() == [23, 4, 2, 2, 2]  # ceil(pop / 30,000), shown beside the branch
    assert "decided by" in rows.loc["甲区", "note"] and "设施0-0" in rows.loc["甲区", "note"]


def test_chc_disjunction_unknown_streets_and_street_areas(tmp_path):
    # no n_streets and names outside the shipped list: the population branch decides, and the row says so
    areas = _areas(["某区", "某街道", "某镇"], [90_000.0, 20_000.0, 20_000.0])
    t = _run(tmp_path, CHC_RULE, areas, _facilities([3, 1, 0]))
    rows = t.xs("basic.chc_per_pop", level=0)
    assert rows.loc["某区", "verdict"] == "pass" and "n_streets" in rows.loc["某区", "note"]
    assert rows.loc["某街道", "metric"].startswith("per street: 1 ≥ 1 (1 街道, the area is a street)")
    # a township has no street: the per-street branch does not apply (it is not "met"); 0 < 1 per 100,000
    assert rows.loc["某镇", "verdict"] == "fail" and "no 街道 in the area" in rows.loc["某镇", "note"]


def test_streets_per_area_from_the_shipped_township_list(data_dir):
    areas = pd.DataFrame({"area_code": ["330206", "330213", "999999"], "area_name": ["北仑区", "奉化区", "某区"]})
    n, src = streets_per_area(areas)
    # SOURCES.md §5: Beilun has 11 街道; Fenghua 6 (锦屏, 岳林, 江口, 西坞, 萧王庙, 方桥)
    assert n.tolist()[:2] == [11.0, 6.0] and pd.isna(n.iloc[2])
    assert src.iloc[0].startswith("admin_codes") and src.iloc[2] == "unknown"


def test_range_reading_names_the_end_met(tmp_path):
    rule = CHC_RULE.replace('or_per_unit = { unit_types = ["街道"], min = 1 }', 'reading = "range"').replace(
        "[30000, 100000]", "[3000, 5000]"
    )
    # 40,000 residents: 14 stations → per 3,000 needs 14: pass; 9 → per 5,000 needs 8: partial; 7 → fail
    areas = _areas(["甲街道", "乙街道", "丙街道"], [40_000.0, 40_000.0, 40_000.0])
    t = _run(tmp_path, rule, areas, _facilities([14, 9, 7]))
    rows = t.xs("basic.chc_per_pop", level=0)
    assert rows["verdict"].tolist() == ["pass", "partial", "fail"]
    assert rows.loc["乙街道", "metric"] == "only the lenient end, per 5,000 residents: 9 ≥ 8"
    assert "street" not in rows.loc["甲街道", "standard"]


CAP_RULE = """
[[rules]]
id = "ratio.beds_total"
kind = "ratio"
status = "guiding"
title = { zh = "床位数控制在", en = "Beds capped" }
resource = "beds"
amount = 5.80
per = 1000
scope = "jurisdiction"
direction = "max"
source = { ref = "004:770", quote = "到 2025 年全市每千常住人口医疗卫生机构床位数控制在 5.80 张" }
"""


@pytest.mark.parametrize(("beds", "verdict"), [(290, "pass"), (300, "fail")])
def test_cap_is_a_maximum(tmp_path, beds, verdict):
    # 50,000 residents: 290 beds = 5.80 per 1,000 (at the cap: pass), 300 = 6.00 (over the cap: fail)
    areas = _areas(["甲区"], [50_000.0])
    fac = _facilities([2], ftype="hospital_general", beds=[beds - 100, 100])
    t = _run(tmp_path, CAP_RULE, areas, fac)
    row = t.loc[("ratio.beds_total", "全部区域")]  # the jurisdiction row is named after the areas, not the profile
    assert row["verdict"] == verdict
    assert row["value"] == pytest.approx(beds / 50.0)
    assert row["threshold"] == 5.8 and row["standard"].startswith("≤ 5.8 beds per 1,000")
    assert "cap" in row["note"]


QUALIFIED_RULES = """
[[rules]]
id = "hosp.county_general"
kind = "count_per_area"
status = "guiding"
title = { zh = "县办综合医院", en = "County-run general hospital" }
facility_types = ["hospital_general"]
unit_types = ["区", "县"]
min = 1
owner = ["county"]
source = { ref = "000:134", quote = "区（县、市）至少设置 1 家县办综合医院" }

[[rules]]
id = "hosp.county_3b"
kind = "count_per_area"
status = "guiding"
title = { zh = "三级乙等", en = "3B" }
facility_types = ["hospital_general"]
unit_types = ["区", "县"]
min = 1
grade_min = "3B"
source = { ref = "004:532-534", quote = "县（市）力争各有一家综合医院达到三级乙等" }
"""


def test_owner_and_grade_select_the_facilities(tmp_path):
    areas = _areas(["甲区", "乙区"], [100_000.0, 100_000.0])
    # 甲区: a city-run 3A and a county-run 2A; 乙区: a private 3B and a university hospital of grade 3C
    fac = _facilities([2, 2], ftype="hospital_general", owner=["city", "county", "private", "university"])
    fac["grade"] = ["3A", "2A", "3B", "3C"]
    t = _run(tmp_path, QUALIFIED_RULES, areas, fac)
    assert t.loc[("hosp.county_general", "甲区"), "verdict"] == "pass"
    assert t.loc[("hosp.county_general", "乙区"), "verdict"] == "fail"  # private and university do not count
    assert "only county/district-run count: 0 of 2" in t.loc[("hosp.county_general", "乙区"), "note"]
    assert t.loc[("hosp.county_3b", "甲区"), "verdict"] == "pass"  # 3A ≥ 3B
    assert t.loc[("hosp.county_3b", "乙区"), "present"] == 1  # 3B counts, 3C does not


def test_grade_missing_from_the_data_is_not_assessed(tmp_path):
    areas = _areas(["甲区"], [100_000.0])
    fac = _facilities([1], ftype="hospital_general", owner=["county"])
    t = _run(tmp_path, QUALIFIED_RULES, areas, fac)
    row = t.loc[("hosp.county_3b", "甲区")]
    assert row["verdict"] == "not_assessed" and "no hospital grades" in row["note"]


def test_qualified_mask_grades():
    fac = pd.DataFrame({"grade": ["3A", "3B", "3C", "3", "2A", None], "owner": ["county"] * 6})
    assert qualified_mask(fac, {"grade_min": "3B"}).tolist() == [True, True, False, True, False, False]
    assert qualified_mask(fac, {"grade_min": "3"}).tolist() == [True, True, True, True, False, False]
    assert qualified_mask(fac, {"grade_min": "2A"}).tolist() == [True, True, True, True, True, False]
    assert qualified_mask(fac, {}).all()


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ('direction = "most"', "direction"),
        ('owner = ["county", "nobody"]', "owner codes"),
        ('grade_min = "4A"', "grade code"),
        ('level = "galaxy"', "level"),
        ('or_per_unit = { unit_types = "街道" }', "or_per_unit"),
    ],
)
def test_bad_reading_keys_name_the_line(tmp_path, line, match):
    rule = CHC_RULE.replace('scope = "area"', "") + line + "\n"
    with pytest.raises(ProfileError, match=match):
        load_profile(_profile(tmp_path, rule))


def test_fenghua_doctors_stricter_than_ningbo_and_not_comparable_with_zhejiang():
    rows = {(r["rule"], r["parent_profile"]): r for r in compare_with_parents("fenghua")}
    # 001:165/352: Fenghua 4.4 doctors per 1,000 against Ningbo's own 2025 target for 奉化区, 4.09 (table 4)
    d = rows[("ratio.doctors", "ningbo")]
    assert (d["local"], d["parent"], d["order"]) == (4.4, 4.09, "stricter")
    # against Zhejiang's province-wide 4.3 average: a district target is not the same quantity
    z = rows[("ratio.doctors", "zhejiang")]
    assert z["order"] == "not_comparable" and z["why"] == "a county target against a province average"
    assert not [r for r in looser_than_parent("beilun") if r["rule"] == "ratio.beds_total"]  # Beilun vs 7.5


def test_ningbo_real_chc_and_county_hospitals(data_dir):
    areas = hc.datasets.census_areas("ningbo")
    pop = hc.grid_population(areas, cell_m=1000)
    fac = hc.read_facilities(hc.datasets.path("ningbo_hospitals"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)
        res = assess(None, fac, pop, areas, profile="ningbo")
    t = res.table.set_index(["rule_id", "area_name"])
    chc = t.xs("basic.chc_per_pop", level=0)
    # streets from the shipped township list: 北仑 11, 鄞州 15; OSM holds 1 CHC in 鄞州 (新明街道) and none in 北仑
    assert "per street not met: 1 < 15 (15 街道" in chc.loc["鄞州区", "metric"]
    assert "per street not met: 0 < 11 (11 街道" in chc.loc["北仑区", "metric"]
    gen = t.xs("hosp.county_general", level=0)
    # county-run only: 江北区's 4 OSM general hospitals are city-run, university, private or unknown
    assert gen.loc["江北区", "verdict"] == "fail" and gen.loc["北仑区", "present"] == 3
    assert gen.loc["鄞州区", "present"] == 1  # 鄞州区第三医院 of 13 general hospitals
    # OSM gives no grades: the tertiary rule is not assessed rather than failed
    assert (t.xs("hosp.tertiary_general_per_unit", level=0)["verdict"] == "not_assessed").all()


def test_tertiary_within_an_hour_counts_graded_hospitals_only(tmp_path):
    # a road 0 —1 km— 1 —1 km— 2 —1 km— 3: a grade-2A hospital at node 1, a 3A one at node 3; 100 residents at
    # node 0 and 50 at node 2. Limit: 1.5 road pieces by car. Any hospital: everyone within 1 piece → 100 %.
    # Grade ≥ 3 only: node 2 is 1 piece from the 3A (covered), node 0 is 3 pieces away (not) → 50 / 150.
    import networkx as nx

    G = nx.MultiDiGraph(crs=CRS)
    for n in range(4):
        G.add_node(n, x=X0 + n * 1000.0, y=Y0)
    for n in range(3):
        G.add_edge(n, n + 1, highway="primary", length=1000.0)
        G.add_edge(n + 1, n, highway="primary", length=1000.0)
    G = hc.read_network(G, mode="drive")
    limit = 1.5 * G.edges[0, 1, 0]["travel_time"] / 60.0
    rule = f"""
[[rules]]
id = "access.tertiary_1h"
kind = "service_circle"
status = "guiding"
title = {{ zh = "1小时三级医院", en = "Tertiary within an hour" }}
facility_types = ["hospital_general"]
minutes = {limit!r}
grade_min = "3"
travel_mode = "drive"
source = {{ ref = "004:532-536", quote = "加快构建全市1小时三级医院就医网络" }}
"""
    areas = gpd.GeoDataFrame(
        {"area_name": ["甲区"], "area_code": ["A"], "pop": [150.0]},
        geometry=[shapely.box(X0 - 500, Y0 - 500, X0 + 3500, Y0 + 500)],
        crs=CRS,
    )
    pop = gpd.GeoDataFrame({"pop": [100.0, 50.0]}, geometry=shapely.points([(X0, Y0), (X0 + 2000, Y0)]), crs=CRS)
    fac = gpd.GeoDataFrame(
        {"name": ["二甲医院", "三甲医院"], "facility_type": ["hospital_general"] * 2, "grade": ["2A", "3A"]},
        geometry=shapely.points([(X0 + 1000, Y0), (X0 + 3000, Y0)]),
        crs=CRS,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)
        res = assess({"drive": G}, fac, pop, areas, profile=_profile(tmp_path, rule))
    row = res.table.iloc[0]
    assert row["share"] == pytest.approx(50 / 150) and row["mode"] == "drive"
    assert "only grade ≥ 3: 1" in row["note"]
    no_grades = fac.drop(columns="grade").assign(name=["东医院", "西医院"])  # no grade in the names either
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)
        res = assess({"drive": G}, no_grades, pop, areas, profile=_profile(tmp_path, rule))
    assert res.table.iloc[0]["verdict"] == "not_assessed" and "no hospital grades" in res.table.iloc[0]["note"]


def test_every_reading_note_and_requirement_has_chinese_words(tmp_path):
    """The report translates by pattern (``standards/reading_words.py``): every part these rules write has one."""
    import re

    from healthcov.standards.reading_words import READING_NOTES, READING_REQ, translate

    areas = _areas(
        ["甲区", "乙区", "某区", "某镇"], [662_030.0, 95_000.0, 90_000.0, 20_000.0], n_streets=[10, 4, None, None]
    )
    t1 = _run(tmp_path, CHC_RULE, areas, _facilities([10, 3, 3, 0]))
    fac = _facilities([1, 1, 0, 0], ftype="hospital_general", owner=["county", "private"], beds=[300, 100])
    fac["grade"] = ["3A", None]
    t2 = _run(tmp_path, QUALIFIED_RULES + CAP_RULE, _areas(["甲区", "乙区"], [100_000.0, 100_000.0]), fac)
    notes = [p for t in (t1, t2) for n in t["note"].dropna() for p in str(n).split("; ")]
    reqs = [s for t in (t1, t2) for s in t["standard"].dropna()]
    from healthcov.report.text import note_text, requirement

    for part in notes:
        zh = translate(part, READING_NOTES, "zh") or note_text(part, "zh")[0]
        assert "英文原文" not in zh and not re.findall(r"[A-Za-z]{3,}", zh), (part, zh)
    for s in reqs:
        zh = translate(s, READING_REQ, "zh") or requirement(s, "zh")
        assert not re.findall(r"[A-Za-z]{3,}", zh.replace("（beds）", "")), (s, zh)


def test_streets_from_township_polygons():
    from healthcov.standards.readings import streets_from_polygons

    areas = _areas(["甲区", "乙区"], [1.0, 1.0])
    b = shapely.box
    town = gpd.GeoDataFrame(
        {"乡镇": ["东街道", "西街道", "南镇", "北街道"]},
        geometry=[
            b(X0, Y0, X0 + 2000, Y0 + 2000),  # in 甲区
            b(X0 + 2000, Y0, X0 + 5000, Y0 + 5000),  # in 甲区
            b(X0 + 10_000, Y0, X0 + 12_000, Y0 + 2000),  # a town in 乙区: not a street
            b(X0 + 12_000, Y0, X0 + 15_000, Y0 + 5000),  # in 乙区
        ],
        crs=CRS,
    ).to_crs("EPSG:4326")  # another CRS: matched after reprojection
    assert streets_from_polygons(areas, town, name_column="乡镇").tolist() == [2, 1]
    with pytest.raises(hc.MissingColumnError, match="乡镇名"):
        streets_from_polygons(areas, town, name_column="乡镇名")


def test_shanghai_chcs_one_per_street(data_dir):
    """Issue 10: 黄浦区 with its CHCs, one per street, is no longer "partial, need 9 more" once the streets are
    known. Street counts as the user gives them (n_streets; Shanghai's 2020 divisions: 黄浦区 10 街道, 静安区
    13 街道 and 1 镇, 虹口区 8 街道); the census totals, all Shanghai POIs (strict typing), no network."""
    areas = hc.datasets.census_areas("shanghai")
    areas = areas[areas["area_name"].isin(["黄浦区", "静安区", "虹口区"])].reset_index(drop=True)
    pop = hc.grid_population(areas, cell_m=1000)
    fac = hc.datasets.shanghai_health_facilities()

    def chc(a):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = assess(None, fac, pop, a, profile="ningbo", rules=["basic.chc_per_pop"])
        return res.table.set_index("area_name")

    before = chc(areas)  # streets unknown: the population branch alone decides
    assert before["verdict"].tolist() == ["partial"] * 3
    assert before.loc["黄浦区", "metric"] == "only the lenient end, per 100,000 residents: 14 ≥ 7"
    after = chc(areas.assign(n_streets=areas["area_name"].map({"黄浦区": 10, "静安区": 13, "虹口区": 8})))
    assert after["verdict"].tolist() == ["pass"] * 3
    assert after.loc["黄浦区", "metric"] == "per street: 14 ≥ 10 (10 街道, column n_streets)"
    assert after.loc["虹口区", "metric"] == "per street: 13 ≥ 8 (8 街道, column n_streets)"
