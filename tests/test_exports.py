"""Every file export in one module: CSV, QGIS-ready GeoPackage, Excel, written as one set."""

from __future__ import annotations

import re
import sqlite3

import pandas as pd
import pyogrio
import pytest

import healthcov as hc
from healthcov.report.exports import (
    facilities_counted,
    safe_field_names,
    write_csv,
    write_files,
    write_gpkg,
    write_xlsx,
)
from healthcov.report.text import VERDICT_COLOURS, VERDICT_SYMBOLS
from report_fixtures import shanghai_assessment


def test_safe_field_names():
    names = safe_field_names(["limit", "ems.radius:covered", "ems_radius_covered", "2nd", "Order", "pop"])
    assert names == {
        "limit": "limit_value",
        "ems.radius:covered": "ems_radius_covered",
        "ems_radius_covered": "ems_radius_covered_2",  # unique after cleaning
        "2nd": "f_2nd",
        "Order": "Order_value",
        "pop": "pop",
    }


def _writer(text: str):
    return lambda p: p.write_text(text, encoding="utf-8")


def test_write_files_all_or_nothing(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a", encoding="utf-8")

    def boom(_p):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_files({a: _writer("new a"), b: boom})
    assert a.read_text(encoding="utf-8") == "old a"  # never replaced by half a set
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temporary file left
    write_files({a: _writer("new a"), b: _writer("new b")})
    assert a.read_text(encoding="utf-8") == "new a" and b.read_text(encoding="utf-8") == "new b"


def test_write_files_refuses_an_input_before_any_work(tmp_path):
    src = tmp_path / "facilities.csv"
    src.write_text("name,lon,lat\n", encoding="utf-8")
    called = []
    with pytest.raises(hc.InputError, match=r"'facilities\.csv' is also an input"):
        write_files({tmp_path / "r.html": lambda p: called.append(p), src: called.append}, inputs=[src])
    assert called == [] and sorted(p.name for p in tmp_path.iterdir()) == ["facilities.csv"]
    with pytest.raises(hc.InputError, match="does not exist"):
        write_files({tmp_path / "no" / "r.csv": _writer("x")})


@pytest.fixture(scope="module")
def shanghai(data_dir):
    return shanghai_assessment()


def test_report_files_as_one_set(shanghai, tmp_path):
    layers = hc.service_layers(shanghai, service_areas=False)
    out = hc.write_report(shanghai, tmp_path / "r.html", layers, lang="zh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.gpkg", "r.html", "r.xlsx"]
    table = pd.read_csv(out.with_suffix(".csv"), encoding="utf-8-sig")
    assert len(table) == len(shanghai.table) == 48  # + the tertiary rule, now evaluated (issue 10)
    with pytest.raises(hc.InputError, match="also an input"):
        hc.write_report(shanghai, tmp_path / "r.html", layers, inputs=[tmp_path / "r.gpkg"])


def test_geopackage_is_qgis_ready(shanghai, tmp_path):
    layers = hc.service_layers(shanghai)
    path = tmp_path / "a.gpkg"
    write_gpkg(shanghai, path, layers=layers, lang="en")
    listed = dict(pyogrio.list_layers(path))
    assert set(listed) == {
        "areas", "verdicts", "jurisdiction", "facilities", "demand", "service_areas", "uncovered", "assumptions",
        "sensitivity",
    }  # fmt: skip
    assert listed["jurisdiction"] is None and listed["assumptions"] is None  # attribute tables
    assert listed["sensitivity"] is None
    sens = pyogrio.read_dataframe(path, layer="sensitivity")
    # 2 response rules: ems.response 3 districts × (3, 5 min) × (free flow, peak); the city-wide one also "*"
    assert len(sens) == len(shanghai.sensitivity) == 3 * 4 + 4 * 4
    hk = sens[(sens["rule_id"] == "ems.response") & (sens["area_name"] == "虹口区")].set_index(
        ["activation_delay_min", "speed"]
    )
    assert hk.loc[(5.0, "peak"), "mean_min"] == pytest.approx(
        hk.loc[(3.0, "peak"), "mean_min"] + 2.0
    )  # two more minutes of delay, the same drive
    for layer in listed:
        fields = pyogrio.read_info(path, layer=layer)["fields"]
        assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", f) for f in fields), (layer, fields)
        assert "limit" not in {f.lower() for f in fields}
    demand = pyogrio.read_info(path, layer="demand")["fields"]
    assert "access_basic_circle_covered" in demand
    verdicts = pyogrio.read_dataframe(path, layer="verdicts")
    assert len(verdicts) == 39 and "limit_value" in verdicts.columns  # 3 districts × 13 rules
    wide = pyogrio.read_dataframe(path, layer="jurisdiction")
    assert len(wide) == 9 and set(wide["area_code"]) == {"*"}  # the jurisdiction-wide rows are kept
    assumptions = pyogrio.read_dataframe(path, layer="assumptions").set_index("key")["value"]
    assert assumptions["activation_delay_min"] == "3.0" and assumptions["profile"] == "ningbo"
    with sqlite3.connect(path) as con:
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles"
        ).fetchall()
    styles = {r[0]: r for r in rows}
    assert set(styles) == {"verdicts", "areas"} and styles["verdicts"][1] == "geom" and styles["verdicts"][2] == 1
    qml = styles["verdicts"][3]
    assert 'attr="verdict"' in qml
    for v, colour in VERDICT_COLOURS.items():
        rgb = ",".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
        assert f'value="{v}"' in qml and f'v="{rgb},255"' in qml
    cells = pyogrio.read_dataframe(path, layer="uncovered")
    assert cells["pop"].sum() == pytest.approx(layers.uncovered["pop"].sum())


def test_xlsx_sheets(shanghai, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "a.xlsx"
    write_xlsx(shanghai, path, lang="zh")
    book = pd.read_excel(path, sheet_name=None)
    assert list(book) == ["matrix", "verdicts", "facilities counted", "assumptions", "sensitivity"]
    assert len(book["verdicts"]) == 48
    matrix = book["matrix"].set_index("区域")
    assert list(matrix.index) == ["虹口区", "静安区", "黄浦区"]  # worst first, as in the report
    assert matrix.loc["黄浦区", "15分钟健康服务圈"] == f"{VERDICT_SYMBOLS['pass']} 达标 96.0%"  # along the roads
    # the CHC rule is read as the plan writes it (one per street, or per 30,000-100,000): a count row
    hk = shanghai.table.set_index(["area_name", "rule_id"]).loc[("虹口区", "basic.chc_per_pop")]
    assert hk["present"] == 13 and hk["required"] == 26
    chc_rule = "社区卫生服务中心（每个街道或每3-10万人1家）"
    assert matrix.loc["虹口区", chc_rule].startswith(f"{VERDICT_SYMBOLS['partial']} 部分达标")
    assert "13" in matrix.loc["虹口区", chc_rule]
    ws = load_workbook(path)["matrix"]
    assert ws["B2"].fill.fgColor.rgb.endswith(VERDICT_COLOURS["pass"].lstrip("#"))
    counted = book["facilities counted"]
    assert len(counted) == len(facilities_counted(shanghai)) > 0
    # 14 CHC rows in 黄浦区 count for the CHC-per-population rule ("present"; 10 streets, 4 AMap duplicates);
    # the facilities that counted, row by row: as many as the row's "present", named as in its "counted"
    chc = counted[(counted["area_name"] == "黄浦区") & (counted["rule_id"] == "basic.chc_per_pop")]
    t = shanghai.table.set_index(["area_name", "rule_id"])
    assert len(chc) == t.loc[("黄浦区", "basic.chc_per_pop"), "present"] == 14
    assert all(n in t.loc[("黄浦区", "basic.chc_per_pop"), "counted"] for n in chc["name"])
    assert "黄浦区半淞园街道社区卫生服务中心" in set(chc["name"])


def test_csv_has_a_bom(shanghai, tmp_path):
    write_csv(shanghai, tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_bytes()[:3] == b"\xef\xbb\xbf"


def test_report_failure_replaces_nothing(shanghai, tmp_path, monkeypatch):
    import healthcov.report.html_report as hr

    good = tmp_path / "r.html"
    good.write_text("good report", encoding="utf-8")
    (tmp_path / "r.csv").write_text("good table", encoding="utf-8")

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(hr, "write_gpkg", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        hc.write_report(shanghai, good)
    assert good.read_text(encoding="utf-8") == "good report"  # never replaced by a broken one
    assert (tmp_path / "r.csv").read_text(encoding="utf-8") == "good table"  # nor its table
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.html"]  # no temporary file left
