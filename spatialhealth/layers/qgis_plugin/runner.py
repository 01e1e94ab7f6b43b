"""Find the user's ``spatialhealth`` executable and run it in a clean subprocess.

Order of precedence: the environment variable ``SPATIALHEALTH_EXE``, the QGIS
setting ``spatialhealth/executable``, ``SPATIALHEALTH_PYTHON`` / the setting
``spatialhealth/python`` (a Python interpreter that has spatialhealth
installed), the path written by ``spatialhealth qgis-plugin install``, and
finally ``spatialhealth`` on PATH.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from queue import Empty, Queue

from qgis.core import QgsProcessingException, QgsSettings

HERE = Path(__file__).resolve().parent
EXECUTABLE_FILE = HERE / "spatialhealth_executable.txt"
#: variables that packaged QGIS builds (OSGeo4W, macOS bundle) set for their own
#: Python/GDAL/PROJ and that would break the user's environment
_DROP = ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "GDAL_DATA",
         "GDAL_DRIVER_PATH", "PROJ_LIB", "PROJ_DATA", "QT_PLUGIN_PATH", "QGIS_PREFIX_PATH")


def command():
    """The argv prefix that runs the spatialhealth CLI."""
    settings = QgsSettings()
    exe = os.environ.get("SPATIALHEALTH_EXE") or settings.value("spatialhealth/executable", "")
    if exe:
        return [str(exe)]
    py = os.environ.get("SPATIALHEALTH_PYTHON") or settings.value("spatialhealth/python", "")
    if py:
        return [str(py), "-c", "import sys; from spatialhealth.app.cli import main; sys.exit(main())"]
    if EXECUTABLE_FILE.exists():
        exe = EXECUTABLE_FILE.read_text(encoding="utf-8").strip()
        if exe:
            return [exe]
    found = shutil.which("spatialhealth")
    if found:
        return [found]
    raise QgsProcessingException(
        "Cannot find the spatialhealth command line. Install the package in a Python environment "
        "(pip install spatialhealth), then run `spatialhealth qgis-plugin install` from it, or set "
        "the environment variable SPATIALHEALTH_EXE (or the QGIS setting spatialhealth/executable) "
        "to the path of its `spatialhealth` executable.")


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


class Cancelled(QgsProcessingException):
    """The user cancelled the run; the subprocess has been stopped."""


def _stop(proc):
    """Terminate the subprocess (and its children), then kill it if it does not exit in 5 s."""
    try:
        if sys.platform.startswith("win"):
            proc.terminate()
        else:
            os.killpg(proc.pid, signal.SIGTERM)
    except (OSError, ProcessLookupError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        try:
            if sys.platform.startswith("win"):
                proc.kill()
            else:
                os.killpg(proc.pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass
        proc.wait()


def run(args, feedback=None, poll=0.2):
    """Run ``spatialhealth ARGS``; stream its output to the Processing log; raise on failure.

    Cancelling in QGIS stops the subprocess within about ``poll`` seconds (even while it
    prints nothing) and raises :class:`Cancelled` ("spatialhealth was cancelled").
    """
    cmd = command() + [str(a) for a in args]
    if feedback is not None:
        feedback.pushCommandInfo(" ".join(cmd))
    kwargs = {}
    if sys.platform.startswith("win"):
        kwargs["creationflags"] = 0x08000000 | 0x00000200  # CREATE_NO_WINDOW | NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True  # its own process group: cancel stops its children too
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                encoding="utf-8", errors="replace", env=clean_env(), **kwargs)
    except OSError as exc:
        raise QgsProcessingException(f"Could not start {cmd[0]}: {exc}")
    lines = []
    queue = Queue()

    def read():
        for line in proc.stdout:
            queue.put(line.rstrip())
        queue.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    cancelled = False
    done = False
    while not done:
        try:
            line = queue.get(timeout=poll)
        except Empty:
            line = ""
        if line is None:
            done = True
        elif line:
            lines.append(line)
            if feedback is not None:
                feedback.pushConsoleInfo(line)
        if feedback is not None and feedback.isCanceled():
            cancelled = True
            _stop(proc)
            break
    rc = proc.wait()
    reader.join(timeout=2)
    if proc.stdout:
        proc.stdout.close()
    if cancelled:
        if feedback is not None:
            feedback.reportError("spatialhealth was cancelled.")
        raise Cancelled("spatialhealth was cancelled.")
    if rc != 0:
        tail = "\n".join(lines[-15:])
        raise QgsProcessingException(f"spatialhealth failed (exit code {rc}):\n{tail}")
    return lines
