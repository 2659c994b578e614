"""/appeal for the person (reason, words, optional photo, confirm; withdraw), /appeals for reviewers (the
queue, uphold with a category and words, grant for some days). Thin: the service decides and checks."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.accounts import Account
from bot.appeals import presenter, service
from bot.appeals.keyboards import (
    CATEGORY_ORDER,
    AppealCallback,
    AppealReasonCallback,
    AppealStep,
    MemberAppeal,
    MemberAppealAction,
    ReviewAction,
    ReviewCallback,
    category_keyboard,
    confirm_keyboard,
    days_keyboard,
    decision_keyboard,
    photo_keyboard,
    reasons_keyboard,
    whose_keyboard,
    withdraw_keyboard,
)
from bot.appeals.presenter import NoticeWording
from bot.appeals.service import AppealService
from bot.domain.appeals import Category
from bot.family.service import Member
from bot.fsm import save_state
from bot.menu import main_menu
from bot.messages import drop_buttons, show_answer
from bot.middlewares import Provide

MAX_DECISION_TEXT = 500


class AppealForm(StatesGroup):
    reason = State()
    text = State()
    photo = State()
    confirm = State()


class ReviewForm(StatesGroup):
    text = State()


# --- The person ---------------------------------------------------------------------------------------------


async def process_appeal(message: Message, state: FSMContext, account: Account | None, appeals: AppealService) -> None:
    if account is None:
        await message.answer(presenter.no_code())
        return
    # With family members, whose colour is asked first (issue 16); without, the appeal starts at once.
    members = await appeals.members(account.id)
    if members:
        await message.answer(presenter.choose_whose(), reply_markup=whose_keyboard(members))
        return
    await _start(message, state, account, appeals)


async def process_this_is_wrong(
    callback: CallbackQuery, state: FSMContext, account: Account | None, appeals: AppealService
) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await _start(callback.message, state, account, appeals)


async def process_member_appeal(
    callback: CallbackQuery,
    callback_data: MemberAppeal,
    state: FSMContext,
    account: Account | None,
    appeals: AppealService,
) -> None:
    """A family member's appeal, started or withdrawn by the account managing them."""
    message = callback.message
    if account is None or not isinstance(message, Message):
        await _stale(callback)
        return
    try:
        member = await appeals.member(account.id, callback_data.member)
    except service.NotYours:
        await _stale(callback)
        return
    await callback.answer()
    if callback_data.action is MemberAppealAction.WITHDRAW:
        done = await appeals.withdraw(account.id, holder_id=member.id)
        answer = presenter.withdrawn() if done else presenter.nothing_to_withdraw()
        await show_answer(message, presenter.for_member(member.name, answer))
        return
    await _start(message, state, account, appeals, member)


async def _start(
    message: Message,
    state: FSMContext,
    account: Account | None,
    appeals: AppealService,
    member: Member | None = None,
) -> None:
    if account is None:
        await message.answer(presenter.no_code())
        return
    holder = account.id if member is None else member.id
    name = member.name if member is not None else None
    try:
        current = await appeals.contestable_for(account.id, holder)
    except service.NotYours:
        await message.answer(presenter.stale_button())
        return
    except service.NothingToAppeal:
        answer = presenter.nothing_to_appeal() if member is None else presenter.member_nothing_to_appeal(name)
        await message.answer(answer)
        return
    if current.open_appeal is not None:
        text = presenter.under_review(current.open_appeal, account.language, appeals.zone)
        if member is not None:
            text = presenter.for_member(name, text)
        await message.answer(text, reply_markup=withdraw_keyboard(None if member is None else member.id))
        return
    # The holder rides in the conversation (the account's own store) and is checked again on submit.
    data = {"appeal_reasons": list(current.reasons), "appeal_holder": holder, "appeal_name": name}
    await save_state(state, AppealForm.reason, data)
    question = presenter.choose_reason() if member is None else presenter.member_choose_reason(name)
    await message.answer(question, reply_markup=reasons_keyboard(current.reasons))


async def process_reason(callback: CallbackQuery, callback_data: AppealReasonCallback, state: FSMContext) -> None:
    data = await state.get_data()
    reasons = data.get("appeal_reasons") or []
    if await state.get_state() != AppealForm.reason.state or callback_data.index >= len(reasons):
        await _stale(callback)
        return
    await callback.answer()
    reason = reasons[callback_data.index]
    if isinstance(callback.message, Message):
        name = data.get("appeal_name")
        question = presenter.member_choose_reason(name) if name is not None else presenter.choose_reason()
        await show_answer(callback.message, question + "\n✅ " + presenter.reason_label(reason))
        await callback.message.answer(presenter.ask_text(service.MAX_TEXT_LENGTH))
    await save_state(state, AppealForm.text, {"appeal_reason": reason})


async def process_text(message: Message, state: FSMContext) -> None:
    text = " ".join((message.text or "").split())
    if len(text) < service.MIN_TEXT_LENGTH:
        await message.answer(presenter.text_too_short())
        return
    if len(text) > service.MAX_TEXT_LENGTH:
        await message.answer(presenter.text_too_long(service.MAX_TEXT_LENGTH))
        return
    await save_state(state, AppealForm.photo, {"appeal_text": text})
    await message.answer(presenter.ask_photo(), reply_markup=photo_keyboard())


async def process_text_not_text(message: Message) -> None:
    await message.answer(presenter.ask_text(service.MAX_TEXT_LENGTH))


async def process_photo(message: Message, state: FSMContext) -> None:
    # Only Telegram's file_id is kept: the document is never downloaded.
    assert message.photo
    await save_state(state, AppealForm.confirm, {"appeal_photo": message.photo[-1].file_id})
    await _confirm(message, state)


async def process_use_the_buttons(message: Message) -> None:
    await message.answer(_("Please choose with the buttons under the question."))


async def process_not_a_photo(message: Message) -> None:
    await message.answer(presenter.photo_expected(), reply_markup=photo_keyboard())


async def process_step(
    callback: CallbackQuery,
    callback_data: AppealCallback,
    state: FSMContext,
    account: Account | None,
    appeals: AppealService,
) -> None:
    message = callback.message
    current = await state.get_state()
    step = callback_data.step
    if step is AppealStep.START:
        await process_this_is_wrong(callback, state, account, appeals)
        return
    if step is AppealStep.WITHDRAW:
        await callback.answer()
        done = account is not None and await appeals.withdraw(account.id)
        if isinstance(message, Message):
            await show_answer(message, presenter.withdrawn() if done else presenter.nothing_to_withdraw())
        return
    in_form = current is not None and current.startswith(AppealForm.__name__ + ":")
    if not in_form or not isinstance(message, Message):
        await _stale(callback)
        return
    await callback.answer()
    if step is AppealStep.CANCEL:
        await state.clear()
        await show_answer(message, presenter.cancelled())
        return
    if step is AppealStep.NO_PHOTO and current == AppealForm.photo.state:
        await drop_buttons(message)
        await save_state(state, AppealForm.confirm, {"appeal_photo": None})
        await _confirm(message, state)
        return
    if step is AppealStep.SUBMIT and current == AppealForm.confirm.state and account is not None:
        await _submit(message, state, account, appeals)
        return
    await drop_buttons(message)


async def _confirm(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    text = presenter.summary(data["appeal_reason"], data["appeal_text"], bool(data.get("appeal_photo")))
    await message.answer(text, reply_markup=confirm_keyboard())


async def _submit(message: Message, state: FSMContext, account: Account, appeals: AppealService) -> None:
    data = await state.get_data()
    await state.clear()
    holder = data.get("appeal_holder")
    name = data.get("appeal_name")
    try:
        appeal = await appeals.submit(
            account.id,
            data["appeal_reason"],
            data["appeal_text"],
            data.get("appeal_photo"),
            holder_id=holder if isinstance(holder, int) else None,
        )
    except service.NotYours:
        answer = presenter.stale_button()
    except service.AlreadyOpen:
        answer = presenter.already_open()
    except service.NotOnRecord:
        answer = presenter.not_on_record()
    except service.NothingToAppeal:
        answer = presenter.nothing_to_appeal() if name is None else presenter.member_nothing_to_appeal(name)
    else:
        if name is None and appeal.user_id == account.id:
            answer = presenter.submitted(appeal, account.language, appeals.zone)
        else:
            answer = presenter.member_submitted(name, appeal, account.language, appeals.zone)
        await show_answer(message, answer)
        return
    await show_answer(message, answer if name is None else presenter.for_member(name, answer))


async def process_appeal_cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(presenter.cancelled(), reply_markup=main_menu())


# --- Reviewers ----------------------------------------------------------------------------------------------


async def process_queue(message: Message, locale: str, appeals: AppealService) -> None:
    actor = message.from_user.id if message.from_user else 0
    await _show_next(message, actor, None, locale, appeals)


async def _show_next(message: Message, actor: int, after_id: int | None, locale: str, appeals: AppealService) -> None:
    try:
        item = await appeals.queue_item(actor, after_id)
    except service.NotAllowed:
        await message.answer(presenter.only_reviewers())
        return
    if item is None:
        await message.answer(presenter.queue_empty())
        return
    if item.appeal.photo_file_id:
        await message.answer_photo(item.appeal.photo_file_id)
    keyboard = decision_keyboard(item.appeal.id, item.has_next)
    await message.answer(presenter.card(item, locale, appeals.zone), reply_markup=keyboard)


async def process_review(
    callback: CallbackQuery,
    callback_data: ReviewCallback,
    state: FSMContext,
    locale: str,
    appeals: AppealService,
    i18n: I18n,
) -> None:
    actor = callback.from_user.id
    message = callback.message
    if not isinstance(message, Message):
        await _stale(callback)
        return
    # Checked on every press, before anything is read: a forged button reveals nothing.
    if not await appeals.may_review(actor):
        await appeals.deny(actor, f"review_{callback_data.action.value}")
        await callback.answer(presenter.only_reviewers(), show_alert=True)
        return
    action, appeal_id = callback_data.action, callback_data.appeal
    if action is ReviewAction.CATEGORY and callback_data.value >= len(CATEGORY_ORDER):
        await _stale(callback)
        return
    if action is ReviewAction.DAYS and callback_data.value not in service.GRANT_DAYS:
        await _stale(callback)
        return
    await callback.answer()
    if action is ReviewAction.NEXT:
        await drop_buttons(message)
        await _show_next(message, actor, appeal_id, locale, appeals)
    elif action is ReviewAction.UPHOLD:
        await message.answer(presenter.choose_category(), reply_markup=category_keyboard(appeal_id))
    elif action is ReviewAction.GRANT:
        await message.answer(presenter.choose_days(), reply_markup=days_keyboard(appeal_id))
    elif action is ReviewAction.CATEGORY:
        category = CATEGORY_ORDER[callback_data.value]
        await show_answer(message, presenter.choose_category() + "\n✅ " + presenter.category_label(category))
        await save_state(state, ReviewForm.text, {"review_appeal": appeal_id, "review_category": category.value})
        await message.answer(presenter.ask_decision_text(MAX_DECISION_TEXT))
    else:
        await drop_buttons(message)
        try:
            wording = NoticeWording(i18n, appeals.zone)
            appeal = await appeals.grant(actor, appeal_id, callback_data.value, wording)
        except service.AlreadyDecided:
            await message.answer(presenter.already_decided())
            return
        except service.NotAllowed:
            await message.answer(presenter.only_reviewers())
            return
        assert appeal.grant_ends_on is not None
        await message.answer(presenter.decided_granted(appeal.grant_ends_on, locale))


async def process_decision_text(message: Message, state: FSMContext, appeals: AppealService, i18n: I18n) -> None:
    text = " ".join((message.text or "").split())
    if len(text) < 2:
        await message.answer(presenter.ask_decision_text(MAX_DECISION_TEXT))
        return
    if len(text) > MAX_DECISION_TEXT:
        await message.answer(presenter.text_too_long(MAX_DECISION_TEXT))
        return
    data = await state.get_data()
    await state.clear()
    actor = message.from_user.id if message.from_user else 0
    category = Category(data["review_category"])
    try:
        wording = NoticeWording(i18n, appeals.zone)
        await appeals.uphold(actor, int(data["review_appeal"]), category, text, wording)
    except service.AlreadyDecided:
        await message.answer(presenter.already_decided())
        return
    except service.NotAllowed:
        await message.answer(presenter.only_reviewers())
        return
    await message.answer(presenter.decided_upheld())


async def process_decision_not_text(message: Message) -> None:
    # A photo or sticker instead of the words: asked again, nothing decided, rather than "not understood".
    await message.answer(presenter.ask_decision_text(MAX_DECISION_TEXT))


async def _stale(callback: CallbackQuery) -> None:
    await callback.answer(_("That button belongs to an earlier message."))
    if callback.message is not None:
        await drop_buttons(callback.message)


async def _not_a_command(message: Message) -> bool:
    # Commands go on to their own handlers (/help, /status, ...) in the middle of an appeal too.
    return not (message.text or "").startswith("/")


def _appeals(data: dict[str, Any]) -> AppealService:
    return AppealService(data["session"], data["admin_ids"], data["clock"], data["zone"], data["appeal_hours"])


def create_router() -> Router:
    """The appeal handlers, in the order their filters are tried."""
    router = Router(name="appeals")
    provide = Provide(appeals=_appeals)
    router.message.middleware(provide)
    router.callback_query.middleware(provide)
    router.message.register(process_appeal, Command("appeal"))
    router.message.register(process_queue, Command("appeals"))
    router.message.register(process_appeal_cancel, StateFilter(AppealForm), Command("cancel"))
    router.message.register(process_appeal_cancel, StateFilter(ReviewForm), Command("cancel"))
    router.callback_query.register(process_step, AppealCallback.filter())
    router.callback_query.register(process_reason, AppealReasonCallback.filter())
    router.callback_query.register(process_member_appeal, MemberAppeal.filter())
    router.callback_query.register(process_review, ReviewCallback.filter())
    router.message.register(process_text, StateFilter(AppealForm.text), F.text, _not_a_command)
    router.message.register(process_text_not_text, StateFilter(AppealForm.text), _not_a_command)
    router.message.register(process_photo, StateFilter(AppealForm.photo), F.photo)
    router.message.register(process_not_a_photo, StateFilter(AppealForm.photo), _not_a_command)
    router.message.register(process_use_the_buttons, StateFilter(AppealForm.reason, AppealForm.confirm), _not_a_command)
    router.message.register(process_decision_text, StateFilter(ReviewForm.text), F.text, _not_a_command)
    router.message.register(process_decision_not_text, StateFilter(ReviewForm.text), _not_a_command)
    return router
