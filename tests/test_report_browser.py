"""The planning-meeting report as a reader sees it: opened from ``file://`` in headless Chromium.

The report written by :func:`healthcov.write_report` for the Shanghai assessment (3 central
districts, Ningbo profile) is opened in Chinese and in English with the network blocked
(tests/browser.py): no JavaScript error, no request leaves the page, the numbers in the summary and
verdict tables are those of ``result.summary()`` / ``result.table``, the map in the ``srcdoc``
iframe loads Leaflet and draws the areas, a layer of the (collapsed) layer control switches off and
on, and the print stylesheet lays the page out on A4. The report written by ``healthcov demo`` is
opened too.
"""

from __future__ import annotations

import math
import re
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import healthcov as hc
from browser import map_state, open_page, settle
from healthcov.cli import main
from healthcov.report.assessment_map import VERDICT_COLOURS
from healthcov.report.maps import BAND_COLOURS

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
MB = 1024 * 1024

VERDICT_TEXT = {
    "zh": {
        "pass": "达标",
        "partial": "部分达标",
        "fail": "未达标",
        "not_applicable": "不适用",
        "not_assessed": "未评估",
    },
    "en": {
        "pass": "pass",
        "partial": "partial",
        "fail": "fail",
        "not_applicable": "n/a",
        "not_assessed": "not assessed",
    },
}
T_JURISDICTION = {"zh": "规划范围", "en": "Jurisdiction"}
AREAS_LAYER = {"zh": "各区域评估结果: {}", "en": "Areas by verdict: {}"}
RADIUS_LAYER = {"zh": "急救服务半径 ≤ 3.5 km (路网距离)", "en": "Ambulance service area ≤ 3.5 km (network)"}

#: every row of a table as its cells' text (the rule id of the summary rows in front)
TABLE_JS = """
(sel) => [...document.querySelectorAll(sel + ' tbody tr')].map(
  (tr) => [tr.dataset.rule || '', ...[...tr.cells].map((c) => c.innerText.trim())])
"""


def _num(v: Any) -> str:
    """A number as the report prints it: thousands separators, at most two decimals, no trailing zeros."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{float(v):,.2f}".rstrip("0").rstrip(".")


def _value(v: Any, unit: Any) -> str:
    if unit == "share" and not (isinstance(v, float) and math.isnan(v)):
        return f"{float(v) * 100:.1f}%"
    return _num(v)


def _screenshot(page, tmp_path: Path, name: str, *, full_page: bool = False) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=full_page)
    assert shot.stat().st_size > 20_000  # a blank page is a few kB
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / name)
    return shot


@pytest.fixture(scope="module")
def shanghai_assessment(data_dir):
    """As in tests/test_assess.py: 黄浦区, 静安区, 虹口区 under the Ningbo profile, all Shanghai facilities."""
    net = hc.datasets.path("shanghai_network")
    G = hc.read_network(net, mode="drive")
    graphs = {
        "drive": G,
        "walk": hc.read_network(net, mode="walk"),
        "ambulance": hc.read_network(net, mode="ambulance"),
    }
    areas = hc.datasets.census_areas("shanghai").to_crs(G.graph["crs"])
    covered = areas.intersection(hc.network_area(G)).area / areas.area
    areas = areas[covered.to_numpy() > 0.4].reset_index(drop=True)
    pop = hc.spread_population(areas, G, id_column="area_code")
    fac = hc.datasets.shanghai_health_facilities()
    with warnings.catch_warnings():
        # a few POIs lie off the central network; clinics count for no Ningbo rule: both are said elsewhere
        warnings.simplefilter("ignore", hc.HealthcovWarning)
        return hc.assess(graphs, fac, pop, areas, profile="ningbo")


@pytest.fixture(scope="module")
def reports(shanghai_assessment, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    return {
        lang: hc.write_report(shanghai_assessment, out / f"shanghai_ningbo_{lang}.html", lang=lang)
        for lang in ("zh", "en")
    }


def _map_frame(page):
    """The map's iframe (``srcdoc``): Leaflet loaded in it and its map drawn."""
    assert page.evaluate("() => typeof document.getElementById('map').contentWindow.L") == "object"
    content = page.locator("#map").element_handle().content_frame()
    assert content is not None and content.url == "about:srcdoc"
    assert content.evaluate("() => L.version") == "1.9.4"
    settle(content)  # a Frame offers what settle() uses of a Page
    return content


def _check_tables(page, result, lang: str) -> None:
    V = VERDICT_TEXT[lang]
    s = result.summary()
    rows = page.evaluate(TABLE_JS, "#summary-table")
    assert [r[0] for r in rows] == list(s.index)
    for r in rows:
        rule_id, title, n_pass, n_partial, n_fail, n_na, pop_nc = r
        exp = s.loc[rule_id]
        assert title == exp["rule_zh" if lang == "zh" else "rule_en"]
        assert [int(n_pass), int(n_partial), int(n_fail), int(n_na)] == [
            exp["pass"],
            exp["partial"],
            exp["fail"],
            exp["not_applicable"] + exp["not_assessed"],
        ]
        assert pop_nc == _num(float(np.round(exp["pop_not_covered"])))  # whole residents, not 10,886.54
    circle_nc = result.table.loc[result.table["kind"] == "service_circle", "pop_not_covered"].sum()
    assert page.inner_text("#pop-not-covered") == f"{circle_nc:,.0f}"

    t = result.table.reset_index(drop=True)
    cells = page.evaluate(TABLE_JS, "#verdict-table")
    assert len(cells) == len(t) == 45  # 3 districts × 12 area rules + 9 jurisdiction-wide rules
    for (_, r), c in zip(t.iterrows(), cells):
        area, _cls, rule, standard, value, verdict, _strictest, shortfall, source = c[1:]
        assert area == r["area_name"]
        assert rule == r["rule_zh" if lang == "zh" else "rule_en"]
        assert standard == (r["standard"] if isinstance(r["standard"], str) else "")
        assert value == _value(r["value"], r["unit"])
        assert verdict == V[r["verdict"]]
        sf = r["shortfall"]
        assert shortfall == ("" if (isinstance(sf, float) and math.isnan(sf)) or not sf else _num(sf))
        clause = r["source_clause"] if isinstance(r["source_clause"], str) else ""
        assert source == " · ".join(x for x in (clause, r["source_ref"]) if x)  # clause and seed line
    by = {(c[1], c[3]): c for c in cells}
    circle = t[(t["rule_id"] == "access.basic_circle") & (t["area_name"] == "黄浦区")].iloc[0]
    # 15-minute circle on foot: 98.8 % of 黄浦区's residents reach a CHC or station (test_assess.py)
    assert by[("黄浦区", circle["rule_zh" if lang == "zh" else "rule_en"])][5] == "98.8%"
    assert by[("黄浦区", circle["rule_zh" if lang == "zh" else "rule_en"])][6] == V["pass"]
    # CHC per 30,000 residents: the census totals need 33 and 26 centres, there are 26 and 19
    chc = t[t["rule_id"] == "basic.chc_per_pop"].set_index("area_name")
    chc_title = chc["rule_zh" if lang == "zh" else "rule_en"].iloc[0]
    for name, present, required, verdict in (
        ("黄浦区", 26, 23, "pass"),
        ("静安区", 26, 33, "partial"),
        ("虹口区", 19, 26, "partial"),
    ):
        assert chc.loc[name, "present"] == present and chc.loc[name, "required"] == required
        row = by[(name, chc_title)]
        assert row[5] == str(present) and row[6] == V[verdict]
        assert row[8] == ("" if verdict == "pass" else str(required - present))
    # no district has an independent EMS sub-centre: the only failing rows
    fails = [c for c in cells if c[6] == V["fail"]]
    assert {c[1] for c in fails} == {"黄浦区", "静安区", "虹口区"} and len(fails) == 3
    assert all(c[8] == "1" for c in fails)
    assert page.locator("#verdict-table .v-partial").count() == 2
    # the per-standard section of the circle rule carries its chart, one bar per district
    chart = page.locator("#rule-access\\.basic_circle svg.chart")
    assert chart.count() == 1 and chart.locator("rect").count() == 3
    assert "98.8%" in (chart.text_content() or "")


def _expand_layer_control(frame) -> None:
    control = frame.locator(".leaflet-control-layers")
    assert "leaflet-control-layers-expanded" not in (control.get_attribute("class") or "")  # collapsed at first
    assert not frame.locator(".leaflet-control-layers-list").is_visible()
    control.hover()
    frame.wait_for_selector(".leaflet-control-layers-expanded .leaflet-control-layers-list", state="visible")


def _check_map(frame, result, lang: str) -> dict[str, Any]:
    state = map_state(frame)
    assert state["maps"] == 1 and state["canvases"] == 1 and state["svgPaths"] == 0
    circle = result.table[(result.table["rule_id"] == "access.basic_circle") & (result.table["area_code"] != "*")]
    areas = circle["verdict"].value_counts().to_dict()
    # only the first rule's areas are shown at first: one polygon per district, coloured by verdict
    assert state["polygons"] == {VERDICT_COLOURS[v]: n for v, n in areas.items()} == {VERDICT_COLOURS["pass"]: 3}
    assert state["drawnPolygons"] == 3
    # facilities by type and the uncovered residents of the first rule (a 500 m display grid)
    # (only facilities near the districts, and only the types a rule uses, are switched on at first)
    assert state["circles"] > 100
    assert state["painted"] > 50_000
    rule_title = circle["rule_zh" if lang == "zh" else "rule_en"].iloc[0]
    area_layer = AREAS_LAYER[lang].format(rule_title)
    overlays = {o["name"]: o["checked"] for o in state["overlays"]}
    assert overlays[area_layer] is True and overlays[RADIUS_LAYER[lang]] is False
    n_area_layers = result.table.loc[result.table["area_code"] != "*", "rule_id"].nunique()
    assert sum(n.startswith(AREAS_LAYER[lang].format("")) for n in overlays) == n_area_layers
    assert state["legendVisible"] and "© OpenStreetMap contributors" in state["legend"]

    _expand_layer_control(frame)
    # the areas layer off: its polygons leave the map, fewer pixels are painted; on again: as before
    frame.get_by_label(area_layer, exact=True).uncheck()
    settle(frame)
    off = map_state(frame)
    assert off["polygons"] == {} and off["circles"] == state["circles"]
    assert off["painted"] < state["painted"]
    frame.get_by_label(area_layer, exact=True).check()
    settle(frame)
    on = map_state(frame)
    assert on["polygons"] == state["polygons"] and on["painted"] == pytest.approx(state["painted"], rel=1e-3)
    # a layer hidden at first: the network ambulance service area comes and goes
    radius = frame.get_by_label(RADIUS_LAYER[lang], exact=True)
    radius.check()
    settle(frame)
    shown = map_state(frame)
    assert sum(shown["polygons"].values()) > 3 and BAND_COLOURS[0] in shown["polygons"]
    assert shown["painted"] > state["painted"]
    radius.uncheck()
    settle(frame)
    assert map_state(frame)["polygons"] == state["polygons"]
    return state


def _check_print(page, tmp_path: Path, name: str) -> int:
    page_rule = page.evaluate(
        "() => [...document.styleSheets].flatMap((s) => [...s.cssRules])"
        ".filter((r) => r instanceof CSSPageRule).map((r) => r.style.getPropertyValue('size').toUpperCase())"
    )
    assert page_rule == ["A4"]
    screen_h = page.evaluate("() => getComputedStyle(document.getElementById('map')).height")
    page.emulate_media(media="print")
    try:
        print_h = page.evaluate("() => getComputedStyle(document.getElementById('map')).height")
        assert screen_h == "620px"
        assert float(print_h.removesuffix("px")) == pytest.approx(150 / 25.4 * 96, abs=0.5)  # 150 mm
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        page.emulate_media(media="screen")
    (tmp_path / name).write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and pages > 1
    return pages


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_in_chromium(browser, tmp_path, reports, shanghai_assessment, lang):
    res = shanghai_assessment
    html = reports[lang]
    size = html.stat().st_size
    assert size < 15 * MB
    assert html.with_suffix(".csv").exists() and html.with_suffix(".gpkg").exists()
    with open_page(browser, html) as (page, log):
        assert log.page_errors == [] and log.console_errors == []
        title = {"zh": "卫生健康服务可及性评估报告", "en": "Health-care accessibility assessment"}[lang]
        assert page.inner_text("#title") == title
        assert page.title() == f"{title} · {res.profile.name_zh if lang == 'zh' else res.profile.name_en}"
        colon = "：" if lang == "zh" else ": "
        assert page.inner_text("header .meta").startswith(f"{T_JURISDICTION[lang]}{colon}宁波市 / Ningbo")
        assert page.inner_text("#jurisdiction") == f"{res.profile.name_zh} / {res.profile.name_en}" == "宁波市 / Ningbo"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page.inner_text("#report-date"))
        _check_tables(page, res, lang)
        frame = _map_frame(page)
        state = _check_map(frame, res, lang)
        _screenshot(page, tmp_path, f"report_shanghai_{lang}.png", full_page=True)
        page.locator("#map").scroll_into_view_if_needed()
        _screenshot(page, tmp_path, f"report_shanghai_{lang}_map.png")
        pages = _check_print(page, tmp_path, f"report_shanghai_{lang}.pdf")
        assert log.page_errors == [] and log.console_errors == []
    # nothing but the file itself was requested: Leaflet, styles and data are inline
    assert log.blocked == []
    assert log.requests == [html.resolve().as_uri()]
    print(
        f"{html.name}: {size / MB:.2f} MB, loaded in {log.load_s:.2f} s, {state['circles']:,} circle markers, "
        f"{state['painted']:,} canvas pixels, {pages} A4 pages"
    )


@pytest.fixture(scope="module")
def demo_out(data_dir, tmp_path_factory) -> Path:
    """``healthcov demo --out DIR --lang zh``, run once for the module (about 30 s)."""
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--lang", "zh"]) == 0
    return out


@pytest.mark.slow
def test_demo_report_opens_cleanly(browser, tmp_path, demo_out):
    html = demo_out / "shanghai_zhejiang_report.html"
    assert html.exists() and (demo_out / "shanghai_ambulance_isochrones.html").exists()
    assert html.stat().st_size < 15 * MB
    table = pd.read_csv(html.with_suffix(".csv"), encoding="utf-8-sig")
    with open_page(browser, html) as (page, log):
        assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
        assert page.inner_text("#title") == "卫生健康服务可及性评估报告"
        zhejiang = hc.load_profile("zhejiang")
        assert page.inner_text("#jurisdiction") == f"{zhejiang.name_zh} / {zhejiang.name_en}"
        assert zhejiang.name_zh == "浙江省"
        cells = page.evaluate(TABLE_JS, "#verdict-table")
        assert len(cells) == len(table)
        # the CSV beside the report and the report agree, row by row
        assert [c[1] for c in cells] == table["area_name"].tolist()
        assert [c[6] for c in cells] == [VERDICT_TEXT["zh"][v] for v in table["verdict"]]
        assert [c[5] for c in cells] == [_value(v, u) for v, u in zip(table["value"], table["unit"])]
        circle = table[(table["rule_id"] == "access.basic_circle") & (table["area_name"] == "黄浦区")]
        assert len(circle) == 1 and 0.9 < circle["share"].iloc[0] <= 1.0
        frame = _map_frame(page)
        state = map_state(frame)
        assert state["drawnPolygons"] >= 3 and state["painted"] > 50_000
        _screenshot(page, tmp_path, "demo_report_zh.png")
        assert log.page_errors == [] and log.console_errors == []
    assert log.blocked == [] and log.requests == [html.resolve().as_uri()]
