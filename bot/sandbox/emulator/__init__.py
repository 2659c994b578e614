"""A fake Telegram Bot API server for end-to-end tests of the real bot process."""

from .limits import Limits, RateLimit
from .objects import FakeUser, RecordedCall, find_button
from .server import FakeTelegram

__all__ = ["FakeTelegram", "FakeUser", "Limits", "RateLimit", "RecordedCall", "find_button"]
