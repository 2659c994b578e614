"""The chat page's HTTP API, as the page (and anything else on this machine) can call it.

The tests share one sandbox; each acts only as its own person (see `shared_sandbox`), so none depends on
another having run. Refusals are judged by what reached the emulator: nothing may.
"""

from __future__ import annotations

import asyncio
import io
import ipaddress
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
import qrcode
from PIL import Image
from sqlalchemy import select
from yarl import URL

from bot.db.engine import create_engine
from bot.db.models import Organization, Role
from bot.sandbox.emulator import FakeTelegram
from bot.sandbox.people import PEOPLE, SandboxPerson, SandboxRole, with_role
from bot.sandbox.runner import MARKER, SANDBOX_BOT_USERNAME, Sandbox, SandboxError
from bot.sandbox.web import to_page
from tests.sandbox.conftest import same_origin

pytestmark = pytest.mark.e2e

T = TypeVar("T")

# Every test that sends anything acts as a person no other test here acts as.
LI_WEI, ANNA = (person for person in PEOPLE if person.role is SandboxRole.REGISTRANT)
WANG_FANG = with_role(SandboxRole.STAFF)  # forged button presses
MARIA = with_role(SandboxRole.HR)  # photos, documents, scans and links
SAM = with_role(SandboxRole.ADMIN)  # refusals only: the bot must never hear from him


async def eventually(check: Callable[[], T | None], what: str, timeout: float = 15) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} within {timeout}s")


async def chat(http: aiohttp.ClientSession, sandbox: Sandbox, person: SandboxPerson) -> dict[str, Any]:
    async with http.get(f"{sandbox.url}api/chats/{person.id}") as response:
        assert response.status == 200
        return await response.json()


async def post(
    http: aiohttp.ClientSession, sandbox: Sandbox, path: str, body: Any, expect: int = 200
) -> dict[str, Any]:
    async with http.post(f"{sandbox.url}{path}", json=body, headers=same_origin(sandbox)) as response:
        answer = await response.json()
        assert response.status == expect, answer
        return answer


def updates_seen_by_bot(fake: FakeTelegram) -> list[dict[str, Any]]:
    """Every update the bot fetched, once each (an unconfirmed one is fetched again)."""
    seen: dict[int, dict[str, Any]] = {}
    for call in fake.calls:
        if call.method == "getUpdates" and isinstance(call.result, list):
            seen.update((update["update_id"], update) for update in call.result)
    return [seen[key] for key in sorted(seen)]


def sender(update: dict[str, Any]) -> int | None:
    inner = update.get("message") or update.get("callback_query") or {}
    return (inner.get("from") or {}).get("id")


def sent_by(fake: FakeTelegram, person: SandboxPerson) -> list[dict[str, Any]]:
    return [message for message in fake.chat_history(person.id) if message["from"]["id"] == person.id]


def heard_from(fake: FakeTelegram, person: SandboxPerson) -> list[dict[str, Any]]:
    return [update for update in updates_seen_by_bot(fake) if sender(update) == person.id]


def png(size: tuple[int, int] = (160, 120), colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer)
    return buffer.getvalue()


def outgoing_texts(sandbox: Sandbox, person: SandboxPerson) -> list[str]:
    return [message.get("text", "") for message in sent_by(sandbox.fake, person)]


# --------------------------------------------------------------------------- reading


async def test_state_lists_the_people_the_invite_and_the_commands_in_both_languages(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{shared_sandbox.url}api/state") as response:
        assert response.status == 200
        state = await response.json()

    assert [person["role"] for person in state["people"]] == [
        "registrant",
        "registrant",
        "staff",
        "hr",
        "reviewer",
        "admin",
        "parent",
    ]
    assert [person["id"] for person in state["people"]] == [person.id for person in shared_sandbox.people]
    assert all(person["name"] and person["phone"].startswith("+") for person in state["people"])
    assert state["bot"]["username"] == SANDBOX_BOT_USERNAME

    # The invite is the seeded organization's, whose HR office, staff and reviewer are the people shown with those roles.
    [invite] = state["links"]
    assert invite["url"] == shared_sandbox.links[0].url
    assert "Ningbo Institute of Technology" in invite["label"]
    engine = create_engine(shared_sandbox.database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            [organization] = (await connection.execute(select(Organization))).all()
            roles = {(row.user_id, row.role, row.organization_id) for row in await connection.execute(select(Role))}
    finally:
        await engine.dispose()
    assert invite["url"] == f"https://t.me/{SANDBOX_BOT_USERNAME}?start=join-{organization.invite_code}"
    reviewer = with_role(SandboxRole.REVIEWER)
    assert roles == {(MARIA.id, "hr", organization.id), (WANG_FANG.id, "staff", None), (reviewer.id, "reviewer", None)}

    english = {command["command"]: command["description"] for command in state["commands"]["en"]}
    chinese = {command["command"]: command["description"] for command in state["commands"]["zh"]}
    assert {"start", "code", "checkin", "help"} <= set(english) and set(english) == set(chinese)
    assert english["help"] == "All commands"
    assert english["start"] != chinese["start"] and all("\u4e00" <= c <= "\u9fff" for c in chinese["help"])

    assert state["clock"]["skipped_days"] == shared_sandbox.clock.offset_days
    assert abs(datetime.fromisoformat(state["clock"]["now"]) - shared_sandbox.clock.now()) < timedelta(seconds=5)


async def test_the_page_and_only_its_own_files_are_served(shared_sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.get(shared_sandbox.url) as response:
        assert response.status == 200 and response.content_type == "text/html"
        assert response.headers["Cache-Control"] == "no-store"
    async with http.get(f"{shared_sandbox.url}static/app.js") as response:
        assert response.status == 200 and response.content_type == "text/javascript"
    for name in ("runner.py", "..%2Frunner.py", "%2E%2E%2F__init__.py", "index.htm"):
        async with http.get(f"{shared_sandbox.url}static/{name}") as response:
            assert response.status == 404, name


# --------------------------------------------------------------------------- acting as a person


async def test_a_person_starts_the_bot_and_presses_english(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    fake = shared_sandbox.fake
    await post(http, shared_sandbox, f"api/chats/{ANNA.id}/messages", {"text": "/start"})

    messages = (await chat(http, shared_sandbox, ANNA))["messages"]
    assert messages[0]["outgoing"] and messages[0]["text"] == "/start"
    assert messages[0]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

    def language_question() -> dict[str, Any] | None:
        return next(
            (message for message in _chat_now(shared_sandbox, ANNA) if not message["outgoing"]),
            None,
        )

    question = await eventually(language_question, "no language question")
    assert "Choose your language" in question["text"]
    buttons = {button["text"]: button["callback_data"] for row in question["inline_keyboard"] for button in row}
    assert set(buttons) == {"English", "中文"}

    mark = fake.mark()
    await post(
        http,
        shared_sandbox,
        f"api/chats/{ANNA.id}/buttons",
        {"message_id": question["id"], "callback_data": buttons["English"]},
    )
    answer = await fake.wait_for_call("answerCallbackQuery", after=mark)
    assert answer.ok

    def privacy_notice() -> list[dict[str, Any]] | None:
        messages = _chat_now(shared_sandbox, ANNA)
        return messages if any("Privacy notice" in message["text"] for message in messages) else None

    messages = await eventually(privacy_notice, "no privacy notice after pressing English")
    # The question lost its buttons when answered, as in Telegram; the page draws it from the same data.
    [answered] = [message for message in messages if message["id"] == question["id"]]
    assert answered["edited"] and "inline_keyboard" not in answered
    assert messages == (await chat(http, shared_sandbox, ANNA))["messages"]


def _chat_now(sandbox: Sandbox, person: SandboxPerson) -> list[dict[str, Any]]:
    """The chat as GET /api/chats/<id> gives it, without a request per poll."""
    return [to_page(sandbox, message) for message in sandbox.fake.chat_history(person.id)]


async def test_the_event_stream_delivers_the_message_sent_and_the_bots_reply(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{shared_sandbox.url}api/events") as stream:
        assert stream.status == 200 and stream.content_type == "text/event-stream"

        async def next_line() -> str:
            return (await asyncio.wait_for(stream.content.readline(), 15)).decode().rstrip("\n")

        # The first line is written after the stream subscribed, so nothing sent from here on is missed.
        assert await next_line() == "retry: 1000"
        await post(http, shared_sandbox, f"api/chats/{LI_WEI.id}/messages", {"text": "/start"})

        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + 15
        while not any(event["type"] == "message" and not event["message"]["outgoing"] for event in events):
            assert time.monotonic() < deadline, f"no reply from the bot among {events}"
            line = await next_line()
            if line.startswith("data: "):
                event = json.loads(line.removeprefix("data: "))
                if event.get("chat_id") == LI_WEI.id:
                    events.append(event)

    sent, reply = events[0], events[-1]
    assert sent["type"] == "message" and sent["message"]["outgoing"] and sent["message"]["text"] == "/start"
    assert reply["message"]["inline_keyboard"] and "请选择语言" in reply["message"]["text"]
    # The event carries the message exactly as the chat's history gives it to the page.
    assert reply["message"] in (await chat(http, shared_sandbox, LI_WEI))["messages"]


async def test_a_button_the_message_does_not_show_never_reaches_the_bot(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    fake = shared_sandbox.fake
    await post(http, shared_sandbox, f"api/chats/{WANG_FANG.id}/messages", {"text": "/start"})
    question = await eventually(
        lambda: next((m for m in _chat_now(shared_sandbox, WANG_FANG) if m.get("inline_keyboard")), None),
        "no question with buttons",
    )
    [own_message] = [message for message in _chat_now(shared_sandbox, WANG_FANG) if message["outgoing"]]
    history = fake.chat_history(WANG_FANG.id)
    mark = fake.mark()

    for message_id, data, status in [
        (question["id"], "lang:xx", 409),
        (question["id"], "reg:summary:submit:", 409),
        (question["id"], None, 409),
        (own_message["id"], "lang:zh", 409),  # real data, but on a message without that button
        (str(question["id"]), "lang:zh", 404),
        (question["id"] + 1000, "lang:zh", 404),
    ]:
        body = {"message_id": message_id, "callback_data": data}
        await post(http, shared_sandbox, f"api/chats/{WANG_FANG.id}/buttons", body, expect=status)
    assert fake.chat_history(WANG_FANG.id) == history

    # A real press afterwards: the bot handles updates in order, so its answer shows it got nothing before.
    await post(
        http,
        shared_sandbox,
        f"api/chats/{WANG_FANG.id}/buttons",
        {"message_id": question["id"], "callback_data": "lang:zh"},
    )
    await fake.wait_for_call("answerCallbackQuery", after=mark)
    await fake.wait_until_idle()
    assert [call.method for call in fake.calls[mark:]].count("answerCallbackQuery") == 1
    pressed = [update["callback_query"]["data"] for update in heard_from(fake, WANG_FANG) if "callback_query" in update]
    assert pressed == ["lang:zh"]


# --------------------------------------------------------------------------- refusals


@dataclass(frozen=True)
class Attempt:
    method: str
    path: str  # {sam} and {port} are filled in
    body: Any = None
    status: int = 400
    headers: dict[str, str] = field(default_factory=dict)  # "" removes a header
    form: bool = False  # the body is a multipart form with one "photo" part


REFUSED = {
    "unknown person": Attempt("GET", "api/chats/123", status=404),
    "unknown person posting": Attempt("POST", "api/chats/123/messages", {"text": "hi"}, status=404),
    "person id not a number": Attempt("POST", "api/chats/sam/messages", {"text": "hi"}, status=404),
    "no origin": Attempt("POST", "api/chats/{sam}/messages", {"text": "hi"}, 403, {"Origin": ""}),
    "foreign origin": Attempt(
        "POST", "api/chats/{sam}/messages", {"text": "hi"}, 403, {"Origin": "https://evil.example"}
    ),
    "origin of another port": Attempt(
        "POST", "api/chats/{sam}/messages", {"text": "hi"}, 403, {"Origin": "http://127.0.0.1:1"}
    ),
    "opaque origin": Attempt("POST", "api/clock", {"days": 1}, 403, {"Origin": "null"}),
    "rebound host name": Attempt("GET", "api/state", status=421, headers={"Host": "evil.example:{port}"}),
    "rebound host name posting": Attempt(
        "POST", "api/chats/{sam}/messages", {"text": "hi"}, 421, {"Host": "evil.example:{port}"}
    ),
    "empty text": Attempt("POST", "api/chats/{sam}/messages", {"text": ""}),
    "blank text": Attempt("POST", "api/chats/{sam}/messages", {"text": " \n "}),
    "no text": Attempt("POST", "api/chats/{sam}/messages", {"caption": "hi"}),
    "text of 4097 characters": Attempt("POST", "api/chats/{sam}/messages", {"text": "x" * 4097}),
    "not JSON": Attempt("POST", "api/chats/{sam}/messages", "text=hi"),
    "JSON but not an object": Attempt("POST", "api/chats/{sam}/messages", ["hi"]),
    "not a picture": Attempt("POST", "api/chats/{sam}/photos", b"%PDF-1.4 not a picture", form=True),
    "empty picture": Attempt("POST", "api/chats/{sam}/photos", b"", form=True),
    "picture not as a form": Attempt("POST", "api/chats/{sam}/photos", {"photo": "aGVsbG8="}),
    "skip 0 days": Attempt("POST", "api/clock", {"days": 0}),
    "skip 31 days": Attempt("POST", "api/clock", {"days": 31}),
    "skip '1' days": Attempt("POST", "api/clock", {"days": "1"}),
    "skip true days": Attempt("POST", "api/clock", {"days": True}),
    "skip 1.5 days": Attempt("POST", "api/clock", {"days": 1.5}),
    "skip -1 days": Attempt("POST", "api/clock", {"days": -1}),
    "link to another bot": Attempt("POST", "api/chats/{sam}/links", {"url": "https://t.me/other_bot?start=abc"}),
    "link to a look-alike site": Attempt(
        "POST", "api/chats/{sam}/links", {"url": f"https://t.me.evil.example/{SANDBOX_BOT_USERNAME}?start=abc"}
    ),
    "link that is a script": Attempt("POST", "api/chats/{sam}/links", {"url": "javascript:alert(1)"}),
    "link that is not text": Attempt("POST", "api/chats/{sam}/links", {"url": 12}),
    "button of a message not in the chat": Attempt(
        "POST", "api/chats/{sam}/buttons", {"message_id": 10**6, "callback_data": "lang:en"}, 404
    ),
    "scan of an unknown picture": Attempt("POST", "api/chats/{sam}/scans", {"file_id": "photo-1-0000"}, 404),
}


@pytest.mark.parametrize("attempt", REFUSED.values(), ids=REFUSED.keys())
async def test_a_refused_request_changes_nothing(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession, attempt: Attempt
) -> None:
    fake = shared_sandbox.fake
    clock = shared_sandbox.clock
    assert clock is not None
    # Compared with what was there before this attempt, so one leak fails one case, not every later one.
    await fake.wait_until_idle()
    sent, heard = sent_by(fake, SAM), heard_from(fake, SAM)
    skipped, links = clock.offset_days, list(shared_sandbox.links)

    headers = same_origin(shared_sandbox)
    for name, value in attempt.headers.items():
        if value:
            headers[name] = value.format(port=shared_sandbox.port)
        else:
            headers.pop(name)
    url = shared_sandbox.url + attempt.path.format(sam=SAM.id)
    if attempt.form:
        body = aiohttp.FormData()
        body.add_field("photo", attempt.body, filename="photo.png", content_type="image/png")
        kwargs: dict[str, Any] = {"data": body}
    elif isinstance(attempt.body, str):
        kwargs = {"data": attempt.body, "headers": {**headers, "Content-Type": "application/x-www-form-urlencoded"}}
    else:
        kwargs = {"json": attempt.body} if attempt.body is not None else {}
    kwargs.setdefault("headers", headers)
    async with http.request(attempt.method, url, **kwargs) as response:
        assert response.status == attempt.status, await response.text()
        assert response.content_type == "application/json"
        assert (await response.json())["error"]

    assert sent_by(fake, SAM) == sent
    assert clock.offset_days == skipped and shared_sandbox.links == links
    await fake.wait_until_idle()
    assert heard_from(fake, SAM) == heard


# --------------------------------------------------------------------------- the clock


async def test_skipping_a_day_moves_the_sandbox_clock_and_the_bots_clock_file(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    clock, bot = shared_sandbox.clock, shared_sandbox.bot
    assert clock is not None and bot is not None and bot.clock_path is not None
    skipped = clock.offset_days

    answer = await post(http, shared_sandbox, "api/clock", {"days": 1})

    assert clock.offset_days == answer["skipped_days"] == skipped + 1
    expected = datetime.now(UTC) + timedelta(days=skipped + 1)
    assert abs(clock.now() - expected) < timedelta(seconds=5)
    assert abs(datetime.fromisoformat(answer["now"]) - expected) < timedelta(seconds=5)
    # The bot reads its "now" from this file; it must have moved at once, not only on the next tick.
    assert abs(datetime.fromisoformat(bot.clock_path.read_text()) - expected) < timedelta(seconds=5)


# --------------------------------------------------------------------------- pictures, files and links


async def test_scanning_a_code_of_this_bot_sends_start_with_its_payload(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    fake = shared_sandbox.fake

    async def photo_of(picture: bytes) -> str:
        update = await fake.send_photo(MARIA.user, picture)
        stored = fake.message(MARIA.id, update["message"]["message_id"])
        assert stored is not None
        return stored["photo"][-1]["file_id"]

    code = await photo_of(qr_png(f"https://t.me/{SANDBOX_BOT_USERNAME}?start=abc"))
    await post(http, shared_sandbox, f"api/chats/{MARIA.id}/scans", {"file_id": code})
    assert outgoing_texts(shared_sandbox, MARIA)[-1] == "/start abc"

    for picture in (png(), qr_png("https://t.me/other_bot?start=abc"), qr_png("just some words")):
        sent = outgoing_texts(shared_sandbox, MARIA)
        await post(http, shared_sandbox, f"api/chats/{MARIA.id}/scans", {"file_id": await photo_of(picture)}, 422)
        assert outgoing_texts(shared_sandbox, MARIA) == sent + [""]  # only the photo itself

    document = await fake.send_document(MARIA.user, qr_png(f"https://t.me/{SANDBOX_BOT_USERNAME}?start=abc"), "qr.png")
    sent = outgoing_texts(shared_sandbox, MARIA)
    file_id = document["message"]["document"]["file_id"]
    await post(http, shared_sandbox, f"api/chats/{MARIA.id}/scans", {"file_id": file_id}, 404)
    assert outgoing_texts(shared_sandbox, MARIA) == sent


async def test_opening_the_invite_link_sends_start_with_its_code(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    invite = shared_sandbox.links[0].url
    await post(http, shared_sandbox, f"api/chats/{MARIA.id}/links", {"url": invite})
    assert outgoing_texts(shared_sandbox, MARIA)[-1] == f"/start {invite.split('?start=')[1]}"

    await post(http, shared_sandbox, f"api/chats/{MARIA.id}/links", {"url": f"https://t.me/{SANDBOX_BOT_USERNAME}"})
    assert outgoing_texts(shared_sandbox, MARIA)[-1] == "/start"


async def test_files_are_served_pictures_to_show_and_documents_to_download(
    shared_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    fake = shared_sandbox.fake
    picture = png((400, 300))
    update = await fake.send_photo(MARIA.user, picture)
    thumbnail, original = (size["file_id"] for size in update["message"]["photo"])
    async with http.get(f"{shared_sandbox.url}api/files/{original}") as response:
        assert response.status == 200 and response.content_type == "image/png"
        assert await response.read() == picture
        assert "Content-Disposition" not in response.headers
    async with http.get(f"{shared_sandbox.url}api/files/{thumbnail}") as response:
        assert response.status == 200 and response.content_type == "image/jpeg"

    report = b"%PDF-1.4\n% a report\n"
    update = await fake.send_document(MARIA.user, report, "健康 report.pdf")
    async with http.get(f"{shared_sandbox.url}api/files/{update['message']['document']['file_id']}") as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        assert response.headers["Content-Disposition"] == "attachment; filename*=UTF-8''%E5%81%A5%E5%BA%B7%20report.pdf"
        assert await response.read() == report

    # A page sent as a document must not run as the sandbox's own page.
    update = await fake.send_document(MARIA.user, b"<script>alert(1)</script>", "page.html", mime_type="text/html")
    async with http.get(f"{shared_sandbox.url}api/files/{update['message']['document']['file_id']}") as response:
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    sticker = (await fake.send_sticker(MARIA.user))["message"]["sticker"]["file_id"]
    for unknown in (sticker, "photo-1-0000000000000000", original + "x"):
        async with http.get(f"{shared_sandbox.url}api/files/{unknown}") as response:
            assert response.status == 404, unknown


# --------------------------------------------------------------------------- where it listens, what it touches


def listening_addresses(port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The local addresses of the TCP sockets listening on `port`, as the kernel lists them."""
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # The kernel prints each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[index : index + 4][::-1] for index in range(0, len(raw), 4))
            found.append(ipaddress.ip_address(raw))
    return found


async def test_the_emulator_and_the_page_listen_on_this_machine_only(shared_sandbox: Sandbox) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux's /proc/net/tcp")
    emulator, page = URL(shared_sandbox.fake.base_url), URL(shared_sandbox.url)
    assert emulator.host == page.host == "127.0.0.1"
    for port in (emulator.port, page.port):
        assert port is not None
        assert listening_addresses(port) == [ipaddress.ip_address("127.0.0.1")]


async def test_the_sandbox_never_empties_a_folder_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter-1.md").write_text("two years of work")

    with pytest.raises(SandboxError, match="did not make"):
        async with Sandbox(folder, port=0):
            pass

    assert [path.name for path in folder.iterdir()] == ["chapter-1.md"]
    assert (folder / "chapter-1.md").read_text() == "two years of work"
    assert not (folder / MARKER).exists()


async def test_a_second_sandbox_on_a_taken_port_leaves_the_running_one_alone(
    shared_sandbox: Sandbox, tmp_path: Path
) -> None:
    """Running `make run` twice: the second must fail on the port before it empties the first one's folder."""
    bot = shared_sandbox.bot
    assert bot is not None
    log_before = bot.log()
    assert log_before
    other_database = f"sqlite+aiosqlite:///{tmp_path / 'other.sqlite3'}"

    with pytest.raises(OSError):
        async with Sandbox(shared_sandbox.data_dir, port=shared_sandbox.port, database_url=other_database):
            pass

    assert bot.log().startswith(log_before)
    assert bot.running
