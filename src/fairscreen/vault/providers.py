"""The key provider and vault the settings ask for; the pipeline, the server and the CLI open
them here and nowhere else.

``FAIRSCREEN_KEY_PROVIDER=local`` (the default) keeps the KEKs in ``{data_dir}/kek.json``;
``pkcs11`` keeps them on the token ``FAIRSCREEN_PKCS11_TOKEN`` of the module
``FAIRSCREEN_PKCS11_MODULE``, logging in with ``FAIRSCREEN_PKCS11_PIN``.
"""

from __future__ import annotations

from pathlib import Path

from fairscreen.kit.settings import Settings
from fairscreen.vault.core import Vault
from fairscreen.vault.keys import KeyProvider, KeyProviderError, LocalKeyFile


def key_file_path(settings: Settings) -> Path:
    return settings.data_dir / "kek.json"


def open_provider(settings: Settings) -> KeyProvider:
    """The configured provider, creating its first KEK version if there is none yet."""
    if settings.key_provider == "local":
        return LocalKeyFile(key_file_path(settings))
    if settings.key_provider == "pkcs11":
        from fairscreen.vault.pkcs11 import Pkcs11Provider  # python-pkcs11 only when asked for

        if not settings.pkcs11_token:
            raise KeyProviderError("FAIRSCREEN_KEY_PROVIDER=pkcs11 needs FAIRSCREEN_PKCS11_TOKEN")
        if settings.pkcs11_pin is None:
            raise KeyProviderError("FAIRSCREEN_KEY_PROVIDER=pkcs11 needs FAIRSCREEN_PKCS11_PIN")
        # Moving from the key file: the token takes over its blind-index secret (or must
        # already hold the same one), so every blind index in the database stays valid.
        path = key_file_path(settings)
        index_secret = (
            LocalKeyFile(path, create=False).export_index_secret() if path.exists() else None
        )
        return Pkcs11Provider(
            settings.pkcs11_module,
            settings.pkcs11_token,
            settings.pkcs11_pin.get_secret_value(),
            index_secret=index_secret,
        )
    raise KeyProviderError(f"FAIRSCREEN_KEY_PROVIDER: unknown provider {settings.key_provider!r}")


def open_legacy_providers(settings: Settings) -> list[KeyProvider]:
    """Providers that may still hold data keys but no longer wrap new ones: the local key file,
    when an HSM is configured and the file is still there (the move described in
    docs/vault.md). Opened read-only: nothing is created."""
    path = key_file_path(settings)
    if settings.key_provider != "local" and path.exists():
        return [LocalKeyFile(path, create=False)]
    return []


def open_vault(settings: Settings) -> Vault:
    """The vault over the configured provider (and any legacy one still needed to unwrap)."""
    provider = open_provider(settings)
    try:
        return Vault(provider, readers=open_legacy_providers(settings))
    except BaseException:
        provider.close()
        raise
