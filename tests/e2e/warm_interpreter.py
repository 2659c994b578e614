"""Starts the end-to-end tests' bot processes from an interpreter that has imported the bot already.

A cold `python -m bot` spends about 3 s importing aiogram (its ~300 pydantic types), SQLAlchemy and
alembic, most of a short end-to-end test, and the suite starts the bot over a hundred times. This server
imports them once and forks one child per start. The child is a separate process that runs `python -m
bot`'s own module with its own environment, folder and log, talking to the emulator over HTTP, and a signal
ends it as it would end a cold one. The command-line tests (tests/e2e/test_resilience.py, the sandbox's)
still start `python -m bot` from nothing, so the real entry point stays covered.

Protocol, one Unix-socket connection per child: the client sends one JSON line {"argv", "env", "cwd",
"log"}; the server answers the child's pid, then, when the child has ended, its exit code as asyncio
reports it (negative: the signal that ended it). The server ends when its standard input closes, that is
with the test session that started it.
"""

from __future__ import annotations

import contextlib
import json
import os
import runpy
import selectors
import signal
import socket
import sys
import traceback


def _preload() -> None:
    """What `python -m bot` imports on its way, so the fork finds it imported."""
    import aiosqlite  # noqa: F401
    import alembic.command  # noqa: F401
    import asyncpg  # noqa: F401
    import redis.asyncio  # noqa: F401
    import sqlalchemy.dialects.postgresql.asyncpg  # noqa: F401
    import sqlalchemy.dialects.sqlite.aiosqlite  # noqa: F401
    from aiogram.fsm.storage import redis as aiogram_redis  # noqa: F401

    import bot.app  # noqa: F401
    import bot.db.migrate  # noqa: F401
    import bot.sandbox.runner  # noqa: F401


def _run_child(request: dict, inherited: list) -> None:
    """In the forked child: become the requested `python -m bot` process; never returns."""
    code = 1
    try:
        for resource in inherited:
            resource.close()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        sys.stdout.reconfigure(write_through=True)  # as PYTHONUNBUFFERED would: the log is read during the run
        sys.stderr.reconfigure(write_through=True)
        sys.argv = ["-m", *request["argv"]]
        try:
            runpy.run_module("bot", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported in the child's log, as a cold interpreter would
        traceback.print_exc()
    finally:
        import logging

        logging.shutdown()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(path: str) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)  # a handler, so the wakeup fd is written
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(wake_read, selectors.EVENT_READ, "children")
    selector.register(sys.stdin, selectors.EVENT_READ, "parent")
    children: dict[int, socket.socket] = {}
    print("ready", flush=True)

    while True:
        for key, _events in selector.select():
            if key.data == "parent":
                if not os.read(sys.stdin.fileno(), 4096):
                    return  # the test session has ended
            elif key.data == "accept":
                connection, _address = listener.accept()
                with connection.makefile("rb") as lines:
                    request = json.loads(lines.readline())
                pid = os.fork()
                if pid == 0:
                    _run_child(request, [selector, listener, connection, *children.values()])
                children[pid] = connection
                connection.sendall(f"{pid}\n".encode())
            else:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake_read, 4096):
                        pass
                _report_ended(children)


def _report_ended(children: dict[int, socket.socket]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            connection.close()


if __name__ == "__main__":
    _preload()
    serve(sys.argv[1])
