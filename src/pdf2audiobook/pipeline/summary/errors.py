"""Failures of the summary stage that are not the HTTP provider's own.

The HTTP layer (`voices.cloud.http`) already raises ProviderAuthError,
ProviderRequestError and ProviderOutageError; these cover what happens after a 2xx
answer, and a language model that is only half configured.
"""

from __future__ import annotations

from pdf2audiobook.pipeline.errors import PipelineError


class SummaryError(PipelineError):
    """A summary could not be made."""

    code = "summary_failed"


class MalformedSummaryResponseError(SummaryError):
    """The language model answered 2xx, but not with a usable chat completion."""

    code = "summary_malformed_response"


class SummaryConfigurationError(SummaryError):
    """The language model settings are incomplete or invalid."""

    code = "summary_configuration"
