"""Where results are written: checked before any solving, staged beside, swapped in whole.

Every command that writes goes through this module:

- :func:`check_folder` / :func:`check_file` validate an ``--out`` (or ``--report``) path
  *before* anything is solved or created: not empty, not the filesystem root, the home folder,
  the current folder (or one above it) or the repository root; not a file where a folder is
  needed (or the reverse); a known suffix; a writable place. An existing folder must be empty
  or an earlier run folder (it has a ``run.json``), since it is replaced as a whole.
- :func:`staged_folder` writes a run folder beside its target (``.NAME.tradeshock-tmp-PID-*``)
  and renames it into place once, when every file exists (an atomic exchange on Linux, else
  two renames with a roll-back). A failure or an interrupt leaves the earlier folder as it was
  and removes the staging folder; staging folders left by a killed process are removed by the
  next write to the same place. Files a user added to a run folder are kept (hard-linked into
  the new one).
- :func:`staged_file` does the same for one file (temporary file + ``os.replace``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from tradeshock.errors import TradeshockError, did_you_mean

#: Marks staging folders/files beside an output (``.NAME`` + tag + ``PID-random``).
TMP_TAG = ".tradeshock-tmp-"
#: Marks the previous folder while it is being swapped out (two-rename fallback).
OLD_TAG = ".tradeshock-old-"
#: Hidden scratch folders earlier versions left *inside* run folders.
LEGACY_TAG = ".tradeshock-"
#: The repository checkout the package runs from (None for an installed package).
_REPO = Path(__file__).resolve().parents[2]


class OutputError(TradeshockError):
    """An output path is unusable or writing it failed (nothing was changed)."""


def _forbidden(resolved: Path) -> str | None:
    """Why ``resolved`` may not be replaced as a whole (None if it may)."""
    if resolved == Path(resolved.anchor):
        return "the filesystem root"
    with contextlib.suppress(RuntimeError, KeyError, OSError):
        if resolved == Path.home().resolve():
            return "your home folder"
    if (_REPO / "pyproject.toml").is_file() and resolved == _REPO:
        return "the repository root"
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        return "the current folder" if resolved == cwd else "a folder above the current one"
    return None


def _resolve(path: str | os.PathLike[str], flag: str) -> tuple[Path, Path]:
    raw = os.fspath(path) if path is not None else ""
    if not str(raw).strip():
        raise OutputError(f"{flag} {raw!r} is empty; give a path such as out/")
    p = Path(raw).expanduser()
    try:
        resolved = p.resolve()
        if any(len(part.encode()) > 255 for part in resolved.parts):
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG))
    except OSError as exc:
        raise OutputError(f"{flag} {str(raw)[:80]!r}: unusable path ({exc.strerror or exc}); "
                          "choose a shorter, existing place") from None
    return p, resolved


def _check_parent(p: Path, resolved: Path, flag: str) -> None:
    """The nearest existing ancestor must be a writable folder (nothing is created yet)."""
    anc = resolved.parent
    while not anc.exists():
        anc = anc.parent
    if not anc.is_dir():
        raise OutputError(f"{flag} {p}: cannot write there ({anc} is a file, not a folder); "
                          "choose a writable folder")
    if not os.access(anc, os.W_OK | os.X_OK):
        raise OutputError(f"{flag} {p}: cannot write there (permission denied in {anc}); "
                          "choose a writable folder")


def run_folder_files(folder: Path) -> list[str] | None:
    """Files an earlier run listed in ``folder/run.json`` (None if it is not a run folder)."""
    try:
        rec = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(rec, dict) or "tradeshock_run" not in rec:
        return None
    files = rec.get("files", [])
    if not isinstance(files, list):
        return []
    return [f for f in files if isinstance(f, str) and f == Path(f).name and not f.startswith(".")]


def check_folder(out: str | os.PathLike[str], flag: str = "--out") -> Path:
    """Validate ``out`` as a run folder to be (re)written; create nothing. Returns the path."""
    p, resolved = _resolve(out, flag)
    why = _forbidden(resolved)
    if why:
        raise OutputError(f"{flag} {p} is {why}; a run folder is replaced as a whole, so give a "
                          f"new or earlier run folder such as {p / 'out'}")
    if p.exists():
        if not p.is_dir():
            raise OutputError(f"{flag} {p}: exists and is not a folder; choose a folder path")
        try:
            names = [q.name for q in p.iterdir()]
        except OSError as exc:
            raise OutputError(f"{flag} {p}: cannot read the folder ({exc.strerror or exc}); "
                              "choose a writable folder") from None
        if names and run_folder_files(p) is None:
            shown = ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")
            raise OutputError(f"{flag} {p}: the folder holds files tradeshock did not write "
                              f"({shown}) and has no run.json; a run folder is replaced as a "
                              "whole, so choose a new folder or an earlier run folder")
        if not os.access(p, os.R_OK | os.W_OK | os.X_OK):
            raise OutputError(f"{flag} {p}: cannot write there (permission denied); choose a "
                              "writable folder")
    _check_parent(p, resolved, flag)
    return p


def check_file(out: str | os.PathLike[str], suffixes: Sequence[str], flag: str = "--out") -> Path:
    """Validate ``out`` as one output file with one of ``suffixes``; create nothing."""
    p, resolved = _resolve(out, flag)
    if p.is_dir() or str(out).endswith(("/", os.sep)):
        stem = "table" if ".html" not in suffixes else "report"
        raise OutputError(f"{flag} {p} is a folder; give a file name such as "
                          f"{p / (stem + suffixes[0])}")
    suffix = p.suffix.lower()
    if not suffix:
        raise OutputError(f"{flag} {p}: give a file name ending in {', '.join(suffixes)} (e.g. "
                          f"{p.with_name(p.name + suffixes[0])})")
    if suffix not in suffixes:
        raise OutputError(f"{flag} {p}: unknown file type {suffix!r}"
                          f"{did_you_mean(suffix, suffixes)}; use {', '.join(suffixes)}")
    if p.exists() and not p.is_file():
        raise OutputError(f"{flag} {p}: exists and is not a regular file")
    _check_parent(p, resolved, flag)
    return p


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def clean_stale(parent: Path, name: str) -> list[Path]:
    """Remove staging leftovers of ``name`` in ``parent`` whose writing process is gone."""
    gone: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return gone
    for q in entries:
        for tag in (TMP_TAG, OLD_TAG):
            head = f".{name}{tag}"
            if not q.name.startswith(head):
                continue
            pid_s = q.name[len(head):].split("-", 1)[0]
            if pid_s.isdigit() and _alive(int(pid_s)) and int(pid_s) != os.getpid():
                continue
            if q.is_dir() and not q.is_symlink():
                shutil.rmtree(q, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    q.unlink()
            gone.append(q)
    return gone


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP if hasattr(errno, "ENOTSUP") else -1):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(staged: Path, folder: Path) -> None:
    """Put ``staged`` at ``folder`` with one rename; the old folder ends up at ``staged``."""
    if not folder.exists():
        os.rename(staged, folder)
        return
    if _exchange(staged, folder):
        return
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}{OLD_TAG}{os.getpid()}-", dir=folder.parent))
    os.rmdir(old)
    os.rename(folder, old)
    try:
        os.rename(staged, folder)
    except OSError:
        os.rename(old, folder)
        raise
    os.rename(old, staged)


def _keep_foreign(folder: Path, staged: Path) -> None:
    """Hard-link (or copy) into ``staged`` the files a user added to the run folder ``folder``."""
    ours = set(run_folder_files(folder) or []) | {"run.json"}
    for q in folder.iterdir():
        if q.name in ours or q.name.startswith(LEGACY_TAG) or (staged / q.name).exists():
            continue
        dest = staged / q.name
        if q.is_dir() and not q.is_symlink():
            shutil.copytree(q, dest, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(q, dest)


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    try:
        if Path(src).is_symlink():
            os.symlink(os.readlink(src), dst)
        else:
            os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


@contextlib.contextmanager
def staged_folder(out: str | os.PathLike[str], flag: str = "--out") -> Iterator[Path]:
    """Yield an empty staging folder beside ``out``; on success it replaces ``out`` in one rename.

    On any exception (or an interrupt) the staging folder is removed and ``out`` is unchanged.
    """
    folder = check_folder(out, flag)
    parent = folder.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        clean_stale(parent, folder.name)
        staged = Path(tempfile.mkdtemp(prefix=f".{folder.name}{TMP_TAG}{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{flag} {folder}: cannot write there ({exc.strerror or exc}); choose a "
                          "writable folder") from None
    try:
        yield staged
        if folder.is_dir():
            _keep_foreign(folder, staged)
        _swap_in(staged, folder)
    except OSError as exc:
        raise OutputError(f"{flag} {folder}: writing failed ({exc.strerror or exc}); previous "
                          "outputs were left as they were") from None
    finally:
        shutil.rmtree(staged, ignore_errors=True)


@contextlib.contextmanager
def staged_file(out: str | os.PathLike[str], suffixes: Sequence[str],
                flag: str = "--out") -> Iterator[Path]:
    """Yield a temporary path beside ``out``; on success it replaces ``out`` (``os.replace``)."""
    path = check_file(out, suffixes, flag)
    parent = path.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        clean_stale(parent, path.name)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}{TMP_TAG}{os.getpid()}-",
                                    suffix=path.suffix, dir=parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"{flag} {path}: cannot write there ({exc.strerror or exc}); choose a "
                          "writable folder") from None
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{flag} {path}: writing failed ({exc.strerror or exc}); any earlier "
                          "file was left as it was") from None
    finally:
        tmp.unlink(missing_ok=True)


__all__ = ["OutputError", "check_folder", "check_file", "staged_folder", "staged_file",
           "clean_stale", "run_folder_files"]
