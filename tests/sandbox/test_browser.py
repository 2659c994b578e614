"""The sandbox's chat page in real headless Chromium: people click and type on the page as they would in Telegram.

Chromium is Debian's package (`make browser` installs it); Playwright drives it without downloading a
browser of its own. Each step leaves a screenshot under test-artifacts/screenshots/<test>/, kept after
the run, so a failure can be looked at.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from bot.sandbox.people import CHILD_NAME, SandboxRole, with_role
from bot.sandbox.runner import Sandbox
from tests.people import Person
from tests.sandbox.conftest import ChatPage, chat_page
from tests.scenarios import back_from_abroad, file_id, register

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REPLY_TIMEOUT_MS = 15_000


class Phone:
    """The chat page, showing one person's chat at a time; every step is also a screenshot."""

    def __init__(self, opened: ChatPage) -> None:
        self.page = opened.page
        self.folder = opened.folder
        self._shots = 0

    async def shot(self, name: str) -> None:
        self._shots += 1
        await self.page.screenshot(path=self.folder / f"{self._shots:02d}-{name}.png")

    async def become(self, role: SandboxRole) -> None:
        person = with_role(role)
        await self.page.click(f'.person[data-person-id="{person.id}"]')
        await expect(self.page.locator("#viewer")).to_contain_text(person.name)

    def last_from_bot(self):  # noqa: ANN201 - a Playwright Locator
        return self.page.locator(".message.incoming").last

    async def bot_says(self, text: str) -> None:
        await expect(self.last_from_bot()).to_contain_text(text, timeout=REPLY_TIMEOUT_MS)

    async def type(self, text: str, reply: str) -> None:
        await self.page.fill("#text", text)
        await self.page.press("#text", "Enter")
        await self.bot_says(reply)

    async def press(self, label: str, reply: str) -> None:
        await self.last_from_bot().locator(".inline-button", has_text=label).first.click()
        await self.bot_says(reply)


@pytest.fixture
async def phone(browser: Browser, sandbox: Sandbox, request: pytest.FixtureRequest) -> AsyncIterator[Phone]:
    options = {"viewport": {"width": 1280, "height": 860}, "accept_downloads": True}
    async with chat_page(browser, sandbox, request, **options) as opened:
        shown = Phone(opened)
        yield shown
        await shown.shot("end")


@pytest.fixture
async def small_phone(browser: Browser, sandbox: Sandbox, request: pytest.FixtureRequest) -> AsyncIterator[Phone]:
    """The chat page on a phone-sized screen (390×844 CSS pixels, an iPhone 12 to 14), touch and all."""
    options = {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }
    async with chat_page(browser, sandbox, request, **options) as opened:
        shown = Phone(opened)
        yield shown
        await shown.shot("end")


async def register_in_chinese(phone: Phone) -> None:
    """李伟 opens their organization's invite link and answers every question by clicking and typing."""
    await phone.become(SandboxRole.REGISTRANT)
    await phone.page.click("#links a")  # the invite, opened on 李伟's phone
    await phone.bot_says("请选择语言")
    await phone.press("中文", "宁波理工学院")
    await phone.shot("privacy-notice-names-the-organization")
    await phone.press("同意", "姓名")
    await phone.type("李伟", "国籍")
    await phone.type("中国", "证件")
    await phone.press("居民身份证", "号码")
    await phone.type("11010519491231002X", "手机")
    await phone.shot("share-my-number")
    await phone.page.click('#reply-keyboard .reply-button[data-request-contact="true"]')
    await phone.bot_says("居住的区县")
    await phone.press("海曙", "住址")
    await phone.type("海曙区中山西路 1 号", "宁波")
    await phone.press("在，我现在在宁波", "14 天")
    await phone.press("以上都没有", "密切接触")
    await phone.press("以上都没有", "告知")
    await phone.press("以上都没有", "症状")
    await phone.press("没有症状", "体温")
    await phone.type("36.6", "请核对")
    await phone.shot("summary")
    await phone.press("提交", "绿码")


async def test_register_in_chinese_then_staff_scan_and_hr_sees_who_has_not_checked_in(phone: Phone) -> None:
    page = phone.page
    await register_in_chinese(phone)
    code = page.locator(".message.incoming img.photo").last
    await expect(code).to_be_visible()
    assert await code.evaluate("image => image.complete && image.naturalWidth >= 400"), "the code image is large"
    await phone.shot("green-code")

    # The checkpoint: 王芳's phone camera scans the code on 李伟's screen.
    await code.click()
    await page.click(f'#scan-dialog .scan-as[data-person-id="{with_role(SandboxRole.STAFF).id}"]')
    await expect(page.locator("#viewer")).to_contain_text(with_role(SandboxRole.STAFF).name)
    await phone.bot_says("通行")
    # As in Telegram's apps, the link's /start shows without its token.
    await expect(page.locator(".message.outgoing .text").last).to_have_text("/start")
    card = await phone.last_from_bot().inner_text()
    assert card.startswith("✅ PASS · 通行 — GREEN CODE 绿码"), "the first line alone is the decision"
    assert "李伟" in card and "无效" not in card
    await phone.shot("staff-sees-a-valid-card")

    # The next morning the HR office looks for who has not checked in yet.
    await page.click("#next-day")
    await expect(page.locator("#clock")).to_contain_text("1 day ahead")
    await phone.become(SandboxRole.HR)
    await phone.type("/report", "Not checked in yet: 1")
    await phone.shot("hr-report")
    await phone.press("Not checked in (1)", "李伟")
    await phone.shot("hr-sees-the-registrant")


async def test_live_updates_a_photo_from_disk_edits_in_place_and_a_downloaded_document(
    phone: Phone, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = phone.page
    anna = next(p for p in sandbox.people if p.role is SandboxRole.REGISTRANT and p.user.language_code == "en")
    await phone.become(SandboxRole.STAFF)

    # Anna registers on her own phone (driven through the emulator, as another device would) while the page
    # shows the staff member: her messages reach the page live, as an unread count, without a reload.
    code_call = await register(sandbox.fake, Person(sandbox.fake, anna.user), name="Anna Schmidt")
    badge = page.locator(f'.person[data-person-id="{anna.id}"] .unread')
    await expect(badge).to_be_visible()
    assert int(await badge.inner_text()) >= 10
    await phone.shot("unread-count-arrives-live")

    # The staff member sends a photo of Anna's code from disk, as from a phone's gallery.
    picture = tmp_path / "anna-code.png"
    picture.write_bytes(sandbox.fake.file_bytes(file_id(code_call)))
    await page.set_input_files("#photo-input", str(picture))
    await expect(page.locator(".message.outgoing img.photo").last).to_be_visible()
    await phone.bot_says("通行")
    assert "Anna Schmidt" in await phone.last_from_bot().inner_text()
    await phone.shot("staff-verifies-a-photo")

    # Anna's chat: the language question was edited in place when she chose English (no second message).
    await page.click(f'.person[data-person-id="{anna.id}"]')
    await expect(badge).to_be_hidden()
    first = page.locator(".message.incoming").first
    await expect(first).to_contain_text("Choose your language")
    await expect(first.locator(".meta")).to_contain_text("edited")

    # /mydata from the command menu: two documents, each one downloadable.
    await page.click("#menu")
    await page.locator("#commands .command-item", has_text="/mydata").click()
    documents = page.locator(".message.incoming a.document")
    await expect(documents).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    async with page.expect_download() as download_info:
        await documents.last.click()
    download = await download_info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    assert "Anna Schmidt" in saved.read_text(encoding="utf-8-sig")
    await phone.shot("documents")


async def test_a_red_code_on_a_phone_shows_the_whole_qr_without_scrolling(small_phone: Phone, sandbox: Sandbox) -> None:
    """A red code's caption ran 8 to 11 lines and pushed the QR off a 390×844 screen. Now the caption is the
    colour, valid until and the time shown; why is behind a button, and the whole image is on screen."""
    page = small_phone.page
    anna = next(p for p in sandbox.people if p.role is SandboxRole.REGISTRANT and p.user.language_code == "en")
    # Back from abroad: red, with the longest explanation a newcomer gets.
    await back_from_abroad(Person(sandbox.fake, anna.user))

    await page.click(f'.person[data-person-id="{anna.id}"]')
    await small_phone.type("/code", "RED CODE")
    code = page.locator(".message.incoming img.photo").last
    await expect(code).to_be_visible()
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.message.incoming img.photo')].every(image => image.complete)"
    )
    await small_phone.shot("red-code-on-a-phone")
    chat = await page.locator("#messages").bounding_box()
    image = await code.bounding_box()
    assert chat is not None and image is not None
    assert image["y"] >= chat["y"], f"the QR's top edge is above the chat's view: {image} in {chat}"
    assert image["y"] + image["height"] <= chat["y"] + chat["height"], f"the QR is cut off below: {image} in {chat}"
    assert image["width"] >= 200, "large enough to scan from a phone's screen"

    # Why red, the next step and the earliest green date: one press away, as a new message.
    await small_phone.press("Why this colour?", "Earliest date it can turn green")
    explanation = await small_phone.last_from_bot().inner_text()
    assert "you stayed abroad in the last 14 days" in explanation and "Next step" in explanation
    await small_phone.shot("why-red")


async def test_an_empty_chat_says_to_press_start_and_its_button_starts_the_bot(phone: Phone) -> None:
    page = phone.page
    await phone.become(SandboxRole.REGISTRANT)
    empty = page.locator("#empty-chat")
    await expect(empty).to_be_visible()
    await expect(empty).to_contain_text("/start")
    await phone.shot("empty-chat")
    await empty.locator("button", has_text="/start").click()
    await phone.bot_says("Choose your language")
    await expect(empty).to_have_count(0)


async def test_a_red_code_appealed_on_the_page_and_granted_by_the_reviewer_turns_green(
    phone: Phone, sandbox: Sandbox
) -> None:
    page = phone.page
    anna = next(p for p in sandbox.people if p.role is SandboxRole.REGISTRANT and p.user.language_code == "en")
    await back_from_abroad(Person(sandbox.fake, anna.user))

    # Anna contests the stay abroad: her test and her release are the reviewer's to weigh.
    await page.click(f'.person[data-person-id="{anna.id}"]')
    await phone.type("/appeal", "Which reason")
    await phone.press("abroad", "Write why")
    await phone.type("I came back on 1 March and was released from quarantine today", "photo of a document")
    await phone.press("No photo", "Send it to a reviewer?")
    await phone.press("Send the appeal", "Your appeal was sent")
    await phone.type("/status", "is being reviewed")
    await phone.shot("appeal-under-review")

    # The reviewer's queue: the contested reason and her words, not her name.
    await phone.become(SandboxRole.REVIEWER)
    await phone.type("/appeals", "Reason contested")
    card = await phone.last_from_bot().inner_text()
    assert "released from quarantine today" in card and "abroad" in card
    assert "Anna" not in card and "Schmidt" not in card
    await phone.shot("reviewer-sees-the-appeal")
    await phone.press("Grant", "Green for how long?")
    await phone.press("14 days", "Granted: green until")
    await phone.shot("reviewer-granted")

    # Anna is told through the outbox, in her language, never by whom; her code is green at once.
    await page.click(f'.person[data-person-id="{anna.id}"]')
    await phone.bot_says("was granted")
    assert "David" not in await phone.last_from_bot().inner_text()
    await phone.type("/code", "GREEN CODE")
    await phone.shot("green-after-the-appeal")
    await phone.type("/status", "Why: your appeal was granted.")
    # The last green day as she was told it and as /history has it.
    granted = await phone.last_from_bot().inner_text()
    await phone.type("/history", "Appeal granted: you stayed abroad")
    history = await phone.last_from_bot().inner_text()
    last_day = re.search(r"Green until (\w+ \d+, \d{4})", history)
    assert last_day is not None and f"Green until {last_day.group(1)};" in granted
    await phone.shot("history-after-the-appeal")


async def test_a_parent_adds_a_child_on_the_page_and_staff_scan_the_childs_code(phone: Phone, sandbox: Sandbox) -> None:
    """Issue 16: Anna, registered on her own phone, adds her daughter, who has none; 王芳 scans the daughter's
    code on Anna's screen and sees the daughter's name and colour, and that the code is on someone else's phone."""
    page = phone.page
    anna = next(p for p in sandbox.people if p.role is SandboxRole.REGISTRANT and p.user.language_code == "en")
    await register(sandbox.fake, Person(sandbox.fake, anna.user), name="Anna Schmidt")

    await page.click(f'.person[data-person-id="{anna.id}"]')
    await phone.type("/family", "No family members yet")
    await phone.press("Add a family member", "Who is the family member to you?")
    await phone.press("Child", "What is their full name")
    await phone.type("Mia Schmidt", "What is their nationality")
    await phone.type("Germany", "Which ID document will they use")
    await phone.press("Passport", "number of that document")
    await phone.type("E87654321", "In which district or county of Ningbo do they live")
    await phone.press("Yinzhou", "What is their address")
    await phone.type("199 Taikang East Road, building 3", "Are they in Ningbo now")
    await phone.press("Yes", "have they stayed in any of these")
    await phone.press("None of these", "have they been in close contact")
    await phone.press("None of these", "told them")
    await phone.press("None of these", "Do they have any of these symptoms")
    await phone.press("No symptoms", "What is their body temperature")
    await phone.type("36.6", "Please check your answers")
    await phone.shot("child-summary-with-the-parents-phone")
    await phone.press("Submit", "GREEN CODE")
    await phone.shot("child-code")

    code = page.locator(".message.incoming img.photo").last
    await code.click()
    staff = with_role(SandboxRole.STAFF)
    await page.click(f'#scan-dialog .scan-as[data-person-id="{staff.id}"]')
    await expect(page.locator("#viewer")).to_contain_text(staff.name)
    await phone.bot_says("通行")
    card = await phone.last_from_bot().inner_text()
    assert card.startswith("✅ PASS · 通行 — GREEN CODE 绿码")
    assert "Mia Schmidt" in card and "家人的健康码：由他人手机持有。" in card
    assert "Anna" not in card, "never whose phone"
    await phone.shot("staff-sees-the-childs-card")


async def test_the_seeded_parent_shows_the_childs_code_and_staff_scan_it(phone: Phone, sandbox: Sandbox) -> None:
    """Issue 16, from the sandbox's start: Tom and his daughter Lena are registered (bot/sandbox/people.py).
    Tom shows Lena's code on his phone; 王芳 scans it and sees Lena's name and colour, and that the code is
    on someone else's phone, never whose."""
    page = phone.page
    await phone.become(SandboxRole.PARENT)
    await phone.type("/code", "Your family members' codes:")
    await phone.shot("parent-code-and-family-buttons")
    await phone.press(f"Show {CHILD_NAME}'s code", "GREEN CODE")
    await phone.shot("child-code")

    code = page.locator(".message.incoming img.photo").last
    await code.click()
    staff = with_role(SandboxRole.STAFF)
    await page.click(f'#scan-dialog .scan-as[data-person-id="{staff.id}"]')
    await expect(page.locator("#viewer")).to_contain_text(staff.name)
    await phone.bot_says("通行")
    card = await phone.last_from_bot().inner_text()
    assert card.startswith("✅ PASS · 通行 — GREEN CODE 绿码")
    assert CHILD_NAME in card and "家人的健康码：由他人手机持有。" in card
    assert "Tom" not in card, "never whose phone"
    await phone.shot("staff-sees-the-seeded-childs-card")

    # Both codes at once, as an album (sendMediaGroup), each picture captioned with its holder's name.
    await phone.become(SandboxRole.PARENT)
    await phone.type("/code", "Your family members' codes:")
    await phone.last_from_bot().locator(".inline-button", has_text="All codes").first.click()
    await expect(phone.last_from_bot()).to_contain_text(CHILD_NAME, timeout=REPLY_TIMEOUT_MS)
    await expect(page.locator(".message.incoming img.photo")).to_have_count(5, timeout=REPLY_TIMEOUT_MS)
    await phone.shot("all-codes-album")
