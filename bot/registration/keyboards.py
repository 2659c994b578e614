from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.callbacks import ButtonNumber
from bot.i18n import format_day
from bot.registration.questions import QUESTIONS, Kind, Question, WizardData, arrival_choices

BACK = __("Back")
CANCEL = __("Cancel")
SHARE_PHONE = __("Share my number")
SUMMARY_STEP = "summary"


class WizardAction(StrEnum):
    PICK = "pick"
    TICK = "tick"
    NONE = "none"
    DONE = "done"
    BACK = "back"
    CANCEL = "cancel"
    EDIT = "edit"
    SUBMIT = "submit"


class WizardCallback(CallbackData, prefix="reg"):
    """`step` and `revision` name the message the button was made for, so a button from an old one is recognised."""

    step: str
    revision: ButtonNumber
    action: WizardAction
    value: str = ""


def _button(text: str, step: str, revision: int, action: WizardAction, value: str = "") -> InlineKeyboardButton:
    data = WizardCallback(step=step, revision=revision, action=action, value=value)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[index : index + width] for index in range(0, len(buttons), width)]


def _nav_row(step: str, revision: int) -> list[InlineKeyboardButton]:
    return [
        _button(f"⬅️ {BACK}", step, revision, WizardAction.BACK),
        _button(f"✖️ {CANCEL}", step, revision, WizardAction.CANCEL),
    ]


# Markups are built directly rather than with aiogram's KeyboardBuilder: the builder's validation
# and copies were a quarter of the cost of a form step (bench/bench_dispatch.py).
def question_keyboard(
    question: Question, wizard: WizardData, today: date, locale: str, suggestions: Sequence[str] = ()
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
    """`suggestions`: answers the person may mean, as buttons: a number with its country code (sent as typed
    text), or the days an ambiguous date can be (ISO, picked like the date buttons)."""
    if question.kind is Kind.PHONE:
        return ReplyKeyboardMarkup(
            keyboard=[
                *([KeyboardButton(text=suggestion)] for suggestion in suggestions),
                [KeyboardButton(text=f"📱 {SHARE_PHONE}", request_contact=True)],
                [KeyboardButton(text=f"⬅️ {BACK}"), KeyboardButton(text=f"✖️ {CANCEL}")],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
            is_persistent=False,
        )
    return inline_question_keyboard(question, wizard, today, locale, suggestions)


def inline_question_keyboard(
    question: Question, wizard: WizardData, today: date, locale: str, suggestions: Sequence[str] = ()
) -> InlineKeyboardMarkup:
    """The buttons under every question but the phone number's (a reply keyboard, to share a contact)."""
    step, revision = question.key, wizard.revision
    rows: list[list[InlineKeyboardButton]] = []
    if question.kind is Kind.CHOICE:
        current = wizard.answers.get(step)
        choices = [
            _button(
                f"{'● ' if current is not None and option.answer == current else ''}{option.label_for(wizard.about_them)}",
                step,
                revision,
                WizardAction.PICK,
                option.value,
            )
            for option in question.options
        ]
        rows = _rows(choices, question.columns)
    elif question.kind is Kind.MULTI:
        rows = [
            [
                _button(
                    f"{'☑️' if option.value in wizard.ticked else '⬜'} {option.label_for(wizard.about_them)}",
                    step,
                    revision,
                    WizardAction.TICK,
                    option.value,
                )
            ]
            for option in question.options
        ]
        rows.append(
            [
                _button(f"🚫 {question.none_label}", step, revision, WizardAction.NONE),
                _button("✅ " + _("Done"), step, revision, WizardAction.DONE),
            ]
        )
    elif question.kind is Kind.DATE:
        # The readings of an ambiguous date typed ("1/12"), each on a row of its own, above the next days.
        rows = [
            [_button(format_day(date.fromisoformat(day), locale), step, revision, WizardAction.PICK, day)]
            for day in suggestions
        ]
        days = [
            _button(format_day(day, locale), step, revision, WizardAction.PICK, day.isoformat())
            for day in arrival_choices(today)
        ]
        rows += _rows(days, 2)
    rows.append(_nav_row(step, revision))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def summary_keyboard(wizard: WizardData) -> InlineKeyboardMarkup:
    revision = wizard.revision
    edits = [
        _button(f"✏️ {question.title}", SUMMARY_STEP, revision, WizardAction.EDIT, question.key)
        for question in QUESTIONS
        if question.applies(wizard.answers)
    ]
    rows = _rows(edits, 2)
    rows.append([_button("✅ " + _("Submit"), SUMMARY_STEP, revision, WizardAction.SUBMIT)])
    rows.append(_nav_row(SUMMARY_STEP, revision))
    return InlineKeyboardMarkup(inline_keyboard=rows)
