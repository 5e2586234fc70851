"""Properties of the pipeline (hypothesis): adding an out-of-scope, forbidden, name-only or
unverified record to a world never changes any candidate's light, and a revoked consent means
no query at all."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairscreen.policy.vocabulary import Item
from tests.test_pipeline import PACK, recording_sources, screen_all
from tests.worlds import WorldBuilder

CATEGORIES = sorted(PACK.categories)


def _base() -> WorldBuilder:
    """Candidates of every category, some with adverse records so that lights differ."""
    w = WorldBuilder()
    for n, category in enumerate(CATEGORIES):
        c = w.candidate(category, name=f"基準{n}號", birth=date(1980 + n, 3, 1 + n))
        c["claims"]["education"] = [
            {"institution": "基準大學", "degree": "bachelor", "graduated": 2004 + n}
        ]
        w.record(
            "education_record",
            c,
            institution="基準大學",
            degree="bachelor",
            graduated=2004 + n + n % 2,
        )
        if Item.CRIMINAL_RECORD in PACK.category(category).items and n % 2 == 0:
            w.court_case(
                "criminal",
                "theft",
                [
                    w.party(
                        c, sentence={"kind": "fixed_term", "months": 8, "completed": "2024-10-01"}
                    )
                ],
                decided="2024-02-01",
            )
        if Item.DRIVING_RECORD in PACK.category(category).items:
            w.record("driving_record", c, licence_class="A1", licence_status="valid", violations=[])
        if Item.HEALTH_FITNESS in PACK.category(category).items:
            purpose = PACK.category(category).fitness_certificate
            w.record(
                "health_certificate", c, purpose=purpose, issued="2026-01-01", fit_for_duty=True
            )
        for group in PACK.category(category).required_licences:
            w.record(
                "licence_record",
                c,
                kind=sorted(group)[0],
                number=f"L{n}",
                status="valid",
                issued="2015-01-01",
            )
    # references: a corroborated pair, a lone claim, a neutral one
    fin = next(line for line in w.lines if line.get("applies_to") == "P-finance_accounting")
    w.reference(fin, "他伪造了报销单据。", referee="甲")
    w.reference(fin, "He falsified his expense claims.", referee="Ann Lee", language="en")
    office = next(line for line in w.lines if line.get("applies_to") == "P-general_office")
    w.reference(office, "他在办公室殴打了同事。他很准时。", referee="丙")
    w.reference(office, "工作認真，值得推薦。", referee="丁", language="zh-Hant")
    # one candidate without the separate consent for criminal records
    c = w.candidate("finance_accounting", name="未單獨同意")
    c["consent"]["separate_items"] = ["credit"]
    return w


CLAIMS = {
    "dishonesty": "他伪造了报销单据。",
    "violence": "他在办公室殴打了同事。",
    "safety": "他多次违反安全操作规程。",
    "confidentiality": "他泄露了公司的客户资料。",
}


def _claimed(w: WorldBuilder, candidate: str) -> tuple[set[str], list[str]]:
    """Misconduct categories this candidate's referees state, and who the referees are."""
    from fairscreen.verify.references import screen_reference

    categories, referees = set(), []
    for line in w.lines:
        if line["type"] == "reference" and line["candidate"] == candidate:
            referees.append(line["referee"]["name"])
            for remark in screen_reference(line["text"], line["language"]):
                if remark.kind == "misconduct" and remark.category:
                    categories.add(remark.category)
    return categories, referees


BASE = _base()
CANDIDATES = [line for line in BASE.lines if line["type"] == "candidate"]


def _lights(w: WorldBuilder) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, w.load(Path(tmp)) as store:
        return {cid: s.result()["light"] for cid, s in screen_all(store).items()}


BASELINE = _lights(BASE)


def _scope(candidate: dict[str, Any]) -> set[str]:
    category = candidate["applies_to"].removeprefix("P-")
    allowed = {str(i) for i in PACK.category(category).items}
    consented = set(candidate["consent"]["items"]) if candidate["consent"] else set()
    separate = set(candidate["consent"]["separate_items"]) if candidate["consent"] else set()
    return {
        i for i in allowed & consented if not PACK.items[Item(i)].separate_consent or i in separate
    }


def _add(kind: str, candidate: dict[str, Any], variant: int) -> WorldBuilder:
    w = copy.deepcopy(BASE)
    c = next(line for line in w.lines if line.get("id") == candidate["id"])
    scope = _scope(c)
    if kind == "out_of_scope":
        additions: list[tuple[str, Callable[[], object]]] = [
            (
                "criminal_record",
                lambda: w.court_case(
                    "criminal", "child_molestation", [w.party(c)], decided="2025-01-01"
                ),
            ),
            (
                "criminal_record",
                lambda: w.record(
                    "criminal_certificate",
                    c,
                    issued="2026-01-01",
                    result="record",
                    offences=[{"cause": "fraud", "convicted": "2025-01-01"}],
                ),
            ),
            (
                "civil_litigation",
                lambda: w.court_case("civil", "loan_dispute", [w.party(c)], decided="2025-01-01"),
            ),
            (
                "enforcement_list",
                lambda: w.record(
                    "enforcement_record", c, court="x", case_number="y", listed="2025-01-01"
                ),
            ),
            (
                "credit",
                lambda: w.record(
                    "credit_report",
                    c,
                    as_of="2026-01-01",
                    serious_delinquencies=5,
                    last_delinquency="2025-12-01",
                ),
            ),
            (
                "driving_record",
                lambda: w.record(
                    "driving_record",
                    c,
                    licence_class="C1",
                    licence_status="revoked",
                    violations=[{"kind": "drunk_driving", "date": "2025-01-01"}],
                ),
            ),
            (
                "health_fitness",
                lambda: w.record(
                    "health_certificate",
                    c,
                    purpose="general",
                    issued="2020-01-01",
                    fit_for_duty=False,
                ),
            ),
        ]
        choices: list[Callable[[], object]] = [add for item, add in additions if item not in scope]
        if choices:
            choices[variant % len(choices)]()
    elif kind == "forbidden":
        choices = [
            lambda: w.court_case("civil", "divorce", [w.party(c)], decided="2025-01-01"),
            lambda: w.court_case("civil", "inheritance", [w.party(c)], decided="2025-01-01"),
            lambda: w.court_case(
                "civil",
                "loan_dispute",
                [w.party(c, role="plaintiff"), {"name": "被告某", "role": "defendant"}],
            ),
            lambda: w.court_case(
                "civil",
                "labour_dispute",
                [w.party(c, role="plaintiff"), {"name": "某公司", "role": "defendant"}],
                decided="2026-01-01",
            ),
        ]
        choices[variant % len(choices)]()
    elif kind == "name_only":
        nameonly = {"name": c["name"], "role": "defendant"}
        namesake = {"name": c["name"], "id_number": "990777198001010012", "role": "defendant"}
        choices = [
            lambda: w.court_case("criminal", "sexual_assault", [nameonly], decided="2025-01-01"),
            lambda: w.court_case("civil", "loan_dispute", [nameonly], decided="2025-01-01"),
            lambda: w.record(
                "enforcement_record",
                subject={"name": c["name"]},
                court="x",
                case_number="y",
                listed="2025-01-01",
            ),
            lambda: w.court_case("criminal", "fraud", [namesake], decided="2025-01-01"),
            lambda: w.record(
                "enforcement_record",
                subject={"name": c["name"], "id_number": "990777198001010012"},
                court="x",
                case_number="z",
                listed="2025-01-01",
            ),
        ]
        choices[variant % len(choices)]()
    elif kind == "unverified":
        claimed, referees = _claimed(w, c["id"])
        fresh = [cat for cat in CLAIMS if cat not in claimed]
        choices = [
            # a new referee, a kind of misconduct nobody else states
            lambda: w.reference(
                c, CLAIMS[fresh[variant % len(fresh)]], referee=f"新推薦人{variant}"
            ),
            # second-hand, whatever it says
            lambda: w.reference(
                c,
                "I heard he stole from the till.",
                referee=f"New Referee {variant}",
                language="en",
            ),
        ]
        if referees:  # a referee already heard repeating a claim of their own
            first = next(
                line
                for line in w.lines
                if line["type"] == "reference" and line["candidate"] == c["id"]
            )
            own = _claimed_by(first)
            if own:
                choices.append(
                    lambda: w.reference(c, CLAIMS[own], referee=first["referee"]["name"])
                )
        choices[variant % len(choices)]()
    return w


def _claimed_by(reference: dict[str, Any]) -> str | None:
    from fairscreen.verify.references import screen_reference

    for remark in screen_reference(reference["text"], reference["language"]):
        if remark.kind == "misconduct" and remark.category in CLAIMS:
            return remark.category
    return None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["out_of_scope", "forbidden", "name_only", "unverified"]),
    who=st.sampled_from(CANDIDATES),
    variant=st.integers(0, 20),
)
def test_adding_an_out_of_scope_forbidden_name_only_or_unverified_record_never_changes_a_light(
    kind: str, who: dict[str, Any], variant: int
) -> None:
    assert _lights(_add(kind, who, variant)) == BASELINE


def test_the_base_world_has_lights_to_change() -> None:
    assert set(BASELINE.values()) >= {"green", "yellow", "red"}


@settings(max_examples=30, deadline=None)
@given(category=st.sampled_from(CATEGORIES), drop=st.sets(st.sampled_from([str(i) for i in Item])))
def test_a_revoked_consent_means_no_query_at_all(category: str, drop: set[str]) -> None:
    w = WorldBuilder()
    allowed = sorted(str(i) for i in PACK.category(category).items)
    items = [i for i in allowed if i not in drop] or allowed[:1]
    c = w.candidate(category, items=items)
    w.court_case("criminal", "theft", [w.party(c)])
    c["consent"]["revoked_at"] = "2026-11-02T00:00:00+08:00"
    with tempfile.TemporaryDirectory() as tmp, w.load(Path(tmp)) as store:
        sources, calls = recording_sources(store)
        (screening,) = screen_all(store, sources).values()
    assert calls == []
    assert screening.stopped and screening.result()["light"] is None


def test_the_harness_sees_a_change_when_there_is_one() -> None:
    """Control: the same additions, made in scope and on strong keys, do change lights."""
    w = copy.deepcopy(BASE)
    driver = next(line for line in w.lines if line.get("applies_to") == "P-driver")
    assert BASELINE[driver["id"]] == "green"
    w.court_case("criminal", "dangerous_driving", [w.party(driver)], decided="2025-01-01")
    assert _lights(w) != BASELINE
    # and a second, independent referee stating the office candidate's lone claim corroborates it
    w = copy.deepcopy(BASE)
    office = next(line for line in w.lines if line.get("applies_to") == "P-general_office")
    assert BASELINE[office["id"]] == "green"
    w.reference(
        office, "He assaulted a colleague at the office.", referee="Another Referee", language="en"
    )
    assert _lights(w)[office["id"]] == "yellow"
