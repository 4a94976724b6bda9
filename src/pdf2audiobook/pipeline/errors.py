"""Errors a person can act on. Each message says what is wrong and what to do."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every expected failure of the conversion pipeline."""

    code = "pipeline_error"

    def __init__(self, message: str, *, public_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.public_message = public_message or message
        """The message without what only the operator should see (a provider's own
        answer): what a service tells its users."""


class InvalidPdfError(PipelineError):
    """The input is not a PDF we can read: empty, not a PDF, truncated or corrupt."""

    code = "invalid_pdf"


class PasswordRequiredError(PipelineError):
    code = "password_required"


class WrongPasswordError(PipelineError):
    code = "wrong_password"


class PdfTooLargeError(PipelineError):
    """The file, its page count or its page geometry exceeds a configured limit."""

    code = "pdf_too_large"


class ResourceLimitError(PipelineError):
    """Reading the PDF needed more memory or time than allowed."""

    code = "resource_limit"


class NoTextError(PipelineError):
    """The PDF opened but holds nothing that could be read aloud."""

    code = "no_text"


class UnsupportedFormatError(PipelineError):
    """The bytes are none of the formats the pipeline reads, whatever the file is called."""

    code = "unsupported_format"


class InvalidDocumentError(PipelineError):
    """An EPUB, DOCX, Markdown or text file that is damaged or not what it claims to be."""

    code = "invalid_document"


class InvalidArchiveError(InvalidDocumentError):
    """A zip container (EPUB, DOCX) that is truncated, malformed or tries a path trick."""

    code = "invalid_archive"


class ArchiveTooLargeError(PipelineError):
    """A zip container over the limits: too many entries, an entry or the whole too large
    once unpacked, or compressed so densely that it can only be a bomb."""

    code = "archive_too_large"


class DrmProtectedError(PipelineError):
    """The book's text is encrypted by its seller's rights management."""

    code = "drm_protected"


class FileTooLargeError(PipelineError):
    """An EPUB, DOCX, Markdown or text file larger than the configured limit."""

    code = "file_too_large"
