"""The words of the form: a question with its current answer, an error, and the summary."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from babel.lists import format_list

from bot.domain.answers import Place
from bot.domain.assessment import load_rules
from bot.domain.nationality import nationality_name
from bot.domain.phone import format_international
from bot.i18n import DEFAULT_LOCALE, format_day, semicolons
from bot.registration.questions import QUESTIONS, Answers, Kind, Question


def answer_text(question: Question, value: Any, locale: str, about_them: bool = False) -> str:
    """An answer as the user should read it back, HTML-escaped (answers are user input); `about_them`: in the
    words of a form about a family member."""
    if question.kind in (Kind.CHOICE,):
        option = question.option_for_answer(value)
        return escape(str(option.label_for(about_them))) if option else escape(str(value))
    if question.kind is Kind.MULTI:
        if not value:
            return escape(str(question.none_label))
        labels = [str(option.label_for(about_them)) for option in question.options if option.value in value]
        return escape(semicolons(labels))
    if question.kind is Kind.DATE:
        return escape(format_day(date.fromisoformat(value), locale))
    if question.key == "nationality":
        return escape(nationality_name(value, locale))
    if question.key == "phone":
        return escape(format_international(str(value)))
    if question.key == "temperature_c":
        return _("{temperature} °C").format(temperature=f"{value:.1f}")
    return escape(str(value))


def question_text(
    question: Question,
    answers: Answers,
    position: int,
    total: int,
    locale: str,
    error: str | None = None,
    about_them: bool = False,
) -> str:
    lines = []
    if error:
        lines += [f"⚠️ {escape(error)}", ""]
    lines.append(_("<b>Question {number} of {total}</b>").format(number=position, total=total))
    lines.append(escape(str(question.prompt_for(about_them))))
    lines += area_lines(question, locale)
    if question.key in answers:
        lines += [
            "",
            _("Current answer: {answer}").format(
                answer=answer_text(question, answers[question.key], locale, about_them)
            ),
        ]
    return "\n".join(lines)


def area_lines(question: Question, locale: str) -> list[str]:
    """Under the places question: which places each option means, as the rules file lists them, so nobody
    has to guess what "a hardest-hit area" is. Options whose area lists none get no line."""
    if question.key != "places":
        return []
    lines = []
    areas = load_rules().areas
    for option in question.options:
        names = areas[Place(option.value)].names
        listed = names.get(locale) or names.get(DEFAULT_LOCALE)
        if listed:
            lines.append(
                _("{label}: {value}").format(
                    label=escape(str(option.label)), value=escape(format_list(list(listed), locale=locale))
                )
            )
    return lines


def summary_text(answers: Answers, locale: str, about_them: bool = False) -> str:
    lines = [_("<b>Please check your answers</b>"), ""]
    for question in QUESTIONS:
        if question.applies(answers) and question.key in answers:
            # The colon is the translation's: full-width after a Chinese label (姓名：李伟).
            lines.append(
                _("{label}: {value}").format(
                    label=f"<b>{escape(str(question.title))}</b>",
                    value=answer_text(question, answers[question.key], locale, about_them),
                )
            )
    lines += ["", _("Press an answer to change it, or Submit to get your code.")]
    return "\n".join(lines)


def chosen_text(question: Question, value: Any, locale: str, about_them: bool = False) -> str:
    """What an answered question's message is edited into, so its old buttons cannot be pressed again."""
    return f"{escape(str(question.prompt_for(about_them)))}\n✅ {answer_text(question, value, locale, about_them)}"
