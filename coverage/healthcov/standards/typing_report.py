"""What the facility-type classifier made of a table: counts, examples, exclusions, duplicates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import InputError
from .facility_types import FACILITY_TYPES, TYPING_COLUMNS, classify_facilities

__all__ = ["TypingReport", "typing_report"]

_EMS = ("ems_command", "ems_center", "ems_subcenter", "ems_station")


@dataclass(frozen=True)
class TypingReport:
    """The result of :func:`typing_report`.

    Attributes
    ----------
    table
        One row per facility type present: ``facility_type``, ``zh``, ``en``, ``count``,
        ``high`` / ``medium`` / ``low`` (rows per confidence), ``owners`` (e.g.
        ``"county 12, private 3"``) and ``examples`` (up to ``n_examples`` names).
    excluded
        Rows that are not what their AMap/OSM class or a loose reading would suggest, grouped by
        type and reason (``type_note``): ``facility_type``, ``reason``, ``count``, ``rules`` (the
        most frequent deciding rules) and ``examples``. E.g. 急诊 rows are
        ``emergency_department``: "a hospital's emergency care …, not a 120 EMS station".
    duplicates
        Groups of rows of one type whose names coincide once brackets, 上海市/…区 prefixes,
        街道 and 服务 are removed (外滩街道社区卫生中心 = 外滩社区卫生服务中心): ``facility_type``,
        ``key``, ``count``, ``names``. Nothing is removed; check them against the source.
    classified
        The full :func:`classify_facilities` output (same index as the input).
    """

    table: pd.DataFrame
    excluded: pd.DataFrame
    duplicates: pd.DataFrame
    classified: pd.DataFrame

    def to_markdown(self) -> str:
        """The report as Markdown: a summary line, then the three tables."""
        n = len(self.classified)
        codes = self.classified["facility_type"]
        ems = int(codes.isin(_EMS).sum())
        er = int((codes == "emergency_department").sum())
        lines = [
            f"# Facility typing 设施分类: {n} rows",
            "",
            f"EMS (120) facilities 急救站点: {ems}; hospital emergency units 医院急诊/院内急救 not counted as "
            f"EMS: {er} (ems_include_hospital_emergency=True counts them).",
            "",
            "## Types 类型",
            "",
            _markdown_table(self.table),
            "",
            "## Excluded or re-typed, and why 排除/改判及原因",
            "",
            _markdown_table(self.excluded) if len(self.excluded) else "(none)",
            "",
            "## Possible duplicates 可能重复",
            "",
            _markdown_table(self.duplicates) if len(self.duplicates) else "(none)",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_markdown()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _markdown_table(df: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _examples(names: pd.Series, k: int) -> str:
    return "; ".join(list(dict.fromkeys(n for n in names if n))[:k])


def _counts(values: pd.Series, k: int = 3) -> str:
    vc = values[values != ""].value_counts()
    return ", ".join(f"{key} {int(v)}" for key, v in vc.head(k).items())


_PREFIX_RE = re.compile(r"^(?:上海市|[\u4e00-\u9fff]{1,3}[省市])?(?:[\u4e00-\u9fff]{1,3}(?:新区|区|县))?")


def duplicate_key(name: str) -> str:
    """A name with brackets, 上海市/…区 prefixes, 街道, 社区 and 服务 removed (to spot duplicates).

    Examples
    --------
    >>> duplicate_key("外滩街道社区卫生中心") == duplicate_key("外滩社区卫生服务中心")
    True
    >>> duplicate_key("黄浦区半淞园街道社区卫生服务中心")
    '半淞园卫生中心'
    """
    key = re.sub(r"[(（][^()（）]*[)）]|街道|社区|服务|\s", "", name)
    return _PREFIX_RE.sub("", key)


def _table(j: pd.DataFrame, k: int) -> pd.DataFrame:
    rows = []
    for code, grp in j.groupby("facility_type", sort=False):
        conf = grp["type_confidence"].value_counts()
        rows.append(
            {
                "facility_type": code,
                "zh": FACILITY_TYPES.get(str(code), FACILITY_TYPES["other"])["zh"],
                "en": FACILITY_TYPES.get(str(code), FACILITY_TYPES["other"])["en"],
                "count": len(grp),
                **{c: int(conf.get(c, 0)) for c in ("high", "medium", "low")},
                "owners": _counts(grp["owner"]),
                "examples": _examples(grp["_name"], k),
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values(["count", "facility_type"], ascending=[False, True], ignore_index=True)


def _excluded(j: pd.DataFrame, k: int) -> pd.DataFrame:
    cols = ["facility_type", "reason", "count", "rules", "examples"]
    noted = j[j["type_note"] != ""]
    if noted.empty:
        return pd.DataFrame(columns=cols)
    rows = [
        {
            "facility_type": code,
            "reason": note,
            "count": len(grp),
            "rules": _counts(grp["type_rule"]),
            "examples": _examples(grp["_name"], k),
        }
        for (code, note), grp in noted.groupby(["facility_type", "type_note"], sort=False)
    ]
    return pd.DataFrame(rows, columns=cols).sort_values("count", ascending=False, ignore_index=True)


def _duplicates(j: pd.DataFrame, k: int) -> pd.DataFrame:
    cols = ["facility_type", "key", "count", "names"]
    named = j[(j["_name"] != "") & ~j["facility_type"].isin(["other", "department"])]
    keys = named["_name"].map(duplicate_key)
    rows = []
    for (code, key), grp in named.groupby([named["facility_type"], keys], sort=False):
        if len(grp) > 1 and key:
            rows.append({"facility_type": code, "key": key, "count": len(grp), "names": _examples(grp["_name"], k)})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["facility_type", "count"], ascending=[True, False], ignore_index=True)


def typing_report(
    facilities: pd.DataFrame,
    *,
    type_column: str | None = None,
    name_column: str | None = "name",
    ems_include_hospital_emergency: bool = False,
    n_examples: int = 3,
) -> TypingReport:
    """Counts per facility type, examples, what was excluded and why, and possible duplicates.

    Classifies ``facilities`` with :func:`~healthcov.standards.facility_types.classify_facilities`
    (same options) — or, when it already carries all of
    :data:`~healthcov.standards.facility_types.TYPING_COLUMNS`, reads them.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"name": ["上海市医疗急救中心黄浦分站", "上海长征医院急诊部", "复三社区卫生服务站"]})
    >>> rep = typing_report(df)
    >>> rep.table[["facility_type", "count"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'facility_type': 'chs_station', 'count': 1}, {'facility_type': 'emergency_department', 'count': 1},
     {'facility_type': 'ems_station', 'count': 1}]
    >>> rep.excluded.loc[0, "reason"][:49]
    "a hospital's emergency care (急诊/院内急救/危重救治中心), not"
    """
    if not isinstance(facilities, pd.DataFrame):
        msg = f"typing_report needs a DataFrame or GeoDataFrame, got {type(facilities).__name__}"
        raise InputError(msg)
    if n_examples < 0:
        msg = f"n_examples must be 0 or more, got {n_examples}"
        raise InputError(msg)
    if all(c in facilities.columns for c in TYPING_COLUMNS):
        classified = facilities[list(TYPING_COLUMNS)].copy()
    else:
        classified = classify_facilities(
            facilities,
            type_column=type_column,
            name_column=name_column,
            ems_include_hospital_emergency=ems_include_hospital_emergency,
        )
    j = classified.copy()
    has_names = name_column is not None and name_column in facilities.columns
    j["_name"] = facilities[name_column].fillna("").astype(str).to_numpy() if has_names else ""
    j["type_note"] = j["type_note"].fillna("").astype(str)
    j["owner"] = j["owner"].fillna("").astype(str)
    return TypingReport(
        table=_table(j, n_examples),
        excluded=_excluded(j, n_examples),
        duplicates=_duplicates(j, n_examples),
        classified=classified,
    )
