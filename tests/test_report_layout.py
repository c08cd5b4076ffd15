"""The report's words and layout without a browser: palette, translations, clause references,
the area × rule matrix, headline numbers, "not assessed, and why", service layers, the Jupyter table."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

import healthcov as hc
from healthcov.report.matrix import assessment_html, build_matrix, headlines, not_assessed
from healthcov.report.text import RESOURCES_ZH, VERDICT_COLOURS, clause_ref, fmt_value, note_text, requirement
from healthcov.servicearea import MAIN_ROADS, service_layers, uncovered_grid
from report_fixtures import ningbo_assessment, shanghai_assessment

# ---------------------------------------------------------------------------------------------
# colour vision: pass and fail must stay apart for a deuteranope

#: Machado, Oliveira & Fernandes (2009), deuteranopia, severity 1.0, on linear RGB
DEUTAN = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]])


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(lin: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of a linear-RGB colour."""
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ np.clip(lin, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def deutan_delta_e(a: str, b: str) -> float:
    """CIE76 colour difference of two colours as a deuteranope sees them."""
    return float(np.linalg.norm(_lab(DEUTAN @ _linear(a)) - _lab(DEUTAN @ _linear(b))))


def test_palette_survives_deuteranopia():
    # the old palette (ColorBrewer RdYlGn ends) collapses: issue 12 measured it "nearly the same colour"
    assert deutan_delta_e("#1a9850", "#d73027") < 30
    v = VERDICT_COLOURS
    assert deutan_delta_e(v["pass"], v["fail"]) > 90  # more than three times the old pair
    assert deutan_delta_e(v["pass"], v["partial"]) > 50
    assert deutan_delta_e(v["partial"], v["fail"]) > 20
    assert deutan_delta_e(v["not_assessed"], v["not_applicable"]) > 20  # two different greys


# ---------------------------------------------------------------------------------------------
# words


def test_requirements_and_notes_in_each_language():
    assert requirement("≤ 15 min (walk), ≥ 95% of residents", "zh") == "步行15分钟内，覆盖≥95%居民"
    assert requirement("≤ 3.5 km (network), ≥ 95% of residents", "zh") == "路网距离3.5公里内，覆盖≥95%居民"
    assert requirement("mean < 11 min", "zh") == "平均响应时间＜11分钟"
    assert requirement("≥ 1 per 区/县/市", "en") == "≥ 1 per district/county"
    assert requirement("1 facility per 30,000–100,000 residents", "zh") == "每30,000–100,000常住人口1个"
    assert note_text("no facilities of type ems_subcenter in the data; need 1 more", "en") == [
        "no EMS sub-centre in the data",
        "need 1 more",
    ]
    assert note_text("the facility table has no 'beds' column: add it to assess this rule", "zh") == [
        "设施数据缺少“床位数”（beds）一列，补充后可评估"
    ]
    assert note_text("something new", "zh") == ["something new（英文原文）"]  # said, never dropped
    assert fmt_value(0.9877, "share", "zh") == "98.8%" and fmt_value(1.18, "share", "en") == "118.0%"
    assert fmt_value(5.1679, "min", "zh") == "5.2 分钟" and fmt_value(26, "facilities", "en") == "26 facilities"


def test_clause_references():
    assert clause_ref("ningbo", "二（三）基层医疗卫生机构·机构设置", "000:152", "zh") == (
        "《宁波市规划》二（三）基层医疗卫生机构·机构设置，第152行"
    )
    assert clause_ref("ningbo", "二（三）基层医疗卫生机构·机构设置", "000:152", "en") == "Ningbo plan §2.3, line 152"
    assert clause_ref("ningbo", "二（一）3. 院前急救体系", "000:102", "en") == "Ningbo plan §2.1.3, line 102"
    assert clause_ref("ningbo", "表1; 三（一）1. 床位总体配置", "000:56; 000:180", "en") == (
        "Ningbo plan table 1; §3.1.1, lines 56, 180"
    )


# ---------------------------------------------------------------------------------------------
# tiny grid, answer by hand


def test_uncovered_grid_by_hand():
    pts = gpd.GeoDataFrame(
        {"pop": [5.0, 3.0, 7.0, 2.0, 4.0], "area_code": ["a", "a", "a", "a", None]},
        geometry=shapely.points([(10, 10), (20, 20), (300, 10), (260, 260), (30, 30)]),
        crs="EPSG:32651",
    )
    covered = [False, False, False, True, False]  # the 4th is covered, the 5th is outside every area
    g = uncovered_grid(pts, covered, cell_m=250)
    assert g["pop"].tolist() == [8.0, 7.0] and g["cell_m"].tolist() == [250.0, 250.0]
    assert [tuple(np.round(b)) for b in g.geometry.bounds.to_numpy()] == [(0, 0, 250, 250), (250, 0, 500, 250)]
    one = uncovered_grid(pts, covered, cell_m=250, max_cells=1)  # too many cells: 500 m, then one cell
    assert one["pop"].tolist() == [15.0] and one["cell_m"].iloc[0] == 500.0
    with pytest.raises(hc.InputError, match="projected CRS"):
        uncovered_grid(pts.to_crs(4326), covered)


# ---------------------------------------------------------------------------------------------
# real data


@pytest.fixture(scope="module")
def shanghai(data_dir):
    return shanghai_assessment()


@pytest.fixture(scope="module")
def ningbo(data_dir):
    return ningbo_assessment()


def test_service_layers_shanghai(shanghai):
    layers = service_layers(shanghai)
    t = shanghai.table[shanghai.table["area_code"] != "*"]
    # the grid keeps every uncovered resident: its sum per rule is the table's, area by area summed
    for rid in ("access.basic_circle", "ems.radius", "ems.response"):
        cells = layers.uncovered[layers.uncovered["rule_id"] == rid]
        assert cells["pop"].sum() == pytest.approx(t.loc[t["rule_id"] == rid, "pop_not_covered"].sum(), rel=1e-9)
    # circle 10,886.5; radius 181,557.6 (虹口区 has no 120 station inside: EMS typed strictly); response 8,145.3
    # residents along the roads: circle 32,115.5; radius 190,772.9 (虹口区 has no 120 station inside); response 17,542.0
    assert layers.uncovered["pop"].sum() == pytest.approx(32_115.5 + 190_772.9 + 17_542.0, abs=1)
    a = layers.areas.set_index(["rule_id", "metric"])
    assert set(a.index) == {
        ("access.basic_circle", "network"),
        ("ems.radius", "straight"),
        ("ems.radius", "network"),
        ("ems.response", "network"),
    }
    radius = a.loc[("ems.radius", "straight")]
    n = radius["facilities"]
    # a union of n 3.5 km discs: larger than one disc, smaller than n of them
    assert np.pi * 3.5**2 < radius["area_km2"] < n * np.pi * 3.5**2
    assert a.loc[("ems.radius", "network"), "area_km2"] < radius["area_km2"]  # roads reach less than the crow flies
    assert layers.notes == {}
    # the offline basemap: main roads only, within 2 km of the districts
    roads = layers.roads
    assert set(roads["highway"]) <= set(MAIN_ROADS) and {"primary", "secondary"} <= set(roads["highway"])
    near = shapely.union_all(shanghai.areas.geometry.values).buffer(2000.0 + 1.0)
    assert all(near.contains(g) for g in roads.geometry)
    with pytest.raises(hc.InputError, match="not in the assessment"):
        service_layers(shanghai, rules=["nope"])


def test_service_layers_without_network(ningbo):
    layers = service_layers(ningbo)
    assert layers.areas.empty and layers.roads is None  # no EMS station, no network: nothing to draw, and said
    assert layers.notes["ems.radius"] == "no facility of the rule's types in the input"
    assert layers.uncovered["pop"].sum() == pytest.approx(9_404_283)  # everyone, on a grid of at most 4,000 cells
    assert len(layers.uncovered) <= 4000 and layers.uncovered["cell_m"].iloc[0] == 2000.0


def test_matrix_worst_first_and_headlines(shanghai, ningbo):
    m = build_matrix(shanghai, "zh")
    t = shanghai.table
    assert len(m.rules) == 13 and len(m.areas) == 3 and len(m.wide) == 9  # + tertiary hospital per district
    assert len(m.cells) == (t["area_code"] != "*").sum()
    # 静安区 and 虹口区 fail 1 and partly pass 1; 黄浦区 fails 1: the two with a partial first
    assert [name for _, name in m.areas] == ["虹口区", "静安区", "黄浦区"]
    h = {x["rule_id"]: x for x in headlines(shanghai, "zh")}
    assert round(h["access.basic_circle"]["pop_not_covered"]) == 32_116  # 26,192 + 2,286 + 3,638 along the roads
    # Ningbo without a network: the circle is NOT "0 residents not covered" but not assessed
    hn = {x["rule_id"]: x for x in headlines(ningbo, "en")}
    assert hn["access.basic_circle"]["assessed"] is False and hn["access.basic_circle"]["pop_not_covered"] is None
    box = {(x["rule_id"], x["kind"]): x for x in not_assessed(ningbo, "zh")}
    assert box[("access.basic_circle", "not_assessed")]["reasons"] == ["需要路网，但未提供路网"]
    assert box[("access.basic_circle", "not_assessed")]["areas"] == "全部区域"
    # no EMS station in the input: EMS radius is not assessed (missing is not failing), said by note code
    codes = ningbo.areas["area_code"].astype(str)
    assert all(ningbo.notes_of("ems.radius", c, "missing_in_input") for c in codes)
    assert box[("ems.radius", "not_assessed")]["reasons"] == ["输入数据中没有急救中心、急救分中心、急救站（点）"]
    assert box[("ems.radius", "not_assessed")]["areas"] == "全部区域" and ("ems.radius", "no_data") not in box
    en = {x["rule_id"]: x for x in not_assessed(ningbo, "en")}
    assert en["ems.radius"]["reasons"] == ["no EMS centre, EMS sub-centre, EMS station in the input data"]
    # supply unknown: the box names the column to add (or the statistics to give)
    assert en["ratio.doctors"]["reasons"] == [
        "the supply of doctors is unknown: add the column 'doctors' to the facilities or give area statistics"
    ]


def test_partial_data_warning_and_ratio_cells(shanghai):
    from healthcov.report.evidence import partial_data_warnings, ratio_text, sensitivity_table

    t = shanghai.table
    flagged = t[t["partial_data"].fillna(False).astype(bool) & (t["area_code"] != "*")]
    # 静安区 and 虹口区: the network reaches under 90 % of their residents (a share recomputed from the rows)
    assert set(flagged["area_name"]) == {"静安区", "虹口区"}
    jing = t[(t["area_name"] == "静安区") & (t["rule_id"] == "access.basic_circle")].iloc[0]
    pct = f"{jing['data_coverage']:.0%}"
    assert 0.4 < jing["data_coverage"] < 0.5
    w = {x["area"]: x for x in partial_data_warnings(shanghai, "en")}
    assert set(w) == {"静安区", "虹口区", "all areas"}
    assert w["静安区"]["text"].startswith(f"the network reaches {pct} of the residents of 静安区")
    assert (
        f"路网只覆盖静安区 {pct} 的居民"
        in {x["area"]: x for x in partial_data_warnings(shanghai, "zh")}["静安区"]["text"]
    )
    # the CHC rule is read as a disjunction (one per street, or per 30,000): a count against the count
    # required, with present of required beside it
    r = t[(t["area_name"] == "黄浦区") & (t["rule_id"] == "basic.chc_per_pop")].iloc[0]
    assert (r["value"], r["threshold"], r["unit"]) == (14, 23, "facilities")
    assert ratio_text(r, "en") == f"14 / 23 facilities ({r['present']:.0f} of {r['required']:.0f})"
    fleet = t[(t["area_name"] == "黄浦区") & (t["rule_id"] == "ems.fleet")].iloc[0]  # supply unknown
    assert ratio_text(fleet, "zh") == f"需 {fleet['required']:,.0f}"
    # the response-time sensitivity table: per area, 3 / 5 min × free flow / peak
    sens = sensitivity_table(shanghai, "ems.response", "en")
    assert len(sens["header"]) == 4 and [r["area"] for r in sens["rows"]] == ["黄浦区", "静安区", "虹口区"]
    s = shanghai.sensitivity.set_index(["rule_id", "area_name", "activation_delay_min", "speed"])
    worst = s.loc[("ems.response", "虹口区", 5.0, "peak")]
    assert worst["verdict"] == "fail" and worst["mean_min"] >= worst["limit_min"]
    assert sens["rows"][2]["cells"][3] == (f"{worst['mean_min']:.1f} min, {worst['share_within']:.1%} fail", "fail")


def test_assessment_html_is_formatted(shanghai):
    text = assessment_html(shanghai, "zh")
    assert "96.0%" in text and "10886.538" not in text and "0.987714" not in text
    assert "5.5 分钟" in text  # 黄浦区's mean ambulance response (5.55 min), with its unit
    row = re.search(r"<tr><td>黄浦区</td><td>15分钟健康服务圈</td>.*?</tr>", text)
    assert row and "✓ 达标" in row.group(0) and VERDICT_COLOURS["pass"] in row.group(0)
    nc = shanghai.table["pop_not_covered"].max()  # the most residents not covered in one area: thousands
    assert nc > 1000 and f"<td>{nc:,.0f}</td>" in text


def test_zh_report_has_no_english_or_paths(shanghai, tmp_path):
    layers = service_layers(shanghai, service_areas=False)
    html = hc.write_report(shanghai, tmp_path / "r.html", layers, lang="zh", exports=False).read_text(encoding="utf-8")
    body = re.sub(r'<iframe[^>]*srcdoc="[^"]*"', "", html)  # the map is checked in the browser test
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", body, flags=re.S)
    words = re.sub(r"<[^>]+>", " ", body)
    words = re.sub(r"[\w.-]+\.(osm|pbf|graphml|gpkg|csv|geojson)\b", " ", words)  # file names stay as they are
    # the column a user must add is named as in the data: （beds）, （psych_beds）
    words = re.sub(r"（(" + "|".join(RESOURCES_ZH) + r")）", " ", words)
    allowed = {"healthcov", "OpenStreetMap", "ODbL", "P90"}
    english = sorted({w for w in re.findall(r"[A-Za-z]{3,}", words) if w not in allowed})
    assert english == []
    assert "/work/" not in html and "geodata" not in html.replace("geodata.", "")  # file names only
    assert "《宁波市规划》二（三）基层医疗卫生机构·机构设置，第152行" in html
    assert "002:131" not in html and "000:152" not in html


def test_bar_chart_labels_beyond_100_percent():
    from healthcov.report.html_report import bar_chart

    svg = bar_chart(
        ["甲", "乙", "丙"], [0.5, 1.18, 164.0], ["partial", "pass", "pass"], limit=1.0, unit="share", lang="zh"
    )
    labels = re.findall(r'font-size="11">([^<]+)</text>', svg)
    assert labels[:3] == ["50.0%", "118.0%", "▶ 16400.0%"]  # never clipped to "1"; the long bar ends in ▶
    widths = [float(w) for w in re.findall(r'<rect x="110" y="\d+" width="([\d.]+)"', svg)]
    assert widths == [95.0, 224.2, 380.0]  # 2 × the standard fills the 380 px: 0.5 → a quarter of it


def test_caveats_in_chinese():
    from healthcov.report.text import caveat

    assert caveat("drive network: 141 nodes outside its largest strongly connected component were dropped", "zh") == (
        "驾车路网：141 个不连通的节点已去除"
    )
    assert caveat("not assessed for lack of data — ems.fleet: …", "zh") == ""  # the box says it, in words
    assert caveat("new words", "zh") == "new words（英文原文）"


def test_sources_per_language():
    from healthcov.report.html_report import DEFAULT_SOURCES, report_sources

    assert report_sources(None, "zh") == DEFAULT_SOURCES["zh"] and "路网" in DEFAULT_SOURCES["zh"][0]["name"]
    both = {"zh": [{"name": "人口普查", "date": "2020", "licence": "公开"}], "en": [{"name": "census"}]}
    assert report_sources(both, "zh")[0]["name"] == "人口普查" and report_sources(both, "en")[0]["name"] == "census"
    with pytest.raises(hc.InputError, match="no 'en' list"):
        report_sources({"zh": []}, "en")


def test_plan_rows_target_year_and_status():
    from types import SimpleNamespace

    import pandas as pd

    from healthcov.report.html_report import plan_rows

    t = pd.DataFrame(
        {
            "target_year": [2025.0, 2025.0, float("nan")],
            "profile": ["ningbo", "fenghua", "fenghua"],
            "plan_status": ["issued", "draft_for_approval", "draft_for_approval"],
            "plan_status_zh": ["已印发", "送审稿", "送审稿"],
        }
    )
    res = SimpleNamespace(table=t)
    assert plan_rows(res, "zh") == [("目标年份", "2025"), ("规划文本状态", "宁波市规划：已印发；奉化区规划：送审稿")]
    assert plan_rows(res, "en")[1] == ("Plan status", "Ningbo plan: issued; Fenghua plan: draft for approval")
