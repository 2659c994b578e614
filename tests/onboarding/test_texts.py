"""/help lists every command, and the privacy notice says how long data is kept and how to get or erase it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.i18n import create_i18n
from bot.onboarding.texts import help_text, in_both_languages, privacy_notice


@pytest.fixture
def english() -> Iterator[None]:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        yield


def test_help_lists_every_command_and_the_words(english) -> None:
    text = help_text()
    for command in ("start", "code", "checkin", "status", "history", "update", "mydata", "delete", "language"):
        assert f"/{command}:" in text, command
    for command in ("privacy", "cancel", "help"):
        assert f"/{command}:" in text, command
    assert "“check in”" in text and "“打卡”" in text and "“show my code”" in text


def test_the_privacy_notice_states_the_retention_and_the_rights(english) -> None:
    text = privacy_notice(45)
    assert "45 days" in text
    assert "/mydata" in text and "/delete" in text
    assert "I agree" in text


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_language_question_asks_once_in_each_language(locale: str) -> None:
    """Before a language is chosen the question is asked in both; a Chinese phone once saw it twice in Chinese."""
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        text = in_both_languages(i18n.gettext("Welcome to the Health Code bot. Choose your language:"), locale)
    assert text.count("请选择语言") == 1
    assert text.count("Choose your language") == 1
