"""Typeset the sample book that new users convert first and our PDF-cleaning tests read.

The book is "Fables of Aesop": eighteen fables in three chapters, in the English translation
by George Fyler Townsend (1814-1900), first published as "Three Hundred Aesop's Fables"
(London: George Routledge and Sons, 1867) and transcribed in Project Gutenberg eBook #21;
typed in here by hand. The translation is in the public domain. The selection and grouping
of the fables, the chapter titles, the morals set apart in italics and the one footnote
belong to this sample edition, not to Townsend.

The PDF deliberately has what real books have and what the cleaning code must strip or
use: a title page, PDF metadata, an outline, a running header, page numbers, a footnote,
justified text with first-line indents and a few soft-hyphenated words. Output is
byte-for-byte reproducible.

Usage: uv run python scripts/make_sample_pdf.py [OUTPUT_PATH]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

DEFAULT_OUTPUT_PATH = Path(__file__).resolve().parent.parent / "samples" / "sample-book.pdf"

BOOK_TITLE = "Fables of Aesop"
BOOK_SUBTITLE = "Eighteen Fables in Three Chapters"
BOOK_AUTHOR = "Aesop"
TRANSLATOR_LINE = "Translated by George Fyler Townsend"
SMALL_PRINT = (
    "The text is George Fyler Townsend's English translation of Aesop, first published "
    'as "Three Hundred Aesop\'s Fables" (London: George Routledge and Sons, 1867), as '
    "transcribed in Project Gutenberg eBook #21. The translation is in the public domain. "
    "The selection, the chapter titles and the footnote were added for this sample edition, "
    "which may be copied freely."
)

# A fixed date keeps the output byte-identical from run to run; fpdf2 also derives the
# file /ID from the content and this date, so no random identifier appears either.
FIXED_CREATION_DATE = datetime(2000, 1, 1, tzinfo=UTC)

# Page geometry, in millimetres: an A5 page looks like a printed book and holds about
# 300 words, so each chapter of 600-700 words runs onto at least a second page. The size
# is given as numbers because fpdf2 warns on every run that its "A5" changed in 2.8.5.
A5_PAGE_SIZE = (148.0, 210.0)
SIDE_MARGIN = 18.0
TOP_MARGIN = 22.0
BOTTOM_MARGIN = 22.0
HEADER_Y = 10.0
FOOTER_Y_FROM_BOTTOM = 13.0
CHAPTER_HEADING_Y = 42.0

BODY_FONT = "Times"
BODY_SIZE_PT = 11.0
BODY_LINE_HEIGHT = 1.3
FIRST_LINE_INDENT = 5.0
FABLE_TITLE_SPACE_ABOVE = 4.0
FURNITURE_SIZE_PT = 8.5
FOOTNOTE_SIZE_PT = 8.0
FOOTNOTE_RULE_WIDTH = 30.0
FOOTNOTE_GAP = 3.0

# Lines that must fit under a fable title, or the title moves to the next page; a title
# alone at the foot of a page is the mistake a typesetter would never make.
MIN_LINES_AFTER_FABLE_TITLE = 3

# In body text, "[^1]" marks where the superscript for footnote 1 goes.
FOOTNOTE_MARKER = re.compile(r"\[\^(\d+)\]")

# fpdf2 never hyphenates by itself, but it breaks a line at a soft hyphen (and prints a
# hyphen there) when the word would not otherwise fit. Whether a break lands in one of
# these words depends on the layout; a real book has such breaks, so we offer some.
SOFT_HYPHEN = "\u00ad"
HYPHENATION_POINTS = (
    "im-pu-ta-tions",
    "ac-quaint-ance",
    "as-sist-ance",
    "re-com-pense",
    "in-con-ven-ience",
    "rec-on-cil-i-a-tion",
    "ex-hor-ta-tions",
    "il-lus-tra-tion",
    "dis-ap-point-ment",
    "thought-less-ly",
    "dep-ri-va-tion",
    "con-ver-sa-tion",
    "in-ter-rupt-ing",
    "com-fort-a-bly",
    "ret-ri-bu-tion",
    "prov-i-sion",
    "at-trac-tive",
    "mis-tak-en-ly",
    "ev-ery-thing",
    "op-por-tu-ni-ty",
    "per-pet-u-al-ly",
    "suc-ces-sion",
    "in-tel-li-gence",
)
HYPHENATED_WORDS = {
    word.replace("-", ""): word.replace("-", SOFT_HYPHEN) for word in HYPHENATION_POINTS
}


@dataclass(frozen=True)
class Fable:
    title: str
    paragraphs: tuple[str, ...]
    moral: str | None = None


@dataclass(frozen=True)
class Chapter:
    numeral: str
    title: str
    fables: tuple[Fable, ...]

    @property
    def label(self) -> str:
        return f"Chapter {self.numeral}"

    @property
    def outline_title(self) -> str:
        return f"{self.label}: {self.title}"


FOOTNOTES = {
    1: (
        "Sirrah: an old form of address to a man or boy of lower rank, used in anger or "
        "contempt. (This note is not part of Townsend's text.)"
    ),
}

CHAPTERS = (
    Chapter(
        numeral="I",
        title="Wolves and Sheep",
        fables=(
            Fable(
                title="The Wolf and the Lamb",
                paragraphs=(
                    "A Wolf, meeting with a Lamb astray from the fold, resolved not to lay "
                    "violent hands on him, but to find some plea to justify to the Lamb the "
                    "Wolf's right to eat him.",
                    'He thus addressed him: "Sirrah,[^1] last year you grossly insulted me." '
                    '"Indeed," bleated the Lamb in a mournful tone of voice, "I was not then '
                    'born." Then said the Wolf, "You feed in my pasture." "No, good sir," '
                    'replied the Lamb, "I have not yet tasted grass." Again said the Wolf, '
                    '"You drink of my well." "No," exclaimed the Lamb, "I never yet drank '
                    "water, for as yet my mother's milk is both food and drink to me.\" Upon "
                    "which the Wolf seized him and ate him up, saying, \"Well! I won't remain "
                    'supperless, even though you refute every one of my imputations."',
                ),
                moral="The tyrant will always find a pretext for his tyranny.",
            ),
            Fable(
                title="The Wolf and the Crane",
                paragraphs=(
                    "A Wolf who had a bone stuck in his throat hired a Crane, for a large sum, "
                    "to put her head into his mouth and draw out the bone. When the Crane had "
                    "extracted the bone and demanded the promised payment, the Wolf, grinning "
                    'and grinding his teeth, exclaimed: "Why, you have surely already had a '
                    "sufficient recompense, in having been permitted to draw out your head in "
                    'safety from the mouth and jaws of a wolf."',
                ),
                moral=(
                    "In serving the wicked, expect no reward, and be thankful if you escape "
                    "injury for your pains."
                ),
            ),
            Fable(
                title="The Shepherd's Boy and the Wolf",
                paragraphs=(
                    "A Shepherd-boy, who watched a flock of sheep near a village, brought out "
                    'the villagers three or four times by crying out, "Wolf! Wolf!" and when '
                    "his neighbors came to help him, laughed at them for their pains.",
                    "The Wolf, however, did truly come at last. The Shepherd-boy, now really "
                    'alarmed, shouted in an agony of terror: "Pray, do come and help me; the '
                    'Wolf is killing the sheep"; but no one paid any heed to his cries, nor '
                    "rendered any assistance. The Wolf, having no cause of fear, at his "
                    "leisure lacerated or destroyed the whole flock.",
                ),
                moral="There is no believing a liar, even when he speaks the truth.",
            ),
            Fable(
                title="The Wolf in Sheep's Clothing",
                paragraphs=(
                    "Once upon a time a Wolf resolved to disguise his appearance in order to "
                    "secure food more easily. Encased in the skin of a sheep, he pastured "
                    "with the flock deceiving the shepherd by his costume. In the evening he "
                    "was shut up by the shepherd in the fold; the gate was closed, and the "
                    "entrance made thoroughly secure. But the shepherd, returning to the fold "
                    "during the night to obtain meat for the next day, mistakenly caught up "
                    "the Wolf instead of a sheep, and killed him instantly.",
                ),
                moral="Harm seek, harm find.",
            ),
            Fable(
                title="The Wolf and the Shepherd",
                paragraphs=(
                    "A Wolf followed a flock of sheep for a long time and did not attempt to "
                    "injure one of them. The Shepherd at first stood on his guard against "
                    "him, as against an enemy, and kept a strict watch over his movements. "
                    "But when the Wolf, day after day, kept in the company of the sheep and "
                    "did not make the slightest effort to seize them, the Shepherd began to "
                    "look upon him as a guardian of his flock rather than as a plotter of "
                    "evil against it; and when occasion called him one day into the city, he "
                    "left the sheep entirely in his charge.",
                    "The Wolf, now that he had the opportunity, fell upon the sheep, and "
                    "destroyed the greater part of the flock. When the Shepherd returned to "
                    'find his flock destroyed, he exclaimed: "I have been rightly served; why '
                    'did I trust my sheep to a Wolf?"',
                ),
            ),
            Fable(
                title="The Wolves and the Sheep",
                paragraphs=(
                    '"Why should there always be this fear and slaughter between us?" said '
                    'the Wolves to the Sheep. "Those evil-disposed Dogs have much to answer '
                    "for. They always bark whenever we approach you and attack us before we "
                    "have done any harm. If you would only dismiss them from your heels, "
                    'there might soon be treaties of peace and reconciliation between us." '
                    "The Sheep, poor silly creatures, were easily beguiled and dismissed the "
                    "Dogs, whereupon the Wolves destroyed the unguarded flock at their own "
                    "pleasure.",
                ),
            ),
        ),
    ),
    Chapter(
        numeral="II",
        title="The Cunning of Foxes",
        fables=(
            Fable(
                title="The Fox and the Grapes",
                paragraphs=(
                    "A famished Fox saw some clusters of ripe black grapes hanging from a "
                    "trellised vine. She resorted to all her tricks to get at them, but "
                    "wearied herself in vain, for she could not reach them. At last she "
                    'turned away, hiding her disappointment and saying: "The Grapes are '
                    'sour, and not ripe as I thought."',
                ),
            ),
            Fable(
                title="The Fox and the Goat",
                paragraphs=(
                    "A Fox one day fell into a deep well and could find no means of escape. "
                    "A Goat, overcome with thirst, came to the same well, and seeing the Fox, "
                    "inquired if the water was good. Concealing his sad plight under a merry "
                    "guise, the Fox indulged in a lavish praise of the water, saying it was "
                    "excellent beyond measure, and encouraging him to descend.",
                    "The Goat, mindful only of his thirst, thoughtlessly jumped down, but "
                    "just as he drank, the Fox informed him of the difficulty they were both "
                    'in and suggested a scheme for their common escape. "If," said he, "you '
                    "will place your forefeet upon the wall and bend your head, I will run up "
                    'your back and escape, and will help you out afterwards." The Goat '
                    "readily assented and the Fox leaped upon his back. Steadying himself "
                    "with the Goat's horns, he safely reached the mouth of the well and made "
                    "off as fast as he could.",
                    "When the Goat upbraided him for breaking his promise, he turned around "
                    'and cried out, "You foolish old fellow! If you had as many brains in '
                    "your head as you have hairs in your beard, you would never have gone "
                    "down before you had inspected the way up, nor have exposed yourself to "
                    'dangers from which you had no means of escape."',
                ),
                moral="Look before you leap.",
            ),
            Fable(
                title="The Fox Who Had Lost His Tail",
                paragraphs=(
                    "A Fox caught in a trap escaped, but in so doing lost his tail. "
                    "Thereafter, feeling his life a burden from the shame and ridicule to "
                    "which he was exposed, he schemed to convince all the other Foxes that "
                    "being tailless was much more attractive, thus making up for his own "
                    "deprivation. He assembled a good many Foxes and publicly advised them to "
                    "cut off their tails, saying that they would not only look much better "
                    "without them, but that they would get rid of the weight of the brush, "
                    "which was a very great inconvenience. One of them interrupting him said, "
                    '"If you had not yourself lost your tail, my friend, you would not thus '
                    'counsel us."',
                ),
            ),
            Fable(
                title="The Dogs and the Fox",
                paragraphs=(
                    "Some Dogs, finding the skin of a lion, began to tear it in pieces with "
                    'their teeth. A Fox, seeing them, said, "If this lion were alive, you '
                    'would soon find out that his claws were stronger than your teeth."',
                ),
                moral="It is easy to kick a man that is down.",
            ),
            Fable(
                title="The Fox and the Lion",
                paragraphs=(
                    "When a Fox who had never yet seen a Lion, fell in with him by chance for "
                    "the first time in the forest, he was so frightened that he nearly died "
                    "with fear. On meeting him for the second time, he was still much "
                    "alarmed, but not to the same extent as at first. On seeing him the third "
                    "time, he so increased in boldness that he went up to him and commenced a "
                    "familiar conversation with him.",
                ),
                moral="Acquaintance softens prejudices.",
            ),
            Fable(
                title="The Eagle and the Fox",
                paragraphs=(
                    "An Eagle and a Fox formed an intimate friendship and decided to live "
                    "near each other. The Eagle built her nest in the branches of a tall "
                    "tree, while the Fox crept into the underwood and there produced her "
                    "young. Not long after they had agreed upon this plan, the Eagle, being "
                    "in want of provision for her young ones, swooped down while the Fox was "
                    "out, seized upon one of the little cubs, and feasted herself and her "
                    "brood. The Fox on her return discovered what had happened, but was less "
                    "grieved for the death of her young than for her inability to avenge "
                    "them.",
                    "A just retribution, however, quickly fell upon the Eagle. While "
                    "hovering near an altar, on which some villagers were sacrificing a goat, "
                    "she suddenly seized a piece of the flesh, and carried it, along with a "
                    "burning cinder, to her nest. A strong breeze soon fanned the spark into "
                    "a flame, and the eaglets, as yet unfledged and helpless, were roasted in "
                    "their nest and dropped down dead at the bottom of the tree. There, in the "
                    "sight of the Eagle, the Fox gobbled them up.",
                ),
            ),
        ),
    ),
    Chapter(
        numeral="III",
        title="Strength and Wisdom",
        fables=(
            Fable(
                title="The Lion and the Mouse",
                paragraphs=(
                    "A Lion was awakened from sleep by a Mouse running over his face. Rising "
                    "up angrily, he caught him and was about to kill him, when the Mouse "
                    'piteously entreated, saying: "If you would only spare my life, I would '
                    'be sure to repay your kindness." The Lion laughed and let him go.',
                    "It happened shortly after this that the Lion was caught by some "
                    "hunters, who bound him by strong ropes to the ground. The Mouse, "
                    "recognizing his roar, came and gnawed the rope with his teeth, and set "
                    'him free, exclaiming: "You ridiculed the idea of my ever being able to '
                    "help you, expecting to receive from me any repayment of your favor; now "
                    "you know that it is possible for even a Mouse to confer benefits on a "
                    'Lion."',
                ),
            ),
            Fable(
                title="The Hare and the Tortoise",
                paragraphs=(
                    "A Hare one day ridiculed the short feet and slow pace of the Tortoise, "
                    'who replied, laughing: "Though you be swift as the wind, I will beat you '
                    'in a race." The Hare, believing her assertion to be simply impossible, '
                    "assented to the proposal; and they agreed that the Fox should choose "
                    "the course and fix the goal. On the day appointed for the race the two "
                    "started together. The Tortoise never for a moment stopped, but went on "
                    "with a slow but steady pace straight to the end of the course. The Hare, "
                    "lying down by the wayside, fell fast asleep. At last waking up, and "
                    "moving as fast as he could, he saw the Tortoise had reached the goal, "
                    "and was comfortably dozing after her fatigue.",
                ),
                moral="Slow but steady wins the race.",
            ),
            Fable(
                title="The North Wind and the Sun",
                paragraphs=(
                    "The North Wind and the Sun disputed as to which was the most powerful, "
                    "and agreed that he should be declared the victor who could first strip "
                    "a wayfaring man of his clothes. The North Wind first tried his power and "
                    "blew with all his might, but the keener his blasts, the closer the "
                    "Traveler wrapped his cloak around him, until at last, resigning all hope "
                    "of victory, the Wind called upon the Sun to see what he could do. The Sun "
                    "suddenly shone out with all his warmth. The Traveler no sooner felt his "
                    "genial rays than he took off one garment after another, and at last, "
                    "fairly overcome with heat, undressed and bathed in a stream that lay in "
                    "his path.",
                ),
                moral="Persuasion is better than Force.",
            ),
            Fable(
                title="The Ants and the Grasshopper",
                paragraphs=(
                    "The Ants were spending a fine winter's day drying grain collected in "
                    "the summertime. A Grasshopper, perishing with famine, passed by and "
                    'earnestly begged for a little food. The Ants inquired of him, "Why did '
                    'you not treasure up food during the summer?" He replied, "I had not '
                    'leisure enough. I passed the days in singing." They then said in '
                    'derision: "If you were foolish enough to sing all the summer, you must '
                    'dance supperless to bed in the winter."',
                ),
            ),
            Fable(
                title="The Crow and the Pitcher",
                paragraphs=(
                    "A Crow perishing with thirst saw a pitcher, and hoping to find water, "
                    "flew to it with delight. When he reached it, he discovered to his grief "
                    "that it contained so little water that he could not possibly get at it. "
                    "He tried everything he could think of to reach the water, but all his "
                    "efforts were in vain. At last he collected as many stones as he could "
                    "carry and dropped them one by one with his beak into the pitcher, until "
                    "he brought the water within his reach and thus saved his life.",
                ),
                moral="Necessity is the mother of invention.",
            ),
            Fable(
                title="The Father and His Sons",
                paragraphs=(
                    "A Father had a family of sons who were perpetually quarreling among "
                    "themselves. When he failed to heal their disputes by his exhortations, "
                    "he determined to give them a practical illustration of the evils of "
                    "disunion; and for this purpose he one day told them to bring him a "
                    "bundle of sticks. When they had done so, he placed the faggot into the "
                    "hands of each of them in succession, and ordered them to break it in "
                    "pieces. They tried with all their strength, and were not able to do it. "
                    "He next opened the faggot, took the sticks separately, one by one, and "
                    "again put them into his sons' hands, upon which they broke them easily.",
                    'He then addressed them in these words: "My sons, if you are of one '
                    "mind, and unite to assist each other, you will be as this faggot, "
                    "uninjured by all the attempts of your enemies; but if you are divided "
                    'among yourselves, you will be broken as easily as these sticks."',
                ),
            ),
        ),
    ),
)


def with_soft_hyphens(text: str) -> str:
    """Put soft hyphens into the words we know how to hyphenate."""
    return re.sub(r"[A-Za-z]+", lambda word: HYPHENATED_WORDS.get(word[0], word[0]), text)


class BookPdf(FPDF):
    """An A5 book whose pages after the title page carry a running header and folio."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format=A5_PAGE_SIZE)
        self.set_margins(left=SIDE_MARGIN, top=TOP_MARGIN, right=SIDE_MARGIN)
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)
        self.footnotes_by_page: dict[int, list[tuple[int, str]]] = {}

    def header(self) -> None:
        if self.page_no() == 1:  # the title page carries no running header
            return
        self.set_font(BODY_FONT, style="I", size=FURNITURE_SIZE_PT)
        self.set_xy(self.l_margin, HEADER_Y)
        self.cell(w=self.epw, text=BOOK_TITLE, align=Align.C)
        self.set_font(BODY_FONT, size=BODY_SIZE_PT)
        self.set_xy(self.l_margin, self.t_margin)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.print_footnotes_of_current_page()
        self.set_font(BODY_FONT, size=FURNITURE_SIZE_PT)
        self.set_xy(self.l_margin, self.h - FOOTER_Y_FROM_BOTTOM)
        self.cell(w=self.epw, text=str(self.page_no()), align=Align.C)

    def footnote_height(self, number: int, text: str) -> float:
        self.set_font(BODY_FONT, size=FOOTNOTE_SIZE_PT)
        height = self.text_height(f"{number} {text}", line_height=self.font_size * BODY_LINE_HEIGHT)
        self.set_font(BODY_FONT, size=BODY_SIZE_PT)
        return height + FOOTNOTE_GAP

    def text_height(self, text: str, *, line_height: float) -> float:
        """Height a justified full-width block of text would take in the current font."""
        height = self.multi_cell(
            w=self.epw,
            h=line_height,
            text=text,
            align=Align.J,
            dry_run=True,
            output=MethodReturnValue.HEIGHT,
        )
        assert isinstance(height, float)
        return height

    def reserve_footnote(self, number: int, text: str) -> None:
        """Keep body text off the foot of this page, where the note will be printed."""
        self.footnotes_by_page.setdefault(self.page, []).append((number, text))
        reserved = sum(self.footnote_height(n, t) for n, t in self.footnotes_by_page[self.page])
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN + reserved)

    def print_footnotes_of_current_page(self) -> None:
        notes = self.footnotes_by_page.get(self.page, [])
        if not notes:
            return
        y = self.h - self.b_margin + FOOTNOTE_GAP / 2
        self.set_line_width(0.2)
        self.line(self.l_margin, y, self.l_margin + FOOTNOTE_RULE_WIDTH, y)
        self.set_xy(self.l_margin, y + FOOTNOTE_GAP / 2)
        self.set_font(BODY_FONT, size=FOOTNOTE_SIZE_PT)
        for number, text in notes:
            self.multi_cell(
                w=self.epw,
                h=self.font_size * BODY_LINE_HEIGHT,
                text=f"{number} {text}",
                align=Align.J,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        # The next page starts with the full text area again.
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)


def typeset_title_page(pdf: BookPdf) -> None:
    pdf.add_page()
    pdf.set_y(50)
    pdf.set_font(BODY_FONT, style="B", size=28)
    pdf.multi_cell(w=pdf.epw, h=12, text=BOOK_TITLE, align=Align.C, new_x=XPos.LMARGIN)
    pdf.ln(4)
    pdf.set_font(BODY_FONT, style="I", size=13)
    pdf.multi_cell(w=pdf.epw, h=7, text=BOOK_SUBTITLE, align=Align.C, new_x=XPos.LMARGIN)
    pdf.ln(16)
    pdf.set_font(BODY_FONT, size=18)
    pdf.multi_cell(w=pdf.epw, h=9, text=BOOK_AUTHOR, align=Align.C, new_x=XPos.LMARGIN)
    pdf.ln(3)
    pdf.set_font(BODY_FONT, size=11)
    pdf.multi_cell(w=pdf.epw, h=6, text=TRANSLATOR_LINE, align=Align.C, new_x=XPos.LMARGIN)
    pdf.set_font(BODY_FONT, size=7.5)
    small_print_height = pdf.text_height(SMALL_PRINT, line_height=3.6)
    pdf.set_y(pdf.h - BOTTOM_MARGIN - small_print_height)
    pdf.multi_cell(w=pdf.epw, h=3.6, text=SMALL_PRINT, align=Align.J, new_x=XPos.LMARGIN)


def write_body_paragraph(pdf: BookPdf, text: str, *, indent: bool, italic: bool = False) -> None:
    """Set one justified paragraph, turning "[^n]" into a superscript footnote number."""
    pdf.set_font(BODY_FONT, style="I" if italic else "", size=BODY_SIZE_PT)
    notes_in_paragraph = [int(number) for number in FOOTNOTE_MARKER.findall(text)]
    for number in notes_in_paragraph:
        pdf.reserve_footnote(number, FOOTNOTES[number])
    page_before = pdf.page
    with (
        pdf.text_columns(text_align=Align.J, line_height=BODY_LINE_HEIGHT) as columns,
        columns.paragraph(first_line_indent=FIRST_LINE_INDENT if indent else 0) as paragraph,
    ):
        pieces = FOOTNOTE_MARKER.split(text)
        # re.split with one group alternates text and captured note numbers.
        for position, piece in enumerate(pieces):
            if position % 2 == 0:
                paragraph.write(with_soft_hyphens(piece))
            else:
                pdf.char_vpos = "SUP"
                paragraph.write(piece)
                pdf.char_vpos = "LINE"
    if notes_in_paragraph and pdf.page != page_before:
        # The note is printed at the foot of the page where the paragraph began; a
        # paragraph that crosses a page could leave its marker on the next page.
        raise RuntimeError(f"footnotes {notes_in_paragraph} would fall on another page")


def write_fable_title(pdf: BookPdf, title: str, *, first_in_chapter: bool) -> None:
    line_height = pdf.font_size * BODY_LINE_HEIGHT
    needed = FABLE_TITLE_SPACE_ABOVE + line_height * (1 + MIN_LINES_AFTER_FABLE_TITLE)
    if pdf.y + needed > pdf.page_break_trigger:
        pdf.add_page()
    elif not first_in_chapter and pdf.y > pdf.t_margin:
        pdf.ln(FABLE_TITLE_SPACE_ABOVE)
    pdf.set_font(BODY_FONT, style="B", size=BODY_SIZE_PT)
    pdf.multi_cell(
        w=pdf.epw,
        h=pdf.font_size * BODY_LINE_HEIGHT * 1.3,
        text=title,
        align=Align.C,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def typeset_chapter(pdf: BookPdf, chapter: Chapter) -> None:
    pdf.add_page()
    pdf.set_y(CHAPTER_HEADING_Y)
    pdf.start_section(chapter.outline_title, level=0)
    pdf.set_font(BODY_FONT, size=13)
    pdf.multi_cell(w=pdf.epw, h=7, text=chapter.label, align=Align.C, new_x=XPos.LMARGIN)
    pdf.ln(2)
    pdf.set_font(BODY_FONT, style="B", size=18)
    pdf.multi_cell(w=pdf.epw, h=9, text=chapter.title, align=Align.C, new_x=XPos.LMARGIN)
    pdf.ln(10)
    for fable_index, fable in enumerate(chapter.fables):
        write_fable_title(pdf, fable.title, first_in_chapter=fable_index == 0)
        for paragraph_index, text in enumerate(fable.paragraphs):
            # As in printed books, the first paragraph under a heading is not indented.
            write_body_paragraph(pdf, text, indent=paragraph_index > 0)
        if fable.moral is not None:
            write_body_paragraph(pdf, fable.moral, indent=True, italic=True)


def build_book() -> BookPdf:
    pdf = BookPdf()
    pdf.set_title(BOOK_TITLE)
    pdf.set_author(BOOK_AUTHOR)
    pdf.set_subject(f"{BOOK_SUBTITLE}, translated by George Fyler Townsend")
    pdf.set_creator("pdf2audiobook scripts/make_sample_pdf.py")
    pdf.set_lang("en")
    pdf.set_creation_date(FIXED_CREATION_DATE)
    typeset_title_page(pdf)
    for chapter in CHAPTERS:
        typeset_chapter(pdf, chapter)
    return pdf


def main() -> None:
    output_path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT_PATH
    output_path.parent.mkdir(parents=True, exist_ok=True)
    book = build_book()
    book.output(str(output_path))
    print(f"wrote {output_path} ({book.pages_count} pages)")


if __name__ == "__main__":
    main()
