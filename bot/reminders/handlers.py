"""/remindme and the buttons of the reminders. Thin: the choice is stored by `service`."""

from __future__ import annotations

from datetime import time
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.accounts import Account
from bot.db.repositories.reminders import RemindChoice
from bot.domain.times import parse_time_of_day
from bot.fsm import save_state
from bot.messages import drop_buttons
from bot.middlewares import Provide
from bot.reminders import presenter
from bot.reminders.keyboards import ReminderAction, ReminderButton, settings_buttons
from bot.reminders.service import ReminderService

OFF_WORDS = frozenset({"off", "stop", "no", "none", "关", "关闭", "停止", "不要", "取消"})
ON_WORDS = frozenset({"on", "yes", "开", "开启", "打开"})
DEFAULT_WORDS = frozenset({"default", "auto", "默认", "自动"})
MINUTES_A_DAY = 24 * 60


class ReminderFlow(StatesGroup):
    time = State()  # "Another time" was pressed: the next message is the time


async def process_remindme(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    account: Account | None,
    reminders: ReminderService,
) -> None:
    if await state.get_state() == ReminderFlow.time.state:
        await state.clear()  # the command answers what "Another time" asked
    if account is None:
        await message.answer(presenter.not_registered())
        return
    setting = await reminders.setting_of(account.id)
    reminder_times = reminders.times
    if setting is None or setting.colour is None:
        await message.answer(presenter.not_registered())
        return
    argument = (command.args or "").strip()
    word = argument.lower()
    if not argument:
        await message.answer(
            presenter.settings_text(setting, reminder_times.default_at, reminder_times.warning_at),
            reply_markup=settings_buttons(show_default=setting.choice is not None),
        )
        return
    if word in OFF_WORDS:
        choice, at = RemindChoice.OFF, None
    elif word in DEFAULT_WORDS:
        choice, at = None, None
    elif word in ON_WORDS:
        choice, at = RemindChoice.ON, setting.at or reminder_times.default_at
    elif (parsed := parse_time_of_day(argument)) is not None:
        choice, at = RemindChoice.ON, parsed
    else:
        await message.answer(presenter.not_a_time(argument))
        return
    await _choose(message, account, reminders, choice, at)


async def process_reminder_button(
    callback: CallbackQuery,
    callback_data: ReminderButton,
    state: FSMContext,
    account: Account | None,
    reminders: ReminderService,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(_("That button belongs to an earlier message."))
        return
    if callback_data.action is ReminderAction.AT and callback_data.minute >= MINUTES_A_DAY:
        # Forged: no button of ours carries it. Answered like any button of an earlier message.
        await callback.answer(_("That button belongs to an earlier message."))
        return
    if account is None:
        await callback.answer()
        await message.answer(presenter.not_registered())
        return
    await callback.answer()
    await drop_buttons(message)
    if callback_data.action is ReminderAction.OTHER:
        if await state.get_state() is None:
            await save_state(state, ReminderFlow.time, {})
            await message.answer(presenter.ask_time())
        else:
            # In the middle of a form: its place is kept; the time can be given with the command.
            await message.answer(presenter.usage())
    elif callback_data.action is ReminderAction.OFF:
        await _choose(message, account, reminders, RemindChoice.OFF, None)
    elif callback_data.action is ReminderAction.DEFAULT:
        await _choose(message, account, reminders, None, None)
    else:
        at = time(callback_data.minute // 60, callback_data.minute % 60)
        await _choose(message, account, reminders, RemindChoice.ON, at)


async def process_typed_time(
    message: Message, state: FSMContext, account: Account | None, reminders: ReminderService
) -> None:
    at = parse_time_of_day(message.text) if message.text else None
    if at is None:  # a sticker, a photo, words: asked again, nothing changes
        await message.answer(presenter.still_not_a_time())
        return
    await state.clear()
    if account is None:
        await message.answer(presenter.not_registered())
        return
    await _choose(message, account, reminders, RemindChoice.ON, at)


async def process_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(presenter.kept())


async def _not_a_command(message: Message) -> bool:
    # Commands go on to their own handlers (/help, /code, ...) while the time is awaited.
    return not (message.text or "").startswith("/")


async def _choose(
    message: Message, account: Account, reminders: ReminderService, choice: RemindChoice | None, at: time | None
) -> None:
    chosen = await reminders.choose(account.id, choice, at)
    if chosen is None:
        await message.answer(presenter.not_registered())
        return
    if chosen.setting.choice is RemindChoice.OFF:
        await message.answer(presenter.stopped())
        return
    text = presenter.chosen(chosen.setting, reminders.times.default_at)
    if chosen.starts_tomorrow:
        text += " " + _("That time has passed today: the first reminder is tomorrow.")
    await message.answer(text)


def _reminders(data: dict[str, Any]) -> ReminderService:
    return ReminderService(data["session"], data["clock"], data["zone"], data["reminder_times"])


def create_router() -> Router:
    """The reminder handlers, in the order their filters are tried."""
    router = Router(name="reminders")
    provide = Provide(reminders=_reminders)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    router.message.register(process_remindme, Command("remindme"))
    # The Check in button under a reminder is the check-in's (bot/checkin/handlers.py): it runs /checkin.
    router.callback_query.register(process_reminder_button, ReminderButton.filter(F.action != ReminderAction.CHECK_IN))
    router.message.register(process_cancel, StateFilter(ReminderFlow.time), Command("cancel"))
    router.message.register(process_typed_time, StateFilter(ReminderFlow.time), _not_a_command)
    return router
