"""The Celery app made from the environment, for `celery -A pdf2audiobook.service.worker.main`."""

from __future__ import annotations

from pdf2audiobook.service.kit.settings import get_settings
from pdf2audiobook.service.worker.app import create_celery

app = create_celery(get_settings())
