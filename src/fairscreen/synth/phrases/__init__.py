"""Sentences for the free-text references of the synthetic world generator.

This package is the generator's answer key: whoever writes the reference classifier must not read
it (it would learn the templates instead of the language). Each template is one sentence; the
generator fills its slots, labels it with its kind, and joins the sentences of a reference (no
separator in Chinese, one space in English). Every filled sentence ends with exactly one
terminator and contains no other, so ``fairscreen.kit.sentences.split_sentences`` cuts a reference
into exactly its labelled sentences.

Kinds: ``opening:<relationship>``, ``positive``, ``neutral``, ``closing_positive``,
``closing_neutral`` (all labelled ``neutral`` or ``positive``), ``misconduct:<category>``,
``private_life`` and ``forbidden:<forbidden category>``. Each template carries a flag saying
whether it is phrased as second-hand hearsay (听说, 據說, I heard, apparently ...).

Traditional Chinese has its own templates and, in addition, every Simplified template converted
once with OpenCC, so that zh-Hant texts are as varied as zh-Hans ones.

``zh`` and ``en`` hold the templates, ``compose`` fills and joins them, ``table`` says their shape.
"""

from fairscreen.synth.phrases.compose import (
    PLACES,
    TEMPLATES,
    About,
    Sentence,
    compose,
    kinds,
    slots,
    to_hant,
)
from fairscreen.synth.phrases.table import FORBIDDEN, MISCONDUCT

__all__ = [
    "FORBIDDEN",
    "MISCONDUCT",
    "PLACES",
    "TEMPLATES",
    "About",
    "Sentence",
    "compose",
    "kinds",
    "slots",
    "to_hant",
]
