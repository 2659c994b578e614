"""The words of a history page, in the user's language and the bot's time zone.

Every kind of entry (bot/history/entries.py) has a renderer registered with `render_entry`; each
returns HTML, with everything that came from a person or the database escaped.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import timedelta, tzinfo
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.appeals.categories import category_text as appeal_category_text
from bot.domain.status import OverrideCategory
from bot.domain.temperature import FEVER_C
from bot.history.entries import (
    AppealEntry,
    AppealOutcomeEntry,
    CheckInEntry,
    CheckpointEntry,
    ColourEntry,
    DeclarationEntry,
    Entry,
    MissedDayEntry,
    Page,
    Turn,
)
from bot.i18n import format_day, format_moment
from bot.registration.presenter import answer_text
from bot.registration.questions import QUESTIONS_BY_KEY
from bot.status.presenter import COLOUR_SYMBOLS, COLOUR_WORDS, category_text, missed_text, reason_text, reasons_text

# A status can have nine reasons at once; a page of eight such entries in full would pass Telegram's
# 4,096 characters, so an entry names at most this many (all of today's are in /status).
MAX_REASONS = 5


def no_history_text() -> str:
    return _("You have no history yet. Send /start to answer the health questions.")


def page_text(page: Page, locale: str, zone: tzinfo, heading: str | None = None) -> str:
    """`heading` names a family member when the history is theirs."""
    lines = [heading or _("<b>Your history</b>, newest first")]
    if page.count > 1:
        lines.append(_("Page {page} of {pages}").format(page=page.number + 1, pages=page.count))
    blocks = ["\n".join(lines), *(render_entry(entry, locale, zone) for entry in page.entries)]
    return "\n\n".join(blocks)


@functools.singledispatch
def render_entry(entry: Entry, locale: str, zone: tzinfo) -> str:
    """The entry as HTML; one renderer per kind is registered below."""
    raise TypeError(f"no renderer for {type(entry).__name__}")


@render_entry.register(DeclarationEntry)
def _declaration(entry: DeclarationEntry, locale: str, zone: tzinfo) -> str:
    if entry.temperature_c is None or entry.symptoms is None:
        headline = _("Declaration submitted")
    else:
        headline = _("Declaration submitted: {summary}").format(
            summary=report_summary(entry.temperature_c, entry.symptoms, locale)
        )
    return f"📝 {headline}\n<i>{format_moment(entry.when, locale, zone)}</i>"


@render_entry.register(CheckInEntry)
def _checkin(entry: CheckInEntry, locale: str, zone: tzinfo) -> str:
    line = _("Check-in for {day}: {summary}").format(
        day=format_day(entry.day, locale), summary=report_summary(entry.temperature_c, entry.symptoms, locale)
    )
    return f"✅ {line}"


@render_entry.register(ColourEntry)
def _colour(entry: ColourEntry, locale: str, zone: tzinfo) -> str:
    word = COLOUR_WORDS.get(entry.colour)
    colour = escape(str(word) if word is not None else entry.colour)
    why = _why(entry, locale)
    if why:
        line = _("Colour: <b>{colour}</b> — {why}").format(colour=colour, why=why)
    else:
        line = _("Colour: <b>{colour}</b>").format(colour=colour)
    symbol = COLOUR_SYMBOLS.get(entry.colour, "⚪")
    return f"{symbol} {line}\n<i>{format_moment(entry.when, locale, zone)}</i>"


@render_entry.register(CheckpointEntry)
def _checkpoint(entry: CheckpointEntry, locale: str, zone: tzinfo) -> str:
    # The verdict only: which staff member checked it is kept for accountability but never shown here.
    if entry.valid:
        verdict = _("valid")
    elif entry.reason == "expired":
        verdict = _("not valid, the code had expired")
    elif entry.reason == "colour_changed":
        verdict = _("not valid, the image showed an earlier colour")
    else:
        verdict = _("not valid")
    lines = ["🛂 " + _("Code checked at a checkpoint: {verdict}").format(verdict=verdict)]
    if entry.temperature_c is not None:
        if entry.temperature_c >= FEVER_C:
            lines.append(_("Temperature taken there: 37.3 °C or more"))
        else:
            lines.append(_("Temperature taken there: normal"))
    lines.append(f"<i>{format_moment(entry.when, locale, zone)}</i>")
    return "\n".join(lines)


@render_entry.register(MissedDayEntry)
def _missed(entry: MissedDayEntry, locale: str, zone: tzinfo) -> str:
    return f"⚠️ {missed_text(entry.day, entry.day, locale)}"


@render_entry.register(AppealEntry)
def _appeal(entry: AppealEntry, locale: str, zone: tzinfo) -> str:
    line = _("Appeal made against: {reason}").format(reason=_appealed(entry.reason))
    return f"⚖️ {line}\n<i>{format_moment(entry.when, locale, zone)}</i>"


@render_entry.register(AppealOutcomeEntry)
def _appeal_outcome(entry: AppealOutcomeEntry, locale: str, zone: tzinfo) -> str:
    # The decision and the reviewer's words; who decided is on record but never shown here.
    reason = _appealed(entry.reason)
    if entry.outcome == "granted":
        lines = [_("Appeal granted: {reason}").format(reason=reason)]
        if entry.ends_on is not None:
            lines.append(_("Green until {date}").format(date=format_day(entry.ends_on - timedelta(days=1), locale)))
    elif entry.outcome == "upheld":
        lines = [_("Appeal reviewed, the reason stands: {reason}").format(reason=reason)]
        if entry.category:
            lines.append(_("Why it stands: {category}").format(category=appeal_category_text(entry.category)))
        if entry.text:
            lines.append(_("The reviewer adds: {text}").format(text=escape(entry.text)))
    else:
        lines = [_("Appeal withdrawn: {reason}").format(reason=reason)]
    lines.append(f"<i>{format_moment(entry.when, locale, zone)}</i>")
    return "⚖️ " + "\n".join(lines)


def _appealed(reason: str) -> str:
    if reason == "override":
        return _("a health authority's decision on your code")
    return escape(reason_text(reason))


def _why(entry: ColourEntry, locale: str) -> str:
    if entry.turn is Turn.DECIDED:
        if entry.decision == OverrideCategory.APPEAL_GRANTED:
            return _("your appeal was granted")
        if entry.decision is not None:
            return _("by a health authority's decision: {decision}").format(decision=category_text(entry.decision))
        return _("by a health authority's decision")
    reasons = _reasons(entry.reasons)
    if entry.turn is Turn.EASED:
        if reasons:
            return _("after your days of normal check-ins; still because {reasons}").format(reasons=reasons)
        return _("after your days of normal check-ins")
    if entry.turn is Turn.RESTARTED and entry.starts_on is not None:
        day = format_day(entry.starts_on, locale)
        if reasons:
            return _("the count of days to green started again on {day}; because {reasons}").format(
                day=day, reasons=reasons
            )
        return _("the count of days to green started again on {day}").format(day=day)
    if reasons:
        return _("because {reasons}").format(reasons=reasons)
    return _("nothing puts you at risk") if entry.colour == "green" else ""


def _reasons(codes: Iterable[str]) -> str:
    return reasons_text(tuple(codes), MAX_REASONS)


def report_summary(temperature_c: float, symptoms: Iterable[str], locale: str) -> str:
    """A day's report in a few words, e.g. "36.6 °C, no symptoms", with the form's own answer labels."""
    symptoms = list(symptoms)
    temperature = answer_text(QUESTIONS_BY_KEY["temperature_c"], float(temperature_c), locale)
    if symptoms:
        # The form's labels; should no stored code have one (a symptom since removed), the codes themselves.
        said = answer_text(QUESTIONS_BY_KEY["symptoms"], symptoms, locale) or escape(", ".join(symptoms))
    else:
        said = _("no symptoms")
    return _("{temperature}, {symptoms}").format(temperature=temperature, symptoms=said)
