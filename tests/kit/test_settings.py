"""Settings from the environment: a bad value names the variable and what it should be."""

from __future__ import annotations

import pytest

from fairscreen.kit.errors import ConfigError
from fairscreen.kit.settings import load_settings


def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRSCREEN_KEY_PROVIDER", "bogus")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith("FAIRSCREEN_KEY_PROVIDER='bogus': Input should be 'local'")


def test_a_pin_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRSCREEN_PKCS11_PIN", "1234")
    monkeypatch.setenv("FAIRSCREEN_KEY_PROVIDER", "hsm")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "1234" not in str(info.value)
