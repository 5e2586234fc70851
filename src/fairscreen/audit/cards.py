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
        "Blind batches: sentences written before tuning and scored once (first scores). On the "
        "1,361-sentence tuning corpus: forbidden recall 1.000, private-life recall 1.000, "
        "misconduct precision and recall 1.000. Against three generated worlds of 20,000 "
        "candidates every sentence was classified as labelled, but the generator's templates "
        "overlap the tuning; the blind batches are the estimate for new text."
    ),
    "zh-Hant": (
        "盲測批次: 調整前撰寫、只評分一次的句子 (首次分數)。在 1,361 句的調整語料上: 禁止類別召回率 "
        "1.000, 私生活召回率 1.000, 不當行為精確率與召回率 1.000。在三個 20,000 名候選人的生成世界上"
        "每句分類皆與標註一致, 但生成器的模板與調整語料重疊; 盲測批次才是對新文本的估計。"
    ),
}


def shipped() -> dict[str, tuple[PolicyPack, RuleSet]]:
    """The policy pack and rule set shipped for each jurisdiction: what the server's cards
    describe."""
    from fairscreen.policy.pack import default_pack_for
    from fairscreen.rating.engine import default_ruleset_for

    pack = default_pack_for("CN")
    return {"CN": (pack, default_ruleset_for(pack))}


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
    """A pack title written '中文 english': the part in the card's language."""
    match = re.search(r"[A-Za-z]", title)
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


def _basis(pack: PolicyPack, key: str, language: str) -> str:
    basis = pack.legal_bases[key]
    if language == "en":
        english = _words()["bases"].get(key, {}).get("en")
        return f"{basis.citation}" + (f" ({english})" if english else "")
    summary = _T2S.convert(basis.summary) if language == "zh-Hans" else basis.summary
    citation = _T2S.convert(basis.citation) if language == "zh-Hans" else basis.citation
    return f"{citation}: {summary}"


def rule_in_words(rule: Rule, pack: PolicyPack, language: str) -> str:
    words = _words()
    light = _say(words["lights"][str(rule.light)], language)
    finding = _say(words["findings"][str(rule.finding)], language)
    if rule.subtypes:
        kinds = ", ".join(
            _say(words["subtypes"][s], language) if s in words["subtypes"] else s
            for s in sorted(rule.subtypes)
        )
        finding = f"{finding} ({kinds})"
    if rule.categories:
        where = ", ".join(
            _zh_or_en(pack.categories[c].title, language) for c in sorted(rule.categories)
        )
    else:
        where = label("all_categories", language)
    parts = [finding]
    if rule.within_years is not None:
        parts.append(label("within", language, n=rule.within_years))
    if rule.min_count is not None:
        parts.append(label("min_count", language, n=rule.min_count))
    sep = "; " if language == "en" else "；"
    text = f"{rule.id}: {light}. {sep.join(parts)} — {where}."
    return f"{text} {label('legal_basis', language)}: {_basis(pack, rule.legal_basis, language)}"


def _rule_key(rule: Rule) -> tuple[Any, ...]:
    return (
        rule.light,
        rule.code,
        rule.legal_basis,
        rule.item,
        rule.finding,
        rule.categories,
        rule.subtypes,
        rule.within_years,
        rule.min_count,
    )


def ruleset_diff(
    ruleset: RuleSet, previous: RuleSet | None, pack: PolicyPack, language: str
) -> list[str]:
    if previous is None:
        return [label("no_previous", language)]
    old = {r.id: r for r in previous.rules}
    new = {r.id: r for r in ruleset.rules}
    out = []
    for rid in sorted(new.keys() - old.keys()):
        out.append(f"{label('added', language)}: {rule_in_words(new[rid], pack, language)}")
    for rid in sorted(old.keys() - new.keys()):
        out.append(f"{label('removed', language)}: {rule_in_words(old[rid], pack, language)}")
    for rid in sorted(new.keys() & old.keys()):
        if _rule_key(new[rid]) != _rule_key(old[rid]):
            before = rule_in_words(old[rid], pack, language)
            after = rule_in_words(new[rid], pack, language)
            out.append(
                f"{label('changed', language)}: {label('from_to', language, a=before, b=after)}"
            )
    if [r.id for r in ruleset.rules if r.id in old] != [
        r.id for r in previous.rules if r.id in new
    ]:
        out.append(
            "The order of the rules changed (the first matching rule applies)."
            if language == "en"
            else _say({"en": "", "hant": "規則順序有變 (適用第一條匹配的規則)。"}, language)
        )
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


def pack_diff(pack: PolicyPack, previous: PolicyPack | None, language: str) -> list[str]:
    if previous is None:
        return [label("no_previous", language)]
    out = []
    for name in sorted(pack.categories.keys() | previous.categories.keys()):
        new, old = pack.categories.get(name), previous.categories.get(name)
        if new is None or old is None:
            verb = label("added" if old is None else "removed", language)
            out.append(f"{verb}: {name}")
            continue
        for item in sorted(new.items - old.items):
            out.append(f"{name}: {label('added', language)} {item}")
        for item in sorted(old.items - new.items):
            out.append(f"{name}: {label('removed', language)} {item}")
        for item in sorted(new.items & old.items):
            a = previous.lookback_years(name, item)
            b = pack.lookback_years(name, item)
            if a != b:
                out.append(
                    f"{name}: {item} {label('lookback', language)} "
                    + label(
                        "from_to",
                        language,
                        a=a or label("unlimited", language),
                        b=b or label("unlimited", language),
                    )
                )
    if pack.periods != previous.periods:
        out.append(
            f"{label('periods', language)}: "
            + label("from_to", language, a=previous.periods, b=pack.periods)
        )
    for f in sorted(pack.forbidden ^ previous.forbidden):
        verb = "added" if f in pack.forbidden else "removed"
        out.append(f"{label('forbidden', language)}: {label(verb, language)} {f}")
    return out or [label("no_changes", language)]


def lexicon_diff(
    current: dict[str, Any], previous: dict[str, Any] | None, language: str
) -> list[str]:
    """Terms added and removed per section of the lexicon, counted."""
    if previous is None:
        return [label("no_previous", language)]

    def terms(data: dict[str, Any]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}

        def walk(node: Any, path: str) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    walk(v, f"{path}.{k}" if path else k)
            elif isinstance(node, list) and all(isinstance(x, str) for x in node):
                out[path] = set(node)

        walk({k: v for k, v in data.items() if k not in ("lexicon", "anchors")}, "")
        return out

    new, old = terms(current), terms(previous)
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
    pack: PolicyPack | None = None
    ruleset: RuleSet | None = None
    lexicon: dict[str, Any] | None = None


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in version.split("."))


def _archived(kind: str) -> list[tuple[str, str]]:
    """The archive's files of one kind (``packs``, ``rulesets``, ``lexicons``): (name, text).
    The archive keeps every earlier published version of a shipped artefact, so a card can say
    what changed after the shipped file was replaced by its next version."""
    folder = resources.files("fairscreen.audit") / "archive" / kind
    if not folder.is_dir():
        return []
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def archived_previous(pack: PolicyPack, ruleset: RuleSet) -> Previous:
    """The archived version just before ``pack``, ``ruleset`` and the shipped lexicon, where
    the archive holds one (else ``None``: the card says it is the first published version)."""
    from fairscreen.audit.registry import lexicon_bytes
    from fairscreen.policy.pack import parse_pack
    from fairscreen.rating.engine import parse_ruleset

    previous = Previous()
    packs = [parse_pack(text, origin=f"archive/packs/{name}") for name, text in _archived("packs")]
    older = [
        p for p in packs if p.id == pack.id and _version_key(p.version) < _version_key(pack.version)
    ]
    if older:
        previous.pack = max(older, key=lambda p: _version_key(p.version))
    base = previous.pack or pack
    rulesets = []
    for name, text in _archived("rulesets"):
        head = tomllib.loads(text).get("ruleset", {})
        if head.get("id") == ruleset.id and _version_key(str(head.get("version"))) < _version_key(
            ruleset.version
        ):
            rulesets.append(parse_ruleset(text, base, origin=f"archive/rulesets/{name}"))
    if rulesets:
        previous.ruleset = max(rulesets, key=lambda r: _version_key(r.version))
    current = tomllib.loads(lexicon_bytes().decode("utf-8"))["lexicon"]["version"]
    lexicons = [tomllib.loads(text) for _, text in _archived("lexicons")]
    older_lexicons = [
        lx for lx in lexicons if _version_key(str(lx["lexicon"]["version"])) < _version_key(current)
    ]
    if older_lexicons:
        previous.lexicon = max(
            older_lexicons, key=lambda lx: _version_key(str(lx["lexicon"]["version"]))
        )
    return previous


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
            for name, n, s in REFERENCE_BLIND_BATCHES
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
    style = (
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.5}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}"
    )
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(card.title)} ({e(card.artefact.ref)})</title><style>{style}</style></head>\n"
        f"<body>\n{''.join(body)}\n</body>\n</html>\n"
    )


def file_name(card: Card, extension: str) -> str:
    return f"{card.slug}.{card.language}.{extension}"
