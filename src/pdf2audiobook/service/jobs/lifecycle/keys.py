"""Where a job's files live in storage. Keys are ours (ids), never a user's file name, and
deterministic, so a stage run again overwrites what an earlier run left instead of leaking it."""

from __future__ import annotations

AUDIO_CONTENT_TYPES = {"m4b": "audio/mp4", "mp3": "audio/mpeg"}


def audio_key_for(job_id: str, audio_format: str) -> str:
    return f"audio/{job_id}.{audio_format}"


def chapter_audio_key_for(job_id: str, number: int, audio_format: str) -> str:
    return f"chapters/{job_id}/{number:03d}.{audio_format}"


def plan_key_for(job_id: str) -> str:
    return f"work/{job_id}/plan.json"


def job_output_prefixes(job_id: str) -> tuple[str, ...]:
    """The folders of what converting a job makes: chapter audio, and a worker's scratch files."""
    return (f"chapters/{job_id}/", f"work/{job_id}/")
