"""Install the QGIS plugin shipped in ``spatialhealth/layers/qgis_plugin`` into a QGIS profile."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .._io import atomic_dir
from ..errors import InputError

#: folder name of the plugin inside ``<profile>/python/plugins``
PLUGIN_NAME = "spatialhealth_qgis"
#: file (inside the installed plugin) naming the executable to run
EXECUTABLE_FILE = "spatialhealth_executable.txt"


def plugin_source() -> Path:
    return Path(__file__).with_name("qgis_plugin")


def default_profile_dir() -> Path:
    """The 'default' QGIS 3 profile of this user (Linux, macOS, Windows)."""
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
        return base / "QGIS" / "QGIS3" / "profiles" / "default"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "QGIS" / "QGIS3" / "profiles" / "default"
    return Path.home() / ".local" / "share" / "QGIS" / "QGIS3" / "profiles" / "default"


def this_executable() -> str:
    """The ``spatialhealth`` console script of the running environment."""
    exe_dir = Path(sys.executable).parent
    for name in ("spatialhealth", "spatialhealth.exe"):
        if (exe_dir / name).exists():
            return str(exe_dir / name)
    found = shutil.which("spatialhealth")
    if found:
        return found
    raise InputError("Cannot find the 'spatialhealth' executable of this environment; pass "
                     "--executable PATH.")


def install_plugin(profile_dir=None, executable: str | None = None) -> Path:
    """Copy the plugin into ``<profile_dir>/python/plugins/spatialhealth_qgis`` (replacing it).

    The path of the ``spatialhealth`` executable is written into the plugin
    (``spatialhealth_executable.txt``); the environment variable
    ``SPATIALHEALTH_EXE`` or the QGIS setting ``spatialhealth/executable``
    override it.

    Raises
    ------
    InputError
        When the profile folder does not exist (a typo would otherwise install the plugin
        where QGIS never looks) or the executable does not exist / is not executable.

    Examples
    --------
    >>> install_plugin("~/.local/share/QGIS/QGIS3/profiles/default")   # doctest: +SKIP
    """
    profile = Path(profile_dir).expanduser() if profile_dir else default_profile_dir()
    if not profile.is_dir():
        hint = ("pass the folder shown by QGIS under Settings > User Profiles > Open Active "
                "Profile Folder" if profile_dir else
                "start QGIS once so that it creates its default profile, or pass --profile-dir")
        raise InputError(f"The QGIS profile folder {str(profile)!r} does not exist; {hint}.")
    exe = executable or this_executable()
    exe_path = Path(exe).expanduser()
    if not exe_path.is_file():
        raise InputError(f"The spatialhealth executable {exe!r} does not exist; pass the path of "
                         "the `spatialhealth` command of the Python environment to use.")
    if not sys.platform.startswith("win") and not os.access(exe_path, os.X_OK):
        raise InputError(f"{exe!r} is not executable; pass the path of the `spatialhealth` command.")
    exe = str(exe_path.resolve())
    target = profile / "python" / "plugins" / PLUGIN_NAME
    src = plugin_source()
    with atomic_dir(target) as tmp:
        for item in src.iterdir():
            if item.name == "__pycache__":
                continue
            if item.is_dir():
                shutil.copytree(item, tmp / item.name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(item, tmp / item.name)
        (tmp / EXECUTABLE_FILE).write_text(exe + "\n", encoding="utf-8")
    return target
