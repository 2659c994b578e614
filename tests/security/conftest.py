"""The in-process harness is tests/inprocess.py (its fixtures are found in every folder); these names stay
importable from here for the tests that import them so."""

from tests.inprocess import (  # noqa: F401  (re-exported, `harness` a fixture found by name)
    ADMIN as ADMIN,
)
from tests.inprocess import (
    NOW as NOW,
)
from tests.inprocess import (
    Harness as Harness,
)
from tests.inprocess import (
    another_process as another_process,
)
from tests.inprocess import (
    harness as harness,
)
from tests.inprocess import (
    logged_errors as logged_errors,
)
from tests.inprocess import (
    texts as texts,
)
