"""The Mini App's answers as JSON: the same words as the chat, as plain text (the page sets them as text).

The chat's presenters write Telegram HTML (bold tags, escaped names); `plain` turns that back into the text a
page shows with `textContent`, so nothing a person typed is ever markup on the page either.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, tzinfo
from html import unescape
from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.codes.service import CodeSettings, CurrentCode
from bot.status.presenter import COLOUR_WORDS, next_step_text, status_lines
from bot.verification import presenter as verification_presenter
from bot.verification.service import Card, Recorded, TemperatureResult, Throttled

_TAG = re.compile(r"<[^>]*>")
OWN_CODE_ID = "me"


def plain(html_text: str) -> str:
    """Telegram HTML as text: the tags dropped first, then the entities read (so `&lt;b&gt;` stays text)."""
    return unescape(_TAG.sub("", html_text))


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def no_code_message() -> str:
    return _("You have no code yet. Send /start to answer the health questions.")


def renew_after(current: CurrentCode, zone: tzinfo, settings: CodeSettings) -> datetime:
    """When the page should ask again: the code is renewed on a new local day, or before it expires."""
    code = current.code
    local = code.issued_at.astimezone(zone)
    next_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return min(code.expires_at - settings.renew_margin, next_day)


def holder(
    current: CurrentCode,
    name: str,
    png: bytes,
    locale: str,
    now: datetime,
    zone: tzinfo,
    settings: CodeSettings,
    key: str = OWN_CODE_ID,
) -> dict[str, Any]:
    """One code on the page; `png` is the chat's picture of it (the same QR, the same token)."""
    status = current.status
    colour = current.code.colour
    today = now.astimezone(zone).date()
    # A family member's code (any key but the person's own) is explained in words about them.
    lines = status_lines(status, locale, today, about_them=key != OWN_CODE_ID)
    next_step = _("Next step: {step}").format(step=next_step_text(status, today))
    split = lines.index(next_step) if next_step in lines else len(lines)
    return {
        "id": key,
        "name": name,
        "colour": colour,
        "colour_label": str(COLOUR_WORDS[colour]) if colour in COLOUR_WORDS else colour,
        "reason": plain("\n".join(lines[1:split])),
        "valid_until": iso(current.code.expires_at),
        "renew_after": iso(renew_after(current, zone, settings)),
        "qr_png": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "way_to_green": plain("\n".join(lines[split:])),
    }


def verdict(card: Card, locale: str, zone: tzinfo, check: str | None, checked_today: int) -> dict[str, Any]:
    """The scanner's full-screen answer: PASS only for a valid green code, as the chat's card."""
    held = card.holder
    if card.valid and held is not None and held.colour == "green":
        kind, title = "pass", _("PASS")
    elif card.valid:
        kind, title = "do_not_pass", _("DO NOT PASS")
    else:
        kind, title = "not_valid", _("NOT VALID")
    if card.valid and held is not None:
        detail = str(COLOUR_WORDS.get(held.colour, held.colour))
    else:
        detail = plain(verification_presenter.refusal_text(card, locale, zone))
    return {
        "verdict": kind,
        "colour": held.colour if held is not None else None,
        "title": title,
        "detail": detail,
        "name": plain(verification_presenter.shown_name(held.name)) if held is not None else None,
        "document_last4": (held.id_last4 or None) if held is not None else None,
        "valid_until": iso(card.valid_until) if held is not None else None,
        "check": check,
        "checked_today": checked_today,
    }


def throttled(result: Throttled) -> dict[str, Any]:
    return {"error": "throttled", "detail": verification_presenter.throttled_text(result.seconds)}


def recorded(result: TemperatureResult) -> dict[str, Any]:
    """A reading recorded (or corrected): ok; refused for time or a double tap: not ok, with why."""
    title = verification_presenter.temperature_answer(result.outcome)
    if result.outcome.stored:
        return {"ok": True, "title": title, "detail": plain(verification_presenter.temperature_line(result))}
    return {"ok": result.outcome is Recorded.ALREADY, "title": title, "detail": ""}
