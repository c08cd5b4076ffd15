"""Every file the report writes besides its HTML: CSV, GeoPackage (QGIS-ready) and Excel.

- CSV: the verdict table, UTF-8 with a BOM so Excel shows the Chinese.
- GeoPackage: layers ``areas``, ``verdicts`` (each area row with its polygon), ``jurisdiction``
  (the jurisdiction-wide rows, no geometry), ``facilities``, ``demand``, ``service_areas`` and
  ``uncovered`` (from :func:`healthcov.service_layers`, when given), ``assumptions`` (key/value);
  field names safe for SQL and QGIS (no ``limit``, no ``:`` or ``.``); a ``layer_styles`` table so
  QGIS opens ``verdicts`` coloured by verdict.
- Excel (``.xlsx``): sheets ``matrix``, ``verdicts``, ``facilities counted``, ``assumptions``.

:func:`write_files` writes a set of files as one: each to a temporary file beside its target,
then all renamed; on any failure nothing is replaced and no temporary file is left, and an output
that is also an input is refused before anything is written.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .._io_atomic import check_output_path
from ..errors import InputError
from .matrix import build_matrix
from .text import VERDICT_COLOURS, VERDICT_SYMBOLS, norm_lang, verdict_text

__all__ = [
    "write_files",
    "write_csv",
    "write_gpkg",
    "write_xlsx",
    "safe_field_names",
    "assumption_rows",
    "facilities_counted",
    "sensitivity_rows",
]

#: SQL / GeoPackage words a field must not be called
_RESERVED = {
    "limit",
    "order",
    "group",
    "select",
    "from",
    "where",
    "table",
    "index",
    "key",
    "values",
    "default",
    "check",
}


def safe_field_names(columns: Iterable[Any]) -> dict[str, str]:
    """Old → new column names: letters, digits and ``_`` only, no SQL word, unique.

    >>> safe_field_names(["limit", "ems.radius:covered", "pop"])
    {'limit': 'limit_value', 'ems.radius:covered': 'ems_radius_covered', 'pop': 'pop'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for c in columns:
        new = re.sub(r"[^0-9A-Za-z_]+", "_", str(c)).strip("_") or "field"
        if new[0].isdigit():
            new = "f_" + new
        if new.lower() in _RESERVED:
            new += "_value"
        base, i = new, 2
        while new.lower() in used:
            new, i = f"{base}_{i}", i + 1
        used.add(new.lower())
        out[str(c)] = new
    return out


def _safe(df: pd.DataFrame) -> pd.DataFrame:
    names = safe_field_names(c for c in df.columns if c != "geometry")
    out = df.rename(columns=names)
    for c in out.columns:
        if c != "geometry" and out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v))
    return out


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def write_files(
    writers: Mapping[str | os.PathLike[str], Callable[[Path], None]],
    *,
    inputs: Iterable[Any] = (),
    dry_run: bool = False,
) -> list[Path]:
    """Write several files as one set: ``writers[target](tmp_path)`` each, then rename them all.

    Refused before any work (``InputError``): a target that is one of ``inputs``, two equal
    targets, a target folder that does not exist. When a writer fails, the temporary files are
    deleted and no target is touched; the error is raised again.
    """
    targets = [Path(t) for t in writers]
    inputs = list(inputs)
    for t in targets:
        if t.is_dir():
            msg = f"the output {t.name!r} is a folder: give a file name, e.g. {t.name}/report.html"
            raise InputError(msg)
        if not t.parent.is_dir():
            msg = f"folder {t.parent.name!r} of {t.name!r} does not exist: create it first"
            raise InputError(msg)
        for i in inputs:
            if i is not None and _same(t, Path(i)):
                msg = f"the output {t.name!r} is also an input: choose another output name so the input is kept"
                raise InputError(msg)
    if len({t.resolve() for t in targets}) != len(targets):
        msg = "two outputs have the same name: " + ", ".join(t.name for t in targets)
        raise InputError(msg)
    if dry_run:
        return targets
    temps: list[Path] = []
    try:
        for target, write in zip(targets, writers.values()):
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
            os.close(fd)
            os.unlink(name)  # GDAL wants to create the file itself
            temps.append(Path(name))
            write(Path(name))
            if not Path(name).exists():
                msg = f"nothing was written for {target.name!r}"  # a writer bug, never silent
                raise InputError(msg)
        for done, target in zip(temps, targets):
            os.replace(done, target)
    finally:
        for left in temps:
            if left.exists():
                left.unlink()
    return targets


# ---------------------------------------------------------------------------------------------
# the contents


def assumption_rows(result: Any) -> pd.DataFrame:
    """The assessment's assumptions as ``key``/``value`` text rows (nested values as JSON)."""
    rows = []
    for k, v in (result.assumptions or {}).items():
        if k == "notes":
            rows += [{"key": f"note {i + 1}", "value": str(n)} for i, n in enumerate(v)]
            continue
        text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
        rows.append({"key": str(k), "value": text})
    return pd.DataFrame(rows, columns=["key", "value"])


def sensitivity_rows(result: Any) -> pd.DataFrame:
    """``Assessment.sensitivity``: per response rule and area, delay × free-flow / peak (empty without one)."""
    s = getattr(result, "sensitivity", None)
    return pd.DataFrame(s) if s is not None else pd.DataFrame()


def facilities_counted(result: Any) -> pd.DataFrame:
    """The facilities that counted, per row (``counted`` of the count and ratio rows: id and name).

    Without a ``counted`` column (an older table): the facilities inside an area whose type some
    evaluated rule counts, with those rules' ids.
    """
    t = result.table
    if "counted" not in t.columns or t["counted"].isna().all():
        return _facilities_by_type(result)
    rows = []
    for _, r in t[t["counted"].notna() & (t["counted"].astype(str) != "")].iterrows():
        for part in str(r["counted"]).split("; "):
            fid, _, name = part.partition(":")
            rows.append(
                {
                    "rule_id": r["rule_id"],
                    "area_code": r["area_code"],
                    "area_name": r["area_name"],
                    "facility_id": fid,
                    "name": name,
                    "verdict": r["verdict"],
                }
            )
    return pd.DataFrame(rows, columns=["rule_id", "area_code", "area_name", "facility_id", "name", "verdict"])


def _facilities_by_type(result: Any) -> pd.DataFrame:
    fac = result.facilities
    by_type: dict[str, list[str]] = {}
    evaluated = set(result.table["rule_id"])
    for r in result.profile.rules:
        if r.id in evaluated:
            for t in r.facility_types:
                by_type.setdefault(t, []).append(r.id)
    inside = fac[fac["area_code"].notna() & fac["facility_type"].isin(by_type)] if "area_code" in fac else fac.iloc[:0]
    names = result.areas.set_index("area_code")["area_name"]
    cols = [c for c in ("name", "facility_type", "area_code") if c in inside.columns]
    out = pd.DataFrame(inside[cols]).copy()
    out.insert(
        cols.index("area_code") + 1 if "area_code" in cols else len(cols), "area_name", inside["area_code"].map(names)
    )
    out["rules"] = inside["facility_type"].map(lambda t: ", ".join(by_type.get(t, [])))
    ll = inside.geometry.to_crs(4326)
    out["lon"], out["lat"] = ll.x.round(6), ll.y.round(6)
    return out.reset_index(drop=True)


def write_csv(result: Any, path: str | os.PathLike[str]) -> None:
    """The verdict table as CSV, UTF-8 with a BOM (Excel shows the Chinese)."""
    result.table.to_csv(check_output_path(path, "CSV"), index=False, encoding="utf-8-sig")


_QML_CATEGORY = '<category render="true" symbol="{i}" value="{v}" label="{label}"/>'
_QML_SYMBOL = (
    '<symbol type="fill" name="{i}" alpha="0.75"><layer class="SimpleFill">'
    '<prop k="color" v="{rgb},255"/><prop k="outline_color" v="51,51,51,255"/>'
    '<prop k="outline_width" v="0.3"/><prop k="style" v="{style}"/></layer></symbol>'
)


def _qml(lang: str) -> str:
    cats, syms = [], []
    for i, (v, colour) in enumerate(VERDICT_COLOURS.items()):
        rgb = ",".join(str(int(colour[k : k + 2], 16)) for k in (1, 3, 5))
        label = f"{VERDICT_SYMBOLS[v]} {verdict_text(v, lang)}"
        cats.append(_QML_CATEGORY.format(i=i, v=v, label=label))
        syms.append(_QML_SYMBOL.format(i=i, rgb=rgb, style="b_diagonal" if v == "not_applicable" else "solid"))
    return (
        '<!DOCTYPE qgis><qgis version="3.28">'
        '<renderer-v2 type="categorizedSymbol" attr="verdict" forceraster="0" enableorderby="0">'
        f"<categories>{''.join(cats)}</categories><symbols>{''.join(syms)}</symbols></renderer-v2></qgis>"
    )


def _layer_styles(path: Path, layers: Iterable[str], lang: str) -> None:
    """The ``layer_styles`` table QGIS reads: each verdict layer opens coloured by verdict."""
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT, "
            "f_table_schema TEXT, f_table_name TEXT, f_geometry_column TEXT, styleName TEXT, styleQML TEXT, "
            "styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT, ui TEXT, update_time DATETIME)"
        )
        now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for layer in layers:
            con.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                "VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, 'healthcov', '', ?)",
                (layer, f"{layer} by verdict", _qml(lang), "verdict colours (Okabe-Ito)", now),
            )


def write_gpkg(result: Any, path: str | os.PathLike[str], *, layers: Any = None, lang: str = "zh") -> None:
    """The assessment as a QGIS-ready GeoPackage (see the module's docstring for its layers)."""
    lang = norm_lang(lang)
    path = check_output_path(path, "GeoPackage")
    t = result.table
    areas = result.areas
    verdicts = areas[["area_code", "geometry"]].merge(t[t["area_code"] != "*"], on="area_code", how="right")
    verdicts = gpd.GeoDataFrame(verdicts, geometry="geometry", crs=areas.crs)
    _safe(areas).to_file(path, layer="areas", driver="GPKG")
    _safe(verdicts).to_file(path, layer="verdicts", driver="GPKG")
    wide = t[t["area_code"] == "*"]
    if len(wide):
        _safe(pd.DataFrame(wide)).pipe(_attributes, path, "jurisdiction")
    _safe(result.facilities).to_file(path, layer="facilities", driver="GPKG")
    _safe(result.demand).to_file(path, layer="demand", driver="GPKG")
    if layers is not None:
        if len(layers.areas):
            _safe(layers.areas).to_file(path, layer="service_areas", driver="GPKG")
        if len(layers.uncovered):
            _safe(layers.uncovered).to_file(path, layer="uncovered", driver="GPKG")
    _attributes(assumption_rows(result), path, "assumptions")
    sens = sensitivity_rows(result)
    if len(sens):
        _attributes(_safe(sens), path, "sensitivity")
    _layer_styles(path, ["verdicts", "areas"] if "worst" in areas.columns else ["verdicts"], lang)


def _attributes(df: pd.DataFrame, path: Path, layer: str) -> None:
    """A table with no geometry (a GeoPackage attributes table)."""
    import pyogrio

    pyogrio.write_dataframe(pd.DataFrame(df), path, layer=layer, driver="GPKG")


def write_xlsx(result: Any, path: str | os.PathLike[str], *, lang: str = "zh") -> None:
    """An Excel workbook: ``matrix`` (coloured), ``verdicts``, ``facilities counted``, ``assumptions``."""
    from openpyxl.styles import Font, PatternFill

    lang = norm_lang(lang)
    path = check_output_path(path, "workbook")
    m = build_matrix(result, lang)
    header = ["区域" if lang == "zh" else "Area", *[title for _, title in m.rules]]
    rows = [[name, *[_xl_cell(m.cells.get((code, rid)), lang) for rid, _ in m.rules]] for code, name in m.areas]
    matrix = pd.DataFrame(rows, columns=header)
    table = result.table.drop(columns=["geometry"], errors="ignore")
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        matrix.to_excel(xl, sheet_name="matrix", index=False)
        table.to_excel(xl, sheet_name="verdicts", index=False)
        facilities_counted(result).to_excel(xl, sheet_name="facilities counted", index=False)
        assumption_rows(result).to_excel(xl, sheet_name="assumptions", index=False)
        sens = sensitivity_rows(result)
        if len(sens):
            sens.to_excel(xl, sheet_name="sensitivity", index=False)
        ws = xl.sheets["matrix"]
        for i, (code, _) in enumerate(m.areas):
            for j, (rid, _) in enumerate(m.rules):
                row = m.cells.get((code, rid))
                v = "not_applicable" if row is None else str(row["verdict"])
                cell = ws.cell(row=i + 2, column=j + 2)
                cell.fill = PatternFill("solid", fgColor=VERDICT_COLOURS[v].lstrip("#"))
                cell.font = Font(color="FFFFFF" if v in ("pass", "not_assessed") else "222222")
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = 18


def _xl_cell(row: dict[str, Any] | None, lang: str) -> str:
    from .matrix import cell_value

    v = "not_applicable" if row is None else str(row["verdict"])
    text = f"{VERDICT_SYMBOLS[v]} {verdict_text(v, lang)}"
    value = cell_value(row, lang)
    return f"{text} {value}" if value else text


def write_isochrone_map(
    path: str | os.PathLike[str],
    isochrones: Any,
    facilities: Any,
    *,
    layers: Mapping[str, Any] | None = None,
    lang: str = "en",
    tiles: str | None = None,
    title: str | None = None,
    inputs: Iterable[Any] = (),
) -> tuple[Path, Path]:
    """An isochrone map (``path``, one self-contained HTML file) and ``<name>.gpkg`` beside it
    (layers ``isochrones``, ``facilities`` and any of ``layers``), written as one set."""
    from .maps import explore_isochrones
    from .standalone import save_map

    html_path = Path(path)
    gpkg = html_path.with_suffix(".gpkg")

    def _gpkg(tmp: Path) -> None:
        isochrones.to_file(tmp, layer="isochrones", driver="GPKG")
        facilities.to_file(tmp, layer="facilities", driver="GPKG")
        for name, layer in (layers or {}).items():
            layer.to_file(tmp, layer=name, driver="GPKG")

    def _html(tmp: Path) -> None:
        m = explore_isochrones(isochrones, facilities, lang=lang, tiles=tiles, title=title)
        save_map(m, tmp)

    write_files({html_path: _html, gpkg: _gpkg}, inputs=inputs)
    return html_path, gpkg
