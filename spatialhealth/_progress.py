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


class _CallbackBar:
    """The part of a rich ``Progress`` a fit uses, reporting to a callback ``progress(k)``."""

    def __init__(self, callback):
        self.callback = callback

    def start(self):
        return None

    def stop(self):
        return None

    def add_task(self, description: str, total=None) -> int:
        return 0

    def update(self, task, advance: int = 0, description: str | None = None, **_) -> None:
        if advance:
            self.callback(advance)


def status_bar(progress, label: str):
    """A bar with a changing description for iterative fits, or None when ``progress`` is off.

    ``True`` gives a rich bar titled ``label`` on standard error; a callable receives the
    number of steps done since its last call; ``None``/``False`` gives None.

    Parameters
    ----------
    progress : bool or callable
    label : str

    Returns
    -------
    object or None
        Has ``start()``, ``add_task(description, total)``, ``update(task, advance=,
        description=)`` and ``stop()``.

    Examples
    --------
    >>> steps = []
    >>> bar = status_bar(steps.append, "ERGM")
    >>> task = bar.add_task("fit", total=3); bar.update(task, advance=1); steps
    [1]
    """
    if callable(progress):
        return _CallbackBar(progress)
    if not progress:
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn(f"[bold]{label}[/bold] {{task.description}}"), BarColumn(), TimeElapsedColumn(),
                    transient=True)
