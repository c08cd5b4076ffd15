"""What an assessment returns: :class:`Assessment`, verdicts with their evidence (no file writing here)."""

from __future__ import annotations

import copyreg
import html
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from ..errors import InputError
from ..io.population import POP
from .notes import Note
from .options import AssessOptions
from .profiles import Profile
from .vocabulary import VERDICTS

__all__ = ["Assessment"]


def mappingproxy(d: dict[Any, Any]) -> types.MappingProxyType:
    """A read-only view of ``d`` (how a pickled mappingproxy is rebuilt)."""
    return types.MappingProxyType(d)


def _reduce_mappingproxy(m: types.MappingProxyType) -> tuple[Any, tuple[dict[Any, Any]]]:
    return mappingproxy, (dict(m),)


# Profiles and travel modes keep their tables read-only in mappingproxies, which pickle cannot copy by
# default; an Assessment must pickle (Dask workers, caching), so a proxy pickles as a proxy of its copy.
copyreg.pickle(types.MappingProxyType, _reduce_mappingproxy)


@dataclass
class Assessment:
    """What :func:`healthcov.assess` returns: verdicts with their evidence, and how they were obtained.

    Attributes
    ----------
    table
        One row per area and rule (and one row per jurisdiction-wide rule with
        ``area_code == "*"``): the columns of :data:`~healthcov.standards.vocabulary.TABLE_COLUMNS`
        and ``verdict_zh``. Its ``note`` column is the row's notes rendered in English.
    areas
        The areas (in the network's CRS) with ``area_class``, ``class_rule`` (which rule
        classified it), ``pop``, ``area_km2``, ``density``, and counts of verdicts.
    demand
        The demand points with ``pop``, ``area_code`` and, per time or distance rule, the
        evaluated value (``<rule id>``: minutes or km to the nearest qualifying facility) and
        whether the point is covered (``<rule id>:covered``).
    facilities
        The facilities with ``facility_type``, ``area_code`` and ``on_network``.
    reference
        The profile's rules that are kept for the record but not evaluated, with the reason.
    looser
        Where the local profile is looser than a higher-level one.
    assumptions
        Everything the verdicts depend on that the plans do not fix (``notes``: the run's notes
        as English text).
    options
        The :class:`~healthcov.standards.options.AssessOptions` of the run (to run it again:
        ``assess(..., options=res.options)``).
    notes
        Every note as data (:class:`~healthcov.standards.notes.Note`): the rows' notes (with
        ``rule_id`` and ``area_code``) and the run's (``rule_id=None``).
    sensitivity
        The response-time sensitivity table (:mod:`healthcov.standards.sensitivity`): per
        response rule and area (and ``"*"`` for all areas), each activation delay of
        ``sensitivity_delays_min`` × free-flow and peak-hour speed: mean and 90th-percentile
        response, share within the limit, verdict.
    """

    profile: Profile
    table: pd.DataFrame
    areas: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    reference: pd.DataFrame
    looser: pd.DataFrame
    assumptions: dict[str, Any] = field(default_factory=dict)
    networks: dict[str, nx.MultiDiGraph] = field(default_factory=dict, repr=False)
    notes: list[Note] = field(default_factory=list, repr=False)
    options: AssessOptions | None = field(default=None, repr=False)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def summary(self) -> pd.DataFrame:
        """Per rule: how many areas pass / partly pass / fail, and the population not covered."""
        t = self.table
        counts = pd.crosstab(t["rule_id"], t["verdict"]).reindex(columns=list(VERDICTS), fill_value=0)
        pop_nc = t.groupby("rule_id")["pop_not_covered"].sum(min_count=1)
        out = counts.join(pop_nc.rename("pop_not_covered"))
        titles = t.drop_duplicates("rule_id").set_index("rule_id")[["rule_zh", "rule_en", "kind"]]
        return titles.join(out).loc[list(dict.fromkeys(t["rule_id"]))]

    def failing(self) -> pd.DataFrame:
        """The rows that fail or partly pass, worst margin first."""
        t = self.table[self.table["verdict"].isin(["fail", "partial"])]
        return t.sort_values(["verdict", "margin"], ascending=[True, True])

    def uncovered(self, rule_id: str) -> gpd.GeoDataFrame:
        """The demand points (with ``pop``) that a time or distance rule leaves uncovered."""
        col = f"{rule_id}:covered"
        if col not in self.demand.columns:
            have = [c[: -len(":covered")] for c in self.demand.columns if str(c).endswith(":covered")]
            msg = f"rule {rule_id!r} has no per-resident coverage; rules with it: {have}"
            raise InputError(msg)
        d = self.demand
        return d[~d[col].astype(bool) & d["area_code"].notna() & (d[POP] > 0)]

    def notes_of(self, rule_id: str | None = None, area_code: Any = None, code: str | None = None) -> list[Note]:
        """The notes of a rule, an area and/or of one code (``None``: any)."""
        return [
            n
            for n in self.notes
            if (rule_id is None or n.rule_id == rule_id)
            and (area_code is None or n.area_code == area_code)
            and (code is None or n.code == code)
        ]

    def _repr_html_(self) -> str:
        """Jupyter shows the formatted verdict table (:func:`healthcov.assessment_html`, registered
        by the package with :func:`set_html_formatter`), else the summary and the raw table."""
        if _HTML_FORMATTER[0] is not None:
            return str(_HTML_FORMATTER[0](self))
        cols = ["area_name", "rule_zh", "standard", "verdict", "value", "threshold", "share", "shortfall", "source_ref"]
        head = html.escape(f"{self.profile.name_zh} / {self.profile.name_en}: {self!r}")
        return (
            f"<p><b>{head}</b></p>"
            + self.summary().to_html(na_rep="–")
            + self.table[cols].to_html(na_rep="–", index=False, max_rows=200)
        )

    def __repr__(self) -> str:
        s = self.table["verdict"].value_counts()
        parts = ", ".join(f"{k} {int(s.get(k, 0))}" for k in VERDICTS if s.get(k, 0))
        return (
            f"<Assessment {self.profile.id}: {len(self.areas)} areas × {self.table['rule_id'].nunique()} rules; "
            f"{parts}>"
        )


#: the function that renders an Assessment as HTML in Jupyter (set by the package: the report layer
#: sits above the standards, which never import it)
_HTML_FORMATTER: list[Callable[[Assessment], str] | None] = [None]


def set_html_formatter(func: Callable[[Assessment], str] | None) -> None:
    """Use ``func(result) -> html`` for ``Assessment._repr_html_`` (``None``: the plain tables)."""
    _HTML_FORMATTER[0] = func
