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

import math
import os
import re
import tomllib
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ..errors import ProfileError
from .facility_types import FACILITY_TYPES, UnknownFacilityTypeError, normalize_type

__all__ = [
    "Rule",
    "Profile",
    "list_profiles",
    "load_profile",
    "looser_than_parent",
    "strictest",
    "SCHEMA_VERSION",
    "KINDS",
    "LEVELS",
    "RULE_STATUSES",
    "DOCUMENT_STATUSES",
]

SCHEMA_VERSION = 1
LEVELS = ("province", "prefecture_city", "county", "district")
RULE_STATUSES = ("binding", "guiding")
DOCUMENT_STATUSES = ("issued", "draft_for_approval", "first_draft")
_STATUS_ALIASES = {
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
    "service_circle": (("facility_types", "minutes"), ()),
    "service_radius": (("facility_types", "radius_km"), ("alternative",)),
    "response_time": (("facility_types", "minutes_lt"), ("scope",)),
    "ratio": (("resource", "amount", "per"), ("facility_types", "population_factor", "scope")),
    "count_per_area": (("facility_types", "unit_types", "min"), ()),
    "reference": (("reason",), ()),
}
# optional descriptive keys any evaluated rule may carry (the engine ignores what it does not know)
_COMMON_OPTIONAL = (
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
)
_RULE_FIELDS = ("id", "kind", "status", "title", "facility_types", "source", "assumption")
_TOP_KEYS = ("schema", "id", "extends", "level", "name", "document", "classifier", "rules", "note")
_PACKAGE_DIR = "profiles"


# ---------------------------------------------------------------------------------------------
# data classes


@dataclass(frozen=True, repr=False)
class Rule:
    """One standard of a profile, resolved (see :func:`load_profile`).

    Attributes
    ----------
    id
        Stable id (``access.basic_circle``); a child rule with the same id overrides the parent's.
    kind
        What the engine evaluates: ``service_circle``, ``service_radius``, ``response_time``,
        ``ratio``, ``count_per_area`` or ``reference`` (kept for the report only).
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


# ---------------------------------------------------------------------------------------------
# freezing


def _freeze(v: Any) -> Any:
    if isinstance(v, Mapping):
        return types.MappingProxyType({str(k): _freeze(x) for k, x in v.items()})
    if isinstance(v, (list, tuple)):
        return tuple(_freeze(x) for x in v)
    return v


def _thaw(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {k: _thaw(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return [_thaw(x) for x in v]
    return v


# ---------------------------------------------------------------------------------------------
# line numbers of keys in the TOML text

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_KEY_LINE = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _clean_key(raw: str) -> str:
    return ".".join(p.strip().strip("\"'") for p in re.split(r"\.(?=(?:[^\"']*[\"'][^\"']*[\"'])*[^\"']*$)", raw))


class _Lines:
    """Where keys sit in the TOML text, for messages that name a line."""

    def __init__(self, text: str) -> None:
        self.top: dict[str, int] = {}
        self.tables: dict[str, dict[str, int]] = {}
        self.rules: list[dict[str, int]] = []
        where: tuple[str, str] = ("top", "")
        for n, line in enumerate(text.splitlines(), start=1):
            m = _ARRAY_HEADER.match(line)
            if m:
                name = _clean_key(m.group(1))
                if name == "rules":
                    self.rules.append({"": n})
                    where = ("rule", "")
                else:
                    where = ("table", name)
                    self.tables.setdefault(name, {}).setdefault("", n)
                continue
            m = _TABLE_HEADER.match(line)
            if m:
                name = _clean_key(m.group(1))
                if name.startswith("rules.") and self.rules:
                    where = ("rule", name[len("rules.") :])
                    self.rules[-1].setdefault(where[1], n)
                else:
                    where = ("table", name)
                    self.tables.setdefault(name, {}).setdefault("", n)
                continue
            m = _KEY_LINE.match(line)
            if not m:
                continue
            key = _clean_key(m.group(1))
            kind, prefix = where
            full = f"{prefix}.{key}" if prefix else key
            if kind == "top":
                self.top.setdefault(full, n)
            elif kind == "rule":
                self.rules[-1].setdefault(full, n)
            else:
                self.tables[prefix].setdefault(key, n)

    def top_key(self, key: str) -> int | None:
        if key in self.top:
            return self.top[key]
        head = key.split(".")[0]
        if head in self.top:
            return self.top[head]
        t = self.tables.get(head)
        if t is not None:
            rest = key[len(head) + 1 :]
            return t.get(rest) or t.get(rest.split(".")[0]) or t.get("")
        return None

    def rule_key(self, i: int, key: str | None = None) -> int | None:
        if i >= len(self.rules):
            return None
        r = self.rules[i]
        if key:
            parts = key.split(".")
            for k in range(len(parts), 0, -1):
                cand = ".".join(parts[:k])
                if cand in r:
                    return r[cand]
        return r.get("id", r.get(""))


class _Problems:
    """Collects problems and raises them together, each with its line."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.items: list[tuple[int | None, str]] = []

    def add(self, line: int | None, msg: str) -> None:
        self.items.append((line, msg))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        items = sorted(self.items, key=lambda t: (t[0] is None, t[0] or 0))
        lines = [f"  line {n}: {m}" if n is not None else f"  {m}" for n, m in items]
        n = len(self.items)
        msg = f"rule profile {self.where}: {n} problem{'s' if n > 1 else ''}\n" + "\n".join(lines)
        raise ProfileError(msg)


# ---------------------------------------------------------------------------------------------
# value checks


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_number(v: Any, *, positive: bool = True) -> str | None:
    if not _is_number(v):
        return f"must be a number, got {v!r}"
    if positive and v <= 0:
        return f"must be positive, got {v!r}"
    return None


def _check_value_or_pair(v: Any, *, ascending: bool = True) -> str | None:
    """A positive number or a [strict, lenient] pair."""
    if isinstance(v, list):
        if len(v) != 2 or not all(_is_number(x) and x > 0 for x in v):
            return f"must be a positive number or a [strict, lenient] pair of positive numbers, got {v!r}"
        if ascending and v[0] > v[1]:
            return f"the pair [strict, lenient] must be in ascending order, got {v!r}"
        return None
    return _check_number(v)


def _check_by_class(v: Any, *, pairs: bool = False) -> str | None:
    if _is_number(v):
        return _check_number(v)
    if not isinstance(v, Mapping) or not v:
        return "must be a table by area class, e.g. { urban = 15, rural = 20 } or { all = 15 }"
    bad = [k for k in v if k not in CLASS_KEYS]
    if bad:
        return f"has unknown area class {bad[0]!r}: use {', '.join(CLASS_KEYS)}"
    for k, x in v.items():
        err = _check_value_or_pair(x) if pairs else _check_number(x)
        if err:
            return f"{k} {err}"
    return None


def _check_str_list(v: Any) -> str | None:
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x.strip() for x in v):
        return f"must be a non-empty list of strings, got {v!r}"
    return None


def _check_area_numbers(v: Any, *, positive: bool = True) -> str | None:
    if not isinstance(v, Mapping) or not v:
        return 'must be a table of area names to numbers, e.g. { "余姚市" = 3 }'
    for k, x in v.items():
        err = _check_number(x, positive=positive)
        if err:
            return f"{k!r} {err}"
    return None


def _norm_types(v: Any, problems: _Problems, line: int | None, key: str, rule_label: str) -> tuple[str, ...] | None:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        problems.add(line, f"{rule_label}key {key!r} must be a list of facility-type codes, got {v!r}")
        return None
    out: list[str] = []
    for x in v:
        try:
            out.append(normalize_type(x))
        except UnknownFacilityTypeError:
            problems.add(
                line,
                f"{rule_label}key {key!r}: unknown facility type {x!r}; use one of {', '.join(FACILITY_TYPES)}",
            )
            return None
    return tuple(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------------
# reading and building


@dataclass
class _Source:
    text: str
    path: str
    label: str  # for messages
    base: Path | Traversable | None  # where relative `extends` paths start
    key: str  # identity for cycle detection


def _shipped_dir() -> Traversable:
    return resources.files(__package__ or "healthcov.standards").joinpath(_PACKAGE_DIR)


def list_profiles() -> list[str]:
    """Ids of the shipped profiles.

    Examples
    --------
    >>> list_profiles()
    ['beilun', 'fenghua', 'jiaxing', 'ningbo', 'zhejiang']
    """
    return sorted(p.name[: -len(".toml")] for p in _shipped_dir().iterdir() if p.name.endswith(".toml"))


_ALIAS_CACHE: dict[str, str] = {}


def _aliases() -> dict[str, str]:
    """Lower-case shipped names (id, Chinese and English names, with and without 省/市/区) -> id."""
    if _ALIAS_CACHE:
        return _ALIAS_CACHE
    out: dict[str, str] = {}
    for pid in list_profiles():
        out[pid] = pid
        try:
            data = tomllib.loads(_shipped_dir().joinpath(f"{pid}.toml").read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError:
            continue
        name = data.get("name", {}) if isinstance(data.get("name"), dict) else {}
        zh, en = str(name.get("zh", "")), str(name.get("en", "")).lower()
        for a in (zh, re.sub(r"(省|市|区|县)$", "", zh), en, re.sub(r"\s+(province|district|city|county)$", "", en)):
            if a:
                out.setdefault(a.strip().lower(), pid)
    _ALIAS_CACHE.update(out)
    return out


def _shipped_id(name: str) -> str | None:
    return _aliases().get(name.strip().lower())


_SHIPPED_CACHE: dict[str, Profile] = {}
_NAMES: dict[str, tuple[str, str]] = {}  # profile id -> (zh, en), for by-area lookups


def _load_shipped(pid: str, stack: tuple[str, ...] = ()) -> Profile:
    if pid in _SHIPPED_CACHE:
        return _SHIPPED_CACHE[pid]
    res = _shipped_dir().joinpath(f"{pid}.toml")
    src = _Source(
        text=res.read_text(encoding="utf-8"),
        path=str(res),
        label=f"{pid!r} ({res})",
        base=_shipped_dir(),
        key=f"shipped:{pid}",
    )
    prof = _build(src, stack)
    _SHIPPED_CACHE[pid] = prof
    return prof


def _looks_like_path(s: str) -> bool:
    return s.endswith(".toml") or "/" in s or "\\" in s or s.startswith(".") or s.startswith("~")


def _from_path(p: Path, stack: tuple[str, ...]) -> Profile:
    p = p.expanduser()
    if not p.is_file():
        msg = (
            f"rule profile file {str(p)!r} does not exist: give a path to a TOML profile or a shipped profile "
            f"({', '.join(list_profiles())})"
        )
        raise ProfileError(msg)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        msg = f"rule profile {str(p)!r} is not UTF-8 text ({e}): save it as UTF-8"
        raise ProfileError(msg) from e
    src = _Source(text=text, path=str(p), label=repr(str(p)), base=p.parent, key=str(p.resolve()))
    return _build(src, stack)


def load_profile(name_or_path: str | os.PathLike[str] | Profile) -> Profile:
    """Load and resolve a rule profile.

    Parameters
    ----------
    name_or_path
        A shipped profile id (``"ningbo"``, any case), its Chinese or English name (``"宁波"``,
        ``"宁波市"``, ``"Ningbo"``), a path to a user's TOML profile (whose ``extends`` may name a
        shipped profile or a path relative to the file), or a :class:`Profile` (returned as is).

    Returns
    -------
    Profile
        With inherited and overridden rules resolved.

    Raises
    ------
    ProfileError
        For an unknown name (listing the shipped profiles), or a malformed profile: the
        message names the file, the key and the line of every problem.

    Examples
    --------
    >>> p = load_profile("宁波")
    >>> p.id, p.chain, p.document["status"]
    ('ningbo', ('ningbo', 'zhejiang'), 'issued')
    >>> fleet = p.rule("ems.fleet")
    >>> fleet.params["population_factor"]["by_area"]["余姚市"], fleet.source["ref"]
    (3, '000:311')
    """
    if isinstance(name_or_path, Profile):
        return name_or_path
    if isinstance(name_or_path, os.PathLike):
        return _from_path(Path(os.fspath(name_or_path)), ())
    if not isinstance(name_or_path, str):
        msg = f"profile must be a shipped profile id, a path or a Profile, got {type(name_or_path).__name__}"
        raise ProfileError(msg)
    s = name_or_path.strip()
    pid = _shipped_id(s)
    if pid is not None and not _looks_like_path(s):
        return _load_shipped(pid)
    p = Path(s).expanduser()
    if p.is_file() or _looks_like_path(s):
        return _from_path(p, ())
    msg = (
        f"unknown rule profile {name_or_path!r}: use one of the shipped profiles {', '.join(list_profiles())} "
        "(or their Chinese names, e.g. 宁波市), or a path to a TOML profile"
    )
    raise ProfileError(msg)


def _parse(src: _Source) -> dict[str, Any]:
    try:
        return tomllib.loads(src.text)
    except tomllib.TOMLDecodeError as e:
        text = str(e)
        m = re.search(r"\(at line (\d+), column (\d+)\)", text)
        where = f"line {m.group(1)}, column {m.group(2)}" if m else "end of document"
        line_text = ""
        if m:
            lines = src.text.splitlines()
            k = int(m.group(1)) - 1
            if 0 <= k < len(lines):
                line_text = f": {lines[k].strip()[:80]!r}"
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", text)
        msg = f"rule profile {src.label}: TOML syntax error at {where}{line_text}: {reason}"
        raise ProfileError(msg) from e


def _resolve_parent(
    ext: Any, src: _Source, stack: tuple[str, ...], problems: _Problems, lines: _Lines
) -> Profile | None:
    line = lines.top_key("extends")
    if not isinstance(ext, str) or not ext.strip():
        problems.add(line, f"key 'extends' must name a shipped profile or a TOML file, got {ext!r}")
        return None
    ext = ext.strip()
    pid = None if _looks_like_path(ext) else _shipped_id(ext)
    key: str | None = None
    target: Path | None = None
    if pid is not None:
        key = f"shipped:{pid}"
    else:
        base = src.base
        cands: list[Path] = []
        if isinstance(base, Path):
            cands = [base / ext, base / f"{ext}.toml"]
        cands.append(Path(ext).expanduser())
        target = next((c for c in cands if c.is_file()), None)
        if target is None:
            problems.add(
                line,
                f"key 'extends': no profile {ext!r}; use a shipped profile ({', '.join(list_profiles())}) "
                "or a path to a TOML file (relative to this file)",
            )
            return None
        key = str(target.resolve())
    if key in stack or key == src.key:
        names = [s.removeprefix("shipped:") for s in (*stack, src.key, key)]
        problems.add(line, f"key 'extends': extends cycle {' → '.join(names)}")
        return None
    if pid is not None:
        return _load_shipped(pid, (*stack, src.key))
    assert target is not None
    return _from_path(target, (*stack, src.key))


def _build(src: _Source, stack: tuple[str, ...]) -> Profile:
    data = _parse(src)
    lines = _Lines(src.text)
    problems = _Problems(src.label)

    for k in data:
        if k not in _TOP_KEYS:
            problems.add(lines.top_key(k), f"unknown top-level key {k!r}; allowed: {', '.join(_TOP_KEYS)}")
    schema = data.get("schema")
    if schema is None:
        problems.add(1, f"key 'schema' is missing: start the file with schema = {SCHEMA_VERSION}")
    elif schema != SCHEMA_VERSION or not _is_int(schema):
        problems.add(lines.top_key("schema"), f"key 'schema' is {schema!r}; this healthcov reads schema = 1")
    pid = data.get("id")
    if not isinstance(pid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", pid):
        problems.add(
            lines.top_key("id") or 1, f"key 'id' must be a lower-case name like 'ningbo' (a-z, 0-9, _ , -), got {pid!r}"
        )
        pid = "?"
    level = data.get("level")
    if level not in LEVELS:
        problems.add(lines.top_key("level") or 1, f"key 'level' is {level!r}; use one of {', '.join(LEVELS)}")
    name = data.get("name")
    name_zh = name_en = ""
    if not isinstance(name, dict) or not all(isinstance(name.get(k), str) and name.get(k) for k in ("zh", "en")):
        problems.add(lines.top_key("name") or 1, 'key \'name\' must be { zh = "宁波市", en = "Ningbo" }')
    else:
        name_zh, name_en = name["zh"], name["en"]

    parent: Profile | None = None
    if "extends" in data:
        parent = _resolve_parent(data["extends"], src, stack, problems, lines)

    document = _check_document(data.get("document"), lines, problems)
    classifier = _check_classifier(data.get("classifier"), lines, problems)
    if classifier is None:
        classifier = dict(parent.classifier) if parent is not None else {}

    raw_rules = data.get("rules", [])
    own: list[Rule] = []
    if not isinstance(raw_rules, list):
        problems.add(lines.top_key("rules"), "key 'rules' must be an array of tables: write each rule as [[rules]]")
        raw_rules = []
    seen: dict[str, int] = {}
    doc_title = str(document.get("title", "")) if document else ""
    for i, raw in enumerate(raw_rules):
        rule = _check_rule(raw, i, lines, problems, pid, doc_title)
        if rule is None:
            continue
        if rule.id in seen:
            problems.add(
                lines.rule_key(i, "id"),
                f"rule {rule.id!r} is defined twice (first at line {lines.rule_key(seen[rule.id], 'id')})",
            )
            continue
        seen[rule.id] = i
        own.append(rule)
    problems.raise_if_any()

    _NAMES[pid] = (name_zh, name_en)
    rules: list[Rule] = []
    by_id = {r.id: r for r in own}
    if parent is not None:
        for pr in parent.rules:
            mine = by_id.pop(pr.id, None)
            rules.append(replace(mine, parent=pr) if mine is not None else pr)
    rules.extend(r for r in own if r.id in by_id)
    chain = (pid, *(parent.chain if parent is not None else ()))
    return Profile(
        id=pid,
        name_zh=name_zh,
        name_en=name_en,
        level=str(level),
        document=_freeze(document or {}),
        classifier=_freeze(classifier),
        rules=tuple(rules),
        chain=chain,
        path=src.path,
        _index=types.MappingProxyType({r.id: r for r in rules}),
    )


def _check_document(doc: Any, lines: _Lines, problems: _Problems) -> dict[str, Any] | None:
    line = lines.top_key("document")
    if doc is None:
        problems.add(line or 1, "table [document] is missing: it needs title, file, status, base_year, target_year")
        return None
    if not isinstance(doc, dict):
        problems.add(line, "key 'document' must be a table [document]")
        return None
    for k in ("title", "file"):
        if not isinstance(doc.get(k), str) or not doc.get(k):
            problems.add(lines.top_key(f"document.{k}") or line, f"key 'document.{k}' must be a non-empty string")
    if doc.get("status") not in DOCUMENT_STATUSES:
        problems.add(
            lines.top_key("document.status") or line,
            f"key 'document.status' is {doc.get('status')!r}; use one of {', '.join(DOCUMENT_STATUSES)}",
        )
    for k in ("base_year", "target_year"):
        if not _is_int(doc.get(k)):
            problems.add(lines.top_key(f"document.{k}") or line, f"key 'document.{k}' must be a year, e.g. 2025")
    if _is_int(doc.get("base_year")) and _is_int(doc.get("target_year")) and doc["base_year"] > doc["target_year"]:
        problems.add(lines.top_key("document.base_year") or line, "key 'document.base_year' is after target_year")
    return doc


def _check_classifier(c: Any, lines: _Lines, problems: _Problems) -> dict[str, Any] | None:
    if c is None:
        return None
    line = lines.top_key("classifier")
    if not isinstance(c, dict):
        problems.add(line, "key 'classifier' must be a table [classifier]")
        return None
    method = c.get("method")
    if method == "admin_type":
        for k in ("urban", "rural"):
            err = _check_str_list(c.get(k))
            if err:
                problems.add(lines.top_key(f"classifier.{k}") or line, f"key 'classifier.{k}' {err}")
    elif method == "density":
        classes = c.get("classes")
        if not isinstance(classes, list) or not classes:
            problems.add(
                lines.top_key("classifier.classes") or line,
                "key 'classifier.classes' must list the density classes, e.g. [{ name = \"urban\", gt = 100 }]",
            )
        else:
            for k in classes:
                ops = [op for op in ("gt", "ge", "lt", "le") if op in k] if isinstance(k, dict) else []
                ok = (
                    isinstance(k, dict)
                    and isinstance(k.get("name"), str)
                    and ops
                    and all(_is_number(k[op]) for op in ops)
                    and set(k) <= {"name", "gt", "ge", "lt", "le", "note"}
                )
                if not ok:
                    problems.add(
                        lines.top_key("classifier.classes") or line,
                        f"key 'classifier.classes': {k!r} needs a name and bounds gt/ge/lt/le (persons per km²)",
                    )
    else:
        problems.add(
            lines.top_key("classifier.method") or line,
            f"key 'classifier.method' is {method!r}; use 'admin_type' or 'density'",
        )
    return c


def _check_rule(raw: Any, i: int, lines: _Lines, problems: _Problems, profile_id: str, doc_title: str) -> Rule | None:
    start = len(problems.items)

    def at(key: str | None = None) -> int | None:
        return lines.rule_key(i, key)

    if not isinstance(raw, dict):
        problems.add(at(), f"rule #{i + 1} must be a table ([[rules]])")
        return None
    rid = raw.get("id")
    if not isinstance(rid, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", rid):
        problems.add(at("id"), f"rule #{i + 1}: key 'id' must be a name like 'access.basic_circle', got {rid!r}")
        rid = f"#{i + 1}"
    label = f"rule {rid!r}: "
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.add(at("kind"), f"{label}key 'kind' is {kind!r}; use one of {', '.join(KINDS)}")
        return None
    required, optional = KINDS[kind]
    status = _STATUS_ALIASES.get(str(raw.get("status", "")).strip().lower())
    if status is None:
        problems.add(
            at("status"),
            f"{label}key 'status' is {raw.get('status')!r}; use one of {', '.join(RULE_STATUSES)} "
            "(约束性 → binding, 指导性/预期性 → guiding)",
        )
    title = raw.get("title")
    if not isinstance(title, dict) or not all(isinstance(title.get(k), str) and title.get(k) for k in ("zh", "en")):
        problems.add(at("title"), f'{label}key \'title\' must be {{ zh = "…", en = "…" }}')
        title = {"zh": "", "en": ""}
    source = raw.get("source")
    if not isinstance(source, dict):
        problems.add(at("source"), f'{label}key \'source\' must be {{ ref = "002:131", quote = "…" }}')
        source = {}
    else:
        for k in ("ref", "quote"):
            if not isinstance(source.get(k), str) or not source.get(k, "").strip():
                problems.add(at(f"source.{k}"), f"{label}key 'source.{k}' is missing or empty")
        for k in source:
            if k not in ("ref", "quote", "clause", "note"):
                problems.add(at(f"source.{k}"), f"{label}unknown key 'source.{k}'; allowed: ref, quote, clause, note")
    assumption = raw.get("assumption")
    if assumption is not None and not isinstance(assumption, str):
        problems.add(at("assumption"), f"{label}key 'assumption' must be a string")
        assumption = None

    params = {k: v for k, v in raw.items() if k not in _RULE_FIELDS}
    ftypes: tuple[str, ...] = ()
    if "facility_types" in raw:
        got = _norm_types(raw["facility_types"], problems, at("facility_types"), "facility_types", label)
        ftypes = got or ()
    for k in required:
        if k not in raw:
            problems.add(at(), f"{label}key {k!r} is missing: a {kind} rule needs {', '.join(required)}")
    if kind != "reference":
        allowed = set(required) | set(optional) | set(_COMMON_OPTIONAL) | set(_RULE_FIELDS)
        for k in raw:
            if k not in allowed:
                problems.add(
                    at(k),
                    f"{label}unknown key {k!r} for a {kind} rule; allowed: "
                    f"{', '.join(sorted(allowed - set(_RULE_FIELDS)))}",
                )
    _check_params(kind, raw, params, ftypes, label, at, problems)
    if len(problems.items) > start:
        return None
    assert status is not None
    src = {
        "ref": str(source["ref"]).strip(),
        "quote": str(source["quote"]).strip(),
        "clause": str(source.get("clause", "")),
        "document": doc_title,
    }
    if "note" in source:
        src["note"] = str(source["note"])
    return Rule(
        id=rid,
        kind=kind,
        status=status,
        title_zh=title["zh"],
        title_en=title["en"],
        facility_types=ftypes,
        params=_freeze(params),
        source=types.MappingProxyType(src),
        profile=profile_id,
        parent=None,
        assumption=assumption,
    )


def _check_params(
    kind: str,
    raw: dict[str, Any],
    params: dict[str, Any],
    ftypes: tuple[str, ...],
    label: str,
    at: Any,
    problems: _Problems,
) -> None:
    def bad(key: str, err: str | None) -> None:
        if err:
            problems.add(at(key), f"{label}key {key!r} {err}")

    needs_types = kind in ("service_circle", "service_radius", "response_time", "count_per_area") or (
        kind == "ratio" and raw.get("resource") == "count"
    )
    if needs_types and "facility_types" in raw and not raw["facility_types"]:
        problems.add(at("facility_types"), f"{label}key 'facility_types' must list at least one facility type")
    if "minutes" in raw and kind == "service_circle":
        bad("minutes", _check_by_class(raw["minutes"]))
        if _is_number(raw["minutes"]):
            params["minutes"] = {"all": raw["minutes"]}
    if "minutes_lt" in raw and kind == "response_time":
        bad("minutes_lt", _check_by_class(raw["minutes_lt"]))
        if _is_number(raw["minutes_lt"]):
            params["minutes_lt"] = {"all": raw["minutes_lt"]}
    if "radius_km" in raw and kind == "service_radius":
        bad("radius_km", _check_by_class(raw["radius_km"], pairs=True))
        if _is_number(raw["radius_km"]):
            params["radius_km"] = {"all": raw["radius_km"]}
    if "alternative" in raw and kind == "service_radius":
        alt = raw["alternative"]
        if not isinstance(alt, dict) or alt.get("kind") != "count_per_area":
            bad("alternative", 'must be { kind = "count_per_area", unit_types = ["镇", "乡"], min = 1 }')
        else:
            if _check_str_list(alt.get("unit_types")):
                bad("alternative", 'needs unit_types, a list of unit name endings, e.g. ["镇", "乡"]')
            if "min" in alt and (not _is_int(alt["min"]) or alt["min"] < 1):
                bad("alternative", f"min must be a whole number ≥ 1, got {alt['min']!r}")
            unknown = set(alt) - {"kind", "facility_types", "unit_types", "min", "note"}
            if unknown:
                bad("alternative", f"has unknown keys {sorted(unknown)}")
            if "facility_types" in alt:
                got = _norm_types(
                    alt["facility_types"], problems, at("alternative"), "alternative.facility_types", label
                )
                if got is not None:
                    params["alternative"] = {**alt, "facility_types": list(got)}
            else:
                params["alternative"] = {**alt, "facility_types": list(ftypes)}
            params["alternative"].setdefault("min", 1)
    if "scope" in raw and kind != "reference" and raw["scope"] not in SCOPES:
        bad("scope", f"is {raw['scope']!r}; use one of {', '.join(SCOPES)}")
    if kind == "ratio":
        res = raw.get("resource")
        if "resource" in raw and (not isinstance(res, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", res)):
            bad("resource", f'must be "count" or a column name such as "beds", got {res!r}')
        if "amount" in raw:
            bad("amount", _check_number(raw["amount"]))
        if "per" in raw:
            bad("per", _check_value_or_pair(raw["per"]))
        pf = raw.get("population_factor")
        if pf is not None:
            if not isinstance(pf, dict) or set(pf) - {"default", "by_area", "note"}:
                bad("population_factor", 'must be { default = 1, by_area = { "余姚市" = 3 } }')
            else:
                err = _check_number(pf["default"]) if "default" in pf else None
                if err:
                    bad("population_factor", f"default {err}")
                err = _check_area_numbers(pf["by_area"]) if "by_area" in pf else None
                if err:
                    bad("population_factor", f"by_area {err}")
    if kind == "count_per_area":
        if "unit_types" in raw:
            bad("unit_types", _check_str_list(raw["unit_types"]))
        if "min" in raw and (not _is_int(raw["min"]) or raw["min"] < 1):
            bad("min", f"must be a whole number ≥ 1, got {raw['min']!r}")
    if kind == "reference" and "reason" in raw and (not isinstance(raw["reason"], str) or not raw["reason"].strip()):
        bad("reason", "must say (in English) why the rule is not evaluated")
    if kind != "reference":
        for k in ("amount_by_area", "base_by_area"):
            if k in raw:
                bad(k, _check_area_numbers(raw[k], positive=False))
        if "base" in raw:
            bad("base", _check_number(raw["base"], positive=False))
        if "deadline" in raw and not _is_int(raw["deadline"]):
            bad("deadline", f"must be a year, got {raw['deadline']!r}")
        for k in ("note", "population_basis", "travel_mode"):
            if k in raw and not isinstance(raw[k], str):
                bad(k, "must be a string")


# ---------------------------------------------------------------------------------------------
# comparing rules along the chain

_BY_CLASS = {"minutes": "larger", "radius_km": "larger", "minutes_lt": "larger"}
_DICTLIKE = {"min": "smaller", "min_share": "smaller", "max": "larger"}
_EPS = 1e-9


def _classes(v: Any) -> dict[str, Any]:
    if isinstance(v, Mapping):
        return dict(v)
    return {"all": v}


def _pair(v: Any) -> tuple[float, float] | None:
    if _is_number(v):
        return float(v), float(v)
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_number(x) for x in v):
        return float(v[0]), float(v[1])
    return None


def _looser(local: Any, parent: Any, direction: str) -> bool:
    lp, pp = _pair(local), _pair(parent)
    if lp is None or pp is None:
        return False
    if direction == "larger":
        return lp[0] > pp[0] + _EPS or lp[1] > pp[1] + _EPS
    return lp[0] < pp[0] - _EPS or lp[1] < pp[1] - _EPS


def _class_pairs(local: Any, parent: Any) -> list[tuple[str, Any, Any]]:
    """(class, local value, parent value) for every class either side names; ``all`` fills gaps."""
    L, P = _classes(local), _classes(parent)
    out: list[tuple[str, Any, Any]] = []
    keys = list(dict.fromkeys([*L, *P]))
    order = {k: n for n, k in enumerate(("all", "urban", "rural"))}
    keys.sort(key=lambda k: order.get(k, 9))
    for k in keys:
        if k == "all" and ("all" not in L or "all" not in P):
            continue
        lv = L.get(k, L.get("all"))
        pv = P.get(k, P.get("all"))
        if lv is None or pv is None:
            continue
        out.append((k, lv, pv))
    return out


def _jurisdiction_names(profile_id: str) -> tuple[str, ...]:
    zh, en = _NAMES.get(profile_id, ("", ""))
    names = [n for n in (zh, re.sub(r"(省|市|区|县)$", "", zh), en) if n]
    return tuple(dict.fromkeys(names))


def _area_value(mapping: Any, names: Sequence[str]) -> Any:
    if not isinstance(mapping, Mapping):
        return None
    for n in names:
        if n in mapping:
            return mapping[n]
    for k, v in mapping.items():
        if any(str(k).startswith(n) or n.startswith(str(k)) for n in names if len(n) >= 2):
            return v
    return None


def _ratio_view(rule: Rule, jurisdiction: Rule) -> tuple[Any, Any, str]:
    """(amount, per, note) of ``rule`` as it applies to the jurisdiction of ``jurisdiction``'s profile."""
    amount = rule.params.get("amount")
    note = ""
    if rule.profile != jurisdiction.profile:
        names = _jurisdiction_names(jurisdiction.profile)
        v = _area_value(rule.params.get("amount_by_area"), names)
        if v is not None:
            amount = v
            note = f"{rule.profile}'s own target for {names[0] if names else jurisdiction.profile}"
    return amount, rule.params.get("per"), note


def _rate(amount: Any, per: Any) -> float | None:
    p = _pair(per) if per is not None else (1.0, 1.0)
    if not _is_number(amount) or p is None:
        return None
    return float(amount) / p[0]


def _compare(rule: Rule, anc: Rule) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(key: str, local: Any, parent: Any, note: str = "") -> None:
        rows.append(
            {
                "rule": rule.id,
                "key": key,
                "local": _thaw(local),
                "parent": _thaw(parent),
                "parent_profile": anc.profile,
                "profile": rule.profile,
                "kind": rule.kind,
                "title_zh": rule.title_zh,
                "title_en": rule.title_en,
                "note": note,
            }
        )

    lp, pp = rule.params, anc.params
    for key, direction in _BY_CLASS.items():
        if key in lp and key in pp:
            for cls, lv, pv in _class_pairs(lp[key], pp[key]):
                if _looser(lv, pv, direction):
                    row(f"{key}.{cls}", lv, pv)
    if "alternative" in lp and "alternative" not in pp and rule.kind == "service_radius":
        alt = lp["alternative"]
        row("alternative", f"or ≥{alt.get('min', 1)} per {'/'.join(alt.get('unit_types', ()))}", None)
    if "amount" in lp and "amount" in pp:
        la, lper, _ = _ratio_view(rule, rule)
        pa, pper, note = _ratio_view(anc, rule)
        same_per = _pair(lper) == _pair(pper) if (lper is not None and pper is not None) else lper == pper
        if same_per:
            if _looser(la, pa, "smaller"):
                row("amount", la, pa, note)
        elif la == pa and lper is not None and pper is not None:
            if _looser(lper, pper, "larger"):
                row("per", lper, pper, note)
        else:
            lr, pr = _rate(la, lper), _rate(pa, pper)
            if lr is not None and pr is not None and lr < pr - _EPS:
                row("amount/per", f"{_thaw(la)} per {_thaw(lper)}", f"{_thaw(pa)} per {_thaw(pper)}", note)
    elif "per" in lp and "per" in pp and _looser(lp["per"], pp["per"], "larger"):
        row("per", lp["per"], pp["per"])
    if rule.kind == "ratio" and ("population_factor" in lp or "population_factor" in pp):
        lf, pf = lp.get("population_factor") or {}, pp.get("population_factor") or {}
        areas = list(dict.fromkeys([*(lf.get("by_area") or {}), *(pf.get("by_area") or {})]))
        for a in ("default", *areas):
            lv = (lf.get("by_area") or {}).get(a, lf.get("default", 1)) if a != "default" else lf.get("default", 1)
            pv = (pf.get("by_area") or {}).get(a, pf.get("default", 1)) if a != "default" else pf.get("default", 1)
            if _looser(lv, pv, "smaller"):
                row(f"population_factor.{a}", lv, pv)
    for key, direction in _DICTLIKE.items():
        if key in lp and key in pp:
            for cls, lv, pv in _class_pairs(lp[key], pp[key]):
                if _looser(lv, pv, direction):
                    row(key if cls == "all" and not isinstance(lp[key], Mapping) else f"{key}.{cls}", lv, pv)
    return rows


def looser_than_parent(profile: Profile | str) -> list[dict[str, Any]]:
    """Where a rule's number is less strict than an ancestor's version of the same rule.

    Every overridden rule of the resolved profile (its own and inherited ones) is compared with
    each ancestor's version. Strictness depends on the key: minutes, radii and response-time
    limits are looser when larger; ratio amounts, minimum counts and shares when smaller, ``per``
    and maximum values when larger; a rural "or one station per township" alternative is looser
    than none. Where an ancestor's ratio rule sets a target for this very jurisdiction
    (``amount_by_area``, e.g. Ningbo's table of district bed targets), that target is compared.

    Returns
    -------
    list of dict
        Rows ``{rule, key, local, parent, parent_profile}`` plus ``profile`` (which profile set
        the local value), ``kind``, ``title_zh``, ``title_en`` and ``note``.

    Examples
    --------
    >>> rows = looser_than_parent("fenghua")
    >>> for r in rows:
    ...     if r["profile"] == "fenghua":
    ...         print(r["rule"], r["key"], r["local"], r["parent"], r["parent_profile"], r["note"])
    ratio.beds_total amount 6.6 8.6 ningbo ningbo's own target for 奉化区
    ratio.beds_total amount 6.6 7.5 zhejiang
    ratio.beds_elderly_rehab_nursing amount 4.5 5.8 ningbo
    ratio.beds_elderly_rehab_nursing amount 4.5 5.5 zhejiang
    """
    prof = load_profile(profile)
    rows: list[dict[str, Any]] = []
    for rule in prof.rules:
        for anc in rule.ancestors:
            if anc.kind == rule.kind:
                rows.extend(_compare(rule, anc))
    return rows


def _combine(vals: list[tuple[str, Any]], direction: str) -> tuple[Any, list[str]]:
    """Element-wise strictest of (profile, value-or-pair) in chain order, and who supplied it."""
    pairs = [(p, pr, v) for p, v in vals if (pr := _pair(v)) is not None]
    if not pairs:
        return vals[0][1], [vals[0][0]]
    pick = min if direction == "larger" else max
    chosen: list[Any] = []
    src: list[str] = []
    for which in (0, 1):
        target = pick(pr[which] for _, pr, _ in pairs)
        p, _, v = next(t for t in pairs if t[1][which] == target)
        chosen.append(v if _is_number(v) else v[which])
        if p not in src:
            src.append(p)
    value = chosen[0] if chosen[0] == chosen[1] else [chosen[0], chosen[1]]
    return value, src


def strictest(rule: Rule) -> Rule:
    """The strictest version of a rule along its ``parent`` chain, with merged parameters.

    Per key: the smallest minutes, radius and response limit per area class, the highest ratio
    (amount per person, counting an ancestor's own target for this jurisdiction), the largest
    population factor, minimum count or share, and no "or one station per township" alternative
    unless every version has it. Only versions of the same kind are merged. ``profile`` names
    the profile(s) whose values were taken (``"fenghua+ningbo"``); the rule itself comes back
    when it is already the strictest.

    Examples
    --------
    >>> r = strictest(load_profile("beilun").rule("access.basic_circle"))
    >>> dict(r.params["minutes"]), r.profile
    ({'urban': 15, 'rural': 15}, 'ningbo')
    """
    versions = [rule, *(a for a in rule.ancestors if a.kind == rule.kind)]
    if len(versions) == 1:
        return rule
    own = _thaw(rule.params)
    merged = _thaw(rule.params)
    used: list[str] = []
    replaced: set[str] = set()

    def take(profiles: Sequence[str]) -> None:
        used.extend(p for p in profiles if p not in used)

    for key, direction in {**_BY_CLASS, **_DICTLIKE}.items():
        specs = [(v.profile, v.params[key]) for v in versions if key in v.params]
        if len(specs) < 2:
            continue
        split = any(isinstance(s, Mapping) and set(s) - {"all"} for _, s in specs)
        keys = list(dict.fromkeys(k for _, s in specs for k in _classes(s) if not (split and k == "all")))
        out: dict[str, Any] = {}
        src: list[str] = []
        for k in keys:
            vals = [(p, c.get(k, c.get("all"))) for p, s in specs if (c := _classes(s))]
            vals = [(p, v) for p, v in vals if v is not None]
            if vals:
                out[k], who = _combine(vals, direction)
                src.extend(w for w in who if w not in src)
        mine = own.get(key)
        new = out if (isinstance(mine, dict) or split or key in _BY_CLASS) else out.get("all", mine)
        if new != mine:
            merged[key] = new
            replaced.add(key)
            take(src)
    if rule.kind == "service_radius" and "alternative" in merged:
        without = [v.profile for v in versions if "alternative" not in v.params]
        if without:
            del merged["alternative"]
            replaced.add("alternative")
            take(without[:1])
    if "amount" in rule.params:
        best, best_rate = rule, _rate(*_ratio_view(rule, rule)[:2])
        for v in versions[1:]:
            a, p, _ = _ratio_view(v, rule)
            r = _rate(a, p)
            if r is not None and best_rate is not None and r > best_rate + _EPS:
                best, best_rate = v, r
                merged["amount"], merged["per"] = _thaw(a), _thaw(p)
        if best is not rule:
            replaced.update(("amount", "per"))
            take([best.profile])
    if rule.kind == "ratio":
        factors = [(v.profile, v.params.get("population_factor") or {}) for v in versions]
        if any(f for _, f in factors):
            areas = list(dict.fromkeys(a for _, f in factors for a in (f.get("by_area") or {})))

            def factor(f: Mapping[str, Any], area: str | None) -> float:
                d = float(f.get("default", 1))
                return d if area is None else float((f.get("by_area") or {}).get(area, d))

            default = max(factor(f, None) for _, f in factors)
            by_area = {a: max(factor(f, a) for _, f in factors) for a in areas}
            new_pf: dict[str, Any] = {"default": default, "by_area": by_area}
            own_pf = rule.params.get("population_factor") or {}
            if factor(own_pf, None) != default or any(factor(own_pf, a) != x for a, x in by_area.items()):
                merged["population_factor"] = new_pf
                replaced.add("population_factor")
                take([p for p, f in factors if f and p != rule.profile][:1])
    if merged == own:
        return rule
    comparable = set(_BY_CLASS) | set(_DICTLIKE) | {"amount", "per", "population_factor", "alternative"}
    if (set(own) & comparable) - replaced:
        take([rule.profile])  # some of the rule's own values stay
    srcs = [v for v in versions if v.profile in used] or [rule]
    if len(srcs) == 1:
        source = srcs[0].source
    else:
        source = types.MappingProxyType(
            {
                "ref": "; ".join(v.source["ref"] for v in srcs),
                "quote": " | ".join(v.source["quote"] for v in srcs),
                "clause": "",
                "document": " | ".join(dict.fromkeys(v.source.get("document", "") for v in srcs)),
            }
        )
    order = [v.profile for v in versions if v.profile in used]
    return replace(rule, params=_freeze(merged), profile="+".join(order) or rule.profile, source=source)
