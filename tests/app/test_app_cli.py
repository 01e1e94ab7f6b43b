import subprocess
import sys

from spatialhealth.app.cli import main


def test_help_lists_demo(capsys):
    assert main(["--help"]) == 0
    assert "demo" in capsys.readouterr().out


def test_our_errors_are_one_paragraph(tmp_path, capsys, monkeypatch):
    import spatialhealth.app.runner.run as run_mod
    from spatialhealth.errors import InputError

    def boom(*a, **k):
        raise InputError("Column 'beds' must be numeric; rows 3 are not.")

    monkeypatch.setattr(run_mod, "run_analysis", boom)
    assert main(["demo", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Error: Column 'beds' must be numeric" in err and "Traceback" not in err


def test_console_script_starts():
    out = subprocess.run([sys.executable, "-m", "spatialhealth.app.cli", "--help"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "Usage" in out.stdout


def test_atomic_outputs_get_the_usual_file_mode(tmp_path):
    import os

    from spatialhealth._io import atomic_dir, write_text

    mask = os.umask(0o022)
    try:
        p = write_text(tmp_path / "a.txt", "x")
        with atomic_dir(tmp_path / "run") as d:
            (d / "f").write_text("y")
    finally:
        os.umask(mask)
    assert oct(p.stat().st_mode & 0o777) == "0o644"
    assert oct((tmp_path / "run").stat().st_mode & 0o777) == "0o755"
