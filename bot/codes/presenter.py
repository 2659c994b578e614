"""The words and picture of a code, in the user's language."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from aiogram.utils.i18n import gettext as _

from bot.codes.service import CodeSettings, CurrentCode
from bot.domain.qr_image import CodeCard, render_code_png
from bot.i18n import format_moment
from bot.status.presenter import COLOUR_WORDS, status_lines

_TAG = re.compile(r"<[^>]+>")


# Telegram's limit for a photo caption, counted on the text without its HTML tags.
MAX_CAPTION = 1024


def caption(current: CurrentCode, locale: str, now: datetime, zone: tzinfo) -> str:
    validity = [
        _("Code valid until {moment}").format(moment=format_moment(current.code.expires_at, locale, zone)),
        _("Shown at {moment}").format(moment=format_moment(now, locale, zone)),
    ]
    today = now.astimezone(zone).date()
    text = "\n".join([*status_lines(current.status, locale, today), *validity])
    if len(_TAG.sub("", text)) > MAX_CAPTION:
        # Many reasons at once: the caption keeps the colour, the way to green and the validity; /status has all.
        text = "\n".join([*status_lines(current.status, locale, today, brief=True), *validity])
    return text


def render(current: CurrentCode, holder_name: str, locale: str, zone: tzinfo, settings: CodeSettings) -> bytes:
    code = current.code
    card = CodeCard(
        link=settings.link(code.token),
        colour=code.colour,
        holder_name=holder_name,
        colour_word=str(COLOUR_WORDS[code.colour]),
        issued_text=_("Issued {moment}").format(moment=format_moment(code.issued_at, locale, zone)),
    )
    return render_code_png(card)


def no_code_yet(in_form: bool) -> str:
    """Before the first declaration. With the form under way the way to a code is finishing it, not /start."""
    if in_form:
        return _("You have no code yet: it comes when you finish the questions above, or send /cancel.")
    return _("You have no code yet. Send /start to answer the health questions.")
