"""Dates, times of day and decades, as a narrator says them.

"November 12, 1887" -> "November twelfth, eighteen eighty-seven"; "2018-09-14" ->
"September fourteenth, twenty eighteen"; "7:30 p.m." -> "seven thirty in the evening"
(said in words rather than "p m" so that no engine spells or mispronounces it, and no
full stop inside "p.m." is taken for the end of a sentence); "1990s" -> "nineteen
nineties".
"""

from __future__ import annotations

import re
from typing import Final

from pdf2audiobook.pipeline.speech.spoken_numbers import cardinal, ordinal, plural, year

MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_BY_PREFIX: Final = {month[:3]: month for month in MONTHS}
# Any capitalised word that could be a month; `_month_name` decides.
_MONTH: Final = r"(?P<month>[ADFJMNOS](?<!\w[ADFJMNOS])[a-z]{2,8})\.?"
_DAY: Final = r"(?P<day>[0-9](?<![\w.,][0-9])[0-9]?)(?:st|nd|rd|th)?"
_YEAR: Final = r"(?:,?\s+(?P<year>[0-9]{4})(?![0-9]))?"
_LAST_DAY = 31

# Patterns start with a plain digit or letter class and check what precedes it
# afterwards: see spoken_numbers.number_pattern.
_ISO_DATE: Final = re.compile(
    r"(?P<year>[0-9](?<![\w-][0-9])[0-9]{3})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})(?![0-9-])"
)
_MONTH_DAY: Final = re.compile(_MONTH + r"\s+" + _DAY + r"\b(?![:.,]?[0-9])" + _YEAR)
_DAY_MONTH: Final = re.compile(_DAY + r"\s+(?:of\s+)?" + _MONTH + r"(?!\w)" + _YEAR)
_THE_BEFORE: Final = re.compile(r"\b[Tt]he\s+$")
_AM_PM: Final = r"(?P<half>[aApP])(?:\.\s?[mM]\.|\.?[mM]\b\.?)"
_TIME: Final = re.compile(
    r"(?P<hour>[0-9](?<![\w:.,][0-9])[0-9]?)"
    r"(?:(?::(?P<minute>[0-5][0-9])(?::(?P<second>[0-5][0-9]))?(?![0-9]))(?:\s?" + _AM_PM + r")?"
    r"|\s?" + _AM_PM.replace("half", "half_alone") + r")"
)
_SENTENCE_FOLLOWS: Final = re.compile(r"\s*$|\s+[\"'\u201c\u2018(\[]?[A-Z]")
_DECADE: Final = re.compile(
    r"(?P<lead>[0-9'\u2019])(?<![\w'\u2019][0-9'\u2019])(?P<digits>[0-9]{1,3})'?s\b"
    r"(?:\s?[\u2013-]\s?(?P<upper>['\u2019]?[0-9]{2,4})(?P<plural>'?s)?\b)?"  # "1960s-1970s"
)

_NOON = 12
_LAST_HOUR = 24
_AFTERNOON_ENDS, _EVENING_ENDS = 5, 8
_FIRST_TWO_DIGIT_MINUTE = 10
_SHORT_DECADE_DIGITS = 2
_YEAR_DIGITS = 4


def _month_name(written: str) -> str | None:
    full = _MONTH_BY_PREFIX.get(written[:3].capitalize())
    # Only the month's own name or its usual abbreviation, not "Junk" or "Mayor".
    if full is None or not (full.lower().startswith(written.lower()) or written.lower() == "sept"):
        return None
    return full


def _spoken_date(month: str, day: int, year_digits: str | None, *, day_first: bool) -> str:
    spoken_year = f", {year(int(year_digits))}" if year_digits else ""
    if day_first:
        return f"the {ordinal(day)} of {month}{spoken_year}"
    return f"{month} {ordinal(day)}{spoken_year}"


def _iso_replacement(match: re.Match[str]) -> str:
    month_number, day = int(match.group("month")), int(match.group("day"))
    if not (1 <= month_number <= len(MONTHS) and 1 <= day <= _LAST_DAY):
        return match.group()
    return _spoken_date(MONTHS[month_number - 1], day, match.group("year"), day_first=False)


def _month_day_replacement(match: re.Match[str]) -> str:
    month, day = _month_name(match.group("month")), int(match.group("day"))
    if month is None or not 1 <= day <= _LAST_DAY:
        return match.group()
    return _spoken_date(month, day, match.group("year"), day_first=False)


def _day_month_replacement(match: re.Match[str]) -> str:
    month, day = _month_name(match.group("month")), int(match.group("day"))
    if month is None or not 1 <= day <= _LAST_DAY:
        return match.group()
    spoken = _spoken_date(month, day, match.group("year"), day_first=True)
    start = match.start()
    if _THE_BEFORE.search(match.string, max(0, start - 5), start):
        return spoken.removeprefix("the ")  # "on the 12th of May": "the" is written
    return spoken


def speak_dates(text: str) -> str:
    """ISO dates and dates with a month name, with or without a year."""
    if "-" in text:
        text = _ISO_DATE.sub(_iso_replacement, text)
    text = _MONTH_DAY.sub(_month_day_replacement, text)
    return _DAY_MONTH.sub(_day_month_replacement, text)


def _part_of_day(hour: int, minute: int, half: str) -> str:
    """What a narrator says for "a.m."/"p.m.": "in the morning", "noon", "at night"."""
    if half == "a":
        if hour == _NOON:
            return "midnight" if minute == 0 else "at night"
        return "in the morning"
    if hour == _NOON:
        return "noon" if minute == 0 else "in the afternoon"
    if hour <= _AFTERNOON_ENDS:
        return "in the afternoon"
    return "in the evening" if hour <= _EVENING_ENDS else "at night"


def _clock_reading(hour: int, minute: int | None, has_half: bool) -> str:
    if not minute:
        if has_half:
            return cardinal(hour)
        return f"{cardinal(hour)} o'clock" if 1 <= hour <= _NOON else f"{cardinal(hour)} hundred"
    if minute < _FIRST_TWO_DIGIT_MINUTE:  # "ten oh five"
        return f"{cardinal(hour)} oh {cardinal(minute)}"
    return f"{cardinal(hour)} {cardinal(minute)}"


def _time_replacement(match: re.Match[str]) -> str:
    hour = int(match.group("hour"))
    minute_digits = match.group("minute")
    written_half = match.group("half") or match.group("half_alone")
    half = written_half.lower() if written_half else None
    if hour > _LAST_HOUR or (half and not 1 <= hour <= _NOON):
        return match.group()
    minute = int(minute_digits) if minute_digits else None
    spoken = _clock_reading(hour, minute, has_half=half is not None)
    second = match.group("second")
    if second:
        spoken += f" and {cardinal(int(second))} seconds"
    if half is None:
        return spoken
    part = _part_of_day(hour, minute or 0, half)
    spoken = part if part in ("noon", "midnight") else f"{spoken} {part}"
    ends_with_stop = match.group().endswith(".")
    if ends_with_stop and _SENTENCE_FOLLOWS.match(match.string, match.end()):
        spoken += "."
    return spoken


def speak_times(text: str) -> str:
    """Clock times: "10:05" -> "ten oh five", "12:00" -> "twelve o'clock", "7 p.m." ->
    "seven in the evening"."""
    return _TIME.sub(_time_replacement, text)


def _spoken_decade(written: str) -> str | None:
    """ "1990" -> "nineteen nineties", "'90"/"90" -> "nineties"; None if not a decade."""
    digits = written.lstrip("'\u2019")
    if written != digits and len(digits) != _SHORT_DECADE_DIGITS:
        return None
    value = int(digits)
    if len(digits) not in (_SHORT_DECADE_DIGITS, _YEAR_DIGITS) or value % 10 or value == 0:
        return None
    if len(digits) == _SHORT_DECADE_DIGITS:  # "'90s", "the 60s"
        return plural(cardinal(value))
    return plural(year(value))


def _decade_replacement(match: re.Match[str]) -> str:
    first = _spoken_decade(match.group("lead") + match.group("digits"))
    upper = match.group("upper")
    if first is None:
        return match.group()
    if upper is None:
        return first
    second = _spoken_decade(upper) if match.group("plural") else None
    # "1960s-1975": the year is read by a later pass.
    return f"{first} to {upper if second is None else second}"


def speak_decades(text: str) -> str:
    """ "1990s" -> "nineteen nineties", "1900s" -> "nineteen hundreds", "'90s" -> "nineties"."""
    return _DECADE.sub(_decade_replacement, text)
