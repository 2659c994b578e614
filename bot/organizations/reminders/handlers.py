"""/remind (choose the audience, preview, send or write one's own text) and /schedule."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject, Filter, MagicData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.broadcast import presenter as broadcast_presenter
from bot.broadcast.service import Audience
from bot.domain.times import parse_time_of_day
from bot.fsm import save_state
from bot.messages import drop_buttons
from bot.organizations import presenter as common_presenter
from bot.organizations.choosing import choose_one, refusal_text
from bot.organizations.keyboards import RemindAction, RemindStep, audience_keyboard, preview_keyboard
from bot.organizations.reminders import presenter
from bot.organizations.reminders.service import HrReminders, SendOutcome
from bot.organizations.service import MAX_REMINDER_LENGTH, Attempt

logger = logging.getLogger(__name__)

# The conversation data of a reminder being prepared: {"id", "org", "audience", "text", "back"}.
DRAFT = "remind"


class RemindFlow(StatesGroup):
    text = State()


# --- /remind -----------------------------------------------------------------------------------------


async def process_remind(message: Message, state: FSMContext, hr_reminders: HrReminders, locale: str) -> None:
    if message.from_user is None:
        return
    organization = await choose_one(message, Attempt.REMIND, hr_reminders, locale)
    if organization is not None:
        await start_reminder(message, message.from_user.id, organization.id, state, hr_reminders, locale)


async def start_reminder(
    message: Message, actor: int, organization_id: int, state: FSMContext, hr: HrReminders, locale: str
) -> None:
    organization = await hr.check_organization(actor, organization_id, Attempt.REMIND)
    if organization is None:
        await message.answer(refusal_text(actor, hr.admin_ids, organization_id))
        return
    # A new draft: the buttons of any earlier one stop working.
    draft_id = secrets.token_hex(4)
    await _leave_text_state(state)
    await state.update_data({DRAFT: {"id": draft_id, "org": organization_id, "audience": None, "text": None}})
    await message.answer(
        presenter.choose_audience(organization, locale), reply_markup=audience_keyboard(organization_id, draft_id)
    )


async def _draft(state: FSMContext) -> dict[str, Any] | None:
    draft = (await state.get_data()).get(DRAFT)
    return draft if isinstance(draft, dict) else None


async def _leave_text_state(state: FSMContext) -> None:
    """Back to whatever the conversation was in before "Write my own text" (the form, say)."""
    if await state.get_state() == RemindFlow.text.state:
        draft = await _draft(state) or {}
        await state.set_state(draft.get("back"))


async def _forget_draft(state: FSMContext) -> None:
    await _leave_text_state(state)
    data = await state.get_data()
    if DRAFT in data:
        del data[DRAFT]
        await state.set_data(data)


class CurrentDraft(Filter):
    """The button belongs to the reminder being prepared (its draft and organization), pressed by whoever
    prepares it (the draft is in their conversation): gives the handler the `message` and the `draft`."""

    async def __call__(
        self, callback: CallbackQuery, callback_data: RemindStep, state: FSMContext
    ) -> bool | dict[str, Any]:
        message = callback.message
        draft = await _draft(state)
        if (
            not isinstance(message, Message)
            or draft is None
            or draft.get("id") != callback_data.draft
            or draft.get("org") != callback_data.org
        ):
            return False
        return {"message": message, "draft": draft}


async def process_remind_stale(callback: CallbackQuery) -> None:
    """A button of another draft, or of one already sent or cancelled: nothing changes."""
    await callback.answer(common_presenter.stale_button())


async def process_remind_cancel(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await callback.answer()
    await _forget_draft(state)
    await drop_buttons(message)
    await message.answer(presenter.reminder_cancelled())


async def process_remind_who(
    callback: CallbackQuery,
    callback_data: RemindStep,
    message: Message,
    draft: dict[str, Any],
    state: FSMContext,
    hr_reminders: HrReminders,
    locale: str,
) -> None:
    """The audience chosen: the preview of what each person will get."""
    if callback_data.audience is None:
        await process_remind_stale(callback)
        return
    await callback.answer()
    await drop_buttons(message)
    # Every preview is a new version of the draft: the buttons of an earlier one stop working.
    draft = {**draft, "audience": callback_data.audience.value, "id": secrets.token_hex(4)}
    await state.update_data({DRAFT: draft})
    await _preview(message, callback.from_user.id, draft, hr_reminders, locale)


async def process_remind_own(
    callback: CallbackQuery, callback_data: RemindStep, message: Message, draft: dict[str, Any], state: FSMContext
) -> None:
    """ "Write my own text": the next message is the reminder's text."""
    if not _previewed(callback_data, draft):
        await process_remind_stale(callback)
        return
    await callback.answer()
    await drop_buttons(message)
    current = await state.get_state()
    back = draft.get("back") if current == RemindFlow.text.state else current
    await save_state(state, RemindFlow.text, {DRAFT: {**draft, "back": back}})
    await message.answer(presenter.write_own_prompt())


async def process_remind_send(
    callback: CallbackQuery,
    callback_data: RemindStep,
    message: Message,
    draft: dict[str, Any],
    state: FSMContext,
    hr_reminders: HrReminders,
    bot: Bot,
) -> None:
    if callback_data.audience is None or not _previewed(callback_data, draft):
        await process_remind_stale(callback)
        return
    audience, actor, organization_id = callback_data.audience, callback.from_user.id, int(draft["org"])
    # The draft goes first: a second press of "Send this" (or a button of the same preview) finds none.
    await _forget_draft(state)
    await drop_buttons(message)
    now = hr_reminders.clock()
    chosen = await hr_reminders.reminder_recipients(actor, organization_id, audience, now)
    if chosen.outcome is SendOutcome.DENIED:
        await callback.answer(refusal_text(actor, hr_reminders.admin_ids, organization_id), show_alert=True)
        return
    await callback.answer()
    if chosen.outcome is SendOutcome.NOBODY:
        await message.answer(presenter.nobody_to_remind(audience))
        return
    # The job first: once it is stored it is sent, whatever happens to the message that reports on it.
    broadcast_id = await hr_reminders.send_reminder(actor, organization_id, audience, draft.get("text"), now)
    try:
        progress = await bot.send_message(actor, presenter.sending(chosen.count))
    except TelegramAPIError as error:
        logger.warning(
            "organizations: reminder %s is sending; its progress is not shown: %s", broadcast_id, type(error).__name__
        )
        return
    final = await hr_reminders.show_progress(broadcast_id, progress.chat.id, progress.message_id)
    if final is not None:
        with suppress(TelegramAPIError):
            await progress.edit_text(broadcast_presenter.summary_text(final))


def _previewed(callback_data: RemindStep, draft: dict[str, Any]) -> bool:
    """The button is under the preview of the audience the draft has now."""
    return callback_data.audience is not None and draft.get("audience") == callback_data.audience.value


def remind_buttons() -> Router:
    """The buttons of /remind: parsed once, then one handler per step; any other goes to the stale answer."""
    router = Router(name="organizations remind buttons")
    router.callback_query.filter(RemindStep.filter())
    steps: dict[RemindAction, Callable[..., Awaitable[None]]] = {
        RemindAction.CANCEL: process_remind_cancel,
        RemindAction.WHO: process_remind_who,
        RemindAction.OWN: process_remind_own,
        RemindAction.SEND: process_remind_send,
    }
    for step, handler in steps.items():
        router.callback_query.register(handler, MagicData(F.callback_data.step == step), CurrentDraft())
    router.callback_query.register(process_remind_stale)
    return router


async def _preview(message: Message, actor: int, draft: dict[str, Any], hr: HrReminders, locale: str) -> None:
    """What each person will get, in English and Chinese, with how many people that is now."""
    organization_id, audience, text = int(draft["org"]), Audience(draft["audience"]), draft.get("text")
    shown = await hr.draft_reminder(actor, organization_id, audience)
    if shown is None:
        await message.answer(refusal_text(actor, hr.admin_ids, organization_id))
        return
    english, chinese = broadcast_presenter.preview(text, "en"), broadcast_presenter.preview(text, "zh")
    await message.answer(
        presenter.reminder_preview(shown.organization, locale, audience, shown.count, english, chinese),
        reply_markup=preview_keyboard(organization_id, draft["id"], audience),
    )


async def process_reminder_text(message: Message, state: FSMContext, hr_reminders: HrReminders, locale: str) -> None:
    draft = await _draft(state)
    if message.from_user is None or draft is None or not draft.get("audience"):
        await _leave_text_state(state)
        return
    text = (message.text or "").strip()
    if not text:
        await message.answer(presenter.text_needed())
        return
    if len(text) > MAX_REMINDER_LENGTH:
        await message.answer(presenter.text_too_long(len(text)))
        return
    # Kept as typed; the broadcast engine escapes it for HTML, for the preview and for every recipient.
    back = draft.get("back")
    draft = {**draft, "text": text, "back": None, "id": secrets.token_hex(4)}
    await save_state(state, back, {DRAFT: draft})
    await _preview(message, message.from_user.id, draft, hr_reminders, locale)


async def process_reminder_cancel(message: Message, state: FSMContext) -> None:
    await _forget_draft(state)
    await message.answer(presenter.reminder_cancelled())


# --- /schedule -----------------------------------------------------------------------------------------


parse_time = parse_time_of_day


async def process_schedule(message: Message, command: CommandObject, hr_reminders: HrReminders, locale: str) -> None:
    if message.from_user is None:
        return
    argument = (command.args or "").strip()
    if argument.lower() in ("off", "关", "关闭"):
        value = "off"
    elif not argument:
        value = ""
    elif (at := parse_time(argument)) is not None:
        value = at.strftime("%H%M")
    else:
        # Refused first, so someone with no organization learns nothing from the error either.
        if not (await hr_reminders.organizations_for(message.from_user.id)):
            await choose_one(message, Attempt.SCHEDULE, hr_reminders, locale)
            return
        await message.answer(presenter.not_a_time(argument))
        return
    organization = await choose_one(message, Attempt.SCHEDULE, hr_reminders, locale, value)
    if organization is not None:
        await show_schedule(message, message.from_user.id, organization.id, value, hr_reminders, locale)


async def show_schedule(
    message: Message, actor: int, organization_id: int, value: str, hr: HrReminders, locale: str
) -> None:
    """`value`: the schedule as a button carries it ("" to show it, "off", "0830")."""
    if not value:
        organization = await hr.schedule_of(actor, organization_id)
        if organization is None:
            await message.answer(refusal_text(actor, hr.admin_ids, organization_id))
            return
        await message.answer(presenter.schedule_text(organization, locale))
        return
    at = None if value == "off" else parse_time(value)
    if value != "off" and at is None:
        await message.answer(common_presenter.stale_button())
        return
    schedule = await hr.set_schedule(actor, organization_id, at)
    if schedule is None:
        await message.answer(refusal_text(actor, hr.admin_ids, organization_id))
        return
    await message.answer(presenter.schedule_set(schedule, locale))
