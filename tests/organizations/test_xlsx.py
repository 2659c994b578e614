"""Issue 19 item 5: HR's export as an Excel workbook, read back with openpyxl, on both databases."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import datetime, time, timedelta

import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.answers import Contact, Symptom
from bot.i18n import create_i18n
from bot.organizations import export
from bot.organizations.invites import service as invites_service
from bot.organizations.invites.service import JoinOutcome
from bot.organizations.report import presenter as report_presenter
from bot.organizations.report import service as report_service
from tests.organizations.test_service import ADMINS, DAY, NOW, YESTERDAY, ZONE, add_user, create, declare, make_hr
from tests.stories import check_in

HR, STRANGER, OTHER_HR = 40, 41, 42
GREEN, YELLOW, RED = "00C6EFCE", "00FFEB9C", "00FFC7CE"


async def _organizations(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """Mine: a green Chinese name, a red "=1+1", a yellow, one without a code; theirs: one member."""
    mine, theirs = await create(sessions, "A"), await create(sessions, "B")
    for user_id in (HR, STRANGER, OTHER_HR, 50, 51, 52, 53, 60):
        await add_user(sessions, user_id, language="zh")
    await make_hr(sessions, HR, mine.id)
    await make_hr(sessions, OTHER_HR, theirs.id)
    await declare(sessions, 50, NOW, full_name="欧阳娜娜娜娜")
    await declare(sessions, 51, YESTERDAY, full_name="=1+1", contacts=frozenset({Contact.CONFIRMED_CASE}))
    await declare(sessions, 52, YESTERDAY, full_name="Amy")
    await check_in(sessions, 52, NOW, symptoms=[Symptom.COUGH.value])
    await declare(sessions, 60, NOW, full_name="Other Person")
    async with sessions() as session:
        # Joined by invite, as members do: each is given a member number.
        for user_id, organization in ((50, mine), (51, mine), (52, mine), (53, mine), (60, theirs)):
            assert (
                await invites_service.join(session, user_id, organization.invite_code)
            ).outcome is JoinOutcome.JOINED
    return mine.id, theirs.id


async def _xlsx(
    sessions: async_sessionmaker[AsyncSession], actor: int, organization_id: int
) -> tuple[report_service.MemberExport | None, bytes]:
    """What the handler does: rows drawn in a thread a batch at a time, the workbook zipped in a thread."""
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("zh"):
        row = report_presenter.xlsx_rows()
        with export.XlsxFile(
            report_presenter.csv_headers(), report_presenter.xlsx_sheet_title(), report_presenter.COLOUR_COLUMN
        ) as sheet:
            async with sessions() as session:
                exported = await report_service.export_members(
                    session,
                    actor,
                    ADMINS,
                    organization_id,
                    NOW,
                    ZONE,
                    lambda batch: asyncio.to_thread(sheet.add_rows, map(row, batch)),
                )
            if exported is None:
                return None, b""
            await asyncio.to_thread(sheet.finish)
            return exported, sheet.getvalue()


async def test_hr_gets_a_workbook_in_their_language_with_fills_a_frozen_header_and_no_formulas(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    mine, _theirs = await _organizations(session_factory)
    exported, data = await _xlsx(session_factory, HR, mine)
    assert exported is not None and exported.count == 4

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet.title == "成员名单"
    assert sheet.freeze_panes == "A2", "the header stays in view while scrolling"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["成员编号", "姓名", "码色", "今天已打卡", "最近打卡"]
    assert all(cell.font.bold for cell in sheet[1])
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"欧阳娜娜娜娜", "=1+1", "Amy", None}
    assert sorted(row[0] for row in rows[1:]) == [1, 2, 3, 4], "member numbers, as numbers"
    # The last check-in as a day Excel sorts and filters by (read back as midnight), not as text.
    assert by_name["欧阳娜娜娜娜"][3:] == ["是", datetime.combine(DAY, time())]
    assert by_name["=1+1"][4] == datetime.combine(DAY - timedelta(days=1), time())
    assert by_name[None][4] is None

    fills = {sheet.cell(row=index, column=2).value: sheet.cell(row=index, column=3) for index in range(2, 6)}
    assert fills["欧阳娜娜娜娜"].fill.fgColor.rgb == GREEN
    assert fills["=1+1"].fill.fgColor.rgb == RED
    assert fills["Amy"].fill.fgColor.rgb == YELLOW
    assert fills[None].fill.fill_type is None, "no code, no colour"

    formula = next(cell for cell in sheet["B"] if cell.value == "=1+1")
    assert formula.data_type == "s" and formula.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml, "no formula anywhere in the sheet"

    # Six Chinese characters are twelve columns wide: the name column fits them, and more than its header.
    assert sheet.column_dimensions["B"].width >= 12 > export.display_width("姓名")
    assert export.display_width("欧阳娜娜娜娜") == 12 and export.display_width("Amy") == 3


@pytest.mark.parametrize("actor", [STRANGER, OTHER_HR], ids=["stranger", "hr-of-another-organization"])
async def test_only_hr_of_that_organization_gets_the_workbook(
    session_factory: async_sessionmaker[AsyncSession], actor: int
) -> None:
    mine, _theirs = await _organizations(session_factory)
    written: list[report_service.Member] = []
    async with session_factory() as session:
        assert await report_service.export_members(session, actor, ADMINS, mine, NOW, ZONE, written.extend) is None
    assert written == [], "a refusal reads no member"
    refused, data = await _xlsx(session_factory, actor, mine)
    assert refused is None and data == b""


def test_an_empty_organization_is_a_header_row_and_a_control_character_is_dropped_not_fatal() -> None:
    with export.XlsxFile(["Name", "Colour"], "Members: [all]", 1) as sheet:
        sheet.add_rows([])
        sheet.add_rows([(["Jane\x01 Doe", "green"], "green")])
        data = sheet.getvalue()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Members   all"]
    assert [[cell.value for cell in row] for row in book.active.iter_rows()] == [
        ["Name", "Colour"],
        ["Jane Doe", "green"],
    ]


@pytest.mark.parametrize("value", ["=1+1", "+86 138", "-1", "@SUM(A1)", '=HYPERLINK("http://evil","x")'])
def test_a_text_that_looks_like_a_formula_stays_text(value: str) -> None:
    with export.XlsxFile(["Name"], "Members", 5) as sheet:
        sheet.add_rows([([value], None)])
        data = sheet.getvalue()
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)
