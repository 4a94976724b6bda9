"""Download names: a user's display name cleaned into a header every client reads safely."""

from __future__ import annotations

import pytest

from pdf2audiobook.service.storage import content_disposition, safe_filename


def _parameters(header: str) -> dict[str, str]:
    disposition, *parameters = header.split("; ")
    assert disposition == "attachment"
    return dict(parameter.split("=", 1) for parameter in parameters)


def test_plain_name_is_offered_as_is() -> None:
    assert content_disposition("book.pdf", "download.pdf") == (
        "attachment; filename=\"book.pdf\"; filename*=UTF-8''book.pdf"
    )


@pytest.mark.parametrize("name", ["../../x.pdf", "/etc/x.pdf", "C:\\Users\\me\\x.pdf"])
def test_path_parts_are_dropped(name: str) -> None:
    assert _parameters(content_disposition(name, "download.pdf")) == {
        "filename": '"x.pdf"',
        "filename*": "UTF-8''x.pdf",
    }


def test_nul_and_control_characters_are_removed() -> None:
    assert safe_filename("a\x00.pdf", "download.pdf") == "a.pdf"
    assert safe_filename("line\r\nbreak\t.pdf", "download.pdf") == "linebreak.pdf"


def test_header_injection_through_the_name_is_impossible() -> None:
    header = content_disposition('x.pdf"\r\nSet-Cookie: a=b; filename="y.pdf', "download.pdf")

    assert "\r" not in header
    assert "\n" not in header
    assert header.count('"') == 2


def test_bidi_override_cannot_disguise_the_extension() -> None:
    header = content_disposition("\u202egpj.pdf", "download.pdf")

    assert _parameters(header) == {"filename": '"gpj.pdf"', "filename*": "UTF-8''gpj.pdf"}


@pytest.mark.parametrize("invisible", ["\u200b", "\u2066", "\ufeff", "\u2028"])
def test_other_invisible_characters_are_removed(invisible: str) -> None:
    assert safe_filename(f"bo{invisible}ok.pdf", "download.pdf") == "book.pdf"


def test_long_name_is_shortened_to_150_characters_keeping_the_extension() -> None:
    name = safe_filename("a" * 296 + ".pdf", "download.pdf")

    assert len(name) == 150
    assert name == "a" * 146 + ".pdf"


def test_non_ascii_name_gets_an_ascii_fallback_and_an_rfc_5987_form() -> None:
    header = content_disposition("Müller \u2013 Über.pdf", "download.pdf")

    assert _parameters(header) == {
        "filename": '"Muller _ Uber.pdf"',
        "filename*": "UTF-8''M%C3%BCller%20%E2%80%93%20%C3%9Cber.pdf",
    }
    assert header.isascii()


def test_name_without_any_ascii_letters_falls_back_for_old_clients() -> None:
    parameters = _parameters(content_disposition("日本語.pdf", "download.pdf"))

    assert parameters["filename"] == '"download.pdf"'
    assert parameters["filename*"] == "UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.pdf"


@pytest.mark.parametrize("name", ["", "..", "../", "\x00\x01", " . ", "\u202e", "___"])
def test_name_with_nothing_usable_left_becomes_the_fallback(name: str) -> None:
    assert safe_filename(name, "download.pdf") == "download.pdf"


def test_hidden_file_names_lose_their_leading_dot() -> None:
    assert safe_filename(".bashrc", "download.txt") == "bashrc"


def test_inline_disposition_for_playing_in_the_browser() -> None:
    header = content_disposition("book.mp3", "download.mp3", disposition="inline")

    assert header.startswith("inline; ")


@pytest.mark.parametrize("fallback", ["", "../x.pdf", "dö.pdf", 'a".pdf'])
def test_fallback_must_be_plain_ascii(fallback: str) -> None:
    with pytest.raises(ValueError, match="Fallback"):
        content_disposition("book.pdf", fallback)
