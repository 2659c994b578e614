"""Appeals' own vocabulary, plain Python: why an appeal was upheld, a code stored with the decision and shown
in the reader's language wherever the decision is (the notice, /history, /mydata)."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """Why an appeal was upheld; shown to the person in their language."""

    ON_RECORD = "on_record"
    NO_EVIDENCE = "no_evidence"
    RULES = "rules"
    AUTHORITY = "authority"
