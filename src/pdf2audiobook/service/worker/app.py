"""The Celery application: its settings and the job tasks registered on it."""

from __future__ import annotations

from celery import Celery

from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.worker.config import celery_config
from pdf2audiobook.service.worker.tasks import register_tasks


def create_celery(settings: Settings) -> Celery:
    """A Celery app for these settings, with the job tasks registered on it. Raises
    CeleryNotConfiguredError when REDIS_URL is not set."""
    app = Celery("pdf2audiobook")
    app.conf.update(celery_config(settings))
    register_tasks(app, settings)
    return app
