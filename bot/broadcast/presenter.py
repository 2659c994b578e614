"""The words of a reminder job's progress, for whoever started it, in the current gettext locale."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.broadcast.service import Progress


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
