"""The words of a status: the colour, why, and the way to green, in the user's language."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.db.models import Assessment
from bot.domain.status import OverrideCategory, Status
from bot.i18n import format_day, format_short_day, semicolons

COLOUR_SYMBOLS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
COLOUR_WORDS = {"green": __("GREEN CODE"), "yellow": __("YELLOW CODE"), "red": __("RED CODE")}

# One label per reason code of the rules file (bot/domain/rules); a test checks that none is missing.
REASONS = {
    "own_status_confirmed": __("you are a confirmed case"),
    "own_status_suspected": __("you are a suspected case"),
    "own_status_asymptomatic": __("you have an asymptomatic infection"),
    "own_status_observation": __("you are under medical observation or quarantine"),
    "contact_confirmed_case": __("close contact with a confirmed case"),
    "place_hardest_hit": __("you stayed in a hardest-hit area"),
    "place_abroad": __("you stayed abroad in the last 14 days"),
    "symptom_fever": __("you reported a fever"),
    "symptom_cough": __("you reported a cough"),
    "symptom_shortness_of_breath": __("you reported shortness of breath"),
    "symptom_other_respiratory": __("you reported respiratory symptoms"),
    "temperature_fever": __("your temperature is 37.3 °C or more"),
    "contact_fever_or_respiratory": __("close contact with someone with fever or respiratory symptoms"),
    "contact_suspected_case": __("close contact with a suspected case"),
    "contact_same_building": __("a confirmed case in the building where you live"),
    "place_high_risk": __("you stayed in another high-risk area"),
}

# The same reasons about a family member, read by the account that manages them (bot/family).
THEIR_REASONS = {
    "own_status_confirmed": __("they are a confirmed case"),
    "own_status_suspected": __("they are a suspected case"),
    "own_status_asymptomatic": __("they have an asymptomatic infection"),
    "own_status_observation": __("they are under medical observation or quarantine"),
    "contact_confirmed_case": __("close contact with a confirmed case"),
    "place_hardest_hit": __("they stayed in a hardest-hit area"),
    "place_abroad": __("they stayed abroad in the last 14 days"),
    "symptom_fever": __("they have a fever"),
    "symptom_cough": __("they have a cough"),
    "symptom_shortness_of_breath": __("they have shortness of breath"),
    "symptom_other_respiratory": __("they have respiratory symptoms"),
    "temperature_fever": __("their temperature is 37.3 °C or more"),
    "contact_fever_or_respiratory": __("close contact with someone with fever or respiratory symptoms"),
    "contact_suspected_case": __("close contact with a suspected case"),
    "contact_same_building": __("a confirmed case in the building where they live"),
    "place_high_risk": __("they stayed in another high-risk area"),
}

# What a health authority decided (an administrator's override), as the person reads it.
OVERRIDE_CATEGORIES = {
    OverrideCategory.RELEASED: __("released from medical observation"),
    OverrideCategory.CONFIRMED_CASE: __("you are a confirmed case"),
    OverrideCategory.CLOSE_CONTACT: __("you are a close contact of a confirmed case"),
    OverrideCategory.QUARANTINE_ORDERED: __("quarantine ordered by the health authority"),
    OverrideCategory.OTHER: __("a decision of the health authority"),
    OverrideCategory.APPEAL_GRANTED: __("your appeal was granted"),
}

NEXT_STEPS = {
    "centralized_or_home_quarantine": __("14 days of centralized or strict home quarantine for medical observation."),
    "home_or_centralized_observation": __("7 days of home or centralized quarantine for medical observation."),
    "show_code_and_temperature": __("Show this code at checkpoints; your temperature will be taken."),
}
# Said only to someone whose count waits for their arrival: telling a person already in the city to
# delay their return is advice they cannot follow.
BEFORE_ARRIVAL = {
    "centralized_or_home_quarantine": __(
        "14 days of centralized or strict home quarantine for medical observation. If you are not in Ningbo yet, "
        "please delay your return."
    ),
}


def reason_text(code: str, about_them: bool = False) -> str:
    """`about_them`: in the words of someone reading about their family member."""
    label = (THEIR_REASONS if about_them else REASONS).get(code)
    return str(label) if label is not None else code


def change_text(row: Assessment, locale: str) -> str:
    """The message telling someone their colour changed with the days."""
    lines = [_("Your health code has changed."), colour_line(row.colour)]
    if row.colour == "green":
        lines.append(_("Your days of normal check-ins are complete. Keep checking in every day."))
    elif row.reasons:
        lines.append(_("Why: {reasons}").format(reasons=reasons_text(row.reasons)))
        if row.ends_on is not None:
            lines.append(
                _(
                    "Earliest date it can turn green: {date}, if you check in every day with no fever or symptoms."
                ).format(date=format_day(row.ends_on, locale))
            )
    lines.append(_("Send /code to show it."))
    return "\n".join(lines)


def colour_line(colour: str) -> str:
    return f"{COLOUR_SYMBOLS[colour]} <b>{COLOUR_WORDS[colour]}</b>"


def category_text(code: str | None) -> str:
    """An override's category in the reader's language; a code this version does not know, escaped as stored."""
    try:
        return str(OVERRIDE_CATEGORIES[OverrideCategory(code or OverrideCategory.OTHER)])
    except ValueError:
        return escape(str(code))


def note_text(note: str) -> str:
    """The administrator's free text: the authority's own words, quoted and not translated."""
    return _("Note from the health authority: «{note}»").format(note=escape(note))


def reasons_text(codes: list[str] | tuple[str, ...], limit: int | None = None, about_them: bool = False) -> str:
    # Escaped: a stored code the labels do not know (from a newer rules file) is shown as it is.
    shown = semicolons(escape(reason_text(code, about_them)) for code in codes[:limit])
    if limit is not None and len(codes) > limit:
        return _("{reasons} and {count} more").format(reasons=shown, count=len(codes) - limit)
    return shown


def status_lines(status: Status, locale: str, today: date, about_them: bool = False) -> list[str]:
    """Why the colour, what to do, and the way to green: the count, the next check-in, the earliest dates.
    `about_them`: the status is a family member's, read by the account that manages them."""
    colour = str(status.colour)
    lines = [colour_line(colour)]
    if status.override_category == OverrideCategory.APPEAL_GRANTED:
        # A reviewer's decision on the person's appeal, not a health authority's.
        lines.append(_("Why: your appeal was granted."))
        if status.changes_on is not None:
            # The words (and the last green day) the person was told when it was granted, as /history has them.
            lines.append(
                _("Green until {date}; from {next} the rules apply again, without the reason you contested.").format(
                    date=format_day(status.changes_on - timedelta(days=1), locale),
                    next=format_day(status.changes_on, locale),
                )
            )
    elif status.override_reason is not None:
        lines.append(
            _("Set by a health authority's decision: {reason}").format(reason=category_text(status.override_category))
        )
        if status.override_reason:
            lines.append(note_text(status.override_reason))
        if status.changes_on is not None:
            lines.append(_("Until {date}").format(date=format_day(status.changes_on, locale)))
    elif status.reasons:
        lines.append(_("Why: {reasons}").format(reasons=reasons_text(status.reasons, about_them=about_them)))
    elif about_them:
        lines.append(_("Why: nothing in their declarations and check-ins puts them at risk."))
    else:
        lines.append(_("Why: nothing in your declarations and check-ins puts you at risk."))
    if status.other_reasons:
        others = reasons_text(status.other_reasons, about_them=about_them)
        lines.append(_("Also still active: {reasons}").format(reasons=others))
    lines.append(_("Next step: {step}").format(step=next_step_text(status, today)))
    if colour != "green" and status.override_reason is None:
        lines += _way_to_green(status, locale, today, about_them)
    lines.append(_checkin_line(status, locale, today))
    return lines


def next_step_text(status: Status, today: date) -> str:
    # The count of someone declaring ahead starts on arrival, so a count that starts later means not here yet.
    arrives_later = status.since is not None and status.since > today
    if arrives_later and status.next_step in BEFORE_ARRIVAL:
        return str(BEFORE_ARRIVAL[status.next_step])
    return str(NEXT_STEPS.get(status.next_step, status.next_step))


def _way_to_green(status: Status, locale: str, today: date, about_them: bool) -> list[str]:
    if not status.clears_by_checkins:
        return [_("Only a health authority's decision can release this code.")]
    lines = []
    if status.day_number is not None:
        lines.append(
            _("Day {day} of {days} of normal daily check-ins.").format(day=status.day_number, days=status.period_days)
        )
    elif status.since is not None and status.since > today:
        starts = _("Their count of days starts on {date}.") if about_them else _("Your count of days starts on {date}.")
        lines.append(starts.format(date=format_day(status.since, locale)))
    elif about_them:
        lines.append(_("Their count of days starts again tomorrow, after today's fever or symptoms."))
    else:
        lines.append(_("Your count of days starts again tomorrow, after today's fever or symptoms."))
    if status.missed_from is not None:
        lines.append(missed_text(status.missed_from, status.missed_to or status.missed_from, locale))
    if status.changes_on is not None and status.changes_on != status.green_on:
        lines.append(_("The colour can be lower from {date}.").format(date=format_day(status.changes_on, locale)))
    if status.green_on is not None:
        green = (
            _("Earliest date it can turn green: {date}, if they are checked in every day with no fever or symptoms.")
            if about_them
            else _("Earliest date it can turn green: {date}, if you check in every day with no fever or symptoms.")
        )
        lines.append(green.format(date=format_day(status.green_on, locale)))
    return lines


def missed_text(first: date, last: date, locale: str) -> str:
    """Why "day 3" became "day 1": said wherever the count is shown, so it never restarts without a word."""
    if first == last:
        return _("You did not check in on {date}, so the count of days started again.").format(
            date=format_short_day(first, locale)
        )
    return _("You did not check in from {first} to {last}, so the count of days started again.").format(
        first=format_short_day(first, locale), last=format_short_day(last, locale)
    )


def _checkin_line(status: Status, locale: str, today: date) -> str:
    if status.next_checkin_on <= today:
        return _("Not checked in today yet: send /checkin.")
    if status.next_checkin_on == today + timedelta(days=1):
        return _("Checked in today. Next check-in: tomorrow, {date}.").format(
            date=format_day(status.next_checkin_on, locale)
        )
    return _("Next check-in: {date}.").format(date=format_day(status.next_checkin_on, locale))
