"""Message templates: every template has its texts in the three languages, renders with its
parameters, and refuses a missing one."""

from __future__ import annotations

from importlib import resources

import pytest

from fairscreen.kit.errors import InputError
from fairscreen.notify.render import LANGUAGES, TEXT_CHANNELS, render, template_names

SAMPLE = {"one_time_code": {"code": "493817", "minutes": 10}}


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


def test_a_missing_parameter_an_unknown_template_or_language_is_named() -> None:
    with pytest.raises(InputError, match=r"params: template one_time_code/email\.en\.txt"):
        render("one_time_code", "email", "en", {"code": "1"})
    with pytest.raises(InputError, match=r"templates/no_such/sms\.en\.txt"):
        render("no_such", "sms", "en", {})
    with pytest.raises(InputError, match="language"):
        render("one_time_code", "sms", "fr", SAMPLE["one_time_code"])
    with pytest.raises(InputError, match="template"):
        render("../accounts", "sms", "en", {})


def test_a_subject_stays_one_line_whatever_the_parameters_hold() -> None:
    text = render("one_time_code", "email", "en", {"code": "1\r\nBcc: x@y.example", "minutes": 1})
    assert text.subject is not None and "\n" not in text.subject and "\r" not in text.subject
