"""Optional progress display for long DEA runs (rich)."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def lp_progress(enabled: bool, total: int, description: str = "DEA linear programs"):
    """Yield a ``tick(k)`` callback advancing a rich progress bar by ``k`` LPs (or None)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda k=1: bar.advance(task, k)
