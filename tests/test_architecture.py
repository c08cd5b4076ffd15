"""The package's shape, checked from its source: layering, private names, module and function size.

Every module under ``coverage/healthcov`` is parsed with :mod:`ast` (imports inside functions count
too) and four rules of DESIGN.md are checked per module, so a failure names the module, the line and
the rule:

- **layers** — dependencies run one way: foundation → io/network → traveltime → analysis
  (isochrones, accessibility, standards, siting, scenarios, servicearea) → distributed → report →
  cli. A module never imports a higher layer; within a layer only the edges listed in
  ``SAME_LAYER`` are allowed (e.g. ``standards`` never imports ``siting``).
- **private** — no name starting with ``_`` is imported from (or read as an attribute of) another
  module of the package, and a ``_private`` module is imported only from inside its own package.
- **module size** — no module over 700 lines.
- **function size** — no function over 80 lines of code (blank lines, comments and the docstring
  do not count).

The last tests plant a violation of each rule in a temporary source tree and check the checker
reports it, so the real-tree tests cannot pass by checking nothing.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "coverage" / "healthcov"
PACKAGE = "healthcov"
MAX_MODULE_LINES = 700
MAX_FUNCTION_LOC = 80

#: component (first name below ``healthcov``) -> layer; a module may import its own layer or lower ones.
LAYERS: dict[str, int] = {
    # foundation: vocabulary shared by every stage
    "errors": 0,
    "_columns": 0,
    "_io_atomic": 0,
    "crs": 0,
    # data in: readers and the arrays-first network
    "network": 1,
    "io": 1,
    "datasets": 1,
    # one multi-source pass per facility set, and the travel-time matrix built on it
    "traveltime": 2,
    "matrix": 2,
    # analysis on travel times
    "isochrones": 3,
    "accessibility": 3,
    "standards": 3,
    "siting": 3,
    "scenarios": 3,
    "servicearea": 3,
    # beyond one machine: the same stages per partition
    "distributed": 4,
    # the embedded default job (healthcov demo) as library functions: the command line only prints
    "demo": 4,
    # rendering and the command line: compute nothing
    "report": 5,
    # the command line and the package root, which re-exports the public API
    "cli": 6,
    "__init__": 6,
    "__main__": 6,
}

#: the only imports allowed between two components of the same layer (importer, imported)
SAME_LAYER: frozenset[tuple[str, str]] = frozenset(
    {
        ("crs", "errors"),  # foundation modules raise the package's errors
        ("_io_atomic", "errors"),
        ("_columns", "errors"),
        ("io", "network"),  # readers build the network's arrays
        ("datasets", "io"),  # the catalogue loads through the readers
        ("matrix", "traveltime"),  # the matrix runs traveltime's per-source searches
        ("siting", "standards"),  # suggest_sites re-assesses a plan through the engine
        ("scenarios", "standards"),  # planned versus existing speaks the engine's status vocabulary
        ("servicearea", "isochrones"),  # service-area layers are isochrones of the facilities
        ("servicearea", "standards"),  # ... and read the assessment's rules
        ("cli", "__init__"),  # the command line uses the public API (and __version__)
        ("__main__", "cli"),
    }
)


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} [{self.rule}] {self.detail}"


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. healthcov.io.facilities
    path: Path
    is_package: bool  # an __init__.py
    tree: ast.Module
    source: str


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # the dotted module imported from
    name: str | None  # the name taken from it (None for ``import x`` or a submodule)


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def load_modules(root: Path) -> dict[str, Module]:
    """Every ``.py`` file below ``root`` (the package folder), parsed."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = _module_name(root, path)
        modules[name] = Module(name, path, path.name == "__init__.py", ast.parse(source, str(path)), source)
    return modules


def _base(module: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.name.split(".")
    if not module.is_package:
        package = package[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports_of(module: Module, modules: dict[str, Module]) -> list[Import]:
    """The package-internal imports of ``module``, at any depth (functions included)."""
    found = []
    root = module.name.split(".")[0]
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, a.name, None) for a in node.names if a.name.split(".")[0] == root]
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, node)
            if base.split(".")[0] != root:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append(
                    Import(node.lineno, sub, None) if sub in modules else Import(node.lineno, base, alias.name)
                )
    return found


def component(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _owner(name: str, modules: dict[str, Module]) -> str:
    """The package a module belongs to (itself for a package)."""
    return name if modules[name].is_package else name.rpartition(".")[0]


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def check_layers(module: Module, modules: dict[str, Module]) -> list[Violation]:
    out = []
    mine = component(module.name)
    if mine not in LAYERS:
        return [Violation(module.name, 1, "layers", f"component {mine!r} is not in the layer table (LAYERS)")]
    for imp in imports_of(module, modules):
        theirs = component(imp.target)
        if theirs == mine:
            continue
        if theirs not in LAYERS:
            detail = f"imports {imp.target}, whose component {theirs!r} is not in the layer table (LAYERS)"
            out.append(Violation(module.name, imp.line, "layers", detail))
        elif LAYERS[theirs] > LAYERS[mine] or (LAYERS[theirs] == LAYERS[mine] and (mine, theirs) not in SAME_LAYER):
            detail = (
                f"{mine} (layer {LAYERS[mine]}) imports {imp.target} ({theirs}, layer {LAYERS[theirs]}): "
                "dependencies run one way (DESIGN.md)"
            )
            out.append(Violation(module.name, imp.line, "layers", detail))
    return out


def _module_aliases(module: Module, modules: dict[str, Module]) -> dict[str, str]:
    """Local names bound to modules of the package (``from . import siting``, ``import healthcov.x as y``)."""
    aliases = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom):
            base = _base(module, node)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules and alias.asname:
                    aliases[alias.asname] = alias.name
    return aliases


def check_private(module: Module, modules: dict[str, Module]) -> list[Violation]:
    out = []
    for imp in imports_of(module, modules):
        if imp.name is not None and _is_private(imp.name) and imp.target != module.name:
            detail = f"imports the private name {imp.name} from {imp.target}: make it public there, or move it"
            out.append(Violation(module.name, imp.line, "private", detail))
        target = imp.target
        while target in modules or target.rpartition(".")[0] in modules:
            leaf = target.rpartition(".")[2]
            if target in modules and _is_private(leaf):
                home = _owner(target.rpartition(".")[0], modules)
                if not (module.name == home or module.name.startswith(home + ".")):
                    detail = f"imports the private module {target} from outside {home}: give it a public home"
                    out.append(Violation(module.name, imp.line, "private", detail))
            target = target.rpartition(".")[0]
    aliases = _module_aliases(module, modules)
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and _is_private(node.attr)
        ):
            detail = f"reads the private name {node.attr} of {aliases[node.value.id]}"
            out.append(Violation(module.name, node.lineno, "private", detail))
    return out


def check_module_size(module: Module) -> list[Violation]:
    n = len(module.source.splitlines())
    if n > MAX_MODULE_LINES:
        return [Violation(module.name, n, "module size", f"{n} lines, over {MAX_MODULE_LINES}: split it along a seam")]
    return []


def _code_lines(source: str) -> set[int]:
    """Lines holding a token other than comments, newlines and indentation."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in skip:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    return lines


def function_loc(node: ast.FunctionDef | ast.AsyncFunctionDef, code: set[int]) -> int:
    """Lines of code of a function from its ``def`` to its end, without its docstring."""
    span = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        span -= set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return len(span & code)


def check_function_size(module: Module) -> list[Violation]:
    code = _code_lines(module.source)
    out = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = function_loc(node, code)
            if n > MAX_FUNCTION_LOC:
                detail = f"function {node.name} has {n} lines of code, over {MAX_FUNCTION_LOC}"
                out.append(Violation(module.name, node.lineno, "function size", detail))
    return out


def check_all(module: Module, modules: dict[str, Module]) -> list[Violation]:
    return [
        *check_layers(module, modules),
        *check_private(module, modules),
        *check_module_size(module),
        *check_function_size(module),
    ]


def _sorted(violations: list[Violation]) -> list[Violation]:
    return sorted(set(violations), key=lambda v: (v.module, v.line, v.rule, v.detail))


@functools.cache
def _real() -> dict[str, Module]:
    return load_modules(PACKAGE_DIR)


def _fail(violations: list[Violation]) -> None:
    if violations:
        pytest.fail("\n".join(map(str, _sorted(violations))), pytrace=False)


REAL_MODULES = sorted(_real())


def test_the_tree_is_found() -> None:
    assert len(REAL_MODULES) > 20
    assert {"healthcov", "healthcov.traveltime", "healthcov.standards"} <= set(REAL_MODULES)


@pytest.mark.parametrize("name", REAL_MODULES)
def test_layers(name: str) -> None:
    _fail(check_layers(_real()[name], _real()))


@pytest.mark.parametrize("name", REAL_MODULES)
def test_no_private_names_across_modules(name: str) -> None:
    _fail(check_private(_real()[name], _real()))


@pytest.mark.parametrize("name", REAL_MODULES)
def test_module_size(name: str) -> None:
    _fail(check_module_size(_real()[name]))


@pytest.mark.parametrize("name", REAL_MODULES)
def test_function_size(name: str) -> None:
    _fail(check_function_size(_real()[name]))


def _doc_table() -> tuple[dict[str, int], set[tuple[str, str]]]:
    """The layer table of docs/architecture.md: (component -> layer, allowed same-layer pairs)."""
    layers: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        m = re.match(r"^\|\s*(\d+)[^|]*\|([^|]*)\|([^|]*)\|\s*$", line)
        if not m:
            continue
        for name in re.findall(r"`([^`]+)`", m.group(2)):
            layers[name] = int(m.group(1))
        for part in m.group(3).split(";"):
            if "→" in part:
                left, right = part.split("→")
                pairs |= {(a, b) for a in re.findall(r"`([^`]+)`", left) for b in re.findall(r"`([^`]+)`", right)}
    return layers, pairs


def test_docs_state_the_same_layers() -> None:
    layers, pairs = _doc_table()
    assert layers == LAYERS, "docs/architecture.md's layer table differs from LAYERS: change both together"
    assert pairs == set(SAME_LAYER), "docs/architecture.md's same-layer imports differ from SAME_LAYER"


# --- the checker catches what it should (a planted tree) -----------------------------------------


def _plant(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    root = tmp_path / PACKAGE
    for rel, text in {"__init__.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return load_modules(root)


def _rules(modules: dict[str, Module], name: str) -> list[tuple[int, str]]:
    return [(v.line, v.rule) for v in _sorted(check_all(modules[name], modules))]


def _size_rules(modules: dict[str, Module], name: str) -> list[tuple[int, str]]:
    module = modules[name]
    return [(v.line, v.rule) for v in [*check_module_size(module), *check_function_size(module)]]


def test_checker_catches_upward_and_same_layer_imports(tmp_path: Path) -> None:
    modules = _plant(
        tmp_path,
        {
            "traveltime.py": "",
            "standards/__init__.py": "",
            "standards/engine.py": "import os\n\n\ndef f():\n    from ..siting import plan\n    return plan\n",
            "siting.py": "from .standards.engine import f\nplan = f\n",
            "io/__init__.py": "",
            "io/population.py": "from .. import traveltime\nfrom ..isochrones import isochrones\n",
            "isochrones.py": "from .traveltime import x\n",
            "newthing.py": "",
        },
    )
    # a function-level import of a same-layer module that is not allowed
    assert _rules(modules, "healthcov.standards.engine") == [(5, "layers")]
    assert _rules(modules, "healthcov.siting") == []  # allowed: siting re-assesses through standards
    assert _rules(modules, "healthcov.io.population") == [(1, "layers"), (2, "layers")]
    assert _rules(modules, "healthcov.isochrones") == []
    (unknown,) = check_layers(modules["healthcov.newthing"], modules)
    assert "not in the layer table" in str(unknown)


def test_checker_catches_private_names_and_modules(tmp_path: Path) -> None:
    modules = _plant(
        tmp_path,
        {
            "_columns.py": "X = 1\n",
            "traveltime.py": "from ._columns import X\n\n\ndef _labels():\n    return X\n",
            "io/__init__.py": "",
            "io/_common.py": "def local_utm():\n    pass\n",
            "io/facilities.py": "from ._common import local_utm\n",
            "siting.py": (
                "from . import traveltime\nfrom .io._common import local_utm\n"
                "from .traveltime import (\n    _labels,\n)\n\n\ndef g():\n    return traveltime._labels()\n"
            ),
            "cli.py": "from . import __version__\nimport healthcov.io._common as c\n",
        },
    )
    assert _rules(modules, "healthcov.traveltime") == []  # _columns is private to healthcov: fine inside it
    assert _rules(modules, "healthcov.io.facilities") == []  # _common used inside io: fine
    assert _rules(modules, "healthcov.siting") == [(2, "private"), (3, "private"), (9, "private")]
    assert _rules(modules, "healthcov.cli") == [(2, "private")]  # a dunder is not private
    (message,) = map(str, check_private(modules["healthcov.cli"], modules))
    assert message.startswith("healthcov.cli:2 [private]") and "healthcov.io._common" in message


def test_checker_counts_module_and_function_size(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(80))
    short = "\n".join(f"    x{i} = {i}" for i in range(79))
    doc = '    """A docstring\n' + "    that is long\n" * 30 + '    """\n'
    ok = f"def fine():\n{doc}{short}\n    # a comment\n\n"  # 1 + 79 lines of code: docstring, comment, blanks skipped
    over = f"def too_long():\n{body}\n    return x0\n"  # 1 + 80 + 1 lines
    modules = _plant(tmp_path, {"a.py": ok + over, "b.py": "x = 1\n" * 701, "c.py": "x = 1\n" * 700})
    assert _size_rules(modules, "healthcov.a") == [(len((ok).splitlines()) + 1, "function size")]
    (v,) = check_function_size(modules["healthcov.a"])
    assert "too_long has 82 lines of code" in str(v)
    assert _size_rules(modules, "healthcov.b") == [(701, "module size")]
    assert _size_rules(modules, "healthcov.c") == []
