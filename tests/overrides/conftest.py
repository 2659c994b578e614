"""The in-process Harness of tests/security and the fake Bot API of tests/stories, found by name."""

from tests.security.conftest import harness as harness  # noqa: F401  (a fixture, found by name)
from tests.stories import telegram as telegram  # noqa: F401  (a fixture, found by name)
