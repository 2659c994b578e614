"""Issue 12, item 9: a DATA_DIR the bot cannot write to stops it with one line naming the setting and the
reason, exit status 2 as for other settings, and no traceback.

Tests run as root, which ignores permission bits: a path under a regular file stands for an unwritable one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Each test starts `python -m bot` as a child process: left out of `make test-fast`.
pytestmark = pytest.mark.subprocess

FAKE_TOKEN = "123456789:AAE-not-a-real-token"


def start_bot(project_root: Path, tmp_path: Path, command: str, **settings: str) -> subprocess.CompletedProcess[str]:
    own = ("BOT_TOKEN", "DATA_DIR", "DATABASE_URL", "REDIS_URL", "CODE_SECRET", "WEBHOOK_URL", "WEBHOOK_SECRET")
    environment = {key: value for key, value in os.environ.items() if key.upper() not in own}
    # The Bot API address leads nowhere: the bot must stop before it would ever reach for it.
    environment.update(BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_URL="http://127.0.0.1:9", **settings)
    return subprocess.run(
        [sys.executable, "-m", "bot", command],
        cwd=tmp_path,  # no .env of the developer's is read
        env={**environment, "PYTHONPATH": str(project_root)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", ["run", "migrate"])
def test_data_dir_under_a_file_is_one_clear_line(project_root: Path, tmp_path: Path, command: str) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = start_bot(project_root, tmp_path, command, DATA_DIR=str(blocker / "sub"))

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"Configuration error: DATA_DIR is unusable: cannot create or write files in {blocker / 'sub'} (Not a directory)"
    ]


def test_data_dir_that_is_a_file_is_one_clear_line(project_root: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = start_bot(project_root, tmp_path, "migrate", DATA_DIR=str(blocker))

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"Configuration error: DATA_DIR is unusable: {blocker} exists and is not a folder"


def test_sqlite_database_in_an_unusable_folder_names_database_url(project_root: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    database = blocker / "db" / "healthcode.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    result = start_bot(project_root, tmp_path, "migrate", DATA_DIR=str(tmp_path / "data"), DATABASE_URL=url)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Configuration error: DATABASE_URL is unusable:")


def test_a_writable_data_dir_is_made_owner_only_by_migrate(project_root: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"
    result = start_bot(project_root, tmp_path, "migrate", DATA_DIR=str(data_dir))

    assert result.returncode == 0, result.stderr
    assert oct(data_dir.stat().st_mode & 0o777) == "0o700"
    assert oct((data_dir / "healthcode.sqlite3").stat().st_mode & 0o777) == "0o600"
