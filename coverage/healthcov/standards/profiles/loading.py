"""Loading profiles: shipped ids and aliases, files, ``extends`` chains, caching."""

from __future__ import annotations

import os
import re
import tomllib
import types
from dataclasses import dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ...errors import ProfileError
from .checks import KeyLines, Problems, check_classifier, check_document, check_rule
from .schema import LEVELS, SCHEMA_VERSION, TOP_KEYS, Profile, Rule, freeze, is_int

__all__ = ["list_profiles", "load_profile", "PROFILE_NAMES"]


@dataclass
class _Source:
    text: str
    path: str
    label: str  # for messages
    base: Path | Traversable | None  # where relative `extends` paths start
    key: str  # identity for cycle detection


def _shipped_dir() -> Traversable:
    return resources.files(__package__ or "healthcov.standards.profiles")


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
PROFILE_NAMES: dict[str, tuple[str, str]] = {}  # profile id -> (zh, en), for by-area lookups


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
    if p.is_dir():
        tomls = sorted(x.name for x in p.glob("*.toml"))
        inside = f" (it holds {', '.join(tomls[:5])}{', …' if len(tomls) > 5 else ''})" if tomls else ""
        msg = (
            f"rule profile {str(p)!r} is a folder, not a profile file{inside}: give the path of one TOML "
            f"profile in it, or a shipped profile ({', '.join(list_profiles())})"
        )
        raise ProfileError(msg)
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
    ext: Any, src: _Source, stack: tuple[str, ...], problems: Problems, lines: KeyLines
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
    lines = KeyLines(src.text)
    problems = Problems(src.label)
    pid, level, name_zh, name_en = _check_top(data, lines, problems)

    parent: Profile | None = None
    if "extends" in data:
        parent = _resolve_parent(data["extends"], src, stack, problems, lines)

    document = check_document(data.get("document"), lines, problems)
    classifier = check_classifier(data.get("classifier"), lines, problems)
    if classifier is None:
        classifier = dict(parent.classifier) if parent is not None else {}

    doc_title = str(document.get("title", "")) if document else ""
    own = _own_rules(data.get("rules", []), lines, problems, pid, doc_title)
    problems.raise_if_any()

    PROFILE_NAMES[pid] = (name_zh, name_en)
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
        document=freeze(document or {}),
        classifier=freeze(classifier),
        rules=tuple(rules),
        chain=chain,
        path=src.path,
        _index=types.MappingProxyType({r.id: r for r in rules}),
    )


def _check_top(data: dict[str, Any], lines: KeyLines, problems: Problems) -> tuple[str, Any, str, str]:
    """The top-level keys: (id, level, Chinese name, English name)."""
    for k in data:
        if k not in TOP_KEYS:
            problems.add(lines.top_key(k), f"unknown top-level key {k!r}; allowed: {', '.join(TOP_KEYS)}")
    schema = data.get("schema")
    if schema is None:
        problems.add(1, f"key 'schema' is missing: start the file with schema = {SCHEMA_VERSION}")
    elif schema != SCHEMA_VERSION or not is_int(schema):
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
    return pid, level, name_zh, name_en


def _own_rules(raw_rules: Any, lines: KeyLines, problems: Problems, pid: str, doc_title: str) -> list[Rule]:
    """The file's own ``[[rules]]``, checked, each id once."""
    own: list[Rule] = []
    if not isinstance(raw_rules, list):
        problems.add(lines.top_key("rules"), "key 'rules' must be an array of tables: write each rule as [[rules]]")
        return own
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_rules):
        rule = check_rule(raw, i, lines, problems, pid, doc_title)
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
    return own
