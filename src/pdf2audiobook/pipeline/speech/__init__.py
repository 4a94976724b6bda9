"""Text for speech: what the voice is given to read.

Neural voices read digits, symbols and abbreviations unevenly ("Chapter roman three",
"ee-jee", "four one half"), so the project owns the step that turns printed text into
what a narrator would say (`normalise`), applies the user's pronunciation lexicon
(`lexicon`), and cuts the result into sentence-aligned chunks small enough for the
engine (`sentences`, `chunks`). `prepare.chapter_speech` ties these together for one
chapter.
"""

from pdf2audiobook.pipeline.speech.chunks import chunk_text
from pdf2audiobook.pipeline.speech.lexicon import Lexicon, LexiconError
from pdf2audiobook.pipeline.speech.normalise import normalise_for_speech
from pdf2audiobook.pipeline.speech.prepare import Pause, SpeechChunk, chapter_speech
from pdf2audiobook.pipeline.speech.sentences import split_sentences

__all__ = [
    "Lexicon",
    "LexiconError",
    "Pause",
    "SpeechChunk",
    "chapter_speech",
    "chunk_text",
    "normalise_for_speech",
    "split_sentences",
]
