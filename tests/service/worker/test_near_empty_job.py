"""A PDF with almost nothing to read fails its job at once, saying what was counted in which
file."""

from __future__ import annotations

from pathlib import Path

from pdf2audiobook.service.jobs.stages import StageContext
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import Job, JobStatus
from tests.pipeline.reading.sparse_pdfs import near_empty_pdf

from .conftest import InlineQueue, new_job


def test_a_near_empty_pdf_fails_its_job_with_the_word_count_and_what_to_try(
    context: StageContext, tmp_path: Path
) -> None:
    queue = InlineQueue()
    job_id = new_job(context, near_empty_pdf(tmp_path / "Field Notes.pdf"))
    queue.extract(job_id, None)
    queue.deliver(context)  # a user error: failed at once, nothing sent to retry
    with session_scope(context.sessions) as session:
        job = session.get(Job, job_id)
        assert job is not None
        status, code, message = job.status, job.error_code, job.error_message
    assert status is JobStatus.FAILED
    assert code == "no_text"
    assert message is not None
    # The user's own file is named, never the worker's scratch copy.
    assert "Field Notes.pdf has 13 words on 31 pages: too little to read aloud" in message
    assert "OCR" in message
    assert "another file" in message
    assert queue.messages == []
