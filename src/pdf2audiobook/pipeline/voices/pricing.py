"""What each provider charges, per million characters sent, for estimates and job costs.

Defaults are the providers' published list prices for their standard neural voices;
`TTS_PRICES_PER_MILLION` (JSON, e.g. `{"openai": 15, "elevenlabs": 180}`) overrides any of
them, since plans and prices change.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PRICES_PER_MILLION: dict[str, float] = {
    "local": 0.0,
    "openai-compatible": 0.0,
    "openai": 15.0,
    "google": 16.0,
    "polly": 16.0,
    "azure": 15.0,
    "elevenlabs": 300.0,
    "tone": 0.0,
}


class PricingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    tts_prices_per_million: dict[str, float] = Field(default_factory=dict)


def price_per_million(provider: str) -> float:
    """US dollars per million characters for `provider` (0 when nothing is known)."""
    overrides = PricingSettings().tts_prices_per_million
    return overrides.get(provider, DEFAULT_PRICES_PER_MILLION.get(provider, 0.0))


def cost_of(provider: str, characters: int) -> float:
    return round(price_per_million(provider) * characters / 1_000_000, 4)
