"""Personal API tokens are unguessable, recognisable, and stored as a stable hash."""

from __future__ import annotations

import hashlib

import pytest

from pdf2audiobook.service.auth.api_tokens import (
    API_TOKEN_PREFIX,
    generate_api_token,
    hash_api_token,
    looks_like_api_token,
)


def test_generated_token_has_prefix_and_256_bits_of_randomness() -> None:
    token = generate_api_token()

    assert token.startswith(API_TOKEN_PREFIX)
    assert len(token) == len(API_TOKEN_PREFIX) + 43
    assert looks_like_api_token(token)


def test_generated_tokens_are_unique() -> None:
    tokens = {generate_api_token() for _ in range(1000)}

    assert len(tokens) == 1000


def test_hash_is_stable_sha256_hex() -> None:
    token = generate_api_token()

    assert hash_api_token(token) == hash_api_token(token)
    assert hash_api_token(token) == hashlib.sha256(token.encode()).hexdigest()


def test_different_tokens_hash_differently() -> None:
    assert hash_api_token(generate_api_token()) != hash_api_token(generate_api_token())


def test_hash_does_not_contain_the_token() -> None:
    token = generate_api_token()

    assert token not in hash_api_token(token)
    assert token[len(API_TOKEN_PREFIX) :] not in hash_api_token(token)


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("", id="empty"),
        pytest.param(API_TOKEN_PREFIX, id="prefix-only"),
        pytest.param(API_TOKEN_PREFIX + "a" * 42, id="too-short"),
        pytest.param(API_TOKEN_PREFIX + "a" * 44, id="too-long"),
        pytest.param(API_TOKEN_PREFIX + "a" * 42 + "=", id="padding"),
        pytest.param(API_TOKEN_PREFIX + "a" * 42 + "\n", id="trailing-newline"),
        pytest.param("P2A_" + "a" * 43, id="wrong-case-prefix"),
        pytest.param("eyJhbGciOiJSUzI1NiJ9.e30.sig", id="jwt"),
    ],
)
def test_other_strings_do_not_look_like_api_tokens(candidate: str) -> None:
    assert not looks_like_api_token(candidate)
