"""Web addresses, e-mail addresses and version numbers, said the way people say them.

A listener cannot use "h t t p s colon slash slash" or a path of twenty characters, so
a web address is reduced to its domain ("example dot com"). Version strings are read
part by part ("version two point three point one") instead of as a decimal followed by
nonsense.
"""

from __future__ import annotations

import re
from typing import Final

from pdf2audiobook.pipeline.speech.spoken_numbers import integer_words

# Punctuation that closes the sentence around an address rather than belonging to it.
_TRAILING_PUNCTUATION: Final = ".,;:!?'\")]}\u2019\u201d"

_EMAIL: Final = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL: Final = re.compile(
    r"(?:\b(?i:https?|ftp)://|\b(?i:www)\.)[^\s<>\"'()\[\]{}]+"
    # A bare domain with a common top-level domain ("example.org/path"). The top-level
    # domain must be lower case so that run-together sentences ("end.Com") are not taken.
    r"|(?<![\w.@/-])(?:[A-Za-z0-9-]+\.)+(?:com|org|net|edu|gov|io)(?![\w-])[^\s<>\"'()\[\]{}]*"
)
# Cheap test for anything the address patterns could match.
_DOMAIN_HINT: Final = re.compile(r"\.(?:com|org|net|edu|gov|io)(?![\w-])")
_SCHEME: Final = re.compile(r"^[A-Za-z]+://")
_HOST_END: Final = re.compile(r"[/?#:]")
_ADDRESS_PART_SEPARATOR: Final = re.compile(r"[._+-]")
_SEPARATOR_NAMES: Final = {".": " dot ", "_": " underscore ", "-": " dash ", "+": " plus "}

# "v2.3.1", "version 1.10", "2.3.1"; a bare "2.3" stays a decimal.
_VERSION: Final = re.compile(
    r"(?P<lead>[vV0-9])(?<![\w.][vV0-9])(?P<rest>[0-9]*(?:\.[0-9]+)+)(?![\w]|\.[0-9])"
)
_LEAST_DOTS_WITHOUT_V = 2
_IP_PARTS = 4
_IP_PART_MAX = 255


def _say_separators(text: str) -> str:
    spoken = _ADDRESS_PART_SEPARATOR.sub(lambda match: _SEPARATOR_NAMES[match.group()], text)
    return " ".join(spoken.split())


def _split_trailing(token: str) -> tuple[str, str]:
    core = token.rstrip(_TRAILING_PUNCTUATION)
    return core, token[len(core) :]


def _spoken_host(address: str) -> str:
    host = _HOST_END.split(_SCHEME.sub("", address), maxsplit=1)[0].lower()
    if host.startswith("www."):
        host = host[4:]
    return _say_separators(host)


def _url_replacement(match: re.Match[str]) -> str:
    address, trailing = _split_trailing(match.group())
    host = _spoken_host(address)
    return f"{host}{trailing}" if host else match.group()


def _email_replacement(match: re.Match[str]) -> str:
    address, trailing = _split_trailing(match.group())
    user, _, domain = address.partition("@")
    return f"{_say_separators(user)} at {_say_separators(domain.lower())}{trailing}"


def speak_addresses(text: str) -> str:
    """E-mail and web addresses: "user@example.org" -> "user at example dot org",
    "https://www.example.com/a/b?c=d" -> "example dot com"."""
    if "@" in text:
        text = _EMAIL.sub(_email_replacement, text)
    if "://" in text or "www." in text or "WWW." in text or _DOMAIN_HINT.search(text):
        text = _URL.sub(_url_replacement, text)
    return text


def _version_replacement(match: re.Match[str]) -> str:
    lead, rest = match.group("lead"), match.group("rest")
    if not lead.isdigit():  # "v2.3", "V1.10.2"
        if not rest[:1].isdigit():
            return match.group()
        return "version " + " point ".join(integer_words(part) for part in rest.split("."))
    if rest.count(".") < _LEAST_DOTS_WITHOUT_V:  # "2.3" is a decimal
        return match.group()
    parts = (lead + rest).split(".")
    is_ip_address = len(parts) == _IP_PARTS and all(
        len(part) <= 3 and int(part) <= _IP_PART_MAX for part in parts
    )
    joiner = " dot " if is_ip_address else " point "
    return joiner.join(integer_words(part) for part in parts)


def speak_versions(text: str) -> str:
    """Dotted version numbers and IP addresses, before decimals could take them apart:
    "v2.3.1" -> "version two point three point one"."""
    return _VERSION.sub(_version_replacement, text)
