"""Typed requests: the words of a button or a command, in either language, also wrapped in polite words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import Chat, Message, User

from bot.checkin.handlers import ASKING_TO_CHECK_IN
from bot.codes.handlers import ASKING_FOR_THE_CODE
from bot.filters import Words
from bot.i18n import create_i18n
from bot.menu import SHOW_CODE


def _message(text: str) -> Message:
    user = User(id=1, is_bot=False, first_name="Jane")
    return Message(
        message_id=1, date=datetime(2026, 12, 3, tzinfo=UTC), chat=Chat(id=1, type="private"), from_user=user, text=text
    )


@pytest.mark.parametrize(
    "text",
    [
        "code",
        "show my code",
        "show me my code please",
        "Can you show my health code?",
        "出示我的健康码",
        "请给我看一下我的健康码，谢谢",
    ],
)
async def test_longer_ways_to_ask_for_the_code(text: str) -> None:
    words = Words("code", "health code", "健康码", fillers=ASKING_FOR_THE_CODE)
    assert await words(_message(text), create_i18n())


@pytest.mark.parametrize("text", ["my code is wrong", "please", "请", "the code of conduct", "Jane Doe"])
async def test_words_around_something_else_are_no_request(text: str) -> None:
    words = Words("code", "health code", "健康码", fillers=ASKING_FOR_THE_CODE)
    assert not await words(_message(text), create_i18n())


@pytest.mark.parametrize("text", ["check in", "I want to check in", "我要打卡", "请帮我打卡"])
async def test_longer_ways_to_check_in(text: str) -> None:
    assert await Words("check in", "打卡", fillers=ASKING_TO_CHECK_IN)(_message(text), create_i18n())


async def test_without_fillers_only_the_phrase_itself() -> None:
    assert not await Words("code")(_message("show me my code please"), create_i18n())


async def test_a_lazy_phrase_matches_its_translation_in_every_language() -> None:
    # Read through the catalogs, with no locale current: as the filter first runs, before any update's own.
    words = Words(SHOW_CODE)
    assert await words(_message("Show my code"), create_i18n())
    assert await words(_message("出示健康码"), create_i18n())
    assert not await words(_message("出示"), create_i18n())
