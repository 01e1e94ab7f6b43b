"""Where results may be written: nothing a user owns is deleted or overwritten.

An output folder (``--out``) may be

* absent (it is created),
* an empty folder, or
* a folder this package wrote before, recognised by its ``run.json`` marker and
  holding only the files that run listed;

anything else is refused before any work starts, with the reason. It is never the
file system root, the home folder, the current folder or one of its parents, nor a
folder that holds the analysis file or an input. An output file never replaces an
input. A lock beside the folder refuses a second run into it at the same time;
the leftovers of a run that died (temporary folders) are removed by the next run
into that folder.

Examples
--------
>>> import tempfile, pathlib
>>> base = pathlib.Path(tempfile.mkdtemp())
>>> (base / "thesis").mkdir(); _ = (base / "thesis" / "chapter1.docx").write_text("years of work")
>>> try:
...     check_output_folder(base / "thesis")
... except OutputFolderError as exc:
...     print("refused:", "chapter1.docx" in str(exc))
refused: True
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from pathlib import Path

from spatialhealth.errors import InputError

#: the marker file every run folder holds
MARKER = "run.json"
#: the ``generator`` value in the marker
GENERATOR = "spatialhealth"
#: a file inside our temporary folders, so that only ours are ever cleaned up
TMP_MARK = ".spatialhealth-partial"


class OutputFolderError(InputError):
    """The output folder or file cannot be used without losing something of the user's."""


def _resolve(p) -> Path:
    return Path(os.path.abspath(os.path.expanduser(str(p))))


def _within(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def previous_run_files(folder: Path) -> set[str] | None:
    """Return the files a previous run listed in ``folder/run.json``, or None if it is not one of ours.

    Parameters
    ----------
    folder : pathlib.Path
        A candidate output folder.

    Returns
    -------
    set of str or None
        The relative paths listed, with ``run.json`` itself; ``None`` without a valid marker.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> previous_run_files(folder) is None
    True
    >>> _ = (folder / "run.json").write_text(json.dumps({"generator": "spatialhealth", "files": ["a.csv"]}))
    >>> sorted(previous_run_files(folder))
    ['a.csv', 'run.json']
    """
    marker = folder / MARKER
    try:
        manifest = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    if manifest.get("generator") == GENERATOR and isinstance(manifest.get("files"), list):
        return set(map(str, manifest["files"])) | {MARKER}
    return None


def check_output_folder(out, *, inputs=(), flag: str = "--out") -> Path:
    """Refuse an output folder that would delete or overwrite something of the user's.

    Parameters
    ----------
    out : path-like
        The folder results go to.
    inputs : iterable of path-like
        Files the run reads (the analysis file, tables, boundaries): the folder may not
        hold any of them.
    flag : str
        How the folder was given, for the message.

    Returns
    -------
    pathlib.Path
        The absolute folder.

    Raises
    ------
    OutputFolderError
        Naming the reason.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> check_output_folder(pathlib.Path(tempfile.mkdtemp()) / "new").name
    'new'
    """
    path = _resolve(out)
    cwd = _resolve(os.getcwd())
    home = _resolve("~")
    shown = f"{flag} {str(out)!r}"
    if path == Path(path.anchor) or path == home or _within(cwd, path):
        what = ("the file system root" if path == Path(path.anchor) else "your home folder" if path == home
                else "the current folder" if path == cwd else "a parent of the current folder")
        raise OutputFolderError(f"{shown} is {what}; a run replaces its output folder as a whole, so "
                                "give a new folder for the results, e.g. --out results.")
    for f in inputs:
        f = _resolve(f)
        if _within(f, path):
            raise OutputFolderError(f"{shown} holds {str(f)!r}, which this run reads; give a separate "
                                    "folder for the results, e.g. --out results.")
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"{shown} is an existing file, not a folder; give a new folder for the "
                                "results (nothing was changed).")
    if path.is_dir():
        present = {str(p.relative_to(path)) for p in path.rglob("*") if not p.is_dir()}
        if present:
            listed = previous_run_files(path)
            foreign = sorted(present - listed) if listed is not None else sorted(present)
            if foreign:
                shown_files = ", ".join(foreign[:5]) + (f" ... ({len(foreign)} in all)" if len(foreign) > 5 else "")
                why = ("holds files spatialhealth did not write" if listed is None
                       else "holds an earlier run of spatialhealth and files it did not write")
                raise OutputFolderError(
                    f"{shown} {why} ({shown_files}); spatialhealth only replaces an empty folder or a "
                    f"folder of an earlier run (recognised by its {MARKER}). Give a new folder, e.g. "
                    f"--out results, or move those files away.")
    return path


def check_output_file(out, *, inputs=(), flag: str = "--out") -> Path:
    """Refuse an output file that is an input of the same command or an existing folder.

    Parameters
    ----------
    out : path-like
        The file to write.
    inputs : iterable of path-like
        Files the command reads.
    flag : str
        How the file was given, for the message.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> check_output_file("result.csv", inputs=["table.csv"]).name
    'result.csv'
    """
    path = _resolve(out)
    for f in inputs:
        if _resolve(f) == path:
            raise OutputFolderError(f"{flag} {str(out)!r} is also an input of this command; writing it would "
                                    "destroy the input. Give another file name.")
    if path.is_dir():
        raise OutputFolderError(f"{flag} {str(out)!r} is a folder; give a file name.")
    return path


@contextlib.contextmanager
def locked(out: Path):
    """Hold an exclusive lock for runs into ``out``; a second run at the same time is refused.

    Parameters
    ----------
    out : pathlib.Path
        The output folder; the lock file sits beside it.

    Yields
    ------
    None
        While the lock is held (leftovers of an interrupted run are removed first).

    Raises
    ------
    OutputFolderError
        If another run holds the lock.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with locked(out):
    ...     try:
    ...         with locked(out):
    ...             pass
    ...     except OutputFolderError:
    ...         print("second run refused")
    second run refused
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = out.parent / f".{out.name}.lock"
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputFolderError(f"Another spatialhealth run is writing to {str(out)!r} right now; wait for "
                                    "it to finish or choose another --out.") from None
        clean_leftovers(out)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)


def clean_leftovers(out: Path) -> list[Path]:
    """Remove temporary folders that an interrupted run into ``out`` left (only ours).

    Parameters
    ----------
    out : pathlib.Path
        The output folder.

    Returns
    -------
    list of pathlib.Path
        The folders removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> clean_leftovers(pathlib.Path(tempfile.mkdtemp()) / "out")
    []
    """
    removed = []
    if not out.parent.is_dir():
        return removed
    for p in out.parent.glob(f".{out.name}.*"):
        if p.is_dir() and ((p / TMP_MARK).exists() or ((p / MARKER).exists() and ".old-" in p.name)):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed
