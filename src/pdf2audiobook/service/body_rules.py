"""Which body each route takes: its size, its pace, and whether the caller is known first."""

from __future__ import annotations

from pdf2audiobook.service.jobs.api.router import create_job, estimate_job
from pdf2audiobook.service.kit.body_limit import FORM_OVERHEAD_BYTES, BodyRule, BodyRules
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.webhooks.router import MAX_WEBHOOK_BYTES, receive_webhook


def body_rules(settings: Settings) -> BodyRules:
    """Uploads at the upload limit; webhooks (signed, not signed in) at 1 MB; every other
    body, always a signed-in caller's, at the JSON limit."""
    upload = BodyRule(
        max_bytes=settings.max_upload_bytes + FORM_OVERHEAD_BYTES,
        seconds=settings.upload_timeout_seconds,
        upload=True,
    )
    webhook = BodyRule(
        max_bytes=MAX_WEBHOOK_BYTES, seconds=settings.body_timeout_seconds, identified=False
    )
    return BodyRules(
        default=BodyRule(
            max_bytes=settings.max_json_body_bytes, seconds=settings.body_timeout_seconds
        ),
        by_endpoint={create_job: upload, estimate_job: upload, receive_webhook: webhook},
    )
