"""Progress for long work, as a callback: capabilities never import a display library.

A long procedure takes ``progress=`` and passes it to :func:`progress_callback`:

* ``None`` or ``False``: no display;
* ``True``: a progress bar on standard error (rich, imported only then);
* a callable: called as ``progress(k)`` after each ``k`` units of work (a GUI, a log,
  the command line's own bar).

Examples
--------
>>> done = []
>>> with progress_callback(done.append, total=3, description="draws") as tick:
...     for _ in range(3):
...         tick(1)
>>> done
[1, 1, 1]
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_callback(progress, total: int, description: str = "working") -> Iterator[Callable[[int], None]]:
    """Yield ``tick(k)``: advances a bar (``progress=True``), calls ``progress(k)``, or does nothing."""
    if callable(progress):
        yield lambda k=1: progress(k)
        return
    if not progress:
        yield lambda k=1: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda k=1: bar.advance(task, k)
