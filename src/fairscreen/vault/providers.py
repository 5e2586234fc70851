"""The key provider and vault the settings ask for; the pipeline, the server and the CLI open
them here and nowhere else.

``FAIRSCREEN_KEY_PROVIDER=local`` (the default) keeps the KEKs in ``{data_dir}/kek.json``;
``pkcs11`` keeps them on the token ``FAIRSCREEN_PKCS11_TOKEN`` of the module
``FAIRSCREEN_PKCS11_MODULE``, logging in with ``FAIRSCREEN_PKCS11_PIN``.

Keys never appear silently. Each opening says what it may do (``mode``):

- ``READ``: a command that only reads. Nothing is created, imported or recorded; a missing key
  is an error.
- ``USE``: a command that writes data but must not start a new key store (a deletion, a sweep,
  the server): a missing key is an error; keys not yet recorded in the database are recorded.
- ``CREATE``: the first screening into a database, or ``fairscreen keys init``. A missing key
  file (or an empty token) is created, but only if the database holds nothing that depends on
  it (no data keys, no blind indexes, no recorded key); otherwise it is the same error.

Every opening against a database then compares the keys with what the database recorded
(``fairscreen.vault.bindings``): a different key put in place is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import transaction
from fairscreen.kit.settings import Settings
from fairscreen.vault import bindings
from fairscreen.vault.core import Vault
from fairscreen.vault.keys import KeyProvider, KeyProviderError, LocalKeyFile

Mode = Literal["read", "use", "create"]
READ: Mode = "read"
USE: Mode = "use"
CREATE: Mode = "create"


def key_file_path(settings: Settings) -> Path:
    return settings.data_dir / "kek.json"


def _dependents(sessions: sessionmaker[Session] | None) -> tuple[bindings.Dependents, str]:
    if sessions is None:
        return bindings.Dependents(), "(no database)"
    with sessions() as session:
        return bindings.dependents(session), bindings.database_name(session)


def _no_key(where: str, db: str, needs: list[str], mode: Mode, fix: str) -> KeyProviderError:
    if needs:
        return bindings.MissingKeyError(
            f"{where}, and the database {db} depends on it: {'; '.join(needs)}. A new key "
            f"would open none of that, so none is made. {fix} ({bindings.RESTORE_DOC})"
        )
    if mode != CREATE:
        return bindings.MissingKeyError(
            f"{where}: nothing in {db} needs one yet, and this command does not make keys; "
            "`fairscreen keys init` (or the first `fairscreen screen`) makes them"
        )
    raise AssertionError("a key may be created")  # pragma: no cover - callers create instead


def open_provider(
    settings: Settings, sessions: sessionmaker[Session] | None = None, *, mode: Mode = USE
) -> KeyProvider:
    """The configured provider. With ``mode=CREATE`` and a database that needs no key yet, its
    first KEK version and index secret are made; otherwise a missing one is an error naming
    what depends on it (see the module docstring)."""
    path = key_file_path(settings)
    if settings.key_provider == "local":
        if path.exists():
            return LocalKeyFile(path, create=False)
        deps, db = _dependents(sessions)
        needs = deps.vault_needs("local")
        if needs or mode != CREATE:
            raise _no_key(
                f"{path}: the key file is missing",
                db,
                needs,
                mode,
                f"Restore kek.json from backup into {path.parent} (mode 0600)",
            )
        return LocalKeyFile(path, create=True)
    if settings.key_provider == "pkcs11":
        from fairscreen.vault.pkcs11 import EmptyTokenError, Pkcs11Provider

        if not settings.pkcs11_token:
            raise KeyProviderError("FAIRSCREEN_KEY_PROVIDER=pkcs11 needs FAIRSCREEN_PKCS11_TOKEN")
        if settings.pkcs11_pin is None:
            raise KeyProviderError("FAIRSCREEN_KEY_PROVIDER=pkcs11 needs FAIRSCREEN_PKCS11_PIN")
        # Moving from the key file: the token takes over its blind-index secrets (or must
        # already hold the same ones), so every blind index in the database stays valid.
        index_secrets = (
            LocalKeyFile(path, create=False).export_index_secrets() if path.exists() else None
        )

        def token(create: bool) -> KeyProvider:
            assert settings.pkcs11_token is not None and settings.pkcs11_pin is not None
            return Pkcs11Provider(
                settings.pkcs11_module,
                settings.pkcs11_token,
                settings.pkcs11_pin.get_secret_value(),
                create=create,
                index_secrets=index_secrets,
            )

        try:
            return token(create=False)
        except EmptyTokenError as exc:
            deps, db = _dependents(sessions)
            # The blind indexes need their secret too, unless the key file is there to give it.
            needs = deps.vault_needs("pkcs11", index=not index_secrets)
            if needs or mode != CREATE:
                raise _no_key(
                    str(exc).rstrip("."),
                    db,
                    needs,
                    mode,
                    f"Check FAIRSCREEN_PKCS11_TOKEN, or restore the token {settings.pkcs11_token!r} "
                    "from the HSM's backup",
                ) from None
            return token(create=True)
    raise KeyProviderError(f"FAIRSCREEN_KEY_PROVIDER: unknown provider {settings.key_provider!r}")


def open_legacy_providers(settings: Settings) -> list[KeyProvider]:
    """Providers that may still hold data keys but no longer wrap new ones: the local key file,
    when an HSM is configured and the file is still there (the move described in
    docs/vault.md). Opened read-only: nothing is created."""
    path = key_file_path(settings)
    if settings.key_provider != "local" and path.exists():
        return [LocalKeyFile(path, create=False)]
    return []


def open_vault(
    settings: Settings,
    sessions: sessionmaker[Session] | None = None,
    *,
    mode: Mode = USE,
    check_keys: bool = True,
) -> Vault:
    """The vault over the configured provider (and any legacy one still needed to unwrap),
    checked against the keys ``sessions``' database recorded (and, unless ``mode`` is
    ``READ``, recording the ones it now depends on). ``check_keys=False`` leaves the check to
    the caller (``fairscreen keys status`` shows what is wrong rather than stopping at it)."""
    provider = open_provider(settings, sessions, mode=mode)
    try:
        vault = Vault(provider, readers=open_legacy_providers(settings))
        if sessions is not None and check_keys:
            check(vault, sessions, settings, mode=mode)
        return vault
    except BaseException:
        provider.close()
        raise


def check(
    vault: Vault,
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    mode: Mode,
    raise_fatal: bool = True,
) -> list[bindings.Finding]:
    """Compare ``vault`` with the database's record of its keys; raise on anything fatal,
    return the rest (warnings). Records new keys unless ``mode`` is ``READ``."""
    places = {"local": f"key file {key_file_path(settings)}"}
    if mode == READ:
        with sessions() as session:
            problems = bindings.check_vault(session, vault, record_new=False, places=places)
        if raise_fatal:
            bindings.raise_fatal(problems)
        return problems
    with transaction(sessions) as session:
        problems = bindings.check_vault(session, vault, record_new=True, places=places)
        bindings.raise_fatal(problems)  # rolls back anything recorded
    return problems
