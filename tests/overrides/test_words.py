"""An override's category in the reader's language, on /status, the code's caption and /history; the
administrator's note as the authority's own words, quoted and escaped."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.answers import Colour, OwnStatus
from bot.domain.status import OverrideCategory
from bot.history.entries import ColourEntry, Turn
from bot.history.service import load_history
from bot.i18n import create_i18n
from bot.overrides import service
from bot.registration.service import submit_declaration
from bot.status.presenter import status_lines
from bot.status.service import reassess
from tests.stories import ZONE, add_person, answers, at

ADMINS = frozenset({900})


def _lines(status_dict: dict[str, object], locale: str) -> str:
    from bot.domain.status import Status

    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        return "\n".join(status_lines(Status.from_dict(status_dict), locale, date(2026, 3, 10)))


async def test_status_and_history_show_the_category_translated_and_the_note_quoted(
    session_factory: async_sessionmaker[AsyncSession], telegram
) -> None:
    fake, _bot = telegram
    await add_person(session_factory, fake, 1, "zh")
    async with session_factory() as session:
        await submit_declaration(session, 1, answers(own_status=OwnStatus.CONFIRMED), at(1), ZONE)
    async with session_factory() as session:
        await service.set_override(
            session,
            ADMINS,
            900,
            1,
            Colour.YELLOW,
            "<i>Ningbo CDC</i>",
            date(2026, 3, 20),
            at(3),
            ZONE,
            category=OverrideCategory.QUARANTINE_ORDERED,
        )
    async with session_factory() as session:
        status = (await reassess(session, 1, at(4), ZONE, cause="daily")).status
        await session.commit()
    assert (status.override_category, status.override_reason) == ("quarantine_ordered", "<i>Ningbo CDC</i>")

    zh = _lines(status.to_dict(), "zh")
    assert "依卫生部门决定设置：卫生部门责令隔离" in zh
    assert "卫生部门备注：“&lt;i&gt;Ningbo CDC&lt;/i&gt;”" in zh
    en = _lines(status.to_dict(), "en")
    assert "Set by a health authority's decision: quarantine ordered by the health authority" in en
    assert "Note from the health authority: «&lt;i&gt;Ningbo CDC&lt;/i&gt;»" in en

    async with session_factory() as session:
        history = await load_history(session, 1, at(4), ZONE)
    decided = [entry for entry in history.entries if isinstance(entry, ColourEntry) and entry.turn is Turn.DECIDED]
    assert [entry.decision for entry in decided] == ["quarantine_ordered"]

    # Ended: the status row the end writes is a decision too, but not the category of the one that ended.
    async with session_factory() as session:
        await service.end_override(session, ADMINS, 900, 1, at(5), ZONE)
    async with session_factory() as session:
        history = await load_history(session, 1, at(5), ZONE)
    decided = [entry for entry in history.entries if isinstance(entry, ColourEntry) and entry.turn is Turn.DECIDED]
    assert [entry.decision for entry in decided] == [None, "quarantine_ordered"]


def test_a_code_issued_before_categories_shows_its_reason_as_a_note() -> None:
    old = {
        "colour": "green",
        "reasons": [],
        "other_reasons": [],
        "period_days": 0,
        "since": "2026-03-01",
        "day_number": None,
        "changes_on": None,
        "green_on": None,
        "checked_in_today": True,
        "next_checkin_on": "2026-03-11",
        "next_step": "show_code_and_temperature",
        "clears_by_checkins": False,
        "rules_version": "1",
        "override_reason": "released by the CDC",
    }
    text = _lines(old, "en")
    assert "Set by a health authority's decision: a decision of the health authority" in text
    assert "Note from the health authority: «released by the CDC»" in text
