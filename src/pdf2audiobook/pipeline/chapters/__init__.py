"""Chapter planning: where chapters begin, and which sections are not read aloud."""

from pdf2audiobook.pipeline.chapters.model import ChapterPlan, ChapterStart, SkippedSection
from pdf2audiobook.pipeline.chapters.plan import plan_chapters
from pdf2audiobook.pipeline.chapters.titles import SkipReason

__all__ = ["ChapterPlan", "ChapterStart", "SkipReason", "SkippedSection", "plan_chapters"]
