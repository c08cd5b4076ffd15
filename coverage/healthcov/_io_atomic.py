"""Atomic writes: a failed run never leaves a half file nor replaces a good one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError

__all__ = ["atomic_path", "check_output_path"]


def check_output_path(path: str | os.PathLike[str], what: str = "output") -> Path:
    """``path`` as a :class:`~pathlib.Path`, refused with an :class:`InputError` when no file can be written
    there: an existing folder, or a parent that is a file. Call it before any long computation."""
    target = Path(path).expanduser()
    if target.is_dir():
        msg = (
            f"{what} path {str(target)!r} is an existing folder, not a file: give a file name, "
            f"e.g. {str(target / ('result' + (target.suffix or '.csv')))!r}"
        )
        raise InputError(msg)
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                msg = f"{what} path {str(target)!r} cannot be written: {str(parent)!r} is a file, not a folder"
                raise InputError(msg)
            break
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], what: str = "output") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``, else delete it.

    ``path`` is checked first (:func:`check_output_path`): an existing folder is an :class:`InputError`
    naming it, before anything is written.
    """
    target = check_output_path(path, what)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # writers such as GDAL want to create the file themselves
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
