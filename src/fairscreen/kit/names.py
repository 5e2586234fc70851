"""Person names compared the way a registry clerk would: same person, same key.

Traditional and Simplified forms of the same characters (王曉明 / 王晓明), full-width letters,
case and spacing do not make two names different. This key is used for lookups and for the
name part of identity matching; it is never enough on its own to match a person.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    text = _T2S.convert(text)
    return " ".join(text.casefold().split())
