"""A job as three kinds of task: read the PDF, speak one chapter, assemble the book.

Extraction writes the book plan to storage and creates one chapter row per chapter;
each chapter is then spoken by its own task (on any worker of any machine) into
`chapters/{job_id}/{n:03d}.{fmt}`, downloadable at once; the chapter that completes the
set moves the job to assembly, which joins the chapter files into the book without
re-encoding them. Every task claims its work with a compare-and-set lease, keeps the
lease alive while it works and stops quietly when the job is gone, cancelled or held
by another worker. The functions here know nothing of Celery: a queue calls them.
"""

from pdf2audiobook.service.jobs.stages.assemble import run_assemble
from pdf2audiobook.service.jobs.stages.base import (
    Enqueuer,
    StageContext,
    TaskRun,
    TransientFailure,
)
from pdf2audiobook.service.jobs.stages.extract import dispatch_order, run_extract
from pdf2audiobook.service.jobs.stages.reconcile import give_up_after_retries, reconcile
from pdf2audiobook.service.jobs.stages.synthesise import run_synthesise

__all__ = [
    "Enqueuer",
    "StageContext",
    "TaskRun",
    "TransientFailure",
    "dispatch_order",
    "give_up_after_retries",
    "reconcile",
    "run_assemble",
    "run_extract",
    "run_synthesise",
]
