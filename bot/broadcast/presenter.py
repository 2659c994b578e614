"""The words of a reminder job: what each recipient reads, and its progress for whoever started it, in the
current gettext locale."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.broadcast.service import Progress
from bot.menu import CHECK_IN


def progress_text(progress: Progress) -> str:
    return _("Sending the reminder…\nSent {sent}, blocked {blocked}, failed {failed}, left {left} of {total}.").format(
        sent=progress.sent, blocked=progress.blocked, failed=progress.failed, left=progress.left, total=progress.total
    )


def summary_text(progress: Progress) -> str:
    lines = [
        _("Reminder finished.\nSent {sent}, blocked {blocked}, failed {failed} of {total}.").format(
            sent=progress.sent, blocked=progress.blocked, failed=progress.failed, total=progress.total
        )
    ]
    if progress.blocked:
        lines.append(_("People who blocked the bot are skipped by later reminders."))
    if progress.failed:
        lines.append(
            _("Failed: Telegram did not accept the message after several tries; a later reminder may reach them.")
        )
    return "\n\n".join(lines)


def default_text() -> str:
    """The default reminder, in the current locale."""
    return _(
        "Reminder from your organization: please do today's health check-in. Send /checkin or press {button}."
    ).format(button=f"✅ {CHECK_IN}")


def recipient_text(text: str | None) -> str:
    """What a recipient reads, in the current locale: HR's own words as they wrote them, under a line saying
    who they are from (a bare text from a bot reads like the bot's own), or the default."""
    if text is None or not text.strip():
        return default_text()
    return _("📢 From your organization's HR office:") + "\n\n" + escape(text, quote=False)


def preview(text: str | None, locale: str) -> str:
    """What a recipient in `locale` will get (HR sees it before confirming)."""
    with get_i18n().use_locale(locale):
        return recipient_text(text)
