from __future__ import annotations

from datetime import date
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import format_day
from bot.registration.questions import QUESTIONS, Answers, Kind, Question, arrival_choices

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
    """`step` names the question the button was made for, so a button from an old message is recognised."""

    step: str
    action: WizardAction
    value: str = ""


def _nav_row(step: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(text=f"⬅️ {BACK}", callback_data=WizardCallback(step=step, action=WizardAction.BACK).pack()),
        InlineKeyboardButton(text=f"✖️ {CANCEL}", callback_data=WizardCallback(step=step, action=WizardAction.CANCEL).pack()),
    ]


def question_keyboard(
    question: Question, answers: Answers, ticked: list[str], today: date, locale: str
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
    if question.kind is Kind.PHONE:
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=f"📱 {SHARE_PHONE}", request_contact=True)],
                [KeyboardButton(text=f"⬅️ {BACK}"), KeyboardButton(text=f"✖️ {CANCEL}")],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
            is_persistent=False,
        )
    builder = InlineKeyboardBuilder()
    step = question.key
    if question.kind is Kind.CHOICE:
        current = answers.get(step)
        for option in question.options:
            mark = "● " if current is not None and option.answer == current else ""
            builder.button(
                text=f"{mark}{option.label}",
                callback_data=WizardCallback(step=step, action=WizardAction.PICK, value=option.value),
            )
        builder.adjust(question.columns)
    elif question.kind is Kind.MULTI:
        for option in question.options:
            box = "☑️" if option.value in ticked else "⬜"
            builder.button(
                text=f"{box} {option.label}",
                callback_data=WizardCallback(step=step, action=WizardAction.TICK, value=option.value),
            )
        builder.button(text=f"🚫 {question.none_label}", callback_data=WizardCallback(step=step, action=WizardAction.NONE))
        builder.button(text="✅ " + _("Done"), callback_data=WizardCallback(step=step, action=WizardAction.DONE))
        builder.adjust(*([1] * len(question.options)), 2)
    elif question.kind is Kind.DATE:
        for day in arrival_choices(today):
            builder.button(
                text=format_day(day, locale),
                callback_data=WizardCallback(step=step, action=WizardAction.PICK, value=day.isoformat()),
            )
        builder.adjust(2)
    builder.row(*_nav_row(step))
    return builder.as_markup()


def summary_keyboard(answers: Answers) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for question in QUESTIONS:
        if question.applies(answers):
            builder.button(
                text=f"✏️ {question.title}",
                callback_data=WizardCallback(step=SUMMARY_STEP, action=WizardAction.EDIT, value=question.key),
            )
    builder.adjust(2)
    builder.row(
        InlineKeyboardButton(
            text="✅ " + _("Submit"), callback_data=WizardCallback(step=SUMMARY_STEP, action=WizardAction.SUBMIT).pack()
        )
    )
    builder.row(*_nav_row(SUMMARY_STEP))
    return builder.as_markup()
