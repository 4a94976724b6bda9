"""Amounts of money, percentages and measurements, with the unit said after the number.

"$4.50" -> "four dollars and fifty cents", "£50" -> "fifty pounds", "$1.2 million" ->
"one point two million dollars", "2.5%" -> "two point five percent", "5 km" -> "five
kilometers", "20 °C" -> "twenty degrees Celsius". Units use American spelling because
both voices are American English and their pronouncing dictionaries know it best.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from pdf2audiobook.pipeline.speech.spoken_numbers import (
    NUMBER_AFTER_FIRST_DIGIT,
    is_fraction,
    is_one,
    number_pattern,
    number_words,
    quantity_words,
)


class _Currency(NamedTuple):
    one: str
    many: str
    one_hundredth: str | None
    hundredths: str | None


_CURRENCIES: Final = {
    "$": _Currency("dollar", "dollars", "cent", "cents"),
    "£": _Currency("pound", "pounds", "penny", "pence"),
    "€": _Currency("euro", "euros", "cent", "cents"),
    "¥": _Currency("yen", "yen", None, None),
}
_SHORT_SCALES: Final = {"k": "thousand", "m": "million", "bn": "billion"}
_RANGE_DASH: Final = r"(?:\s?[\u2013\u2014]\s?|-)"

_MONEY: Final = re.compile(
    rf"(?P<symbol>[$£€¥])(?<![\w$£€¥][$£€¥])\s?{number_pattern('amount')}"
    rf"(?:{_RANGE_DASH}[$£€¥]?{number_pattern('upper')})?"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion)\b|(?P<short_scale>k|m|bn)\b)?"
)
_PERCENT: Final = re.compile(
    number_pattern("amount", not_after=r"\w.") + r"%?"
    r"(?:" + _RANGE_DASH + number_pattern("upper") + r")?\s?(?P<symbol>[%\u2030])"
)

# symbol -> (singular, plural); several symbols are left out on purpose: "in" (the
# preposition), "s" ("the 1920 s"), "l" (looks like 1), "A" (a grade).
_UNITS: Final[dict[str, tuple[str, str]]] = {
    "km": ("kilometer", "kilometers"),
    "m": ("meter", "meters"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "\u00b5m": ("micrometer", "micrometers"),
    "\u03bcm": ("micrometer", "micrometers"),
    "nm": ("nanometer", "nanometers"),
    "ft": ("foot", "feet"),
    "yd": ("yard", "yards"),
    "mi": ("mile", "miles"),
    "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "m/s": ("meter per second", "meters per second"),
    "kg": ("kilogram", "kilograms"),
    "g": ("gram", "grams"),
    "mg": ("milligram", "milligrams"),
    "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"),
    "L": ("liter", "liters"),
    "ml": ("milliliter", "milliliters"),
    "mL": ("milliliter", "milliliters"),
    "gal": ("gallon", "gallons"),
    "ha": ("hectare", "hectares"),
    "h": ("hour", "hours"),
    "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"),
    "min": ("minute", "minutes"),
    "mins": ("minute", "minutes"),
    "sec": ("second", "seconds"),
    "secs": ("second", "seconds"),
    "ms": ("millisecond", "milliseconds"),
    "Hz": ("hertz", "hertz"),
    "kHz": ("kilohertz", "kilohertz"),
    "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"),
    "W": ("watt", "watts"),
    "kW": ("kilowatt", "kilowatts"),
    "MW": ("megawatt", "megawatts"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
    "V": ("volt", "volts"),
    "mA": ("milliamp", "milliamps"),
    "kcal": ("kilocalorie", "kilocalories"),
    "KB": ("kilobyte", "kilobytes"),
    "kB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"),
    "kbps": ("kilobit per second", "kilobits per second"),
    "Mbps": ("megabit per second", "megabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"),
    "pt": ("point", "point"),  # type sizes: "twelve point"
    "pts": ("point", "points"),
    "px": ("pixel", "pixels"),
    "dpi": ("dot per inch", "dots per inch"),
    "\u00b0C": ("degree Celsius", "degrees Celsius"),
    "\u00b0F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "\u00b0": ("degree", "degrees"),
}
_POWERS: Final = {"\u00b2": "square", "\u00b3": "cubic"}


def _quantity_pattern(name: str, not_after: str = "") -> str:
    """A mixed number ("4 1/2"), a fraction or a number as the named group `name`,
    starting with a plain digit for speed (see `number_pattern`)."""
    guard = f"(?<![{not_after}][0-9])" if not_after else ""
    return (
        f"(?P<{name}>[0-9]{guard}"
        r"(?:[0-9]*\s[0-9]+/[0-9]+|[0-9]*/[0-9]+|" + NUMBER_AFTER_FIRST_DIGIT + "))"
    )


_UNIT_ALTERNATIVES: Final = "|".join(
    re.escape(symbol).replace("\u00b0", "[\u00b0\u00ba]\\s?")
    for symbol in sorted(_UNITS, key=len, reverse=True)
)
_MEASURE: Final = re.compile(
    _quantity_pattern("amount", not_after=r"\w.,/")
    + r"(?:"
    + _RANGE_DASH
    + _quantity_pattern("upper")
    + r")?"
    r"\s?(?P<unit>" + _UNIT_ALTERNATIVES + r")(?P<power>[\u00b2\u00b3])?(?![\w/])"
)
_DEGREE_SIGNS: Final = re.compile(r"[\u00b0\u00ba]\s?")


def _amount_with_unit(amount: str, currency: _Currency) -> str:
    """ "4.50" -> "four dollars and fifty cents"; "4" -> "four dollars"."""
    whole, _, hundredths = amount.partition(".")
    if len(hundredths) != 2 or currency.hundredths is None:  # "4.5", "4.125": said as a decimal
        return f"{number_words(amount)} {currency.one if is_one(amount) else currency.many}"
    whole_words = number_words(whole) if whole.replace(",", "").strip("0") else ""
    main = f"{whole_words} {currency.one if whole == '1' else currency.many}" if whole_words else ""
    cents = int(hundredths)
    if cents == 0:
        return main or f"zero {currency.many}"
    small_unit = currency.one_hundredth if cents == 1 else currency.hundredths
    small = f"{number_words(str(cents))} {small_unit}"
    return f"{main} and {small}" if main else small


def _money_replacement(match: re.Match[str]) -> str:
    currency = _CURRENCIES[match.group("symbol")]
    amount, upper = match.group("amount"), match.group("upper")
    scale = match.group("scale") or _SHORT_SCALES.get(match.group("short_scale") or "")
    if scale:
        span = f"{number_words(amount)} to {number_words(upper)}" if upper else number_words(amount)
        return f"{span} {scale} {currency.many}"
    if upper is None:
        return _amount_with_unit(amount, currency)
    if "." in amount or "." in upper:
        return f"{_amount_with_unit(amount, currency)} to {_amount_with_unit(upper, currency)}"
    return f"{number_words(amount)} to {number_words(upper)} {currency.many}"


def speak_money(text: str) -> str:
    """Amounts after $, £, € or ¥, with a range and a scale word: "$10-20m"."""
    return _MONEY.sub(_money_replacement, text)


def _percent_replacement(match: re.Match[str]) -> str:
    upper = match.group("upper")
    span = number_words(match.group("amount"))
    if upper:
        span += f" to {number_words(upper)}"
    name = "percent" if match.group("symbol") == "%" else "per mille"
    return f"{span} {name}"


def speak_percentages(text: str) -> str:
    """ "2.5%" -> "two point five percent", "10-20%" -> "ten to twenty percent"."""
    if "%" not in text and "\u2030" not in text:
        return text
    return _PERCENT.sub(_percent_replacement, text)


def _measure_replacement(match: re.Match[str]) -> str:
    amount, upper = match.group("amount"), match.group("upper")
    symbol = _DEGREE_SIGNS.sub("\u00b0", match.group("unit"))
    one, many = _UNITS[symbol]
    last = upper or amount
    unit = one if is_one(last) else many
    power = match.group("power")
    if power:
        one, unit = f"{_POWERS[power]} {one}", f"{_POWERS[power]} {unit}"
    if upper is None and " " not in amount and is_fraction(*amount.partition("/")[::2]):
        return f"{quantity_words(amount)} of a {one}"  # "three quarters of a mile"
    span = quantity_words(amount)
    if upper:
        span += f" to {quantity_words(upper)}"
    return f"{span} {unit}"


def speak_measures(text: str) -> str:
    """A number followed by a unit symbol: "5 km", "10-12 kg", "3 cm²", "20 °C"."""
    return _MEASURE.sub(_measure_replacement, text)
