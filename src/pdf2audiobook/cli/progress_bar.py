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


class ConvertProgressBar:
    """Shows stage, chapter, percentage, elapsed time and ETA on standard error."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> ConvertProgressBar:
        self._progress.start()
        self._task = self._progress.add_task(_STAGE_LABELS["starting"], total=100)
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
        label = _STAGE_LABELS.get(event.stage.value, event.stage.value)
        if event.chapter is not None and event.chapters:
            label = f"{label} {event.chapter}/{event.chapters}"
        self._progress.update(self._task, completed=event.percent, description=label)
