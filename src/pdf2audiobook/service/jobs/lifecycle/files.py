"""A job's stored files, captured from its row so they can be deleted once it commits, and
the spoken chunks of its book, which a deleted job's owner may want gone from the cache."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from pdf2audiobook.pipeline.book_plan import BookPlan, PlanFormatError
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.voices import ChunkCache
from pdf2audiobook.pipeline.voices.synthesis import cache_keys
from pdf2audiobook.service.jobs.lifecycle.keys import job_output_prefixes, plan_key_for
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.models import Job
from pdf2audiobook.service.storage.base import Storage, StorageKeyNotFound

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobFiles:
    job_id: str
    keys: tuple[str, ...]
    prefixes: tuple[str, ...]
    drop_chunks: bool = False
    """The job is being deleted: its book's chunks leave the cache too."""

    @classmethod
    def of(cls, job: Job) -> JobFiles:
        """Everything the job stored: its PDF, its audiobook, its output folders and its
        book's cached chunks."""
        keys = tuple(key for key in (job.pdf_key, job.audio_key) if key)
        return cls(job.id, keys, job_output_prefixes(job.id), drop_chunks=True)

    @classmethod
    def outputs_of(cls, job: Job) -> JobFiles:
        """What converting the job made so far; not its PDF nor its cached chunks, which a
        retry needs."""
        keys = (job.audio_key,) if job.audio_key else ()
        return cls(job.id, keys, job_output_prefixes(job.id))

    def delete(self, storage: Storage, cache: ChunkCache | None = None) -> bool:
        """Delete every file (and, for a deleted job, its chunks from `cache`), carrying on
        past failures; False if any is left.

        Never raises: it runs once the rows are committed, when a failure can only be logged.
        What is left is an orphan for `sweep_orphaned_files` once the job's row is gone; a
        chunk left in the cache goes when the cache is full.
        """
        complete = True
        if self.drop_chunks and cache is not None:
            # First: the plan that names the chunks is among the files deleted below.
            try:
                drop_cached_chunks(storage, cache, self.job_id)
            except Exception:
                complete = False
                logger.warning("could not drop the chunks of job %s", self.job_id, exc_info=True)
        removals: list[tuple[Callable[[str], object], str]] = [
            *((storage.delete, key) for key in self.keys),
            *((storage.delete_prefix, prefix) for prefix in self.prefixes),
        ]
        for remove, target in removals:
            try:
                remove(target)
            except Exception:
                complete = False
                logger.warning("could not delete %s of job %s", target, self.job_id, exc_info=True)
        return complete


def chunk_cache_for(settings: Settings) -> ChunkCache:
    """The service's chunk cache: `data_dir/cache`, capped at CHUNK_CACHE_MAX_MB."""
    return ChunkCache(settings.chunk_cache_dir, settings.chunk_cache_max_bytes)


def drop_cached_chunks(storage: Storage, cache: ChunkCache, job_id: str) -> int:
    """Remove the job's spoken chunks from `cache`, in every voice its plan names; returns
    how many went. A job that was never read (no plan) has none."""
    try:
        with storage.open_read(plan_key_for(job_id)) as stream:
            plan = BookPlan.from_json(stream.read())
    except (StorageKeyNotFound, PlanFormatError):
        return 0
    texts = [chunk.text for chapter in plan.chapters for chunk in chapter.chunks]
    keys: list[str] = []
    for voice in plan.voices:
        try:
            keys.extend(cache_keys(texts, voice.provider, voice.voice, voice.speed))
        except PipelineError:
            continue  # a provider no longer installed has nothing in this cache
    return cache.discard(keys)
