"""Checking a profile's TOML: every problem collected with its line, then raised together."""

from __future__ import annotations

import itertools
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import ProfileError
from ..facility_types import FACILITY_TYPES, UnknownFacilityTypeError, normalize_type
from .schema import (
    CLASS_KEYS,
    COMMON_OPTIONAL,
    DIRECTIONS,
    DOCUMENT_STATUSES,
    KINDS,
    RULE_FIELDS,
    RULE_LEVELS,
    RULE_STATUSES,
    SCOPES,
    STATUS_ALIASES,
    Rule,
    freeze,
    is_int,
    is_number,
)

__all__ = ["KeyLines", "Problems", "check_document", "check_classifier", "check_rule"]

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_KEY_LINE = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _clean_key(raw: str) -> str:
    return ".".join(p.strip().strip("\"'") for p in re.split(r"\.(?=(?:[^\"']*[\"'][^\"']*[\"'])*[^\"']*$)", raw))


class KeyLines:
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


class Problems:
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


def _check_number(v: Any, *, positive: bool = True) -> str | None:
    if not is_number(v):
        return f"must be a number, got {v!r}"
    if positive and v <= 0:
        return f"must be positive, got {v!r}"
    return None


def _check_value_or_pair(v: Any, *, ascending: bool = True) -> str | None:
    """A positive number or a [strict, lenient] pair."""
    if isinstance(v, list):
        if len(v) != 2 or not all(is_number(x) and x > 0 for x in v):
            return f"must be a positive number or a [strict, lenient] pair of positive numbers, got {v!r}"
        if ascending and v[0] > v[1]:
            return f"the pair [strict, lenient] must be in ascending order, got {v!r}"
        return None
    return _check_number(v)


def _check_by_class(v: Any, *, pairs: bool = False) -> str | None:
    if is_number(v):
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


def _norm_types(v: Any, problems: Problems, line: int | None, key: str, rule_label: str) -> tuple[str, ...] | None:
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


def check_document(doc: Any, lines: KeyLines, problems: Problems) -> dict[str, Any] | None:
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
        if not is_int(doc.get(k)):
            problems.add(lines.top_key(f"document.{k}") or line, f"key 'document.{k}' must be a year, e.g. 2025")
    if is_int(doc.get("base_year")) and is_int(doc.get("target_year")) and doc["base_year"] > doc["target_year"]:
        problems.add(lines.top_key("document.base_year") or line, "key 'document.base_year' is after target_year")
    return doc


def check_classifier(c: Any, lines: KeyLines, problems: Problems) -> dict[str, Any] | None:
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
                    and all(is_number(k[op]) for op in ops)
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


@dataclass
class _RuleCheck:
    """Where one rule's problems go: its lines, the collector and the label that starts each message."""

    i: int
    lines: KeyLines
    problems: Problems
    label: str = ""

    def at(self, key: str | None = None) -> int | None:
        return self.lines.rule_key(self.i, key)

    def add(self, key: str | None, msg: str) -> None:
        self.problems.add(self.at(key), f"{self.label}{msg}")

    def bad(self, key: str, err: str | None) -> None:
        if err:
            self.add(key, f"key {key!r} {err}")


def check_rule(raw: Any, i: int, lines: KeyLines, problems: Problems, profile_id: str, doc_title: str) -> Rule | None:
    """The resolved :class:`Rule` of the ``i``-th ``[[rules]]`` table, or None after adding its problems."""
    start = len(problems.items)
    c = _RuleCheck(i, lines, problems)
    if not isinstance(raw, dict):
        c.add(None, f"rule #{i + 1} must be a table ([[rules]])")
        return None
    rid = raw.get("id")
    if not isinstance(rid, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", rid):
        c.add("id", f"rule #{i + 1}: key 'id' must be a name like 'access.basic_circle', got {rid!r}")
        rid = f"#{i + 1}"
    c.label = f"rule {rid!r}: "
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        c.add("kind", f"key 'kind' is {kind!r}; use one of {', '.join(KINDS)}")
        return None
    status = STATUS_ALIASES.get(str(raw.get("status", "")).strip().lower())
    if status is None:
        c.add(
            "status",
            f"key 'status' is {raw.get('status')!r}; use one of {', '.join(RULE_STATUSES)} "
            "(约束性 → binding, 指导性/预期性 → guiding)",
        )
    title = raw.get("title")
    if not isinstance(title, dict) or not all(isinstance(title.get(k), str) and title.get(k) for k in ("zh", "en")):
        c.add("title", 'key \'title\' must be { zh = "…", en = "…" }')
        title = {"zh": "", "en": ""}
    source = _check_source(raw.get("source"), c)
    assumption = raw.get("assumption")
    if assumption is not None and not isinstance(assumption, str):
        c.add("assumption", "key 'assumption' must be a string")
        assumption = None
    params = {k: v for k, v in raw.items() if k not in RULE_FIELDS}
    ftypes: tuple[str, ...] = ()
    if "facility_types" in raw:
        ftypes = _norm_types(raw["facility_types"], problems, c.at("facility_types"), "facility_types", c.label) or ()
    _check_keys(kind, raw, c)
    _check_params(kind, raw, params, ftypes, c)
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
        params=freeze(params),
        source=types.MappingProxyType(src),
        profile=profile_id,
        parent=None,
        assumption=assumption,
    )


def _check_source(source: Any, c: _RuleCheck) -> dict[str, Any]:
    if not isinstance(source, dict):
        c.add("source", 'key \'source\' must be { ref = "002:131", quote = "…" }')
        return {}
    for k in ("ref", "quote"):
        if not isinstance(source.get(k), str) or not source.get(k, "").strip():
            c.add(f"source.{k}", f"key 'source.{k}' is missing or empty")
    for k in source:
        if k not in ("ref", "quote", "clause", "note"):
            c.add(f"source.{k}", f"unknown key 'source.{k}'; allowed: ref, quote, clause, note")
    return source


def _check_keys(kind: str, raw: dict[str, Any], c: _RuleCheck) -> None:
    """Every key the kind requires is there, and no key it does not know."""
    required, optional = KINDS[kind]
    for k in required:
        if k not in raw:
            c.add(None, f"key {k!r} is missing: a {kind} rule needs {', '.join(required)}")
    if kind == "reference":
        return
    allowed = set(required) | set(optional) | set(COMMON_OPTIONAL) | set(RULE_FIELDS)
    for k in raw:
        if k not in allowed:
            c.add(k, f"unknown key {k!r} for a {kind} rule; allowed: {', '.join(sorted(allowed - set(RULE_FIELDS)))}")


#: kind -> the per-class threshold key it takes (a number, or { urban = …, rural = … })
_BY_CLASS_KEY = {"service_circle": "minutes", "response_time": "minutes_lt", "service_radius": "radius_km"}


def _check_params(
    kind: str, raw: dict[str, Any], params: dict[str, Any], ftypes: tuple[str, ...], c: _RuleCheck
) -> None:
    """The values of the kind's keys (``params`` gets their normalised form)."""
    needs_types = kind in ("service_circle", "service_radius", "response_time", "count_per_area") or (
        kind == "ratio" and raw.get("resource") == "count"
    )
    if needs_types and "facility_types" in raw and not raw["facility_types"]:
        c.add("facility_types", "key 'facility_types' must list at least one facility type")
    key = _BY_CLASS_KEY.get(kind)
    if key is not None and key in raw:
        c.bad(key, _check_by_class(raw[key], pairs=key == "radius_km"))
        if is_number(raw[key]):
            params[key] = {"all": raw[key]}
    if "alternative" in raw and kind == "service_radius":
        _check_alternative(raw["alternative"], params, ftypes, c)
    if "scope" in raw and kind != "reference" and raw["scope"] not in SCOPES:
        c.bad("scope", f"is {raw['scope']!r}; use one of {', '.join(SCOPES)}")
    if kind == "ratio":
        _check_ratio(raw, c)
    if kind == "access_ratio":
        _check_access(raw, params, c)
    if kind == "count_per_area":
        if "unit_types" in raw:
            c.bad("unit_types", _check_str_list(raw["unit_types"]))
        if "min" in raw and (not is_int(raw["min"]) or raw["min"] < 1):
            c.bad("min", f"must be a whole number ≥ 1, got {raw['min']!r}")
    if kind == "reference" and "reason" in raw and (not isinstance(raw["reason"], str) or not raw["reason"].strip()):
        c.bad("reason", "must say (in English) why the rule is not evaluated")
    if kind != "reference":
        _check_descriptive(raw, c)


def _check_alternative(alt: Any, params: dict[str, Any], ftypes: tuple[str, ...], c: _RuleCheck) -> None:
    if not isinstance(alt, dict) or alt.get("kind") != "count_per_area":
        c.bad("alternative", 'must be { kind = "count_per_area", unit_types = ["镇", "乡"], min = 1 }')
        return
    if _check_str_list(alt.get("unit_types")):
        c.bad("alternative", 'needs unit_types, a list of unit name endings, e.g. ["镇", "乡"]')
    if "min" in alt and (not is_int(alt["min"]) or alt["min"] < 1):
        c.bad("alternative", f"min must be a whole number ≥ 1, got {alt['min']!r}")
    unknown = set(alt) - {"kind", "facility_types", "unit_types", "min", "note"}
    if unknown:
        c.bad("alternative", f"has unknown keys {sorted(unknown)}")
    if "facility_types" in alt:
        got = _norm_types(alt["facility_types"], c.problems, c.at("alternative"), "alternative.facility_types", c.label)
        if got is not None:
            params["alternative"] = {**alt, "facility_types": list(got)}
    else:
        params["alternative"] = {**alt, "facility_types": list(ftypes)}
    if "alternative" in params:
        params["alternative"].setdefault("min", 1)


def _check_ratio(raw: dict[str, Any], c: _RuleCheck) -> None:
    res = raw.get("resource")
    if "resource" in raw and (not isinstance(res, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", res)):
        c.bad("resource", f'must be "count" or a column name such as "beds", got {res!r}')
    if "amount" in raw:
        c.bad("amount", _check_number(raw["amount"]))
    if "per" in raw:
        c.bad("per", _check_value_or_pair(raw["per"]))
    pf = raw.get("population_factor")
    if pf is None:
        return
    if not isinstance(pf, dict) or set(pf) - {"default", "by_area", "note"}:
        c.bad("population_factor", 'must be { default = 1, by_area = { "余姚市" = 3 } }')
        return
    err = _check_number(pf["default"]) if "default" in pf else None
    if err:
        c.bad("population_factor", f"default {err}")
    err = _check_area_numbers(pf["by_area"]) if "by_area" in pf else None
    if err:
        c.bad("population_factor", f"by_area {err}")


def _check_access(raw: dict[str, Any], params: dict[str, Any], c: _RuleCheck) -> None:
    """An ``access_ratio`` rule: supply column, floor, catchment minutes and mode, ``per``, E2SFCA ``steps``."""
    from ...network.modes import MODES

    res = raw.get("resource")
    if "resource" in raw and (not isinstance(res, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", res)):
        c.bad("resource", f'must be "count" (1 per facility) or a facility column such as "beds", got {res!r}')
    for k in ("amount", "minutes"):
        if k in raw:
            c.bad(k, _check_number(raw[k]))
    mode = raw.get("travel_mode")
    if isinstance(mode, str) and mode not in MODES:
        c.bad("travel_mode", f"is {mode!r}; use one of {', '.join(MODES)} (the network the catchment is timed on)")
    per = raw.get("per", 1000)
    if not is_int(per) or per < 1:
        c.bad("per", f"must be a whole number of residents (1000 for 'per 1,000'), got {per!r}")
    params.setdefault("per", 1000)
    if "steps" in raw:
        c.bad("steps", _check_steps(raw["steps"], raw.get("minutes")))


def _check_steps(steps: Any, minutes: Any) -> str | None:
    """E2SFCA zones: ``[[upper_minutes, weight], …]``, bounds rising, weights in (0, 1], the last bound = minutes."""
    form = "must be [[upper_minutes, weight], …] with rising bounds and weights in (0, 1], e.g. [[10, 1.0], [20, 0.68]]"
    ok = isinstance(steps, list) and len(steps) > 0
    ok = ok and all(isinstance(s, list) and len(s) == 2 and all(is_number(x) for x in s) for s in steps)
    if not ok:
        return f"{form}; got {steps!r}"
    bounds = [float(u) for u, _ in steps]
    if any(u <= 0 for u in bounds) or any(b <= a for a, b in itertools.pairwise(bounds)):
        return f"{form}; the bounds {bounds} are not positive and rising"
    if not all(0 < float(w) <= 1 for _, w in steps):
        return f"{form}; a weight is outside (0, 1]"
    if is_number(minutes) and bounds[-1] != float(minutes):
        return f"ends at {bounds[-1]:g} min but the catchment 'minutes' is {minutes:g}: the last zone must end there"
    return None


def _check_descriptive(raw: dict[str, Any], c: _RuleCheck) -> None:
    """The optional descriptive keys an evaluated rule may carry."""
    for k in ("amount_by_area", "base_by_area"):
        if k in raw:
            c.bad(k, _check_area_numbers(raw[k], positive=False))
    if "base" in raw:
        c.bad("base", _check_number(raw["base"], positive=False))
    if "deadline" in raw and not is_int(raw["deadline"]):
        c.bad("deadline", f"must be a year, got {raw['deadline']!r}")
    for k in ("note", "population_basis", "travel_mode", "unit", "ambiguity"):
        if k in raw and not isinstance(raw[k], str):
            c.bad(k, "must be a string")
    if "level" in raw and raw["level"] not in RULE_LEVELS:
        c.bad("level", f"is {raw['level']!r}; use one of {', '.join(RULE_LEVELS)} (the level whose number this is)")
    _check_readings(raw, c)


def _check_readings(raw: dict[str, Any], c: _RuleCheck) -> None:
    """The keys of the plans' readings (``standards/readings.py``): direction, disjunction, owner, grade."""
    from ..facility_types import TIERS
    from ..typing_rules import OWNERS

    if "direction" in raw and raw["direction"] not in DIRECTIONS:
        c.bad("direction", f"is {raw['direction']!r}; use 'min' (a floor, the default) or 'max' (a cap, 控制在…以内)")
    if "reading" in raw and raw["reading"] != "range":
        c.bad("reading", f"is {raw['reading']!r}; the only reading is 'range' (either end of 每3000-5000人, named)")
    alt = raw.get("or_per_unit")
    if alt is not None and (
        not isinstance(alt, dict) or _check_str_list(alt.get("unit_types")) or set(alt) - {"unit_types", "min"}
    ):
        c.bad("or_per_unit", 'must be { unit_types = ["街道"], min = 1 } (one per street, as the alternative branch)')
    owners = raw.get("owner")
    if owners is not None and (_check_str_list(owners) or set(owners) - set(OWNERS)):
        c.bad("owner", f"must list owner codes among {', '.join(OWNERS)}, got {owners!r}")
    if "grade_min" in raw and raw["grade_min"] not in set(TIERS.values()):
        codes = ", ".join(dict.fromkeys(TIERS.values()))
        c.bad("grade_min", f"must be a grade code among {codes}, got {raw['grade_min']!r}")
