"""`/api/v1/voices`: every provider and voice, with availability and the reason when not."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from pdf2audiobook.pipeline.voices import provider_statuses
from pdf2audiobook.service.users.current import UserDep

router = APIRouter(prefix="/voices", tags=["voices"])


class VoiceOut(BaseModel):
    name: str
    voice_type: str
    language: str
    available: bool
    reason: str | None
    description: str


class ProviderOut(BaseModel):
    name: str
    available: bool
    reason: str | None
    voices: list[VoiceOut]


@router.get("", response_model=list[ProviderOut])
def list_voices(user: UserDep) -> list[ProviderOut]:
    del user  # signed-in users only, like every other route
    return [
        ProviderOut(
            name=status.name,
            available=status.available,
            reason=status.reason,
            voices=[
                VoiceOut(
                    name=voice.name,
                    voice_type=voice.voice_type,
                    language=voice.language,
                    available=voice.available,
                    reason=voice.reason,
                    description=voice.description,
                )
                for voice in status.voices
            ],
        )
        for status in provider_statuses()
    ]
