"""Object keys are ours: fresh ones are unguessable, and only well-formed ones pass."""

from __future__ import annotations

import re

import pytest

from pdf2audiobook.service.storage import new_object_key, validate_key


@pytest.mark.parametrize(
    "key",
    ["uploads/0f3a.pdf", "jobs/42/chunk-0007.mp3", "a", "jobs/x_y/part.1.tar.gz", "a" * 201],
)
def test_well_formed_keys_are_accepted_unchanged(key: str) -> None:
    assert validate_key(key) == key


def test_new_object_key_is_kind_then_random_hex_then_suffix() -> None:
    key = new_object_key("uploads", ".pdf")

    assert re.fullmatch(r"uploads/[0-9a-f]{32}\.pdf", key)
    assert validate_key(key) == key


def test_new_object_keys_do_not_repeat() -> None:
    keys = {new_object_key("jobs/audio", ".m4b") for _ in range(1000)}

    assert len(keys) == 1000


@pytest.mark.parametrize(
    ("kind", "suffix"),
    [("Uploads", ".pdf"), ("../uploads", ".pdf"), ("", ".pdf"), ("uploads/", ".pdf")],
)
def test_new_object_key_refuses_a_malformed_kind(kind: str, suffix: str) -> None:
    with pytest.raises(ValueError, match="kind"):
        new_object_key(kind, suffix)


@pytest.mark.parametrize("suffix", ["pdf", ".PDF", "./../x", ".p d f", ".averyverylongsuffix"])
def test_new_object_key_refuses_a_malformed_suffix(suffix: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        new_object_key("uploads", suffix)
