"""The registry finds every provider by the name the provider itself declares."""

from __future__ import annotations

import pytest

from pdf2audiobook.pipeline.voices import PROVIDERS, get_provider
from pdf2audiobook.pipeline.voices.errors import UnknownProviderError
from pdf2audiobook.pipeline.voices.registry import canonical_provider_name, provider_class


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_each_registered_name_loads_the_provider_of_that_name(name: str) -> None:
    assert provider_class(name).name == name
    assert get_provider(f" {name.upper()} ").name == name


def test_an_unknown_provider_is_refused_with_the_known_names() -> None:
    with pytest.raises(UnknownProviderError, match="choose one of: local, openai"):
        get_provider("speakwell")


@pytest.mark.parametrize(
    ("alias", "name"), [("aws_polly", "polly"), (" Eleven_Labs ", "elevenlabs")]
)
def test_the_backend_guidelines_provider_names_load_our_provider(alias: str, name: str) -> None:
    assert canonical_provider_name(alias) == name
    assert get_provider(alias).name == name


def test_an_unknown_name_is_only_normalised() -> None:
    assert canonical_provider_name(" SpeakWell ") == "speakwell"
