"""The words of appeals: to the person (in their language) and to reviewers, who see only the contested
reason, the person's words and attachment, and the readings bearing on it (never a name or other answers)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from html import escape

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.appeals.categories import category_text
from bot.appeals.service import OVERRIDE_REASON, QueueItem, Reading
from bot.db.models import Appeal
from bot.domain.appeals import Category
from bot.history.presenter import report_summary
from bot.i18n import format_day, format_moment, format_short_day
from bot.status.presenter import colour_line, reason_text


def reason_label(code: str) -> str:
    if code == OVERRIDE_REASON:
        return _("a health authority's decision on your code")
    return escape(reason_text(code))


def category_label(category: Category) -> str:
    return category_text(category.value)


# --- The person -------------------------------------------------------------------------------------------


def nothing_to_appeal() -> str:
    return _("Your code is green: there is no reason on record to appeal.")


def no_code() -> str:
    return _("You have no code yet. Send /start to answer the health questions.")


def choose_whose() -> str:
    return _("<b>Appeal</b>\nWhose colour do you want to appeal?")


def member_label(name: str | None) -> str:
    return _("The colour of {name}").format(name=escape(name or "…"))


def for_member(name: str | None, text: str) -> str:
    """An answer about a family member's appeal: headed with their name, as their notices are."""
    return f"👤 <b>{escape(name or '…')}</b>\n{text}"


def member_nothing_to_appeal(name: str | None) -> str:
    return _("The code of {name} is green: there is no reason on record to appeal.").format(name=escape(name or "…"))


def member_choose_reason(name: str | None) -> str:
    return _(
        "<b>Appeal for {name}</b>\nWhich reason for their colour do you think is wrong? A reviewer will look at "
        "it and answer you here."
    ).format(name=escape(name or "…"))


def member_submitted(name: str | None, appeal: Appeal, locale: str, zone: tzinfo) -> str:
    return _("The appeal for {name} was sent. A reviewer will answer here by {due}.").format(
        name=escape(name or "…"), due=format_moment(appeal.due_at, locale, zone)
    )


def choose_reason() -> str:
    return _(
        "<b>Appeal</b>\nWhich reason for your colour do you think is wrong? A reviewer will look at it and "
        "answer you here."
    )


def ask_text(limit: int) -> str:
    return _(
        "Write why you think this reason is wrong (for example: when your test was negative, or when you "
        "were released). One message, up to {limit} characters."
    ).format(limit=limit)


def text_too_short() -> str:
    return _("Please write a little more: a reviewer needs to know why you think the reason is wrong.")


def text_too_long(limit: int) -> str:
    return _("That is too long: please keep it under {limit} characters.").format(limit=limit)


def ask_photo() -> str:
    return _(
        "You can add a photo of a document, such as a negative test or a release certificate. Send it now, "
        "or press “No photo”."
    )


def photo_expected() -> str:
    return _("Please send a photo, or press “No photo”.")


def summary(reason: str, text: str, has_photo: bool) -> str:
    lines = [
        _("<b>Your appeal</b>"),
        _("Reason you contest: {reason}").format(reason=reason_label(reason)),
        _("Why: {text}").format(text=escape(text)),
        _("Photo: attached") if has_photo else _("Photo: none"),
        "",
        _("Send it to a reviewer?"),
    ]
    return "\n".join(lines)


def submitted(appeal: Appeal, locale: str, zone: tzinfo) -> str:
    return _("Your appeal was sent. A reviewer will answer here by {due}.").format(
        due=format_moment(appeal.due_at, locale, zone)
    )


def already_open() -> str:
    return _("You already have an appeal under review. You can withdraw it and make a new one.")


def not_on_record() -> str:
    return _("That reason is no longer on your record. Send /appeal to see the reasons that are.")


def stale_button() -> str:
    return _("That button belongs to an earlier message.")


def cancelled() -> str:
    return _("Appeal cancelled. Nothing was sent.")


def withdrawn() -> str:
    return _("Your appeal was withdrawn.")


def nothing_to_withdraw() -> str:
    return _("You have no appeal under review.")


def under_review(appeal: Appeal, locale: str, zone: tzinfo) -> str:
    """The line in /status, and the answer to /appeal while one is open."""
    return _("Your appeal of {day} is being reviewed; answer due by {due}.").format(
        day=format_short_day(appeal.created_at.astimezone(zone).date(), locale),
        due=format_moment(appeal.due_at, locale, zone),
    )


def upheld_notice(appeal: Appeal, category: Category, text: str, locale: str, zone: tzinfo) -> str:
    lines = [
        _("Your appeal of {day} was reviewed: the reason stands.").format(
            day=format_short_day(appeal.created_at.astimezone(zone).date(), locale)
        ),
        _("Reason you contested: {reason}").format(reason=reason_label(appeal.reason)),
        _("Why it stands: {category}").format(category=category_label(category)),
        _("The reviewer adds: {text}").format(text=escape(text)),
        _("Send /status for the way to green."),
    ]
    return "\n".join(lines)


def granted_notice(appeal: Appeal, ends_on: date, locale: str, zone: tzinfo) -> str:
    return "\n".join(
        [
            _("Your appeal of {day} was granted.").format(
                day=format_short_day(appeal.created_at.astimezone(zone).date(), locale)
            ),
            colour_line("green"),
            _("Green until {date}; from {next} the rules apply again, without the reason you contested.").format(
                date=format_day(ends_on - timedelta(days=1), locale), next=format_day(ends_on, locale)
            ),
            _("Send /code to show it."),
        ]
    )


class NoticeWording:
    """The service's Wording: each text in the person's own language."""

    def __init__(self, i18n: I18n, zone: tzinfo) -> None:
        self._i18n = i18n
        self._zone = zone

    def upheld(self, language: str, appeal: Appeal, category: Category, text: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            return upheld_notice(appeal, category, text, language, self._zone)

    def granted(self, language: str, appeal: Appeal, ends_on: date) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            return granted_notice(appeal, ends_on, language, self._zone)


# --- Reviewers ----------------------------------------------------------------------------------------------


def only_reviewers() -> str:
    return _("Only reviewers of appeals can do that.")


def queue_empty() -> str:
    return _("No appeals are waiting.")


def card(item: QueueItem, locale: str, zone: tzinfo) -> str:
    appeal = item.appeal
    lines = [
        _("<b>Appeal {number}</b> ({count} waiting)").format(number=appeal.id, count=item.open_count),
        _("Made {made}; answer due by {due}").format(
            made=format_moment(appeal.created_at, locale, zone), due=format_moment(appeal.due_at, locale, zone)
        ),
        _("Colour: {colour}").format(colour=colour_line(appeal.colour)),
        _("Reason contested: {reason}").format(reason=reason_label(appeal.reason)),
        _("Their words: {text}").format(text=escape(appeal.text)),
        _("Photo: above") if appeal.photo_file_id else _("Photo: none"),
        "",
        _("<b>Temperatures and symptoms, last 14 days</b>"),
    ]
    lines += [_reading(reading, locale) for reading in item.readings] or [_("none reported")]
    return "\n".join(lines)


def _reading(reading: Reading, locale: str) -> str:
    day = format_short_day(reading.day, locale)
    if reading.at_checkpoint:
        return _("{day}: {temperature} °C at a checkpoint").format(day=day, temperature=f"{reading.temperature_c:.1f}")
    return f"{day}: {report_summary(reading.temperature_c, reading.symptoms, locale)}"


def choose_category() -> str:
    return _("Why does the reason stand? The person sees this in their language.")


def ask_decision_text(limit: int) -> str:
    return _("Write a few words to the person (up to {limit} characters). They see them, never your name.").format(
        limit=limit
    )


def choose_days() -> str:
    return _("Green for how long? After that the rules apply again, without the contested reason.")


def decided_upheld() -> str:
    return _("Upheld. The person will be told. Send /appeals for the next one.")


def decided_granted(ends_on: date, locale: str) -> str:
    return _("Granted: green until {date}. The person will be told. Send /appeals for the next one.").format(
        date=format_day(ends_on - timedelta(days=1), locale)
    )


def reminder(count: int, first_due: datetime, locale: str, zone: tzinfo) -> str:
    return _("Appeals due soon: {count}. The first is due by {due}. Send /appeals to decide them.").format(
        count=count, due=format_moment(first_due, locale, zone)
    )


def overdue(count: int, first_due: datetime, locale: str, zone: tzinfo) -> str:
    return _(
        "Appeals past their due time: {count} (the oldest was due by {due}). Send /appeals to decide them, or "
        "name more reviewers with /grant reviewer."
    ).format(count=count, due=format_moment(first_due, locale, zone))


def already_decided() -> str:
    return _("This appeal was already decided by another reviewer, or withdrawn. Send /appeals for the next one.")
