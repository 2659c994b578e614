"""The in-process Harness of tests/security: the real dispatcher fed updates by the fake Bot API."""

from tests.security.conftest import harness as harness  # noqa: F401  (a fixture, found by name)
