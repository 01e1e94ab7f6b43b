"""Run a checked analysis file end to end into one output folder, atomically."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from spatialhealth._io import atomic_dir
from spatialhealth.app.outfolder import GENERATOR, MARKER, TMP_MARK, check_output_folder, locked
from spatialhealth.app.runner.config import RunConfig, load_config
from spatialhealth.app.runner.outputs import Outputs, write_workbook
from spatialhealth.app.runner.report import build_report, package_versions

__all__ = ["run_analysis", "RunResult"]


@dataclass(frozen=True)
class RunResult:
    """What a run wrote: the folder, the report, and every item by section.

    Attributes
    ----------
    out : pathlib.Path
        The output folder.
    report : pathlib.Path
        The ``report.html``.
    items : tuple of Item
        Every output, in order.
    seconds : float
        Wall-clock time of the run.
    """

    out: Path
    report: Path
    items: tuple
    seconds: float

    def paths(self) -> list[Path]:
        """Every file written, relative to the output folder."""
        return sorted(p.relative_to(self.out) for p in self.out.rglob("*") if p.is_file())


def run_analysis(config, out=None, seed: int | None = None, quick: bool | None = None, progress=None,
                 log=None) -> RunResult:
    """Run every analysis of an ``analysis.toml`` and write tables, figures, maps, QGIS layers and a report.

    The whole file is checked first (:func:`~spatialhealth.app.runner.config.load_config`);
    nothing is written unless it is valid. ``out`` must be new, empty or the folder of
    an earlier run (see :mod:`spatialhealth.app.outfolder`); outputs are written to a
    temporary folder that replaces ``out`` only when the run succeeds, and a second run
    into the same folder at the same time is refused.

    Parameters
    ----------
    config : path or RunConfig
        The analysis file, or one already loaded.
    out : path, optional
        Output folder (default ``out/`` beside the current folder).
    seed, quick : optional
        Override ``[run] seed`` / ``quick``.
    progress : rich.progress.Progress, optional
        One task per analysis section.
    log : callable, optional
        Called with one progress message (str) at a time.

    Returns
    -------
    RunResult
        The folder, the report and every item written.

    Examples
    --------
    >>> res = run_analysis("analysis.toml", out="out")  # doctest: +SKIP
    >>> res.report.name  # doctest: +SKIP
    'report.html'
    """
    from spatialhealth.app.runner import analyses

    cfg = config if isinstance(config, RunConfig) else load_config(config)
    if seed is not None:
        cfg.settings["run"]["seed"] = int(seed)
    if quick is not None:
        cfg.settings["run"]["quick"] = bool(quick)
    out = Path(out or "out")
    inputs = ([cfg.path] if cfg.path else []) + [f.path for f in cfg.files]
    check_output_folder(out, inputs=inputs)
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    steps = analyses.plan(cfg)
    task = progress.add_task("run", total=len(steps)) if progress is not None else None
    with locked(out.resolve()), atomic_dir(out, mark=TMP_MARK) as tmp:
        outputs = Outputs(root=tmp, csv_bom=cfg.settings["run"]["csv_bom"])
        for note in cfg.notes:
            outputs.note(note)
        state: dict = {}
        timings = []
        for label, func in steps:
            if progress is not None:
                progress.update(task, description=label)
            if log is not None:
                log(f"{label} ...")
            t_step = time.perf_counter()
            func(cfg, outputs, state)
            timings.append({"step": label, "seconds": round(time.perf_counter() - t_step, 2)})
            if progress is not None:
                progress.advance(task)
        seconds = time.perf_counter() - t0
        write_workbook(outputs, tmp / "tables.xlsx")
        report = tmp / "report.html"
        report.write_text(build_report(outputs, cfg, started, seconds), encoding="utf-8")
        _cite_final_folder(tmp, out)
        files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file() and p.name != TMP_MARK)
        manifest = {
            "generator": GENERATOR,
            "config": str(cfg.path) if cfg.path else None,
            "seed": cfg.seed,
            "inputs": [vars(f) for f in cfg.files],
            "versions": package_versions(),
            "outputs": [{"section": i.section, "title": i.title, "kind": i.kind,
                         "paths": [str(p.relative_to(tmp)) for p in i.paths]} for i in outputs.items],
            "files": files,
        }
        timing = {"started": started.isoformat(timespec="seconds"), "seconds": round(seconds, 2),
                  "steps": timings}
        (tmp / MARKER).write_text(_manifest_text(manifest, timing), encoding="utf-8")
        items = tuple(outputs.items)
    return RunResult(out=out, report=out / "report.html", items=items, seconds=seconds)


def _manifest_text(manifest: dict, timing: dict) -> str:
    """``run.json``: everything that two runs with the same seed share, then one line of timing."""
    body = json.dumps(manifest, indent=2, ensure_ascii=False)
    line = json.dumps(timing, ensure_ascii=False, separators=(", ", ": "))
    return body[:-2] + f',\n  "timing": {line}\n}}\n'


#: outputs written as text, in which a path of the temporary run folder may appear
_TEXT_SUFFIXES = (".txt", ".html", ".csv", ".json", ".md", ".qml", ".qgs")


def _cite_final_folder(tmp: Path, out: Path) -> None:
    """Point every text output at the folder the run will have, not the temporary one it is written in."""
    old, new = str(tmp).encode(), str(Path(out).resolve()).encode()
    for path in tmp.rglob("*"):
        if path.is_file() and path.suffix.lower() in _TEXT_SUFFIXES:
            data = path.read_bytes()
            if old in data:
                path.write_bytes(data.replace(old, new))
