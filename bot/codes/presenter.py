"""The words and picture of a code, in the user's language."""

from __future__ import annotations

import hashlib
from datetime import datetime, tzinfo
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.codes.service import CodeSettings, CurrentCode
from bot.domain.qr_image import CodeCard, render_code_png
from bot.i18n import format_moment
from bot.status.presenter import colour_line, status_lines


def caption(current: CurrentCode, locale: str, now: datetime, zone: tzinfo) -> str:
    """The colour, until when the code is valid and when it was shown (so a screenshot is visibly stale);
    nothing else, so the QR above it stays on a phone's screen. Why, the next step and the way to green are
    behind the "Why this colour?" button (and in /status)."""
    return "\n".join(
        [
            colour_line(current.code.colour),
            _("Code valid until {moment}").format(moment=format_moment(current.code.expires_at, locale, zone)),
            _("Shown at {moment}").format(moment=format_moment(now, locale, zone)),
        ]
    )


def album_caption(name: str, current: CurrentCode, locale: str, now: datetime, zone: tzinfo) -> str:
    """A code in an album of the family's codes: whose it is above the single code's caption."""
    return f"<b>{escape(name or '…')}</b>\n" + caption(current, locale, now, zone)


def explanation(current: CurrentCode, locale: str, now: datetime, zone: tzinfo, about_them: bool = False) -> str:
    """Why the colour and the way to green: sent above a code after a declaration or a check-in
    (`about_them`: a family member's code, in words about them)."""
    return "\n".join(status_lines(current.status, locale, now.astimezone(zone).date(), about_them))


# The colour's name on the image is in both languages whatever the holder's: the code is read at gates
# by staff who may read only one of them.
IMAGE_LABELS = {"green": "GREEN CODE 绿码", "yellow": "YELLOW CODE 黄码", "red": "RED CODE 红码"}
# Raised whenever the drawing changes, so images cached by file_id are drawn again (image_key).
IMAGE_LAYOUT = 2


def _valid_until_text(current: CurrentCode, zone: tzinfo) -> str:
    # One date both readers know (ISO order), under both languages' words.
    moment = current.code.expires_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return f"Valid until / 有效期至 {moment}"


def code_card(current: CurrentCode, holder_name: str, zone: tzinfo, settings: CodeSettings) -> CodeCard:
    code = current.code
    return CodeCard(
        link=settings.link(code.token),
        colour=code.colour,
        holder_name=holder_name,
        colour_word=IMAGE_LABELS[code.colour],
        validity_text=_valid_until_text(current, zone),
    )


def image_key(current: CurrentCode, zone: tzinfo, settings: CodeSettings) -> str:
    """What the image is drawn from, but the name: an image is re-sent by file_id only under the same key.

    The name is left out because it is loaded only to draw: a declaration (the only way it changes) drops
    the code, and a new code never has a file_id.
    """
    card = code_card(current, "", zone, settings)
    drawn = "\x1f".join([str(IMAGE_LAYOUT), card.link, card.colour, card.colour_word, card.validity_text])
    return hashlib.sha256(drawn.encode()).hexdigest()[:32]


def cached_file_id(current: CurrentCode, key: str) -> str | None:
    """Telegram's id of this code's image, when it was drawn from what would be drawn now."""
    code = current.code
    return code.file_id if code.file_id and code.image_key == key else None


def render(current: CurrentCode, holder_name: str, zone: tzinfo, settings: CodeSettings) -> bytes:
    return render_code_png(code_card(current, holder_name, zone, settings))


def no_code_yet(in_form: bool) -> str:
    """Before the first declaration. With the form under way the way to a code is finishing it, not /start."""
    if in_form:
        return _("You have no code yet: it comes when you finish the questions above, or send /cancel.")
    return _("You have no code yet. Send /start to answer the health questions.")
