"""What a user may ask of a job, validated once at the API and stored with the job."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.voices.registry import canonical_provider_name

VoiceType = Literal["default", "female", "male", "child"]
"""The pipeline's `VOICE_TYPES`; each provider refuses, naming the alternatives, those it
has no voice for."""


class JobOptions(BaseModel):
    """Conversion options. The PDF password is deliberately not one of them: it travels
    with the queued work only and is never stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str = "local"
    voice_type: VoiceType | None = None
    voice: str | None = Field(default=None, max_length=64)
    reading_speed: float = Field(default=1.0, ge=0.5, le=2.0)
    include_summary: bool = False
    """A spoken summary chapter before the book."""
    summary_only: bool = False
    """The summary alone, instead of the book."""
    chapter_recaps: bool = False
    output_format: Literal["m4b", "mp3"] = "m4b"
    footnotes: FootnotePolicy = FootnotePolicy.END

    @field_validator("provider")
    @classmethod
    def _registry_name(cls, provider: str) -> str:
        # "aws_polly" is stored, priced and reported as "polly": one name per provider.
        return canonical_provider_name(provider)
