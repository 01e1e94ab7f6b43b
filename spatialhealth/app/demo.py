"""The demo: the bundled ``analysis.toml`` and the packaged worked examples.

``spatialhealth demo`` runs :func:`demo_config_path` (``spatialhealth/data/analysis.toml``)
with :func:`spatialhealth.app.runner.run_analysis`. Its ``[examples]`` section adds the
packaged worked examples below, one per capability.

Each capability contributes one *example step*: a module with a function
``run(ctx: DemoContext) -> list[pathlib.Path]`` that writes its tables, text
summaries and figures under ``ctx.out`` and returns the paths it wrote. Steps
run in the order of :data:`STEPS`; a step may leave results in ``ctx.shared``
for later steps (e.g. the LISA frame that the maps step draws).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: (label, module) of every demo step, in run order.
STEPS: list[tuple[str, str]] = [
    ("equity measures", "equity"),
    ("spatial weights, Moran and LISA", "layers"),
    ("mobility network", "networks"),
    ("maps and QGIS export", "maps"),
    ("ERGM fits", "ergm"),
    ("DEA efficiency", "efficiency"),
    ("difference-in-differences", "policy"),
]


def example_module(name: str):
    """The worked-example module ``spatialhealth.app.examples.<name>`` (imported explicitly).

    Parameters
    ----------
    name : str
        One of the module names of :data:`STEPS`.

    Returns
    -------
    module

    Examples
    --------
    >>> example_module("equity").__name__
    'spatialhealth.app.examples.equity'
    """
    from .examples import efficiency, equity, ergm, layers, maps, networks, policy

    return {"equity": equity, "layers": layers, "networks": networks, "maps": maps, "ergm": ergm,
            "efficiency": efficiency, "policy": policy}[name]


def demo_config_path() -> Path:
    """Return the path of the bundled analysis file that ``spatialhealth demo`` runs.

    Returns
    -------
    pathlib.Path
        ``spatialhealth/data/analysis.toml`` inside the installed package.

    Examples
    --------
    >>> demo_config_path().name
    'analysis.toml'
    """
    from importlib import resources

    return Path(str(resources.files("spatialhealth").joinpath("data/analysis.toml")))


@dataclass
class DemoContext:
    """What a demo step gets: the output folder, a seed, a log and shared results.

    Attributes
    ----------
    out : pathlib.Path
        The demo's output folder.
    seed : int
        Seed of every random procedure.
    quick : bool
        Fewer permutations and MCMC draws.
    shared : dict
        Results one step leaves for a later one (e.g. the mobility network).
    log : callable, optional
        Called with each progress message.

    Examples
    --------
    >>> ctx = DemoContext(out=Path("out"), log=print)
    >>> ctx.say("equity: done")
    equity: done
    """

    out: Path
    seed: int = 20201101
    quick: bool = False
    shared: dict[str, Any] = field(default_factory=dict)
    log: Any = None  # callable(str) for progress messages

    def say(self, message: str) -> None:
        if self.log is not None:
            self.log(message)


def run_demo(out="out", seed: int = 20201101, quick: bool = False, steps=None, log=None, progress=None):
    """Run the demo steps and return ``{label: [paths written]}``.

    Parameters
    ----------
    out : path
        Output folder (created).
    seed : int
        Seed for every random procedure in the demo.
    quick : bool
        Smaller permutations/MCMC for smoke tests.
    steps : list of str, optional
        Labels of the steps to run (default all).
    progress : rich.progress.Progress, optional
        Progress display; one task per step.
    log : callable, optional
        Called with each progress message.

    Returns
    -------
    dict of str to list of pathlib.Path
        The files written by each step, by step label.

    Examples
    --------
    >>> written = run_demo("out", steps=["equity measures"])  # doctest: +SKIP
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = DemoContext(out=out, seed=seed, quick=quick, log=log)
    selected = [s for s in STEPS if steps is None or s[0] in steps]
    task = progress.add_task("demo", total=len(selected)) if progress is not None else None
    written: dict[str, list[Path]] = {}
    for label, module_name in selected:
        if progress is not None:
            progress.update(task, description=label)
        module = example_module(module_name)
        t0 = time.perf_counter()
        paths = module.run(ctx) or []
        written[label] = [Path(p) for p in paths]
        ctx.say(f"{label}: {len(paths)} files in {time.perf_counter() - t0:.1f} s")
        if progress is not None:
            progress.advance(task)
    return written
