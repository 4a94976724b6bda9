"""A terminal progress bar fed by the pipeline's progress events."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from pdf2audiobook.pipeline.progress import ProgressEvent

_STAGE_LABELS = {
    "starting": "Starting",
    "reading": "Reading the PDF",
    "cleaning": "Preparing the text",
    "speaking": "Speaking",
    "writing": "Writing",
    "done": "Done",
}


def describe(event: ProgressEvent) -> tuple[str, str]:
    """The bar's label and its detail column for `event`.

    Chapters are spoken several at once, so the label counts the chapters finished
    rather than naming one being read; the detail gives the audio made so far.
    """
    label = _STAGE_LABELS.get(event.stage.value, event.stage.value)
    if event.chapters:
        label = f"{label} {event.chapters_done}/{event.chapters} chapters"
    detail = ""
    if event.audio_seconds > 0:
        minutes, seconds = divmod(round(event.audio_seconds), 60)
        hours, minutes = divmod(minutes, 60)
        detail = f"{hours}:{minutes:02d}:{seconds:02d} of audio"
    return label, detail


class ConvertProgressBar:
    """Shows stage, chapters done, percentage, audio made, elapsed time and ETA on
    standard error."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<32}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[detail]:>20}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> ConvertProgressBar:
        self._progress.start()
        self._task = self._progress.add_task(_STAGE_LABELS["starting"], total=100, detail="")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, event: ProgressEvent) -> None:
        if self._task is None:
            return
        label, detail = describe(event)
        self._progress.update(self._task, completed=event.percent, description=label, detail=detail)
