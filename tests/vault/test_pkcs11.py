"""The PKCS#11 provider against a real SoftHSM2 token: KEKs that never leave it, wrapping inside
it, rotation inside it, the blind-index secret on it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import Attribute, KeyType, ObjectClass
from pkcs11 import exceptions as p11

from fairscreen.kit.settings import Settings
from fairscreen.vault.core import Vault
from fairscreen.vault.keys import KeyProviderError, LocalKeyFile
from fairscreen.vault.pkcs11 import INDEX_LABEL, KEK_LABEL, Pkcs11Provider
from fairscreen.vault.providers import CREATE, open_provider, open_vault
from tests.vault.conftest import PIN, Hsm

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _token_objects(hsm: Hsm) -> dict[str, dict[Attribute, object]]:
    """Attributes of the stored secret keys, read with a session of our own."""
    provider = hsm.open()
    assert isinstance(provider, Pkcs11Provider)
    session = provider._session
    found = {}
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY}):
        attrs = obj.get_attributes(
            [
                Attribute.LABEL,
                Attribute.TOKEN,
                Attribute.PRIVATE,
                Attribute.SENSITIVE,
                Attribute.EXTRACTABLE,
                Attribute.WRAP,
                Attribute.UNWRAP,
                Attribute.ENCRYPT,
                Attribute.DECRYPT,
                Attribute.SIGN,
                Attribute.ALWAYS_SENSITIVE,
                Attribute.NEVER_EXTRACTABLE,
            ]
        )
        found[attrs[Attribute.LABEL]] = attrs
        with pytest.raises(p11.AttributeSensitive):
            obj[Attribute.VALUE]  # nothing on the token gives its value
    return found


def test_first_use_creates_a_non_extractable_kek_and_an_index_secret(hsm: Hsm) -> None:
    provider = hsm.open()
    assert provider.versions() == ["hsm-1"]
    assert provider.current_version() == "hsm-1"
    objects = _token_objects(hsm)
    assert set(objects) == {KEK_LABEL + "hsm-1", INDEX_LABEL + "1"}
    kek = objects[KEK_LABEL + "hsm-1"]
    assert kek[Attribute.TOKEN] and kek[Attribute.PRIVATE]
    assert kek[Attribute.SENSITIVE] and not kek[Attribute.EXTRACTABLE]
    assert kek[Attribute.ALWAYS_SENSITIVE] and kek[Attribute.NEVER_EXTRACTABLE]
    assert kek[Attribute.WRAP] and kek[Attribute.UNWRAP]
    assert not kek[Attribute.ENCRYPT] and not kek[Attribute.DECRYPT] and not kek[Attribute.SIGN]
    index = objects[INDEX_LABEL + "1"]
    assert index[Attribute.SIGN] and not index[Attribute.EXTRACTABLE]
    assert not index[Attribute.WRAP] and not index[Attribute.DECRYPT]


def test_data_keys_generated_wrapped_and_unwrapped_on_the_token(hsm: Hsm) -> None:
    provider = hsm.open()
    key, wrapped = provider.generate_data_key("hsm-1")
    assert len(key) == 32 and len(wrapped) == 40  # RFC 5649 of a 32-byte key
    assert provider.unwrap("hsm-1", wrapped) == key
    mine = bytes(range(32))
    assert provider.unwrap("hsm-1", provider.wrap("hsm-1", mine)) == mine
    assert provider.generate_data_key("hsm-1")[0] != key
    # Nothing is left behind on the token: session objects are destroyed after each call.
    assert set(_token_objects(hsm)) == {KEK_LABEL + "hsm-1", INDEX_LABEL + "1"}


def test_vault_seals_under_a_token_wrapped_data_key(hsm: Hsm) -> None:
    vault = Vault(hsm.open())
    made = vault.new_data_key(NOW)
    assert made.row["provider"] == "pkcs11" and made.row["kek_version"] == "hsm-1"
    sealed = made.sealer.seal("candidates", "name_ct", "r1", "王先生".encode())
    reopened = Vault(hsm.open()).sealer(made.row["id"], "hsm-1", made.row["wrapped"])
    assert reopened.open("candidates", "name_ct", "r1", sealed).decode() == "王先生"


def test_wrong_kek_tampering_and_unknown_versions_fail_clearly(hsm: Hsm) -> None:
    provider = hsm.open()
    _, wrapped = provider.generate_data_key("hsm-1")
    provider.new_version()
    with pytest.raises(KeyProviderError, match="does not unwrap under KEK 'hsm-2'"):
        provider.unwrap("hsm-2", wrapped)
    tampered = bytearray(wrapped)
    tampered[-1] ^= 1
    with pytest.raises(KeyProviderError, match="does not unwrap under KEK 'hsm-1'"):
        provider.unwrap("hsm-1", bytes(tampered))
    with pytest.raises(KeyProviderError, match="'hsm-7' is not on"):
        provider.unwrap("hsm-7", wrapped)


def test_rewrap_happens_inside_the_token(hsm: Hsm) -> None:
    provider = hsm.open()
    key, wrapped = provider.generate_data_key("hsm-1")
    assert provider.new_version() == "hsm-2"
    assert provider.current_version() == "hsm-2"
    rewrapped = provider.rewrap(wrapped, "hsm-1", "hsm-2")
    assert rewrapped != wrapped
    assert provider.unwrap("hsm-2", rewrapped) == key
    assert set(_token_objects(hsm)) == {KEK_LABEL + "hsm-1", KEK_LABEL + "hsm-2", INDEX_LABEL + "1"}


def test_retire_destroys_the_kek_on_the_token(hsm: Hsm) -> None:
    provider = hsm.open()
    _, wrapped = provider.generate_data_key("hsm-1")
    with pytest.raises(KeyProviderError, match="current"):
        provider.retire("hsm-1")
    provider.new_version()
    provider.retire("hsm-1")
    assert provider.versions() == ["hsm-2"]
    assert KEK_LABEL + "hsm-1" not in _token_objects(hsm)
    with pytest.raises(KeyProviderError, match="not on"):
        provider.unwrap("hsm-1", wrapped)
    assert provider.new_version() == "hsm-3"


def test_index_key_is_stable_per_token_and_differs_between_tokens(
    hsm: Hsm, softhsm_conf: Path
) -> None:
    first = hsm.open().index_key()
    for provider in hsm.opened:
        provider.close()
    hsm.opened.clear()
    assert hsm.open().index_key() == first and len(first) == 32
    from tests.vault.conftest import init_token

    for provider in hsm.opened:
        provider.close()
    hsm.opened.clear()
    other = Hsm(softhsm_conf, hsm.token + "-b")
    init_token(softhsm_conf, other.token)
    try:
        assert other.open().index_key() != first
    finally:
        for provider in other.opened:
            provider.close()


def test_the_key_files_index_secret_moves_into_the_token(hsm: Hsm, tmp_path: Path) -> None:
    local = LocalKeyFile(tmp_path / "kek.json")
    secret = local.export_index_secret()
    provider = hsm.open_with(index_secret=secret)
    assert provider.index_key() == local.index_key()  # every blind index stays valid
    objects = _token_objects(hsm)
    index = objects[INDEX_LABEL + "1"]
    assert not index[Attribute.EXTRACTABLE] and index[Attribute.SIGN]
    assert not index[Attribute.ALWAYS_SENSITIVE]  # honest: it was in a file before
    # Opened again with the same file, the token's secret is checked, not replaced.
    assert hsm.open_with(index_secret=secret).index_key() == local.index_key()
    other = LocalKeyFile(tmp_path / "other" / "kek.json")
    with pytest.raises(KeyProviderError, match="not the key file's"):
        hsm.open_with(index_secret=other.export_index_secret())


def test_a_second_process_sees_versions_made_by_another(hsm: Hsm) -> None:
    import subprocess
    import sys

    server = hsm.open()
    _, wrapped = server.generate_data_key("hsm-1")
    script = (
        "import sys; from pathlib import Path; from fairscreen.vault.pkcs11 import Pkcs11Provider\n"
        "p = Pkcs11Provider(Path(sys.argv[1]), sys.argv[2], sys.argv[3])\n"
        "v = p.new_version(); sys.stdout.write(p.rewrap(bytes.fromhex(sys.argv[4]), 'hsm-1', v).hex())\n"
        "p.close()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(hsm.module), hsm.token, hsm.pin, wrapped.hex()],
        env={**hsm.env(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert server.unwrap("hsm-2", bytes.fromhex(out)) == server.unwrap("hsm-1", wrapped)
    assert server.versions() == ["hsm-1", "hsm-2"]
    assert server.current_version() == "hsm-2"


def test_wrong_pin_and_missing_token_are_clear_and_quote_no_pin(hsm: Hsm) -> None:
    with pytest.raises(KeyProviderError, match="refused the PIN") as caught:
        Pkcs11Provider(hsm.module, hsm.token, "not-the-pin-31337")
    assert "31337" not in str(caught.value)
    with pytest.raises(KeyProviderError, match="no token labelled 'nope'") as missing:
        Pkcs11Provider(hsm.module, "nope", PIN)
    assert hsm.token in str(missing.value)  # it says which tokens there are
    with pytest.raises(KeyProviderError, match="does not load"):
        Pkcs11Provider(Path("/nonexistent/libpkcs11.so"), hsm.token, PIN)


def test_create_false_does_not_touch_an_empty_token(hsm: Hsm) -> None:
    with pytest.raises(KeyProviderError, match="no fairscreen KEK"):
        hsm.open(create=False)
    lib = pkcs11.lib(str(hsm.module))
    with lib.get_token(token_label=hsm.token).open(user_pin=PIN) as session:
        assert list(session.get_objects({Attribute.KEY_TYPE: KeyType.AES})) == []


def test_settings_select_the_provider_and_hide_the_pin(
    hsm: Hsm, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        data_dir=tmp_path,
        key_provider="pkcs11",
        pkcs11_module=hsm.module,
        pkcs11_token=hsm.token,
        pkcs11_pin=hsm.pin,
    )
    assert hsm.pin not in repr(settings) and hsm.pin not in str(settings.model_dump())
    provider = open_provider(settings, mode=CREATE)
    try:
        assert isinstance(provider, Pkcs11Provider)
        assert not (tmp_path / "kek.json").exists()  # no local key file is made
    finally:
        provider.close()
    vault = open_vault(settings)  # the token has its keys now: no need to create
    try:
        made = vault.new_data_key(NOW)
        assert made.row["provider"] == "pkcs11"
        assert vault.readers == ()
    finally:
        vault.close()
    assert hsm.pin not in caplog.text
    with pytest.raises(KeyProviderError, match="FAIRSCREEN_PKCS11_PIN"):
        open_provider(settings.model_copy(update={"pkcs11_pin": None}))
    with pytest.raises(KeyProviderError, match="FAIRSCREEN_PKCS11_TOKEN"):
        open_provider(settings.model_copy(update={"pkcs11_token": None}))


def test_local_is_the_default(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.key_provider == "local"
    assert str(settings.pkcs11_module) == "/usr/lib/softhsm/libsofthsm2.so"
    with pytest.raises(KeyProviderError, match="keys init"):
        open_vault(settings)  # only a command that may make keys makes them
    assert not (tmp_path / "kek.json").exists()
    vault = open_vault(settings, mode=CREATE)
    assert vault.provider.name == "local" and (tmp_path / "kek.json").exists()


def test_nothing_secret_reaches_logs_or_exceptions(
    hsm: Hsm, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    provider = hsm.open()
    vault = Vault(provider)
    made = vault.new_data_key(NOW)
    key = provider.unwrap("hsm-1", made.row["wrapped"])
    provider.new_version()
    texts = [repr(provider), repr(vault), repr(made), provider.describe()]
    for attempt in (
        lambda: provider.unwrap("hsm-2", made.row["wrapped"]),
        lambda: vault.sealer(made.row["id"], "hsm-9", made.row["wrapped"]),
        lambda: provider.retire("hsm-2"),
        lambda: Pkcs11Provider(hsm.module, hsm.token, hsm.pin + "0"),
    ):
        with pytest.raises(KeyProviderError) as caught:
            attempt()
        texts += [str(caught.value), repr(caught.value)]
    provider.retire("hsm-1")
    text = "\n".join([caplog.text, *texts])
    assert "hsm-1" in caplog.text  # the log does say what happened
    for secret in (key, provider.index_key()):
        for form in (secret.hex(), secret.hex().upper(), repr(secret)):
            assert form not in text
    assert hsm.pin not in text
