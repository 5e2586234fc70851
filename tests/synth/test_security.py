"""Public-security records: each planted penalty or measure is in the police register under the
candidate's number, as many as the tag says; a non-prosecution decision is the procuratorate's."""

from __future__ import annotations

from tests.synth.generated import Planted, World, check_planted

ORDINARY = {"gambling", "affray", "theft", "disturbing_order", "fraud", "prostitution"}


def _check(p: Planted) -> None:
    assert p.records
    for rec in p.records:
        assert rec["subject"]["id_number"] == p.number
    kinds = [r["type"] for r in p.records]
    if p.base == "not_prosecuted":
        assert kinds == ["prosecution_decision"]
        return
    assert set(kinds) == {"administrative_penalty"}
    penalties = [r["penalty"] for r in p.records]
    conducts = {r["conduct"] for r in p.records}
    if p.base == "admin_detentions":
        assert set(penalties) == {"detention"} and conducts <= ORDINARY
        if p.detail:
            assert len(penalties) == int(p.detail)
    elif p.base == "admin_penalty":
        assert 1 <= len(p.records) <= 2 and conducts <= ORDINARY
    elif p.base == "admin_custody":
        assert penalties[0] in {
            "compulsory_isolation_rehab",
            "custody_education",
            "reeducation_through_labour",
        }
    elif p.base == "admin_minors_offence":
        assert conducts <= {"indecency", "maltreatment", "assault"}
    else:
        assert p.base == "admin_drug_use" and conducts == {"drug_use"}


def test_public_security_records_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(
        worlds,
        _check,
        "admin_penalty",
        "admin_detentions",
        "admin_custody",
        "admin_minors_offence",
        "admin_drug_use",
        "not_prosecuted",
    )
