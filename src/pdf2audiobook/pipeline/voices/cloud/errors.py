"""How a cloud provider's failures reach the pipeline."""

from __future__ import annotations

from pdf2audiobook.pipeline.voices.errors import SpeechSynthesisError


class ProviderAuthError(SpeechSynthesisError):
    """The provider refused the credentials (401/403): retrying cannot help."""

    code = "provider_auth"


class ProviderRequestError(SpeechSynthesisError):
    """The provider refused the request itself (another 4xx): a bug or a limit, not an outage."""

    code = "provider_request"


class ProviderOutageError(SpeechSynthesisError):
    """The provider kept failing (429, 5xx, timeouts) after every retry: try another one."""

    code = "provider_outage"
