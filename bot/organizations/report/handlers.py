"""/report, its chart, its member lists and its CSV and Excel files. Thin: who may see what is decided in
`service`, for every command and every button press.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from contextlib import suppress
from datetime import datetime, tzinfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.organizations import chart, export
from bot.organizations import presenter as common_presenter
from bot.organizations import service as common_service
from bot.organizations.chart import ChartCache
from bot.organizations.choosing import choose_one, refusal_text
from bot.organizations.keyboards import MemberCsv, MemberList, MemberXlsx, page_keyboard, report_keyboard
from bot.organizations.report import presenter, service
from bot.organizations.service import Attempt, ListKind

# --- /report, its lists and its CSV file ---------------------------------------------------------------


async def process_report(
    message: Message,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    report_charts: ChartCache | None = None,
) -> None:
    if message.from_user is None:
        return
    organization = await choose_one(message, "report", Attempt.REPORT, session, admin_ids, clock, locale)
    if organization is not None:
        await show_report(
            message, message.from_user.id, organization.id, session, admin_ids, clock, zone, locale, report_charts
        )


async def show_report(
    message: Message,
    actor: int,
    organization_id: int,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    charts: ChartCache | None = None,
) -> None:
    now = clock()
    report = await service.report(session, actor, admin_ids, organization_id, now, zone)
    if report is None:
        await message.answer(refusal_text(actor, admin_ids, organization_id))
        return
    await message.answer(presenter.report_text(report, locale), reply_markup=report_keyboard(report))
    # Allowed: service.report has just checked (and report_history checks again when it draws).
    key = (organization_id, locale, report.day)
    png = charts.get(key) if charts is not None else None
    if png is None:
        png = await report_chart(session, actor, admin_ids, organization_id, now, zone, locale, charts)
        if png is not None and charts is not None:
            charts.put(key, png)
    if png is not None:
        await message.answer_photo(BufferedInputFile(png, filename="report.png"))


async def report_chart(
    session: AsyncSession,
    actor: int,
    admin_ids: Collection[int],
    organization_id: int,
    now: datetime,
    zone: tzinfo,
    locale: str,
    charts: ChartCache | None = None,
) -> bytes | None:
    """The chart's PNG, drawn in a thread (about 0.1 s of CPU the event loop must not wait); None when refused."""
    past_key = (organization_id, common_service.local_day(now, zone))
    past = charts.past_days.get(past_key) if charts is not None else None
    history = await service.report_history(session, actor, admin_ids, organization_id, now, zone, past)
    if history is None:
        return None
    if charts is not None and past is None:
        charts.past_days.put(past_key, history.days[:-1])
    return await asyncio.to_thread(chart.draw, history.days, history.members, presenter.chart_labels(history, locale))


async def process_member_list(
    callback: CallbackQuery,
    callback_data: MemberList,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    bot: Bot,
) -> None:
    actor = callback.from_user.id
    try:
        kind = ListKind(callback_data.kind)
    except ValueError:
        await callback.answer(common_presenter.stale_button())
        return
    page = await service.member_page(
        session,
        actor,
        admin_ids,
        callback_data.org,
        kind,
        callback_data.page,
        clock(),
        zone,
        after=callback_data.after or None,
        before=callback_data.before or None,
    )
    if page is None:
        await callback.answer(refusal_text(actor, admin_ids, callback_data.org), show_alert=True)
        return
    await callback.answer()
    text = presenter.page_text(page, locale)
    keyboard = page_keyboard(page)
    message = callback.message
    if callback_data.nav and isinstance(message, Message):
        with suppress(TelegramBadRequest):  # "not modified": the same page again
            await message.edit_text(text, reply_markup=keyboard)
        return
    await bot.send_message(actor, text, reply_markup=keyboard)


async def process_member_csv(
    callback: CallbackQuery,
    callback_data: MemberCsv,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    bot: Bot,
) -> None:
    actor = callback.from_user.id
    # Written as the rows are read and kept on disk beyond a few megabytes: memory stays flat however large.
    row = presenter.csv_rows()
    with export.CsvFile(presenter.csv_headers()) as sheet:
        exported = await service.export_members(
            session, actor, admin_ids, callback_data.org, clock(), zone, lambda batch: sheet.add_rows(map(row, batch))
        )
        if exported is None:
            await callback.answer(refusal_text(actor, admin_ids, callback_data.org), show_alert=True)
            return
        await callback.answer()
        document = sheet.input_file(presenter.csv_file_name(exported.organization, exported.day))
        caption = presenter.csv_caption(exported.organization, exported.day, locale)
        await bot.send_document(actor, document, caption=caption)


async def process_member_xlsx(
    callback: CallbackQuery,
    callback_data: MemberXlsx,
    session: AsyncSession,
    admin_ids: Collection[int],
    clock: Clock,
    zone: tzinfo,
    locale: str,
    bot: Bot,
) -> None:
    """The CSV file's rows as an Excel workbook, under the same permission check."""
    actor = callback.from_user.id
    row = presenter.xlsx_rows()
    answered = False

    async def write(sheet: export.XlsxFile, batch: list[service.Member]) -> None:
        nonlocal answered
        if not answered:
            # Rows come only once the export is allowed. The workbook takes seconds at 60,000 members (about 6 s
            # here), which may outlast Telegram's wait for a button's answer: the button stops spinning now.
            answered = True
            with suppress(TelegramAPIError):
                await callback.answer()
        # Drawing the cells is CPU-bound: done in a thread, a batch at a time, so the bot keeps answering
        # everyone else meanwhile.
        await asyncio.to_thread(sheet.add_rows, map(row, batch))

    with export.XlsxFile(presenter.csv_headers(), presenter.xlsx_sheet_title(), presenter.COLOUR_COLUMN) as sheet:
        exported = await service.export_members(
            session, actor, admin_ids, callback_data.org, clock(), zone, lambda batch: write(sheet, batch)
        )
        if exported is None:
            await callback.answer(refusal_text(actor, admin_ids, callback_data.org), show_alert=True)
            return
        await asyncio.to_thread(sheet.finish)
        if not answered:  # an organization without members
            await callback.answer()
        document = sheet.input_file(presenter.xlsx_file_name(exported.organization, exported.day))
        caption = presenter.csv_caption(exported.organization, exported.day, locale)
        await bot.send_document(actor, document, caption=caption)
