"""Stripe webhook signatures: only a body signed with one of our secrets, recently, verifies."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from pdf2audiobook.service.payments.provider import InvalidSignature
from pdf2audiobook.service.payments.stripe.signature import (
    SignatureVerifier,
    parse_signature_header,
    sign,
)

NOW = 1_772_446_531
TOLERANCE = 300.0
SECRET = "whsec_current" + "a" * 32
OLD_SECRET = "whsec_retired" + "b" * 32
BODY = b'{"id":"evt_1QpackPaid","object":"event","type":"checkout.session.completed"}'


def verifier(*secrets: str) -> SignatureVerifier:
    return SignatureVerifier(secrets or (SECRET,), tolerance_seconds=TOLERANCE, clock=lambda: NOW)


def v1(secret: str, body: bytes = BODY, timestamp: int = NOW) -> str:
    return sign(body, secret, timestamp).split(",v1=")[1]


def test_body_signed_with_our_secret_verifies() -> None:
    parsed = verifier().verify(BODY, sign(BODY, SECRET, NOW))

    assert parsed.timestamp_seconds == NOW


def test_sign_follows_stripes_documented_scheme() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert sign(BODY, SECRET, NOW) == f"t={NOW},v1={expected}"


def test_body_changed_by_one_byte_is_rejected() -> None:
    header = sign(BODY, SECRET, NOW)
    tampered = BODY.replace(b"completed", b"completeD")

    with pytest.raises(InvalidSignature, match="does not match"):
        verifier().verify(tampered, header)


def test_body_signed_with_another_secret_is_rejected() -> None:
    with pytest.raises(InvalidSignature, match="does not match"):
        verifier().verify(BODY, sign(BODY, "whsec_someone_else", NOW))


def test_signature_moved_to_another_timestamp_is_rejected() -> None:
    header = sign(BODY, SECRET, NOW).replace(f"t={NOW}", f"t={NOW - 1}")

    with pytest.raises(InvalidSignature, match="does not match"):
        verifier().verify(BODY, header)


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header_is_rejected_saying_so(header: str | None) -> None:
    with pytest.raises(InvalidSignature, match="Stripe-Signature header is missing"):
        verifier().verify(BODY, header)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("garbage", "malformed"),
        (f"t={NOW},,v1={'0' * 64}", "malformed"),
        (f"t={NOW},=abc", "malformed"),
        (f"t={NOW};v1={'0' * 64}", "not a number"),
        (f"v1={'0' * 64}", "no timestamp"),
        (f"t={NOW}", "no signature"),
        (f"t={NOW},v0={'0' * 64}", "no signature"),
        (f"t=soon,v1={'0' * 64}", "not a number"),
        (f"t=-{NOW},v1={'0' * 64}", "not a number"),
        (f"t={NOW},t={NOW},v1={'0' * 64}", "more than one t"),
        (f"t={NOW},v1=abc", "not a SHA-256 digest"),
        (f"t={NOW},v1={'g' * 64}", "not a SHA-256 digest"),
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


def test_timestamp_exactly_at_the_tolerance_either_way_is_accepted() -> None:
    verifier().verify(BODY, sign(BODY, SECRET, NOW - int(TOLERANCE)))
    verifier().verify(BODY, sign(BODY, SECRET, NOW + int(TOLERANCE)))


def test_timestamp_further_in_the_future_than_the_tolerance_is_rejected() -> None:
    # Stripe's own libraries accept any future timestamp; we refuse one beyond clock skew.
    ahead = NOW + int(TOLERANCE) + 1

    with pytest.raises(InvalidSignature, match="in the future"):
        verifier().verify(BODY, sign(BODY, SECRET, ahead))


def test_stale_signature_is_reported_as_a_mismatch_when_signed_by_someone_else() -> None:
    stale = NOW - int(TOLERANCE) - 1

    with pytest.raises(InvalidSignature, match="does not match"):
        verifier().verify(BODY, sign(BODY, "whsec_someone_else", stale))


def test_either_of_two_configured_secrets_verifies_during_our_rotation() -> None:
    rotating = verifier(SECRET, OLD_SECRET)

    rotating.verify(BODY, sign(BODY, SECRET, NOW))
    rotating.verify(BODY, sign(BODY, OLD_SECRET, NOW))


def test_header_with_two_v1_values_verifies_when_one_matches_while_stripe_rolls_the_secret() -> (
    None
):
    ours, theirs = v1(SECRET), v1("whsec_the_next_secret")

    verifier().verify(BODY, f"t={NOW},v1={theirs},v1={ours}")
    verifier().verify(BODY, f"t={NOW},v1={ours},v1={theirs}")


def test_header_with_only_unknown_v1_values_is_rejected() -> None:
    first, second = v1("whsec_first"), v1("whsec_second")

    with pytest.raises(InvalidSignature, match="does not match"):
        verifier().verify(BODY, f"t={NOW},v1={first},v1={second}")


def test_test_mode_v0_scheme_beside_v1_is_ignored() -> None:
    header = sign(BODY, SECRET, NOW) + ",v0=" + "f" * 64

    verifier().verify(BODY, header)
    assert parse_signature_header(header).signatures == (v1(SECRET),)


def test_header_parts_may_be_spaced_and_digests_upper_case() -> None:
    header = f"t={NOW}, v1={v1(SECRET).upper()}"

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
