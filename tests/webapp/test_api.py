"""The Mini App's API: who may ask (signed, fresh initData), what staff and holders get, and what it records."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.models import Code, Notice, Verification
from bot.family.service import Relation, add_member
from bot.verification.reader import decode_qr_texts, token_in_text
from tests.inprocess import NOW
from tests.stories import answers
from tests.webapp.conftest import HOLDER, OTHER_STAFF, RED_HOLDER, STAFF, STRANGER, WebApp, add_staff, init_data

ENDPOINTS = ("/app/api/code", "/app/api/verify", "/app/api/checkpoint")


async def verifications(webapp: WebApp) -> int:
    async with webapp.harness.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Verification)) or 0)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"init_data": ""},
        {"init_data": 42},
        {"init_data": "user=%7B%22id%22%3A4001%7D&auth_date=1&hash=00"},
        {"init_data": "not a query string at all"},
        {"init_data": "x" * 100_00},
    ],
    ids=["missing", "empty", "not-a-string", "forged", "garbage", "huge"],
)
async def test_a_missing_or_forged_init_data_is_refused_and_reveals_nothing(
    webapp: WebApp, path: str, body: dict[str, Any]
) -> None:
    token = await webapp.add_holder(HOLDER)
    await add_staff(webapp.harness.sessions, STAFF)
    status, answer = await webapp.post(path, None, **body, code=token, check="1.x", reading="normal")
    assert (status, answer) == (401, {"error": "unauthorized"})
    assert await verifications(webapp) == 0


async def test_init_data_signed_with_another_bot_token_is_refused(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    await add_staff(webapp.harness.sessions, STAFF)
    forged = init_data("123456:another-bots-token", STAFF, webapp.harness.now[0])
    status, answer = await webapp.post("/app/api/verify", None, init_data=forged, code=token)
    assert (status, answer) == (401, {"error": "unauthorized"})
    # Tampered after signing: another user id under the staff member's hash.
    tampered = webapp.signed(STAFF).replace("4001", "4201")
    status, answer = await webapp.post("/app/api/code", None, init_data=tampered)
    assert (status, answer) == (401, {"error": "unauthorized"})
    assert await verifications(webapp) == 0


async def test_stale_init_data_is_refused_by_the_bots_clock(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    await add_staff(webapp.harness.sessions, STAFF)
    signed = webapp.signed(STAFF)
    status, _ = await webapp.post("/app/api/verify", None, init_data=signed, code=token)
    assert status == 200
    webapp.harness.now[0] += timedelta(hours=1, minutes=2)
    status, answer = await webapp.post("/app/api/verify", None, init_data=signed, code=token)
    assert (status, answer) == (401, {"error": "unauthorized"})
    assert await verifications(webapp) == 1


async def test_a_body_that_is_not_json_is_refused(webapp: WebApp) -> None:
    response = await webapp.client.post("/app/api/code", data=b"\xff{not json")
    assert response.status == 401
    assert await response.json() == {"error": "unauthorized"}


async def test_only_staff_verify_and_anyone_else_learns_nothing(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    for code in (token, "forged"):
        status, answer = await webapp.post("/app/api/verify", STRANGER, code=code)
        assert (status, answer) == (403, {"error": "forbidden"})
    # A holder is no staff member either.
    status, answer = await webapp.post("/app/api/verify", HOLDER, code=token)
    assert (status, answer) == (403, {"error": "forbidden"})
    assert await verifications(webapp) == 0


async def test_a_green_code_passes_with_the_name_and_last_four_and_counts(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    await add_staff(webapp.harness.sessions, STAFF)
    link = f"https://t.me/health_code_test_bot?start={token}"
    status, answer = await webapp.post("/app/api/verify", STAFF, code=link)
    assert status == 200
    assert answer["verdict"] == "pass"
    assert answer["colour"] == "green"
    assert answer["title"] == "PASS"
    assert answer["name"] == "Li Hua"
    assert answer["document_last4"] == "002X"
    assert answer["valid_until"] is not None
    assert answer["check"]
    assert answer["checked_today"] == 1
    status, answer = await webapp.post("/app/api/verify", STAFF, code=token)
    assert (status, answer["verdict"], answer["checked_today"]) == (200, "pass", 2)


async def test_a_red_code_does_not_pass_and_a_forged_one_is_not_valid(webapp: WebApp) -> None:
    red = await webapp.add_holder(RED_HOLDER, own_status="confirmed")
    await add_staff(webapp.harness.sessions, STAFF)
    status, answer = await webapp.post("/app/api/verify", STAFF, code=red)
    assert (status, answer["verdict"], answer["colour"], answer["title"]) == (200, "do_not_pass", "red", "DO NOT PASS")
    assert answer["name"] == "Li Hua"
    forged = red[:-4] + ("AAAA" if not red.endswith("AAAA") else "BBBB")
    status, answer = await webapp.post("/app/api/verify", STAFF, code=forged)
    assert status == 200
    assert answer["verdict"] == "not_valid"
    assert answer["title"] == "NOT VALID"
    assert (answer["colour"], answer["name"], answer["document_last4"], answer["check"]) == (None, None, None, None)
    assert "signature" in answer["detail"]
    assert await verifications(webapp) == 2


async def test_the_verdict_follows_the_staff_members_language(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    await add_staff(webapp.harness.sessions, STAFF)
    status, answer = await webapp.post("/app/api/verify", None, init_data=webapp.signed(STAFF, "zh"), code=token)
    assert (status, answer["title"]) == (200, "通行")


@pytest.mark.parametrize("code", [42, None, "x" * 5000])
async def test_a_scanned_text_that_cannot_be_a_code_is_invalid_and_changes_nothing(
    webapp: WebApp, code: object
) -> None:
    await add_staff(webapp.harness.sessions, STAFF)
    status, answer = await webapp.post("/app/api/verify", STAFF, code=code)
    assert (status, answer) == (400, {"error": "invalid"})
    assert await verifications(webapp) == 0


async def test_a_fever_recorded_at_the_checkpoint_turns_the_holder_yellow_and_tells_them(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    await add_staff(webapp.harness.sessions, STAFF)
    _, verdict = await webapp.post("/app/api/verify", STAFF, code=token)
    status, answer = await webapp.post("/app/api/checkpoint", STAFF, check=verdict["check"], reading="fever")
    assert status == 200
    assert answer["ok"] is True
    assert "fever" in answer["detail"]
    async with webapp.harness.sessions() as session:
        row = await session.scalar(select(Verification))
        told = await session.scalar(select(func.count()).select_from(Notice).where(Notice.user_id == HOLDER))
    assert row is not None and row.temperature_c is not None and row.temperature_c >= 37.3
    assert told == 1
    # A double tap changes nothing.
    status, answer = await webapp.post("/app/api/checkpoint", STAFF, check=verdict["check"], reading="fever")
    assert (status, answer["ok"]) == (200, True)
    _, again = await webapp.post("/app/api/verify", STAFF, code=token)
    # The code shown was green: the chat says NOT VALID (the colour changed), with the colour now.
    assert (again["verdict"], again["colour"]) == ("not_valid", "yellow")


async def test_a_forged_or_foreign_check_is_invalid(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    await add_staff(webapp.harness.sessions, STAFF)
    await add_staff(webapp.harness.sessions, OTHER_STAFF)
    _, verdict = await webapp.post("/app/api/verify", STAFF, code=token)
    number = verdict["check"].partition(".")[0]
    for check in (number, f"{number}.AAAAAAAAAAAAAAAA", f"{int(number) + 1}.{verdict['check'].partition('.')[2]}", 7):
        status, answer = await webapp.post("/app/api/checkpoint", STAFF, check=check, reading="normal")
        assert (status, answer) == (400, {"error": "invalid"})
    status, answer = await webapp.post("/app/api/checkpoint", OTHER_STAFF, check=verdict["check"], reading="normal")
    assert (status, answer) == (400, {"error": "invalid"})
    status, answer = await webapp.post("/app/api/checkpoint", STAFF, check=verdict["check"], reading="hot")
    assert (status, answer) == (400, {"error": "invalid"})
    status, answer = await webapp.post("/app/api/checkpoint", STRANGER, check=verdict["check"], reading="normal")
    assert (status, answer) == (403, {"error": "forbidden"})
    async with webapp.harness.sessions() as session:
        row = await session.scalar(select(Verification))
    assert row is not None and row.temperature_c is None


async def test_the_holder_gets_the_code_whose_qr_carries_the_token_code_gives(webapp: WebApp) -> None:
    token = await webapp.add_holder(HOLDER)
    status, answer = await webapp.post("/app/api/code", HOLDER)
    assert status == 200
    assert answer["language"] == "en"
    assert answer["server_time"].startswith("2026-11-27T08:00:00")
    assert answer["texts"]["why_colour"] == "Why this colour?"
    [holder] = answer["holders"]
    assert (holder["id"], holder["name"], holder["colour"]) == ("me", "Li Hua", "green")
    assert holder["colour_label"] == "GREEN CODE"
    assert holder["valid_until"] > answer["server_time"]
    assert answer["server_time"] < holder["renew_after"] <= holder["valid_until"]
    assert holder["reason"] and holder["way_to_green"]
    assert "<" not in holder["reason"] + holder["way_to_green"]
    prefix = "data:image/png;base64,"
    assert holder["qr_png"].startswith(prefix)
    [text] = decode_qr_texts(base64.b64decode(holder["qr_png"].removeprefix(prefix)))
    assert token_in_text(text) == token


async def test_the_code_page_speaks_the_holders_language(webapp: WebApp) -> None:
    await webapp.add_holder(HOLDER, language="zh")
    status, answer = await webapp.post("/app/api/code", HOLDER)
    assert (status, answer["language"]) == (200, "zh")
    assert answer["texts"]["why_colour"] == "为何是此码色？"
    assert answer["holders"][0]["colour_label"] != "GREEN CODE"


async def test_without_an_account_there_is_no_code_and_a_way_to_get_one(webapp: WebApp) -> None:
    status, answer = await webapp.post("/app/api/code", None, init_data=webapp.signed(STRANGER, "zh"))
    assert status == 200
    assert answer["holders"] == []
    assert answer["language"] == "zh"
    assert "/start" in answer["message"]


async def test_a_parent_gets_their_own_code_first_then_each_family_members(webapp: WebApp) -> None:
    own_token = await webapp.add_holder(HOLDER)
    zone = webapp.harness.dispatcher["zone"]
    async with webapp.harness.sessions() as session:
        added = await add_member(session, HOLDER, Relation.CHILD, answers(full_name="Mia Chen"), NOW, zone)
    status, answer = await webapp.post("/app/api/code", HOLDER)
    assert status == 200
    own, child = answer["holders"]
    assert (own["id"], own["name"]) == ("me", "Li Hua")
    assert (child["id"], child["name"], child["colour"]) == ("member-1", "Mia Chen", "green")
    assert "nothing in their declarations" in child["reason"] and "nothing in your declarations" in own["reason"]
    assert str(added.member.id) not in json.dumps(answer)
    texts = [decode_qr_texts(base64.b64decode(holder["qr_png"].split(",", 1)[1])) for holder in (own, child)]
    [[own_text], [child_text]] = texts
    assert token_in_text(own_text) == own_token
    async with webapp.harness.sessions() as session:
        child_token = await session.scalar(select(Code.token).where(Code.user_id == added.member.id))
    assert child_token is not None and token_in_text(child_text) == child_token


async def test_someone_elses_family_is_not_on_the_page(webapp: WebApp) -> None:
    await webapp.add_holder(HOLDER)
    await webapp.add_holder(RED_HOLDER)
    zone = webapp.harness.dispatcher["zone"]
    async with webapp.harness.sessions() as session:
        await add_member(session, RED_HOLDER, Relation.PARENT, answers(full_name="Wang Fang"), NOW, zone)
    status, answer = await webapp.post("/app/api/code", HOLDER)
    assert status == 200
    assert [holder["id"] for holder in answer["holders"]] == ["me"]
    assert "Wang Fang" not in json.dumps(answer, ensure_ascii=False)
