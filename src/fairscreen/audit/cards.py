"""Model cards: one per artefact that shapes a light, in zh-Hant, zh-Hans and en, as Markdown
and HTML, for the public.

A card says what the artefact reads and never reads, each of its rules in plain words with the
legal basis, its measured accuracy, its known limits and what changed from the previous version.
The rules are written out from the artefact itself (the loaded policy pack, rule set, lexicon
and identity-matching declaration), so a card cannot drift from what runs; the surrounding
words are in ``cards.toml`` (English and Traditional Chinese; Simplified is converted with
OpenCC). Cards are served without login at ``/models`` (``fairscreen.audit.routes``) and
written by ``fairscreen model card``.
"""

from __future__ import annotations

import html
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import opencc

from fairscreen.audit.registry import Artefact, identity_matching, in_use, reference_screener
from fairscreen.policy.pack import PolicyPack
from fairscreen.rating.engine import Rule, RuleSet

LANGUAGES = ("zh-Hant", "zh-Hans", "en")
_T2S = opencc.OpenCC("t2s")

# The reference screener's blind batches: first scores, written before tuning and scored once
# (docs/references.md, "Accuracy"): batch, sentences, then precision / recall per kind.
REFERENCE_BLIND_BATCHES: tuple[tuple[str, int, tuple[float, ...]], ...] = (
    ("references_holdout", 70, (0.962, 0.893, 1.000, 0.958, 0.971, 0.756)),
    ("references_holdout2", 62, (1.000, 1.000, 1.000, 0.958, 0.906, 1.000)),
    ("references_variants", 249, (0.977, 0.739, 1.000, 0.823, 1.000, 0.925)),
    ("references_variants2", 70, (1.000, 0.969, 1.000, 0.500, 0.875, 0.972)),
    ("references_variants3", 134, (0.760, 0.311, 0.429, 1.000, 1.000, 0.061)),
    ("references_variants4", 82, (1.000, 0.564, 0.750, 0.750, 1.000, 0.560)),
    ("references_variants5", 77, (0.912, 0.886, 1.000, 0.500, 1.000, 0.556)),
    ("references_blind_a", 373, (0.926, 0.926, 0.938, 0.833, 0.981, 0.477)),
    ("references_variants6", 176, (0.938, 0.836, 0.818, 0.692, 0.978, 0.677)),
    ("references_variants7", 157, (0.971, 0.931, 1.000, 0.875, 0.935, 0.741)),
)
# Blind batch B (its first score: it has since been used for tuning) and blind batch C: written
# from the definitions only, held back, scored once (docs/references.md, "Blind batch C"): the
# last row is the estimate to quote.
REFERENCE_BLIND_B: tuple[str, int, tuple[float, ...]] = (
    "references_blind_b",
    377,
    (0.948, 0.930, 0.931, 0.818, 0.958, 0.613),
)
# After batch B's round, the tuner's fresh batches (not blind), each scored once then tuned on.
REFERENCE_BLIND_BATCHES += (
    REFERENCE_BLIND_B,
    ("references_variants8", 111, (0.951, 0.951, 1.000, 0.714, 0.917, 0.524)),
    ("references_variants9", 83, (1.000, 0.857, 0.800, 1.000, 0.944, 0.586)),
)
REFERENCE_BLIND_LATEST: tuple[str, int, tuple[float, ...]] = (
    "references_blind_c",
    420,
    (0.968, 0.883, 0.909, 0.714, 0.915, 0.699),
)
REFERENCE_ACCURACY_HEAD = {
    "en": (
        "batch",
        "sentences",
        "forbidden P / R",
        "private life P / R",
        "misconduct P / R",
    ),
    "zh-Hant": ("批次", "句數", "禁止類別 精確/召回", "私生活 精確/召回", "不當行為 精確/召回"),
}
REFERENCE_ACCURACY_NOTE = {
    "en": (
        "First scores of batches written before tuning, each scored once; the last row, blind "
        "batch C (written from the category definitions only by someone who never saw the "
        "lexicon, held back until the screener was final, scored with lexicon 2026.12.9), is "
        "the estimate to quote: forbidden and private-life remarks together are found at "
        "recall 0.850 (about one in eight reaches the employer read as neutral), misconduct at "
        "recall 0.699 and precision 0.915; 4 of 213 forbidden or private-life sentences were "
        "read as misconduct."
    ),
    "zh-Hant": (
        "各批次均在調整前撰寫、只評分一次 (首次分數); 最後一行盲測批次 C (由從未看過詞典的人僅依類別定義撰寫, "
        "待篩查器定稿後才評分, 使用詞典 2026.12.9) 是應引用的估計: 禁止類別與私生活合計召回率 "
        "0.850 (約每八句有一句被當作中性而到達僱主), 不當行為召回率 0.699、精確率 0.915; "
        "213 句禁止類別或私生活的句子中有 4 句被判為不當行為。"
    ),
}


def shipped() -> dict[str, tuple[PolicyPack, RuleSet]]:
    """The policy pack and rule set shipped for each jurisdiction: what the server's cards
    describe."""
    from fairscreen.policy.pack import default_pack_for, shipped_packs
    from fairscreen.rating.engine import default_ruleset_for

    out = {}
    for jurisdiction in sorted(shipped_packs()):
        pack = default_pack_for(jurisdiction)
        out[jurisdiction] = (pack, default_ruleset_for(pack))
    return out


@cache
def _words() -> dict[str, Any]:
    text = (resources.files("fairscreen.audit") / "cards.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _say(entry: dict[str, str], language: str, **values: object) -> str:
    if language == "en":
        text = entry["en"]
    else:
        text = entry.get("hant", entry["en"])
        if language == "zh-Hans":
            text = _T2S.convert(text)
    return text.format(**values) if values else text


def label(key: str, language: str, **values: object) -> str:
    return _say(_words()["labels"][key], language, **values)


def _zh_or_en(title: str, language: str) -> str:
    """A pack title written '中文 english': the part in the card's language (a title in one
    language only is that title in every card)."""
    match = re.search(r"[A-Za-z]", title)
    if match is not None and match.start() == 0:
        return title
    if match is None:
        return title if language != "zh-Hans" else _T2S.convert(title)
    zh, en = title[: match.start()].strip(), title[match.start() :].strip()
    if language == "en":
        return en
    return _T2S.convert(zh) if language == "zh-Hans" else zh


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    table: tuple[tuple[str, ...], list[tuple[str, ...]]] | None = None


@dataclass
class Card:
    artefact: Artefact
    language: str
    title: str
    sections: list[Section]

    @property
    def slug(self) -> str:
        return self.artefact.kind.replace("_", "-")


def _cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _basis(pack: PolicyPack, key: str, language: str) -> str:
    """A legal basis as the card's reader can read it: the pack's citation and summary (in the
    statute's language), with the citation in English for an English card on a Chinese pack."""
    basis = pack.legal_bases[key]
    citation, summary = basis.citation, basis.summary
    if language == "en" and _cjk(citation):
        english = _words()["bases"].get(key, {}).get("en")
        return english or citation
    if language == "zh-Hans":
        citation, summary = _T2S.convert(citation), _T2S.convert(summary)
    return f"{citation}: {summary}"


def _vocabulary(table: str, keys: Iterable[str], language: str) -> str:
    words = _words()[table]
    sep = ", " if language == "en" else "、"
    return sep.join(_say(words[k], language) if k in words else k for k in sorted(keys))


def rule_in_words(rule: Rule, pack: PolicyPack, language: str) -> str:
    light = _say(_words()["lights"][str(rule.light)], language)
    finding = _say(_words()["findings"][str(rule.finding)], language)
    if rule.subtypes:
        finding = f"{finding} ({_vocabulary('subtypes', rule.subtypes, language)})"
    if rule.categories:
        where = ", ".join(
            _zh_or_en(pack.categories[c].title, language) for c in sorted(rule.categories)
        )
    else:
        where = label("all_categories", language)
    parts = [finding]
    culpability = getattr(rule, "culpability", None)
    if culpability:
        kinds = _vocabulary("culpability", (str(c) for c in culpability), language)
        parts.append(label("culpability", language, kinds=kinds))
    penalties = getattr(rule, "penalties", None)
    if penalties:
        kinds = _vocabulary("penalties", (str(p) for p in penalties), language)
        parts.append(label("penalties", language, kinds=kinds))
    probation = getattr(rule, "probation", None)
    if probation is not None:
        parts.append(label("probation_true" if probation else "probation_false", language))
    if rule.within_years is not None:
        parts.append(label("within", language, n=rule.within_years))
    if rule.min_count is not None:
        parts.append(label("min_count", language, n=rule.min_count))
    if getattr(rule, "min_findings", None):
        parts.append(label("min_findings", language, n=rule.min_findings))
    if getattr(rule, "bar", False):
        parts.append(label("bar", language))
    sep = "; " if language == "en" else "；"
    text = f"{rule.id}: {light}. {sep.join(parts)} — {where}."
    return f"{text} {label('legal_basis', language)}: {_basis(pack, rule.legal_basis, language)}"


# Rule fields a rule set decides with; fields added to the engine later default to these values
# (a rule archived before a field existed compares as having its default).
_RULE_DEFAULTS: dict[str, Any] = {
    "culpability": None,
    "penalties": None,
    "probation": None,
    "bar": False,
    "min_findings": None,
}


def _plain(value: Any) -> Any:
    if isinstance(value, (frozenset, set)):
        return sorted(str(v) for v in value)
    if value is None or isinstance(value, (bool, int)):
        return value
    return str(value)


def rule_fields(rule: Rule) -> dict[str, Any]:
    """What a rule decides with, as JSON values (its id aside)."""
    names = [n for n in rule.__dataclass_fields__ if n != "id"]
    return {n: _plain(getattr(rule, n)) for n in names}


def _same_rule(old: dict[str, Any], new: dict[str, Any]) -> bool:
    for name in old.keys() | new.keys():
        default = _plain(_RULE_DEFAULTS.get(name))
        if old.get(name, default) != new.get(name, default):
            return False
    return True


def snapshot_ruleset(ruleset: RuleSet, pack: PolicyPack) -> dict[str, Any]:
    """A rule set as the archive keeps it once a newer one replaces it: each rule's fields and
    its plain words in every language (so its card can still say what was removed or changed
    when the engine that parsed it is gone)."""
    return {
        "kind": "rule_set",
        "id": ruleset.id,
        "version": ruleset.version,
        "ref": ruleset.ref,
        "digest": ruleset.digest,
        "rules": [
            {
                "id": rule.id,
                "fields": rule_fields(rule),
                "text": {lang: rule_in_words(rule, pack, lang) for lang in LANGUAGES},
            }
            for rule in ruleset.rules
        ],
    }


def ruleset_diff(
    ruleset: RuleSet, previous: dict[str, Any] | None, pack: PolicyPack, language: str
) -> list[str]:
    """What changed from ``previous`` (an archived snapshot), rule by rule, in plain words."""
    if previous is None:
        return [label("no_previous", language)]
    old = {r["id"]: r for r in previous["rules"]}
    new = {r.id: r for r in ruleset.rules}
    out = []
    for rid in [r.id for r in ruleset.rules if r.id not in old]:
        out.append(f"{label('added', language)}: {rule_in_words(new[rid], pack, language)}")
    for rid in [r["id"] for r in previous["rules"] if r["id"] not in new]:
        out.append(f"{label('removed', language)}: {old[rid]['text'][language]}")
    for rid in [r.id for r in ruleset.rules if r.id in old]:
        if not _same_rule(old[rid]["fields"], rule_fields(new[rid])):
            before = old[rid]["text"][language]
            after = rule_in_words(new[rid], pack, language)
            out.append(
                f"{label('changed', language)}: {label('from_to', language, a=before, b=after)}"
            )
    kept_old = [r["id"] for r in previous["rules"] if r["id"] in new]
    if [r.id for r in ruleset.rules if r.id in old] != kept_old:
        out.append(label("reordered", language))
    return out or [label("no_changes", language)]


def _lookback(pack: PolicyPack, category: str, item: Any, language: str) -> str:
    years = pack.lookback_years(category, item)
    return label("unlimited", language) if years is None else label("years", language, n=years)


def pack_rules(pack: PolicyPack, language: str) -> list[str]:
    out = []
    for name, category in pack.categories.items():
        items = ", ".join(
            f"{_zh_or_en(pack.items[i].title, language)} ({label('lookback', language)} "
            f"{_lookback(pack, name, i, language)})"
            for i in sorted(category.items, key=list(pack.items).index)
        )
        out.append(
            f"{_zh_or_en(category.title, language)}: {label('category_items', language)} {items}."
        )
    separate = [_zh_or_en(p.title, language) for p in pack.items.values() if p.separate_consent]
    out.append(f"{label('separate', language)}: {', '.join(separate)}.")
    out.append(
        f"{label('forbidden', language)}: {', '.join(sorted(str(f) for f in pack.forbidden))}."
    )
    for item in pack.items.values():
        out.append(
            f"{_zh_or_en(item.title, language)} — {label('legal_basis', language)}: "
            f"{_basis(pack, item.legal_basis, language)}"
        )
    return out


def snapshot_pack(pack: PolicyPack) -> dict[str, Any]:
    """A policy pack as the archive keeps it: per category the items it may check and how far
    back, the items that need a separate consent, the forbidden categories and the periods."""
    return {
        "kind": "policy_pack",
        "id": pack.id,
        "version": pack.version,
        "ref": pack.ref,
        "digest": pack.digest,
        "categories": {
            name: {str(i): pack.lookback_years(name, i) for i in sorted(c.items, key=str)}
            for name, c in pack.categories.items()
        },
        "separate": sorted(str(i) for i, p in pack.items.items() if p.separate_consent),
        "forbidden": sorted(str(f) for f in pack.forbidden),
        "periods": {k: getattr(pack.periods, k) for k in pack.periods.__dataclass_fields__},
    }


def pack_diff(pack: PolicyPack, previous: dict[str, Any] | None, language: str) -> list[str]:
    """What changed from ``previous`` (an archived snapshot), in plain words."""
    if previous is None:
        return [label("no_previous", language)]
    current = snapshot_pack(pack)
    out = []
    unlimited = label("unlimited", language)
    for name in sorted(current["categories"].keys() | previous["categories"].keys()):
        new, old = current["categories"].get(name), previous["categories"].get(name)
        if new is None or old is None:
            out.append(f"{label('added' if old is None else 'removed', language)}: {name}")
            continue
        for item in sorted(new.keys() - old.keys()):
            out.append(f"{name}: {label('added', language)} {item}")
        for item in sorted(old.keys() - new.keys()):
            out.append(f"{name}: {label('removed', language)} {item}")
        for item in sorted(new.keys() & old.keys()):
            if new[item] != old[item]:
                a = unlimited if old[item] is None else label("years", language, n=old[item])
                b = unlimited if new[item] is None else label("years", language, n=new[item])
                out.append(
                    f"{name}: {item} {label('lookback', language)} "
                    + label("from_to", language, a=a, b=b)
                )
    for key in ("separate", "forbidden"):
        for value in sorted(set(current[key]) ^ set(previous[key])):
            verb = "added" if value in current[key] else "removed"
            out.append(f"{label(key, language)}: {label(verb, language)} {value}")
    for period, value in current["periods"].items():
        if previous["periods"].get(period) != value:
            out.append(
                f"{label('periods', language)}: {period} "
                + label("from_to", language, a=previous["periods"].get(period), b=value)
            )
    return out or [label("no_changes", language)]


def lexicon_terms(data: dict[str, Any]) -> dict[str, list[str]]:
    """Every term list (and named pattern) of a lexicon, by its section path: what the archive
    keeps of it."""
    out: dict[str, list[str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(node, list) and all(isinstance(x, str) for x in node):
            out[path] = sorted(node)
        elif isinstance(node, str):
            out[path] = [node]

    walk({k: v for k, v in data.items() if k not in ("lexicon", "anchors")}, "")
    return out


def snapshot_lexicon(data: dict[str, Any], digest: str) -> dict[str, Any]:
    version = str(data["lexicon"]["version"])
    return {
        "kind": "reference_screener",
        "id": "reference-lexicon",
        "version": version,
        "ref": f"reference-lexicon@{version}",
        "digest": digest,
        "terms": lexicon_terms(data),
    }


def lexicon_diff(
    current: dict[str, Any], previous: dict[str, Any] | None, language: str
) -> list[str]:
    """Terms added and removed per section of the lexicon, counted, from ``previous`` (an
    archived snapshot)."""
    if previous is None:
        return [label("no_previous", language)]
    new = {k: set(v) for k, v in lexicon_terms(current).items()}
    old = {k: set(v) for k, v in previous["terms"].items()}
    lines = []
    for section in sorted(new.keys() | old.keys()):
        added = len(new.get(section, set()) - old.get(section, set()))
        removed = len(old.get(section, set()) - new.get(section, set()))
        if added or removed:
            lines.append(f"{section}: +{added} / -{removed}")
    return lines or [label("no_changes", language)]


def _common(artefact: Artefact, language: str) -> tuple[str, list[Section]]:
    entry = _words()["artefacts"][artefact.kind]
    title = _say(entry["title"], language)
    head = Section(
        artefact.ref,
        paragraphs=[
            f"{label('version', language)}: {artefact.ref}",
            f"{label('digest', language)}: {artefact.digest}",
            label("ledger", language),
        ],
    )
    reads = Section(label("reads", language), paragraphs=[_say(entry["reads"], language)])
    never = Section(
        label("never_reads", language), paragraphs=[_say(entry["never_reads"], language)]
    )
    return title, [head, reads, never]


def _tail(artefact: Artefact, language: str, diff: list[str]) -> list[Section]:
    entry = _words()["artefacts"][artefact.kind]
    sections = []
    if "accuracy" in entry:
        sections.append(
            Section(label("accuracy", language), paragraphs=[_say(entry["accuracy"], language)])
        )
    sections.append(
        Section(label("limits", language), paragraphs=[_say(entry["limits"], language)])
    )
    sections.append(Section(label("diff", language), items=diff))
    return sections


@dataclass
class Previous:
    """The archived snapshots of the versions before the ones a card describes."""

    pack: dict[str, Any] | None = None
    ruleset: dict[str, Any] | None = None
    lexicon: dict[str, Any] | None = None


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in version.split("."))


@cache
def archive() -> tuple[dict[str, Any], ...]:
    """The archive (``fairscreen/audit/archive/*.json``): a snapshot of every shipped version of
    an artefact that a newer one replaced, so that a card can say what changed."""
    folder = resources.files("fairscreen.audit") / "archive"
    if not folder.is_dir():
        return ()
    return tuple(
        json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    )


def _before(kind: str, id_: str, version: str) -> dict[str, Any] | None:
    older = [
        s
        for s in archive()
        if s["kind"] == kind
        and s["id"] == id_
        and _version_key(s["version"]) < _version_key(version)
    ]
    return max(older, key=lambda s: _version_key(s["version"])) if older else None


def archived_previous(pack: PolicyPack, ruleset: RuleSet) -> Previous:
    """The archived version just before ``pack``, ``ruleset`` and the shipped lexicon, where
    the archive holds one (else ``None``: the card says it is the first published version)."""
    lexicon = reference_screener().ref.split("@", 1)[1]
    return Previous(
        pack=_before("policy_pack", pack.id, pack.version),
        ruleset=_before("rule_set", ruleset.id, ruleset.version),
        lexicon=_before("reference_screener", "reference-lexicon", lexicon),
    )


def cards(
    pack: PolicyPack,
    ruleset: RuleSet,
    *,
    languages: Iterable[str] = LANGUAGES,
    previous: Previous | None = None,
) -> list[Card]:
    """Every artefact's card in every language."""
    from fairscreen.audit.registry import lexicon_bytes

    previous = previous or Previous()
    out = []
    artefacts = {a.kind: a for a in in_use(pack, ruleset)}
    lexicon = tomllib.loads(lexicon_bytes().decode("utf-8"))
    for language in languages:
        a = artefacts["policy_pack"]
        title, sections = _common(a, language)
        sections.append(Section(label("rules", language), items=pack_rules(pack, language)))
        out.append(
            Card(
                a,
                language,
                title,
                [*sections, *_tail(a, language, pack_diff(pack, previous.pack, language))],
            )
        )

        a = artefacts["rule_set"]
        title, sections = _common(a, language)
        sections.append(
            Section(
                label("rules", language),
                paragraphs=[label("first_match", language)],
                items=[rule_in_words(r, pack, language) for r in ruleset.rules],
            )
        )
        out.append(
            Card(
                a,
                language,
                title,
                [
                    *sections,
                    *_tail(a, language, ruleset_diff(ruleset, previous.ruleset, pack, language)),
                ],
            )
        )

        a = reference_screener()
        title, sections = _common(a, language)
        entry = _words()["artefacts"]["reference_screener"]
        sections.append(
            Section(
                label("rules", language),
                items=[
                    _say(entry[k], language)
                    for k in ("rule_forbidden", "rule_private", "rule_misconduct", "rule_neutral")
                ],
            )
        )
        key = "en" if language == "en" else "zh-Hant"
        head: tuple[str, ...] = REFERENCE_ACCURACY_HEAD[key]
        rows: list[tuple[str, ...]] = [
            (
                name,
                str(n),
                f"{s[0]:.3f} / {s[1]:.3f}",
                f"{s[2]:.3f} / {s[3]:.3f}",
                f"{s[4]:.3f} / {s[5]:.3f}",
            )
            for name, n, s in (*REFERENCE_BLIND_BATCHES, REFERENCE_BLIND_LATEST)
        ]
        note = REFERENCE_ACCURACY_NOTE[key]
        if language == "zh-Hans":
            head = tuple(_T2S.convert(h) for h in head)
            note = _T2S.convert(note)
        accuracy = Section(label("accuracy", language), paragraphs=[note], table=(head, rows))
        tail = _tail(a, language, lexicon_diff(lexicon, previous.lexicon, language))
        out.append(Card(a, language, title, [*sections, accuracy, *tail]))

        a = identity_matching()
        title, sections = _common(a, language)
        sections.append(
            Section(
                label("rules", language),
                items=[
                    _say(entry_, language)
                    for entry_ in (
                        _words()["artefacts"]["identity_matching"][k]
                        for k in ("rule_strong", "rule_name_only", "rule_conflict", "rule_other")
                    )
                ],
            )
        )
        out.append(
            Card(
                a,
                language,
                title,
                [*sections, *_tail(a, language, [label("no_previous", language)])],
            )
        )
    return out


def to_markdown(card: Card) -> str:
    lines = [f"# {label('title', card.language)}: {card.title}", ""]
    for section in card.sections:
        lines += [f"## {section.heading}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.items:
            lines += [f"- {item}" for item in section.items] + [""]
        if section.table is not None:
            head, rows = section.table
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "---|" * len(head))
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


def to_html(card: Card, *, links: dict[str, str] | None = None) -> str:
    e = html.escape
    lang = {"zh-Hant": "zh-Hant", "zh-Hans": "zh-Hans", "en": "en"}[card.language]
    body = [f"<h1>{e(label('title', card.language))}: {e(card.title)}</h1>"]
    for section in card.sections:
        body.append(f"<h2>{e(section.heading)}</h2>")
        body += [f"<p>{e(p)}</p>" for p in section.paragraphs]
        if section.items:
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in section.items) + "</ul>")
        if section.table is not None:
            head, rows = section.table
            body.append(
                "<table><tr>"
                + "".join(f"<th>{e(h)}</th>" for h in head)
                + "</tr>"
                + "".join(
                    "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows
                )
                + "</table>"
            )
    if links:
        body.append(
            f"<p>{e(label('languages', card.language))}: "
            + " · ".join(f'<a href="{e(href)}">{e(name)}</a>' for name, href in links.items())
            + "</p>"
        )
    # a phone's 360 px: digests and rule ids wrap anywhere, a wide table scrolls on its own
    style = (
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.5;overflow-wrap:anywhere}"
        "table{border-collapse:collapse;display:block;max-width:100%;overflow-x:auto}"
        "td,th{border:1px solid #ccc;padding:.2rem .5rem}"
    )
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(card.title)} ({e(card.artefact.ref)})</title><style>{style}</style></head>\n"
        f"<body>\n{''.join(body)}\n</body>\n</html>\n"
    )


def file_name(card: Card, extension: str) -> str:
    return f"{card.slug}.{card.language}.{extension}"
