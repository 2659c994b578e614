"""The in-process Harness of tests/security (the real dispatcher on the fake Bot API), for family members."""

from tests.security.conftest import harness as harness  # noqa: F401  (a fixture, found by name)
