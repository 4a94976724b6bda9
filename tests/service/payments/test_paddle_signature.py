"""Paddle webhook signatures: only a body signed with one of our secrets, recently, verifies."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from pdf2audiobook.service.payments.paddle.signature import (
    SignatureVerifier,
    parse_signature_header,
    sign,
)
from pdf2audiobook.service.payments.provider import InvalidSignature

NOW = 1_772_446_531
TOLERANCE = 60.0
SECRET = "pdl_ntfset_01hzcurrent_" + "a" * 32
OLD_SECRET = "pdl_ntfset_01hzretired_" + "b" * 32
BODY = b'{"event_id":"evt_01hzevent","event_type":"transaction.completed","data":{}}'


def verifier(*secrets: str) -> SignatureVerifier:
    return SignatureVerifier(secrets or (SECRET,), tolerance_seconds=TOLERANCE, clock=lambda: NOW)


def test_body_signed_with_our_secret_verifies() -> None:
    parsed = verifier().verify(BODY, sign(BODY, SECRET, NOW))

    assert parsed.timestamp_seconds == NOW


def test_sign_follows_paddles_documented_algorithm() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}:".encode() + BODY, hashlib.sha256).hexdigest()

    assert sign(BODY, SECRET, NOW) == f"ts={NOW};h1={expected}"


def test_body_changed_by_one_byte_is_rejected() -> None:
    header = sign(BODY, SECRET, NOW)
    tampered = BODY.replace(b"completed", b"completeD")

    with pytest.raises(InvalidSignature, match="does not match"):
        verifier().verify(tampered, header)


def test_body_signed_with_another_secret_is_rejected() -> None:
    with pytest.raises(InvalidSignature, match="does not match"):
        verifier().verify(BODY, sign(BODY, "pdl_ntfset_someone_else", NOW))


def test_signature_for_another_timestamp_is_rejected() -> None:
    header = sign(BODY, SECRET, NOW).replace(f"ts={NOW}", f"ts={NOW - 1}")

    with pytest.raises(InvalidSignature, match="does not match"):
        verifier().verify(BODY, header)


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header_is_rejected_saying_so(header: str | None) -> None:
    with pytest.raises(InvalidSignature, match="Paddle-Signature header is missing"):
        verifier().verify(BODY, header)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("garbage", "malformed"),
        (f"ts={NOW};;h1={'0' * 64}", "malformed"),
        (f"ts={NOW};=abc", "malformed"),
        (f"h1={'0' * 64}", "no timestamp"),
        (f"ts={NOW}", "no signature"),
        (f"ts=soon;h1={'0' * 64}", "not a number"),
        (f"ts=-{NOW};h1={'0' * 64}", "not a number"),
        (f"ts={NOW};ts={NOW};h1={'0' * 64}", "more than one ts"),
        (f"ts={NOW};h1=abc", "not a SHA-256 digest"),
        (f"ts={NOW};h1={'g' * 64}", "not a SHA-256 digest"),
    ],
)
def test_malformed_header_is_rejected_naming_the_problem(header: str, reason: str) -> None:
    with pytest.raises(InvalidSignature, match=reason) as raised:
        verifier().verify(BODY, header)

    assert SECRET not in raised.value.reason


def test_timestamp_older_than_the_tolerance_is_rejected() -> None:
    stale = NOW - int(TOLERANCE) - 1

    with pytest.raises(InvalidSignature, match="too old"):
        verifier().verify(BODY, sign(BODY, SECRET, stale))


def test_timestamp_exactly_at_the_tolerance_is_accepted() -> None:
    verifier().verify(BODY, sign(BODY, SECRET, NOW - int(TOLERANCE)))
    verifier().verify(BODY, sign(BODY, SECRET, NOW + int(TOLERANCE)))


def test_timestamp_further_in_the_future_than_the_tolerance_is_rejected() -> None:
    ahead = NOW + int(TOLERANCE) + 1

    with pytest.raises(InvalidSignature, match="in the future"):
        verifier().verify(BODY, sign(BODY, SECRET, ahead))


def test_either_of_two_configured_secrets_verifies_during_our_rotation() -> None:
    rotating = verifier(SECRET, OLD_SECRET)

    rotating.verify(BODY, sign(BODY, SECRET, NOW))
    rotating.verify(BODY, sign(BODY, OLD_SECRET, NOW))


def test_header_with_two_h1_values_verifies_when_one_matches_during_paddles_rotation() -> None:
    ours = sign(BODY, SECRET, NOW).split(";h1=")[1]
    theirs = sign(BODY, "pdl_ntfset_the_next_secret", NOW).split(";h1=")[1]

    verifier().verify(BODY, f"ts={NOW};h1={theirs};h1={ours}")
    verifier().verify(BODY, f"ts={NOW};h1={ours};h1={theirs}")


def test_header_with_only_unknown_h1_values_is_rejected() -> None:
    first = sign(BODY, "pdl_ntfset_first", NOW).split(";h1=")[1]
    second = sign(BODY, "pdl_ntfset_second", NOW).split(";h1=")[1]

    with pytest.raises(InvalidSignature, match="does not match"):
        verifier().verify(BODY, f"ts={NOW};h1={first};h1={second}")


def test_unknown_schemes_beside_h1_are_ignored() -> None:
    header = sign(BODY, SECRET, NOW) + ";h2=" + "f" * 128

    verifier().verify(BODY, header)
    assert parse_signature_header(header).signatures == (header.split(";")[1][3:],)


def test_header_parts_may_be_spaced() -> None:
    header = sign(BODY, SECRET, NOW).replace(";", "; ")

    verifier().verify(BODY, header)


@pytest.mark.parametrize("secrets", [[], [""], ["  "], [SECRET, ""]])
def test_empty_secrets_are_refused_when_configured(secrets: list[str]) -> None:
    with pytest.raises(ValueError, match="secret"):
        SignatureVerifier(secrets, tolerance_seconds=TOLERANCE)


def test_a_single_string_is_not_taken_for_a_list_of_secrets() -> None:
    with pytest.raises(TypeError):
        SignatureVerifier(SECRET, tolerance_seconds=TOLERANCE)


@pytest.mark.parametrize("tolerance", [0, -5, float("inf"), float("nan")])
def test_tolerance_must_be_a_positive_number_of_seconds(tolerance: float) -> None:
    with pytest.raises(ValueError, match="tolerance"):
        SignatureVerifier([SECRET], tolerance_seconds=tolerance)


def test_signing_with_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        sign(BODY, "", NOW)
