"""The off-site rule set is data: the shipped file loads, every rule names a detector and a
普法碼 that exist, and a broken file is refused by the rule and field that is wrong."""

from __future__ import annotations

from importlib import resources

import pytest

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import PolicyError
from fairscreen.supervision.codes.guidance import LANGUAGES, all_guidance, guidance_codes
from fairscreen.supervision.offsite import service
from fairscreen.supervision.offsite.ruleset import DETECTORS, parse_ruleset, shipped_ruleset
from tests.conftest import Database

SHIPPED = (resources.files("fairscreen.supervision.offsite") / "rules.toml").read_bytes()


def test_the_shipped_rules_cover_every_detector_with_guidance() -> None:
    rules = shipped_ruleset()
    assert rules.ref == "offsite@2026.1" and rules.scenario == "background_screening"
    assert {r.detect for r in rules.rules} == set(DETECTORS)
    assert {r.guidance for r in rules.rules} <= guidance_codes()
    for g in all_guidance().values():
        assert all(g.text[lang] for lang in LANGUAGES) and g.statute
    flags = rules.rule("decision.favourable_light")
    assert flags is not None and flags.flags == {"decision.favourable_light"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('detect = "decision_flag"\nflags', 'detect = "decision_flagz"\nflags'),
            r"rules\[3\]\.detect",
        ),
        (('severity = "serious"', 'severity = "fatal"'), r"rules\[0\]\.severity"),
        (('guidance = "consent"', 'guidance = "nowhere"'), r"rules\[0\]\.guidance"),
        (("grace_hours = 24", "grace_hours = -1"), r"rules\[6\]\.grace_hours"),
        (('id = "query.outside_scope"', 'id = "query.no_consent"'), r"rules\[1\]\.id"),
        (('title = "a report', 'colour = "red"\ntitle = "a report'), r"rules\[2\]: unknown key"),
        (("[ruleset]", "[rulesets]"), r"no \[ruleset\]"),
        (('title = "a report', '# title = "a report'), r"mine\.toml: rules\[2\]\.title: missing"),
        (('version = "2026.1"', 'version = "2026 1"'), r"mine\.toml: ruleset\.version: '2026 1'"),
    ],
)
def test_a_broken_rule_set_names_the_rule_and_field(change: tuple[str, str], message: str) -> None:
    text = SHIPPED.decode()
    assert change[0] in text
    broken = text.replace(change[0], change[1], 1).encode()
    with pytest.raises(PolicyError, match=message):
        parse_ruleset(broken, "mine.toml", guidance_codes())


def test_the_digest_changes_with_the_file() -> None:
    one = parse_ruleset(SHIPPED, "a.toml")
    two = parse_ruleset(SHIPPED + b"\n# a comment\n", "a.toml")
    assert one.digest != two.digest and one.ref == two.ref


def test_a_changed_file_under_a_published_version_is_refused(db: Database) -> None:
    with db.sessions.begin() as session:
        service.run(session, now=utcnow())
    changed = parse_ruleset(SHIPPED + b"\n# edited\n", "mine.toml", guidance_codes())
    with db.sessions.begin() as session, pytest.raises(PolicyError, match="needs a new"):
        service.run(session, now=utcnow(), ruleset=changed)
    renamed = parse_ruleset(
        SHIPPED.replace(b'version = "2026.1"', b'version = "2026.2"') + b"\n# edited\n",
        "mine.toml",
        guidance_codes(),
    )
    with db.sessions.begin() as session:
        assert service.run(session, now=utcnow(), ruleset=renamed).published
