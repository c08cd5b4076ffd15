"""The profile schema (version 1): rule kinds and their keys, and the resolved :class:`Rule` and :class:`Profile`."""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import ProfileError

__all__ = [
    "Rule",
    "Profile",
    "SCHEMA_VERSION",
    "KINDS",
    "LEVELS",
    "RULE_LEVELS",
    "PROFILE_TO_RULE_LEVEL",
    "DIRECTIONS",
    "RULE_STATUSES",
    "DOCUMENT_STATUSES",
    "SCOPES",
    "CLASS_KEYS",
    "STATUS_ALIASES",
    "COMMON_OPTIONAL",
    "RULE_FIELDS",
    "TOP_KEYS",
    "freeze",
    "thaw",
    "is_number",
    "is_int",
]

SCHEMA_VERSION = 1
LEVELS = ("province", "prefecture_city", "county", "district")
RULE_STATUSES = ("binding", "guiding")
DOCUMENT_STATUSES = ("issued", "draft_for_approval", "first_draft")
STATUS_ALIASES = {
    "binding": "binding",
    "约束性": "binding",
    "guiding": "guiding",
    "指导性": "guiding",
    "预期性": "guiding",
    "expected": "guiding",
}
SCOPES = ("area", "jurisdiction")
CLASS_KEYS = ("urban", "rural", "all")

#: kind -> (required parameter keys, optional parameter keys)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "service_circle": (("facility_types", "minutes"), ("owner", "grade_min")),
    "service_radius": (("facility_types", "radius_km"), ("alternative", "owner", "grade_min")),
    "response_time": (("facility_types", "minutes_lt"), ("scope", "owner", "grade_min")),
    "ratio": (
        ("resource", "amount", "per"),
        ("facility_types", "population_factor", "scope", "direction", "or_per_unit", "reading", "owner", "grade_min"),
    ),
    "count_per_area": (("facility_types", "unit_types", "min"), ("owner", "grade_min")),
    # supply per ``per`` residents reachable within ``minutes`` by ``travel_mode`` (2SFCA, or E2SFCA with
    # ``steps``), the population-weighted mean per area against the floor ``amount`` (standards/access_rules.py)
    "access_ratio": (("resource", "amount", "minutes", "travel_mode"), ("facility_types", "per", "steps")),
    "reference": (("reason",), ()),
}
# optional descriptive keys any evaluated rule may carry (the engine ignores what it does not know)
COMMON_OPTIONAL = (
    "note",
    "deadline",
    "exemptions",
    "base",
    "base_year",
    "base_by_area",
    "amount_by_area",
    "population_basis",
    "named_additions",
    "tiers",
    "travel_mode",
    "level",
    "unit",
    "ambiguity",
)
#: the level of jurisdiction a rule's number belongs to (``level`` key; default: the profile's level)
RULE_LEVELS = ("province", "city", "county")
PROFILE_TO_RULE_LEVEL = {"province": "province", "prefecture_city": "city", "county": "county", "district": "county"}
DIRECTIONS = ("min", "max")
RULE_FIELDS = ("id", "kind", "status", "title", "facility_types", "source", "assumption")
TOP_KEYS = ("schema", "id", "extends", "level", "name", "document", "classifier", "rules", "note")


@dataclass(frozen=True, repr=False)
class Rule:
    """One standard of a profile, resolved (see :func:`load_profile`).

    Attributes
    ----------
    id
        Stable id (``access.basic_circle``); a child rule with the same id overrides the parent's.
    kind
        What the engine evaluates: ``service_circle``, ``service_radius``, ``response_time``,
        ``ratio``, ``count_per_area``, ``access_ratio`` (2SFCA supply per residents reachable
        within a catchment) or ``reference`` (kept for the report only).
    status
        ``binding`` (约束性) or ``guiding`` (指导性/预期性).
    facility_types
        Codes of :data:`~healthcov.standards.facility_types.FACILITY_TYPES` (empty: all).
    params
        The kind-specific keys (``minutes``, ``radius_km``, ``minutes_lt``, ``resource``,
        ``amount``, ``per``, ``population_factor``, ``unit_types``, ``min``, ``alternative``,
        ``scope``, ``reason`` …), read-only; tables are mappings, arrays tuples.
    source
        ``ref`` (``"002:131"``: seed file prefix and line), ``quote`` (verbatim), ``clause``
        (may be empty) and ``document`` (the title of the defining profile's document).
    profile
        Id of the profile that defined the rule.
    parent
        The ancestor rule with the same id that this one overrides, else None.
    assumption
        What the rule assumes beyond its source, if anything.
    """

    id: str
    kind: str
    status: str
    title_zh: str
    title_en: str
    facility_types: tuple[str, ...]
    params: Mapping[str, Any]
    source: Mapping[str, str]
    profile: str
    parent: Rule | None = None
    assumption: str | None = None

    def __hash__(self) -> int:
        return hash((self.profile, self.id, self.kind))

    def __repr__(self) -> str:
        over = f", overrides {self.parent.profile}" if self.parent is not None else ""
        return f"<Rule {self.profile}:{self.id} ({self.kind}, {self.status}{over})>"

    @property
    def ancestors(self) -> tuple[Rule, ...]:
        """The rules this one overrides, nearest first."""
        out: list[Rule] = []
        r = self.parent
        while r is not None:
            out.append(r)
            r = r.parent
        return tuple(out)


@dataclass(frozen=True, repr=False)
class Profile:
    """A jurisdiction's resolved rule profile (see :func:`load_profile`).

    ``rules`` holds the inherited and overridden rules in a stable order: the parent's order,
    overrides in their parent's place, the child's new rules appended. ``chain`` lists the
    profile and its ancestors (``("beilun", "ningbo", "zhejiang")``); ``classifier`` is the
    profile's own urban/rural classifier or the nearest ancestor's.
    """

    id: str
    name_zh: str
    name_en: str
    level: str
    document: Mapping[str, Any]
    classifier: Mapping[str, Any]
    rules: tuple[Rule, ...]
    chain: tuple[str, ...]
    path: str
    _index: Mapping[str, Rule] = field(default_factory=dict, compare=False)

    def __hash__(self) -> int:
        return hash((self.id, self.path))

    def __repr__(self) -> str:
        return f"<Profile {self.id} ({self.name_zh}): {len(self.rules)} rules, chain {' ← '.join(self.chain[::-1])}>"

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; a ProfileError lists the ids when there is none."""
        r = self._index.get(rule_id)
        if r is None:
            msg = f"profile {self.id!r} has no rule {rule_id!r}: its rules are {', '.join(self._index)}"
            raise ProfileError(msg)
        return r

    def rule_ids(self) -> list[str]:
        """The rule ids, in order."""
        return [r.id for r in self.rules]


def freeze(v: Any) -> Any:
    if isinstance(v, Mapping):
        return types.MappingProxyType({str(k): freeze(x) for k, x in v.items()})
    if isinstance(v, (list, tuple)):
        return tuple(freeze(x) for x in v)
    return v


def thaw(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {k: thaw(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return [thaw(x) for x in v]
    return v


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
