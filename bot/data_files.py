"""The folders and files that hold personal data and keys: made private, checked usable, watched at start-up.

The SQLite database holds names, ID numbers, phones and health answers; `code_secret` signs every code.
Both live under DATA_DIR, so that folder is made owner-only (0700) and the files in it owner-only (0600).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
# SQLite's companions of a database in WAL mode; they hold recent writes in clear.
SQLITE_COMPANIONS = ("-wal", "-shm")


class UnusableFolder(Exception):
    """A folder the bot must write to cannot be made or written; the message says why, in a few words."""


def make_private_folder(folder: Path) -> None:
    """Create `folder` (and missing parents) owner-only; an existing folder keeps its mode (see `exposed`)."""
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Create an empty file owner-only unless it exists; SQLite then opens it, and takes the mode of the
    database file for its -wal and -shm files."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def sqlite_path(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for another backend or an in-memory database."""
    if not database_url.startswith("sqlite"):
        return None
    database = make_url(database_url).database
    return Path(database) if database and database != ":memory:" else None


def require_writable_folder(folder: Path) -> None:
    """Make `folder` if missing and prove a file can be created in it; UnusableFolder otherwise."""
    try:
        make_private_folder(folder)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except FileExistsError:
        raise UnusableFolder(f"{folder} exists and is not a folder") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UnusableFolder(f"cannot create or write files in {folder} ({reason})") from None


def exposed(paths: Iterable[Path]) -> list[str]:
    """Those of `paths` that exist and grant anything to group or others, as `path (mode)`."""
    found = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            found.append(f"{path} ({mode:04o})")
    return found


def database_files(database: Path) -> list[Path]:
    return [database, *(database.with_name(database.name + suffix) for suffix in SQLITE_COMPANIONS)]
