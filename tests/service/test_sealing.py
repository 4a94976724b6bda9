"""Secrets sealed with SECRET_KEY open for their purpose, under their key, while fresh."""

from __future__ import annotations

from pdf2audiobook.service.kit.sealing import Sealer


def test_a_sealed_text_opens_only_with_its_key_and_purpose() -> None:
    sealed = Sealer("key-one", "pdf-password").seal("hunter2")
    assert "hunter2" not in sealed
    assert Sealer("key-one", "pdf-password").unseal(sealed, 60) == "hunter2"
    assert Sealer("key-two", "pdf-password").unseal(sealed, 60) is None
    assert Sealer("key-one", "other-purpose").unseal(sealed, 60) is None
    assert Sealer("key-one", "pdf-password").unseal("not a token", 60) is None


def test_a_seal_opens_until_its_age_passes_the_limit() -> None:
    now = [1_800_000_000.0]
    sealer = Sealer("key-one", "pdf-password", clock=lambda: now[0])
    sealed = sealer.seal("hunter2")
    now[0] += 3600
    assert sealer.unseal(sealed, 3600) == "hunter2"
    now[0] += 1
    assert sealer.unseal(sealed, 3600) is None
