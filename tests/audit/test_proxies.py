"""The proxy guard over the code: the shipped pipeline passes, and each kind of proxy read,
planted into the real source of a guarded module, is caught and named."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from fairscreen.audit import proxies


def _source(module: str) -> str:
    return proxies.guarded_modules()[module].read_text(encoding="utf-8")


def test_the_pipeline_reads_no_proxy() -> None:
    assert proxies.check() == []


def test_the_guard_covers_everything_between_the_sources_and_the_light() -> None:
    guarded = set(proxies.guarded_modules())
    assert {
        "fairscreen.pipeline",
        "fairscreen.consent.rules",
        "fairscreen.scope.rules",
        "fairscreen.sources.base",
        "fairscreen.sources.world",
        "fairscreen.verify.checks",
        "fairscreen.verify.findings",
        "fairscreen.verify.references",
        "fairscreen.rating.engine",
        "fairscreen.policy.pack",
    } <= guarded
    # and nothing above it: no store of people, no web, no audit
    assert not any(m.startswith(("fairscreen.screening", "fairscreen.web")) for m in guarded)


def test_every_allowance_names_a_function_that_exists() -> None:
    """An allowance for a function that was renamed would silently guard nothing."""
    modules = proxies.guarded_modules()
    known = {f"{m}.*" for m in modules} | {
        f"{m}.{name}" for m in modules for name, _, _ in proxies._functions(ast.parse(_source(m)))
    }
    for table in (proxies.MATCHING, proxies.DIGITS, proxies.BIRTH_DATE_STATUTES):
        for key in table:
            assert key in known, key


def _plant(module: str, function: str, line: str) -> str:
    """The module's real source with ``line`` as the first statement of ``function``."""
    source = _source(module)
    marker = f"def {function}("
    start = source.index(marker)
    body = source.index(":\n", source.index(")", start)) + 2
    indent = " " * (len(source[body:]) - len(source[body:].lstrip(" ")))
    return source[:body] + f"{indent}{line}\n" + source[body:]


PLANTED = [
    # (module, function, planted line, what the guard must say)
    ("fairscreen.rating.engine", "rate", "x = data.subject.id_number[:6]", "indexes or slices"),
    (
        "fairscreen.verify.checks",
        "verify_identity",
        "x = int(ctx.subject.id_number[16]) % 2",
        "indexes",
    ),
    (
        "fairscreen.verify.checks",
        "verify_identity",
        "x = ctx.subject.id_number.startswith('99')",
        "reads .startswith",
    ),
    (
        "fairscreen.verify.checks",
        "verify_identity",
        "number = ctx.subject.id_number; x = number[6:10]",
        "indexes",
    ),
    (
        "fairscreen.verify.checks",
        "verify_identity",
        "x = '11' in ctx.subject.id_number",
        "orders or searches",
    ),
    (
        "fairscreen.verify.checks",
        "verify_identity",
        "x = [c for c in ctx.subject.id_number]",
        "iterates",
    ),
    (
        "fairscreen.pipeline",
        "screen",
        "x = len(candidate.id_document.number)",
        "gives an ID number to len()",
    ),
    (
        "fairscreen.rating.engine",
        "rate",
        "x = data.candidate.name.startswith('王')",
        "a person's name",
    ),
    (
        "fairscreen.verify.checks",
        "verify_education",
        "x = ctx.subject.birth_date.year",
        "birth_date",
    ),
    ("fairscreen.verify.checks", "verify_education", "x = ctx.subject.name_key", "name_key"),
    ("fairscreen.rating.engine", "rate", "x = data.demographics.sex", "demographic field"),
    ("fairscreen.verify.checks", "verify_education", "x = record.get('ethnicity')", "'ethnicity'"),
    ("fairscreen.pipeline", "screen", "x = store.decisions_for([candidate.id])", "'decisions_for'"),
]


@pytest.mark.parametrize(("module", "function", "line", "said"), PLANTED)
def test_a_planted_proxy_is_caught(module: str, function: str, line: str, said: str) -> None:
    found = proxies.check_source(module, _plant(module, function, line))
    assert found, line
    assert any(said in f.what for f in found), [f.what for f in found]
    assert all(f.where.split(":")[0].endswith(f".{function}") for f in found)


def test_equality_and_passing_on_are_not_reads() -> None:
    line = "same = ctx.subject.id_number == other.id_number; keep = {'n': ctx.subject.id_number}"
    assert (
        proxies.check_source(
            "fairscreen.verify.checks", _plant("fairscreen.verify.checks", "verify_education", line)
        )
        == []
    )


@pytest.mark.parametrize(
    "imported",
    [
        "from fairscreen.synth import names",
        "import fairscreen.audit.bias",
        "from fairscreen.candidates.models import Candidate",
        "from fairscreen.kit.cnid import check_cn_resident_id",
    ],
)
def test_a_guarded_module_may_not_import_people_or_the_id_parser(imported: str) -> None:
    source = _source("fairscreen.rating.engine").replace(
        "from __future__ import annotations\n",
        f"from __future__ import annotations\n{imported}\n",
        1,
    )
    found = proxies.check_source("fairscreen.rating.engine", source)
    line = source.splitlines().index(imported) + 1
    assert [f.where for f in found] == [f"fairscreen.rating.engine:import:{line}"]


def test_the_command_runs_the_guard() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fairscreen", "audit", "proxies"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "no proxy read" in done.stdout
