"""The words and picture of a code, in the user's language."""

from __future__ import annotations

from datetime import datetime, tzinfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.codes.service import CodeSettings, CurrentCode
from bot.domain.qr_image import CodeCard, render_code_png
from bot.i18n import format_day, format_moment

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
    "place_abroad": __("you arrived from abroad (a specific area under the rules)"),
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

NEXT_STEPS = {
    "centralized_or_home_quarantine": __(
        "14 days of centralized or strict home quarantine for medical observation. If you are not in Ningbo yet, "
        "please delay your return."
    ),
    "home_or_centralized_observation": __("7 days of home or centralized quarantine for medical observation."),
    "show_code_and_temperature": __("Show this code at checkpoints; your temperature will be taken."),
}


def reason_text(code: str) -> str:
    label = REASONS.get(code)
    return str(label) if label is not None else code


def caption(current: CurrentCode, locale: str, now: datetime, zone: tzinfo) -> str:
    assessment = current.assessment
    colour = assessment.colour
    lines = [f"{COLOUR_SYMBOLS[colour]} <b>{COLOUR_WORDS[colour]}</b>"]
    if assessment.reasons:
        lines.append(_("Why: {reasons}").format(reasons="; ".join(reason_text(code) for code in assessment.reasons)))
    else:
        lines.append(_("Why: nothing in your declaration puts you at risk."))
    lines.append(_("Next step: {step}").format(step=NEXT_STEPS.get(assessment.next_step, assessment.next_step)))
    if colour != "green":
        if assessment.clears_by_checkins and assessment.ends_on:
            lines.append(
                _("Earliest date it can turn green: {date}").format(date=format_day(assessment.ends_on, locale))
            )
        else:
            lines.append(_("Only a health authority's decision can release this code."))
    lines.append(_("Code valid until {moment}").format(moment=format_moment(current.code.expires_at, locale, zone)))
    lines.append(_("Shown at {moment}").format(moment=format_moment(now, locale, zone)))
    return "\n".join(lines)


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
