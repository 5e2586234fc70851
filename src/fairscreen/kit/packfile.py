"""Rule packs as TOML files: one reader for every versioned pack (the off-site rule set, the
monitors' packs), so each names the file, the table and the field that is wrong the same way.

A pack file is read whole (its SHA-256 is what goes on the ledger), parsed as TOML, and has a
head table (``[pack]`` or ``[ruleset]``) with ``id`` and ``version`` (and, for some, the
supervision ``scenario``). The body is checked by the pack's own code, field by field with
``need`` or in one go with a pydantic model (``validated``); every error is a ``PolicyError``
that starts with the file (``where``) and names the key path (``rules[3].severity``).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fairscreen.kit.errors import PolicyError

ModelT = TypeVar("ModelT", bound=BaseModel)

_ID = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_VERSION = re.compile(r"[0-9A-Za-z.+-]{1,40}")


@dataclass(frozen=True, slots=True)
class PackFile:
    where: str  # the file as errors name it
    digest: str  # SHA-256 of the file's bytes
    doc: dict[str, Any]  # the parsed TOML


@dataclass(frozen=True, slots=True)
class Head:
    id: str
    version: str
    scenario: str = ""  # when asked for

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def read(path: Path | None, package: str, name: str, what: str) -> tuple[bytes, str]:
    """The bytes of the pack at ``path`` (the shipped file ``name`` of ``package`` when None)
    and the name errors give it; a file that cannot be read is named with ``what`` it is."""
    if path is None:
        data = (resources.files(package) / name).read_bytes()
        return data, f"{package.replace('.', '/')}/{name}"
    try:
        return path.read_bytes(), str(path)
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the {what} ({exc.strerror})") from None


def parse(data: bytes, where: str) -> PackFile:
    """``data`` parsed as TOML; a file that is not is named."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{where}: not a TOML file ({exc})") from None
    return PackFile(where, hashlib.sha256(data).hexdigest(), doc)


def table(file: PackFile, name: str) -> dict[str, Any]:
    """The top-level table ``[name]``, which must be there."""
    found = file.doc.get(name)
    if not isinstance(found, dict):
        raise PolicyError(f"{file.where}: no [{name}] table")
    return found


def head(file: PackFile, name: str = "pack", *, scenario: bool = False) -> Head:
    """The head table ``[name]``: ``id`` (lower-case letters, digits, ``_``, ``-``), ``version``
    (letters, digits, ``.``, ``+``, ``-``) and, when asked for, the supervision ``scenario``."""
    spec = table(file, name)
    at = f"{file.where}: {name}"
    pid: str = need(spec, "id", at, str)
    if not _ID.fullmatch(pid):
        raise PolicyError(
            f"{at}.id: {pid!r} is not lower-case letters, digits, _ and - (a letter first, "
            "at most 40)"
        )
    version: str = need(spec, "version", at, str)
    if not _VERSION.fullmatch(version):
        raise PolicyError(f"{at}.version: {version!r} is not letters, digits, . + - (at most 40)")
    return Head(pid, version, need(spec, "scenario", at, str) if scenario else "")


def need(spec: Mapping[str, Any], key: str, at: str, kind: type) -> Any:
    """``spec[key]``, which must be there and of ``kind`` (a bool is not an int; a string not
    empty); an error names ``at.key``."""
    if key not in spec:
        raise PolicyError(f"{at}.{key}: missing")
    value = spec[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise PolicyError(f"{at}.{key}: expected a {kind.__name__}, got {value!r}")
    if isinstance(value, str) and not value.strip():
        raise PolicyError(f"{at}.{key}: must not be empty")
    return value


def one_of(spec: Mapping[str, Any], key: str, at: str, choices: Sequence[str]) -> str:
    """``spec[key]``, a string that must be one of ``choices``."""
    value: str = need(spec, key, at, str)
    if value not in choices:
        raise PolicyError(f"{at}.{key}: {value!r} is not one of {', '.join(choices)}")
    return value


def unknown_keys(spec: Mapping[str, Any], known: set[str], at: str) -> None:
    """Refuse a key the pack does not know (a misspelt setting is not silently ignored)."""
    unknown = set(spec) - known
    if unknown:
        raise PolicyError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}")


def validated(model: type[ModelT], doc: Mapping[str, Any], where: str) -> ModelT:
    """``doc`` checked by a pydantic ``model``; the first error names the file and the key path,
    an item of a list by its ``id`` when it has one (``rules[absolute_terms].severity``)."""
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PolicyError(f"{where}: {_path(doc, first['loc'])}: {first['msg']}") from None


def _path(doc: Any, loc: Sequence[int | str]) -> str:
    out = ""
    here: Any = doc
    for part in loc:
        if isinstance(part, int):
            item = here[part] if isinstance(here, list) and part < len(here) else None
            name = item.get("id") if isinstance(item, dict) else None
            out += f"[{name if isinstance(name, str) else f'#{part + 1}'}]"
            here = item
        else:
            out += f".{part}" if out else part
            here = here.get(part) if isinstance(here, dict) else None
    return out
