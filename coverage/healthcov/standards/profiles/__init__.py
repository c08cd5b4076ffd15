"""Rule profiles: each jurisdiction's planning standards as data (TOML), with inheritance.

A profile is one TOML file per jurisdiction (``profiles/zhejiang.toml`` …). Every rule carries
its kind (what the engine evaluates), its numbers, its status (binding 约束性 or guiding
指导性/预期性) and its source: the seed document, the line and a verbatim quote. A profile
``extends`` its parent (Zhejiang ← Ningbo ← {Fenghua, Beilun}; Zhejiang ← Jiaxing); it inherits
every parent rule it does not mention, and a rule with the same id overrides the parent's as
the LOCAL target while the parent's stays reachable as :attr:`Rule.parent` (the higher-level
standard, reported next to it).

Schema version 1 (see ``profiles/zhejiang.toml`` for a complete example)::

    schema = 1
    id = "ningbo"
    extends = "zhejiang"                 # a shipped id or a path relative to this file
    level = "prefecture_city"            # province | prefecture_city | county | district
    name = { zh = "宁波市", en = "Ningbo" }
    [document]                           # title, file, status, base_year, target_year
    [classifier]                         # method = "admin_type" (urban/rural name suffixes) or "density"
    [[rules]]
    id = "access.basic_circle"
    kind = "service_circle"              # see KINDS
    status = "guiding"                   # binding | guiding
    title = { zh = "…", en = "…" }
    facility_types = ["chs_station", "village_clinic"]
    minutes = { all = 15 }
    source = { ref = "000:152", quote = "按照15分钟健康服务圈的要求…" }

Examples
--------
>>> p = load_profile("beilun")
>>> p.chain
('beilun', 'ningbo', 'zhejiang')
>>> r = p.rule("access.basic_circle")
>>> dict(r.params["minutes"]), r.parent.profile, dict(r.parent.params["minutes"])
({'all': 20}, 'ningbo', {'all': 15})
>>> [(row["key"], row["local"], row["parent"], row["parent_profile"]) for row in looser_than_parent(p)][:2]
[('minutes.all', 20, 15, 'ningbo'), ('minutes.urban', 20, 15, 'zhejiang')]
"""

from __future__ import annotations

from .chains import compare_with_parents, looser_than_parent, strictest
from .loading import list_profiles, load_profile
from .schema import DOCUMENT_STATUSES, KINDS, LEVELS, RULE_STATUSES, SCHEMA_VERSION, Profile, Rule

__all__ = [
    "Rule",
    "Profile",
    "list_profiles",
    "load_profile",
    "looser_than_parent",
    "compare_with_parents",
    "strictest",
    "SCHEMA_VERSION",
    "KINDS",
    "LEVELS",
    "RULE_STATUSES",
    "DOCUMENT_STATUSES",
]
