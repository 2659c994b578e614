"""The form's handlers called directly with what their router filters normally keep from them: a message
without text or contact, a sender-less message, a button under a message too old to edit. Each gets the
answer a person would, and the form stays where it was."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Chat, Contact, Message, User

from bot.codes.sending import CodeService
from bot.codes.service import CodeSettings
from bot.domain.tokens import key_from_secret
from bot.i18n import create_i18n
from bot.registration.form import Finish, Forms
from bot.registration.handlers import process_shared_contact, process_typed_answer
from bot.registration.questions import Registration, WizardData

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
PERSON = User(id=501, is_bot=False, first_name="Jane")
UNREADABLE = "I can only read text or the buttons here."


class RecordingTelegram(BaseSession):
    """Keeps the texts the bot sends; answers each call at once."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        if isinstance(method, SendMessage):
            self.sent.append(method.text)
            chat = {"id": method.chat_id, "type": "private"}
            result = {"message_id": len(self.sent), "date": int(NOW.timestamp()), "chat": chat}
            return method.__returning__.model_validate(result, context={"bot": bot})
        return True

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # pragma: no cover - never downloads
        raise NotImplementedError
        yield b""


@pytest.fixture
def telegram() -> tuple[Bot, RecordingTelegram]:
    session = RecordingTelegram()
    return Bot("42:TEST", session=session), session


def message(bot: Bot, sender: User | None = PERSON, **content: Any) -> Message:
    chat = Chat(id=PERSON.id, type="private")
    return Message(message_id=7, date=NOW, chat=chat, from_user=sender, **content).as_(bot)


async def form_at(bot: Bot, step: str) -> FSMContext:
    state = FSMContext(MemoryStorage(), StorageKey(bot_id=bot.id, chat_id=PERSON.id, user_id=PERSON.id))
    await state.set_state(getattr(Registration, step))
    await state.set_data(WizardData(answers={"full_name": "Jane Doe"}, revision=3).dump())
    return state


def forms(bot: Bot, state: FSMContext) -> Forms:
    """The form's parts as `Provide` builds them, without a session or account: these steps end nothing."""
    settings = CodeSettings(bot_username="health_code_bot", keys=(key_from_secret("test-secret"),))
    return Forms(
        state, "en", lambda: NOW, ZONE, Finish(None, None, CodeService(None, lambda: NOW, ZONE, settings, bot, "en"))
    )


async def unchanged(state: FSMContext, step: str) -> bool:
    data = await state.get_data()
    in_place = await state.get_state() == getattr(Registration, step).state
    return in_place and data["answers"] == {"full_name": "Jane Doe"}


async def test_a_message_without_text_gets_the_unreadable_answer_and_changes_nothing(
    telegram: tuple[Bot, RecordingTelegram],
) -> None:
    bot, session = telegram
    state = await form_at(bot, "nationality")
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        # No session or account: the answer comes before either is needed.
        await process_typed_answer(message(bot), forms(bot, state))
    assert len(session.sent) == 1 and UNREADABLE in session.sent[0]
    assert await unchanged(state, "nationality")


async def test_a_phone_step_message_without_a_contact_gets_the_unreadable_answer(
    telegram: tuple[Bot, RecordingTelegram],
) -> None:
    bot, session = telegram
    state = await form_at(bot, "phone")
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        await process_shared_contact(message(bot), forms(bot, state))
    assert len(session.sent) == 1 and UNREADABLE in session.sent[0]
    assert await unchanged(state, "phone")


@pytest.mark.parametrize("sender", [None, User(id=502, is_bot=False, first_name="Someone else")])
async def test_a_contact_not_the_senders_own_is_refused(
    telegram: tuple[Bot, RecordingTelegram], sender: User | None
) -> None:
    bot, session = telegram
    state = await form_at(bot, "phone")
    contact = Contact(phone_number="+8613800138000", first_name="Jane", user_id=PERSON.id)
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("en"):
        await process_shared_contact(message(bot, sender, contact=contact), forms(bot, state))
    assert len(session.sent) == 1 and "Please share your own number" in session.sent[0]
    assert await unchanged(state, "phone")
