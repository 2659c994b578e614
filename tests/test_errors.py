"""An unexpected error: the user gets a translated apology, the log gets the update id and no personal data."""

from __future__ import annotations

import logging

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message, Update

from bot import errors
from bot.i18n import create_i18n
from bot.i18n.middleware import LocaleMiddleware
from bot.sandbox.emulator import FakeTelegram, FakeUser
from tests.stories import close_quickly

SECRET_ANSWER = "Jane Secret-Name 11010519491231002X"


async def broken_handler(message: Message) -> None:
    raise RuntimeError(f"handler failed while holding {message.text}")


@pytest.mark.parametrize(("language", "apology"), [("en", "Sorry, something went wrong"), ("zh-hans", "抱歉")])
async def test_an_unexpected_error_apologises_in_the_users_language_and_logs_no_personal_data(
    caplog: pytest.LogCaptureFixture, language: str, apology: str
) -> None:
    async with FakeTelegram() as fake:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
        dispatcher = Dispatcher()
        LocaleMiddleware(create_i18n()).setup(dispatcher)
        router = Router()
        router.message.register(broken_handler)
        dispatcher.include_router(router)
        dispatcher.errors.register(errors.apologise)
        user = FakeUser(id=77, first_name="Jane", language_code=language)
        update = await fake.send_message(user, SECRET_ANSWER)
        mark = fake.mark()
        try:
            with caplog.at_level(logging.DEBUG):
                await dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
        finally:
            await close_quickly(bot)
        reply = await fake.wait_for_call("sendMessage", after=mark)
        assert apology in reply.params["text"]
        logged = caplog.text
        assert f"update {update['update_id']} failed: RuntimeError" in logged
        assert "broken_handler" in logged, "the frames are kept, so the error can be found"
        assert "Secret-Name" not in logged and "11010519491231002X" not in logged
