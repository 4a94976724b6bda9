"""`/api/v1/jobs`: submit books, follow their progress, fetch the audiobook."""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.formats.sniff import ACCEPTED_FORMATS
from pdf2audiobook.pipeline.voices.registry import DEFAULT_PROVIDER, canonical_provider_name
from pdf2audiobook.service.auth import VerifiedIdentity
from pdf2audiobook.service.deps import StateDep, WorkDep, current_identity
from pdf2audiobook.service.jobs.api.downloads import audio_response
from pdf2audiobook.service.jobs.api.estimates import EstimateGateDep, estimate_upload
from pdf2audiobook.service.jobs.api.events import EventTimingDep, StreamSlotsDep, job_event_stream
from pdf2audiobook.service.jobs.api.form_fields import OnlyDeclaredFormFields
from pdf2audiobook.service.jobs.api.schemas import (
    ChapterOut,
    DeletedJobsOut,
    EstimateOut,
    JobOut,
    JobPage,
    JobStatusOut,
    RemovedBlockOut,
)
from pdf2audiobook.service.jobs.api.service import JobService
from pdf2audiobook.service.jobs.lifecycle.keys import AUDIO_CONTENT_TYPES
from pdf2audiobook.service.jobs.lifecycle.options import JobOptions, VoiceType
from pdf2audiobook.service.jobs.lifecycle.repository import MAX_PAGE_SIZE, JobRepository
from pdf2audiobook.service.kit.errors import ErrorBody, NotFound
from pdf2audiobook.service.limits import LimitClass, rate_limited
from pdf2audiobook.service.models import Job, JobStatus
from pdf2audiobook.service.users.current import UserDep

_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 401, 402, 404, 409, 413, 415, 422)
}
_ACCEPTED = f"{ACCEPTED_FORMATS}, told apart by content, not by name"

router = APIRouter(prefix="/jobs", tags=["jobs"], responses=_ERRORS)
MAX_OFFSET = 2**31 - 1
"""Past any real count, and inside every database's integer."""
_RANGE_ERRORS: dict[int | str, dict[str, object]] = {416: {"model": ErrorBody}}


def _one_provider(provider: str | None, voice_provider: str | None) -> str:
    """The provider asked for under our field name or the backend guidelines' one; a 422
    when both are given and name different providers."""
    named = {
        canonical_provider_name(name) for name in (provider, voice_provider) if name is not None
    }
    if len(named) > 1:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", "voice_provider"),
                    "msg": (
                        f"voice_provider {voice_provider!r} and provider {provider!r} name "
                        "different providers; send one of them"
                    ),
                    "input": voice_provider,
                }
            ]
        )
    return named.pop() if named else DEFAULT_PROVIDER


@router.post(
    "",
    response_model=JobOut,
    status_code=201,
    dependencies=[Depends(rate_limited(LimitClass.SUBMIT))],
    responses={503: {"model": ErrorBody}},
)
def create_job(
    response: Response,
    state: StateDep,
    work: WorkDep,
    user: UserDep,
    # After the user: a caller without a valid token hears 401 before anything about fields.
    _fields: OnlyDeclaredFormFields,
    file: Annotated[
        UploadFile,
        File(description=f"The book to convert: {_ACCEPTED}.", json_schema_extra={"minLength": 1}),
    ],
    provider: Annotated[
        str | None,
        Form(description=f"Voice provider (see GET /voices); {DEFAULT_PROVIDER} when not given."),
    ] = None,
    voice_provider: Annotated[
        str | None, Form(description="The same as `provider`, by the backend guidelines' name.")
    ] = None,
    voice_type: Annotated[VoiceType | None, Form()] = None,
    voice: Annotated[str | None, Form(max_length=64)] = None,
    reading_speed: Annotated[float, Form(ge=0.5, le=2.0)] = 1.0,
    include_summary: Annotated[bool, Form()] = False,
    summary_only: Annotated[bool, Form()] = False,
    chapter_recaps: Annotated[bool, Form()] = False,
    output_format: Annotated[str, Form(pattern="^(m4b|mp3)$")] = "m4b",
    footnotes: Annotated[FootnotePolicy, Form()] = FootnotePolicy.END,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Job:
    """Upload a book and start converting it. A repeated Idempotency-Key returns the first
    job; a file of no readable format is refused with 415, whatever its name."""
    options = JobOptions(
        provider=_one_provider(provider, voice_provider),
        voice_type=voice_type,
        voice=voice,
        reading_speed=reading_speed,
        include_summary=include_summary,
        summary_only=summary_only,
        chapter_recaps=chapter_recaps,
        output_format=output_format,
        footnotes=footnotes,
    )
    job, created = JobService(state, work, user).submit(file, options, password, idempotency_key)
    if not created:
        response.status_code = 200
    return job


@router.post(
    "/estimate",
    response_model=list[EstimateOut],
    dependencies=[Depends(rate_limited(LimitClass.UPLOAD))],
    responses={503: {"model": ErrorBody}},
)
async def estimate_job(
    state: StateDep,
    # Not `UserDep`: its unit of work would hold a database connection while the book is read.
    identity: Annotated[VerifiedIdentity, Depends(current_identity)],
    gate: EstimateGateDep,
    _fields: OnlyDeclaredFormFields,
    file: Annotated[
        UploadFile,
        File(description=f"The book to estimate: {_ACCEPTED}.", json_schema_extra={"minLength": 1}),
    ],
    reading_speed: Annotated[float, Form(ge=0.5, le=2.0)] = 1.0,
    footnotes: Annotated[FootnotePolicy, Form()] = FootnotePolicy.END,
    password: Annotated[str | None, Form(max_length=1024)] = None,
) -> list[EstimateOut]:
    """Characters, listening time and cost per provider, before any job is made. A few
    are read at once; past a short queue, 503 with Retry-After."""
    del identity  # signed-in users only
    return await gate.run(estimate_upload, file, state.settings, password, footnotes, reading_speed)


@router.get("", response_model=JobPage)
def list_jobs(
    work: WorkDep,
    user: UserDep,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JobPage:
    jobs, total = JobRepository(work.session, user.id).list(status, limit, offset)
    return JobPage(
        items=[JobOut.model_validate(job) for job in jobs], total=total, limit=limit, offset=offset
    )


@router.delete("", response_model=DeletedJobsOut)
def delete_jobs(state: StateDep, work: WorkDep, user: UserDep, status: JobStatus) -> DeletedJobsOut:
    """Delete every finished job with `status` (e.g. `?status=FAILED`) and its files."""
    return DeletedJobsOut(deleted=JobService(state, work, user).delete_with_status(status))


@router.get("/{job_id}", response_model=JobOut)
def read_job(job_id: str, state: StateDep, work: WorkDep, user: UserDep) -> Job:
    return JobService(state, work, user).get(job_id)


@router.get("/{job_id}/status", response_model=JobStatusOut)
def read_job_status(job_id: str, state: StateDep, work: WorkDep, user: UserDep) -> Job:
    return JobService(state, work, user).get(job_id)


@router.get("/{job_id}/chapters", response_model=list[ChapterOut])
def read_chapters(job_id: str, state: StateDep, work: WorkDep, user: UserDep) -> list[ChapterOut]:
    JobService(state, work, user).get(job_id)
    chapters = JobRepository(work.session, user.id).chapters(job_id)
    return [ChapterOut.model_validate(chapter) for chapter in chapters]


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "`progress` events as the job moves, then `end` once it finishes.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        429: {"model": ErrorBody, "description": "All the caller's streams are open."},
    },
)
def stream_job_events(
    job_id: str,
    request: Request,
    state: StateDep,
    # Not `UserDep`: its unit of work would hold a database connection for the stream's life.
    identity: Annotated[VerifiedIdentity, Depends(current_identity)],
    timing: EventTimingDep,
    slots: StreamSlotsDep,
) -> StreamingResponse:
    """The job's progress as server-sent events: one at once, another whenever it changes,
    and `end` when the job finishes. A stream closes after an hour; reconnect to go on."""
    return job_event_stream(request, state.sessions, identity.external_id, job_id, timing, slots)


@router.get("/{job_id}/removed", response_model=list[RemovedBlockOut])
def read_removed(
    job_id: str, state: StateDep, work: WorkDep, user: UserDep
) -> list[RemovedBlockOut]:
    JobService(state, work, user).get(job_id)
    blocks = JobRepository(work.session, user.id).removed(job_id)
    return [RemovedBlockOut.model_validate(block) for block in blocks]


@router.get("/{job_id}/audio", response_model=None, responses=_RANGE_ERRORS)
def read_audio(
    job_id: str, request: Request, state: StateDep, work: WorkDep, user: UserDep
) -> Response:
    """The audiobook: the file itself (with Range support), or a short-lived link on S3."""
    job = JobService(state, work, user).get(job_id)
    if job.status is not JobStatus.COMPLETED or not job.audio_key or not job.audio_format:
        raise NotFound("The audiobook is not ready.")
    stem = PurePath(job.original_filename).stem or "audiobook"
    return audio_response(
        request,
        state.storage,
        job.audio_key,
        f"{stem}.{job.audio_format}",
        AUDIO_CONTENT_TYPES[job.audio_format],
        state.settings.presigned_url_seconds,
    )


@router.get("/{job_id}/chapters/{number}/audio", response_model=None, responses=_RANGE_ERRORS)
def read_chapter_audio(
    job_id: str,
    number: Annotated[int, Path(ge=1, le=MAX_OFFSET)],
    request: Request,
    state: StateDep,
    work: WorkDep,
    user: UserDep,
) -> Response:
    """One chapter's audio, as soon as that chapter is finished (before the whole book)."""
    job = JobService(state, work, user).get(job_id)
    chapter = next(
        (c for c in JobRepository(work.session, user.id).chapters(job_id) if c.number == number),
        None,
    )
    if chapter is None or chapter.audio_key is None:
        raise NotFound(f"Chapter {number} is not ready.")
    audio_format = chapter.audio_key.rsplit(".", 1)[-1]
    stem = PurePath(job.original_filename).stem or "audiobook"
    return audio_response(
        request,
        state.storage,
        chapter.audio_key,
        f"{stem} - chapter {number}.{audio_format}",
        AUDIO_CONTENT_TYPES[audio_format],
        state.settings.presigned_url_seconds,
    )


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: str, state: StateDep, work: WorkDep, user: UserDep) -> Job:
    return JobService(state, work, user).cancel(job_id)


@router.post(
    "/{job_id}/retry",
    response_model=JobOut,
    dependencies=[Depends(rate_limited(LimitClass.SUBMIT))],
    responses={503: {"model": ErrorBody}},
)
def retry_job(job_id: str, state: StateDep, work: WorkDep, user: UserDep) -> Job:
    return JobService(state, work, user).retry(job_id)


@router.delete("/{job_id}", status_code=204)
def delete_job(job_id: str, state: StateDep, work: WorkDep, user: UserDep) -> Response:
    JobService(state, work, user).delete(job_id)
    return Response(status_code=204)
