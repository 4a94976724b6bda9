"""normalise_for_speech: what the voice is given to read, category by category."""

from __future__ import annotations

import random

import pytest

from pdf2audiobook.pipeline.speech import normalise_for_speech

# The probe table of research/tts-audio.md §2: tokens both voices' front ends misread.
PROBES = [
    ("Chapter III.", "Chapter three."),
    ("12th of November, 1887.", "the twelfth of November, eighteen eighty-seven."),
    ("$4.50", "four dollars and fifty cents"),
    ("£50", "fifty pounds"),
    ("4 1/2 gallons", "four and a half gallons"),
    ("Dr. Watson", "Doctor Watson"),
    ("St. Paul's", "Saint Paul's"),
    ("e.g.", "for example"),
    ("i.e.", "that is"),
    ("incl.", "including"),
    ("No. 4 Tonic", "Number four Tonic"),
    ("7:30 p.m.", "seven thirty in the evening."),
    ("2.5%", "two point five percent"),
    ("10,800", "ten thousand eight hundred"),
    ("page 214", "page two hundred and fourteen"),
]

NUMBERS = [
    ("1,234,567", "one million two hundred and thirty-four thousand five hundred and sixty-seven"),
    ("the decimal 0.05", "the decimal zero point zero five"),
    ("Pi is 3.14159", "Pi is three point one four one five nine"),
    ("a score of -5", "a score of minus five"),
    ("only .5 left", "only point five left"),
    ("agent 007", "agent zero zero seven"),
    ("ISBN 9780261102385", "ISBN nine seven eight zero two six one one zero two three eight five"),
    ("in about 1500 places", "in about one thousand five hundred places"),
    ("A4 paper", "A four paper"),
]

ORDINALS = [
    ("The 21st of June", "The twenty-first of June"),
    ("the 2nd and 3rd and 101st", "the second and third and one hundred and first"),
    ("the 1,000th visitor", "the one thousandth visitor"),
]

YEARS = [
    ("in 1887", "in eighteen eighty-seven"),
    ("in 1905", "in nineteen oh-five"),
    ("in 2001", "in two thousand one"),
    ("in 2018", "in twenty eighteen"),
    ("the 1900s", "the nineteen hundreds"),
    ("the 1990s", "the nineteen nineties"),
    ("the '90s", "the nineties"),
    ("the 1960s\u20131970s", "the nineteen sixties to nineteen seventies"),
    ("Gutenberg (c. 1455)", "Gutenberg (circa fourteen fifty-five)"),
]

MONEY = [
    ("$4", "four dollars"),
    ("$1", "one dollar"),
    ("$0.99", "ninety-nine cents"),
    ("$0.01", "one cent"),
    ("£3.20", "three pounds and twenty pence"),
    ("€5", "five euros"),
    ("€1.50", "one euro and fifty cents"),
    ("$1.2 million", "one point two million dollars"),
    ("$5m", "five million dollars"),
    ("£2bn", "two billion pounds"),
    ("$10-20 million", "ten to twenty million dollars"),
]

PERCENTAGES = [
    ("-12%", "minus twelve percent"),
    ("10-20%", "ten to twenty percent"),
    ("50 % off", "fifty percent off"),
]

TIMES = [
    ("7:30 a.m.", "seven thirty in the morning."),
    ("at 10:05 sharp", "at ten oh five sharp"),
    ("at 12:00 we ate", "at twelve o'clock we ate"),
    ("at 7 p.m. we ate", "at seven in the evening we ate"),
    ("at 12 p.m. we ate", "at noon we ate"),
    ("at 11pm we slept", "at eleven at night we slept"),
    ("the 14:45 train", "the fourteen forty-five train"),
    ("We left at 7 p.m. Then it rained.", "We left at seven in the evening. Then it rained."),
]

DATES = [
    ("November 12, 1887", "November twelfth, eighteen eighty-seven"),
    ("12 November 1887", "the twelfth of November, eighteen eighty-seven"),
    ("on the 5th of May", "on the fifth of May"),
    ("Sept. 3, 1939", "September third, nineteen thirty-nine"),
    ("2018-09-14", "September fourteenth, twenty eighteen"),
]

FRACTIONS = [
    ("3/4 of the cake", "three quarters of the cake"),
    ("2/3 of them", "two thirds of them"),
    ("5/8 inch", "five eighths inch"),
    ("\u00bd an hour", "half an hour"),
    ("4\u00bd miles", "four and a half miles"),
    ("2 3/4 cups", "two and three quarters cups"),
]

RANGES = [
    ("pages 10\u201320", "pages ten to twenty"),
    ("1914-1918", "nineteen fourteen to nineteen eighteen"),
    ("1914\u201318", "nineteen fourteen to nineteen eighteen"),
    ("pp. 10\u201320", "pages ten to twenty"),
]

UNITS = [
    ("5 km", "five kilometers"),
    ("1 km", "one kilometer"),
    ("10 kg", "ten kilograms"),
    ("12 pt", "twelve point"),
    ("3 cm", "three centimeters"),
    ("100 MB", "one hundred megabytes"),
    ("20 \u00b0C", "twenty degrees Celsius"),
    ("98.6\u00b0F", "ninety-eight point six degrees Fahrenheit"),
    ("45\u00b0", "forty-five degrees"),
    ("5 km\u00b2", "five square kilometers"),
    ("30 mph", "thirty miles per hour"),
    ("1-2 kg", "one to two kilograms"),
    ("3/4 mi", "three quarters of a mile"),
]

ABBREVIATIONS = [
    ("Mr. Holmes", "Mister Holmes"),
    ("Mrs. Hudson", "Missus Hudson"),
    ("Ms. Adler", "Miz Adler"),
    ("Mr Smith", "Mister Smith"),
    ("Prof. Moriarty", "Professor Moriarty"),
    ("He lives on Baker St. The house is old.", "He lives on Baker Street. The house is old."),
    ("Mulholland Dr. at night", "Mulholland Drive at night"),
    ("e.g., this", "for example, this"),
    ("E.g. this", "For example this"),
    ("cats vs. dogs", "cats versus dogs"),
    ("apples, pears, etc. The end.", "apples, pears, et cetera. The end."),
    ("apples, etc. and pears", "apples, et cetera and pears"),
    ("cf. Smith", "compare Smith"),
    ("approx. 5", "approximately five"),
    ("see Fig. 3", "see Figure three"),
    ("in ch. 4", "in chapter four"),
    ("on p. 12", "on page twelve"),
    ("Martin Luther King, Jr. spoke", "Martin Luther King, Junior spoke"),
]

ROMAN_NUMERALS = [
    ("Chapter III: The Wolf", "Chapter three: The Wolf"),
    ("CHAPTER IV", "CHAPTER four"),
    ("Act V, scene ii", "Act five, scene two"),
    ("Part I of the book", "Part one of the book"),
    ("Volume XII", "Volume twelve"),
    ("page xiv", "page fourteen"),
    ("Henry VIII", "Henry the eighth"),
    ("Louis XIV was king", "Louis the fourteenth was king"),
    ("Queen Elizabeth II", "Queen Elizabeth the second"),
    ("Charles I was beheaded.", "Charles the first was beheaded."),
    ("World War II", "World War two"),
]

ADDRESSES = [
    ("www.example.com", "example dot com"),
    ("see https://www.example.com/a/long/path?q=1 now", "see example dot com now"),
    ("Visit docs.python.org.", "Visit docs dot python dot org."),
    ("user@example.org", "user at example dot org"),
    (
        "Write to john.smith@mail.example.org, then",
        "Write to john dot smith at mail dot example dot org, then",
    ),
]

SYMBOLS = [
    ("A & B", "A and B"),
    ("\u00a7 4", "section four"),
    ("#5", "number five"),
    ("2 + 2 = 4", "two plus two equals four"),
    ("3 \u00d7 4", "three times four"),
    ("~5 km", "approximately five kilometers"),
    ("5 < 7", "five less than seven"),
    ("see note*", "see note"),
    ("the end\u2020 and", "the end and"),
    ("Einstein[12] said", "Einstein said"),
    ("as shown [3, 7].", "as shown."),
    ("Watson\u00b2 said", "Watson said"),
    ("COVID-19", "COVID nineteen"),
    ("and/or", "and or"),
    ("===== * * *", ""),
]

PUNCTUATION = [
    ("Wait... what?!", "Wait... what?"),
    ("Wait\u2026 what", "Wait... what"),
    ("Really.... yes", "Really... yes"),
    ("He paused \u2014 then spoke.", "He paused, then spoke."),
    ("He paused\u2014then spoke.", "He paused, then spoke."),
    ("word--word", "word, word"),
    ("a - b", "a, b"),
    ("London\u2013Paris", "London-Paris"),
    ("\u2014Where are you?", "Where are you?"),
    ("Then. \u2014And so", "Then. And so"),
    ("too   many\n spaces", "too many spaces"),
]

# Things that must not be "normalised" into nonsense.
UNCHANGED = [
    "I went home.",
    "The MIX was CIVIC.",
    "In this chapter I show the method.",
    "Charles I think so.",
    "He said no.",
    "Notes.",
    "No, thanks.",
    "VIVID colours",
]

VERSIONS = [
    ("v2.3.1", "version two point three point one"),
    ("Version 1.2.3 shipped.", "Version one point two point three shipped."),
    ("V1.10", "version one point ten"),
    (
        "at 192.168.0.1",
        "at one hundred and ninety-two dot one hundred and sixty-eight dot zero dot one",
    ),
]

TABLE = (
    PROBES
    + NUMBERS
    + ORDINALS
    + YEARS
    + MONEY
    + PERCENTAGES
    + TIMES
    + DATES
    + FRACTIONS
    + RANGES
    + UNITS
    + ABBREVIATIONS
    + ROMAN_NUMERALS
    + ADDRESSES
    + SYMBOLS
    + PUNCTUATION
    + VERSIONS
)


@pytest.mark.parametrize(("written", "spoken"), TABLE, ids=[written for written, _ in TABLE])
def test_written_form_is_said_as_a_narrator_would(written: str, spoken: str) -> None:
    assert normalise_for_speech(written) == spoken


@pytest.mark.parametrize("text", UNCHANGED)
def test_plain_words_pronouns_and_acronyms_stay_as_written(text: str) -> None:
    assert normalise_for_speech(text) == text


@pytest.mark.parametrize("text", ["v2.3.1", "Python 3.11.4 and 2.7.18", "release 10.0.19041"])
def test_version_strings_keep_every_part_in_order(text: str) -> None:
    spoken = normalise_for_speech(text)
    assert not any(character.isdigit() for character in spoken)
    assert "point" in spoken
    assert "percent" not in spoken
    assert "dollar" not in spoken


def test_normalised_text_has_no_digits_left_in_prose() -> None:
    text = (
        "On 12 November 1887, at 7:30 p.m., Mr. Holmes paid $4.50 (incl. tax) for "
        "No. 4 Tonic, 2.5% stronger than the 1,200 bottles sold in the 1880s; see pp. 10-20."
    )
    spoken = normalise_for_speech(text)
    assert not any(character.isdigit() for character in spoken), spoken
    assert "$" not in spoken
    assert "%" not in spoken


_ALPHABET = (
    "aZ 0123456789.,;:!?-\u2013\u2014/$£€%@#&*[]()'\"\u00bd\u00b2\u2212~^<>=+\u00b0\n\t"
    + "IVXLCDMvpmst"
)


def test_never_raises_on_arbitrary_text() -> None:
    generator = random.Random(20260128)
    for _ in range(3000):
        length = generator.randint(0, 60)
        text = "".join(generator.choice(_ALPHABET) for _ in range(length))
        result = normalise_for_speech(text)
        assert isinstance(result, str)
        assert "  " not in result
        assert result == result.strip()


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01",
        "9" * 5000,
        "1," * 3000,
        "." * 5000,
        "$" * 100 + "9" * 100,
        "12:" * 1000,
        "I" * 2000,
        "Chapter " + "M" * 500,
        "1/" * 2000,
        "\ufffd\ue000",
    ],
    ids=lambda text: repr(text[:12]),
)
def test_never_raises_on_degenerate_text(text: str) -> None:
    assert isinstance(normalise_for_speech(text), str)


@pytest.mark.timeout(60)
def test_long_adversarial_text_is_normalised_without_backtracking_blowup() -> None:
    # Regular expressions that backtrack would take hours on these; the suite's
    # timeout turns such a blow-up into a failure instead of a hang.
    adversarial = ("1.2.3.4.5 " * 2000) + ("-" * 20000) + ("Mr. " * 5000) + (" ." * 10000)
    spoken = normalise_for_speech(adversarial)
    assert "mister" in spoken.lower()
