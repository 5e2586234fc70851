"""Name material: both scripts of every surname and given-name character share a name key."""

from __future__ import annotations

from fairscreen.kit.names import name_key
from fairscreen.synth import names


def test_names_keep_their_key_in_both_scripts() -> None:
    for simp, trad, _, weight in names.SURNAMES:
        assert name_key(simp) == name_key(trad) and weight > 0
    for char in names.all_given_characters():
        assert name_key(char) == name_key(names.to_traditional(char)), char
