"""The labels of the Mini App's pages, in the request's language: the pages carry no text of their own."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def page_texts() -> dict[str, str]:
    """Called inside the request's language context."""
    return {
        "my_code": _("My code"),
        "valid_until": _("Valid until"),
        "now": _("Now"),
        "why_colour": _("Why this colour?"),
        "way_to_green": _("The way to green"),
        "scan": _("Scan codes"),
        "fever": _("Fever"),
        "normal": _("Normal"),
        "checked_today": _("Checked today"),
        "name": _("Name"),
        "document": _("ID document, last four"),
        "scan_again": _("Scan the next code"),
        "error": _("Something went wrong. Close this page and open it again from the chat."),
        # The switcher between the person's own code and their family members' (issue 16).
        "holders": _("Whose code"),
        "scan_hint": _("Point the camera at a health code"),
        # The chat's own words for a person without the role: the same refusal wherever they try.
        "forbidden": _("Only checkpoint staff can verify health codes."),
    }
