"""The proxy guard: nothing between the sources and the light reads what could stand in for a
protected attribute. It reads the code (Python's ``ast``), not a run, so it covers every path,
also the ones no world exercises.

What is guarded: ``fairscreen.pipeline`` and every fairscreen module it imports, transitively
(imports inside functions too), and the sandbox sources (``fairscreen.sources.world``), which
hand the registers' records to verification. Three rules:

1. **An ID number's digits are never read.** A Chinese resident ID number carries the place of
   household registration (its first six digits), the birth date and the sex (its 17th digit).
   An ID number (``.id_number``, ``.id_document.number``, a parameter named ``id_number`` and any
   local name bound to one of them) may be compared for equality, passed on and stored; it is
   never indexed or sliced, never has a method called on it, is never iterated, ordered,
   searched (``in``), concatenated or formatted, and never given to ``int``, ``len``, ``ord``,
   ``re`` or the like. Only the world format's load-time check (the check digit, and the birth
   date against the candidate line: a bad line is refused, nothing reaches a light) and the
   validator it calls (``kit.cnid``) read digits.
2. **A person's name and birth date are read only to match identity.** ``.name`` on a person
   (a ``subject``, ``candidate``, ``party``, ``person`` or ``referee``), ``.birth_date`` and
   ``.name_key`` appear only in the functions listed in ``MATCHING``, each with the reason; the
   birth date also where a statute turns on age and can only take a finding away
   (``BIRTH_DATE_STATUTES``: the sealing of juvenile records).
3. **No demographic field.** No guarded module names ``sex``, ``gender``, ``ethnicity``,
   ``birth_year``, ``region``, ``audit_consent`` or the demographics record (as an attribute, a
   variable, a keyword or a string key), and none imports ``fairscreen.candidates``,
   ``fairscreen.audit``, ``fairscreen.synth`` or (except the world format) ``kit.cnid``. The
   world format itself declares the demographics record; it is allowed to declare it, not to
   read it.

``check()`` returns every place that breaks a rule (an empty list is the pass); the test suite
runs it over the shipped code and over code with a planted proxy
(``tests/audit/test_proxies.py``), and ``fairscreen audit proxies`` runs it from the command line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOTS = ("fairscreen.pipeline", "fairscreen.sources.world")

# Functions that may read a person's name or birth date, and why. A key ending in ".*" covers a
# whole module.
MATCHING: dict[str, str] = {
    "fairscreen.verify.findings.match_identity": "identity matching itself",
    "fairscreen.verify.checks._person_records": "hands a register record's subject to matching",
    "fairscreen.verify.checks._case_party": "hands each court party to matching",
    "fairscreen.verify.checks._arbitration_party": "hands each arbitration party to matching",
    "fairscreen.verify.checks.verify_identity": "the identity register's answer against the "
    "candidate's name and birth date",
    "fairscreen.verify.checks.weigh_references": "a referee's name (never the candidate's): "
    "whether two referees are the same person",
    "fairscreen.pipeline.screen": "hands the candidate's strong keys to the sources (Subject)",
    "fairscreen.pipeline.subject_of": "the same, for a check run as jobs (the Subject each "
    "query job sends the provider)",
    "fairscreen.sources.base.Subject.__post_init__": "the name's matching key",
    "fairscreen.sources.world.*": "the registers look a person up by number or by name",
    "fairscreen.world.model.*": "the format's load-time checks (refuse a bad line)",
    "fairscreen.world.load.*": "the store indexes records by number and name for the registers",
}
# Functions that may read the candidate's birth date for a statute that turns on age, and why:
# each can only take a finding away, never add one.
BIRTH_DATE_STATUTES: dict[str, str] = {
    "fairscreen.verify.checks.juvenile_sealed": "刑事訴訟法 第286條: a record of an offence "
    "committed before 18 is sealed; the birth date only ever excludes a conviction",
}
# Functions that may read an ID number's digits, and why.
DIGITS: dict[str, str] = {
    "fairscreen.world.model.CandidateRecord._id_matches": "the format's load-time check: the "
    "ID number's birth date against the candidate line (a mismatch refuses the world)",
    "fairscreen.kit.cnid.*": "the check-digit validator the world format calls at load time",
}
# Modules that may import kit.cnid, and why.
CNID_IMPORTERS = {"fairscreen.world.model": "validates an ID number's check digit at load"}

DEMOGRAPHIC = frozenset(
    {
        "sex",
        "gender",
        "ethnicity",
        "birth_year",
        "region",
        "audit_consent",
        "demographics",
        "Demographics",
        "demographics_for",
        "CandidateDemographics",
        # the employer's decision is what the audit compares the light with, never an input
        "decisions_for",
        "DecisionRecord",
    }
)
DEMOGRAPHIC_DECLARED = {
    "fairscreen.world.model": "declares the demographics and decision records' fields",
    "fairscreen.world.load": "the world file's store loads every kind of line (the sources "
    "never ask it for demographics or decisions: rule 3 holds for them)",
    "fairscreen.policy.vocabulary": "names ethnicity as a forbidden category, so that the "
    "reference screener excludes what touches it",
}
FORBIDDEN_IMPORTS = ("fairscreen.candidates", "fairscreen.audit", "fairscreen.synth")
PERSONS = frozenset({"subject", "candidate", "party", "person", "referee", "cand"})
PERSON_FIELDS = frozenset({"birth_date", "name_key"})
DIGIT_FUNCTIONS = frozenset(
    {
        "int",
        "float",
        "len",
        "ord",
        "str",
        "repr",
        "format",
        "list",
        "tuple",
        "set",
        "frozenset",
        "iter",
        "next",
        "reversed",
        "sorted",
        "enumerate",
        "map",
        "filter",
        "zip",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "divmod",
        "bytes",
        "bytearray",
        "check_cn_resident_id",
        "make_cn_resident_id",
    }
)
_EQUALITY = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)


@dataclass(frozen=True, slots=True)
class ProxyRead:
    """One place that breaks a rule: ``where`` is module, function and line."""

    where: str
    what: str


SRC = Path(__file__).resolve().parent.parent  # the fairscreen package


def _module_path(name: str) -> Path | None:
    """The file of module ``name`` (``None`` for a name that is not a module, such as a class
    imported from one), found without importing anything."""
    parts = name.split(".")[1:]
    if not parts:
        return SRC / "__init__.py"
    for candidate in (SRC.joinpath(*parts).with_suffix(".py"), SRC.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def _imports(tree: ast.AST, module: str, *, is_package: bool = False) -> Iterator[str]:
    package = module if is_package else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            yield base
            for alias in node.names:  # ``from fairscreen.world import model``
                yield f"{base}.{alias.name}"


@cache
def guarded_modules(roots: tuple[str, ...] = ROOTS) -> dict[str, Path]:
    """Every fairscreen module reachable by import from ``roots``, with its file."""
    found: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found or not name.startswith("fairscreen"):
            continue
        path = _module_path(name)
        if path is None:
            continue
        found[name] = path
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for imported in _imports(tree, name, is_package=path.name == "__init__.py"):
            if imported.startswith("fairscreen") and imported not in found:
                todo.append(imported)
    return dict(sorted(found.items()))


def _allowed(table: dict[str, str], module: str, function: str) -> bool:
    return f"{module}.*" in table or f"{module}.{function}" in table


def _terminal(node: ast.expr) -> str | None:
    """The last name of an expression: ``subject`` for ``body.subject``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_id_number(node: ast.AST, tainted: set[str]) -> bool:
    if isinstance(node, ast.Attribute):
        if node.attr == "id_number":
            return True
        return node.attr == "number" and _terminal(node.value) == "id_document"
    return isinstance(node, ast.Name) and node.id in tainted


class _Function(ast.NodeVisitor):
    """Checks one function body (or a module's top level) against the three rules."""

    def __init__(self, module: str, function: str, found: list[ProxyRead]) -> None:
        self.module = module
        self.function = function
        self.found = found
        self.tainted: set[str] = set()

    def report(self, node: ast.AST, what: str) -> None:
        line = getattr(node, "lineno", 0)
        self.found.append(ProxyRead(f"{self.module}.{self.function}:{line}", what))

    def run(self, body: Iterable[ast.AST], params: Iterable[str]) -> None:
        self.tainted = {p for p in params if p == "id_number"}
        nodes = [n for stmt in body for n in ast.walk(stmt)]
        changed = True
        while changed:  # names bound to an ID number, to a fixed point
            changed = False
            for node in nodes:
                targets: list[ast.expr] = []
                value: ast.AST | None = None
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                    targets, value = [node.target], node.value
                if value is not None and _is_id_number(value, self.tainted):
                    for target in targets:
                        if isinstance(target, ast.Name) and target.id not in self.tainted:
                            self.tainted.add(target.id)
                            changed = True
        parents: dict[ast.AST, ast.AST] = {}
        for stmt in body:
            for parent in ast.walk(stmt):
                for child in ast.iter_child_nodes(parent):
                    parents[child] = parent
        for node in nodes:
            self._digits(node, parents)
            self._person(node)
            self._demographic(node)

    def _digits(self, node: ast.AST, parents: dict[ast.AST, ast.AST]) -> None:
        if not _is_id_number(node, self.tainted) or _allowed(DIGITS, self.module, self.function):
            return
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            return
        parent = parents.get(node)
        what = None
        if isinstance(parent, ast.Subscript) and parent.value is node:
            what = "indexes or slices an ID number"
        elif isinstance(parent, ast.Attribute) and parent.value is node:
            what = f"reads .{parent.attr} of an ID number"
        elif isinstance(parent, ast.Compare) and not all(
            isinstance(op, _EQUALITY) for op in parent.ops
        ):
            what = "orders or searches an ID number (only == and != are allowed)"
        elif isinstance(parent, (ast.BinOp, ast.FormattedValue, ast.Starred)):
            what = "computes with or formats an ID number"
        elif isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is node:
            what = "iterates over an ID number's characters"
        elif isinstance(parent, ast.Call) and node in parent.args:
            callee = parent.func
            name = _terminal(callee)
            if name in DIGIT_FUNCTIONS or (
                isinstance(callee, ast.Attribute) and _terminal(callee.value) == "re"
            ):
                what = f"gives an ID number to {name}()"
        if what is not None:
            self.report(node, what)

    def _person(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Attribute) or not isinstance(node.ctx, ast.Load):
            return
        if _allowed(MATCHING, self.module, self.function):
            return
        if node.attr == "birth_date" and _allowed(BIRTH_DATE_STATUTES, self.module, self.function):
            return
        if node.attr in PERSON_FIELDS:
            self.report(node, f"reads a person's {node.attr} outside identity matching")
        elif node.attr == "name" and _terminal(node.value) in PERSONS:
            self.report(node, "reads a person's name outside identity matching")

    def _demographic(self, node: ast.AST) -> None:
        if self.module in DEMOGRAPHIC_DECLARED:
            return
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.keyword):
            name = node.arg
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value
        if name in DEMOGRAPHIC:
            self.report(node, f"names the demographic field {name!r}")


def _functions(tree: ast.Module) -> Iterator[tuple[str, list[ast.stmt], list[str]]]:
    """(qualified name, body, parameter names) of every function, and the module's own top
    level as ``<module>`` (class bodies included, function bodies not)."""
    top: list[ast.stmt] = []

    def params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
        a = fn.args
        every = [*a.posonlyargs, *a.args, *a.kwonlyargs]
        every += [x for x in (a.vararg, a.kwarg) if x is not None]
        return [p.arg for p in every]

    def visit(
        stmts: list[ast.stmt], prefix: str, collect: list[ast.stmt] | None
    ) -> Iterator[tuple[str, list[ast.stmt], list[str]]]:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{stmt.name}"
                inner = [
                    s
                    for s in stmt.body
                    if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                ]
                yield name, inner, params(stmt)
                yield from visit(stmt.body, f"{name}.", None)
            elif isinstance(stmt, ast.ClassDef):
                yield from visit(stmt.body, f"{prefix}{stmt.name}.", collect)
                if collect is not None:
                    collect.extend(stmt.decorator_list)  # type: ignore[arg-type]
            elif collect is not None:
                collect.append(stmt)

    yield from visit(tree.body, "", top)
    yield "<module>", top, []


def check_source(module: str, source: str, *, is_package: bool = False) -> list[ProxyRead]:
    """The rules over one module's source."""
    tree = ast.parse(source)
    found: list[ProxyRead] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        names = set(_imports(node, module, is_package=is_package))
        where = f"{module}:import:{node.lineno}"
        if any(n.startswith(FORBIDDEN_IMPORTS) for n in names):
            bad = sorted(n for n in names if n.startswith(FORBIDDEN_IMPORTS))[0]
            found.append(ProxyRead(where, f"imports {bad}"))
        elif any(n.startswith("fairscreen.kit.cnid") for n in names) and (
            module not in CNID_IMPORTERS
        ):
            found.append(ProxyRead(where, "imports the ID-number parser kit.cnid"))
    for name, body, params in _functions(tree):
        _Function(module, name, found).run(body, params)
    return found


def check(roots: tuple[str, ...] = ROOTS) -> list[ProxyRead]:
    """Every proxy read in the guarded modules (empty: the guard passes)."""
    found: list[ProxyRead] = []
    for module, path in guarded_modules(roots).items():
        source = path.read_text(encoding="utf-8")
        found.extend(check_source(module, source, is_package=path.name == "__init__.py"))
    return found
