"""A summary made of the book's own sentences, with no network and no downloaded data.

How sentences are chosen:

* Word weights come from the text being summarised: the text is the one document and
  its sentences are the collection, so a word's IDF is higher the fewer sentences use
  it, and the text's centroid (each word's sentence count times its IDF) says what the
  text is mostly about. A small built-in stop-word list and a plural-folding stemmer
  keep "the" and "pages"/"page" from distorting the counts. A sentence the text repeats
  verbatim (a type specimen, boilerplate) counts once.
* Only sentences that stand on their own, said once, are candidates: a capital first
  letter, a closing full stop, plain words rather than numbers, code or paths, 8 to 45 words.
  Headings, captions, table rows and list fragments fail these tests.
* A candidate's score is the cosine between its words and the centroid: high for a
  sentence about the text's recurring themes, low for one full of words the text uses
  once (a quotation, a list of names), however rare. Priors multiply it: the length a
  listener follows easily, a bonus for the first sentence of a chapter or paragraph
  (where writers put their topic), and penalties for openers that point at text the
  listener has not heard ("This", "However") and for sentences pointing at a figure or
  table the listener cannot see.
* Selection is greedy and spreads out: each sentence already taken from a chapter halves
  the chances of that chapter's other sentences, words already said weigh less, and
  near-duplicates are refused. So every chapter competes, not only the beginning.
* Chosen sentences are read in book order, and selection stops once the target is
  reached, never going more than a quarter beyond it.

Everything is deterministic: the same text always gives the same summary.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from pdf2audiobook.pipeline.document import Book, Chapter
from pdf2audiobook.pipeline.speech import split_sentences
from pdf2audiobook.pipeline.summary.base import DEFAULT_BOOK_SUMMARY_WORDS, SummaryResult

OVERSHOOT: Final = 0.25
"""A summary may run this fraction beyond its target, so a good sentence is not dropped
for being a few words too long."""
MIN_SENTENCE_WORDS: Final = 8
MAX_SENTENCE_WORDS: Final = 45
CHAPTER_PARTS: Final = 4
"""A chapter summary spreads its picks over this many consecutive parts of the chapter,
as a book summary spreads them over chapters."""

# Kept as text, split once at import, so the list reads as prose rather than 200 quoted words.
_STOP_WORDS_TEXT: Final = """
    about above across after again against all almost along already also although always
    among and another any anyone anything are around because been before being below
    between both but can cannot could did does doing done down during each either else
    enough even ever every few for from further get gets got had has have having her
    here hers herself him himself his how however into its itself just least less like
    made make makes many may might more most much must myself neither never nor not now
    off often once one only onto other others otherwise our ours ourselves out over own
    per perhaps quite rather really same see seen shall she should since some something
    sometimes still such than that the their theirs them themselves then there therefore
    these they this those though through thus too toward towards under until upon use
    used uses using very via was well were what whatever when where whether which while
    who whom whose why will with within without would yet you your yours yourself
"""
_STOP_WORDS: Final = frozenset(_STOP_WORDS_TEXT.split())
# Openers that lean on a sentence the listener of a summary has not heard.
_DANGLING_OPENERS_TEXT: Final = """
    this that these those it its they them their he she his her such however but and or
    so also thus hence then here there finally moreover furthermore similarly again
    otherwise instead besides likewise consequently therefore nevertheless
"""
_DANGLING_OPENERS: Final = frozenset(_DANGLING_OPENERS_TEXT.split())
_WORD: Final = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_LEADING_WORD: Final = re.compile(r"[^\W\d_]+")
_CLOSED: Final = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]\u00bb]*$")
# Not "[": a bracketed opening is an editorial anchor ("[see page 4] ..."), not prose.
_OPENING_PUNCTUATION: Final = "\"'\u201c\u2018(\u00ab"
# Characters of markup, code and file paths; no one wants them read out as a summary.
# A slash not after a letter starts a path ("/usr", "http://"); "and/or" is prose.
_CODE_MARK: Final = re.compile(r"[\\{}<>=@$#^~|_]|\(\)|(?<![^\W\d_])/")
# A plain word: letters, with inner hyphens or apostrophes ("page-turner", "Rogers'").
_PLAIN_WORD: Final = re.compile(r"[^\W\d_]{2,}(?:[-'\u2019][^\W\d_]+)*['\u2019]?|[AaI]")
_WORD_PUNCTUATION: Final = ".,;:!?()[]\"'\u201c\u201d\u2018\u2019\u2026"
_PLAIN_WORD_SHARE: Final = 0.85
# A listener cannot look at a figure or table, so a sentence pointing at one says little.
_POINTS_AT_VISUAL: Final = re.compile(r"\b(?:Figure|Fig\.|Table|Plate|Listing|Example)\s+[\dA-Z]")

_IDEAL_WORDS: Final = 20.0
_LENGTH_TOLERANCE: Final = 18.0
_CHAPTER_OPENING_BONUS: Final = 1.25
_PARAGRAPH_OPENING_BONUS: Final = 1.1
_DANGLING_OPENER_PENALTY: Final = 0.7
_POINTS_AT_VISUAL_PENALTY: Final = 0.5
_SAME_SECTION_FACTOR: Final = 0.5
_SAID_WORD_FACTOR: Final = 0.3
_NEAR_DUPLICATE_OVERLAP: Final = 0.6


@dataclass(frozen=True, slots=True)
class _Sentence:
    order: int
    """Position in the text, for reading the summary in book order and breaking ties."""
    section: int
    text: str
    word_count: int
    terms: frozenset[str]
    prior: float


@dataclass(frozen=True, slots=True)
class _TermWeight:
    idf: float
    centroid: float
    """The term's component of the text's centroid: sentences using it times its IDF."""


class ExtractiveSummariser:
    """Summaries stitched from the book's own sentences, verbatim; never fails.

    `note`, when given, is attached to every result: the factory uses it to explain why
    the language model is not being used.
    """

    def __init__(self, note: str | None = None) -> None:
        self._note = note

    def summarise_book(
        self, book: Book, target_words: int = DEFAULT_BOOK_SUMMARY_WORDS
    ) -> SummaryResult:
        """About `target_words` words (never more than 25% over) of the book's own
        sentences, drawn from every chapter and read in book order. A book shorter than
        the target gives all its stand-alone sentences."""
        sections = [[p.text for p in chapter.paragraphs] for chapter in book.chapters]
        return self._result(select_sentences(sections, target_words))

    def summarise_chapter(self, chapter: Chapter, target_words: int) -> SummaryResult:
        """As `summarise_book`, for one chapter, with picks spread over its parts."""
        return self._result(select_sentences(_chapter_parts(chapter), target_words))

    def _result(self, sentences: list[str]) -> SummaryResult:
        if not sentences:
            nothing = "There was no readable text to summarise."
            note = f"{self._note} {nothing}" if self._note else nothing
            return SummaryResult(text="", method="extractive", note=note)
        return SummaryResult(text=" ".join(sentences), method="extractive", note=self._note)


def select_sentences(sections: Sequence[Sequence[str]], target_words: int) -> list[str]:
    """Sentences of `sections` (each a list of paragraph texts, e.g. one per chapter)
    summarising them in about `target_words` words, in their original order.

    Every returned string is a sentence of some paragraph, verbatim. The total stops at
    the first pick that reaches `target_words` and never exceeds it by more than 25%;
    it falls short only when the text has too few stand-alone sentences. Deterministic.
    """
    if target_words < 1:
        raise ValueError(f"target_words must be positive, not {target_words}")
    sentences = _sentences_of(sections)
    # A sentence the text repeats word for word is a specimen, refrain or boilerplate
    # (type samples, "Continued on the next page."), not an idea stated once: it is no
    # candidate, and counts once towards the word weights so it cannot pose as a theme.
    repeats = Counter(s.text for s in sentences)
    distinct = list({s.text: s for s in reversed(sentences)}.values())
    candidates = [
        s for s in sentences if repeats[s.text] == 1 and _stands_alone(s.text, s.word_count)
    ]
    if not candidates:
        # Text without one proper sentence (lists, captions): any sentence beats silence.
        candidates = [s for s in distinct if s.word_count >= 3]
    weights = _term_weights(s.terms for s in distinct)
    chosen = _choose(candidates, weights, target_words)
    return [s.text for s in sorted(chosen, key=lambda s: s.order)]


def _chapter_parts(chapter: Chapter) -> list[list[str]]:
    """The chapter's paragraphs cut into up to CHAPTER_PARTS runs of similar length."""
    lengths = [len(p.text.split()) for p in chapter.paragraphs]
    total = sum(lengths) or 1
    parts: list[list[str]] = [[] for _ in range(CHAPTER_PARTS)]
    words_before = 0
    for paragraph, length in zip(chapter.paragraphs, lengths, strict=True):
        part = min(CHAPTER_PARTS - 1, CHAPTER_PARTS * words_before // total)
        parts[part].append(paragraph.text)
        words_before += length
    return [part for part in parts if part]


def _sentences_of(sections: Sequence[Sequence[str]]) -> list[_Sentence]:
    sentences: list[_Sentence] = []
    for section_number, paragraphs in enumerate(sections):
        first_in_section = True
        for paragraph in paragraphs:
            for position, text in enumerate(split_sentences(paragraph)):
                word_count = len(text.split())
                prior = _length_prior(word_count) * _opener_prior(text)
                if _POINTS_AT_VISUAL.search(text):
                    prior *= _POINTS_AT_VISUAL_PENALTY
                if first_in_section:
                    prior *= _CHAPTER_OPENING_BONUS
                elif position == 0:
                    prior *= _PARAGRAPH_OPENING_BONUS
                sentences.append(
                    _Sentence(
                        order=len(sentences),
                        section=section_number,
                        text=text,
                        word_count=word_count,
                        terms=frozenset(_terms(text)),
                        prior=prior,
                    )
                )
                first_in_section = False
    return sentences


def _terms(text: str) -> list[str]:
    """Content words of `text`, lower-cased, possessives dropped, plurals folded."""
    terms = []
    for match in _WORD.finditer(text.lower()):
        word = re.sub(r"['\u2019]s$", "", match.group())
        if len(word) < 3 or word in _STOP_WORDS:
            continue
        terms.append(_fold_plural(word))
    return terms


def _fold_plural(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _stands_alone(text: str, word_count: int) -> bool:
    """Whether `text` reads as a whole sentence out of context."""
    if not MIN_SENTENCE_WORDS <= word_count <= MAX_SENTENCE_WORDS:
        return False
    if not _CLOSED.search(text):
        return False
    first = text.lstrip(_OPENING_PUNCTUATION)[:1]
    if not (first.isalpha() and first.isupper()):
        return False
    if _CODE_MARK.search(text):
        return False
    tokens = text.split()
    wordy = sum(1 for token in tokens if _PLAIN_WORD.fullmatch(token.strip(_WORD_PUNCTUATION)))
    return wordy >= _PLAIN_WORD_SHARE * len(tokens)


def _length_prior(word_count: int) -> float:
    # A bell around a comfortable spoken sentence; long sentences lose listeners.
    return math.exp(-(((word_count - _IDEAL_WORDS) / _LENGTH_TOLERANCE) ** 2))


def _opener_prior(text: str) -> float:
    first = _LEADING_WORD.search(text)
    if first is not None and first.group().lower() in _DANGLING_OPENERS:
        return _DANGLING_OPENER_PENALTY
    return 1.0


def _term_weights(sentence_terms: Iterable[frozenset[str]]) -> dict[str, _TermWeight]:
    """IDF with the whole text as the document and its sentences as the collection, and
    the text's centroid: how much of the text each term accounts for."""
    sentences_with: Counter[str] = Counter()
    sentence_count = 0
    for terms in sentence_terms:
        sentence_count += 1
        sentences_with.update(terms)
    weights = {}
    for term, count in sentences_with.items():
        # +1 keeps a word present in every sentence just above zero rather than at it.
        idf = math.log((sentence_count + 1) / count)
        weights[term] = _TermWeight(idf=idf, centroid=count * idf)
    return weights


def _choose(
    candidates: list[_Sentence], weights: dict[str, _TermWeight], target_words: int
) -> list[_Sentence]:
    ceiling = math.floor(target_words * (1 + OVERSHOOT))
    # Every adjustment below only lowers a score, so a candidate's unadjusted score is an
    # upper bound: scanning in that order, the search stops once no later one can win.
    ranked = sorted(
        ((_content_score(s, weights, {}) * s.prior, s) for s in candidates),
        key=lambda pair: (-pair[0], pair[1].order),
    )
    chosen: list[_Sentence] = []
    chosen_orders: set[int] = set()
    taken_from_section: Counter[int] = Counter()
    said_factor: dict[str, float] = {}
    total = 0
    while total < target_words:
        room = ceiling - total
        best: _Sentence | None = None
        best_score = 0.0
        for bound, sentence in ranked:
            if bound < best_score or bound <= 0:
                break
            if sentence.word_count > room or sentence.order in chosen_orders:
                continue
            if any(_overlap(sentence, other) > _NEAR_DUPLICATE_OVERLAP for other in chosen):
                continue
            score = (
                _content_score(sentence, weights, said_factor)
                * sentence.prior
                * _SAME_SECTION_FACTOR ** taken_from_section[sentence.section]
            )
            if score > best_score:
                best, best_score = sentence, score
        if best is None:
            break
        chosen.append(best)
        chosen_orders.add(best.order)
        total += best.word_count
        taken_from_section[best.section] += 1
        for term in best.terms:
            said_factor[term] = said_factor.get(term, 1.0) * _SAID_WORD_FACTOR
    return chosen


def _content_score(
    sentence: _Sentence, weights: dict[str, _TermWeight], said_factor: dict[str, float]
) -> float:
    """Cosine between the sentence's IDF vector and the text's centroid (up to the
    centroid's norm, the same for every sentence), with words already said discounted.
    A sentence of the text's recurring themes scores high; one full of words the text
    uses once (a quotation, a type specimen) scores low, however rare they are."""
    along_centroid = 0.0
    length_squared = 0.0
    for term in sentence.terms:
        weight = weights[term]
        along_centroid += weight.idf * weight.centroid * said_factor.get(term, 1.0)
        length_squared += weight.idf**2
    return along_centroid / math.sqrt(length_squared) if length_squared else 0.0


def _overlap(first: _Sentence, second: _Sentence) -> float:
    if not first.terms or not second.terms:
        return 0.0
    return len(first.terms & second.terms) / min(len(first.terms), len(second.terms))
