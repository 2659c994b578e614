"""Several requests in flight at once: the sender no longer waits for each answer before the next request.

The fake Bot API answers after a set round trip (`fake.latency`) and counts the requests it is answering at
once, overall and per chat. Nothing here asserts a duration: the round trip only makes requests overlap.
"""

from __future__ import annotations

import dataclasses

import pytest
from aiogram import Bot
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.limits import PAID_CEILING, RateLimiter
from bot.broadcast.sender import Sender
from bot.config import Settings
from bot.db.repositories.broadcasts import BroadcastRepository
from bot.i18n import create_i18n
from bot.sandbox.emulator import FakeTelegram
from tests.broadcast.test_notices import store
from tests.broadcast.test_sender import FAST, HR, NOW, make_sender, messages_to, people, start, states
from tests.stories import add_person, told

ROUND_TRIP = 0.05


async def test_several_requests_are_in_flight_but_never_more_than_the_setting(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    fake.latency = ROUND_TRIP
    ids = await people(session_factory, fake, range(6001, 6016))
    broadcast_id = await start(session_factory, ids)
    sender = make_sender(session_factory, bot, settings=dataclasses.replace(FAST, in_flight=3))

    assert await sender.drain() == 1
    assert 2 <= fake.most_in_flight <= 3
    assert messages_to(fake, ids) == dict.fromkeys(ids, 1)
    assert await states(session_factory, broadcast_id) == dict.fromkeys(ids, ("sent", 0))


async def test_by_default_the_requests_in_flight_are_what_half_a_second_carries_at_the_rate(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    _fake, bot = telegram
    assert make_sender(session_factory, bot, rate=25, settings=FAST)._in_flight == 14
    assert make_sender(session_factory, bot, rate=1000, settings=FAST)._in_flight == 501


async def test_a_429_met_by_several_requests_in_flight_waits_and_sends_each_of_them_once(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    fake.latency = ROUND_TRIP
    ids = await people(session_factory, fake, range(6101, 6107))
    # The first three requests, all on their way before the first answer comes back, are refused.
    fake.limits.fail(None, times=3, retry_after=1)
    broadcast_id = await start(session_factory, ids)
    sender = make_sender(session_factory, bot, settings=dataclasses.replace(FAST, in_flight=4))

    await sender.drain()
    assert fake.most_in_flight >= 3
    assert sender.retry_afters == 3
    assert messages_to(fake, ids) == dict.fromkeys(ids, 1)
    assert await states(session_factory, broadcast_id) == dict.fromkeys(ids, ("sent", 0)), "a 429 is no attempt"


async def test_the_job_is_finished_only_once_every_request_in_flight_has_its_outcome(
    session_factory: async_sessionmaker[AsyncSession],
    telegram: tuple[FakeTelegram, Bot],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, bot = telegram
    fake.latency = ROUND_TRIP
    ids = await people(session_factory, fake, range(6201, 6211))
    fake.limits.fail(ids[-1], times=1, code=500)  # the last one comes back for a second try
    broadcast_id = await start(session_factory, ids)
    at_finish: list[dict[int, tuple[str, int]]] = []
    finish = BroadcastRepository.finish

    async def finishing(repository: BroadcastRepository, *args: object) -> None:
        at_finish.append(await states(session_factory, broadcast_id))
        await finish(repository, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(BroadcastRepository, "finish", finishing)
    sender = make_sender(session_factory, bot, settings=dataclasses.replace(FAST, in_flight=5))

    assert await sender.drain() == 1
    assert at_finish == [{**dict.fromkeys(ids[:-1], ("sent", 0)), ids[-1]: ("sent", 1)}]
    assert messages_to(fake, ids) == dict.fromkeys(ids, 1)


async def test_notices_to_one_chat_go_one_after_the_other_in_the_order_stored_while_other_chats_go_alongside(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    # A round trip longer than the chat's interval: without a guard, a chat's next notice would start
    # before its previous one was answered, and could overtake it.
    fake.latency = 0.1
    ids = await people(session_factory, fake, range(6301, 6306))
    await store(session_factory, (6301, "first"), *[(user_id, "other") for user_id in ids[1:]])
    await store(session_factory, (6301, "second"), (6301, "third"))
    sender = Sender(
        session_factory,
        bot,
        create_i18n(),
        lambda: NOW,
        RateLimiter(500, per_chat_interval=0.01),
        dataclasses.replace(FAST, in_flight=4),
    )

    await sender.drain()
    assert told(fake, 6301) == ["first", "second", "third"]
    assert fake.most_in_flight_to_one_chat == 1
    assert fake.most_in_flight >= 2, "different chats overlap"
    assert messages_to(fake, ids) == {6301: 3, **dict.fromkeys(ids[1:], 1)}


async def test_paid_broadcasts_ask_for_the_higher_limit_on_stored_messages_and_notices_only(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    await add_person(session_factory, fake, HR, "en")
    shown = await bot.send_message(HR, "Starting…")
    ids = await people(session_factory, fake, range(6401, 6404))
    await start(session_factory, ids, progress_chat_id=HR, progress_message_id=shown.message_id)
    await store(session_factory, (6401, "changed"))
    sender = Sender(
        session_factory, bot, create_i18n(), lambda: NOW, RateLimiter(500, per_chat_interval=0.2), FAST, paid=True
    )

    await sender.drain()
    sent = [call for call in fake.calls if call.method == "sendMessage" and int(call.params["chat_id"]) in ids]
    assert len(sent) == 4
    assert all(str(call.params.get("allow_paid_broadcast")).lower() == "true" for call in sent)
    edits = [call for call in fake.calls if call.method == "editMessageText"]
    assert edits and all("allow_paid_broadcast" not in call.params for call in edits), "the summary is no broadcast"


async def test_without_paid_broadcasts_the_parameter_is_not_sent(
    session_factory: async_sessionmaker[AsyncSession], telegram: tuple[FakeTelegram, Bot]
) -> None:
    fake, bot = telegram
    ids = await people(session_factory, fake, [6501])
    await start(session_factory, ids)
    await make_sender(session_factory, bot).drain()
    [call] = [call for call in fake.calls if call.method == "sendMessage"]
    assert "allow_paid_broadcast" not in call.params


def test_a_rate_above_telegrams_free_30_a_second_needs_paid_broadcasts() -> None:
    assert Settings(_env_file=None).broadcast_rate == 25
    assert Settings(_env_file=None).broadcast_paid is False
    with pytest.raises(ValidationError, match="BROADCAST_PAID"):
        Settings(_env_file=None, broadcast_rate=31)
    assert Settings(_env_file=None, broadcast_rate=30).broadcast_rate == 30
    assert Settings(_env_file=None, broadcast_rate=PAID_CEILING, broadcast_paid=True).broadcast_rate == PAID_CEILING
    with pytest.raises(ValidationError):
        Settings(_env_file=None, broadcast_rate=PAID_CEILING + 1, broadcast_paid=True)
    with pytest.raises(ValidationError):
        Settings(_env_file=None, broadcast_rate=0, broadcast_paid=True)


def test_the_paid_flag_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCAST_PAID", "true")
    monkeypatch.setenv("BROADCAST_RATE", "500")
    settings = Settings(_env_file=None)
    assert settings.broadcast_paid is True and settings.broadcast_rate == 500
