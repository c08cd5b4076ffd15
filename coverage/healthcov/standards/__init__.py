"""Standards engine: the plans' rules as data (TOML profiles), evaluated per area.

The assessment as public, typed stages (see :func:`healthcov.assess`, their composition):

- :class:`AssessOptions` — the options of a run, one frozen value;
- :func:`prepare` → :class:`Context` — networks (each under its own mode), areas, demand → areas,
  area classes, facilities → types and snapping (each stage a public function too:
  :func:`network_graphs`, :func:`prepare_areas`, :func:`assign_demand`, :func:`classify_areas`,
  :func:`prepare_facilities`);
- :func:`evaluate` (one rule) → :class:`RuleResult` (rows, per-point values, :class:`Note` s);
- :func:`assemble` (all results) → :class:`Assessment`.
"""

from .assemble import assemble, count_verdicts, reference_rows, verdict_table
from .assessment import Assessment
from .costs import CostCache
from .engine import assess
from .evaluators import PointValues, RuleResult, base_row, evaluate, pick_mode, value_by_class
from .notes import NOTE_CODES, Note, render_notes
from .options import AssessOptions
from .prepare import (
    Context,
    assign_demand,
    classify_areas,
    metric_crs,
    network_graphs,
    prepare,
    prepare_areas,
    prepare_facilities,
    selected_rules,
)
from .typing_report import TypingReport, typing_report
from .vocabulary import ALL, EVALUATED_KINDS, NETWORK_KINDS, TABLE_COLUMNS, VERDICT_ZH, VERDICTS

__all__ = [
    "TypingReport",
    "typing_report",
    "ALL",
    "EVALUATED_KINDS",
    "NETWORK_KINDS",
    "NOTE_CODES",
    "TABLE_COLUMNS",
    "VERDICTS",
    "VERDICT_ZH",
    "AssessOptions",
    "Assessment",
    "Context",
    "CostCache",
    "Note",
    "PointValues",
    "RuleResult",
    "assemble",
    "assess",
    "assign_demand",
    "base_row",
    "classify_areas",
    "count_verdicts",
    "evaluate",
    "metric_crs",
    "network_graphs",
    "pick_mode",
    "prepare",
    "prepare_areas",
    "prepare_facilities",
    "reference_rows",
    "render_notes",
    "selected_rules",
    "value_by_class",
    "verdict_table",
]
