"""Message templates: every template has its texts in the three languages, renders with its
parameters, and refuses a missing one."""

from __future__ import annotations

from importlib import resources

import pytest

from fairscreen.kit.errors import InputError
from fairscreen.notify.render import LANGUAGES, TEXT_CHANNELS, render, template_names

CHECK = "0195c3a7e2b04f1d8c9a6b5e4d3c2b1a"
# Each template with the parameters its domain passes (feedback: ``feedback.notify.tell``).
SAMPLE: dict[str, dict[str, object]] = {
    "one_time_code": {"code": "493817", "minutes": 10},
    "report.issued": {"check": CHECK, "version": 2},
    "notice.sent": {
        "check": CHECK,
        "notice": CHECK,
        "version": 1,
        "waiting_until": "2026-12-13T08:30:00.123456+08:00",
    },
    "dispute.opened": {"check": CHECK, "dispute": CHECK, "due_at": "2027-01-05T00:00:00+00:00"},
    "dispute.resolved": {"check": CHECK, "dispute": CHECK, "version": 2},
    "decision.recorded": {"check": CHECK, "decision": CHECK},
    "check.item_unavailable": {"check": CHECK},
    "invitation": {
        "invitation": CHECK,
        "token": "fsi_q1XvY2t8nLr0ZkqG4bT5WmA9cE3sD7fH6jK2pN8uV0w",
        "employer": "城東物業管理有限公司",
        "position": "行政助理",
        "expires_at": "2026-12-20T09:00:00+00:00",
    },
}


def test_every_template_has_every_language_of_each_of_its_channels() -> None:
    names = template_names()
    assert "one_time_code" in names
    root = resources.files("fairscreen.notify") / "templates"
    for name in names:
        files = {p.name for p in (root / name).iterdir()}
        channels = {f.split(".", 1)[0] for f in files}
        assert channels and channels <= set(TEXT_CHANNELS), (name, files)
        for channel in channels:
            for language in LANGUAGES:
                assert f"{channel}.{language}.txt" in files, (name, channel, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_one_time_code_reads_in_each_language(language: str) -> None:
    email = render("one_time_code", "email", language, SAMPLE["one_time_code"])
    sms = render("one_time_code", "sms", language, SAMPLE["one_time_code"])
    assert email.subject is not None and "493817" in email.subject and "\n" not in email.subject
    assert "493817" in email.body and "10" in email.body
    assert sms.subject is None and "493817" in sms.body and len(sms.body) <= 140
    words = {"zh-Hant": "驗證碼", "zh-Hans": "验证码", "en": "code"}
    assert words[language] in email.body and words[language] in sms.body


def test_every_template_renders_with_its_sample_parameters() -> None:
    for name in template_names():
        assert name in SAMPLE, f"add sample parameters for {name} to this test"
        for channel in TEXT_CHANNELS:
            for language in LANGUAGES:
                try:
                    text = render(name, channel, language, SAMPLE[name])
                except InputError as exc:
                    assert "has no" in str(exc)
                    continue
                assert text.body.strip()


def test_the_feedback_messages_carry_their_dates_and_versions_in_each_language() -> None:
    for language in LANGUAGES:
        notice = render("notice.sent", "email", language, SAMPLE["notice.sent"])
        # the waiting period's end, in UTC whatever offset it came with
        assert "2026-12-13 00:30 UTC" in notice.body, language
        sms = render("notice.sent", "sms", language, SAMPLE["notice.sent"])
        assert "2026-12-13 00:30 UTC" in sms.body and len(sms.body) <= 140
        opened = render("dispute.opened", "sms", language, SAMPLE["dispute.opened"])
        assert "2027-01-05 00:00 UTC" in opened.body
        resolved = render("dispute.resolved", "email", language, SAMPLE["dispute.resolved"])
        assert {"en": "version 2", "zh-Hant": "第 2 版", "zh-Hans": "第 2 版"}[language] in (
            resolved.body
        )
        # what the candidate reads is behind their sign-in: no id in the text
        for name in ("report.issued", "decision.recorded"):
            assert CHECK not in render(name, "email", language, SAMPLE[name]).body
    with pytest.raises(InputError, match="not an ISO 8601 time"):
        render("dispute.opened", "sms", "en", {**SAMPLE["dispute.opened"], "due_at": "soon"})
    with pytest.raises(InputError, match="no UTC offset"):
        render("notice.sent", "sms", "en", {**SAMPLE["notice.sent"], "waiting_until": "2026-12-13"})


def test_an_invitation_links_to_the_site_the_settings_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fairscreen.notify.settings import notify_settings

    params = SAMPLE["invitation"]
    link = f"https://screening.example.com/api/v1/invitation/{params['token']}"
    monkeypatch.setenv("FAIRSCREEN_PUBLIC_URL", "https://screening.example.com")
    notify_settings.cache_clear()
    try:
        for language in LANGUAGES:
            email = render("invitation", "email", language, params)
            assert email.subject is not None and "城東物業管理有限公司" in email.subject
            assert link in email.body and "行政助理" in email.body
            assert "2026-12-20 09:00 UTC" in email.body
            assert link in render("invitation", "sms", language, params).body
    finally:
        monkeypatch.delenv("FAIRSCREEN_PUBLIC_URL")
        notify_settings.cache_clear()
    # by default, the address `fairscreen serve` listens on
    assert (
        "http://127.0.0.1:8000/api/v1/invitation/" in render("invitation", "sms", "en", params).body
    )


def test_a_missing_parameter_an_unknown_template_or_language_is_named() -> None:
    with pytest.raises(InputError, match=r"params: template one_time_code/email\.en\.txt"):
        render("one_time_code", "email", "en", {"code": "1"})
    with pytest.raises(InputError, match=r"templates/no_such/sms\.en\.txt"):
        render("no_such", "sms", "en", {})
    with pytest.raises(InputError, match="language"):
        render("one_time_code", "sms", "fr", SAMPLE["one_time_code"])
    for name in ("../accounts", "report..issued", ".hidden", "report.", "Report.issued"):
        with pytest.raises(InputError, match="not a template name"):
            render(name, "sms", "en", {})


def test_a_subject_stays_one_line_whatever_the_parameters_hold() -> None:
    text = render("one_time_code", "email", "en", {"code": "1\r\nBcc: x@y.example", "minutes": 1})
    assert text.subject is not None and "\n" not in text.subject and "\r" not in text.subject
