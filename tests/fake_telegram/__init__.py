"""A fake Telegram Bot API server for end-to-end tests of the real bot process."""

from .objects import FakeUser, RecordedCall, find_button
from .server import FakeTelegram

__all__ = ["FakeTelegram", "FakeUser", "RecordedCall", "find_button"]
