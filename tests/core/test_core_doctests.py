"""The Examples of every module of spatialhealth run as doctests (one test per module).

Same scope as ``pytest --doctest-modules spatialhealth`` (the root ``conftest.py`` leaves
out the QGIS plugin, which needs QGIS's interpreter, the data-generation scripts under
``spatialhealth/data`` and the deprecated ``spatialhealth.cli`` / ``spatialhealth.runner``
shims). Each module's examples run in a temporary working directory, so examples that
write files leave nothing behind. Modules whose examples fit an ERGM by MCMC take
minutes and are marked slow.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import spatialhealth

SKIP_PREFIXES = (
    "spatialhealth.layers.qgis_plugin",
    "spatialhealth.data",
    "spatialhealth.cli",
    "spatialhealth.runner",
    "spatialhealth.__main__",
)
SLOW = {"spatialhealth.networks.ergm.sampler", "spatialhealth.networks.ergm.fit"}
KNOWN_FAILURES: dict = {}  # module -> reason; none today
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def modules() -> list[str]:
    names = ["spatialhealth"]
    for info in pkgutil.walk_packages(spatialhealth.__path__, "spatialhealth."):
        if not info.name.startswith(SKIP_PREFIXES):
            names.append(info.name)
    return sorted(names)


def _param(name):
    marks = []
    if name in SLOW:
        marks.append(pytest.mark.slow)
    if name in KNOWN_FAILURES:
        marks.append(pytest.mark.xfail(strict=False, reason=KNOWN_FAILURES[name]))
    return pytest.param(
        name, marks=marks, id=name.removeprefix("spatialhealth.") or "spatialhealth"
    )


def run_doctests(name: str) -> tuple[int, list[str]]:
    """Run the doctests of module ``name``; return (examples attempted, failure reports)."""
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    reports = []
    attempted = 0
    for test in finder.find(module, name):
        out: list[str] = []
        result = runner.run(test, out=out.append, clear_globs=True)
        attempted += result.attempted
        if result.failed:
            reports.append("".join(out))
    return attempted, reports


def test_walk_finds_the_modules_and_runs_their_examples():
    names = modules()
    assert "spatialhealth.equity.gini" in names and "spatialhealth.networks.ergm" in names
    assert not any(n.startswith("spatialhealth.layers.qgis_plugin") for n in names)
    attempted, reports = run_doctests("spatialhealth.equity.gini")
    assert attempted > 0 and reports == []


def test_a_wrong_example_is_reported(tmp_path, monkeypatch):
    mod = tmp_path / "shdoctest_probe.py"
    mod.write_text('def f():\n    """\n    >>> 1 + 1\n    3\n    """\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    attempted, reports = run_doctests("shdoctest_probe")
    assert attempted == 1 and len(reports) == 1 and "Expected:\n    3" in reports[0]


@pytest.mark.parametrize("name", [_param(n) for n in modules()])
def test_module_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, reports = run_doctests(name)
    assert not reports, "\n".join(reports)
