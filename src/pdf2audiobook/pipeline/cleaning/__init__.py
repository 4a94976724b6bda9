"""Cleaning: running heads, footnotes, tables, characters, hyphens and paragraphs."""
