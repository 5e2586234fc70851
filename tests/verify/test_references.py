"""Screening of free-text references (fairscreen.verify.references).

The labelled corpus (references_corpus.tsv and the two held-out batches) is scored per kind;
forbidden categories and the 生活作风 family must be caught without exception, because a
forbidden remark that slips through is the worst error the screener can make. Property tests
check what no corpus can enumerate: script conversions, insertions, arbitrary text, and that the
anchor prefilter never hides a match the full lexicon would find.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import opencc
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fairscreen.policy.vocabulary import ForbiddenCategory
from fairscreen.verify.references import (
    MISCONDUCT_CATEGORIES,
    LexiconError,
    Remark,
    _classify,
    _lexicon,
    _screen,
    compile_lexicon,
    lexicon_version,
    normalise,
    screen_reference,
    split_sentences,
)

HERE = Path(__file__).parent
CORPUS_FILES = tuple(sorted(p.name for p in HERE.glob("references_*.tsv")))
KINDS = ("forbidden", "private_life", "misconduct", "neutral")
FORBIDDEN = {c.value for c in ForbiddenCategory} - {ForbiddenCategory.PRIVATE_LIFE.value}
TRADITIONAL = {name: opencc.OpenCC(name) for name in ("s2t", "s2tw", "s2twp", "s2hk")}
T2S = opencc.OpenCC("t2s")
LANGUAGE = {"zh": "zh-Hans", "zht": "zh-Hant", "en": "en"}
# Sentences the lexicon gets wrong on purpose: a neutral sentence lost is the price of never
# letting the forbidden one through (docs/references.md, "Known limits").
KNOWN_FALSE_EXCLUSIONS = {
    "She cared for patients on the cancer ward with great compassion",
    "He coordinated the union of the two sales teams",
    # blind batch C (issue 11, third round): misconduct told beside a family word; the sentence is
    # excluded whole (a family meal expensed: 屋企人; a teacher's outing: 带孩子), so the claim is
    # lost, never a family remark reported (docs/references.md, Precedence and Known limits)
    "佢呃公司報銷，連屋企人食飯都當應酬報",
    "听说他带孩子们春游，把一个小朋友落在公园了",
    # job contexts that share words with a forbidden topic (docs/references.md, Known limits)
    "她在医院做医务社工，服务对象多是慢性病患者",
    "He represented the company at the industry union of bakers' federation meetings",
    "She was on the team that negotiated with the union",
}


_SENTENCE_END = re.compile(r"[。！？!?.]+$")


@dataclass(frozen=True)
class Case:
    source: str  # file:line, and the Traditional conversion when it is one
    language: str  # zh-Hans | zh-Hant | en
    text: str
    kind: str
    category: str | None
    hearsay: bool


def _parse(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        language, label, text = line.split("\t")
        text = _SENTENCE_END.sub("", text.strip())  # the blind batches keep their full stops
        hearsay = label.endswith("+h")
        kind, _, category = label.removesuffix("+h").partition(":")
        where = f"{path.name}:{number}"
        cases.append(Case(where, language, text, kind, category or None, hearsay))
    return cases


@cache
def written_cases() -> tuple[Case, ...]:
    return tuple(c for name in CORPUS_FILES for c in _parse(HERE / name))


@cache
def all_cases() -> tuple[Case, ...]:
    """Every written sentence, plus each Simplified one in four Traditional conversions."""
    out = []
    for case in written_cases():
        out.append(dataclasses.replace(case, language=LANGUAGE[case.language]))
        if case.language == "zh":
            for name, converter in TRADITIONAL.items():
                out.append(
                    dataclasses.replace(
                        case,
                        source=f"{case.source} ({name})",
                        language="zh-Hant",
                        text=converter.convert(case.text),
                    )
                )
    return tuple(out)


@cache
def known_sources() -> frozenset[str]:
    """file:line of the written sentences in KNOWN_FALSE_EXCLUSIONS (their Traditional
    conversions carry the same file:line)."""
    return frozenset(c.source for c in written_cases() if c.text in KNOWN_FALSE_EXCLUSIONS)


def is_known(case: Case) -> bool:
    return case.source.split(" (")[0] in known_sources()


def screen_one(case: Case) -> Remark:
    remarks = screen_reference(case.text, case.language)
    assert len(remarks) == 1, f"{case.source}: corpus lines must be single sentences"
    return remarks[0]


@dataclass
class Score:
    tp: Counter[str]
    fp: Counter[str]
    fn: Counter[str]
    wrong: list[tuple[Case, Remark]]
    category_checked: int = 0
    category_right: int = 0
    hearsay_right: int = 0
    total: int = 0

    def precision(self, kind: str) -> float:
        found = self.tp[kind] + self.fp[kind]
        return self.tp[kind] / found if found else 1.0

    def recall(self, kind: str) -> float:
        relevant = self.tp[kind] + self.fn[kind]
        return self.tp[kind] / relevant if relevant else 1.0


@cache
def score() -> Score:
    s = Score(Counter(), Counter(), Counter(), [])
    for case in all_cases():
        remark = screen_one(case)
        s.total += 1
        if remark.kind == case.kind:
            s.tp[case.kind] += 1
            if case.kind in ("forbidden", "misconduct"):
                s.category_checked += 1
                s.category_right += remark.category == case.category
        else:
            s.fp[remark.kind] += 1
            s.fn[case.kind] += 1
        s.hearsay_right += remark.hearsay == case.hearsay
        if (remark.kind, remark.category, remark.hearsay) != (
            case.kind,
            case.category,
            case.hearsay,
        ):
            s.wrong.append((case, remark))
    return s


# --- the corpus ------------------------------------------------------------------------------


def test_corpus_is_well_formed() -> None:
    cases = written_cases()
    assert len(cases) >= 600
    for case in cases:
        assert case.language in LANGUAGE, case.source
        assert case.kind in KINDS, case.source
        if case.kind == "forbidden":
            assert case.category in FORBIDDEN, case.source
        elif case.kind == "misconduct":
            assert case.category in MISCONDUCT_CATEGORIES, case.source
        else:
            assert case.category is None, case.source
        assert split_sentences(case.text) == [case.text.strip()], case.source
    # every kind and category in every script the screener reads
    seen = Counter((c.language, c.kind, c.category) for c in cases)
    for language in ("zh", "en"):
        for category in FORBIDDEN:
            assert seen[(language, "forbidden", category)] >= 3, (language, category)
        for category in MISCONDUCT_CATEGORIES:
            assert seen[(language, "misconduct", category)] >= 3, (language, category)
        assert seen[(language, "private_life", None)] >= 10
        assert seen[(language, "neutral", None)] >= 40
    assert sum(n for (language, _, _), n in seen.items() if language == "zht") >= 30


def test_precision_and_recall_per_kind(capsys: pytest.CaptureFixture[str]) -> None:
    s = score()
    rows = [
        f"{kind:13} precision {s.precision(kind):.3f}  recall {s.recall(kind):.3f}  "
        f"n={s.tp[kind] + s.fn[kind]}"
        for kind in KINDS
    ]
    rows.append(f"category accuracy {s.category_right / s.category_checked:.3f}")
    rows.append(f"hearsay accuracy  {s.hearsay_right / s.total:.3f}   sentences checked {s.total}")
    with capsys.disabled():
        print("\nreference screening on the labelled corpus", *rows, sep="\n  ")
    # The worst error is a forbidden or private-life remark let through: none allowed.
    assert s.recall("forbidden") == 1.0
    assert s.recall("private_life") == 1.0
    # A neutral sentence wrongly excluded only loses information; some is tolerated.
    assert s.precision("forbidden") >= 0.99
    assert s.precision("private_life") >= 0.99
    assert s.precision("misconduct") >= 0.98
    assert s.recall("misconduct") >= 0.98
    assert s.precision("neutral") >= 0.98
    assert s.recall("neutral") >= 0.98
    assert s.category_right / s.category_checked >= 0.98
    assert s.hearsay_right / s.total >= 0.98


def test_only_the_known_sentences_are_wrong() -> None:
    assert known_sources(), "every known exclusion is a corpus line"
    unexpected = sorted(
        f"{case.source}: want {case.kind}:{case.category}{'+h' * case.hearsay}, got "
        f"{remark.kind}:{remark.category}{'+h' * remark.hearsay}  {case.text}"
        for case, remark in score().wrong
        if not is_known(case)
    )
    assert not unexpected, unexpected


@pytest.mark.parametrize(
    "text",
    [
        "他生活作风存在问题",
        "因前同事的一句「生活作風存在問題」",
        "前同事说他生活作风存在问题",
        "據前同事反映，他的生活作風有些問題",
        "他作风有问题",
        "他的作风不太好",
        "听说他作风方面存在一些问题",
        "他私生活混乱",
        "His private life has problems",
        "I heard there are issues with his personal life",
    ],
)
def test_the_wang_remark_is_never_reported(text: str) -> None:
    """The remark of the Wang case, and its family, in any script: excluded, never rated."""
    language = "en" if text.isascii() else "zh-Hant"
    [remark] = screen_reference(text, language)
    assert remark.kind == "private_life"


def test_traditional_conversions_classify_like_the_simplified_sentence() -> None:
    for case in written_cases():
        if case.language != "zh":
            continue
        simplified = screen_reference(case.text, "zh-Hans")
        for name, converter in TRADITIONAL.items():
            traditional = converter.convert(case.text)
            assert screen_reference(traditional, "zh-Hant") == simplified, (case.source, name)


# --- behaviour -------------------------------------------------------------------------------


def test_one_remark_per_sentence_in_order() -> None:
    text = (
        "他工作認真負責，從未遲到。聽說他生活作風存在問題！他挪用了項目資金？"
        "She went on maternity leave. He stole cash from the till!  I would hire him again."
    )
    remarks = screen_reference(text, "zh-Hant")
    assert [r.index for r in remarks] == list(range(6))
    assert [(r.kind, r.category, r.hearsay) for r in remarks] == [
        ("neutral", None, False),
        ("private_life", None, True),
        ("misconduct", "dishonesty", False),
        ("forbidden", "pregnancy", False),
        ("misconduct", "dishonesty", False),
        ("neutral", None, False),
    ]


def test_line_breaks_inside_a_sentence_do_not_shift_indices() -> None:
    remarks = screen_reference("He was\nreliable. She\r\nstole cash from\nthe till. Fine", "en")
    assert [r.kind for r in remarks] == ["neutral", "misconduct", "neutral"]


def test_language_is_checked() -> None:
    with pytest.raises(ValueError, match="unknown reference language"):
        screen_reference("他很好", "zh")


def test_remarks_are_immutable_values() -> None:
    [remark] = screen_reference("He was reliable", "en")
    assert remark == Remark(0, "neutral", None, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        remark.kind = "misconduct"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "kind", "category"),
    [
        # harassment is workplace conduct; a relationship is private life
        ("He made unwanted advances to a coworker", "misconduct", "harassment"),
        ("He had an affair with a coworker", "private_life", None),
        ("他经常对女同事动手动脚", "misconduct", "harassment"),
        ("他和女同事关系暧昧", "private_life", None),
        # never half a sentence: the forbidden topic excludes the act with it
        ("She stole from the till while she was pregnant", "forbidden", "pregnancy"),
        ("他生活作风有问题，还经常骚扰女同事", "private_life", None),
        # negation, refutation, victims, other people's acts
        ("He never stole anything", "neutral", None),
        ("He didn't follow procedure and stole cash", "misconduct", "dishonesty"),
        ("他没有经过批准就挪用了资金", "misconduct", "dishonesty"),
        ("He was accused of theft but was later cleared", "neutral", None),
        ("She was harassed by her manager", "neutral", None),
        ("He reported a colleague who had been stealing", "neutral", None),
        # a negated forbidden topic is still the topic
        ("She is not married", "forbidden", "marriage_romance"),
        ("他生活作风没有问题", "private_life", None),
        # opinions are not acts
        ("He is not a team player", "neutral", None),
        ("He was dishonest in my view", "neutral", None),
        # who the words are about: an injury the candidate caused is not the candidate's health
        ("他推搡同事，导致对方受伤就医", "misconduct", "violence"),
        ("He punched a coworker, who was taken to hospital", "misconduct", "violence"),
        ("他和同事受伤住院了", "forbidden", "health_condition"),
        ("After the fight he himself needed medical treatment", "forbidden", "health_condition"),
        # the candidate sued is not the candidate suing
        ("他泄露了客户资料，公司为此发了律师函", "misconduct", "confidentiality"),
        (
            "He leaked client files and the company took legal action against him",
            "misconduct",
            "confidentiality",
        ),
        ("他向原公司提出索赔，公司为此发了律师函", "forbidden", "litigation_as_plaintiff"),
        ("He took legal action against the company", "forbidden", "litigation_as_plaintiff"),
        # "outside work" about the referee's contact is not the candidate's private life
        ("We did not interact much outside of work matters", "neutral", None),
        ("我们工作之外接触不多", "neutral", None),
        ("Outside work hours she volunteers at an animal shelter", "private_life", None),
        ("I didn't see him outside work, but I heard he gambles", "private_life", None),
        ("I never saw him sober outside work", "private_life", None),
        # smoking, cards or errands on the job are misconduct, but a span that says so never
        # hides another private-life word dropped into it (closed word sets, not open gaps)
        ("他在仓库里偷偷抽烟", "misconduct", "safety"),
        ("他上班时经常溜出去抽烟打牌", "misconduct", "attendance"),
        ("他在仓库私生活抽烟", "private_life", None),
        ("他上班时间私生活混乱溜出去办私事", "private_life", None),
        ("他上班时间溜出去赌钱办私事", "private_life", None),
    ],
)
def test_documented_choices(text: str, kind: str, category: str | None) -> None:
    [remark] = screen_reference(text, "en" if text.isascii() else "zh-Hans")
    assert (remark.kind, remark.category) == (kind, category)


def test_english_inflections() -> None:
    for verb in (
        "steals",
        "stole",
        "stealing",
        "embezzled",
        "embezzles",
        "falsified",
        "falsifying",
    ):
        [remark] = screen_reference(f"He {verb} money from the company", "en")
        assert remark.kind == "misconduct", verb


def test_full_width_and_case_are_normalised() -> None:
    [remark] = screen_reference("他是ＨＩＶ携带者", "zh-Hans")
    assert (remark.kind, remark.category) == ("forbidden", "health_condition")
    [remark] = screen_reference("SHE SUED HER FORMER EMPLOYER", "en")
    assert (remark.kind, remark.category) == ("forbidden", "litigation_as_plaintiff")
    assert normalise("Ｃｏ-Worker’s 戶口") == "co worker's 户口"


# --- the lexicon -----------------------------------------------------------------------------


def _lexicon_data() -> dict[str, Any]:
    text = resources.files("fairscreen.verify").joinpath("lexicon.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_lexicon_is_versioned_package_data() -> None:
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", lexicon_version())
    data = _lexicon_data()
    assert set(data["forbidden"]) == FORBIDDEN | {"priority"}
    assert sorted(data["forbidden"]["priority"]) == sorted(FORBIDDEN)
    for section in [*(data["forbidden"][c] for c in FORBIDDEN), data["private_life"]]:
        terms = section["terms"]
        assert any(not t.isascii() for t in terms) and any(t.isascii() for t in terms)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["private_life"]["terms"].append("(unclosed"), "private_life"),
        (
            lambda d: d["forbidden"]["health_condition"]["unless"].append("(unclosed"),
            "forbidden.health_condition.unless",
        ),
        (lambda d: d["private_life"]["unless"].append("{nosuchmacro}"), "private_life.unless"),
        (lambda d: d["hearsay"]["terms"].append("(captured)"), "capturing group"),
        (lambda d: d["hearsay"]["terms"].append("[a-z]+"), "no literal part"),
        (lambda d: d["hearsay"]["terms"].append("Upper"), "not lower case"),
        (lambda d: d["hearsay"]["terms"].append("{nosuchmacro}"), "unknown macro"),
        (lambda d: d["forbidden"]["priority"].pop(), "forbidden.priority"),
        # an `unless` span with an open gap could swallow a forbidden word about the candidate
        (
            lambda d: d["private_life"]["unless"].append("在{gap4}抽烟"),
            "private_life.unless: '在{gap4}抽烟' has an open piece",
        ),
        (
            lambda d: d["forbidden"]["litigation_as_plaintiff"]["unless"].append(
                "the (?:[a-z]+ )?client sued us"
            ),
            "has an open piece '[a-z]'",
        ),
        (lambda d: d["misconduct"]["priority"].pop(), "misconduct.priority"),
    ],
)
def test_a_malformed_lexicon_names_the_place(mutate: Any, message: str) -> None:
    data = _lexicon_data()
    mutate(data)
    with pytest.raises(LexiconError, match=re.escape(message)):
        compile_lexicon(data)


def test_anchors_are_sound_on_the_corpus() -> None:
    """Whenever a term matches a sentence, one of its anchors occurs in it: the prefilter that
    decides which terms to try can never hide a match. And a term split into body and start
    checks finds what the same term written as one regex finds."""
    lex = _lexicon()
    whole = [re.compile(term.pattern.regex) for term in lex.terms]
    for case in all_cases():
        norm = normalise(case.text)
        for term, regex in zip(lex.terms, whole, strict=True):
            found = term.pattern.search(norm)
            expected = regex.search(norm)
            assert (found and found.span()) == (expected and expected.span()), term.source
            if found:
                assert any(a in norm for a in term.anchors), (term.source, case.source)


def brute_force(text: str) -> list[Remark]:
    """The lexicon's rules (no backup model), every term tried on every sentence, each
    sentence normalised alone."""
    lex = _lexicon()
    everything = list(range(len(lex.terms)))
    out = []
    for i, sentence in enumerate(split_sentences(text)):
        norm = normalise(" ".join(sentence.splitlines()))
        out.append(_classify(lex, norm, 0, len(norm), i, everything))
    return out


def test_prefilter_agrees_with_brute_force_on_the_corpus() -> None:
    for case in written_cases():
        language = LANGUAGE[case.language]
        assert _screen(case.text, language, None) == brute_force(case.text), case.source


# --- properties ------------------------------------------------------------------------------

TERMINATOR = {"zh-Hans": "。", "zh-Hant": "。", "en": ". "}
sentences = st.sampled_from([c for c in all_cases() if not is_known(c)])
neutral_sentences = st.sampled_from(
    [c for c in all_cases() if c.kind == "neutral" and not is_known(c)]
)
zh_sentences = st.sampled_from([c.text for c in written_cases() if c.language == "zh"])
CORPUS_CHARS = sorted({ch for c in written_cases() for ch in c.text} | set("，。！？ "))
# (category, Chinese example, English example): plain words, no look-arounds needed
FORBIDDEN_EXAMPLES = [
    ("marriage_romance", "离婚", "divorced"),
    ("pregnancy", "怀孕", "pregnant"),
    ("health_condition", "糖尿病", "diabetes"),
    ("religion", "清真寺", "mosque"),
    ("ethnicity", "回族", "ethnic minority"),
    ("household_registration", "农村户口", "hukou"),
    ("union_political", "工会", "trade union"),
    ("sexual_orientation", "同性恋", "lesbian"),
    ("litigation_as_plaintiff", "劳动仲裁", "lawsuit"),
]
# REFERENCES_PROPERTY_EXAMPLES=5000 for a long hunt; the default keeps the suite quick. The
# suite's run is derandomized so CI tests the same examples every time; a hunt sets
# REFERENCES_PROPERTY_RANDOM=1.
EXAMPLES = int(os.environ.get("REFERENCES_PROPERTY_EXAMPLES", "150"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not os.environ.get("REFERENCES_PROPERTY_RANDOM"),
)


def join(cases: list[Case]) -> str:
    return "".join(c.text + TERMINATOR[c.language] for c in cases)


def without_index(remarks: list[Remark]) -> list[tuple[str, str | None, bool]]:
    return [(r.kind, r.category, r.hearsay) for r in remarks]


@PROPERTY
@given(st.lists(sentences, min_size=1, max_size=6))
def test_a_reference_is_the_sum_of_its_sentences(cases: list[Case]) -> None:
    """Each sentence keeps the label it has on its own, wherever it stands."""
    remarks = screen_reference(join(cases), "zh-Hans")
    assert [r.index for r in remarks] == list(range(len(cases)))
    alone = [screen_one(c) for c in cases]
    assert without_index(remarks) == without_index(alone)


@PROPERTY
@given(
    st.lists(sentences, min_size=1, max_size=5),
    st.lists(st.tuples(st.integers(0, 5), neutral_sentences), min_size=1, max_size=4),
)
def test_adding_neutral_sentences_changes_no_other_label(
    cases: list[Case], inserts: list[tuple[int, Case]]
) -> None:
    before = screen_reference(join(cases), "en")
    mixed: list[tuple[bool, Case]] = [(True, c) for c in cases]
    for position, extra in inserts:
        mixed.insert(min(position, len(mixed)), (False, extra))
    after = screen_reference(join([c for _, c in mixed]), "en")
    kept = [r for (original, _), r in zip(mixed, after, strict=True) if original]
    assert without_index(kept) == without_index(before)
    added = [r for (original, _), r in zip(mixed, after, strict=True) if not original]
    assert all(r.kind == "neutral" for r in added)


@PROPERTY
@given(sentences, st.sampled_from(FORBIDDEN_EXAMPLES), st.integers(0, 200))
def test_a_forbidden_term_anywhere_makes_the_sentence_forbidden(
    case: Case, example: tuple[str, str, str], where: int
) -> None:
    category, chinese, english = example
    if case.language == "en":
        words = case.text.split(" ")
        at = where % (len(words) + 1)
        text = " ".join([*words[:at], english, *words[at:]])
        cut = " ".join([*words[:at], ",", *words[at:]])
        seam = " ".join([*words[max(0, at - 2) : at], english, *words[at : at + 2]])
    else:
        at = where % (len(case.text) + 1)
        text = case.text[:at] + chinese + case.text[at:]
        cut = case.text[:at] + "，" + case.text[at:]
        seam = case.text[max(0, at - 3) : at] + chinese + case.text[at : at + 3]
    [after] = screen_reference(text, case.language)
    assert after.kind == "forbidden"
    # Cutting a word in two can wake another category ("住院部" -> "住院"), and so can a word
    # formed across the seam ("户口" + "吃" holds "口吃"); the inserted one names the exclusion
    # unless the sentence itself, the cut or the seam alone already is forbidden under another
    # name (集体讨薪 is union activity before 劳动仲裁 is added to it).
    allowed = {category}
    for other in (case.text, cut, seam):
        [alone] = screen_reference(other, case.language)
        if alone.kind == "forbidden" and alone.category is not None:
            allowed.add(alone.category)
    assert after.category in allowed


@PROPERTY
@given(sentences, st.integers(0, 200), st.sampled_from(["生活作风", "生活作風", "私生活"]))
def test_the_private_life_family_anywhere_excludes_the_sentence(
    case: Case, where: int, phrase: str
) -> None:
    at = where % (len(case.text) + 1)
    text = case.text[:at] + phrase + case.text[at:]
    [after] = screen_reference(text, case.language)
    assert after.kind in ("forbidden", "private_life")


@PROPERTY
@given(zh_sentences, st.sampled_from(sorted(TRADITIONAL)))
def test_traditional_and_its_simplified_conversion_classify_the_same(
    text: str, conversion: str
) -> None:
    traditional = TRADITIONAL[conversion].convert(text)
    # Written Cantonese 係 ("is") is read as 是; t2s would make it 系, so its conversion differs.
    assume("係" not in traditional)
    assert screen_reference(traditional, "zh-Hant") == screen_reference(
        T2S.convert(traditional), "zh-Hans"
    )


@PROPERTY
@given(st.text(alphabet=st.sampled_from(CORPUS_CHARS), min_size=1, max_size=60))
def test_random_chinese_and_its_conversions_classify_the_same(text: str) -> None:
    traditional = TRADITIONAL["s2t"].convert(text)
    assume(T2S.convert(traditional) == T2S.convert(T2S.convert(traditional)))
    assume("係" not in traditional)  # written Cantonese "is", read as 是 (t2s makes it 系)
    assert screen_reference(traditional, "zh-Hant") == screen_reference(
        T2S.convert(traditional), "zh-Hans"
    )


@PROPERTY
@given(sentences, st.sampled_from(["听说", "據說", "I heard that "]))
def test_second_hand_phrasing_sets_hearsay_and_keeps_the_kind(case: Case, prefix: str) -> None:
    [before] = screen_reference(case.text, case.language)
    [after] = screen_reference(prefix + case.text, case.language)
    assert after.hearsay
    assert after.kind == before.kind


@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_one_valid_remark_per_sentence(text: str) -> None:
    remarks = screen_reference(text, "en")
    assert [r.index for r in remarks] == list(range(len(split_sentences(text))))
    for r in remarks:
        assert r.kind in KINDS
        if r.kind == "forbidden":
            assert r.category in FORBIDDEN
        elif r.kind == "misconduct":
            assert r.category in MISCONDUCT_CATEGORIES
        else:
            assert r.category is None


@PROPERTY
@given(
    st.lists(
        st.one_of(
            sentences.map(lambda c: c.text),
            st.text(alphabet=st.sampled_from(CORPUS_CHARS), max_size=40),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_prefilter_agrees_with_brute_force(pieces: list[str]) -> None:
    text = "。".join(pieces)
    assert _screen(text, "zh-Hans", None) == brute_force(text)
