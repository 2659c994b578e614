"""Issue 12, item 3: the SQLite database (names, ID numbers, phones, health answers) and its folder are
owner-only, like code_secret beside them; a start-up with looser ones says so in one line."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.__main__ import warn_if_exposed
from bot.config import load_settings
from bot.db.engine import create_engine
from bot.db.migrate import upgrade


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems start processes with: new files 0644 and folders 0755 unless asked otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def test_database_and_its_folder_are_created_owner_only(tmp_path: Path, usual_umask: None) -> None:
    data_dir = tmp_path / "data"
    database = data_dir / "healthcode.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            # A write while the connection is open: the -wal and -shm files exist now.
            await connection.execute(text("UPDATE users SET language = language"))
            files = [database, data_dir / "healthcode.sqlite3-wal", data_dir / "healthcode.sqlite3-shm"]
            assert all(path.exists() for path in files)
            assert {path.name: oct(mode(path)) for path in files} == {path.name: "0o600" for path in files}
    finally:
        await engine.dispose()
    assert oct(mode(data_dir)) == "0o700"


def test_code_secret_folder_is_created_owner_only(tmp_path: Path, usual_umask: None) -> None:
    data_dir = tmp_path / "keys"
    load_settings(data_dir=data_dir, _env_file=None).code_secrets()
    assert oct(mode(data_dir)) == "0o700"
    assert oct(mode(data_dir / "code_secret")) == "0o600"


def test_start_up_warns_in_one_line_when_the_database_is_readable_by_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)  # as an older version of the bot left it
    database = data_dir / "healthcode.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    settings = load_settings(data_dir=data_dir, _env_file=None)

    with caplog.at_level(logging.WARNING, logger="bot"):
        warn_if_exposed(settings)

    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 1
    line = warnings[0].getMessage()
    assert f"{data_dir} (0755)" in line and f"{database} (0644)" in line
    assert "\n" not in line


def test_no_warning_when_everything_is_private(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "healthcode.sqlite3").touch(mode=0o600)
    (data_dir / "code_secret").touch(mode=0o600)
    data_dir.chmod(0o700)
    for path in data_dir.iterdir():
        path.chmod(0o600)

    with caplog.at_level(logging.WARNING, logger="bot"):
        warn_if_exposed(load_settings(data_dir=data_dir, _env_file=None))

    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
