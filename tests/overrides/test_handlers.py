"""/override through the whole dispatcher: the category chosen by button, told in the person's language, the
administrator's note quoted as the authority's words; old, forged and outsiders' buttons change nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from bot.db.models import AuditEntry, Override, User
from bot.overrides.keyboards import OverrideChoice
from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import ADMIN, Harness, texts
from tests.stories import send_notices, told

LI = FakeUser(id=4101, first_name="Li", username="liwei", language_code="zh")
EVE = FakeUser(id=4102, first_name="Eve", language_code="en")


async def _register(harness: Harness, user: FakeUser, name: str, language: str) -> None:
    await harness.add_account(user, username=user.username, language=language)
    async with harness.sessions.begin() as session:
        await session.execute(update(User).where(User.id == user.id).values(display_name=name))


def _prompt(calls: list[RecordedCall]) -> dict[str, Any]:
    [call] = [call for call in calls if call.method == "sendMessage" and "reply_markup" in call.params]
    # The HTML the bot sent, beside the message as Telegram stored it (which the buttons are pressed under).
    return {**call.result, "html": call.params["text"]}


async def _press(harness: Harness, user: FakeUser, message: dict[str, Any], data: str) -> list[RecordedCall]:
    return await harness.feed(await harness.fake.press_button(user, message, data))


async def _overrides(harness: Harness) -> list[Override]:
    async with harness.sessions() as session:
        return list(await session.scalars(select(Override)))


async def test_the_category_is_chosen_by_button_and_told_in_the_persons_language(harness: Harness) -> None:
    await _register(harness, LI, "李伟", "zh")
    prompt_calls = await harness.send(ADMIN, "/override 4101 red until 2026-12-10 Ningbo CDC, case 2026-118")
    prompt = _prompt(prompt_calls)
    assert "<b>李伟</b> (@liwei)" in prompt["html"] and "4101" not in prompt["html"]
    assert "Note from the health authority: «Ningbo CDC, case 2026-118»" in prompt["html"]
    assert await _overrides(harness) == [], "nothing is decided before the category is chosen"
    buttons = [button["text"] for row in prompt["reply_markup"]["inline_keyboard"] for button in row]
    assert buttons == [
        "Released from observation",
        "Confirmed case",
        "Close contact",
        "Quarantine ordered",
        "Other",
        "Cancel",
    ]

    done = texts(await _press(harness, ADMIN, prompt, harness.fake.find_button(prompt, "Confirmed case")))
    assert len(done) == 1
    assert "Done: <b>李伟</b> (@liwei) is now" in done[0] and "RED CODE" in done[0]
    assert "Reason: you are a confirmed case" in done[0]
    [override] = await _overrides(harness)
    assert (override.category, override.reason) == ("confirmed_case", "Ningbo CDC, case 2026-118")
    async with harness.sessions() as session:
        [details] = await session.scalars(select(AuditEntry.details).where(AuditEntry.action == "override"))
    assert details["category"] == "confirmed_case"

    mark = harness.fake.mark()
    await send_notices(harness.sessions, harness.bot)
    [notice] = told(harness.fake, LI.id, mark)
    assert "原因：您是确诊病例" in notice
    assert "卫生部门备注：“Ningbo CDC, case 2026-118”" in notice
    status = texts(await harness.send(LI, "/status"))[0]
    assert "依卫生部门决定设置：您是确诊病例" in status and "Ningbo CDC, case 2026-118" in status

    # The same button again: the draft is used up, so nothing changes twice.
    again = await _press(harness, ADMIN, prompt, harness.fake.find_button(prompt, "Confirmed case"))
    assert "earlier message" in " ".join(texts(again, "answerCallbackQuery"))
    assert len(await _overrides(harness)) == 1


async def test_a_note_is_optional_and_an_unregistered_person_is_refused(harness: Harness) -> None:
    await _register(harness, EVE, "Eve Adams", "en")
    prompt = _prompt(await harness.send(ADMIN, "/override 4102 green"))
    await _press(harness, ADMIN, prompt, harness.fake.find_button(prompt, "Released"))
    [override] = await _overrides(harness)
    assert (override.category, override.reason) == ("released", "")
    assert "Nobody with that id has registered" in texts(await harness.send(ADMIN, "/override 4999 red"))[0]


async def test_forged_old_and_outsiders_buttons_change_nothing(harness: Harness) -> None:
    await _register(harness, EVE, "Eve Adams", "en")
    first = _prompt(await harness.send(ADMIN, "/override 4102 red quarantine at home"))
    draft = OverrideChoice.unpack(harness.fake.find_button(first, "Other")).draft

    forged = await _press(harness, ADMIN, first, OverrideChoice(draft=draft, category="vip_pass").pack())
    assert "earlier message" in " ".join(texts(forged, "answerCallbackQuery"))
    assert await _overrides(harness) == []
    # An appeal's grant is a category only a reviewer's decision records; no button of /override offers it.
    assert "appeal_granted" not in str(first)
    forged = await _press(harness, ADMIN, first, OverrideChoice(draft=draft, category="appeal_granted").pack())
    assert "earlier message" in " ".join(texts(forged, "answerCallbackQuery"))
    assert await _overrides(harness) == []

    # Someone else pressing the administrator's button (or forging one): refused and audited.
    outsider = await _press(harness, EVE, first, harness.fake.find_button(first, "Other"))
    assert "Only administrators" in " ".join(texts(outsider, "answerCallbackQuery"))
    async with harness.sessions() as session:
        assert list(await session.scalars(select(AuditEntry.action))) == ["denied"]

    # A newer /override makes the buttons of the earlier one old.
    second = _prompt(await harness.send(ADMIN, "/override 4102 yellow"))
    old = await _press(harness, ADMIN, first, harness.fake.find_button(first, "Close contact"))
    assert "earlier message" in " ".join(texts(old, "answerCallbackQuery"))
    assert await _overrides(harness) == []

    cancelled = await _press(harness, ADMIN, second, harness.fake.find_button(second, "Cancel"))
    assert "Cancelled" in " ".join(texts(cancelled))
    after = await _press(harness, ADMIN, second, harness.fake.find_button(second, "Other"))
    assert "earlier message" in " ".join(texts(after, "answerCallbackQuery"))
    assert await _overrides(harness) == []


async def test_ending_names_the_person(harness: Harness) -> None:
    await _register(harness, EVE, "Eve Adams", "en")
    assert (
        "<b>Eve Adams</b> (<code>4102</code>) has no override in force"
        in texts(await harness.send(ADMIN, "/override 4102 end"))[0]
    )
    prompt = _prompt(await harness.send(ADMIN, "/override 4102 red"))
    await _press(harness, ADMIN, prompt, harness.fake.find_button(prompt, "Close contact"))
    ended = texts(await harness.send(ADMIN, "/override 4102 end"))[0]
    assert "the override of <b>Eve Adams</b> (<code>4102</code>) has ended" in ended
