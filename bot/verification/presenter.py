"""The words of checkpoint verification: the card staff see, and what everyone else is told.

Only the card names the holder, and only staff ever get a card. Everything from a person is escaped.
"""

from __future__ import annotations

import unicodedata
from datetime import tzinfo
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.domain.identity import INVISIBLE_LETTERS
from bot.i18n import format_day, format_moment
from bot.status.presenter import COLOUR_SYMBOLS, COLOUR_WORDS, colour_line, reasons_text
from bot.verification.service import CORRECTION_WINDOW, Card, Recorded, TemperatureResult, Verdict


def neutral_text(has_code: bool = False) -> str:
    """For anyone but staff, whatever they sent: nothing about the holder, not even whether the code is valid."""
    return "\n".join(
        [
            _(
                "This is a health code. Checkpoint staff verify it with this bot; it shows nothing about its holder to anyone else."
            ),
            _("To show your own health code, send /code.") if has_code else _("For your own health code, send /start."),
        ]
    )


def staff_only_text() -> str:
    return _("Only checkpoint staff can verify health codes.")


def how_to_verify_text(scanner: bool = False) -> str:
    text = _(
        "Send /verify followed by the code or its link, or a photo of the code. Scanning it with the phone's "
        "camera opens it here too."
    )
    if scanner:
        text += "\n" + _("Faster at a gate: press “Scan codes” below and scan one code after another.")
    return text


def no_code_in_photo_text() -> str:
    return _("I could not find a health code in this photo; hold the phone closer, or send /verify and the code.")


def throttled_text(seconds: int) -> str:
    return _("Too many codes that did not verify. Wait {seconds} seconds.").format(seconds=seconds)


def _reason_text(card: Card, locale: str, zone: tzinfo) -> str:
    verdict = card.verdict
    if verdict is Verdict.EXPIRED and card.valid_until is not None:
        return _("this code expired at {moment}. Ask the holder to open a fresh one with /code.").format(
            moment=format_moment(card.valid_until, locale, zone)
        )
    if verdict in (Verdict.EXPIRED, Verdict.NOT_YET_VALID):
        return _("this code is not valid at this time.")
    if verdict is Verdict.HOLDER_DELETED:
        return _("the holder of this code has deleted their data.")
    if verdict is Verdict.COLOUR_CHANGED:
        shown = card.shown_colour or ""
        return _(
            "the colour has changed since this image was made (it shows {old}). The current colour is below."
        ).format(
            old=f"{COLOUR_SYMBOLS.get(shown, '⚪')} {COLOUR_WORDS[shown] if shown in COLOUR_WORDS else escape(shown)}"
        )
    # Malformed, unknown key, bad signature: forged, altered, cut short, or from another deployment.
    return _("the signature is wrong: this code was not issued by this bot, or it was altered.")


# The verdict, in English and Chinese whatever the staff member's language: whoever stands at the gate,
# the holder or a colleague, may read either. Only a green code gets the check mark and the word PASS.
HEADLINES = {
    "green": "✅ PASS · 通行 — GREEN CODE 绿码",
    "yellow": "🟡 DO NOT PASS · 不予通行 — YELLOW CODE 黄码",
    "red": "⛔ DO NOT PASS · 不予通行 — RED CODE 红码",
}
NOT_VALID = "❌ NOT VALID · 无效"
# A colour these words do not know (a newer rules file): shown as it is, and never as a pass.
UNKNOWN_COLOUR_HEADLINE = "⛔ DO NOT PASS · 不予通行 — {colour}"

# The colour as a block staff see from arm's length; a card edited after a temperature finds it by these.
BLOCK_WIDTH = 8
COLOUR_SQUARES = {"green": "🟩", "yellow": "🟨", "red": "🟥"}
_COLOUR_BLOCKS = frozenset(symbol * BLOCK_WIDTH for symbol in (*COLOUR_SQUARES.values(), "⬜"))


def valid_headline(colour: str) -> str:
    """The first line of a valid card. Staff at a busy gate read only this, so it is the decision."""
    known = HEADLINES.get(colour)
    return (
        "<b>" + (known if known is not None else UNKNOWN_COLOUR_HEADLINE.format(colour=escape(colour) or "—")) + "</b>"
    )


def not_valid_headline(reason: str) -> str:
    """`reason` is in the staff member's language (and already HTML)."""
    return f"<b>{NOT_VALID}</b> — {reason}"


def _colour_block(colour: str) -> str:
    return COLOUR_SQUARES.get(colour, "⬜") * BLOCK_WIDTH


def _shown_name(name: str) -> str:
    """The name, escaped; "—" when nothing of it would show (blank letters, stored before names were checked)."""
    visible = "".join(
        character
        for character in name
        if character not in INVISIBLE_LETTERS and not unicodedata.category(character).startswith("C")
    )
    visible = " ".join(visible.split())
    return escape(visible) if any(character.isalpha() for character in visible) else "—"


def card_text(card: Card, locale: str, zone: tzinfo) -> str:
    holder = card.holder
    if card.valid:
        lines = [valid_headline(holder.colour if holder is not None else "")]
    else:
        lines = [not_valid_headline(_reason_text(card, locale, zone))]
    if holder is not None:
        lines += ["", _colour_block(holder.colour)]
        if not card.valid:
            # A valid card's headline already names the colour; a refused one's says it is below.
            word = COLOUR_WORDS.get(holder.colour)
            lines.append(f"<b>{word if word is not None else escape(holder.colour)}</b>")
        lines += [
            "",
            # On its own labelled line and never in bold, which is the verdict's: a name that reads like a
            # verdict ("VALID GREEN CODE", stored before names were checked) cannot pass for one.
            _("Name: {name}").format(name=_shown_name(holder.name)),
            _("ID document: …{last4}").format(last4=escape(holder.id_last4) if holder.id_last4 else "—"),
        ]
        if card.valid_until is not None:
            lines.append(_("Valid until: {moment}").format(moment=format_moment(card.valid_until, locale, zone)))
        if holder.last_checkin is not None:
            lines.append(_("Last check-in: {date}").format(date=format_day(holder.last_checkin, locale)))
        else:
            lines.append(_("Last check-in: none"))
        if holder.on_another_phone:
            lines.append(_("A family member's code: it is held on someone else's phone."))
    if card.valid:
        lines += ["", temperature_prompt()]
    return "\n".join(lines)


def temperature_prompt() -> str:
    return _("Temperature taken here? Record it below.")


def card_with_temperature(card: str, result: TemperatureResult) -> str:
    """A valid card (as sent, in HTML) once its temperature is recorded or corrected: what followed the
    card's last blank line (the prompt, or the reading before a correction) gives way to the reading, and
    the headline and colour block show the holder's colour now, which the reading may have changed."""
    lines = card.rsplit("\n\n", 1)[0].split("\n")
    if result.colour is not None:
        lines[0] = valid_headline(result.colour)
        for index, line in enumerate(lines):
            if line.strip() in _COLOUR_BLOCKS:
                lines[index] = _colour_block(result.colour)
                break
    return "\n".join(lines) + "\n\n" + temperature_line(result)


def temperature_line(result: TemperatureResult) -> str:
    """Added to the card once a temperature is recorded (or corrected: the line says so)."""
    if result.outcome is Recorded.CHANGED:
        if result.fever:
            line = "🤒 " + _("Checkpoint temperature corrected: fever (37.3 °C or more).")
        else:
            line = "🌡 " + _("Checkpoint temperature corrected: normal.")
    elif result.fever:
        line = "🤒 " + _("Checkpoint temperature recorded: fever (37.3 °C or more).")
    else:
        line = "🌡 " + _("Checkpoint temperature recorded: normal.")
    if result.colour_changed and result.colour is not None:
        line += "\n" + _("The code is now {colour}.").format(colour=colour_line(result.colour))
    return line


def temperature_answer(outcome: Recorded) -> str:
    """The short answer to a button press."""
    return {
        Recorded.RECORDED: _("Recorded."),
        Recorded.ALREADY: _("A temperature is already recorded for this check."),
        Recorded.NOT_ALLOWED: _("Only checkpoint staff can verify health codes."),
        Recorded.NOT_YOURS: _("Only the staff member who checked this code can record its temperature."),
        Recorded.UNAVAILABLE: _("No temperature can be recorded for this check."),
        Recorded.TOO_OLD: _("This check is too old to record a temperature; verify the code again."),
        Recorded.CHANGED: _("Corrected."),
        Recorded.TOO_LATE_TO_CHANGE: _(
            "A reading can be changed only within {minutes} minutes of recording it; this one stands."
        ).format(minutes=int(CORRECTION_WINDOW.total_seconds() // 60)),
    }[outcome]


def holder_fever_text(result: TemperatureResult, locale: str) -> str:
    """Told to the holder, in their language, when staff recorded a fever."""
    colour = result.colour or "yellow"
    lines = [_("At a checkpoint your temperature was 37.3 °C or more.")]
    if result.colour_changed:
        lines.append(_("Your code is now {colour}.").format(colour=colour_line(colour)))
        if result.reasons:
            lines.append(_("Why: {reasons}").format(reasons=reasons_text(result.reasons)))
    else:
        lines.append(_("Your code is {colour}.").format(colour=colour_line(colour)))
    if not result.checked_in_today:
        lines.append(_("That reading is not your own check-in: please check in for today with /checkin."))
    lines.append(_("Send /status for every reason and the next step."))
    return "\n".join(lines)


def holder_correction_text(result: TemperatureResult) -> str:
    """Told to the holder, in their language, when staff took back a fever they had recorded by mistake."""
    colour = result.colour or "green"
    return "\n".join(
        [
            _("The checkpoint corrected the temperature it recorded for you: it was not a fever."),
            _("Your code is {colour}.").format(colour=colour_line(colour)),
        ]
    )


def refusal_text(card: Card, locale: str, zone: tzinfo) -> str:
    """Why a code is not valid (HTML): the chat's card and the Mini App's scanner say the same."""
    return _reason_text(card, locale, zone)


def shown_name(name: str) -> str:
    """A holder's name as a card shows it (HTML-escaped; "—" when nothing of it would show)."""
    return _shown_name(name)
