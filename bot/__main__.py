"""`python -m bot` runs the bot (the sandbox when no BOT_TOKEN is set); `migrate` only applies the migrations;
`sandbox` runs the bot against a local Telegram emulator with a chat page in the browser."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.app import run
from bot.clock import clock_for
from bot.config import MISSING_TOKEN_HELP, ConfigError, Settings, exposed_data, load_settings, prepare_data_folders
from bot.db.migrate import upgrade


def configure_logging(level: str, log_format: str = "text") -> None:
    """LOG_LEVEL applies to the bot's own loggers; libraries stay at INFO, because at DEBUG some of them
    (aiosqlite, asyncpg) log statement parameters, and parameters are personal data.

    LOG_FORMAT=json: one JSON object a line, for a log collector (bot/metrics.py's JsonFormatter)."""
    if log_format == "json":
        from bot.metrics import JsonFormatter

        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=logging.INFO, handlers=[handler])
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("bot").setLevel(level.upper())


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    from bot.sandbox.runner import DEFAULT_PORT

    parser = argparse.ArgumentParser(prog="python -m bot", description="Health Code Bot")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "migrate", "sandbox"])
    parser.add_argument("--host", default="127.0.0.1", help="sandbox: the address of the chat page (127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"sandbox: its port ({DEFAULT_PORT})")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        prepare_data_folders(settings)
        if arguments.command == "sandbox" or (arguments.command == "run" and settings.bot_token is None):
            if arguments.command == "run":
                print(f"{MISSING_TOKEN_HELP}\nUntil then, here is the bot in a local sandbox.\n", flush=True)
            return run_sandbox(settings.data_dir / "sandbox", arguments.host, arguments.port)
        upgrade(settings.effective_database_url)
        warn_if_exposed(settings)
        if arguments.command == "migrate":
            return 0
        asyncio.run(run(settings, clock_for(settings.clock_file)))
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def warn_if_exposed(settings: Settings) -> None:
    """One line when the data folder or the database files are open to group or others: they hold names, ID
    numbers and health answers. Made ones are private; older ones are left for the operator to tighten."""
    found = exposed_data(settings)
    if found:
        logging.getLogger("bot.storage").warning(
            "personal data readable by other local users: %s; run chmod 700 on the folder and 600 on the files",
            ", ".join(found),
        )


def run_sandbox(data_dir: Path, host: str, port: int) -> int:
    from bot.sandbox.runner import SandboxError, serve

    try:
        asyncio.run(serve(data_dir, host, port))
    except SandboxError as error:
        print(f"Sandbox: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # most often: the port is taken
        print(f"Sandbox: cannot serve on {host}:{port}: {error.strerror or error}; try --port", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
