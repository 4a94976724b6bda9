"""Settings refuse what would be unsafe in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from pdf2audiobook.pipeline.summary.llm import SummaryLlmSettings
from pdf2audiobook.pipeline.voices.cloud.azure_speech import AzureSpeechSettings
from pdf2audiobook.pipeline.voices.cloud.elevenlabs import ElevenLabsSettings
from pdf2audiobook.pipeline.voices.cloud.google_tts import GoogleTTSSettings
from pdf2audiobook.pipeline.voices.cloud.openai_compatible import OpenAICompatibleSettings
from pdf2audiobook.pipeline.voices.cloud.openai_speech import OpenAISpeechSettings
from pdf2audiobook.pipeline.voices.cloud.polly import PollySettings
from pdf2audiobook.pipeline.voices.pricing import PricingSettings
from pdf2audiobook.service.kit.settings import Settings

PIPELINE_SETTINGS: list[type[BaseSettings]] = [
    OpenAISpeechSettings,
    OpenAICompatibleSettings,
    ElevenLabsSettings,
    GoogleTTSSettings,
    AzureSpeechSettings,
    PollySettings,
    PricingSettings,
    SummaryLlmSettings,
]


@pytest.mark.parametrize("environment", ["production", "test"])
def test_default_secret_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        Settings(_env_file=None, environment=environment)


def test_development_runs_with_the_default_secret_and_sqlite_in_the_data_folder() -> None:
    settings = Settings(_env_file=None, data_dir="somewhere")
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("somewhere/pdf2audiobook.db")


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "12345")
    settings = Settings(_env_file=None)
    assert settings.resolved_database_url == "postgresql://postgres@127.0.0.1/test"
    assert settings.max_upload_bytes == 12345


def test_env_example_lists_every_setting_and_loads() -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    listed = set(re.findall(r"^([A-Z_0-9]+)=", example.read_text(), re.MULTILINE))
    assert {name.upper() for name in Settings.model_fields} <= listed
    for voice_or_summary in PIPELINE_SETTINGS:
        prefix = voice_or_summary.model_config.get("env_prefix", "")
        names = {f"{prefix}{name}".upper() for name in voice_or_summary.model_fields}
        assert names <= listed, voice_or_summary.__name__
    assert Settings(_env_file=example).max_upload_bytes == 100 * 1024 * 1024
