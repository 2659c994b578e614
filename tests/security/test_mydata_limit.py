"""Issue 12: /mydata is limited to once a minute per person.

Each request builds two documents from every table; someone sending /mydata again and again made the bot
do it each time. The limit is kept on the person's row, so it holds with several bot processes.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.sandbox.emulator import FakeUser, RecordedCall
from tests.inprocess import NOW, Harness, another_process, texts

PAT = FakeUser(id=60, first_name="Pat", language_code="en")
WEI = FakeUser(id=61, first_name="Wei", language_code="zh")


def _documents(calls: list[RecordedCall]) -> int:
    return sum(call.method == "sendDocument" for call in calls)


async def test_a_second_request_within_the_minute_builds_nothing_and_says_when(harness: Harness) -> None:
    await harness.add_account(PAT)
    assert _documents(await harness.send(PAT, "/mydata")) == 2

    harness.now[0] = NOW + timedelta(seconds=20)
    calls = await harness.send(PAT, "/mydata")
    assert _documents(calls) == 0
    assert texts(calls) == ["You asked for your data a moment ago. You can ask again in 40 seconds."]

    harness.now[0] = NOW + timedelta(seconds=59, milliseconds=500)
    assert texts(await harness.send(PAT, "/mydata")) == [
        "You asked for your data a moment ago. You can ask again in 1 second."
    ]

    harness.now[0] = NOW + timedelta(seconds=60)
    assert _documents(await harness.send(PAT, "/mydata")) == 2


async def test_the_answer_is_in_the_persons_language(harness: Harness) -> None:
    await harness.add_account(WEI, language="zh")
    await harness.send(WEI, "/mydata")
    assert texts(await harness.send(WEI, "/mydata")) == ["您刚刚已经申请过您的数据。请在 60 秒后再试。"]


async def test_the_limit_holds_in_another_process(harness: Harness) -> None:
    await harness.add_account(PAT)
    assert _documents(await harness.send(PAT, "/mydata")) == 2
    other = another_process(harness)
    assert _documents(await other.send(PAT, "/mydata")) == 0


async def test_two_requests_at_once_in_two_processes_build_one_export(harness: Harness) -> None:
    await harness.add_account(PAT)
    other = another_process(harness)
    mark = harness.fake.mark()
    # Counted over both: the two updates run at once, so each one's window of calls holds the other's too.
    await asyncio.gather(harness.send(PAT, "/mydata"), other.send(PAT, "/mydata"))
    both = harness.fake.calls[mark:]
    assert _documents(both) == 2, "one export: its text and its JSON"
    assert [text for text in texts(both) if "again in" in text], "the other request is told to wait"


async def test_someone_with_no_account_is_told_so_each_time(harness: Harness) -> None:
    harness.fake.add_user(PAT)
    for _ in range(2):
        assert texts(await harness.send(PAT, "/mydata")) == ["Nothing is stored about you."]
