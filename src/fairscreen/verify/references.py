"""Screening of free-text references before anything in them can reach a report.

A former colleague's remark is not a record. Each sentence of a reference is put in one of four
kinds, with this precedence (a sentence is never cut in half):

1. ``forbidden``: it touches a forbidden category (marriage and romance, pregnancy, health,
   religion, ethnicity, household registration, union or political activity, sexual orientation,
   litigation as plaintiff). Excluded whatever else it says, negated or not.
2. ``private_life``: lifestyle, relationships, morals, conduct outside work: the 生活作风 remark
   of the Wang case. Excluded: it cannot be verified and is not job-related.
3. ``misconduct``: a concrete, verifiable, job-related act (dishonesty, violence, safety,
   confidentiality, harassment, attendance) or a disciplinary measure received at work
   (discipline) that the sentence does not deny. It still needs a second
   independent source before it is rated; that is the verifier's job, not this module's.
4. ``neutral``: everything else, opinions included ("not a team player" is not an act).

``hearsay`` flags second-hand phrasing (听说, 据说, "I heard", rumour...) on any sentence.

Who the words are about is read from structure where the lexicon says so: a forbidden or
private-life match inside one of its category's ``unless`` spans does not count ("导致对方受伤
就医" is the victim's injury, "the company took legal action against him" the candidate sued,
"we did not interact much outside of work" the referee's contact).

The vocabulary is data (``lexicon.toml``, versioned), compiled once into one alternation per
kind. Text and vocabulary pass through the same normaliser (NFKC, OpenCC t2s, case-folding), so
one Simplified-Chinese lexicon covers Traditional and Simplified text. See docs/references.md.
"""

from __future__ import annotations

import re
import sys
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final, Literal, Protocol

import ahocorasick_rs
import opencc

# The screener's sentences are the kit's (re-exported: ``split_sentences`` is part of this API).
from fairscreen.kit.sentences import split_sentences as split_sentences
from fairscreen.policy.vocabulary import ForbiddenCategory

Kind = Literal["neutral", "misconduct", "private_life", "forbidden"]
Language = Literal["zh-Hant", "zh-Hans", "en"]
MISCONDUCT_CATEGORIES: Final = (
    "dishonesty",
    "violence",
    "safety",
    "confidentiality",
    "harassment",
    "attendance",
    "discipline",
)
LANGUAGES: Final = ("zh-Hant", "zh-Hans", "en")


@dataclass(frozen=True, slots=True)
class Remark:
    index: int  # sentence index in the text, from 0, in order
    kind: Kind
    # for misconduct: dishonesty | violence | safety | confidentiality | harassment |
    # attendance | discipline; for forbidden: a ForbiddenCategory value; else None
    category: str | None
    hearsay: bool  # second-hand phrasing ("I heard", 聽說, 据说, rumour...)


# Remarks are immutable, so the common case is shared rather than rebuilt.
_NEUTRAL: Final = tuple(Remark(i, "neutral", None, False) for i in range(64))


_ASCII_LETTER = re.compile("[a-z]")


# --- normalisation ---------------------------------------------------------------------------

_T2S = opencc.OpenCC("t2s")
# Characters NFKC leaves alone or that only delimit (full-width ，！？：；（）, 、。「」『』, curly
# quotes, em dash): text made only of these skips the NFKC pass, which costs more than the rest
# of the screening. Every delimiter class in the lexicon lists both widths.
_NFKC_NEEDED = re.compile(
    "[^\x00-\x7f\u4e00-\u9fff\u3001\u3002\u300c-\u300f"
    "\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f\u2014\u2018\u2019\u201c\u201d]"
)


_LOOSE_SPACE = re.compile(r"[^\S\n ]| {2}")
_SPACES = re.compile(r"[^\S\n]+")


# Written Cantonese (Hong Kong references) uses its own function words where Mandarin, which
# the lexicon is written in, has others; they are read as their Mandarin counterparts so that
# one term covers both: 咗 了 (perfective), 嘅 的, 佢 他 (he or she), 唔 不, 冇 没, 喺 在, 嚟 来,
# 俾/畀 被 (the passive; also "give", harmless here), 攞/拎 拿, 搵 找, 睇 看, 啲 些, 嘢 东西,
# 哋 们; and 係 是 (before t2s, which would make it 系), except in 關係/聯係/維係/干係/幹係.
_CANTONESE: Final = str.maketrans(
    {
        "咗": "了",
        "嘅": "的",
        "佢": "他",
        "唔": "不",
        "冇": "没",
        "喺": "在",
        "嚟": "来",
        "俾": "被",
        "畀": "被",
        "攞": "拿",
        "拎": "拿",
        "搵": "找",
        "睇": "看",
        "啲": "些",
        "嘢": "东西",
        "哋": "们",
    }
)
_CANTONESE_CHARS: Final = re.compile("[咗嘅佢唔冇喺嚟俾畀攞拎搵睇啲嘢哋]")
# Full-width delimiters as NFKC reads them. Text made only of CJK and these skips the NFKC
# pass, while every term goes through it: without this, a gap in a Chinese term ("[^,，...]",
# written with both widths but NFKC'd to ",") would cross "，". (str.replace per mark is far
# cheaper than str.translate on CJK text.)
_FULL_WIDTH: Final = (
    ("，", ","),
    ("；", ";"),
    ("：", ":"),
    ("！", "!"),
    ("？", "?"),
    ("（", "("),
    ("）", ")"),
)
_CANTONESE_IS: Final = re.compile("(?<![關联聯維干幹])係")


def _mandarin(text: str) -> str:
    """Traditional to Simplified, and written Cantonese function words read as Mandarin."""
    if "係" in text:
        text = _CANTONESE_IS.sub("是", text)
    text = _T2S.convert(text)
    for ch in set(_CANTONESE_CHARS.findall(text)):  # str.translate is slow on CJK text
        text = text.replace(ch, _CANTONESE[ord(ch)])
    for wide, narrow in _FULL_WIDTH:
        if wide in text:
            text = text.replace(wide, narrow)
    return text


def normalise(text: str) -> str:
    """The form both the text and the lexicon are matched in.

    NFKC (full-width letters, compatibility ideographs), Traditional to Simplified (OpenCC t2s),
    written Cantonese function words read as Mandarin (佢 他, 咗 了, 唔 不, 俾 被...),
    case-folding; the typographic apostrophe read as ``'``, ``-`` as a space, and every run of
    whitespace other than a line break as one space. Lengths may change; nothing here relies on
    offsets into the original text."""
    if _NFKC_NEEDED.search(text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _mandarin(text)
    text = text.casefold().replace("\u2019", "'").replace("-", " ")
    if _LOOSE_SPACE.search(text):
        text = _SPACES.sub(" ", text)
    return text


# --- the compiled lexicon --------------------------------------------------------------------

_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_VERB = re.compile(r"<([a-z]+)>")
_VOWELS = frozenset("aeiou")


def _inflections(verb: str, irregular: Mapping[str, Iterable[str]]) -> str:
    """``steal`` -> ``(?:stealing|stealed|steals|stolen|stole|steal)``: regular forms plus the
    irregular ones the lexicon lists. A wrong regular form ("stealed") only costs a branch."""
    forms = {verb}
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        forms |= {verb + "s", verb + "d", verb[:-1] + "ing"}
    elif verb.endswith("y") and len(verb) > 1 and verb[-2] not in _VOWELS:
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied", verb + "ing"}
    elif verb.endswith(("s", "sh", "ch", "x", "z")):
        forms |= {verb + "es", verb + "ed", verb + "ing"}
    elif (
        len(verb) <= 4
        and verb[-1] not in _VOWELS | {"w", "x", "y"}
        and verb[-2] in _VOWELS
        and verb[-3] not in _VOWELS
    ):  # short consonant-vowel-consonant: slap -> slapped
        forms |= {verb + "s", verb + verb[-1] + "ed", verb + verb[-1] + "ing"}
    else:
        forms |= {verb + "s", verb + "ed", verb + "ing"}
    forms |= set(irregular.get(verb, ()))
    return "(?:" + "|".join(sorted(forms, key=lambda f: (-len(f), f))) + ")"


def _spaces_outside_classes(pattern: str) -> str:
    """A literal space in a term means "whitespace within the sentence" (never the newline that
    separates sentences). Spaces inside [...] and inside look-behinds (which must keep a fixed
    width) stay single spaces."""
    out: list[str] = []
    groups: list[bool] = []  # one entry per open group: is it a look-behind?
    in_class = escaped = False
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            groups.append(pattern.startswith(("(?<!", "(?<="), i))
        elif ch == ")" and groups:
            groups.pop()
        elif ch == " " and not any(groups):
            out.append(r"(?:[^\S\n]+)")  # grouped, so "co ?worker" keeps its "?"
            continue
        out.append(ch)
    return "".join(out)


# A term may not start or end inside an ASCII word ("union" not in "reunion", "stole" not in
# "stolen"); an edge that is not an ASCII letter or digit (听说 in "听说He...") is unconstrained.
_WORD_START = "(?:(?<![a-z0-9])|(?![a-z0-9]))"
_WORD_END = "(?:(?![a-z0-9])|(?<![a-z0-9]))"
_ASCII_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _leads_outside_words(pattern: str) -> bool:
    """True when every match of ``pattern`` (the lexicon's regex dialect) provably begins with
    a character that is not an ASCII letter or digit, as for nearly every Chinese term: the
    word-start check can never fail for it and is skipped. Conservative: anything the check
    does not understand (classes with ranges or escapes, ``.``, ``\\w``) counts as "may begin
    inside a word"."""
    state, _ = _lead_alternation(pattern, 0)
    return state == "outside"


def _lead_alternation(p: str, i: int) -> tuple[str, int]:
    """("outside" | "inside" | "empty", end): how every alternative from ``i`` can begin;
    "empty" when some alternative may consume nothing (the continuation decides)."""
    states: list[str] = []
    while True:
        state, i = _lead_sequence(p, i)
        states.append(state)
        if i < len(p) and p[i] == "|":
            i += 1
            continue
        break
    if "inside" in states:
        return "inside", i
    return ("empty" if "empty" in states else "outside"), i


def _lead_sequence(p: str, i: int) -> tuple[str, int]:
    state = "empty"  # until an atom that must consume a character decides
    while i < len(p) and p[i] not in "|)":
        ch, atom = p[i], "inside"
        if ch == "(":
            zero_width = p.startswith(("(?=", "(?!", "(?<=", "(?<!"), i)
            opener = 4 if p.startswith(("(?<=", "(?<!"), i) else 3
            inner, i = _lead_alternation(p, i + opener)
            i += 1  # ")"
            atom = "zero" if zero_width else inner
        elif ch == "[":
            end = _class_end(p, i)
            members = p[i + 1 : end - 1]
            ok = bool(members) and not any(c in members for c in "^-\\")
            atom = "outside" if ok and not (set(members) & _ASCII_WORD_CHARS) else "inside"
            i = end
        elif ch == "\\":
            nxt = p[i + 1]
            atom = "inside" if nxt.isalnum() else "outside"
            i += 6 if nxt == "u" else 2
        elif ch in "^$":
            atom, i = "zero", i + 1
        else:
            atom = "inside" if ch == "." or ch in _ASCII_WORD_CHARS else "outside"
            i += 1
        at_least, _, i = _AnchorPicker._quantifier(p, i)
        if state != "empty" or atom == "zero":
            continue
        if atom == "inside":
            state = "inside"
        elif atom == "outside" and at_least >= 1:
            state = "outside"
    return state, i


class LexiconError(ValueError):
    """The lexicon file is malformed; the message names the section and the term."""


# --- anchors: the literal prefilter ----------------------------------------------------------
#
# Running ~1,500 alternatives at every position of a text costs milliseconds. Instead, each
# term gets an *anchor set*: literal strings, one of which every match of the term contains
# ("(?:his|her) health" -> {"health"}; "<steal>" -> {"steal", "stole", ...}). The lexicon's
# anchors go into one Aho-Corasick automaton (``ahocorasick_rs``), which finds all of them in
# one pass over a sentence; a term's own pattern runs only on the sentences where one of its
# anchors occurs. The small negation and clause matchers keep a trie-shaped regex each.


def _class_end(p: str, i: int) -> int:
    """Index just past the character class that starts at ``p[i] == "["``."""
    j = i + 1
    if j < len(p) and p[j] == "^":
        j += 1
    if j < len(p) and p[j] == "]":
        j += 1
    while j < len(p) and p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    if j >= len(p):
        raise ValueError("unterminated character class")
    return j + 1


_MAX_PRODUCT = 64  # adjacent literal pieces are joined into longer anchors up to this many


@dataclass(frozen=True, slots=True)
class _Anchoring:
    best: frozenset[str] | None  # the anchor set chosen for this piece of pattern
    exact: frozenset[str] | None  # every string the piece can match, when it is that simple


class _AnchorPicker:
    """Derives anchor sets from a term in the lexicon's regex dialect (non-capturing groups,
    look-arounds, classes, quantifiers; a space is one space, as the normaliser leaves it).
    Adjacent literal pieces are joined ("病" + "(?:了|倒)" -> {"病了", "病倒"}), an optional
    literal piece doubles the set ("违反(?:了)?安全" -> {"违反安全", "违反了安全"}), a class
    that only lists characters is a literal piece; among the mandatory pieces the best set wins:
    none of it on the ``avoid`` list, then the longest shortest member, then the fewest
    members, then the longest on average."""

    def __init__(self, avoid: Iterable[str]) -> None:
        self.avoid = frozenset(avoid)

    def score(self, anchors: frozenset[str], index: int) -> tuple[bool, int, int, float, int]:
        lengths = [len(a) for a in anchors]
        return (
            not any(all(word in self.avoid for word in a.split()) for a in anchors),
            min(lengths),
            -len(lengths),
            sum(lengths) / len(lengths),
            index,
        )

    def of(self, pattern: str) -> frozenset[str] | None:
        found, end = self._alternation(pattern, 0)
        if end != len(pattern):
            raise ValueError(f"unbalanced parenthesis at {end}")
        if found.best is None:
            return None
        # A piece after a gap can begin with a space ("{person} by the collar"); the trie of
        # ASCII anchors would be entered at every space of a text. The rest is an anchor too.
        return frozenset(a.lstrip(" ") if a.strip(" ") else a for a in found.best)

    def _alternation(self, p: str, i: int) -> tuple[_Anchoring, int]:
        options: list[_Anchoring] = []
        while True:
            option, i = self._sequence(p, i)
            options.append(option)
            if i < len(p) and p[i] == "|":
                i += 1
                continue
            break
        best: frozenset[str] | None = None
        if all(o.best is not None for o in options):
            best = frozenset().union(*(o.best for o in options if o.best is not None))
        exact: frozenset[str] | None = None
        if all(o.exact is not None for o in options):
            exact = frozenset().union(*(o.exact for o in options if o.exact is not None))
        return _Anchoring(best, exact), i

    def _sequence(self, p: str, i: int) -> tuple[_Anchoring, int]:
        mandatory: list[frozenset[str]] = []
        chain: frozenset[str] | None = None  # adjacent literal pieces joined so far
        exact: frozenset[str] | None = frozenset([""])  # the whole sequence, while literal

        def close() -> None:
            nonlocal chain
            if chain is not None and "" not in chain:
                mandatory.append(chain)
            chain = None

        while i < len(p) and p[i] not in "|)":
            piece, group, zero_width, i = self._atom(p, i)
            at_least, quantified, i = self._quantifier(p, i)
            if zero_width:
                continue  # an assertion consumes nothing: adjacency holds
            strings = piece if piece is not None else (group.exact if group else None)
            if strings is not None and quantified == "?":  # optional: present or not
                strings, quantified = strings | {""}, ""
            if strings is not None and not quantified:
                joined = {a + b for a in (chain or {""}) for b in strings}
                if len(joined) <= _MAX_PRODUCT:
                    chain = frozenset(joined)
                else:
                    close()
                    chain = strings
                exact = (
                    frozenset(a + b for a in exact for b in strings) if exact is not None else None
                )
                if exact is not None and len(exact) > _MAX_PRODUCT:
                    exact = None
                continue
            close()
            exact = None
            if at_least >= 1:
                if strings is not None:
                    mandatory.append(strings)
                elif group is not None and group.best is not None:
                    mandatory.append(group.best)
        close()
        best = None
        if mandatory:
            best = max(enumerate(mandatory), key=lambda item: self.score(item[1], item[0]))[1]
        return _Anchoring(best, exact), i

    def _atom(self, p: str, i: int) -> tuple[frozenset[str] | None, _Anchoring | None, bool, int]:
        """(literal strings, group, zero width, next index) for the atom at ``i``."""
        ch = p[i]
        if ch == "\\":
            nxt = p[i + 1]
            if nxt.isalnum():  # \s, \n, \u4e00...: not a literal
                return None, None, False, i + (6 if nxt == "u" else 2)
            return frozenset([nxt]), None, False, i + 2
        if ch == "[":
            end = _class_end(p, i)
            members = p[i + 1 : end - 1]
            if members and not any(c in members for c in "^-\\"):  # just a list: [男女]
                return frozenset(members), None, False, end
            return None, None, False, end
        if ch == "(":
            for opener, zero_width in (
                ("(?:", False),
                ("(?=", True),
                ("(?!", True),
                ("(?<=", True),
                ("(?<!", True),
            ):
                if p.startswith(opener, i):
                    group, i = self._alternation(p, i + len(opener))
                    if i >= len(p) or p[i] != ")":
                        raise ValueError("unbalanced parenthesis")
                    return None, None if zero_width else group, zero_width, i + 1
            raise ValueError(f"unsupported group at {i}")
        if ch in "^$":
            return None, None, True, i + 1
        if ch == ".":
            return None, None, False, i + 1
        return frozenset([ch]), None, False, i + 1

    @staticmethod
    def _quantifier(p: str, i: int) -> tuple[int, str, int]:
        """(minimum repetitions, the quantifier or "", next index)."""
        if i >= len(p) or p[i] not in "?*+{":
            return 1, "", i
        start = i
        if p[i] == "{":
            close_brace = p.index("}", i)
            at_least = int(p[i + 1 : close_brace].split(",")[0] or 0)
            i = close_brace + 1
        else:
            at_least = 0 if p[i] in "?*" else 1
            i += 1
        if i < len(p) and p[i] == "?":  # lazy
            i += 1
        return at_least, p[start:i], i


def _trie_regex(words: Iterable[str]) -> str:
    """One regex matching any of ``words``, longest first, shaped as a trie so that every
    top-level branch starts with a literal (which lets `re` skip non-starting characters)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    top = [re.escape(ch) + emit(child) for ch, child in sorted(trie.items())]
    return "|".join(top)


# --- the compiled lexicon --------------------------------------------------------------------

TermKind = Literal["forbidden", "private_life", "misconduct", "hearsay"]


class _Search(Protocol):
    def __call__(self, text: str, pos: int = ..., endpos: int = ..., /) -> re.Match[str] | None: ...


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One term: a body searched at full speed, and zero-width checks on where a match may
    start (the ASCII word boundary, the misconduct guards). A regex that begins with a
    look-behind makes `re` attempt every position; checking candidate starts afterwards keeps
    `re`'s first-character quick scan for the body. The checks depend on the start position
    only, so this finds exactly what ``regex``, the same term as one pattern, finds. Without
    start checks, ``search`` is the compiled body's own method (no Python frame per call)."""

    body: re.Pattern[str]
    start: re.Pattern[str] | None
    regex: str
    search: _Search = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "search", self.body.search if self.start is None else self._checked_search
        )

    def _checked_search(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        start, search = self.start, self.body.search
        assert start is not None
        while (m := search(text, pos, endpos)) is not None:
            if start.match(text, m.start()):
                return m
            pos = m.start() + 1
        return None

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        while (m := self.search(text, pos, endpos)) is not None:
            yield m
            pos = max(m.end(), m.start() + 1)


@dataclass(frozen=True, slots=True)
class _Term:
    kind: TermKind
    category: str | None
    rank: int  # among categories of one kind: lower wins
    pattern: _Pattern
    anchors: frozenset[str]  # every match contains one of these
    source: str  # the term as written in the lexicon, for error messages and tests


@dataclass(frozen=True, slots=True)
class _Matcher:
    """A small set of terms (negation cues, blockers, clause splitters) searched in a short
    stretch of text: anchors first, then only the patterns whose anchors occur there."""

    anchors: re.Pattern[str]
    by_anchor: Mapping[str, frozenset[_Pattern]]  # anchor (and its prefixes)
    always: frozenset[_Pattern]  # terms with no literal part (a punctuation class)

    def spans(self, text: str, pos: int, endpos: int) -> list[tuple[int, int]]:
        patterns = set(self.always)
        search, at = self.anchors.search, pos
        while (hit := search(text, at, endpos)) is not None:
            patterns |= self.by_anchor[hit.group()]
            at = hit.start() + 1
        return sorted(m.span() for pattern in patterns for m in pattern.finditer(text, pos, endpos))


@dataclass(frozen=True, slots=True)
class _Lexicon:
    version: str
    terms: tuple[_Term, ...]
    # Every anchor of every term, ASCII and Chinese, in one Aho-Corasick automaton (Rust, one
    # pass over a sentence, every occurrence of every anchor, overlapping ones included). Anchor
    # number n wakes the terms anchor_terms[n] (is ASCII, term ids); ASCII anchors count only in
    # a text with a Latin letter.
    anchors: ahocorasick_rs.AhoCorasick
    anchor_terms: tuple[tuple[bool, tuple[int, ...]], ...]
    # Spans in which a forbidden category's words (by category) or private life's (None) are
    # about someone other than the candidate, or about no one's private life. Tried only on a
    # sentence where a term of that category matched, so they have no anchors (see _found).
    unless: Mapping[str | None, tuple[_Pattern, ...]]
    # Tried only on sentences that name an act:
    refutations: _Matcher  # anywhere in the sentence, they clear every act
    victims: _Matcher  # an act inside one was suffered, not done
    negation: _Matcher  # cues and deflectors: before an act, in its clause
    blockers: _Matcher
    window: int
    clauses: _Matcher


def _open_piece(pattern: str) -> str | None:
    """The first piece of ``pattern`` (expanded, spaces literal) that can match an open set of
    words: a negated class (``[^,，]{0,4}``, the ``{gapN}`` macros), a class with a letter or CJK
    range, ``.`` or a class escape (``\\w``, ``\\S``). Look-arounds are skipped: they test the
    context and do not widen the span. None when every piece is a closed word set. An ``unless``
    span must be closed, or it can swallow a forbidden or private-life word about the candidate
    ("在仓库私生活抽烟" would hide 私生活 inside a span for smoking at work)."""
    lookaround = 0
    groups: list[bool] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if lookaround == 0 and pattern[i + 1] in "wWsSdD":
                return pattern[i : i + 2]
            i += 6 if pattern[i + 1] == "u" else 2
            continue
        if ch == "[":
            end = _class_end(pattern, i)
            members = pattern[i + 1 : end - 1]
            ranges = re.findall(r"(.)-(.)", members.replace("\\-", ""))
            wide = any(not (a.isdigit() and b.isdigit()) for a, b in ranges)
            if lookaround == 0 and (members.startswith("^") or wide):
                return pattern[i:end]
            i = end
            continue
        if ch == "(":
            is_look = pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i)
            groups.append(is_look)
            lookaround += is_look
        elif ch == ")" and groups:
            lookaround -= groups.pop()
        elif ch == "." and lookaround == 0:
            return "."
        i += 1
    return None


class _Builder:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.macros: dict[str, str] = dict(data.get("macros", {}))
        self.irregular: dict[str, list[str]] = dict(data.get("english", {}).get("irregular", {}))

    def expand(self, term: str, where: str) -> str:
        """Macros and verbs expanded, Chinese normalised; spaces still literal."""
        for _ in range(4):  # macros may use macros
            expanded = _MACRO.sub(lambda m: self._macro(m.group(1), where), term)
            if expanded == term:
                break
            term = expanded
        term = _VERB.sub(lambda m: _inflections(m.group(1), self.irregular), term)
        if not term.isascii():
            term = _mandarin(unicodedata.normalize("NFKC", term))
        return term

    def _macro(self, name: str, where: str) -> str:
        try:
            return self.macros[name]
        except KeyError:
            raise LexiconError(f"{where}: unknown macro {{{name}}}") from None

    def pattern(
        self, raw: str, where: str, guard: tuple[str, str] = ("", "")
    ) -> tuple[_Pattern, str]:
        """One term as (pattern, expanded form): checked, and kept from starting or ending
        inside an ASCII word. A leading ``~`` drops the start boundary (``~n't`` in "didn't")."""
        if raw != raw.casefold():
            raise LexiconError(f"{where}: {raw!r} is not lower case")
        open_start = raw.startswith("~")
        expanded = self.expand(raw.removeprefix("~"), where)
        body = _spaces_outside_classes(expanded)
        try:
            compiled = re.compile(body)
        except re.error as exc:
            raise LexiconError(f"{where}: {raw!r} is not a valid pattern: {exc}") from None
        if compiled.groups:
            raise LexiconError(f"{where}: {raw!r} has a capturing group; use (?:...)")
        start = guard[0] + ("" if open_start or _leads_outside_words(body) else _WORD_START)
        tail = f"(?:{body}){_WORD_END}{guard[1]}"
        compiled_start = re.compile(start) if start else None
        return _Pattern(re.compile(tail), compiled_start, start + tail), expanded

    def span(self, raw: str, where: str) -> _Pattern:
        """An ``unless`` span: a pattern built from closed word sets only (see _open_piece)."""
        pattern, expanded = self.pattern(raw, where)
        if (piece := _open_piece(expanded)) is not None:
            raise LexiconError(
                f"{where}: {raw!r} has an open piece {piece!r}; build unless spans from closed "
                "word sets (a macro such as {atwork_zh}), never {gapN}, [^...] or [a-z]+"
            )
        return pattern

    def matcher(self, terms: Iterable[str], where: str, picker: _AnchorPicker) -> _Matcher:
        anchored: dict[str, set[_Pattern]] = {}
        always: set[_Pattern] = set()
        for raw in terms:
            pattern, expanded = self.pattern(raw, where)
            anchors = picker.of(expanded)
            if anchors is None:
                always.add(pattern)
            for anchor in anchors or ():
                anchored.setdefault(anchor, set()).add(pattern)
        if not anchored and not always:
            raise LexiconError(f"{where}: no terms")
        return _Matcher(
            anchors=re.compile(_trie_regex(anchored) or "(?!)"),
            by_anchor={
                anchor: frozenset(
                    p for n in range(1, len(anchor) + 1) for p in anchored.get(anchor[:n], ())
                )
                for anchor in anchored
            },
            always=frozenset(always),
        )


def _terms(data: Mapping[str, Any], *path: str) -> list[str]:
    node: Any = data
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            raise LexiconError(f"missing [{'.'.join(path)}]")
        node = node[key]
    if not isinstance(node, list) or not all(isinstance(t, str) for t in node):
        raise LexiconError(f"[{'.'.join(path)}] must be a list of strings")
    return node


def compile_lexicon(data: Mapping[str, Any]) -> _Lexicon:
    """Build the matchers from a parsed lexicon file (``tomllib`` output)."""
    b = _Builder(data)
    forbidden_order = list(data.get("forbidden", {}).get("priority", ()))
    expected = sorted(c.value for c in ForbiddenCategory if c is not ForbiddenCategory.PRIVATE_LIFE)
    if sorted(forbidden_order) != expected:
        raise LexiconError(f"forbidden.priority must list exactly {expected}")
    unknown = set(data.get("forbidden", {})) - {"priority", *expected}
    if unknown:
        raise LexiconError(f"forbidden: unknown categories {sorted(unknown)}")
    misconduct = data.get("misconduct", {})
    priority = list(misconduct.get("priority", ()))
    if sorted(priority) != sorted(MISCONDUCT_CATEGORIES):
        raise LexiconError(f"misconduct.priority must list exactly {MISCONDUCT_CATEGORIES}")
    act_guard = (str(misconduct.get("guard_before", "")), str(misconduct.get("guard_after", "")))

    groups: list[tuple[TermKind, str | None, int, list[str], tuple[str, str], str]] = []
    unless: dict[str | None, tuple[_Pattern, ...]] = {}
    for rank, name in enumerate(forbidden_order):  # private life is its own kind of remark
        path = ("forbidden", name, "terms")
        groups.append(("forbidden", name, rank, _terms(data, *path), ("", ""), ".".join(path)))
        if "unless" in data["forbidden"][name]:
            path = ("forbidden", name, "unless")
            where = ".".join(path)
            unless[name] = tuple(b.span(raw, where) for raw in _terms(data, *path))
    groups.append(
        ("private_life", None, 0, _terms(data, "private_life", "terms"), ("", ""), "private_life")
    )
    if "unless" in data["private_life"]:
        where = "private_life.unless"
        unless[None] = tuple(b.span(raw, where) for raw in _terms(data, "private_life", "unless"))
    for rank, category in enumerate(priority):
        path = ("misconduct", category, "terms")
        groups.append(
            ("misconduct", category, rank, _terms(data, *path), act_guard, ".".join(path))
        )
    groups.append(("hearsay", None, 0, _terms(data, "hearsay", "terms"), ("", ""), "hearsay"))

    picker = _AnchorPicker(data.get("anchors", {}).get("avoid", ()))
    terms: list[_Term] = []
    anchored: dict[str, list[int]] = {}
    for kind, label, rank, raws, guard, where in groups:
        for raw in raws:
            pattern, expanded = b.pattern(raw, where, guard)
            try:
                anchors = picker.of(expanded)
            except ValueError as exc:
                raise LexiconError(f"{where}: {raw!r}: {exc}") from None
            if anchors is None:
                raise LexiconError(f"{where}: {raw!r} has no literal part to anchor it")
            for anchor in anchors:
                anchored.setdefault(anchor, []).append(len(terms))
            terms.append(_Term(kind, label, rank, pattern, anchors, raw))

    anchor_list = sorted(anchored)

    cues = _terms(data, "negation", "cues") + _terms(data, "negation", "deflectors")
    return _Lexicon(
        version=str(data["lexicon"]["version"]),
        terms=tuple(terms),
        anchors=ahocorasick_rs.AhoCorasick(anchor_list),
        anchor_terms=tuple((a.isascii(), tuple(sorted(set(anchored[a])))) for a in anchor_list),
        unless=unless,
        refutations=b.matcher(
            _terms(data, "negation", "refutations"), "negation.refutations", picker
        ),
        victims=b.matcher(_terms(data, "negation", "victims"), "negation.victims", picker),
        negation=b.matcher(cues, "negation", picker),
        blockers=b.matcher(_terms(data, "negation", "blockers"), "negation.blockers", picker),
        window=int(data["negation"]["window"]),
        clauses=b.matcher(_terms(data, "clauses", "splitters"), "clauses", picker),
    )


@cache
def _lexicon() -> _Lexicon:
    text = resources.files("fairscreen.verify").joinpath("lexicon.toml").read_text("utf-8")
    return compile_lexicon(tomllib.loads(text))


def lexicon_version() -> str:
    """The version of the vocabulary in use: findings and exclusions should cite it."""
    return _lexicon().version


# --- screening -------------------------------------------------------------------------------


def screen_reference(text: str, language: str) -> list[Remark]:
    """One :class:`Remark` per sentence of ``text`` (see :func:`split_sentences`).

    ``language`` is checked ("zh-Hant", "zh-Hans" or "en") but not trusted: every text goes
    through the same normaliser, so a Traditional phrase in a "zh-Hans" reference, or an English
    word in a Chinese one, is still seen."""
    return _screen(text, language, None)


def _screen(text: str, language: str, backup: Callable[[str], str | None] | None) -> list[Remark]:
    """``screen_reference``, with an optional ``backup`` classifier that may label (never
    lift) a sentence in which the lexicon found no adverse term at all: it is given the
    normalised sentence and returns "forbidden:<c>", "private_life", "misconduct:<c>" or None.
    The screener ships without one; scripts/train_reference_model.py uses this hook to measure
    a trained model against the lexicon (docs/references.md, "A model was tried")."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown reference language {language!r}; expected one of {LANGUAGES}")
    sentences = split_sentences(text)
    if not sentences:
        return []
    lex = _lexicon()
    # One normalisation pass for the whole reference; "\n" separates sentences (a sentence's own
    # line breaks become spaces, and no term, gap or anchor crosses "\n").
    if "\n" in text or "\r" in text:
        sentences = [" ".join(s.splitlines()) for s in sentences]
    norm = normalise("\n".join(sentences))
    parts = norm.split("\n")
    if len(parts) != len(sentences):  # a normaliser quirk; never observed, but stay correct
        parts = [normalise(s) for s in sentences]
        norm = "\n".join(parts)
    starts = [0]
    for part in parts[:-1]:
        starts.append(starts[-1] + len(part) + 1)

    # Which terms could match in which sentence: every occurrence of every anchor, overlapping
    # ones included, each sentence scanned on its own (no anchor contains "\n").
    latin = norm.isascii() or _ASCII_LETTER.search(norm) is not None
    scan, anchor_terms = lex.anchors.find_matches_as_indexes, lex.anchor_terms
    woken: dict[int, set[int]] = {}
    for i, part in enumerate(parts):
        found: set[int] = set()
        for anchor, _, _ in scan(part, overlapping=True):
            ascii, terms = anchor_terms[anchor]
            if latin or not ascii:
                found.update(terms)
        if found:
            woken[i] = found

    remarks = []
    for i in range(len(sentences)):
        ids = woken.get(i)
        if ids is None:
            remark = _NEUTRAL[i] if i < len(_NEUTRAL) else Remark(i, "neutral", None, False)
            decided = False
        else:
            begin, end = starts[i], starts[i] + len(parts[i])
            remark, decided = _decide(lex, norm, begin, end, i, sorted(ids))
        if not decided and backup is not None and (label := backup(parts[i])):
            kind, _, category = label.partition(":")
            remark = Remark(i, kind, category or None, remark.hearsay)  # type: ignore[arg-type]
        remarks.append(remark)
    return remarks


def _classify(lex: _Lexicon, norm: str, begin: int, end: int, index: int, ids: list[int]) -> Remark:
    """The lexicon's remark for ``norm[begin:end]``, trying only the terms whose anchors occur
    in it."""
    return _decide(lex, norm, begin, end, index, ids)[0]


def _decide(
    lex: _Lexicon, norm: str, begin: int, end: int, index: int, ids: list[int]
) -> tuple[Remark, bool]:
    """The lexicon's remark, and whether the lexicon decided it: True as soon as a forbidden,
    private-life or misconduct term matched at all (inside an ``unless`` span, or an act that
    turned out denied, refuted or suffered, included). Only an undecided neutral sentence is
    shown to a backup classifier (see ``_screen``)."""
    terms = [lex.terms[t] for t in ids]
    hearsay = any(t.pattern.search(norm, begin, end) for t in terms if t.kind == "hearsay")

    unless = lex.unless
    decided = False
    forbidden: _Term | None = None
    for t in terms:
        if t.kind == "forbidden" and (forbidden is None or t.rank < forbidden.rank):
            found = _found(t.pattern, unless.get(t.category, ()), norm, begin, end)
            decided = decided or found is not None
            if found:
                forbidden = t
    if forbidden is not None:
        return Remark(index, "forbidden", forbidden.category, hearsay), True
    private = unless.get(None, ())
    for t in terms:
        if t.kind == "private_life":
            found = _found(t.pattern, private, norm, begin, end)
            if found:
                return Remark(index, "private_life", None, hearsay), True
            decided = decided or found is not None

    acts = [
        (m.start(), t.rank, t.category or "")
        for t in terms
        if t.kind == "misconduct" and t.pattern.body.search(norm, begin, end)  # cheap refusal
        for m in t.pattern.finditer(norm, begin, end)
    ]
    if not acts:
        return Remark(index, "neutral", None, hearsay), decided
    if lex.refutations.spans(norm, begin, end):
        return Remark(index, "neutral", None, hearsay), True
    suffered = lex.victims.spans(norm, begin, end)
    # The act that names the remark is the highest-priority one that stands: try them in
    # priority order and stop at the first; each start position is checked once.
    denied: dict[int, bool] = {}
    for start, _, category in sorted(acts, key=lambda act: act[1]):
        if start not in denied:
            denied[start] = any(a <= start < b for a, b in suffered) or _denied(
                lex, norm, begin, start
            )
        if not denied[start]:
            return Remark(index, "misconduct", category, hearsay), True
    return Remark(index, "neutral", None, hearsay), True


def _found(
    term: _Pattern, unless: tuple[_Pattern, ...], norm: str, begin: int, end: int
) -> bool | None:
    """Does ``term`` match in ``norm[begin:end]`` outside every span of its category's
    ``unless`` patterns? Those spans say who the words are about: "导致对方受伤就医" (an injury
    the candidate caused, not the candidate's health), "the company took legal action against
    him" (the candidate sued, not suing), "we did not interact much outside of work" (the
    referee's contact, not the candidate's private life). A match counts unless one span holds
    all of it; every start position is tried, so a match that reaches out of a span is found.
    The spans are computed only once the term has matched. None: no match at all; False: it
    matches, but each match lies inside a span."""
    m = term.search(norm, begin, end)
    if m is None:
        return None
    if not unless:
        return True
    spans = [s.span() for u in unless for s in u.finditer(norm, begin, end)]
    while m is not None:
        if not any(a <= m.start() and m.end() <= b for a, b in spans):
            return True
        m = term.search(norm, m.start() + 1, end)
    return False


def _denied(lex: _Lexicon, norm: str, sentence_start: int, act: int) -> bool:
    """A negation cue or a deflector ("reported a colleague who...") governs the act: it stands
    in the act's clause, at most ``window`` characters before it, with no blocker ("就", "but",
    "and") between them."""
    start = max(sentence_start, act - lex.window)
    for _, end in lex.clauses.spans(norm, start, act):
        start = max(start, end)
    cues = lex.negation.spans(norm, start, act)
    if not cues:
        return False
    last_end = max(end for _, end in cues)
    return not lex.blockers.spans(norm, last_end, act)
