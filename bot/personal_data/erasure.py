"""When a person's data may be erased: not while a health authority's decision holds their code.

An override records a health authority's decision (a confirmed case, say). Erasing the account would
erase the decision with it, and registering again would give a code the decision never allowed. So while
an override that is not green is in force, /delete is refused; a green override is a release and keeps
nothing back. Plain rules: no Telegram, no database; the caller gives `today` (the deployment's local day).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.answers import Colour
from bot.domain.status import Override, override_in_force


def decision_keeping_data(overrides: Sequence[Override], today: date) -> Override | None:
    """The decision that keeps the person's data from being erased today, if any: one in force, not green."""
    decision = override_in_force(overrides, today)
    return decision if decision is not None and decision.colour != Colour.GREEN else None
