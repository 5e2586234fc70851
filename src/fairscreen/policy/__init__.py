"""Policy as data: the vocabulary every step shares (items, source kinds, forbidden categories,
finding codes, exclusion reasons) and the jurisdiction packs that say which items each position
category allows, how far back they look and how long data is kept (docs/policy-packs.md)."""
