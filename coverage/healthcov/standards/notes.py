"""Notes as data: what a row or a run needs the reader to know, with a code, in Chinese and English.

The verdict table keeps a ``note`` column of rendered English text for compatibility; code that
needs to know *what* a note says reads :attr:`Note.code` from :attr:`Assessment.notes`, never the
text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Note", "render_notes", "NOTE_CODES"]

#: every code a note may carry, with what it means
NOTE_CODES = {
    "network_substituted": "the wanted network was not given; another mode's network was used",
    "no_network": "the rule needs a road network and none was given",
    "no_threshold": "the rule has no threshold for this area class",
    "no_population": "the area has no residents",
    "other_boundary_share": "the share covered under the other cross-boundary assumption",
    "radius_shares": "network and straight-line shares within the radius",
    "straight_line_fallback": "no network: the verdict uses straight-line distance",
    "township_alternative": "the rural 'a station in every township' alternative",
    "activation_delay": "how the response time is made up",
    "unreached": "residents no facility can reach",
    "missing_resource": "facilities without a value of the ratio's resource",
    "no_resource_column": "the facility table lacks the ratio's resource column",
    "population_factor": "the ratio's population base is a share of the population",
    "shortfall": "how many more are needed",
    "lenient_requirement": "the requirement at the lenient end of a range",
    "unit_type": "the rule applies to other unit types",
    "no_facilities": "no facility of the rule's types in the data",
    "strictest": "the strictest version of the rule along the profile chain",
    "off_network_points": "population points too far from the network",
    "outside_areas": "population points outside every area",
    "statuses": "which facility statuses count",
    "dropped_nodes": "network nodes outside the largest strongly connected component",
    "lack_of_data": "rules not assessed for lack of data",
    "partition_failed": "a partition of a distributed run failed",
    "partition": "a caveat of one partition of a distributed run",
    "execution": "how a distributed run was executed",
    "missing_in_input": "none of the rule's facility types is in the input: not assessed (missing is not failing)",
    "partial_data": "the network reaches less than data_coverage_min of the area's residents",
    "supply_unknown": "a ratio's requirement is stated but its supply is unknown",
    "statistics": "a ratio's supply comes from the area-level statistics",
    "station_delays": "per-station activation delays (facility column activation_delay_min)",
}


@dataclass(frozen=True)
class Note:
    """One note: a ``code`` of :data:`NOTE_CODES`, where it applies, and its words.

    ``area_code`` and ``rule_id`` are ``None`` for a note about the whole run.
    """

    code: str
    area_code: str | None
    rule_id: str | None
    text_zh: str
    text_en: str


def render_notes(notes: Iterable[Note], lang: str = "en") -> str:
    """The notes as one line of text ("; "-joined), in English (``lang="en"``) or Chinese."""
    texts = [n.text_zh if lang == "zh" else n.text_en for n in notes]
    return "; ".join(t for t in texts if t)
