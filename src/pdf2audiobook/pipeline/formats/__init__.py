"""Books that arrive already structured: EPUB, DOCX, Markdown and plain text."""
