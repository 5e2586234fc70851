"""Fixtures for the vault: SoftHSM2 tokens made for each test, and key setups for both providers.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the PKCS#11 library is first initialised, so each test
process points it at a token directory of its own before any test opens the library; each test
then gets a fresh token in it, made with ``softhsm2-util`` as an operator would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fairscreen.kit.settings import Settings
from fairscreen.vault.keys import KeyProvider, LocalKeyFile

SOFTHSM_MODULE = Path(
    os.environ.get("FAIRSCREEN_TEST_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
)
PIN = "20261129"
SO_PIN = "so-20261129"


@pytest.fixture(scope="session")
def softhsm_conf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("softhsm2-util") is None or not SOFTHSM_MODULE.exists():
        pytest.skip("SoftHSM2 is not installed (scripts/test installs Debian's softhsm2)")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n"
        "slots.removable = false\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    return conf


@dataclass
class Hsm:
    """A fresh SoftHSM2 token: how to reach it, from this process or a child."""

    conf: Path
    token: str
    pin: str = PIN
    module: Path = SOFTHSM_MODULE
    opened: list[KeyProvider] = field(default_factory=list)

    def open(self, *, create: bool = True) -> KeyProvider:
        from fairscreen.vault.pkcs11 import Pkcs11Provider

        provider = Pkcs11Provider(self.module, self.token, self.pin, create=create)
        self.opened.append(provider)
        return provider

    def open_with(self, *, index_secret: bytes) -> KeyProvider:
        from fairscreen.vault.pkcs11 import Pkcs11Provider

        provider = Pkcs11Provider(self.module, self.token, self.pin, index_secret=index_secret)
        self.opened.append(provider)
        return provider

    def env(self) -> dict[str, str]:
        return {
            "SOFTHSM2_CONF": str(self.conf),
            "FAIRSCREEN_KEY_PROVIDER": "pkcs11",
            "FAIRSCREEN_PKCS11_MODULE": str(self.module),
            "FAIRSCREEN_PKCS11_TOKEN": self.token,
            "FAIRSCREEN_PKCS11_PIN": self.pin,
        }


def init_token(conf: Path, label: str) -> None:
    import pkcs11

    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            PIN,
            "--so-pin",
            SO_PIN,
        ],
        env={**os.environ, "SOFTHSM2_CONF": str(conf)},
        check=True,
        capture_output=True,
    )
    # The library lists slots once per initialisation; no provider is open between tests.
    pkcs11.lib(str(SOFTHSM_MODULE)).reinitialize()


@pytest.fixture
def hsm(softhsm_conf: Path) -> Iterator[Hsm]:
    token = Hsm(softhsm_conf, f"t-{uuid.uuid4().hex[:12]}")
    init_token(softhsm_conf, token.token)
    yield token
    for provider in token.opened:
        provider.close()


@dataclass
class KeySetup:
    """One provider kind, with what a child process needs in its environment to open it."""

    kind: str
    data_dir: Path
    hsm: Hsm | None = None
    opened: list[KeyProvider] = field(default_factory=list)

    def open(self) -> KeyProvider:
        if self.hsm is not None:
            return self.hsm.open()
        provider = LocalKeyFile(self.data_dir / "kek.json")
        self.opened.append(provider)
        return provider

    def env(self) -> dict[str, str]:
        env = {"FAIRSCREEN_DATA_DIR": str(self.data_dir), "FAIRSCREEN_KEY_PROVIDER": "local"}
        if self.hsm is not None:
            env.update(self.hsm.env())
        return env

    def settings(self) -> Settings:
        return Settings(
            **{  # type: ignore[arg-type]  # environment-style strings, validated by pydantic
                k.removeprefix("FAIRSCREEN_").lower(): v
                for k, v in self.env().items()
                if k.startswith("FAIRSCREEN_")
            }
        )


@pytest.fixture(params=["local", "pkcs11"])
def keys(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeySetup]:
    """Each test that takes ``keys`` runs with the local key file and with a SoftHSM2 token."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)  # fairscreen refuses a data directory open to others
    if request.param == "local":
        setup = KeySetup("local", data_dir)
        yield setup
    else:
        token: Hsm = request.getfixturevalue("hsm")
        yield KeySetup("pkcs11", data_dir, token)
