"""The README's two commands in a fresh clone with a fresh virtual environment.

`make test` inside the clone runs the core tests only (TESTS=tests/core): running
the whole suite again from inside the suite would double CI time and recurse.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_readme_commands_work_in_a_fresh_clone(tmp_path):
    if os.environ.get("SPATIALHEALTH_FRESH_CLONE"):
        pytest.skip("already inside a fresh-clone run")
    if not (ROOT / ".git").exists() or shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("needs a git checkout, git and make")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTEST", "PYTHONPATH"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    env["SPATIALHEALTH_FRESH_CLONE"] = "1"
    demo = subprocess.run(["make", "demo", "OUT=out"], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=3000)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert (clone / ".venv" / "bin" / "spatialhealth").exists()
    written = [p for p in (clone / "out").rglob("*") if p.is_file()]
    assert len(written) > 20
    assert any(p.suffix == ".png" for p in written) and any(p.suffix == ".csv" for p in written)
    test = subprocess.run(["make", "test", "TESTS=tests/core"], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=3000)
    assert test.returncode == 0, test.stdout[-3000:] + test.stderr[-3000:]
    assert " passed" in test.stdout
