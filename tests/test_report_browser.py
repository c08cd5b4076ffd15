"""The planning-meeting report as a reader sees it: opened from ``file://`` in headless Chromium.

The Shanghai report (3 central districts, Ningbo profile, with :func:`healthcov.service_layers`)
is opened in Chinese and in English with the network blocked (tests/browser.py): the area × rule
matrix says what the assessment says, cell by cell; the headline numbers are the table's sums over
assessed areas; the map shows one rule at a time, switched with radio buttons, each with its own
legend; printed on A4 the first page is the matrix, then a page per rule, and the pages rendered
with ``pdftoppm`` show the verdict colours; at phone width nothing scrolls sideways. The Ningbo
report (no network) says "not assessed" instead of "0 residents not covered". Screenshots and
pages go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import healthcov as hc
from browser import map_state, open_page, settle
from healthcov.report.assessment_map import SERVICE_COLOUR, UNCOVERED_COLOUR
from healthcov.report.evidence import ratio_text
from healthcov.report.text import VERDICT_COLOURS, VERDICT_SYMBOLS, VERDICT_TEXT, fmt_value
from report_fixtures import ningbo_assessment, shanghai_assessment

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
MB = 1024 * 1024

MATRIX_JS = """
() => [...document.querySelectorAll('#matrix tbody tr')].map((tr) => ({
  area: tr.querySelector('th').innerText.trim(),
  cells: [...tr.querySelectorAll('td')].map((td) => ({verdict: td.dataset.verdict, text: td.innerText.trim()})),
}))
"""


def _artifact(path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(path, ARTIFACTS / path.name)


def _screenshot(page, tmp_path: Path, name: str, *, full_page: bool = False) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=full_page)
    assert shot.stat().st_size > 20_000  # a blank page is a few kB
    _artifact(shot)
    return shot


@pytest.fixture(scope="module")
def shanghai(data_dir):
    return shanghai_assessment()


@pytest.fixture(scope="module")
def reports(shanghai, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    layers = hc.service_layers(shanghai)
    return {
        lang: hc.write_report(shanghai, out / f"shanghai_ningbo_{lang}.html", layers, lang=lang)
        for lang in ("zh", "en")
    }


def _worst_first(table) -> list[str]:
    t = table[table["area_code"] != "*"]
    score = t.groupby("area_name").agg(
        f=("verdict", lambda v: (v == "fail").sum()), p=("verdict", lambda v: (v == "partial").sum())
    )
    return [n for n, _ in sorted(score.iterrows(), key=lambda x: (-x[1]["f"], -x[1]["p"], x[0]))]


def _check_matrix(page, result, lang: str) -> None:
    t = result.table
    per_area = t[t["area_code"] != "*"]
    rules = list(dict.fromkeys(per_area["rule_id"]))
    assert (
        page.evaluate("() => [...document.querySelectorAll('#matrix thead th[data-rule]')].map(th => th.dataset.rule)")
        == rules
    )
    rows = page.evaluate(MATRIX_JS)
    assert [r["area"] for r in rows] == _worst_first(t)
    cells = per_area.set_index(["area_name", "rule_id"])
    for r in rows:
        assert len(r["cells"]) == len(rules)
        for rid, c in zip(rules, r["cells"]):
            row = cells.loc[(r["area"], rid)]
            v = row["verdict"]
            assert c["verdict"] == v
            assert c["text"].startswith(VERDICT_SYMBOLS[v])
            assert VERDICT_TEXT[lang][v] in c["text"]
            if row["kind"] == "ratio" and v != "not_applicable":  # rate / plan's rate, and the counts
                assert c["text"].endswith(ratio_text(row, lang))
            elif v in ("pass", "partial", "fail"):
                assert c["text"].endswith(fmt_value(row["value"], row["unit"], lang))
    # the first screen: 黄浦区's 15-minute circle 98.8 %, CHCs per 30,000 in 虹口区 partial: rate and counts
    hp = next(r for r in rows if r["area"] == "黄浦区")["cells"][rules.index("access.basic_circle")]
    assert hp["text"].endswith("96.0%")  # 黄浦区's walking circle, residents along the roads
    hk = next(r for r in rows if r["area"] == "虹口区")["cells"][rules.index("basic.chc_per_pop")]
    k = cells.loc[("虹口区", "basic.chc_per_pop")]
    counts = (
        f"（现有 {k['present']:.0f}，需 {k['required']:.0f}）"
        if lang == "zh"
        else f"({k['present']:.0f} of {k['required']:.0f})"
    )
    # the CHC rule is a count (one per street, or per 30,000 residents): present / required, then the counts
    assert hk["verdict"] == "partial" and hk["text"].endswith(counts)
    assert f"{k['value']:.0f} / {k['threshold']:.0f} " in hk["text"]
    # the colours the reader sees are the palette's
    bg = page.evaluate("() => getComputedStyle(document.querySelector('#matrix td.v-fail')).backgroundColor")
    r_, g_, b_ = (int(VERDICT_COLOURS["fail"][i : i + 2], 16) for i in (1, 3, 5))
    assert bg == f"rgb({r_}, {g_}, {b_})"
    # headline: residents not covered, summed over the assessed areas of each rule
    cards = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#headlines .card')].map("
        "(c) => [c.dataset.rule, c.querySelector('.pop-nc').innerText]))"
    )
    for rid, text in cards.items():
        nc = per_area.loc[per_area["rule_id"] == rid, "pop_not_covered"].sum()
        assert text == f"{nc:,.0f}"
    assert cards["access.basic_circle"] == "32,116"  # residents along the roads (26,192 + 2,286 + 3,638)
    box = page.inner_text("#not-assessed")
    fleet = t.loc[t["rule_id"] == "ems.fleet", "rule_zh" if lang == "zh" else "rule_en"].iloc[0]
    assert fleet in box
    assert ("“救护车数”（ambulances）一列" if lang == "zh" else "add the column 'ambulances'") in box
    # partial data: the share of residents the network reaches, in plain words, beside the box
    partial = page.inner_text("#partial-data")
    for _, r in per_area[per_area["partial_data"].fillna(False).astype(bool)].drop_duplicates("area_code").iterrows():
        assert r["area_name"] in partial and f"{r['data_coverage']:.0%}" in partial


def _legend_and_title(frame) -> tuple[str, str]:
    return frame.inner_text(".healthcov-legend"), frame.inner_text(".healthcov-map-title")


def _boxes_overlap(frame, a: str, b: str) -> bool:
    return frame.evaluate(
        """([a, b]) => { const r = document.querySelector(a).getBoundingClientRect(),
            s = document.querySelector(b).getBoundingClientRect();
            return !(r.right <= s.left || s.right <= r.left || r.bottom <= s.top || s.bottom <= r.top); }""",
        [a, b],
    )


def _check_map(frame, result, lang: str) -> dict[str, Any]:
    t = result.table
    per_area = t[t["area_code"] != "*"]
    rules = list(dict.fromkeys(per_area["rule_id"]))
    title_col = "rule_zh" if lang == "zh" else "rule_en"
    radios = frame.locator("input[name=healthcov-rule]")
    assert radios.count() == len(rules)
    assert frame.evaluate("() => window.healthcovRule") == rules[0]
    assert radios.first.is_checked()
    state = map_state(frame)
    assert state["maps"] == 1 and state["canvases"] == 1 and state["svgPaths"] == 0
    legend, title = _legend_and_title(frame)
    first_title = per_area.loc[per_area["rule_id"] == rules[0], title_col].iloc[0]
    assert title == first_title and legend.startswith(first_title)
    assert not _boxes_overlap(frame, ".healthcov-legend", ".healthcov-rules")  # the legend never covers the control
    expected = per_area[per_area["rule_id"] == rules[0]]["verdict"].value_counts().to_dict()
    assert {VERDICT_COLOURS[v]: n for v, n in expected.items()}.items() <= state["polygons"].items()
    assert state["polygons"].get(SERVICE_COLOUR, 0) >= 1 and state["polygons"].get(UNCOVERED_COLOUR, 0) >= 1
    states = {}
    for rid in ("ems.radius", "basic.chc_per_pop", "ems.subcenter_per_unit"):
        frame.locator(f"input[data-rule='{rid}']").check()
        settle(frame)
        s = map_state(frame)
        states[rid] = s
        legend, title = _legend_and_title(frame)
        rule_title = per_area.loc[per_area["rule_id"] == rid, title_col].iloc[0]
        assert frame.evaluate("() => window.healthcovRule") == rid and title == rule_title
        counts = per_area[per_area["rule_id"] == rid]["verdict"].value_counts().to_dict()
        for v, n in counts.items():
            assert s["polygons"].get(VERDICT_COLOURS[v]) == n, (rid, v, s["polygons"])
            assert VERDICT_TEXT[lang][v] in legend
        assert sum(1 for r in frame.locator("input[name=healthcov-rule]").all() if r.is_checked()) == 1
    radius_legend = (
        ("服务范围（路网）", "服务范围（直线）")
        if lang == "zh"
        else ("service area (network)", "service area (straight line)")
    )
    frame.locator("input[data-rule='ems.radius']").check()
    settle(frame)
    legend, _ = _legend_and_title(frame)
    assert all(x in legend for x in radius_legend)
    assert states["ems.radius"]["polygons"].get(SERVICE_COLOUR, 0) == 2  # network and straight line
    # a count rule has no service area and no uncovered residents: none drawn
    assert SERVICE_COLOUR not in states["basic.chc_per_pop"]["polygons"]
    assert UNCOVERED_COLOUR not in states["basic.chc_per_pop"]["polygons"]
    return state


def _check_print(page, tmp_path: Path, name: str, result, lang: str) -> int:
    page.emulate_media(media="print")
    try:
        assert page.evaluate("() => getComputedStyle(document.getElementById('map-section')).display") == "none"
        # names never wrap one character per line: each district name's text takes at most two lines
        # (its own line boxes; the row itself is as high as its tallest cell, e.g. a ratio with its counts)
        lines = page.evaluate(
            "() => [...document.querySelectorAll('#matrix th[scope=row], td.area')].map((e) => {"
            " const r = document.createRange(); r.selectNodeContents(e);"
            " return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; })"
        )
        assert lines and all(1 <= n <= 2 for n in lines), lines
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        page.emulate_media(media="screen")
    path = tmp_path / name
    path.write_bytes(pdf)
    _artifact(path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    t = result.table
    titles = list(dict.fromkeys(t.loc[t["area_code"] != "*", "rule_zh" if lang == "zh" else "rule_en"]))
    assert ("总览" if lang == "zh" else "Overview") in pages[0]
    # each rule starts its own page: its title is in the first lines of a page
    starts = [i for i, p in enumerate(pages) if p.strip()]
    for title in titles:
        head = title[:12]
        assert any(head in "".join(pages[i].strip().splitlines()[:2]) for i in starts), title
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "2", str(path), str(tmp_path / f"{path.stem}-page")],
        check=True,
    )
    first = sorted(tmp_path.glob(f"{path.stem}-page*.png"))[0]
    _artifact(first)
    from PIL import Image

    colours = {c for _, c in Image.open(first).convert("RGB").getcolors(1 << 20)}
    blue = tuple(int(VERDICT_COLOURS["pass"][i : i + 2], 16) for i in (1, 3, 5))
    assert blue in colours  # page 1 is the matrix, in colour
    return len(starts)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_in_chromium(browser, tmp_path, reports, shanghai, lang):
    res = shanghai
    html = reports[lang]
    size = html.stat().st_size
    assert size < 5 * MB
    for ext in (".csv", ".gpkg", ".xlsx"):
        assert html.with_suffix(ext).exists()
    with open_page(browser, html) as (page, log):
        assert log.page_errors == [] and log.console_errors == []
        title = {
            "zh": "黄浦区、静安区、虹口区卫生健康服务评估（宁波市标准）",
            "en": "黄浦区, 静安区, 虹口区: health-care access against the Ningbo standards",
        }
        assert page.inner_text("#title") == title[lang] == page.title()
        assert page.inner_text("#jurisdiction") == (res.profile.name_zh if lang == "zh" else res.profile.name_en)
        _check_matrix(page, res, lang)
        _screenshot(page, tmp_path, f"report_shanghai_{lang}_first_screen.png")
        content = page.locator("#map").element_handle().content_frame()
        assert content.evaluate("() => L.version") == "1.9.4"
        settle(content)
        page.locator("#map").scroll_into_view_if_needed()
        state = _check_map(content, res, lang)
        _screenshot(page, tmp_path, f"report_shanghai_{lang}_map.png")
        pages = _check_print(page, tmp_path, f"report_shanghai_{lang}.pdf", res, lang)
        assert log.page_errors == [] and log.console_errors == []
    with open_page(browser, html, width=390, height=800) as (phone, _):
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scroll
        small = phone.locator("#map").element_handle().content_frame()
        settle(small)
        assert not _boxes_overlap(small, ".healthcov-legend", ".healthcov-rules")  # also on a phone
        _screenshot(phone, tmp_path, f"report_shanghai_{lang}_phone.png")
    assert log.blocked == [] and log.requests == [html.resolve().as_uri()]
    print(
        f"{html.name}: {size / MB:.2f} MB, loaded in {log.load_s:.2f} s, {state['circles']:,} circles, {pages} A4 pages"
    )


@pytest.mark.slow
def test_ningbo_report_without_network(browser, tmp_path, data_dir):
    res = ningbo_assessment()
    html = hc.write_report(res, tmp_path / "ningbo.html", hc.service_layers(res), lang="zh")
    assert html.stat().st_size < 5 * MB
    with open_page(browser, html) as (page, log):
        cards = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('#headlines .card')].map("
            "(c) => [c.dataset.rule, c.querySelector('.pop-nc').innerText]))"
        )
        assert cards["access.basic_circle"] == "未评估"  # not "0 residents not covered"
        assert cards["ems.radius"] == "未评估"  # no EMS station in the input: missing is not failing
        box = page.locator("#not-assessed li[data-rule='access.basic_circle']").inner_text()
        assert "全部区域" in box and "需要路网，但未提供路网" in box
        nodata = page.locator("#not-assessed li[data-rule='ems.radius'][data-kind='not_assessed']").inner_text()
        assert "全部区域" in nodata and "输入数据中没有急救中心、急救分中心、急救站（点）" in nodata
        _screenshot(page, tmp_path, "report_ningbo_zh_first_screen.png")
        assert log.page_errors == [] and log.console_errors == [] and log.blocked == []
