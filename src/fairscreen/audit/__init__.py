"""The model's logic in public, and the proof that it does not discriminate.

- ``registry``: every artefact that shapes a light (policy pack, rule set, reference screener,
  identity matching) with its version and digest, published on the ledger when first used;
- ``cards``: the public model cards (zh-Hant, zh-Hans, en; Markdown and HTML), served at
  ``/models`` (``routes``) and written by ``fairscreen model card``;
- ``proxies``: the static guard that nothing between the sources and the light reads an ID
  number's digits, a name beyond identity matching, or a demographic field;
- ``counterfactual``: every candidate again with sex, birth year, ethnicity, ID region code,
  name style and the pronouns and honorifics of their references changed, re-screened;
- ``records``, ``bias``, ``output``: the outcome audit (selection rates, impact ratios,
  four-fifths flags, Fisher's exact test) over lights and employers' decisions.

See docs/audit.md.
"""
