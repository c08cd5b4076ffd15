"""Area-level statistics (beds, doctors, nurses, ambulances per district) from CSV or spreadsheet files.

What planners hold from the statistical yearbook: one row per area keyed by ``area_code``, numeric
resource columns. :func:`read_statistics` reads and checks them; :func:`healthcov.assess` takes the
result as ``statistics=`` and feeds the ratio rules whose resource the facility table lacks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, MissingColumnError, describe_ids

__all__ = ["read_statistics", "check_statistics", "RESOURCE_COLUMNS"]

#: resource columns the shipped profiles' ratio rules use
RESOURCE_COLUMNS = (
    "beds",
    "doctors",
    "nurses",
    "ambulances",
    "rehab_beds",
    "psych_beds",
    "infectious_beds",
    "psychiatrists",
)
_TEXT_COLUMNS = ("area_code", "area_name", "name")


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        try:
            return pd.read_excel(path, dtype={"area_code": str})
        except ImportError as e:
            msg = f"{path}: reading spreadsheets needs openpyxl (pip install openpyxl), or save the sheet as CSV"
            raise InputError(msg) from e
    if suffix in (".csv", ".txt", ".gz"):
        return pd.read_csv(path, dtype={"area_code": str}, encoding="utf-8-sig")
    msg = f"{path}: statistics must be a .csv or .xlsx file, got {suffix or 'no suffix'!r}"
    raise InputError(msg)


def check_statistics(
    df: pd.DataFrame, label: str = "statistics", known_codes: Iterable[Any] | None = None
) -> pd.DataFrame:
    """The table checked: ``area_code`` present and unique, every other column (but names) numeric.

    ``known_codes``: the areas' codes; a code outside them is an error naming it. Returns a copy
    with ``area_code`` as text and numeric columns as floats.
    """
    if "area_code" not in df.columns:
        msg = f"{label}: no 'area_code' column (columns are {list(df.columns)}): rename the codes' column area_code"
        raise MissingColumnError(msg)
    out = df.copy()
    out["area_code"] = out["area_code"].astype(str).str.strip()
    dup = out["area_code"].duplicated()
    if dup.any():
        repeated = describe_ids(sorted(set(out.loc[dup, "area_code"])))
        msg = f"{label}: area codes repeat: {repeated}; give one row per area"
        raise InputError(msg)
    for c in out.columns:
        if c in _TEXT_COLUMNS:
            continue
        vals = pd.to_numeric(out[c], errors="coerce")
        bad = vals.isna() & out[c].notna() & (out[c].astype(str).str.strip() != "")
        if bad.any():
            rows = [f"{code}: {v!r}" for code, v in zip(out.loc[bad, "area_code"], out.loc[bad, c], strict=True)]
            msg = f"{label}: column {c!r} has non-numeric values ({describe_ids(rows)}): give numbers or empty cells"
            raise InputError(msg)
        if (vals < 0).any():
            msg = f"{label}: column {c!r} has negative values: resources are counts or rates >= 0"
            raise InputError(msg)
        out[c] = vals.astype(float)
    if known_codes is not None:
        known = {str(k) for k in known_codes}
        unknown = sorted(set(out["area_code"]) - known)
        if unknown:
            msg = (
                f"{label}: area codes not among the areas: {describe_ids(unknown)}; the areas' codes are "
                f"{describe_ids(sorted(known))} (drop totals such as the city row with drop_codes=)"
            )
            raise InputError(msg)
    return out


def read_statistics(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    year: int | None = None,
    rename: Mapping[str, str] | None = None,
    drop_codes: Iterable[Any] = (),
    areas: Any = None,
) -> pd.DataFrame:
    """Area-level statistics from a CSV/XLSX file (or a frame), checked, one row per ``area_code``.

    Parameters
    ----------
    source
        A ``.csv`` or ``.xlsx`` file, or a DataFrame.
    year
        Keep the columns of this year without their suffix: ``beds_2020`` → ``beds`` (other
        ``*_<year>`` columns stay as they are).
    rename
        Further renames, e.g. ``{"床位数": "beds"}``.
    drop_codes
        Rows to leave out, e.g. the city total (``["330200"]``).
    areas
        The areas (with ``area_code``): a code outside them is an error naming it.

    Examples
    --------
    >>> import healthcov as hc
    >>> st = hc.read_statistics(hc.datasets.path("ningbo_statistics"), year=2020, drop_codes=["330200"])
    ... # doctest: +SKIP
    >>> st.set_index("area_name").loc["海曙区", "beds"]  # doctest: +SKIP
    7591.0
    """
    if isinstance(source, pd.DataFrame):
        df, label = source.copy(), "statistics"
    else:
        path = Path(source)
        if not path.exists():
            msg = f"statistics file {path} does not exist"
            raise InputError(msg)
        df, label = _read_table(path), f"statistics {path.name}"
    if year is not None:
        suffix = re.compile(rf"^(.+)_{int(year)}$")
        df = df.rename(columns={c: m.group(1) for c in df.columns if (m := suffix.match(str(c)))})
    if rename:
        df = df.rename(columns=dict(rename))
    _check_some_resource(df, label, year)
    if "area_code" in df.columns:
        df["area_code"] = df["area_code"].astype(str).str.strip()
        drop = {str(c) for c in drop_codes}
        df = df[~df["area_code"].isin(drop)].reset_index(drop=True)
    known = None if areas is None else list(areas["area_code"])
    out = check_statistics(df, label, known)
    out.attrs["source"] = label
    return out


def _check_some_resource(df: pd.DataFrame, label: str, year: int | None) -> None:
    """A table none of whose columns is a resource the rules read is an error that says which would be:
    with only ``beds_2020``-style columns it names the year to pass (a silent no-op otherwise)."""
    if any(c in RESOURCE_COLUMNS for c in df.columns):
        return
    years = sorted(
        {
            m.group(2)
            for c in df.columns
            if (m := re.match(r"^(.+)_(\d{4})$", str(c))) and m.group(1) in RESOURCE_COLUMNS
        }
    )
    hint = (
        f"; its columns end in a year: pass year={years[0]} (command line: --statistics-year {years[0]})"
        if years
        else ""
    )
    msg = (
        f"{label} has none of the columns the ratio rules read ({', '.join(RESOURCE_COLUMNS)}){hint}, "
        "or name yours with rename={'床位数': 'beds', ...}"
    )
    raise MissingColumnError(msg)
