"""/report, its chart, its member lists and its CSV and Excel files. Thin: who may see what is decided in
`service`, for every command and every button press.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import BufferedInputFile, CallbackQuery, InputFile, Message

from bot.organizations import chart, export
from bot.organizations import service as common_service
from bot.organizations.choosing import choose_one, refusal_text
from bot.organizations.keyboards import MemberCsv, MemberList, MemberXlsx, page_keyboard, report_keyboard
from bot.organizations.report import presenter, service
from bot.organizations.report.service import Reports
from bot.organizations.service import Attempt

# --- /report, its lists and its CSV file ---------------------------------------------------------------


async def process_report(message: Message, reports: Reports, locale: str) -> None:
    if message.from_user is None:
        return
    organization = await choose_one(message, Attempt.REPORT, reports, locale)
    if organization is not None:
        await show_report(message, message.from_user.id, organization.id, reports, locale)


async def show_report(message: Message, actor: int, organization_id: int, reports: Reports, locale: str) -> None:
    now = reports.clock()
    report = await reports.report(actor, organization_id, now)
    if report is None:
        await message.answer(refusal_text(actor, reports.admin_ids, organization_id))
        return
    await message.answer(presenter.report_text(report, locale), reply_markup=report_keyboard(report))
    # Allowed: service.report has just checked (and report_history checks again when it draws).
    charts = reports.charts
    key = (organization_id, locale, report.day)
    png = charts.get(key) if charts is not None else None
    if png is None:
        png = await report_chart(reports, actor, organization_id, now, locale)
        if png is not None and charts is not None:
            charts.put(key, png)
    if png is not None:
        await message.answer_photo(BufferedInputFile(png, filename="report.png"))


async def report_chart(reports: Reports, actor: int, organization_id: int, now: datetime, locale: str) -> bytes | None:
    """The chart's PNG, drawn in a thread (about 0.1 s of CPU the event loop must not wait); None when refused."""
    charts = reports.charts
    past_key = (organization_id, common_service.local_day(now, reports.zone))
    past = charts.past_days.get(past_key) if charts is not None else None
    history = await reports.report_history(actor, organization_id, now, past)
    if history is None:
        return None
    if charts is not None and past is None:
        charts.past_days.put(past_key, history.days[:-1])
    return await asyncio.to_thread(chart.draw, history.days, history.members, presenter.chart_labels(history, locale))


async def process_member_list(
    callback: CallbackQuery, callback_data: MemberList, reports: Reports, locale: str, bot: Bot
) -> None:
    actor = callback.from_user.id
    page = await reports.member_page(
        actor,
        callback_data.org,
        callback_data.kind,
        callback_data.page,
        after=callback_data.after or None,
        before=callback_data.before or None,
    )
    if page is None:
        await callback.answer(refusal_text(actor, reports.admin_ids, callback_data.org), show_alert=True)
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


# --- The members as a file: CSV or Excel, one path ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _MemberFile:
    """What differs between the CSV file and the Excel workbook; `_export` is the rest, the same for both."""

    # Takes a batch of members as they are read (an awaitable when the batch is drawn in a thread).
    add: Callable[[list[service.Member]], Awaitable[None] | None]
    finish: Callable[[], Awaitable[None] | None]
    document: Callable[[service.MemberExport], InputFile]
    locale: str
    # A workbook takes seconds at 60,000 members (about 6 s here), which may outlast Telegram's wait for a
    # button's answer: its button stops spinning at the first rows, which come only once the export is allowed.
    answers_early: bool = False


@contextmanager
def _csv(locale: str) -> Iterator[_MemberFile]:
    # Written as the rows are read and kept on disk beyond a few megabytes: memory stays flat however large.
    row = presenter.csv_rows()
    with export.CsvFile(presenter.csv_headers()) as sheet:
        yield _MemberFile(
            add=lambda batch: sheet.add_rows(map(row, batch)),
            finish=lambda: None,
            document=lambda done: sheet.input_file(presenter.csv_file_name(done.organization, done.day)),
            locale=locale,
        )


@contextmanager
def _xlsx(locale: str) -> Iterator[_MemberFile]:
    """The CSV file's rows as an Excel workbook. Drawing the cells is CPU-bound: done in a thread, a batch at a
    time, so the bot keeps answering everyone else meanwhile."""
    row = presenter.xlsx_rows()
    with export.XlsxFile(presenter.csv_headers(), presenter.xlsx_sheet_title(), presenter.COLOUR_COLUMN) as sheet:
        yield _MemberFile(
            add=lambda batch: asyncio.to_thread(sheet.add_rows, map(row, batch)),
            finish=lambda: asyncio.to_thread(sheet.finish),
            document=lambda done: sheet.input_file(presenter.xlsx_file_name(done.organization, done.day)),
            locale=locale,
            answers_early=True,
        )


async def process_member_csv(
    callback: CallbackQuery, callback_data: MemberCsv, reports: Reports, locale: str, bot: Bot
) -> None:
    with _csv(locale) as file:
        await _export(callback, callback_data.org, file, reports, bot)


async def process_member_xlsx(
    callback: CallbackQuery, callback_data: MemberXlsx, reports: Reports, locale: str, bot: Bot
) -> None:
    with _xlsx(locale) as file:
        await _export(callback, callback_data.org, file, reports, bot)


async def _export(callback: CallbackQuery, organization_id: int, file: _MemberFile, reports: Reports, bot: Bot) -> None:
    """Every member into the file under the permission check, then the file to the presser's own chat."""
    actor = callback.from_user.id
    answered = False

    async def add(batch: list[service.Member]) -> None:
        nonlocal answered
        if file.answers_early and not answered:
            answered = True
            with suppress(TelegramAPIError):
                await callback.answer()
        if (adding := file.add(batch)) is not None:
            await adding

    exported = await reports.export_members(actor, organization_id, add)
    if exported is None:
        await callback.answer(refusal_text(actor, reports.admin_ids, organization_id), show_alert=True)
        return
    if (finishing := file.finish()) is not None:
        await finishing
    if not answered:  # a CSV file, or a workbook of an organization without members
        await callback.answer()
    caption = presenter.csv_caption(exported.organization, exported.day, file.locale)
    await bot.send_document(actor, file.document(exported), caption=caption)
